/**
 * The `grpc-message` encoding (PROTOCOL-HTTP2.md, "Responses"): the message
 * is UTF-8 encoded, then every byte outside `%x20-%x7E`, and `%` itself, is
 * written as `%XX`. A receiver never fails on a bad encoding.
 *
 * @module
 */

const encoder = new TextEncoder();
/** Non-fatal: malformed UTF-8 becomes U+FFFD instead of throwing. */
const decoder = new TextDecoder();
const HEX = "0123456789ABCDEF";

/** Whether a UTF-16 code unit may pass unescaped. */
function isPlain(c: number): boolean {
  return c >= 0x20 && c <= 0x7e && c !== 0x25;
}

/**
 * Percent-encodes a status message for the `grpc-message` header.
 *
 * @param message The human-readable message; any Unicode text. Lone
 * surrogates are sent as U+FFFD.
 * @returns Text made only of `%x20-%x7E`.
 *
 * @example Encode a message
 * ```ts
 * import { encodeGrpcMessage } from "./percent.ts";
 *
 * console.log(encodeGrpcMessage("100% ☺")); // "100%25 %E2%98%BA"
 * ```
 */
export function encodeGrpcMessage(message: string): string {
  let i = 0;
  const len = message.length;
  while (i < len && isPlain(message.charCodeAt(i))) i++;
  if (i === len) return message; // the common case: nothing to escape
  const bytes = encoder.encode(message);
  let out = message.slice(0, i);
  // The plain prefix is ASCII, so it maps to the same number of bytes.
  for (let j = i; j < bytes.length; j++) {
    const b = bytes[j];
    out += isPlain(b)
      ? String.fromCharCode(b)
      : "%" + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** The value of a hex digit's char code, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Decodes a `grpc-message` header value. Never throws: a `%` not followed by
 * two hex digits is kept as is, and bytes that are not valid UTF-8 become
 * U+FFFD. Characters above U+007F (which a conforming peer does not send) are
 * kept.
 *
 * @param value The header value.
 * @returns The message text.
 *
 * @example Decode a message
 * ```ts
 * import { decodeGrpcMessage } from "./percent.ts";
 *
 * console.log(decodeGrpcMessage("100%25 %E2%98%BA")); // "100% ☺"
 * console.log(decodeGrpcMessage("%zz")); // "%zz"
 * ```
 */
export function decodeGrpcMessage(value: string): string {
  if (value.indexOf("%") === -1) return value;
  const len = value.length;
  const bytes: number[] = [];
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < len) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hi < 0 ? -1 : hexValue(value.charCodeAt(i + 2));
      if (lo >= 0) {
        bytes.push((hi << 4) | lo);
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      bytes.push(c);
    } else {
      // Rare: raw non-ASCII text; re-encode the whole code point as UTF-8.
      const cp = value.codePointAt(i) ?? c;
      for (const b of encoder.encode(String.fromCodePoint(cp))) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}
