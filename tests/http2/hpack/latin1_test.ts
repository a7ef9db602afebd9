import assert from "node:assert/strict";
import {
  latin1Decode,
  latin1EncodeInto,
} from "../../../lib/http2/hpack/latin1.ts";

Deno.test("latin1Decode() maps each octet to the code unit of the same value", () => {
  const bytes = new Uint8Array(256);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  const s = latin1Decode(bytes);
  assert.equal(s.length, 256);
  for (let i = 0; i < 256; i++) assert.equal(s.charCodeAt(i), i);
  assert.equal(latin1Decode(bytes, 0x61, 0x64), "abc");
});

Deno.test("latin1Decode() handles strings longer than one chunk", () => {
  const bytes = new Uint8Array(20000).map((_, i) => i & 0xff);
  const s = latin1Decode(bytes);
  assert.equal(s.length, 20000);
  assert.equal(s.charCodeAt(19999), 19999 & 0xff);
});

Deno.test("latin1EncodeInto() writes octets and rejects code units above 255", () => {
  const out = new Uint8Array(4);
  assert.equal(latin1EncodeInto("\x00\xffa", out, 1), 4);
  assert.deepEqual([...out], [0, 0, 0xff, 0x61]);
  assert.throws(() => latin1EncodeInto("ā", out, 0), RangeError);
});
