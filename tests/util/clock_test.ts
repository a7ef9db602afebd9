import assert from "node:assert/strict";
import { ManualClock, SYSTEM_CLOCK } from "../../lib/util/clock.ts";

Deno.test("ManualClock runs timers in due order as time advances", () => {
  const clock = new ManualClock(100);
  const ran: string[] = [];
  clock.setTimeout(() => ran.push("b"), 20);
  clock.setTimeout(() => ran.push("a"), 10);
  const c = clock.setTimeout(() => ran.push("c"), 15);
  clock.clearTimeout(c);
  assert.deepEqual(clock.delays, [10, 20]);
  clock.advance(10);
  assert.deepEqual(ran, ["a"]);
  assert.equal(clock.now(), 110);
  clock.advance(100);
  assert.deepEqual(ran, ["a", "b"]);
  assert.equal(clock.pending, 0);
});

Deno.test("ManualClock runs a timer set by a timer when it falls due in the same advance", () => {
  const clock = new ManualClock();
  const at: number[] = [];
  clock.setTimeout(() => {
    at.push(clock.now());
    clock.setTimeout(() => at.push(clock.now()), 5);
  }, 5);
  clock.advance(10);
  assert.deepEqual(at, [5, 10]);
});

Deno.test("SYSTEM_CLOCK timers can be cleared", () => {
  const t = SYSTEM_CLOCK.setTimeout(() => {
    throw new Error("must not run");
  }, 1);
  SYSTEM_CLOCK.clearTimeout(t);
  assert.ok(Math.abs(SYSTEM_CLOCK.now() - Date.now()) < 1000);
});
