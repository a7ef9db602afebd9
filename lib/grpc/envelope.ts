/**
 * Length-prefixed messages (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"):
 * a 1-byte Compressed-Flag (0 or 1), a 4-byte big-endian Message-Length, then
 * the message. Message boundaries are unrelated to DATA frame boundaries, so
 * the decoder is incremental.
 *
 * @module
 */

import { GrpcError } from "./grpc_error.ts";
import { Code } from "./status.ts";
import { largeBuffer } from "../util/large_buffer.ts";
import { ByteQueue } from "../util/byte_queue.ts";
import { Slab } from "../util/slab.ts";

/** Size of the prefix before each message: flag byte and 32-bit length. */
export const ENVELOPE_HEADER = 5;

/**
 * Default limit on a received message, 4 MiB, as in grpc-go and grpc-java.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/**
 * Writes a 5-byte prefix into `target` at `offset`, for callers that lay out
 * several messages or frames in one buffer themselves.
 *
 * @param target The buffer; needs 5 bytes from `offset`.
 * @param offset Where the prefix starts.
 * @param length The message length, 0 to 2^32-1.
 * @param compressed Whether the message is compressed.
 *
 * @example Lay out two messages in one buffer
 * ```ts
 * import { ENVELOPE_HEADER, writeEnvelopeHeader } from "./envelope.ts";
 *
 * const a = new Uint8Array([1]), b = new Uint8Array([2, 3]);
 * const out = new Uint8Array(2 * ENVELOPE_HEADER + a.length + b.length);
 * writeEnvelopeHeader(out, 0, a.length, false);
 * out.set(a, ENVELOPE_HEADER);
 * writeEnvelopeHeader(out, ENVELOPE_HEADER + a.length, b.length, false);
 * out.set(b, 2 * ENVELOPE_HEADER + a.length);
 * ```
 */
export function writeEnvelopeHeader(
  target: Uint8Array,
  offset: number,
  length: number,
  compressed: boolean,
): void {
  target[offset] = compressed ? 1 : 0;
  target[offset + 1] = length >>> 24;
  target[offset + 2] = length >>> 16;
  target[offset + 3] = length >>> 8;
  target[offset + 4] = length;
}

/**
 * Prefixes one message, with a single allocation.
 *
 * @param message The serialized (and maybe compressed) message.
 * @param compressed Whether `message` is compressed. Defaults to `false`.
 * @returns A new buffer: prefix, then a copy of `message`.
 *
 * @example Frame a message
 * ```ts
 * import { encodeEnvelope } from "./envelope.ts";
 *
 * console.log(encodeEnvelope(new Uint8Array([7, 8]))); // Uint8Array [0, 0, 0, 0, 2, 7, 8]
 * ```
 */
export function encodeEnvelope(
  message: Uint8Array,
  compressed = false,
): Uint8Array {
  const out = new Uint8Array(ENVELOPE_HEADER + message.length);
  writeEnvelopeHeader(out, 0, message.length, compressed);
  out.set(message, ENVELOPE_HEADER);
  return out;
}

/**
 * One received message.
 *
 * @example Handle an envelope
 * ```ts
 * import type { Envelope } from "./envelope.ts";
 *
 * function size(e: Envelope): number {
 *   return e.data.length;
 * }
 * ```
 */
export interface Envelope {
  /** Whether the Compressed-Flag was 1. */
  compressed: boolean;
  /** The message bytes, still compressed when `compressed` is set. */
  data: Uint8Array;
}

/** Options of {@linkcode EnvelopeDecoder}. */
export interface EnvelopeDecoderOptions {
  /**
   * Largest message accepted, in bytes, as announced by its prefix (that is,
   * before decompression). Defaults to {@linkcode DEFAULT_MAX_MESSAGE_SIZE}
   * (4 MiB).
   */
  maxMessageSize?: number;
  /**
   * Pushed chunks are only valid until {@linkcode EnvelopeDecoder.retain}
   * (the caller reuses its read buffer). Messages returned by `next()` are
   * then always copies the caller owns, and `retain()` copies what is still
   * held. Default false: chunks are kept as they are and messages may be
   * views into them.
   */
  transient?: boolean;
}

