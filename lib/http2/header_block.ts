/**
 * Assembly of a field block from HEADERS and CONTINUATION frames (RFC 9113
 * §4.3, §6.10): CONTINUATION must follow on the same stream with nothing in
 * between, and the accumulated block is capped (CONTINUATION flood).
 *
 * @module
 */

import { ErrorCode, type HeadersFrame } from "./frame/types.ts";
import { ConnectionError } from "./errors.ts";

/**
 * Joins the fragments of one field block.
 *
 * @example HEADERS then CONTINUATION
 * ```ts ignore
 * const blocks = new HeaderBlockAssembler(64 * 1024);
 * blocks.begin(headersFrame); // without END_HEADERS
 * const block = blocks.continue(continuationFrame.streamId, fragment, true);
 * ```
 */
export class HeaderBlockAssembler {
  readonly #maxSize: number;
  #frame: HeadersFrame | undefined;
  #fragments: Uint8Array[] = [];
  #size = 0;

  /** @param maxSize largest accumulated block accepted (ENHANCE_YOUR_CALM beyond) */
  constructor(maxSize: number) {
    this.#maxSize = maxSize;
  }

  /** Whether a block is open (only CONTINUATION may come next). */
  get open(): boolean {
    return this.#frame !== undefined;
  }

  /**
   * Starts a block from a HEADERS frame without END_HEADERS. The fragment is
   * copied: the read buffer it points into is reused before CONTINUATION.
   *
   * @param frame the HEADERS frame
   */
  begin(frame: HeadersFrame): void {
    this.#frame = frame;
    this.#fragments = [frame.fragment.slice()];
    this.#size = frame.fragment.length;
    this.#check();
  }

  /**
   * Adds a CONTINUATION fragment.
   *
   * @param streamId the CONTINUATION's stream
   * @param fragment its payload
   * @param endHeaders whether it carries END_HEADERS
   * @returns the HEADERS frame and the whole block once complete, else undefined
   */
  continue(
    streamId: number,
    fragment: Uint8Array,
    endHeaders: boolean,
  ): { frame: HeadersFrame; block: Uint8Array } | undefined {
    const frame = this.#frame;
    if (!frame || frame.streamId !== streamId) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "unexpected CONTINUATION",
      );
    }
    this.#fragments.push(fragment.slice());
    this.#size += fragment.length;
    this.#check();
    if (!endHeaders) return undefined;
    const block = new Uint8Array(this.#size);
    let offset = 0;
    for (const part of this.#fragments) {
      block.set(part, offset);
      offset += part.length;
    }
    this.#frame = undefined;
    this.#fragments = [];
    this.#size = 0;
    return { frame, block };
  }

  #check(): void {
    if (this.#size > this.#maxSize) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        "header block too large",
      );
    }
  }
}
