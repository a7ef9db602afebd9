/**
 * One HTTP/2 stream: the public {@linkcode Http2Stream} face, and the
 * engine's {@linkcode StreamImpl} with its state word (RFC 9113 §5.1, see
 * `stream_state.ts`), its flow-control windows and its queue of outgoing
 * frames. The connection owns the socket; a stream only queues, and the
 * connection's writer drains the queues in order.
 *
 * @module
 */

import type { HeaderField } from "./hpack/mod.ts";
import { ReceiveWindow, SendWindow } from "./flow_control.ts";
import { type Deferred, deferred } from "../util/deferred.ts";
import {
  isClosed,
  isLocalEnded,
  mayReceive,
  queueSend,
  stateName,
  type StreamState,
} from "./stream_state.ts";

export type { StreamState } from "./stream_state.ts";

/**
 * Receives what arrives on a stream. Called synchronously from the
 * connection's read loop, so handlers should not block; an exception resets
 * the stream with INTERNAL_ERROR.
 *
 * @example A handler that collects a response
 * ```ts ignore
 * const chunks: Uint8Array[] = [];
 * const stream = await conn.openStream({
 *   onHeaders(fields, endStream) { console.log(fields, endStream); },
 *   onData(data) { chunks.push(data.slice()); stream.consume(data.length); },
 *   onClose(error) { if (error) console.error(error); },
 * });
 * ```
 */
export interface StreamHandler {
  /**
   * A complete field block: the first is the request (server) or response
   * (client) header; a later one, always with `endStream`, is the trailers.
   * 1xx responses are skipped by the connection. `fields` is read-only: a
   * header block that repeats an earlier one hands over the same list.
   */
  onHeaders(fields: HeaderField[], endStream: boolean): void;
  /**
   * Payload of a DATA frame: a view into the connection's read buffer, valid
   * only during this call (copy what you keep). Call
   * {@linkcode Http2Stream.consume} once the bytes are processed so the peer
   * may send more.
   */
  onData(data: Uint8Array, endStream: boolean): void;
  /**
   * The stream is gone: `undefined` when both sides ended normally, else why
   * (a `ResetError`, `GoawayError`, `ConnectionError`, or a closed socket).
   * Called exactly once.
   */
  onClose(error: Error | undefined): void;
}

/**
 * An HTTP/2 stream. Opened by `Http2Connection.openStream()` (client) or
 * handed to the server's `onStream` callback.
 *
 * @example A client request
 * ```ts ignore
 * const stream = await conn.openStream(handler);
 * stream.sendHeaders([[":method", "POST"], [":path", "/x"], [":scheme", "http"], [":authority", "h"]]);
 * await stream.sendData(body, true);
 * ```
 */
export interface Http2Stream {
  /** Stream identifier; 0 until a client stream's HEADERS is written. */
  readonly id: number;
  /** The §5.1 state, as far as frames were written and received. */
  readonly state: StreamState;
  /** Whether the stream is closed (ended both ways, reset, or failed). */
  readonly closed: boolean;
  /** Whether our side takes nothing more (END_STREAM queued, or closed). */
  readonly localEnded: boolean;
  /** Why the stream closed, if not normally. */
  readonly error: Error | undefined;
  /**
   * Queues a field block: the request/response header, or trailers (with
   * `endStream`). Trailers go out after all data queued before them.
   *
   * @param fields header fields; a third element `true` forbids indexing
   * @param endStream whether this ends our side of the stream
   * @throws {StreamUsageError} when our side already ended or the stream
   * closed normally; the stream's {@linkcode Http2Stream.error} when it
   * closed with one
   */
  sendHeaders(
    fields: ReadonlyArray<readonly [string, string, boolean?]>,
    endStream?: boolean,
  ): void;
  /**
   * Queues a payload. It is split at the peer's SETTINGS_MAX_FRAME_SIZE and
   * sent as both windows allow.
   *
   * @param data bytes to send; not copied, so do not change them afterwards
   * @param endStream whether this ends our side of the stream
   * @param head bytes sent before `data` in the same frames (a message
   * prefix), saving the caller a copy to join them
   * @returns resolves once every byte is handed to the socket writer (this is
   * the backpressure signal); rejects if the stream closes first
   * @throws {StreamUsageError} when our side already ended or the stream
   * closed normally; the stream's {@linkcode Http2Stream.error} when it
   * closed with one
   */
  sendData(
    data: Uint8Array,
    endStream?: boolean,
    head?: Uint8Array,
  ): Promise<void>;
  /**
   * Queues a payload given in pieces (sent back to back, never joined).
   *
   * @param parts the pieces; not copied, so do not change them afterwards
   * @param length their total length
   * @param endStream whether this ends our side of the stream
   * @returns like {@linkcode Http2Stream.sendData}; {@linkcode HANDED_OVER}
   * itself when the payload went to the socket writer at once
   * @throws {StreamUsageError} when our side already ended or the stream
   * closed normally; the stream's {@linkcode Http2Stream.error} when it
   * closed with one
   */
  sendParts(
    parts: readonly Uint8Array[],
    length: number,
    endStream?: boolean,
  ): Promise<void>;
  /** Ends our side with an empty DATA frame carrying END_STREAM. */
  end(): void;
  /**
   * Resets the stream (RST_STREAM) and closes it; queued frames are dropped.
   *
   * @param code HTTP/2 error code (default CANCEL = 8)
   */
  reset(code?: number): void;
  /**
   * Returns flow-control credit for bytes handed to `onData` that the
   * application has now consumed.
   *
   * @param bytes how many bytes were consumed
   */
  consume(bytes: number): void;
}

