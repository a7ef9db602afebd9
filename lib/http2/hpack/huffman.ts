/**
 * The HPACK static Huffman code (RFC 7541 §5.2, Appendix B): table-driven
 * decoding four bits at a time and encoding from precomputed codes.
 *
 * @module
 */

import { HpackError } from "./errors.ts";
import {
  HUFFMAN_CODES,
  HUFFMAN_EOS,
  HUFFMAN_LENGTHS,
} from "./huffman_table.ts";
import { latin1Decode, notLatin1 } from "./latin1.ts";

// ---------------------------------------------------------------------------
// Decoding tables, built once at module load.
//
// The code is a complete binary tree with 257 leaves, hence 256 internal
// nodes; each internal node is a decoder state (0 = root). For every state and
// every 4-bit input nibble we precompute the state reached, the symbol emitted
// on the way (at most one: the shortest code has 5 bits), and whether the EOS
// leaf was reached, which RFC 7541 §5.2 makes an error inside a string.
// ---------------------------------------------------------------------------

const STATES = 256;
const EMIT = 0x100; // bit 8: a symbol is emitted; bits 9..16 hold it
const FAIL = 0x20000; // bit 17: EOS was decoded
const SYMBOL_SHIFT = 9;

/** Child links: `CHILD[node * 2 + bit]`, ≥ 0 an internal node, < 0 a leaf ~symbol. */
const CHILD = new Int32Array(STATES * 2);
/** `NIBBLE[state * 16 + nibble]`: next state | EMIT | symbol << 9 | FAIL. */
const NIBBLE = new Uint32Array(STATES * 16);
/**
 * `ACCEPT[state]` is 1 when a string may end in that state: the bits since the
 * last whole symbol are all ones and fewer than 8 (RFC 7541 §5.2: padding "MUST
 * correspond to the most significant bits of the code for the EOS symbol"; a
 * padding "strictly longer than 7 bits MUST be treated as a decoding error").
 * Since EOS is 30 one bits, those states are the root and the first 7 nodes on
 * the root's all-ones path.
 */
const ACCEPT = new Uint8Array(STATES);

function buildTables(): void {
  let nodes = 1;
  for (let symbol = 0; symbol <= HUFFMAN_EOS; symbol++) {
    const code = HUFFMAN_CODES[symbol];
    const length = HUFFMAN_LENGTHS[symbol];
    let node = 0;
    for (let i = length - 1; i > 0; i--) {
      const slot = node * 2 + ((code >>> i) & 1);
      if (CHILD[slot] === 0) CHILD[slot] = nodes++;
      node = CHILD[slot];
    }
    CHILD[node * 2 + (code & 1)] = ~symbol;
  }
  for (let node = 0, depth = 0; depth < 8; depth++) {
    ACCEPT[node] = 1;
    node = CHILD[node * 2 + 1];
  }
  for (let state = 0; state < STATES; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const next = CHILD[node * 2 + ((nibble >>> bit) & 1)];
        if (next >= 0) {
          node = next;
        } else if (~next === HUFFMAN_EOS) {
          entry |= FAIL;
          node = 0;
        } else {
          entry |= EMIT | (~next << SYMBOL_SHIFT);
          node = 0;
        }
      }
      NIBBLE[state * 16 + nibble] = entry | node;
    }
  }
}
buildTables();

// Decoded octets land here before becoming a string; grown on demand.
let scratch = new Uint8Array(256);

/**
 * Decodes the Huffman-coded octets `src[start..end)` (RFC 7541 §5.2) into a
 * Latin-1 string (one code unit per decoded octet).
 *
 * @param src The header block (or any bytes).
 * @param start The first coded byte (default 0).
 * @param end One past the last coded byte (default `src.length`).
 * @returns The decoded string.
 * @throws {HpackError} If the EOS symbol occurs, or the padding is longer than
 * 7 bits or not all ones.
 *
 * @example RFC 7541 C.4.1: "www.example.com"
 * ```ts
 * import { huffmanDecode } from "./huffman.ts";
 *
 * const coded = new Uint8Array([
 *   0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
 * ]);
 * console.log(huffmanDecode(coded)); // "www.example.com"
 * ```
 */
