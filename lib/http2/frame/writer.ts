/**
 * HTTP/2 frame serialization into one growable buffer, so a turn's frames go
 * out in a single socket write (RFC 9113 §4.1, §6).
 *
 * @module
 */

import {
  Flags,
  FrameType,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW,
  type Priority,
} from "./types.ts";

/** Octets in a frame header (RFC 9113 §4.1). */
const HEADER_SIZE = 9;
const EMPTY = new Uint8Array(0);
/** Taken views tracked for reuse; views past this are simply never reused. */
const MAX_OUTSTANDING = 16;

/** A buffer frames are written into, and how many taken views still use it. */
interface Slab {
  bytes: Uint8Array;
  taken: number;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  // Uint8Array stores each value modulo 256, so no masking is needed.
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function writePriority(b: Uint8Array, o: number, p: Priority): void {
  if (!(p.weight >= 1 && p.weight <= 256)) {
    throw new RangeError(`priority weight ${p.weight} outside 1..256`);
  }
  writeU32(b, o, (p.dependency & 0x7fffffff) | (p.exclusive ? 0x80000000 : 0));
  b[o + 4] = p.weight - 1;
}

/** A position in a payload given in parts (advanced by `dataParts`). */
export interface DataCursor {
  /** Index of the part to continue from. */
  partIndex: number;
  /** Offset in that part. */
  partOffset: number;
}

/**
 * Serializes frames back to back into one buffer; {@linkcode FrameWriter.take}
 * hands them over for a single socket write.
 *
 * Buffers are slabs: `take()` returns a subarray view of the pending bytes (no
 * copy) and later frames are written *after* that range in the same slab,
 * never over it. When a slab is full, the pending bytes move to another one,
 * growing geometrically. A taken buffer is therefore never modified, until the
 * caller hands it back with {@linkcode FrameWriter.release} once the socket
 * write is done: then its memory is reused, which saves allocating (and
 * page-faulting) fresh memory every turn. Without `release()` the writer stays
 * correct and simply allocates new slabs.
 *
 * Payloads are copied in with one `set` each. The writer checks sizes only
 * where the wire format demands it (24-bit length, 8-octet PING); protocol
 * limits such as the peer's max frame size are the caller's to respect, which
 * lets tests write malformed frames.
 *
 * @example Coalesce a turn's frames into one write
 * ```ts
 * import { FrameWriter } from "./writer.ts";
 * const writer = new FrameWriter();
 * writer.settingsAck();
 * writer.windowUpdate(0, 1 << 20);
 * const bytes = writer.take(); // 9 + 13 octets, one socket write
 * ```
 */
export class FrameWriter {
  #initial: number;
  #slab: Slab;
  /** `#slab.bytes`, cached for the hot path. */
  #buf: Uint8Array;
  /** A slab no view uses any more, kept for reuse. */
  #spare: Slab | null = null;
  /**
   * Views returned by `take()` and not yet released, and their slabs, at
   * the same index. A connection has one write in flight, so these stay
   * tiny; plain arrays avoid the GC cost of weak collections (and an object
   * per write) on the hot path.
   */
  #views: Uint8Array[] = [];
  #viewSlabs: Slab[] = [];
  /** Start of the pending bytes in {@linkcode #buf}; bytes before are taken. */
  #start = 0;
  #end = 0;

  /**
   * Creates a writer with nothing pending.
   *
   * @param initialCapacity Size of the first buffer in bytes; 16384 by
   * default.
   */
  constructor(initialCapacity = 16384) {
    if (!(Number.isInteger(initialCapacity) && initialCapacity > 0)) {
      throw new RangeError(`invalid initial capacity ${initialCapacity}`);
    }
    this.#initial = initialCapacity;
    this.#slab = this.#newSlab(initialCapacity);
    this.#buf = this.#slab.bytes;
  }

  /** Bytes pending, not yet taken. */
  get length(): number {
    return this.#end - this.#start;
  }

