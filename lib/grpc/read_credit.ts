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
 * Where credit goes: the stream (`Http2Stream.consume` sends the
 * WINDOW_UPDATE).
 *
 * @example A counter standing in for a stream
 * ```ts
 * import type { CreditTarget } from "./read_credit.ts";
 * let returned = 0;
 * const target: CreditTarget = { consume: (n) => void (returned += n) };
 * ```
 */
export interface CreditTarget {
  /** Returns `bytes` of flow-control credit to the peer. */
  consume(bytes: number): void;
}

/**
 * Tracks withheld credit for one stream of a streaming call: counts the
 * messages delivered and not yet taken by the application, and holds back
 * the credit of what arrives while some wait.
 *
 * @example Hold credit while messages wait
 * ```ts
 * import { ReadCredit } from "./read_credit.ts";
 * let returned = 0;
 * const credit = new ReadCredit({ consume: (n) => void (returned += n) });
 * credit.received(100); // nothing unread: returned at once
 * credit.delivered(); // a message waits for the reader
 * credit.received(50); // held
 * credit.taken(); // reader caught up: returned
 * console.log(returned); // 150
 * ```
 */
export class ReadCredit {
  readonly #target: CreditTarget;
  #held = 0;
  #unread = 0;

  /**
   * Creates the credit account of one stream.
   *
   * @param target where credit goes (the stream)
   */
  constructor(target: CreditTarget) {
    this.#target = target;
  }

  /**
   * Accounts for a received DATA payload, after the messages it completed
   * were delivered.
   *
   * @param bytes the payload length
   */
  received(bytes: number): void {
    if (this.#unread === 0) this.#target.consume(bytes);
    else this.#held += bytes;
  }

  /** A complete message was handed to the application's queue. */
  delivered(): void {
    this.#unread++;
  }

  /** The application took a message: once none waits, return what was held. */
  taken(): void {
    if (--this.#unread > 0 || this.#held === 0) return;
    const bytes = this.#held;
    this.#held = 0;
    this.#target.consume(bytes);
  }
}
