/**
 * HTTP/2 flow-control windows (RFC 9113 §5.2, §6.9) as plain values with no
 * I/O: the connection owns one pair for itself and one pair per stream.
 *
 * @module
 */

import { MAX_WINDOW } from "./frame/types.ts";

/**
 * What we may still send. WINDOW_UPDATE grows it; a change of the peer's
 * SETTINGS_INITIAL_WINDOW_SIZE moves it by the difference and may make it
 * negative (§6.9.2).
 *
 * @example Spend and refill
 * ```ts
 * import { SendWindow } from "./flow_control.ts";
 * const w = new SendWindow(65535);
 * w.consume(1000);
 * w.increase(1000); // true: still within 2^31-1
 * ```
 */
export class SendWindow {
  /** Bytes that may be sent now (may be negative after a SETTINGS change). */
  size: number;

  /** @param initial the starting window */
  constructor(initial: number) {
    this.size = initial;
  }

  /** @param n bytes just sent */
  consume(n: number): void {
    this.size -= n;
  }

  /**
   * Applies a WINDOW_UPDATE increment or a SETTINGS delta.
   *
   * @param n the increment (a SETTINGS delta may be negative)
   * @returns false when the window would pass 2^31−1 (FLOW_CONTROL_ERROR)
   */
  increase(n: number): boolean {
    const next = this.size + n;
    if (next > MAX_WINDOW) return false;
    this.size = next;
    return true;
  }
}

/**
 * Send a WINDOW_UPDATE once this fraction of the window has been consumed:
 * updating per frame would double the frame count, updating only when empty
 * would stall the sender for a round trip.
 */
export const WINDOW_UPDATE_DIVISOR = 4;

/**
 * What the peer may still send us, and how much consumed data we have not yet
 * returned with WINDOW_UPDATE.
 *
 * @example Receive and release
 * ```ts
 * import { ReceiveWindow } from "./flow_control.ts";
 * const w = new ReceiveWindow(65535);
 * w.receive(40000); // true: within the window
 * w.release(40000); // 40000: time to send a WINDOW_UPDATE of that size
 * ```
 */
export class ReceiveWindow {
  /** The window we advertised (the target after each update). */
  target: number;
  /** Bytes the peer may still send. */
  available: number;
  #released = 0;

  /** @param initial the window advertised to the peer */
  constructor(initial: number) {
    this.target = initial;
    this.available = initial;
  }

  /**
   * Accounts for a received DATA frame's flow-controlled length.
   *
   * @param n bytes received
   * @returns false when the peer overran the window (FLOW_CONTROL_ERROR)
   */
  receive(n: number): boolean {
    if (n > this.available) return false;
    this.available -= n;
    return true;
  }

  /**
   * Marks bytes as consumed by the application.
   *
   * @param n bytes consumed
   * @returns the WINDOW_UPDATE increment to send now, or 0 to wait for more
   */
  release(n: number): number {
    this.#released += n;
    if (this.#released < this.target / WINDOW_UPDATE_DIVISOR) return 0;
    const increment = this.#released;
    this.#released = 0;
    this.available += increment;
    return increment;
  }
}
