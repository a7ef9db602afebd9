/**
 * Small helpers around `AbortSignal` and timers that the library needs in
 * place of `@std/async` (JSR is not reachable from our build machines).
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason when
 * it aborts first.
 *
 * @example Wait a little
 * ```ts
 * import { delay } from "./abort.ts";
 * await delay(10);
 * ```
 *
 * @param ms milliseconds to wait
 * @param signal aborts the wait
 * @returns a promise settled after the delay
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Rejects with a `TimeoutError` DOMException if `promise` takes more than
 * `ms` milliseconds.
 *
 * @example Bound a wait
 * ```ts
 * import { withTimeout } from "./abort.ts";
 * await withTimeout(Promise.resolve(1), 100);
 * ```
 *
 * @param promise what to wait for
 * @param ms the bound in milliseconds
 * @param message the TimeoutError's message (default "timed out")
 * @returns the promise's value
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message = "timed out",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DOMException(message, "TimeoutError")),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
