/**
 * A promise with its settle functions exposed, plus whether it settled.
 *
 * @module
 */

/** A promise and the functions that settle it. */
export interface Deferred<T> {
  /** The promise. */
  readonly promise: Promise<T>;
  /** Fulfils the promise (later calls are ignored). */
  resolve(value: T | PromiseLike<T>): void;
  /** Rejects the promise (later calls are ignored). */
  reject(reason?: unknown): void;
  /** Whether `resolve` or `reject` was called. */
  readonly settled: boolean;
}

/**
 * Creates a {@linkcode Deferred}. A rejection nobody awaits is not reported as
 * unhandled: deferreds here often outlive their only listener.
 *
 * @example Settle from elsewhere
 * ```ts
 * import { deferred } from "./deferred.ts";
 * const d = deferred<number>();
 * setTimeout(() => d.resolve(42), 0);
 * console.log(await d.promise); // 42
 * ```
 *
 * @returns a new pending deferred
 */
export function deferred<T>(): Deferred<T> {
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  promise.catch(() => {});
  let settled = false;
  return {
    promise,
    resolve(value) {
      if (settled) return;
      settled = true;
      resolve(value);
    },
    reject(reason) {
      if (settled) return;
      settled = true;
      reject(reason);
    },
    get settled() {
      return settled;
    },
  };
}
