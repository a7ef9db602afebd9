/**
 * Octets ↔ Latin-1 strings: one UTF-16 code unit per octet.
 *
 * @module
 */

// Short strings (most header names and values) are fastest as a simple loop;
// longer ones go through String.fromCharCode.apply in chunks, which avoids
// quadratic concatenation and stays under engines' argument-count limits.
const SHORT = 24;
const CHUNK = 8192;

/**
 * Decodes `bytes[start..end)` as Latin-1: each octet becomes the code unit of
 * the same value, so the result round-trips through {@link latin1EncodeInto}.
 * (TextDecoder's "latin1" is windows-1252 and would remap 0x80..0x9F.)
 *
 * @param bytes The source bytes.
 * @param start The first byte (default 0).
 * @param end One past the last byte (default `bytes.length`).
 * @returns A string whose code units are the bytes.
 *
 * @example Decoding bytes
 * ```ts
 * import { latin1Decode } from "./latin1.ts";
 *
 * console.log(latin1Decode(new Uint8Array([0x67, 0x7a, 0x69, 0x70, 0xff]))); // "gzip\xff"
 * ```
 */
export function latin1Decode(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.length,
): string {
  const length = end - start;
  if (length <= SHORT) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  let s = "";
  for (let i = start; i < end; i += CHUNK) {
    const chunk = bytes.subarray(i, Math.min(end, i + CHUNK));
    // A typed array is a valid array-like argument list for apply().
    s += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return s;
}

/**
 * Writes the Latin-1 octets of `s` into `out` at `offset`. `out` must have
 * room for `s.length` bytes.
 *
 * @param s A string of code units 0..255.
 * @param out The destination.
 * @param offset Where to start writing.
 * @returns The offset just past the written bytes.
 * @throws {RangeError} If `s` has a code unit above 255: header fields are
 * octets, so text beyond Latin-1 must be encoded (e.g. percent-encoded) first.
 *
 * @example Encoding a string
 * ```ts
 * import { latin1EncodeInto } from "./latin1.ts";
 *
 * const out = new Uint8Array(4);
 * console.log(latin1EncodeInto("gzip", out, 0)); // 4
 * ```
 */
export function latin1EncodeInto(
  s: string,
  out: Uint8Array,
  offset: number,
): number {
  const length = s.length;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw notLatin1(s, i);
    out[offset++] = c;
  }
  return offset;
}

/**
 * The error for a header string holding a code unit above 255.
 *
 * @param s The offending string.
 * @param index Where the bad code unit is.
 * @returns A RangeError naming the position.
 *
 * @example Building the error
 * ```ts
 * import { notLatin1 } from "./latin1.ts";
 *
 * console.log(notLatin1("é€", 1).message);
 * ```
 */
export function notLatin1(s: string, index: number): RangeError {
  return new RangeError(
    `header string has code unit 0x${
      s.charCodeAt(index).toString(16)
    } at ${index}; only octets 0..255 (Latin-1) can be encoded`,
  );
}
