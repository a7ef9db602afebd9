/**
 * A call's deadline as a timer, one helper for client and server: arm it
 * with the deadline (epoch ms) and what expires, disarm it when the call
 * ends. The clock is injectable; calls use the system one.
 *
 * The timer passes its target to a plain function (`setTimeout`'s extra
 * argument) instead of calling a closure: arming costs no allocation
 * beyond the timer itself.
 *
 * @module
 */

import { GrpcError } from "./grpc_error.ts";
import { Code } from "./status.ts";

/**
 * A timer's id, as the global `setTimeout` returns it.
 *
 * @example Keep a timer
 * ```ts
 * import type { TimerId } from "./deadline.ts";
 * let timer: TimerId | undefined;
 * ```
 */
export type TimerId = ReturnType<typeof setTimeout>;

/**
 * Time and timers, so that tests can drive deadlines by hand.
 *
 * @example A clock whose time tests set
 * ```ts
 * import type { TimerClock, TimerId } from "./deadline.ts";
 * let now = 0;
 * const clock: TimerClock = {
 *   now: () => now,
 *   setTimeout: () => 1 as unknown as TimerId,
 *   clearTimeout: () => {},
 * };
 * ```
 */
export interface TimerClock {
  /** The time, epoch ms. */
  now(): number;
  /** Calls `fn(arg)` after `ms`; returns an id for `clearTimeout`. */
  setTimeout<T>(fn: (arg: T) => void, ms: number, arg: T): TimerId;
  /** Cancels a timer that has not run. */
  clearTimeout(id: TimerId): void;
}

/**
 * `Date.now()` and the global timers.
 *
 * @example Read the time
 * ```ts
 * import { systemClock } from "./deadline.ts";
 * console.log(systemClock.now() > 0); // true
 * ```
 */
export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, arg) => setTimeout(fn, ms, arg),
  clearTimeout: (id) => clearTimeout(id),
};

/**
 * Arms a deadline: `expire(target)` runs once `deadline` has passed.
 *
 * @example Cancel a call at its deadline
 * ```ts
 * import { armDeadline, disarmDeadline } from "./deadline.ts";
 * const call = { cancelled: false };
 * const expire = (c: typeof call) => void (c.cancelled = true);
 * const timer = armDeadline(Date.now() + 1000, expire, call);
 * if (timer === undefined) expire(call); // already past
 * // ...the call ended first:
 * disarmDeadline(timer);
 * ```
 *
 * @param deadline epoch ms
 * @param expire what runs at the deadline: a plain function, not a closure
 * @param target its argument (the call)
 * @param clock time and timers (default: {@linkcode systemClock})
 * @returns the timer for {@linkcode disarmDeadline}; undefined when the
 * deadline has passed already: nothing is armed and the caller expires the
 * call itself (at once, or later in the turn when it is not set up yet)
 */
export function armDeadline<T>(
  deadline: number,
  expire: (target: T) => void,
  target: T,
  clock: TimerClock = systemClock,
): TimerId | undefined {
  const remaining = deadline - clock.now();
  if (remaining <= 0) return undefined;
  return clock.setTimeout(expire, remaining, target);
}

/**
 * Disarms a deadline armed by {@linkcode armDeadline} (nothing when
 * `timer` is undefined or already ran).
 *
 * @example Disarm
 * ```ts
 * import { armDeadline, disarmDeadline } from "./deadline.ts";
 * disarmDeadline(armDeadline(Date.now() + 1000, () => {}, undefined));
 * ```
 *
 * @param timer what `armDeadline` returned
 * @param clock the clock it was armed with (default: {@linkcode systemClock})
 */
export function disarmDeadline(
  timer: TimerId | undefined,
  clock: TimerClock = systemClock,
): void {
  if (timer !== undefined) clock.clearTimeout(timer);
}

/**
 * Time left until `deadline`, never negative.
 *
 * @example Time left
 * ```ts
 * import { timeRemaining } from "./deadline.ts";
 * console.log(timeRemaining(Date.now() - 5)); // 0
 * ```
 *
 * @param deadline epoch ms
 * @param clock time (default: {@linkcode systemClock})
 * @returns ms left, 0 once past
 */
export function timeRemaining(
  deadline: number,
  clock: TimerClock = systemClock,
): number {
  return Math.max(0, deadline - clock.now());
}

/**
 * The status of a call whose deadline passed.
 *
 * @example
 * ```ts
 * import { deadlineExceeded } from "./deadline.ts";
 * console.log(deadlineExceeded().code); // 4
 * ```
 *
 * @returns a new DEADLINE_EXCEEDED error
 */
export function deadlineExceeded(): GrpcError {
  return new GrpcError(Code.DEADLINE_EXCEEDED, "deadline exceeded");
}
