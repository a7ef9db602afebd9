import assert from "node:assert/strict";
import { ByteWriter } from "../../../lib/http2/hpack/byte_writer.ts";
import { HpackError } from "../../../lib/http2/hpack/errors.ts";
import {
  type Cursor,
  decodeInteger,
  encodeInteger,
  MAX_INTEGER,
} from "../../../lib/http2/hpack/integer.ts";

function encode(value: number, prefixBits: number, flags = 0): number[] {
  const w = new ByteWriter();
  encodeInteger(w, value, prefixBits, flags);
  return [...w.finish()];
}

function decode(bytes: number[], prefixBits: number): [number, number] {
  const cursor: Cursor = { pos: 0 };
  const value = decodeInteger(new Uint8Array(bytes), cursor, prefixBits);
  return [value, cursor.pos];
}

Deno.test("encodeInteger() writes RFC 7541 C.1.1: 10 with a 5-bit prefix in one octet", () => {
  assert.deepEqual(encode(10, 5), [0x0a]);
  assert.deepEqual(decode([0xea], 5), [10, 1]); // bits above the prefix ignored
});

Deno.test("encodeInteger() writes RFC 7541 C.1.2: 1337 with a 5-bit prefix as 31, 154, 10", () => {
  assert.deepEqual(encode(1337, 5), [0x1f, 0x9a, 0x0a]);
  assert.deepEqual(decode([0x1f, 0x9a, 0x0a], 5), [1337, 3]);
});

Deno.test("encodeInteger() writes RFC 7541 C.1.3: 42 at an octet boundary", () => {
  assert.deepEqual(encode(42, 8), [0x2a]);
  assert.deepEqual(decode([0x2a], 8), [42, 1]);
});

Deno.test("encodeInteger() keeps the representation flags above the prefix", () => {
  assert.deepEqual(encode(62, 7, 0x80), [0xbe]);
  assert.deepEqual(encode(63, 6, 0x40), [0x7f, 0x00]);
});

Deno.test("encodeInteger() and decodeInteger() round-trip boundary values for every prefix", () => {
  for (let prefix = 1; prefix <= 8; prefix++) {
    const max = (1 << prefix) - 1;
    for (
      const value of [
        0,
        1,
        max - 1,
        max,
        max + 1,
        max + 127,
        max + 128,
        4096,
        65535,
        2 ** 31,
        MAX_INTEGER,
      ]
    ) {
      if (value < 0) continue;
      const bytes = encode(value, prefix);
      assert.deepEqual(decode(bytes, prefix), [value, bytes.length]);
    }
  }
});

Deno.test("encodeInteger() rejects negative, fractional and too large values", () => {
  assert.throws(() => encode(-1, 5), RangeError);
  assert.throws(() => encode(1.5, 5), RangeError);
  assert.throws(() => encode(MAX_INTEGER + 1, 5), RangeError);
});

Deno.test("decodeInteger() rejects input ending in the prefix or a continuation", () => {
  assert.throws(() => decode([], 5), HpackError);
  assert.throws(() => decode([0x1f], 5), HpackError);
  assert.throws(() => decode([0x1f, 0x9a], 5), HpackError);
});

Deno.test("decodeInteger() rejects values above 2^32 - 1", () => {
  // 31 + 0x7f_ffff_ffff-ish: five continuation octets of 0x7f bits.
  assert.throws(
    () => decode([0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f], 5),
    HpackError,
  );
  // Exactly 2^32: 255 + (2^32 - 255) with an 8-bit prefix.
  const bytes = encode(MAX_INTEGER, 8);
  bytes[1]++; // one more than the maximum
  assert.throws(() => decode(bytes, 8), HpackError);
});

Deno.test("decodeInteger() rejects more than five continuation octets even if they add zero", () => {
  assert.deepEqual(decode([0x1f, 0x80, 0x80, 0x80, 0x80, 0x00], 5), [31, 6]);
  assert.throws(
    () => decode([0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 5),
    HpackError,
  );
});
