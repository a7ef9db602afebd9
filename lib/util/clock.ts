/**
 * An injectable clock: time and timers. Time-dependent logic (backoff,
 * re-resolution intervals, idleness, keepalive) takes one, so tests drive
 * it by hand instead of sleeping.
 *
 * @module
 */

/** A timer handle of a {@linkcode Clock} (opaque: only its clock reads it). */
export type TimerHandle = unknown;

/**
 * Time and timers.
 *
 * @example A clock that logs every timer
 * ```ts
 * import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
 *
 * const logging: Clock = {
 *   now: () => SYSTEM_CLOCK.now(),
 *   setTimeout: (fn, ms) => {
 *     console.log(`timer in ${ms} ms`);
 *     return SYSTEM_CLOCK.setTimeout(fn, ms);
 *   },
 *   clearTimeout: (handle) => SYSTEM_CLOCK.clearTimeout(handle),
 * };
 * ```
 */
export interface Clock {
  /**
   * Milliseconds since an arbitrary origin.
   *
   * @returns the time now
   */
  now(): number;
  /**
   * Runs `fn` once after `ms` milliseconds.
   *
   * @param fn what to run
   * @param ms the delay
   * @returns a handle for `clearTimeout`
   */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * Cancels a timer (a handle that already ran or was cleared is ignored).
   *
   * @param handle what `setTimeout` returned
   */
  clearTimeout(handle: TimerHandle | undefined): void;
  /**
   * Lets the process exit while this timer is pending (optional: a clock
   * without real timers need not have it).
   *
   * @param handle what `setTimeout` returned
   */
  unref?(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now()` and the global timers.
 *
 * @example
 * ```ts
 * import { SYSTEM_CLOCK } from "./clock.ts";
 * const t = SYSTEM_CLOCK.setTimeout(() => {}, 10);
 * SYSTEM_CLOCK.clearTimeout(t);
 * ```
 */
export const SYSTEM_CLOCK: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle | undefined) =>
    clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
  unref: (handle: TimerHandle) => Deno.unrefTimer(handle as number),
});

/**
 * A clock for tests: time moves only when `advance()` is called, and timers
 * due by then run in order.
 *
 * @example
 * ```ts
 * import { ManualClock } from "./clock.ts";
 *
 * const clock = new ManualClock();
 * let ran = false;
 * clock.setTimeout(() => (ran = true), 1000);
 * clock.advance(999);
 * console.log(ran); // false
 * clock.advance(1);
 * console.log(ran); // true
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #next = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  /**
   * Creates a clock stopped at `start`.
   *
   * @param start the initial time (default 0)
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /**
   * The manual time.
   *
   * @returns the time now
   */
  now(): number {
    return this.#now;
  }

  /**
   * Runs `fn` once time has advanced by `ms`.
   *
   * @param fn what to run
   * @param ms the delay
   * @returns the handle
   */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = this.#next++;
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), fn });
    return handle;
  }

  /**
   * Cancels a timer.
   *
   * @param handle a handle from `setTimeout`
   */
  clearTimeout(handle: TimerHandle | undefined): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Delays of the pending timers from now, soonest first. */
  get delays(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((
      a,
      b,
    ) => a - b);
  }

  /**
   * Moves time forward by `ms`, running each timer due on the way (timers a
   * timer sets are run too if due).
   *
   * @param ms how far
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let dueHandle: number | undefined;
      let due: { at: number; fn: () => void } | undefined;
      for (const [handle, timer] of this.#timers) {
        if (timer.at <= end && (due === undefined || timer.at < due.at)) {
          due = timer;
          dueHandle = handle;
        }
      }
      if (due === undefined) break;
      this.#timers.delete(dueHandle!);
      this.#now = due.at;
      due.fn();
    }
    this.#now = end;
  }
}
