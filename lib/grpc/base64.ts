/**
 * Base64 for `-bin` metadata values (PROTOCOL-HTTP2.md, "Custom-Metadata"):
 * implementations emit unpadded base64 and accept padded and unpadded input.
 *
 * Built on `Uint8Array.prototype.toBase64` and `Uint8Array.fromBase64`, which
 * run natively in Deno.
 *
 * @module
 */

/**
 * Encodes bytes as standard-alphabet base64.
 *
 * @param bytes The bytes to encode.
 * @param padded Whether to append `=` padding. Defaults to `false`, the form
 * gRPC sends on the wire.
 * @returns The base64 text.
 *
 * @example Encode a -bin value
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 *
 * console.log(encodeBase64(new Uint8Array([1, 2]))); // "AQI"
 * console.log(encodeBase64(new Uint8Array([1, 2]), true)); // "AQI="
 * ```
 */
export function encodeBase64(bytes: Uint8Array, padded = false): string {
  return bytes.toBase64({ omitPadding: !padded });
}

/** Matches a character that only the URL-safe alphabet uses. */
const URL_ALPHABET = /[-_]/;

/**
 * Decodes base64 text, padded or unpadded, in the standard or the URL-safe
 * alphabet (told apart by the presence of `-` or `_`). ASCII whitespace is
 * ignored, as `Uint8Array.fromBase64` does.
 *
 * @param text The base64 text.
 * @returns The decoded bytes.
 * @throws {SyntaxError} On characters outside the alphabet, a lone trailing
 * character, misplaced padding, or a mix of both alphabets.
 *
 * @example Decode padded and unpadded text
 * ```ts
 * import { decodeBase64 } from "./base64.ts";
 *
 * console.log(decodeBase64("AQI")); // Uint8Array [1, 2]
 * console.log(decodeBase64("AQI=")); // Uint8Array [1, 2]
 * console.log(decodeBase64("_w")); // Uint8Array [255]
 * ```
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.fromBase64(text, {
    alphabet: URL_ALPHABET.test(text) ? "base64url" : "base64",
    lastChunkHandling: "loose",
  });
}
