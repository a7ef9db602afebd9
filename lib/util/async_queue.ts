/**
 * An unbounded single-consumer queue that is also an async iterable: producers
 * push synchronously, the consumer awaits. Used to turn callback events into
 * `for await` loops without one promise per item when items are already there.
 *
 * @module
 */

/**
 * A push/pull queue. `close()` ends iteration after the queued items;
 * `fail(error)` makes the next pull throw once the queue drains.
 *
 * @example Producer and consumer
 * ```ts
 * import { AsyncQueue } from "./async_queue.ts";
 * const q = new AsyncQueue<string>();
 * q.push("a");
 * q.push("b");
 * q.close();
 * for await (const item of q) console.log(item); // a, b
 * ```
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: PromiseWithResolvers<IteratorResult<T>> | undefined;
  #done = false;
  #error: unknown = undefined;
  #failed = false;

  /** Called each time the consumer takes an item (for flow-control credit). */
  onTake: ((item: T) => void) | undefined;

  /** Items waiting to be pulled. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Whether `close()` or `fail()` was called. */
  get ended(): boolean {
    return this.#done || this.#failed;
  }

  /**
   * Adds an item; ignored after `close()` or `fail()`.
   *
   * @param item the value to deliver
   */
  push(item: T): void {
    if (this.#done || this.#failed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.onTake?.(item);
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
  }

  /** Ends the queue: the consumer gets the queued items, then done. */
  close(): void {
    if (this.#done || this.#failed) return;
    this.#done = true;
    this.#settleWaiter();
  }

  /**
   * Ends the queue with an error, thrown to the consumer after queued items.
   *
   * @param error what the consumer's next pull throws
   */
  fail(error: unknown): void {
    if (this.#done || this.#failed) return;
    this.#failed = true;
    this.#error = error;
    this.#settleWaiter();
  }

  /** Drops queued items (e.g. on cancellation). */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    if (this.#failed) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
  }

  /**
   * Pulls the next item.
   *
   * @returns the next result; rejects with the `fail()` error
   */
  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      this.onTake?.(item);
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter) throw new Error("AsyncQueue has a single consumer");
    this.#waiter = Promise.withResolvers<IteratorResult<T>>();
    return this.#waiter.promise;
  }

  /** @returns this queue as its own iterator */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
