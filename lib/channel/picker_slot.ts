/**
 * Where a channel keeps its current picker, and where calls that were told
 * to queue wait for the next one (grpc-go's `pickerWrapper`).
 *
 * Each waiter is woken with the picker published at that moment, so a
 * picker replaced in the same turn (a failure, then a fresh start) is still
 * seen by every call that waited for it.
 *
 * @module
 */

import type { GrpcError } from "../grpc/grpc_error.ts";
import { failPicker, type Picker, QUEUE_PICKER } from "./picker.ts";

interface Waiter {
  resolve(picker: Picker): void;
  reject(reason: unknown): void;
}

/**
 * The current picker and the calls waiting for its successor.
 *
 * @example Publish and wait
 * ```ts
 * import { PickerSlot } from "./picker_slot.ts";
 * import { QUEUE_PICKER } from "./picker.ts";
 *
 * const slot = new PickerSlot();
 * const next = slot.next(slot.current);
 * slot.publish(QUEUE_PICKER);
 * console.log(await next === QUEUE_PICKER); // true
 * ```
 */
export class PickerSlot {
  #current: Picker = QUEUE_PICKER;
  #waiters: Waiter[] = [];
  #closed: GrpcError | undefined;

  /** The picker calls use now. */
  get current(): Picker {
    return this.#current;
  }

  /**
   * Installs `picker` and wakes every waiting call with it.
   *
   * @param picker the new picker
   */
  publish(picker: Picker): void {
    if (this.#closed) return;
    this.#current = picker;
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (let i = 0; i < waiters.length; i++) waiters[i].resolve(picker);
  }

  /**
   * A picker other than `seen`: the current one if it differs, else the
   * next one published.
   *
   * @param seen the picker the caller last used
   * @param signal abandons the wait
   * @returns the picker to pick with; rejects once closed
   */
  next(seen: Picker, signal?: AbortSignal): Promise<Picker> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#current !== seen) return Promise.resolve(this.#current);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Picker>((resolve, reject) => {
      if (!signal) {
        this.#waiters.push({ resolve, reject });
        return;
      }
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: (picker) => {
          signal.removeEventListener("abort", onAbort);
          resolve(picker);
        },
        reject: (reason) => {
          signal.removeEventListener("abort", onAbort);
          reject(reason);
        },
      };
      this.#waiters.push(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Closes the slot: its picker fails every call with `error`, and waiting
   * calls are rejected with it.
   *
   * @param error why (UNAVAILABLE "channel closed")
   */
  close(error: GrpcError): void {
    if (this.#closed) return;
    this.#current = failPicker(error);
    this.#closed = error;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
