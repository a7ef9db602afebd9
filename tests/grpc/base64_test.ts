import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../lib/grpc/base64.ts";

Deno.test("encodeBase64() omits padding unless asked", () => {
  assert.equal(encodeBase64(new Uint8Array([1])), "AQ");
  assert.equal(encodeBase64(new Uint8Array([1, 2])), "AQI");
  assert.equal(encodeBase64(new Uint8Array([1, 2, 3])), "AQID");
  assert.equal(encodeBase64(new Uint8Array([1]), true), "AQ==");
  assert.equal(encodeBase64(new Uint8Array([0xfb, 0xff]), false), "+/8");
  assert.equal(encodeBase64(new Uint8Array(0)), "");
});

Deno.test("decodeBase64() accepts padded and unpadded text", () => {
  assert.deepEqual([...decodeBase64("AQ")], [1]);
  assert.deepEqual([...decodeBase64("AQ==")], [1]);
  assert.deepEqual([...decodeBase64("AQI")], [1, 2]);
  assert.deepEqual([...decodeBase64("AQI=")], [1, 2]);
  assert.deepEqual([...decodeBase64("")], []);
});

Deno.test("decodeBase64() accepts the standard and the URL-safe alphabet", () => {
  assert.deepEqual([...decodeBase64("+/8")], [0xfb, 0xff]);
  assert.deepEqual([...decodeBase64("-_8")], [0xfb, 0xff]);
});

Deno.test("decodeBase64() throws on garbage", () => {
  for (const bad of ["A", "AQ=", "AQI==", "A*", "+-", "AQ==AQ", "é"]) {
    assert.throws(() => decodeBase64(bad), SyntaxError, bad);
  }
});

Deno.test("encodeBase64() and decodeBase64() round trip every length", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  for (let n = 0; n <= 40; n++) {
    const data = all.subarray(256 - n);
    assert.deepEqual(decodeBase64(encodeBase64(data)), data);
    assert.deepEqual(decodeBase64(encodeBase64(data, true)), data);
  }
});
