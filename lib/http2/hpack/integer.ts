/**
 * HPACK prefixed integers (RFC 7541 §5.1).
 *
 * @module
 */

import type { ByteWriter } from "./byte_writer.ts";
import { HpackError } from "./errors.ts";

/**
 * The largest integer we accept or emit. RFC 7541 §5.1 leaves the limit to
 * implementations ("Integer encodings that exceed implementation limits ...
 * MUST be treated as decoding errors"); 2^32 − 1 covers every HTTP/2 use
 * (lengths, indexes, table sizes) and stays exact in doubles.
 *
 * @example Bounding a table size
 * ```ts
 * import { MAX_INTEGER } from "./integer.ts";
 *
 * console.log(MAX_INTEGER === 2 ** 32 - 1); // true
 * ```
 */
export const MAX_INTEGER = 0xffff_ffff;

// 5 continuation octets carry 35 bits, enough for MAX_INTEGER with any prefix.
// More octets can only be redundant zero padding or an attempt to make us
// loop, so they are rejected (RFC 7541 §5.1, §7.4 on resource limits).
const MAX_CONTINUATIONS = 5;

/**
 * A read position inside a header block, advanced in place so the decoder
 * allocates nothing per integer.
 *
 * @example Starting at the first byte
 * ```ts
 * import type { Cursor } from "./integer.ts";
 *
 * const cursor: Cursor = { pos: 0 };
 * console.log(cursor.pos); // 0
 * ```
 */
export interface Cursor {
  /** Index of the next unread byte. */
  pos: number;
}

/**
 * Appends `value` as an integer with an N-bit prefix (RFC 7541 §5.1): the
 * value fills the low N bits of the first octet when it fits, else the prefix
 * is all ones and the rest follows 7 bits per octet, least significant first.
 *
 * @param w The output.
 * @param value An integer 0..{@link MAX_INTEGER}.
 * @param prefixBits N, 1..8.
 * @param flags The representation's bits above the prefix in the first octet.
 * @throws {RangeError} If `value` is not an integer in range.
 *
 * @example RFC 7541 C.1.2: 1337 with a 5-bit prefix
 * ```ts
 * import { ByteWriter } from "./byte_writer.ts";
 * import { encodeInteger } from "./integer.ts";
 *
 * const w = new ByteWriter();
 * encodeInteger(w, 1337, 5, 0);
 * console.log(w.finish()); // Uint8Array(3) [ 31, 154, 10 ]
 * ```
 */
export function encodeInteger(
  w: ByteWriter,
  value: number,
  prefixBits: number,
  flags: number,
): void {
  if (!(value >= 0 && value <= MAX_INTEGER && Number.isInteger(value))) {
    throw new RangeError(`HPACK integer out of range: ${value}`);
  }
  w.reserve(1 + MAX_CONTINUATIONS);
  const bytes = w.bytes;
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    bytes[w.length++] = flags | value;
    return;
  }
  bytes[w.length++] = flags | max;
  value -= max;
  while (value >= 0x80) {
    bytes[w.length++] = (value & 0x7f) | 0x80;
    // value < 2^32 here, so an unsigned shift is exact.
    value >>>= 7;
  }
  bytes[w.length++] = value;
}

/**
 * Reads an integer with an N-bit prefix (RFC 7541 §5.1) starting at
 * `cursor.pos`, ignoring the first octet's bits above the prefix, and moves
 * the cursor past it.
 *
 * @param src The header block.
 * @param cursor The read position; advanced past the integer.
 * @param prefixBits N, 1..8.
 * @returns The value.
 * @throws {HpackError} If the input ends inside the integer, the value
 * exceeds {@link MAX_INTEGER}, or it uses more than 5 continuation octets.
 *
 * @example RFC 7541 C.1.2: 1337 with a 5-bit prefix
 * ```ts
 * import { decodeInteger } from "./integer.ts";
 *
 * const cursor = { pos: 0 };
 * console.log(decodeInteger(new Uint8Array([0x1f, 0x9a, 0x0a]), cursor, 5)); // 1337
 * console.log(cursor.pos); // 3
 * ```
 */
export function decodeInteger(
  src: Uint8Array,
  cursor: Cursor,
  prefixBits: number,
): number {
  let pos = cursor.pos;
  const end = src.length;
  if (pos >= end) throw new HpackError("header block truncated in an integer");
  const max = (1 << prefixBits) - 1;
  let value = src[pos++] & max;
  if (value < max) {
    cursor.pos = pos;
    return value;
  }
  let multiplier = 1;
  for (let count = 0;; count++) {
    if (pos >= end) {
      throw new HpackError("header block truncated in an integer");
    }
    if (count === MAX_CONTINUATIONS) {
      throw new HpackError("HPACK integer has too many continuation octets");
    }
    const octet = src[pos++];
    // Multiplication, not shifts: JavaScript shifts wrap at 32 bits.
    value += (octet & 0x7f) * multiplier;
    if (value > MAX_INTEGER) {
      throw new HpackError("HPACK integer overflows 2^32 - 1");
    }
    if ((octet & 0x80) === 0) break;
    multiplier *= 128;
  }
  cursor.pos = pos;
  return value;
}