/** The connection services a stream uses (the engine's stream registry). */
export interface StreamOwner {
  /** The stream has something new to write. */
  schedule(stream: StreamImpl): void;
  /** Reset the stream now with this code and close it. */
  resetStream(stream: StreamImpl, code: number): void;
  /** Returns flow-control credit for consumed bytes. */
  releaseCapacity(stream: StreamImpl, bytes: number): void;
}

/** A queued field block: encoded when written, so HPACK order matches the wire. */
export interface OutgoingHeaders {
  readonly kind: "headers";
  readonly fields: ReadonlyArray<readonly [string, string, boolean?]>;
  readonly end: boolean;
  /** The item queued after this one. */
  next: Outgoing | undefined;
}

/** A queued payload (its parts joined), sent in frames as windows allow. */
export interface OutgoingData {
  readonly kind: "data";
  /** The payload, in pieces sent back to back. */
  readonly parts: readonly Uint8Array[];
  /** Total length of the parts. */
  readonly length: number;
  /** Next byte to send: part index and offset in it (a `DataCursor`). */
  partIndex: number;
  partOffset: number;
  /** Bytes sent so far. */
  offset: number;
  readonly end: boolean;
  readonly done: Deferred<void> | undefined;
  /** The item queued after this one. */
  next: Outgoing | undefined;
}

/** What waits in a stream's send queue. */
export type Outgoing = OutgoingHeaders | OutgoingData;

/**
 * What {@linkcode Http2Stream.sendParts} returns when the payload went to the
 * socket writer at once: callers on hot paths compare against it and skip an
 * `await` (a few promise turns per message).
 *
 * @example Await only when flow control held the data back
 * ```ts ignore
 * const sent = stream.sendParts(parts, length);
 * if (sent !== HANDED_OVER) await sent;
 * ```
 */
export const HANDED_OVER: Promise<void> = Promise.resolve();

/**
 * The engine's stream: what {@linkcode Http2Stream} shows, plus the state
 * the connection, its registry and its send scheduler keep on it. Not part
 * of the public surface (`mod.ts` exports the interface only).
 *
 * @example Made by the connection's stream registry
 * ```ts ignore
 * const stream = new StreamImpl(owner, 0, handler, StateWord.IDLE, 65535, 4 << 20);
 * ```
 */
export class StreamImpl implements Http2Stream {
  /** Stream identifier; 0 until a client stream's HEADERS is written. */
  id: number;
  /** Receives inbound frames. */
  handler: StreamHandler;
  /** The §5.1 state and its flags (stream_state.ts). */
  stateBits: number;
  /** Where the send scheduler keeps the stream (its `WriteState`; 0: nowhere). */
  writeState = 0;
  /** What we may send on this stream. */
  readonly sendWindow: SendWindow;
  /** What the peer may send on this stream. */
  readonly recvWindow: ReceiveWindow;
  /**
   * Outgoing frames not yet written, oldest first, linked by `next` (a
   * stream queues one to three items at a time: an array's backing store
   * cost more than the links).
   */
  first: Outgoing | undefined;
  #last: Outgoing | undefined;
  /** The content-length the peer announced, or -1 (checked on requests, §8.1.1). */
  contentLength: number = -1;
  /** DATA payload octets received, to check against `contentLength`. */
  dataReceived = 0;
  /** Why the stream closed, if not normally. */
  error: Error | undefined;
  readonly #owner: StreamOwner;

