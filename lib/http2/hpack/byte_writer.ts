/**
 * A growable output buffer for the HPACK encoder.
 *
 * @module
 */

/**
 * An append-only byte buffer that doubles its capacity when full. Callers
 * reserve room once and then write straight into `bytes`, which keeps the hot
 * encoding loops free of per-byte bounds checks and method calls.
 *
 * @example Writing two bytes
 * ```ts
 * import { ByteWriter } from "./byte_writer.ts";
 *
 * const w = new ByteWriter(16);
 * w.reserve(2);
 * w.bytes[w.length++] = 0x82;
 * w.bytes[w.length++] = 0x86;
 * console.log(w.finish()); // Uint8Array(2) [ 130, 134 ]
 * ```
 */
export class ByteWriter {
  /** The backing store; only `bytes[0..length)` is meaningful. */
  bytes: Uint8Array;
  /** How many bytes have been written. */
  length = 0;

  /**
   * Creates an empty writer.
   *
   * @param capacity The initial capacity in bytes (default 256).
   */
  constructor(capacity = 256) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /**
   * Makes room for `n` more bytes after `length`.
   *
   * @param n How many bytes the caller is about to write.
   */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /**
   * Returns a copy of the bytes written so far, owned by the caller, and
   * empties the writer for reuse (its capacity is kept).
   *
   * @returns The written bytes.
   */
  finish(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }
}
