/**
 * Incremental HTTP/2 frame decoder: socket bytes in, typed frames out
 * (RFC 9113 §3.4, §4.1, §4.2).
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";
import { parseFrame } from "./parse.ts";
import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  type Frame,
} from "./types.ts";

/** Octets in a frame header (RFC 9113 §4.1). */
const HEADER_SIZE = 9;
const EMPTY = new Uint8Array(0);
/** Consumed chunk slots tolerated at the front of the queue before compacting. */
const COMPACT_AT = 64;

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
 * Chunks are kept in a queue, never concatenated: a frame lying within one
 * chunk is returned as subarray views into it (zero copy); only a frame that
 * straddles chunks is copied, once.
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
  #chunks: Uint8Array[] = [];
  /** Index of the first unconsumed chunk in {@linkcode #chunks}. */
  #first = 0;
  /** Read offset within the first unconsumed chunk. */
  #offset = 0;
  #buffered = 0;
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
    return this.#buffered;
  }

  /**
   * Appends bytes read from the socket. The caller must not reuse the chunk:
   * returned frames may be views into it.
   *
   * @param chunk The bytes read.
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
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
    while (this.#buffered >= HEADER_SIZE) {
      let head = this.#chunks[this.#first];
      let at = this.#offset;
      if (head.length - at < HEADER_SIZE) {
        this.#peek(this.#header, HEADER_SIZE);
        head = this.#header;
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
      if (this.#buffered < HEADER_SIZE + length) return null;
      const type = head[at + 3];
      const flags = head[at + 4];
      // §4.1: the reserved bit MUST be ignored on receipt.
      const streamId = ((head[at + 5] & 0x7f) << 24) | (head[at + 6] << 16) |
        (head[at + 7] << 8) | head[at + 8];
      const payload = this.#take(HEADER_SIZE, length);
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
    const n = this.#buffered;
    // Nothing held: every chunk was consumed and dropped already (and the
    // emptied array is kept for the next read's chunk).
    if (n === 0) return;
    const own = new Uint8Array(n);
    this.#peek(own, n);
    this.#chunks = [own];
    this.#first = 0;
    this.#offset = 0;
  }

  /**
   * How many frames of unknown type were skipped so far. The connection
   * watches it: an unknown frame inside a header block (between HEADERS and
   * its last CONTINUATION) is still a PROTOCOL_ERROR (RFC 9113 §6.10).
   */
  unknownFrames = 0;

  /** Matches buffered bytes against the client preface (RFC 9113 §3.4). */
  #matchPreface(): boolean {
    while (this.#prefaceLeft > 0 && this.#buffered > 0) {
      const chunk = this.#chunks[this.#first];
      const from = CLIENT_PREFACE.length - this.#prefaceLeft;
      const n = Math.min(chunk.length - this.#offset, this.#prefaceLeft);
      // At most 24 comparisons per connection: a loop is cheapest here.
      for (let i = 0; i < n; i++) {
        if (chunk[this.#offset + i] !== CLIENT_PREFACE[from + i]) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "invalid connection preface",
          );
        }
      }
      this.#skip(n);
      this.#prefaceLeft -= n;
    }
    return this.#prefaceLeft === 0;
  }

  /** Copies the first `n` buffered bytes into `dst` without consuming them. */
  #peek(dst: Uint8Array, n: number): void {
    let copied = 0;
    let offset = this.#offset;
    for (let i = this.#first; copied < n; i++, offset = 0) {
      const chunk = this.#chunks[i];
      const count = Math.min(chunk.length - offset, n - copied);
      dst.set(chunk.subarray(offset, offset + count), copied);
      copied += count;
    }
  }

  /**
   * Skips `skip` bytes and consumes the `n` after them: a view when they lie
   * in one chunk, else a copy.
   */
  #take(skip: number, n: number): Uint8Array {
    const chunk = this.#chunks[this.#first];
    const start = this.#offset + skip;
    if (chunk.length - start >= n) {
      this.#skip(skip + n);
      return n === 0 ? EMPTY : chunk.subarray(start, start + n);
    }
    this.#skip(skip);
    const out = new Uint8Array(n);
    let copied = 0;
    while (copied < n) {
      const c = this.#chunks[this.#first];
      const count = Math.min(c.length - this.#offset, n - copied);
      out.set(c.subarray(this.#offset, this.#offset + count), copied);
      copied += count;
      this.#skip(count);
    }
    return out;
  }

  /** Consumes `n` buffered bytes (n ≤ buffered). */
  #skip(n: number): void {
    this.#buffered -= n;
    let offset = this.#offset + n;
    const chunks = this.#chunks;
    while (
      this.#first < chunks.length && offset >= chunks[this.#first].length
    ) {
      offset -= chunks[this.#first].length;
      chunks[this.#first++] = EMPTY; // drop the reference for the GC
    }
    this.#offset = offset;
    if (this.#first === chunks.length) {
      // Usually one chunk per read: pop() is cheaper than setting length.
      if (chunks.length === 1) chunks.pop();
      else chunks.length = 0;
      this.#first = 0;
    } else if (this.#first >= COMPACT_AT && this.#first * 2 >= chunks.length) {
      this.#chunks = chunks.slice(this.#first);
      this.#first = 0;
    }
  }
}