  /**
   * Returns the pending bytes and resets the writer. The result is a view the
   * caller owns: the writer does not write into it again unless it is handed
   * back with {@linkcode FrameWriter.release}.
   *
   * @returns The pending frames, possibly empty.
   */
  take(): Uint8Array {
    if (this.#start === this.#end) return EMPTY;
    const out = this.#buf.subarray(this.#start, this.#end);
    this.#start = this.#end;
    this.#slab.taken++;
    if (this.#views.length < MAX_OUTSTANDING) {
      this.#views.push(out);
      this.#viewSlabs.push(this.#slab);
    }
    return out;
  }

  /**
   * Hands back a buffer returned by {@linkcode FrameWriter.take} once it has
   * been written to the socket, so its memory can be reused. Optional; call
   * it once the buffer is no longer used, and do not touch it afterwards.
   * Buffers the writer did not return, and repeated releases, are ignored.
   *
   * @param taken A buffer from `take()`.
   *
   * @example One write per turn, reusing the buffer
   * ```ts
   * import { FrameWriter } from "./writer.ts";
   * const writer = new FrameWriter();
   * const socket = new WritableStream<Uint8Array>();
   * const out = socket.getWriter();
   * writer.settingsAck();
   * const bytes = writer.take();
   * await out.write(bytes);
   * writer.release(bytes);
   * ```
   */
  release(taken: Uint8Array): void {
    const views = this.#views;
    const slabs = this.#viewSlabs;
    const i = views.indexOf(taken);
    if (i < 0) return;
    const slab = slabs[i];
    // Views are released in the order they were taken: usually the first.
    for (let j = i + 1; j < views.length; j++) {
      views[j - 1] = views[j];
      slabs[j - 1] = slabs[j];
    }
    views.pop();
    slabs.pop();
    if (--slab.taken > 0) return;
    if (slab === this.#slab) {
      // Nothing pending and no view left: start over at the front.
      if (this.#start === this.#end) this.#start = this.#end = 0;
    } else if (
      this.#spare === null || this.#spare.bytes.length < slab.bytes.length
    ) {
      this.#spare = slab;
    }
  }

  /**
   * Writes one DATA frame (RFC 9113 §6.1), unpadded.
   *
   * @param streamId The stream.
   * @param data The payload, already split at the peer's max frame size.
   * @param endStream Whether to set END_STREAM.
   */
  data(streamId: number, data: Uint8Array, endStream: boolean): void {
    const o = this.#header(
      data.length,
      FrameType.DATA,
      endStream ? Flags.END_STREAM : 0,
      streamId,
    );
    this.#buf.set(data, o);
  }

  /**
   * Writes one DATA frame whose payload is the next `length` bytes of a list
   * of parts, starting at `cursor` (which it advances): a caller with a
   * small prefix (a gRPC message's 5-byte header) or a message in pieces need
   * not join them first.
   *
   * @param streamId The stream.
   * @param parts The payload pieces, in order.
   * @param cursor Where to start: index into `parts` and offset in it.
   * @param length The payload length.
   * @param endStream Whether to set END_STREAM.
   */
  dataParts(
    streamId: number,
    parts: readonly Uint8Array[],
    cursor: DataCursor,
    length: number,
    endStream: boolean,
  ): void {
    let at = this.#header(
      length,
      FrameType.DATA,
      endStream ? Flags.END_STREAM : 0,
      streamId,
    );
    const buf = this.#buf;
    let left = length;
    while (left > 0) {
      const part = parts[cursor.partIndex];
      const available = part.length - cursor.partOffset;
      if (available === 0) {
        cursor.partIndex++;
        cursor.partOffset = 0;
        continue;
      }
      const n = Math.min(available, left);
      buf.set(
        n === part.length
          ? part
          : part.subarray(cursor.partOffset, cursor.partOffset + n),
        at,
      );
      at += n;
      left -= n;
      cursor.partOffset += n;
      if (cursor.partOffset === part.length) {
        cursor.partIndex++;
        cursor.partOffset = 0;
      }
    }
  }

