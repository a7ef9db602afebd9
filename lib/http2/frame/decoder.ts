/**
 * Incremental HTTP/2 frame decoder: socket bytes in, typed frames out
 * (RFC 9113 §3.4, §4.1, §4.2).
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { ByteQueue } from "../../util/byte_queue.ts";
import { parseFrame } from "./parse.ts";
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  type Frame,
} from "./types.ts";

/** Octets in a frame header (RFC 9113 §4.1). */
const HEADER_SIZE = 9;

/**
 * Options of {@linkcode FrameDecoder}.
 *
 * @example A server-side decoder
 * ```ts
 * import { FrameDecoder, type FrameDecoderOptions } from "./decoder.ts";
 * const options: FrameDecoderOptions = { expectPreface: true };
 * const decoder = new FrameDecoder(options);
 * ```
 */
export interface FrameDecoderOptions {
  /**
   * Our SETTINGS_MAX_FRAME_SIZE: a frame with a longer payload is a
   * {@linkcode ConnectionError} FRAME_SIZE_ERROR (RFC 9113 §4.2).
   *
   * @default {16384}
   */
  maxFrameSize?: number;
  /**
   * Server side: the first 24 octets must be the client preface
   * {@linkcode CLIENT_PREFACE} (RFC 9113 §3.4); the decoder fails with a
   * {@linkcode ConnectionError} PROTOCOL_ERROR at the first octet that
   * differs.
   *
   * @default {false}
   */
  expectPreface?: boolean;
}

/**
 * Turns the bytes read from a socket into typed frames, validating each
 * against RFC 9113 §4–§6. It checks the shape of single frames only; stream
 * states and CONTINUATION sequencing are the connection's job.
 *
 * Chunks are kept in a {@linkcode ByteQueue}, never concatenated: a frame
 * lying within one chunk is returned as subarray views into it (zero copy);
 * only a frame that straddles chunks is copied, once.
 *
 * @example Decode frames as they arrive
 * ```ts
 * import { FrameDecoder } from "./decoder.ts";
 * import { FrameWriter } from "./writer.ts";
 *
 * const writer = new FrameWriter();
 * writer.settings([[4, 1 << 20]]);
 * writer.ping(new Uint8Array(8), false);
 *
 * const decoder = new FrameDecoder();
 * decoder.push(writer.take());
 * for (let frame = decoder.next(); frame !== null; frame = decoder.next()) {
 *   console.log(frame.type); // 4, then 6
 * }
 * ```
 */
export class FrameDecoder {
  /**
   * Our SETTINGS_MAX_FRAME_SIZE; raise it once the peer acknowledges a
   * larger value.
   */
  maxFrameSize: number;
  readonly #queue = new ByteQueue();
  /** Preface octets still to match; 0 once matched or when not expected. */
  #prefaceLeft: number;
  /** Scratch space for a frame header that straddles chunks. */
  #header = new Uint8Array(HEADER_SIZE);

  /**
   * Creates a decoder with an empty buffer.
   *
   * @param options Frame size limit and whether to expect the client preface.
   */
  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.#prefaceLeft = options.expectPreface ? CLIENT_PREFACE.length : 0;
  }

  /** Bytes buffered but not yet returned as frames. */
  get buffered(): number {
    return this.#queue.length;
  }

  /**
   * Appends bytes read from the socket. The caller must not reuse the chunk:
   * returned frames may be views into it.
   *
   * @param chunk The bytes read.
   */
  push(chunk: Uint8Array): void {
    this.#queue.push(chunk);
  }

  /**
   * The next complete frame, or `null` when more bytes are needed. Unknown
   * frame types are skipped (RFC 9113 §4.1, §5.5). A frame that fails
   * validation is consumed before the error is thrown, so after a
   * {@linkcode StreamError} decoding can go on.
   *
   * @returns The next frame, or `null`.
   * @throws {ConnectionError} For a bad preface, an oversized frame or a
   * malformed frame that breaks the connection.
   * @throws {StreamError} For a malformed frame that breaks only its stream.
   */
  next(): Frame | null {
    if (this.#prefaceLeft > 0 && !this.#matchPreface()) return null;
    const queue = this.#queue;
    while (queue.length >= HEADER_SIZE) {
      // The header is read in place when it lies within one chunk.
      let head = queue.chunk;
      let at = queue.offset;
      if (head.length - at < HEADER_SIZE) {
        head = queue.peek(this.#header);
        at = 0;
      }
      const length = (head[at] << 16) | (head[at + 1] << 8) | head[at + 2];
      // §4.2: a frame larger than our SETTINGS_MAX_FRAME_SIZE MUST be a
      // FRAME_SIZE_ERROR; we always treat it as a connection error.
      if (length > this.maxFrameSize) {
        throw new ConnectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          `frame length ${length} exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`,
        );
      }
      if (queue.length < HEADER_SIZE + length) return null;
      const type = head[at + 3];
      const flags = head[at + 4];
      // §4.1: the reserved bit MUST be ignored on receipt.
      const streamId = ((head[at + 5] & 0x7f) << 24) | (head[at + 6] << 16) |
        (head[at + 7] << 8) | head[at + 8];
      let payload: Uint8Array;
      const start = at + HEADER_SIZE;
      if (length > 0 && head.length - start >= length) {
        // Header and payload in the chunk at hand, the usual case: a view of
        // it and one skip (a copied header leaves no room here).
        queue.skip(HEADER_SIZE + length);
        payload = head.subarray(start, start + length);
      } else {
        queue.skip(HEADER_SIZE);
        // A view when the payload lies within one chunk, else copied once.
        payload = queue.view(length) ?? queue.read(new Uint8Array(length));
      }
      const frame = parseFrame(type, flags, streamId, payload);
      if (frame !== null) return frame;
      this.unknownFrames++;
    }
    return null;
  }

  /**
   * Copies the bytes still buffered (a partial frame) into memory of the
   * decoder's own, so that the caller may reuse the buffers it pushed. Frames
   * already returned stay views into those buffers: use them first.
   *
   * @example Reuse one read buffer
   * ```ts
   * import { FrameDecoder } from "./decoder.ts";
   * const decoder = new FrameDecoder();
   * const buf = new Uint8Array(4);
   * decoder.push(buf.subarray(0, 4)); // part of a frame header
   * decoder.detach(); // now buf may be overwritten
   * ```
   */
  detach(): void {
    this.#queue.detach();
  }

  /**
   * How many frames of unknown type were skipped so far. The connection
   * watches it: an unknown frame inside a header block (between HEADERS and
   * its last CONTINUATION) is still a PROTOCOL_ERROR (RFC 9113 §6.10).
   */
  unknownFrames = 0;

  /** Matches buffered bytes against the client preface (RFC 9113 §3.4). */
  #matchPreface(): boolean {
    const queue = this.#queue;
    while (this.#prefaceLeft > 0 && queue.length > 0) {
      const chunk = queue.chunk;
      const at = queue.offset;
      const from = CLIENT_PREFACE.length - this.#prefaceLeft;
      const n = Math.min(chunk.length - at, this.#prefaceLeft);
      // At most 24 comparisons per connection: a loop is cheapest here.
      for (let i = 0; i < n; i++) {
        if (chunk[at + i] !== CLIENT_PREFACE[from + i]) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "invalid connection preface",
          );
        }
      }
      queue.skip(n);
      this.#prefaceLeft -= n;
    }
    return this.#prefaceLeft === 0;
  }
}
