import assert from "node:assert/strict";
import {
  DEFAULT_MIN_PING_INTERVAL_MS,
  PING_INTERVAL_WITHOUT_CALLS_MS,
  PingStrikes,
  resolveKeepaliveEnforcement,
} from "../../lib/server/keepalive_enforcement.ts";
import { ManualClock } from "../../lib/util/clock.ts";

Deno.test("resolveKeepaliveEnforcement: gRFC A8's defaults (5 minutes, no PINGs without calls); a negative minTimeMs is rejected", () => {
  assert.deepEqual(resolveKeepaliveEnforcement(), {
    minTimeMs: DEFAULT_MIN_PING_INTERVAL_MS,
    permitWithoutCalls: false,
  });
  assert.equal(DEFAULT_MIN_PING_INTERVAL_MS, 300_000);
  assert.deepEqual(
    resolveKeepaliveEnforcement({ minTimeMs: 0, permitWithoutCalls: true }),
    { minTimeMs: 0, permitWithoutCalls: true },
  );
  assert.throws(
    () => resolveKeepaliveEnforcement({ minTimeMs: -1 }),
    RangeError,
  );
});

Deno.test("PingStrikes: PINGs sooner than minTimeMs are strikes; the third strike is too many", () => {
  const clock = new ManualClock();
  const strikes = new PingStrikes({
    minTimeMs: 1000,
    permitWithoutCalls: false,
  }, clock);
  assert.equal(strikes.onPing(1, 0), false, "the first PING is never a strike");
  const answers = [];
  for (let i = 0; i < 3; i++) {
    clock.advance(999);
    answers.push(strikes.onPing(1, 0));
  }
  assert.deepEqual(answers, [false, false, true]);
  assert.equal(strikes.strikes, 3);
});

Deno.test("PingStrikes: PINGs minTimeMs apart are fine forever", () => {
  const clock = new ManualClock();
  const strikes = new PingStrikes({
    minTimeMs: 1000,
    permitWithoutCalls: false,
  }, clock);
  for (let i = 0; i < 100; i++) {
    assert.equal(strikes.onPing(1, 0), false);
    clock.advance(1000);
  }
  assert.equal(strikes.strikes, 0);
});

Deno.test("PingStrikes: the interval counts from the previous PING, a strike or not (grpc-go)", () => {
  const clock = new ManualClock();
  const strikes = new PingStrikes({
    minTimeMs: 1000,
    permitWithoutCalls: false,
  }, clock);
  strikes.onPing(1, 0);
  clock.advance(600);
  strikes.onPing(1, 0); // strike 1
  clock.advance(600); // 1200 after the first, 600 after the last
  strikes.onPing(1, 0);
  assert.equal(strikes.strikes, 2);
});

Deno.test("PingStrikes: sending HEADERS or DATA since the previous PING resets the strikes", () => {
  const clock = new ManualClock();
  const strikes = new PingStrikes({
    minTimeMs: 1000,
    permitWithoutCalls: false,
  }, clock);
  let sent = 0;
  strikes.onPing(1, sent);
  for (let i = 0; i < 10; i++) {
    clock.advance(10);
    sent += 100; // a DATA frame went out, so the client pings (BDP)
    assert.equal(strikes.onPing(1, sent), false);
    assert.equal(strikes.strikes, 0);
  }
  clock.advance(10);
  assert.equal(strikes.onPing(1, sent), false);
  assert.equal(
    strikes.strikes,
    1,
    "a PING after nothing was sent counts again",
  );
});

Deno.test("PingStrikes: without calls, PINGs are held to two hours unless permitted", () => {
  const clock = new ManualClock();
  const strict = new PingStrikes(
    { minTimeMs: 1000, permitWithoutCalls: false },
    clock,
  );
  strict.onPing(0, 0);
  clock.advance(60_000);
  strict.onPing(0, 0);
  assert.equal(strict.strikes, 1, "a minute is too soon without calls");
  clock.advance(PING_INTERVAL_WITHOUT_CALLS_MS);
  strict.onPing(0, 0);
  assert.equal(strict.strikes, 1, "two hours later is fine");
  clock.advance(1000);
  strict.onPing(1, 0);
  assert.equal(strict.strikes, 1, "with a call, minTimeMs applies");

  const permissive = new PingStrikes({
    minTimeMs: 1000,
    permitWithoutCalls: true,
  }, clock);
  permissive.onPing(0, 0);
  clock.advance(1000);
  permissive.onPing(0, 0);
  assert.equal(permissive.strikes, 0);
});

Deno.test("PingStrikes: minTimeMs 0 permits any rate", () => {
  const clock = new ManualClock();
  const strikes = new PingStrikes(
    { minTimeMs: 0, permitWithoutCalls: true },
    clock,
  );
  for (let i = 0; i < 10; i++) assert.equal(strikes.onPing(0, 0), false);
});
