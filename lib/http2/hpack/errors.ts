/**
 * The one error type of the HPACK layer.
 *
 * @module
 */

/**
 * A header block could not be decoded (RFC 7541 §6, §5.1, §5.2, §4.2): a bad
 * index, an overlong integer, a truncated or badly padded string, or a
 * misplaced dynamic table size update.
 *
 * Once a block fails to decode, the decoder's dynamic table can no longer be
 * trusted to match the peer's, so HTTP/2 treats every such failure as a
 * connection error of type COMPRESSION_ERROR (RFC 9113 §4.3).
 *
 * @example Telling HPACK failures apart
 * ```ts
 * import { HpackDecoder } from "./decoder.ts";
 * import { HpackError } from "./errors.ts";
 *
 * try {
 *   new HpackDecoder().decode(new Uint8Array([0x80])); // index 0
 * } catch (error) {
 *   if (!(error instanceof HpackError)) throw error;
 *   // map to COMPRESSION_ERROR here
 * }
 * ```
 */
export class HpackError extends Error {
  /**
   * Creates an HPACK error.
   *
   * @param message What was wrong with the header block.
   * @param options Standard error options, e.g. a `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HpackError";
  }
}
