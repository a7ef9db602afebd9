import assert from "node:assert/strict";
import { HpackDecoder } from "../../../lib/http2/hpack/decoder.ts";
import { HpackError } from "../../../lib/http2/hpack/errors.ts";

function hex(s: string): Uint8Array {
  const digits = s.replace(/\s+/g, "");
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

// RFC 7541 C.3, three requests without Huffman coding.
const C3 = [
  "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
  "8286 84be 5808 6e6f 2d63 6163 6865",
  "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
];

Deno.test("decode() keeps octets 0x80..0xff exactly as Latin-1 code units", () => {
  const decoded = new HpackDecoder().decode(hex("0001 6103 80ff 00"));
  assert.deepEqual(decoded.fields, [["a", "\x80\xff\x00"]]);
});

Deno.test("decode() rejects index 0", () => {
  assert.throws(() => new HpackDecoder().decode(hex("80")), HpackError);
});

Deno.test("decode() rejects an index past the end of the tables", () => {
  assert.throws(() => new HpackDecoder().decode(hex("be")), HpackError); // 62, empty table
  const decoder = new HpackDecoder();
  decoder.decode(hex(C3[0])); // one dynamic entry: 62
  assert.deepEqual(decoder.decode(hex("be")).fields, [[
    ":authority",
    "www.example.com",
  ]]);
  assert.throws(() => decoder.decode(hex("bf")), HpackError); // 63
  assert.throws(() => decoder.decode(hex("7f01 0161")), HpackError); // name index 64
  assert.throws(() => decoder.decode(hex("0f31 0161")), HpackError); // name index 64
});

Deno.test("decode() rejects a truncated integer", () => {
  assert.throws(() => new HpackDecoder().decode(hex("ff")), HpackError);
  assert.throws(() => new HpackDecoder().decode(hex("ff80")), HpackError);
});

Deno.test("decode() rejects an integer overflowing 2^32 - 1", () => {
  assert.throws(
    () => new HpackDecoder().decode(hex("ffff ffff ffff 7f")),
    HpackError,
  );
});

Deno.test("decode() rejects input ending before a string or inside one", () => {
  assert.throws(() => new HpackDecoder().decode(hex("40")), HpackError);
  assert.throws(() => new HpackDecoder().decode(hex("4001 61")), HpackError);
  assert.throws(() => new HpackDecoder().decode(hex("4003 6162")), HpackError);
  assert.throws(() => new HpackDecoder().decode(hex("0f")), HpackError);
});

Deno.test("decode() rejects a string length past the end of the block", () => {
  assert.throws(
    () => new HpackDecoder().decode(hex("047f ffff ff0f")),
    HpackError,
  );
  assert.throws(() => new HpackDecoder().decode(hex("0405 6162")), HpackError);
});

Deno.test("decode() rejects bad Huffman padding in a literal", () => {
  // "a" = 00011 padded with 000 instead of 111.
  assert.throws(
    () => new HpackDecoder().decode(hex("0001 6181 18")),
    HpackError,
  );
  // "a" + 111 then a full octet of ones: 11 bits of padding.
  assert.throws(
    () => new HpackDecoder().decode(hex("0001 6182 1fff")),
    HpackError,
  );
});

Deno.test("decode() rejects the EOS symbol inside a Huffman string", () => {
  assert.throws(
    () => new HpackDecoder().decode(hex("0001 6184 ffff ffff")),
    HpackError,
  );
});

Deno.test("decode() applies a size update at the start of a block", () => {
  const decoder = new HpackDecoder();
  decoder.decode(hex(C3[0]));
  assert.equal(decoder.dynamicTableSize, 57);
  const decoded = decoder.decode(hex("20 82")); // size 0, then :method GET
  assert.deepEqual(decoded.fields, [[":method", "GET"]]);
  assert.equal(decoder.dynamicTableSize, 0);
  assert.equal(decoder.dynamicTableMaxSize, 0);
  // Two updates in a row are allowed (RFC 7541 §4.2: smallest, then final).
  decoder.decode(hex("20 3fe1 1f 82"));
  assert.equal(decoder.dynamicTableMaxSize, 4096);
});

Deno.test("decode() rejects a size update above our advertised maximum", () => {
  // 4097 = 31 + 4066 = 0x3f 0xe2 0x1f.
  assert.throws(() => new HpackDecoder().decode(hex("3fe2 1f")), HpackError);
  const decoder = new HpackDecoder({ maxTableSize: 256 });
  assert.throws(() => decoder.decode(hex("3fe2 01")), HpackError); // 257
});

Deno.test("decode() rejects a size update after a header field", () => {
  assert.throws(() => new HpackDecoder().decode(hex("82 20")), HpackError);
});

Deno.test("decode() requires a size update after setMaxTableSize() lowered the limit", () => {
  const decoder = new HpackDecoder();
  decoder.decode(hex(C3[0]));
  decoder.setMaxTableSize(100);
  assert.throws(() => decoder.decode(hex("82")), HpackError);

  const ok = new HpackDecoder();
  ok.decode(hex(C3[0]));
  ok.setMaxTableSize(100);
  assert.throws(() => ok.decode(hex("3f 46 82")), HpackError); // 101 > 100
  const again = new HpackDecoder();
  again.setMaxTableSize(100);
  assert.deepEqual(again.decode(hex("3f 45 82")).fields, [[":method", "GET"]]); // 100
  assert.equal(again.dynamicTableMaxSize, 100);
  assert.deepEqual(again.decode(hex("82")).fields, [[":method", "GET"]]);
});

Deno.test("decode() does not require a size update when the limit was raised", () => {
  const decoder = new HpackDecoder();
  decoder.setMaxTableSize(8192);
  assert.deepEqual(decoder.decode(hex("82")).fields, [[":method", "GET"]]);
  assert.deepEqual(decoder.decode(hex("3fe1 3f 82")).fields, [[
    ":method",
    "GET",
  ]]);
  assert.equal(decoder.dynamicTableMaxSize, 8192);
});

Deno.test("decode() marks an oversize list, drops fields past the limit, and keeps the table in sync", () => {
  // C.3.3 holds 5 fields; a limit of 150 keeps the first three:
  // :method GET (42) + :scheme https (44) + :path /index.html (48) = 134.
  const decoder = new HpackDecoder({ maxHeaderListSize: 150 });
  decoder.decode(hex(C3[0]));
  decoder.decode(hex(C3[1]));
  const decoded = decoder.decode(hex(C3[2]));
  assert.equal(decoded.oversize, true);
  assert.deepEqual(decoded.fields, [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
  ]);
  // custom-key: custom-value, added by the dropped part, is still index 62.
  assert.deepEqual(decoder.dynamicTableEntries(), [
    ["custom-key", "custom-value"],
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ]);
  decoder.maxHeaderListSize = 65536;
  const next = decoder.decode(hex("be bf c0"));
  assert.equal(next.oversize, false);
  assert.deepEqual(next.fields, [
    ["custom-key", "custom-value"],
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ]);
});

Deno.test("decode() of an empty block yields no fields", () => {
  assert.deepEqual(new HpackDecoder().decode(new Uint8Array(0)), {
    fields: [],
    oversize: false,
  });
});

Deno.test("a repeated block returns the same list until the table changes", () => {
  const decoder = new HpackDecoder();
  // :method POST, then "x: 1" added to the table (literal with indexing).
  const first = new Uint8Array([0x83, 0x40, 0x01, 0x78, 0x01, 0x31]);
  assert.deepEqual(decoder.decode(first).fields, [[":method", "POST"], [
    "x",
    "1",
  ]]);
  // Indexed only: :method POST and the dynamic entry 62.
  const repeat = new Uint8Array([0x83, 0xbe]);
  const a = decoder.decode(repeat);
  const b = decoder.decode(repeat.slice());
  assert.equal(b, a, "same bytes, same table: the remembered result");
  assert.deepEqual(a.fields, [[":method", "POST"], ["x", "1"]]);
  // A new entry shifts the indices: 62 is now "y: 2".
  decoder.decode(new Uint8Array([0x40, 0x01, 0x79, 0x01, 0x32]));
  const c = decoder.decode(repeat);
  assert.notEqual(c, a);
  assert.deepEqual(c.fields, [[":method", "POST"], ["y", "2"]]);
  // A lower header list limit applies to remembered blocks too.
  decoder.maxHeaderListSize = 40;
  assert.equal(decoder.decode(repeat).oversize, true);
});
