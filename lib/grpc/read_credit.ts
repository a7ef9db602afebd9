/**
 * When to return HTTP/2 flow-control credit for received message bytes.
 *
 * Bytes of a message still being assembled are returned at once: the
 * message cannot complete otherwise (a message larger than the window would
 * deadlock). Bytes that arrive while complete messages wait unread are held
 * back until the reader catches up, so a slow reader stops the sender at the
 * window instead of buffering without bound — as grpc-go does by returning
 * credit only as the application reads.
 *
 * @module
 */

/**
 * Tracks withheld credit for one stream.
 *
 * @example Hold credit while messages wait
 * ```ts
 * import { ReadCredit } from "./read_credit.ts";
 * let returned = 0;
 * const credit = new ReadCredit((n) => returned += n);
 * credit.received(100, 0); // nothing unread: returned at once
 * credit.received(50, 2); // two messages unread: held
 * credit.drained(); // reader caught up: returned
 * console.log(returned); // 150
 * ```
 */
export class ReadCredit {
  readonly #release: (bytes: number) => void;
  #held = 0;

  /** @param release returns credit to the peer (stream.consume) */
  constructor(release: (bytes: number) => void) {
    this.#release = release;
  }

  /**
   * Accounts for a received DATA payload.
   *
   * @param bytes the payload length
   * @param unread complete messages waiting for the reader after decoding it
   */
  received(bytes: number, unread: number): void {
    if (unread === 0) this.#release(bytes);
    else this.#held += bytes;
  }

  /** The reader took the last waiting message: return what was held. */
  drained(): void {
    if (this.#held === 0) return;
    const bytes = this.#held;
    this.#held = 0;
    this.#release(bytes);
  }
}
