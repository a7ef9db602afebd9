/**
 * Callers of `waitForStateChange()`: woken together when the state changes.
 *
 * @module
 */

/**
 * Pending `waitForStateChange()` calls.
 *
 * @example
 * ```ts
 * import { StateWatchers } from "./state_watchers.ts";
 * let state = "IDLE";
 * const watchers = new StateWatchers();
 * const changed = watchers.wait(() => state, "IDLE");
 * state = "CONNECTING";
 * watchers.changed();
 * console.log(await changed); // "CONNECTING"
 * ```
 */
export class StateWatchers {
  #waiters: (() => void)[] = [];

  /**
   * Resolves with `read()` once it differs from `from`.
   *
   * @param read reads the current state
   * @param from the state the caller knows
   * @param signal abandons the wait
   * @returns the new state
   */
  wait<S>(read: () => S, from: S, signal?: AbortSignal): Promise<S> {
    if (read() !== from) return Promise.resolve(read());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<S>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(check);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal!.reason);
      };
      const check = () => {
        if (read() === from) {
          this.#waiters.push(check);
          return;
        }
        signal?.removeEventListener("abort", onAbort);
        resolve(read());
      };
      this.#waiters.push(check);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The state changed: wake the waiters whose state differs now. */
  changed(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
