import assert from "node:assert/strict";
import { RapidResetLimiter } from "../../lib/http2/rapid_reset.ts";

/** A clock that moves only when told. */
function manualClock(start = 5000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

Deno.test("RapidResetLimiter allows the limit in one second and refuses the next", () => {
  const clock = manualClock();
  const limiter = new RapidResetLimiter(3, clock.now);
  assert.equal(limiter.allow(), true);
  clock.advance(400);
  assert.equal(limiter.allow(), true);
  clock.advance(400);
  assert.equal(limiter.allow(), true);
  assert.equal(limiter.allow(), false);
  assert.equal(limiter.allow(), false, "stays refused in the same window");
});

Deno.test("RapidResetLimiter starts a new window more than a second after the window's first reset", () => {
  const clock = manualClock();
  const limiter = new RapidResetLimiter(2, clock.now);
  assert.equal(limiter.allow(), true);
  assert.equal(limiter.allow(), true);
  clock.advance(1000);
  assert.equal(limiter.allow(), false, "exactly one second is the same window");
  clock.advance(1);
  assert.equal(limiter.allow(), true);
  assert.equal(limiter.allow(), true);
  assert.equal(limiter.allow(), false);
});

Deno.test("RapidResetLimiter counts a window from its first reset, not from a fixed grid", () => {
  const clock = manualClock(0);
  const limiter = new RapidResetLimiter(1, clock.now);
  clock.advance(900);
  assert.equal(limiter.allow(), true); // the window opens at 900
  clock.advance(900); // 1800: within a second of 900
  assert.equal(limiter.allow(), false);
  clock.advance(101); // 1901: past 900 + 1000
  assert.equal(limiter.allow(), true);
});

Deno.test("RapidResetLimiter with a limit of 0 refuses every reset", () => {
  const limiter = new RapidResetLimiter(0, manualClock().now);
  assert.equal(limiter.allow(), false);
});
