import assert from "node:assert/strict";
import { encodeTimeout, parseTimeout } from "../../lib/grpc/timeout.ts";

Deno.test("parseTimeout() reads every unit H M S m u n", () => {
  assert.equal(parseTimeout("2H"), 7_200_000);
  assert.equal(parseTimeout("3M"), 180_000);
  assert.equal(parseTimeout("4S"), 4000);
  assert.equal(parseTimeout("5m"), 5);
  assert.equal(parseTimeout("6u"), 0.006);
  assert.equal(parseTimeout("7000000n"), 7);
  assert.equal(parseTimeout("0n"), 0);
});

Deno.test("parseTimeout() accepts 8 digits and rejects 9", () => {
  assert.equal(parseTimeout("99999999S"), 99_999_999_000);
  assert.equal(parseTimeout("00000001S"), 1000);
  assert.equal(parseTimeout("100000000S"), undefined);
  assert.equal(parseTimeout("123456789n"), undefined);
});

Deno.test("parseTimeout() rejects absent and malformed values", () => {
  for (
    const bad of [
      undefined,
      "",
      "S",
      "1",
      "1s",
      "1h",
      "1x",
      "1 S",
      " 1S",
      "1S ",
      "-1S",
      "+1S",
      "1.5S",
      "1SS",
      "１S",
    ]
  ) {
    assert.equal(parseTimeout(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("encodeTimeout() picks the finest unit that fits in 8 digits", () => {
  assert.equal(encodeTimeout(1), "1000000n");
  assert.equal(encodeTimeout(99.999999), "99999999n");
  assert.equal(encodeTimeout(100), "100000u");
  assert.equal(encodeTimeout(99_999.999), "99999999u");
  assert.equal(encodeTimeout(100_000), "100000m");
  assert.equal(encodeTimeout(99_999_999), "99999999m");
  assert.equal(encodeTimeout(100_000_000), "100000S");
  assert.equal(encodeTimeout(99_999_999_000), "99999999S");
  assert.equal(encodeTimeout(100_000_000_000), "1666666M");
  assert.equal(encodeTimeout(99_999_999 * 60_000), "99999999M");
  assert.equal(encodeTimeout(99_999_999 * 60_000 + 60_000), "1666666H");
});

Deno.test("encodeTimeout() rounds down so the peer never gets more time", () => {
  assert.equal(encodeTimeout(0.0000015), "1n"); // 1.5 ns
  assert.equal(encodeTimeout(150_000.9), "150000m"); // too many u, floors in m
  assert.equal(encodeTimeout(100_000_000_999), "1666666M"); // 1666666.68 M
  const ms = 123_456_789_123;
  const back = parseTimeout(encodeTimeout(ms));
  assert.ok(back !== undefined && back <= ms);
});

Deno.test("encodeTimeout() does not lose a unit to floating-point noise", () => {
  assert.equal(encodeTimeout(0.7), "700000n");
  assert.equal(encodeTimeout(1.1), "1100000n");
  assert.equal(encodeTimeout(0.3), "300000n");
});

Deno.test("encodeTimeout() sends 0n for an expired deadline and clamps huge ones", () => {
  assert.equal(encodeTimeout(0), "0n");
  assert.equal(encodeTimeout(-5), "0n");
  assert.equal(encodeTimeout(0.0000001), "0n");
  assert.equal(encodeTimeout(Infinity), "99999999H");
  assert.equal(encodeTimeout(1e20), "99999999H");
  assert.throws(() => encodeTimeout(NaN), RangeError);
});

Deno.test("encodeTimeout() and parseTimeout() round trip within one unit", () => {
  for (
    const ms of [1, 7, 99, 100, 1234.5, 60_000, 3_600_000, 86_400_000 * 30]
  ) {
    const back = parseTimeout(encodeTimeout(ms));
    assert.ok(back !== undefined);
    assert.ok(back <= ms, `${ms} -> ${back}`);
    assert.ok(ms - back < ms * 1e-6 + 1e-6, `${ms} -> ${back}`);
  }
});