  /**
   * Streams are made by the connection; users get them from it.
   *
   * @param owner the connection's stream registry
   * @param id the stream id, or 0 for a client stream not yet sent
   * @param handler receives inbound frames
   * @param stateBits the initial state word
   * @param sendWindow the peer's initial window for streams
   * @param recvWindow our initial window for streams
   */
  constructor(
    owner: StreamOwner,
    id: number,
    handler: StreamHandler,
    stateBits: number,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.#owner = owner;
    this.id = id;
    this.handler = handler;
    this.stateBits = stateBits;
    this.sendWindow = new SendWindow(sendWindow);
    this.recvWindow = new ReceiveWindow(recvWindow);
  }

  /** The §5.1 state by name. */
  get state(): StreamState {
    return stateName(this.stateBits);
  }

  /** Whether the stream is closed. */
  get closed(): boolean {
    return isClosed(this.stateBits);
  }

  /** Whether our side takes nothing more. */
  get localEnded(): boolean {
    return isLocalEnded(this.stateBits);
  }

  /** See {@linkcode Http2Stream.sendHeaders}. */
  sendHeaders(
    fields: ReadonlyArray<readonly [string, string, boolean?]>,
    endStream = false,
  ): void {
    this.stateBits = queueSend(this.stateBits, endStream, this.id, this.error);
    this.#enqueue({ kind: "headers", fields, end: endStream, next: undefined });
    this.#owner.schedule(this);
  }

  /** See {@linkcode Http2Stream.sendData}. */
  sendData(
    data: Uint8Array,
    endStream = false,
    head?: Uint8Array,
  ): Promise<void> {
    return this.sendParts(
      head ? [head, data] : [data],
      head ? head.length + data.length : data.length,
      endStream,
    );
  }

  /** See {@linkcode Http2Stream.sendParts}. */
  sendParts(
    parts: readonly Uint8Array[],
    length: number,
    endStream = false,
  ): Promise<void> {
    this.stateBits = queueSend(this.stateBits, endStream, this.id, this.error);
    const item: OutgoingData = {
      kind: "data",
      parts,
      length,
      partIndex: 0,
      partOffset: 0,
      offset: 0,
      end: endStream,
      done: undefined,
      next: undefined,
    };
    this.#enqueue(item);
    this.#owner.schedule(this);
    // Written at once unless it is still the last item queued.
    if (this.#last !== item) {
      return this.error !== undefined && this.closed
        ? Promise.reject(this.error)
        : HANDED_OVER;
    }
    // Still queued: the caller waits for window or for the writer to drain.
    const done = deferred<void>();
    (item as { done: Deferred<void> | undefined }).done = done;
    return done.promise;
  }

  /** Drops the first queued item (the writer is done with it). */
  dequeue(): void {
    const item = this.first;
    if (item === undefined) return;
    this.first = item.next;
    item.next = undefined;
    if (this.first === undefined) this.#last = undefined;
  }

  /**
   * Empties the queue.
   *
   * @returns the items that were queued, oldest first
   */
  takeQueue(): Outgoing[] {
    const items: Outgoing[] = [];
    for (let item = this.first; item !== undefined; item = item.next) {
      items.push(item);
    }
    this.first = this.#last = undefined;
    return items;
  }

  #enqueue(item: Outgoing): void {
    if (this.#last === undefined) this.first = item;
    else this.#last.next = item;
    this.#last = item;
  }

  /** See {@linkcode Http2Stream.end}. */
  end(): void {
    if (isLocalEnded(this.stateBits)) return;
    void this.sendParts([], 0, true);
  }

  /** See {@linkcode Http2Stream.reset}. */
  reset(code = 8): void {
    if (isClosed(this.stateBits)) return;
    this.#owner.resetStream(this, code);
  }

  /** See {@linkcode Http2Stream.consume}. */
  consume(bytes: number): void {
    // Only while the peer may still send: credit after its END_STREAM, or
    // on a closed stream, would be wasted frames.
    if (bytes > 0 && mayReceive(this.stateBits)) {
      this.#owner.releaseCapacity(this, bytes);
    }
  }
}