  /**
   * Writes a header block as a HEADERS frame followed by as many
   * CONTINUATION frames as needed so that no payload exceeds `maxFrameSize`
   * (RFC 9113 §4.3). END_STREAM goes on the HEADERS frame, END_HEADERS on the
   * last frame.
   *
   * @param streamId The stream.
   * @param block The encoded header block.
   * @param endStream Whether to set END_STREAM.
   * @param maxFrameSize The peer's SETTINGS_MAX_FRAME_SIZE.
   * @param priority Priority fields to send with the PRIORITY flag.
   */
  headers(
    streamId: number,
    block: Uint8Array,
    endStream: boolean,
    maxFrameSize: number,
    priority?: Priority,
  ): void {
    const fixed = priority === undefined ? 0 : 5;
    if (
      !(Number.isInteger(maxFrameSize) && maxFrameSize > fixed &&
        maxFrameSize <= MAX_MAX_FRAME_SIZE)
    ) {
      throw new RangeError(`invalid max frame size ${maxFrameSize}`);
    }
    const total = block.length;
    const first = Math.min(total, maxFrameSize - fixed);
    const continuations = Math.ceil((total - first) / maxFrameSize);
    this.#ensure(HEADER_SIZE * (1 + continuations) + fixed + total);

    let flags = endStream ? Flags.END_STREAM : 0;
    if (continuations === 0) flags |= Flags.END_HEADERS;
    if (priority !== undefined) flags |= Flags.PRIORITY;
    let o = this.#header(fixed + first, FrameType.HEADERS, flags, streamId);
    const buf = this.#buf;
    if (priority !== undefined) writePriority(buf, o, priority);
    buf.set(first === total ? block : block.subarray(0, first), o + fixed);

    for (let at = first; at < total; at += maxFrameSize) {
      const n = Math.min(maxFrameSize, total - at);
      o = this.#header(
        n,
        FrameType.CONTINUATION,
        at + n === total ? Flags.END_HEADERS : 0,
        streamId,
      );
      buf.set(block.subarray(at, at + n), o);
    }
  }

