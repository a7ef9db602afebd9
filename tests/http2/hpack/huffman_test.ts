import assert from "node:assert/strict";
import { HpackError } from "../../../lib/http2/hpack/errors.ts";
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from "../../../lib/http2/hpack/huffman.ts";
import {
  HUFFMAN_CODES,
  HUFFMAN_EOS,
  HUFFMAN_LENGTHS,
} from "../../../lib/http2/hpack/huffman_table.ts";

function hex(s: string): Uint8Array {
  const digits = s.replace(/\s+/g, "");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

function bits(s: string): Uint8Array {
  const digits = s.replace(/\s+/g, "");
  const out = new Uint8Array(digits.length / 8);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(digits.slice(i * 8, i * 8 + 8), 2);
  }
  return out;
}

Deno.test("the Appendix B table is a complete prefix code (Kraft sum exactly 1)", () => {
  let sum = 0;
  for (let s = 0; s <= HUFFMAN_EOS; s++) sum += 2 ** -HUFFMAN_LENGTHS[s];
  assert.equal(sum, 1);
});

Deno.test("the Appendix B table is canonical: codes ordered by (length, symbol) are consecutive", () => {
  // A transcription typo in any code or length breaks this property.
  const order = [...Array(HUFFMAN_EOS + 1).keys()].sort((a, b) =>
    HUFFMAN_LENGTHS[a] - HUFFMAN_LENGTHS[b] || a - b
  );
  let code = 0;
  for (let i = 0; i < order.length; i++) {
    const s = order[i];
    if (i > 0) {
      code = (code + 1) *
        2 ** (HUFFMAN_LENGTHS[s] - HUFFMAN_LENGTHS[order[i - 1]]);
    }
    assert.equal(HUFFMAN_CODES[s], code, `symbol ${s}`);
  }
  assert.equal(HUFFMAN_CODES[HUFFMAN_EOS], 0x3fffffff);
  assert.equal(HUFFMAN_LENGTHS[HUFFMAN_EOS], 30);
});

Deno.test("huffmanEncode() produces the RFC 7541 Appendix C.4 and C.6 strings", () => {
  const cases: [string, string][] = [
    ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
    ["no-cache", "a8eb 1064 9cbf"],
    ["custom-key", "25a8 49e9 5ba9 7d7f"],
    ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
    ["302", "6402"],
    ["307", "640e ff"],
    ["private", "aec3 771a 4b"],
    [
      "Mon, 21 Oct 2013 20:13:21 GMT",
      "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
    ],
    ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
    ["gzip", "9bd9 ab"],
    [
      "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
      "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ],
  ];
  for (const [text, coded] of cases) {
    assert.deepEqual(huffmanEncode(text), hex(coded), text);
    assert.equal(huffmanEncodedLength(text), hex(coded).length, text);
    assert.equal(huffmanDecode(hex(coded)), text, text);
  }
});

Deno.test("huffmanEncode() and huffmanDecode() round-trip every octet 0..255", () => {
  let all = "";
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  assert.equal(huffmanDecode(huffmanEncode(all)), all);
  for (let i = 0; i < 256; i++) {
    const one = String.fromCharCode(i);
    assert.equal(huffmanDecode(huffmanEncode(one)), one, `octet ${i}`);
    const three = one + String.fromCharCode(255 - i) + one;
    assert.equal(huffmanDecode(huffmanEncode(three)), three, `octets ${i}`);
  }
});

Deno.test("huffmanDecode() round-trips random long strings, including rare 30-bit octets", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let n = 0; n < 50; n++) {
    const length = Math.floor(random() * 5000);
    const codes = new Array<number>(length);
    for (let i = 0; i < length; i++) codes[i] = Math.floor(random() * 256);
    const s = String.fromCharCode(...codes);
    assert.equal(huffmanDecode(huffmanEncode(s)), s);
  }
});

Deno.test("huffmanDecode() decodes an empty string", () => {
  assert.equal(huffmanDecode(new Uint8Array(0)), "");
});

Deno.test("huffmanDecode() accepts padding of up to 7 one bits", () => {
  // 'a' = 00011, padded with 3 ones.
  assert.equal(huffmanDecode(bits("00011 111")), "a");
  // "0a" = 00000 00011 + 6 ones → 16 bits.
  assert.equal(huffmanDecode(bits("00000 00011 111111")), "0a");
});

Deno.test("huffmanDecode() rejects padding that is not all ones", () => {
  assert.throws(() => huffmanDecode(bits("00011 110")), HpackError);
  assert.throws(() => huffmanDecode(bits("00011 011")), HpackError);
});

Deno.test("huffmanDecode() rejects padding longer than 7 bits", () => {
  // "a" (5 bits) then 11 bits of ones.
  assert.throws(() => huffmanDecode(bits("00011 11111111111")), HpackError);
  // A lone octet of ones is 8 bits of padding.
  assert.throws(() => huffmanDecode(bits("11111111")), HpackError);
  // "a" "a" "0" (15 bits) then a whole octet of ones after a 1-bit pad.
  assert.throws(
    () => huffmanDecode(bits("00011 00011 00000 1 11111111")),
    HpackError,
  );
});

Deno.test("huffmanDecode() rejects a string containing the EOS symbol", () => {
  // EOS = 30 ones, then 2 more padding ones.
  assert.throws(() => huffmanDecode(hex("ffffffff")), HpackError);
  // 'a' then EOS then padding: 5 + 30 + 5 = 40 bits.
  assert.throws(
    () => huffmanDecode(bits("00011" + "1".repeat(30) + "11111")),
    HpackError,
  );
});

Deno.test("huffmanEncodedLength() rejects code units above 255", () => {
  assert.throws(() => huffmanEncodedLength("é€"), RangeError);
});