export function huffmanDecode(
  src: Uint8Array,
  start = 0,
  end: number = src.length,
): string {
  // Every code is at least 5 bits, which bounds the output length.
  const limit = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < limit) {
    scratch = new Uint8Array(Math.max(limit, scratch.length * 2));
  }
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const octet = src[i];
    let entry = NIBBLE[(state << 4) | (octet >>> 4)];
    if (entry & EMIT) out[n++] = entry >>> SYMBOL_SHIFT;
    if (entry & FAIL) throw eosError();
    state = entry & 0xff;
    entry = NIBBLE[(state << 4) | (octet & 0x0f)];
    if (entry & EMIT) out[n++] = entry >>> SYMBOL_SHIFT;
    if (entry & FAIL) throw eosError();
    state = entry & 0xff;
  }
  if (ACCEPT[state] === 0) {
    throw new HpackError(
      "Huffman string padding is longer than 7 bits or not all ones (RFC 7541 §5.2)",
    );
  }
  return latin1Decode(out, 0, n);
}

function eosError(): HpackError {
  return new HpackError(
    "Huffman string contains the EOS symbol (RFC 7541 §5.2)",
  );
}

/**
 * The number of octets `s` takes when Huffman-coded, padding included.
 *
 * @param s A string of code units 0..255.
 * @returns The coded length in octets.
 * @throws {RangeError} If `s` has a code unit above 255.
 *
 * @example Comparing with the raw length
 * ```ts
 * import { huffmanEncodedLength } from "./huffman.ts";
 *
 * console.log(huffmanEncodedLength("www.example.com")); // 12
 * ```
 */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  const length = s.length;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw notLatin1(s, i);
    bits += HUFFMAN_LENGTHS[c];
  }
  return (bits + 7) >>> 3;
}

/**
 * Huffman-codes `s` into `out` at `offset`, padding the last octet with the
 * most significant bits of EOS, i.e. ones (RFC 7541 §5.2). `out` must have
 * room for {@link huffmanEncodedLength}`(s)` bytes.
 *
 * @param s A string of code units 0..255.
 * @param out The destination.
 * @param offset Where to start writing.
 * @returns The offset just past the written bytes.
 *
 * @example Coding into a buffer
 * ```ts
 * import { huffmanEncodeInto, huffmanEncodedLength } from "./huffman.ts";
 *
 * const out = new Uint8Array(huffmanEncodedLength("no-cache"));
 * huffmanEncodeInto("no-cache", out, 0);
 * console.log(out); // Uint8Array(6) [ 168, 235, 16, 100, 156, 191 ]
 * ```
 */
export function huffmanEncodeInto(
  s: string,
  out: Uint8Array,
  offset: number,
): number {
  // `acc` holds fewer than 8 pending bits between symbols; adding at most 24
  // keeps it below 2^31, so plain 32-bit shifts are exact. Longer codes
  // (25..30 bits, rare octets) are added in two steps.
  let acc = 0;
  let bits = 0;
  const length = s.length;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const code = HUFFMAN_CODES[c];
    const len = HUFFMAN_LENGTHS[c];
    if (len > 24) {
      const high = len - 16;
      acc = (acc << high) | (code >>> 16);
      bits += high;
      while (bits >= 8) {
        bits -= 8;
        out[offset++] = acc >>> bits;
      }
      acc = ((acc & ((1 << bits) - 1)) << 16) | (code & 0xffff);
      bits += 16;
    } else {
      acc = (acc << len) | code;
      bits += len;
    }
    while (bits >= 8) {
      bits -= 8;
      out[offset++] = acc >>> bits;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) {
    out[offset++] = (acc << (8 - bits)) | (0xff >>> bits);
  }
  return offset;
}

/**
 * Huffman-codes `s` into a new array (RFC 7541 §5.2).
 *
 * @param s A string of code units 0..255.
 * @returns The coded octets.
 * @throws {RangeError} If `s` has a code unit above 255.
 *
 * @example RFC 7541 C.4.2: "no-cache"
 * ```ts
 * import { huffmanEncode } from "./huffman.ts";
 *
 * console.log(huffmanEncode("no-cache")); // Uint8Array(6) [ 168, 235, 16, 100, 156, 191 ]
 * ```
 */
export function huffmanEncode(s: string): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(s));
  huffmanEncodeInto(s, out, 0);
  return out;
}
