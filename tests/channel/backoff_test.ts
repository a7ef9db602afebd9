import assert from "node:assert/strict";
import {
  Backoff,
  DEFAULT_BACKOFF,
  resolveBackoffOptions,
} from "../../lib/channel/backoff.ts";

Deno.test("Backoff follows connection-backoff.md: 1 s, then ×1.6 up to 120 s", () => {
  const b = new Backoff({ jitter: 0 });
  const delays = Array.from({ length: 14 }, () => Math.round(b.next()));
  assert.deepEqual(delays, [
    1000,
    1600,
    2560,
    4096,
    6554,
    10486,
    16777,
    26844,
    42950,
    68719,
    109951,
    120000,
    120000,
    120000,
  ]);
  assert.equal(b.attempts, 14);
});

Deno.test("Backoff jitters later delays by at most ±20 %, from the injected random source", () => {
  const low = new Backoff({}, () => 0);
  const high = new Backoff({}, () => 0.999999);
  const mid = new Backoff({}, () => 0.5);
  for (const b of [low, high, mid]) assert.equal(b.next(), 1000); // first: unjittered
  assert.equal(Math.round(low.next()), 1280); // 1600 − 20 %
  assert.equal(Math.round(high.next()), 1920); // 1600 + 20 %
  assert.equal(mid.next(), 1600);
});

Deno.test("Backoff reset starts the sequence again", () => {
  const b = new Backoff({ jitter: 0 });
  b.next();
  b.next();
  b.next();
  b.reset();
  assert.equal(b.attempts, 0);
  assert.deepEqual([b.next(), b.next()], [1000, 1600]);
});

Deno.test("Backoff connect timeout is the larger of the backoff and MIN_CONNECT_TIMEOUT", () => {
  const b = new Backoff({ jitter: 0, minConnectTimeoutMs: 5000 });
  assert.equal(b.connectTimeout(), 5000);
  for (let i = 0; i < 6; i++) b.next(); // backoff now 10,486 ms
  assert.equal(Math.round(b.connectTimeout()), 10486);
});

Deno.test("resolveBackoffOptions fills defaults and rejects nonsense", () => {
  assert.deepEqual(resolveBackoffOptions({}), DEFAULT_BACKOFF);
  assert.equal(
    resolveBackoffOptions({ initialBackoffMs: undefined }).initialBackoffMs,
    1000,
  );
  assert.throws(() => resolveBackoffOptions({ multiplier: 0.5 }), RangeError);
  assert.throws(() => resolveBackoffOptions({ jitter: 2 }), RangeError);
  assert.throws(
    () => resolveBackoffOptions({ initialBackoffMs: -1 }),
    RangeError,
  );
});
