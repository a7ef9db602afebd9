import assert from "node:assert/strict";
import {
  armDeadline,
  deadlineExceeded,
  disarmDeadline,
  type TimerClock,
  timeRemaining,
  type TimerId,
} from "../../lib/grpc/deadline.ts";
import { Code } from "../../lib/grpc/status.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** A clock whose time and timers the test drives. */
class ManualTimers implements TimerClock {
  time = 1_000;
  #next = 1;
  readonly timers = new Map<number, { at: number; run: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout<T>(fn: (arg: T) => void, ms: number, arg: T): TimerId {
    const id = this.#next++;
    this.timers.set(id, { at: this.time + ms, run: () => fn(arg) });
    return id as unknown as TimerId;
  }

  clearTimeout(id: TimerId): void {
    this.timers.delete(id as unknown as number);
  }

  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at <= this.time) {
        this.timers.delete(id);
        t.run();
      }
    }
  }
}

Deno.test("armDeadline() calls expire with its target once the deadline passes", () => {
  const clock = new ManualTimers();
  const expired: string[] = [];
  const timer = armDeadline(
    1_050,
    (t: string) => expired.push(t),
    "call",
    clock,
  );
  assert.notEqual(timer, undefined);
  clock.advance(49);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ["call"]);
});

Deno.test("armDeadline() arms nothing when the deadline has passed: the caller expires", () => {
  const clock = new ManualTimers();
  let ran = false;
  assert.equal(
    armDeadline(1_000, () => ran = true, undefined, clock),
    undefined,
  );
  assert.equal(armDeadline(900, () => ran = true, undefined, clock), undefined);
  assert.equal(clock.timers.size, 0);
  assert.equal(ran, false);
});

Deno.test("disarmDeadline() cancels the timer; undefined is a no-op", () => {
  const clock = new ManualTimers();
  let ran = false;
  const timer = armDeadline(2_000, () => ran = true, undefined, clock);
  disarmDeadline(timer, clock);
  disarmDeadline(undefined, clock);
  clock.advance(5_000);
  assert.equal(ran, false);
});

Deno.test("armDeadline() with the system clock fires (bounded wait)", async () => {
  const fired = Promise.withResolvers<number>();
  const timer = armDeadline(Date.now() + 5, fired.resolve, 42);
  assert.notEqual(timer, undefined);
  assert.equal(await within(fired.promise, WAIT_MS, "deadline timer"), 42);
});

Deno.test("timeRemaining() counts down to 0, never below", () => {
  const clock = new ManualTimers();
  assert.equal(timeRemaining(1_250, clock), 250);
  clock.advance(300);
  assert.equal(timeRemaining(1_250, clock), 0);
});

Deno.test("deadlineExceeded() is DEADLINE_EXCEEDED", () => {
  const error = deadlineExceeded();
  assert.equal(error.code, Code.DEADLINE_EXCEEDED);
  assert.equal(error.rawMessage, "deadline exceeded");
});