const EMPTY = new Uint8Array(0);

/** Partial messages at least this large are assembled in place. */
const ASSEMBLE_ABOVE = 64 << 10;
/** Small owned copies are carved from shared slabs of this size. */
const COPY_SLAB = 256 << 10;
/** Larger copies get a buffer of their own (maybe one prepared ahead). */
const COPY_OWN_ABOVE = COPY_SLAB / 8;
/**
 * Received messages copied out of reused read buffers, shared by every
 * decoder (one per call: a slab each would cost more than it saves). Small
 * at first, so that taking a new slab happens while V8 still collects type
 * feedback (see lib/util/slab.ts), not thousands of messages into a run.
 */
const copies = new Slab({
  firstSize: 4 << 10,
  size: COPY_SLAB,
  ownAbove: COPY_OWN_ABOVE,
});

/** A copy the caller owns: a slab slice when small, else its own buffer. */
function ownedCopy(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  if (n === 0) return EMPTY;
  const out = n > COPY_OWN_ABOVE ? largeBuffer(n) : copies.take(n);
  out.set(bytes);
  return out;
}

/** Prefixes sent apart from their message, shared by every stream. */
const prefixes = new Slab({ firstSize: 16 << 10, size: 16 << 10 });

/**
 * A fresh 5-byte message prefix for a payload of `length` bytes. Carved from
 * a shared slab: creating a typed array costs about a microsecond in Deno, a
 * view of an existing buffer a few nanoseconds. The prefix is never written
 * again, so it may be queued (e.g. behind flow control) as long as needed.
 *
 * @example Prefix for a 2-byte message
 * ```ts
 * import { envelopePrefix } from "./envelope.ts";
 * console.log(envelopePrefix(2, false)); // Uint8Array(5) [ 0, 0, 0, 0, 2 ]
 * ```
 *
 * @param length the payload length
 * @param compressed the Compressed-Flag
 * @returns the prefix
 */
export function envelopePrefix(
  length: number,
  compressed: boolean,
): Uint8Array {
  const prefix = prefixes.take(ENVELOPE_HEADER);
  writeEnvelopeHeader(prefix, 0, length, compressed);
  return prefix;
}

/** Where a framed message goes: anything that sends pieces back to back. */
export interface PartsSink {
  /** Sends `parts` (`length` bytes in all), ending our side with `end`. */
  sendParts(
    parts: readonly Uint8Array[],
    length: number,
    end?: boolean,
  ): Promise<void>;
}

/**
 * A message in pieces to be sent back to back, as the protobuf encoder gives
 * it (`EncodedMessage` fits).
 */
export interface MessageParts {
  /** The pieces; the first starts with `head` spare bytes. */
  readonly parts: readonly Uint8Array[];
  /** Length of the message (without `head`). */
  readonly length: number;
  /**
   * 5 when `parts[0]` starts with five spare bytes for the prefix (the
   * prefix is then written there and the pieces sent as they are); else
   * absent or 0.
   */
  readonly head?: number;
}

/**
 * Joins the pieces of an encoded message (for compression, which needs one
 * buffer).
 *
 * @example Join
 * ```ts
 * import { joinParts } from "./envelope.ts";
 * joinParts({ parts: [new Uint8Array([1]), new Uint8Array([2])], length: 2 }); // [1, 2]
 * ```
 *
 * @param encoded the pieces
 * @returns one buffer
 */
