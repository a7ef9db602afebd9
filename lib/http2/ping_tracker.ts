/**
 * Outstanding PINGs of a connection (RFC 9113 §6.7): each gets unique
 * opaque data; its ACK, which echoes the data, gives the round-trip time.
 * Keepalive and BDP estimation build on it.
 *
 * @module
 */

import { type Deferred, deferred } from "../util/deferred.ts";

/**
 * Matches PING ACKs to the PINGs we sent.
 *
 * @example Measure a round trip
 * ```ts
 * import { PingTracker } from "./ping_tracker.ts";
 * const pings = new PingTracker();
 * const { data, rtt } = pings.start(); // send a PING with `data`
 * pings.ack(data); // its ACK arrived
 * console.log(await rtt >= 0); // true
 * ```
 */
export class PingTracker {
  readonly #pending = new Map<
    string,
    { start: number; done: Deferred<number> }
  >();
  #counter = 0;

  /** PINGs sent and not yet acknowledged. */
  get outstanding(): number {
    return this.#pending.size;
  }

  /**
   * Registers a new PING.
   *
   * @returns the 8 opaque bytes to send and the round trip, in ms, once acknowledged
   */
  start(): { data: Uint8Array; rtt: Promise<number> } {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat64(0, ++this.#counter);
    const done = deferred<number>();
    this.#pending.set(key(data), { start: performance.now(), done });
    return { data, rtt: done.promise };
  }

  /**
   * A PING ACK arrived.
   *
   * @param data its 8 bytes
   * @returns whether it answered one of our PINGs
   */
  ack(data: Uint8Array): boolean {
    const k = key(data);
    const pending = this.#pending.get(k);
    if (!pending) return false;
    this.#pending.delete(k);
    pending.done.resolve(performance.now() - pending.start);
    return true;
  }

  /**
   * The connection closed: every outstanding PING fails.
   *
   * @param error why
   */
  failAll(error: Error): void {
    for (const { done } of this.#pending.values()) done.reject(error);
    this.#pending.clear();
  }
}

function key(data: Uint8Array): string {
  return String.fromCharCode(...data);
}