  /**
   * Writes a PRIORITY frame (RFC 9113 §6.3).
   *
   * @param streamId The stream.
   * @param p The priority fields; weight 1..256.
   */
  priority(streamId: number, p: Priority): void {
    const o = this.#header(5, FrameType.PRIORITY, 0, streamId);
    writePriority(this.#buf, o, p);
  }

  /**
   * Writes an RST_STREAM frame (RFC 9113 §6.4).
   *
   * @param streamId The stream.
   * @param errorCode The error code.
   */
  rstStream(streamId: number, errorCode: number): void {
    const o = this.#header(4, FrameType.RST_STREAM, 0, streamId);
    writeU32(this.#buf, o, errorCode);
  }

  /**
   * Writes a SETTINGS frame (RFC 9113 §6.5).
   *
   * @param settings Identifier and value pairs, in order.
   */
  settings(settings: Array<[number, number]>): void {
    let o = this.#header(6 * settings.length, FrameType.SETTINGS, 0, 0);
    const buf = this.#buf;
    for (const [id, value] of settings) {
      buf[o] = id >>> 8;
      buf[o + 1] = id;
      writeU32(buf, o + 2, value);
      o += 6;
    }
  }

  /** Writes an empty SETTINGS frame with the ACK flag (RFC 9113 §6.5.3). */
  settingsAck(): void {
    this.#header(0, FrameType.SETTINGS, Flags.ACK, 0);
  }

  /**
   * Writes one PUSH_PROMISE frame with END_HEADERS (RFC 9113 §6.6). This
   * runtime never pushes; tests use it to play a server.
   *
   * @param streamId The associated stream.
   * @param promisedStreamId The reserved stream.
   * @param block The encoded header block, in one frame.
   */
  pushPromise(
    streamId: number,
    promisedStreamId: number,
    block: Uint8Array,
  ): void {
    const o = this.#header(
      4 + block.length,
      FrameType.PUSH_PROMISE,
      Flags.END_HEADERS,
      streamId,
    );
    writeU32(this.#buf, o, promisedStreamId & 0x7fffffff);
    this.#buf.set(block, o + 4);
  }

  /**
   * Writes a PING frame (RFC 9113 §6.7).
   *
   * @param data Exactly 8 opaque octets (echo the peer's in an ACK).
   * @param ack Whether to set ACK.
   */
  ping(data: Uint8Array, ack: boolean): void {
    if (data.length !== 8) {
      throw new RangeError(`PING data must be 8 octets, got ${data.length}`);
    }
    const o = this.#header(8, FrameType.PING, ack ? Flags.ACK : 0, 0);
    this.#buf.set(data, o);
  }

  /**
   * Writes a GOAWAY frame (RFC 9113 §6.8).
   *
   * @param lastStreamId The highest peer stream we processed or might process.
   * @param errorCode The error code.
   * @param debugData Opaque diagnostic data; empty by default.
   */
  goaway(
    lastStreamId: number,
    errorCode: number,
    debugData: Uint8Array = EMPTY,
  ): void {
    const o = this.#header(8 + debugData.length, FrameType.GOAWAY, 0, 0);
    const buf = this.#buf;
    writeU32(buf, o, lastStreamId & 0x7fffffff);
    writeU32(buf, o + 4, errorCode);
    buf.set(debugData, o + 8);
  }

  /**
   * Writes a WINDOW_UPDATE frame (RFC 9113 §6.9). An increment of 0 is written
   * as is (tests use it); a real sender never sends one.
   *
   * @param streamId The stream, or 0 for the connection.
   * @param increment The increment, 0..2^31−1.
   */
  windowUpdate(streamId: number, increment: number): void {
    if (
      !(Number.isInteger(increment) && increment >= 0 &&
        increment <= MAX_WINDOW)
    ) {
      throw new RangeError(`invalid window increment ${increment}`);
    }
    const o = this.#header(4, FrameType.WINDOW_UPDATE, 0, streamId);
    writeU32(this.#buf, o, increment);
  }

  /**
   * Writes any frame verbatim: tests use it to craft padding, bad lengths and
   * unknown types.
   *
   * @param type The frame type octet.
   * @param flags The flags octet.
   * @param streamId The stream id (its reserved bit is cleared).
   * @param payload The payload.
   */
  raw(
    type: number,
    flags: number,
    streamId: number,
    payload: Uint8Array,
  ): void {
    const o = this.#header(payload.length, type, flags, streamId);
    this.#buf.set(payload, o);
  }

  /**
   * Reserves a frame of `length` payload bytes, writes its header and returns
   * where the payload goes.
   */
  #header(
    length: number,
    type: number,
    flags: number,
    streamId: number,
  ): number {
    if (length > MAX_MAX_FRAME_SIZE) {
      throw new RangeError(`frame payload ${length} exceeds 2^24-1 octets`);
    }
    this.#ensure(HEADER_SIZE + length);
    const b = this.#buf;
    const o = this.#end;
    b[o] = length >>> 16;
    b[o + 1] = length >>> 8;
    b[o + 2] = length;
    b[o + 3] = type;
    b[o + 4] = flags;
    // §4.1: the reserved bit MUST remain unset when sending.
    writeU32(b, o + 5, streamId & 0x7fffffff);
    this.#end = o + HEADER_SIZE + length;
    return o + HEADER_SIZE;
  }

  /** Makes room for `n` more bytes after the pending ones. */
  #ensure(n: number): void {
    const buf = this.#buf;
    if (this.#end + n <= buf.length) return;
    const pending = this.#end - this.#start;
    const needed = pending + n;
    const current = this.#slab;
    if (current.taken === 0 && needed <= buf.length) {
      // No taken view uses this slab: move the pending bytes to its front.
      buf.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = pending;
      return;
    }
    // Bytes before #start may belong to taken views, so the pending bytes
    // move to another slab instead of to the front of this one.
    let next = this.#spare;
    if (next !== null && next.bytes.length >= needed) {
      this.#spare = null;
    } else {
      let capacity = Math.max(this.#initial, buf.length);
      while (capacity < needed) capacity *= 2;
      next = this.#newSlab(capacity);
    }
    if (pending > 0) next.bytes.set(buf.subarray(this.#start, this.#end));
    if (
      current.taken === 0 &&
      (this.#spare === null || this.#spare.bytes.length < buf.length)
    ) {
      this.#spare = current;
    }
    this.#slab = next;
    this.#buf = next.bytes;
    this.#start = 0;
    this.#end = pending;
  }

  #newSlab(capacity: number): Slab {
    const slab: Slab = { bytes: new Uint8Array(capacity), taken: 0 };
    return slab;
  }
}