export function joinParts(encoded: MessageParts): Uint8Array {
  const head = encoded.head ?? 0;
  const parts = encoded.parts;
  if (parts.length === 1) {
    return head === 0 ? parts[0] : parts[0].subarray(head);
  }
  const out = new Uint8Array(encoded.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = i === 0 && head > 0 ? parts[0].subarray(head) : parts[i];
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Sends one message with its 5-byte prefix in front of the pieces, without
 * joining them (the prefix goes into the room the encoder left, or is a slab
 * view; the pieces are not copied).
 *
 * @example Frame a message onto a stream
 * ```ts
 * import { sendEnvelope } from "./envelope.ts";
 * const sent: Uint8Array[] = [];
 * const sink = {
 *   sendParts: (parts: readonly Uint8Array[]) => {
 *     sent.push(...parts);
 *     return Promise.resolve();
 *   },
 * };
 * await sendEnvelope(sink, { parts: [new Uint8Array([7, 8])], length: 2 }, false);
 * console.log(sent); // [ Uint8Array(5) [ 0, 0, 0, 0, 2 ], Uint8Array(2) [ 7, 8 ] ]
 * ```
 *
 * @param sink the stream
 * @param message the encoded message in pieces
 * @param compressed the Compressed-Flag
 * @param end whether this message ends our side
 * @returns what `sink.sendParts` returns
 */
export function sendEnvelope(
  sink: PartsSink,
  message: MessageParts,
  compressed: boolean,
  end = false,
): Promise<void> {
  const { parts, length } = message;
  if (message.head === ENVELOPE_HEADER) {
    // The encoder left room for the prefix: write it there.
    writeEnvelopeHeader(parts[0], 0, length, compressed);
    return sink.sendParts(parts, length + ENVELOPE_HEADER, end);
  }
  const prefix = envelopePrefix(length, compressed);
  // Built by hand: a spread allocates an iterator and grows the array.
  let all: Uint8Array[];
  if (parts.length === 1) all = [prefix, parts[0]];
  else {
    all = new Array(parts.length + 1);
    all[0] = prefix;
    for (let i = 0; i < parts.length; i++) all[i + 1] = parts[i];
  }
  return sink.sendParts(all, length + ENVELOPE_HEADER, end);
}

/**
 * Splits a byte stream into messages. A message may span many chunks, and a
 * chunk may hold many messages and partial prefixes.
 *
 * Feed every DATA payload to {@linkcode EnvelopeDecoder.push}, then call
 * {@linkcode EnvelopeDecoder.next} until it returns `null`. A message lying
 * within one chunk is returned as a view of that chunk (no copy), so pushed
 * chunks must not be reused by the caller; a message spanning chunks is
 * copied once into its own buffer.
 *
 * Errors are sticky: once `next` throws, it throws the same error again.
 *
 * @example Decode a stream cut at odd places
 * ```ts
 * import { EnvelopeDecoder } from "./envelope.ts";
 *
 * const decoder = new EnvelopeDecoder();
 * decoder.push(new Uint8Array([0, 0, 0]));
 * console.log(decoder.next()); // null: the prefix is incomplete
 * decoder.push(new Uint8Array([0, 2, 7, 8, 0, 0]));
 * console.log(decoder.next()); // { compressed: false, data: Uint8Array [7, 8] }
 * console.log(decoder.buffered); // 2: part of the next prefix
 * ```
 */
export class EnvelopeDecoder {
  readonly #max: number;
  readonly #transient: boolean;
  /** A large message being assembled in place (transient mode). */
  #target: Uint8Array | undefined;
  #targetFilled = 0;
  #targetCompressed = false;
  /** A message completed by assembly, returned by the next `next()`. */
  #ready: Envelope | undefined;
  /** Pushed chunks not yet returned as messages. */
  readonly #queue = new ByteQueue();
  /** Body length announced by a prefix already consumed, or -1. */
  #pending = -1;
  #compressed = false;
  #error: GrpcError | undefined;
  /**
   * Scratch space for a prefix that straddles chunks, made when first
   * needed: a typed array costs about a microsecond, and a decoder is made
   * per call.
   */
  #prefix: Uint8Array | undefined;

  /**
   * Creates a decoder.
   *
   * @param options See {@linkcode EnvelopeDecoderOptions}.
   */
  constructor(options: EnvelopeDecoderOptions = {}) {
    this.#max = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#transient = options.transient ?? false;
  }

  /**
   * Bytes held and not yet returned, a consumed prefix included. Nonzero when
   * the stream ends means the last message was truncated (report INTERNAL).
   */
  get buffered(): number {
    if (this.#target) return this.#targetFilled + ENVELOPE_HEADER;
    const held = this.#queue.length;
    return this.#pending < 0 ? held : held + ENVELOPE_HEADER;
  }

  /**
   * Adds received bytes. Empty chunks are ignored.
   *
   * @param chunk Bytes from the stream; kept by reference, not copied.
   */
  push(chunk: Uint8Array): void {
    const target = this.#target;
    if (target) {
      // Assembling a large message: copy straight into it.
      const n = Math.min(target.length - this.#targetFilled, chunk.length);
      target.set(
        n === chunk.length ? chunk : chunk.subarray(0, n),
        this.#targetFilled,
      );
      this.#targetFilled += n;
      if (this.#targetFilled === target.length) {
        this.#ready = { compressed: this.#targetCompressed, data: target };
        this.#target = undefined;
      }
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    this.#queue.push(chunk);
  }

  /**
   * Returns the next complete message, or `null` when more bytes are needed.
   *
   * @returns The message, or `null`.
   * @throws {GrpcError} `RESOURCE_EXHAUSTED` as soon as a prefix announces
   * more than `maxMessageSize` bytes (before its body arrives); `INTERNAL`
   * for a Compressed-Flag other than 0 or 1.
   */
  next(): Envelope | null {
    if (this.#error !== undefined) throw this.#error;
    const ready = this.#ready;
    if (ready) {
      this.#ready = undefined;
      return ready;
    }
    if (this.#target) return null;
    const queue = this.#queue;
    let length = this.#pending;
    if (length < 0) {
      if (queue.length < ENVELOPE_HEADER) return null;
      length = this.#readPrefix();
    }
    if (queue.length < length) return null;
    this.#pending = -1;
    // A view when the message lies within one chunk (copied in transient
    // mode: the chunk is a reused read buffer), else copied once.
    const view = queue.view(length);
    if (view === undefined) {
      return {
        compressed: this.#compressed,
        data: queue.read(largeBuffer(length)),
      };
    }
    return {
      compressed: this.#compressed,
      data: this.#transient ? ownedCopy(view) : view,
    };
  }

  /**
   * In transient mode, call once the messages of the last push were taken:
   * copies whatever is still held (a partial message) so the pushed chunks
   * may be reused. A large partial message is assembled in place from then
   * on, so its bytes are copied once in all.
   */
  retain(): void {
    const queue = this.#queue;
    const n = queue.length;
    if (this.#target || n === 0) {
      queue.clear();
      return;
    }
    if (this.#pending >= ASSEMBLE_ABOVE) {
      const target = largeBuffer(this.#pending);
      queue.read(target.subarray(0, n));
      this.#target = target;
      this.#targetFilled = n;
      this.#targetCompressed = this.#compressed;
      this.#pending = -1;
      return;
    }
    const view = queue.view(n);
    queue.push(
      view === undefined ? queue.read(largeBuffer(n)) : ownedCopy(view),
    );
  }

  /** Consumes a prefix (5 bytes are buffered) and returns its length. */
  #readPrefix(): number {
    const queue = this.#queue;
    // Read in place when it lies within one chunk.
    let chunk = queue.chunk;
    let at = queue.offset;
    if (chunk.length - at >= ENVELOPE_HEADER) {
      queue.skip(ENVELOPE_HEADER);
    } else {
      chunk = queue.read(this.#prefix ??= new Uint8Array(ENVELOPE_HEADER));
      at = 0;
    }
    const flag = chunk[at];
    const length = ((chunk[at + 1] << 24) | (chunk[at + 2] << 16) |
      (chunk[at + 3] << 8) | chunk[at + 4]) >>> 0;
    if (flag > 1) {
      this.#error = new GrpcError(
        Code.INTERNAL,
        `invalid message flag 0x${flag.toString(16)}: expected 0 or 1`,
      );
      throw this.#error;
    }
    if (length > this.#max) {
      this.#error = new GrpcError(
        Code.RESOURCE_EXHAUSTED,
        `received message larger than max (${length} vs. ${this.#max})`,
      );
      throw this.#error;
    }
    this.#compressed = flag === 1;
    this.#pending = length;
    return length;
  }
}
