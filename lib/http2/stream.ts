/**
 * One HTTP/2 stream: its state (RFC 9113 §5.1), its flow-control windows and
 * its queue of outgoing frames. The connection owns the socket; a stream only
 * queues, and the connection's writer drains the queues in order.
 *
 * ```text
 *                          +--------+
 *                  send H /|  idle  |\ recv H
 *                        / +--------+ \
 *                       v              v
 *        send ES  +--------+        +--------+  recv ES
 *      ,----------|  open  |        |        |----------.
 *      |          +--------+                            |
 *      v              | send R / recv R                 v
 * +----------+        |                          +----------+
 * |   half   |        |                          |   half   |
 * |  closed  |        |                          |  closed  |
 * | (local)  |        v                          | (remote) |
 * +----------+     +--------+                    +----------+
 *      | recv ES / |        | send ES /               |
 *      | send R /  | closed | recv R                  |
 *      `---------->|        |<------------------------'
 *                  +--------+
 * ```
 * (H: HEADERS, ES: END_STREAM, R: RST_STREAM. Push is disabled, so the
 * reserved states never occur.)
 *
 * @module
 */

import type { HeaderField } from "./hpack/mod.ts";
import { ReceiveWindow, SendWindow } from "./flow_control.ts";
import { type Deferred, deferred } from "../util/deferred.ts";

/** The states a stream of ours can be in (§5.1; no push, so no reserved). */
export type StreamState =
  | "idle"
  | "open"
  | "half-closed-local"
  | "half-closed-remote"
  | "closed";

/**
 * Receives what arrives on a stream. Called synchronously from the
 * connection's read loop, so handlers should not block; an exception resets
 * the stream with INTERNAL_ERROR.
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

/** The connection services a stream uses; implemented by `Http2Connection`. */
export interface StreamOwner {
  /** The stream has something new to write. */
  schedule(stream: Http2Stream): void;
  /** Reset the stream now with this code and close it. */
  resetStream(stream: Http2Stream, code: number): void;
  /** Returns flow-control credit for consumed bytes. */
  releaseCapacity(stream: Http2Stream, bytes: number): void;
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
 * An HTTP/2 stream. Created by `Http2Connection.openStream()` (client) or
 * handed to the server's `onStream` callback.
 *
 * @example A client request
 * ```ts ignore
 * const stream = await conn.openStream(handler);
 * stream.sendHeaders([[":method", "POST"], [":path", "/x"], [":scheme", "http"], [":authority", "h"]]);
 * await stream.sendData(body, true);
 * ```
 */
export class Http2Stream {
  /** Stream identifier; 0 until a client stream's HEADERS is written. */
  id: number;
  /** Receives inbound frames. */
  handler: StreamHandler;
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
  /** Whether we have queued END_STREAM. */
  localEnded = false;
  /** Whether we have written END_STREAM to the wire. */
  localEndWritten = false;
  /** Whether the peer sent END_STREAM. */
  remoteEnded = false;
  /** Whether field blocks were received (the first is the header). */
  headersReceived = false;
  /** Whether we have written a field block on this stream. */
  headersWritten = false;
  /** Whether the stream is closed (ended both ways, reset, or failed). */
  closed = false;
  /** Whether the stream sits in the connection's writable list. */
  scheduled = false;
  /** Whether this stream waits for its own window to grow. */
  blockedOnStreamWindow = false;
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
   * @param owner the connection
   * @param id the stream id, or 0 for a client stream not yet sent
   * @param handler receives inbound frames
   * @param sendWindow the peer's initial window for streams
   * @param recvWindow our initial window for streams
   */
  constructor(
    owner: StreamOwner,
    id: number,
    handler: StreamHandler,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.#owner = owner;
    this.id = id;
    this.handler = handler;
    this.sendWindow = new SendWindow(sendWindow);
    this.recvWindow = new ReceiveWindow(recvWindow);
  }

  /** The §5.1 state, derived from what each side has ended. */
  get state(): StreamState {
    if (this.closed) return "closed";
    if (this.id === 0) return "idle";
    if (this.localEnded) {
      return this.remoteEnded ? "closed" : "half-closed-local";
    }
    return this.remoteEnded ? "half-closed-remote" : "open";
  }

  /**
   * Queues a field block: the request/response header, or trailers (with
   * `endStream`). Trailers go out after all data queued before them.
   *
   * @param fields header fields; a third element `true` forbids indexing
   * @param endStream whether this ends our side of the stream
   */
  sendHeaders(
    fields: ReadonlyArray<readonly [string, string, boolean?]>,
    endStream = false,
  ): void {
    this.#checkWritable();
    if (endStream) this.localEnded = true;
    this.#enqueue({ kind: "headers", fields, end: endStream, next: undefined });
    this.#owner.schedule(this);
  }

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
   */
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

  /**
   * Queues a payload given in pieces (sent back to back, never joined).
   *
   * @param parts the pieces; not copied, so do not change them afterwards
   * @param length their total length
   * @param endStream whether this ends our side of the stream
   * @returns like {@linkcode Http2Stream.sendData}
   */
  sendParts(
    parts: readonly Uint8Array[],
    length: number,
    endStream = false,
  ): Promise<void> {
    this.#checkWritable();
    if (endStream) this.localEnded = true;
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
      return this.closed && this.error
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

  /** Ends our side with an empty DATA frame carrying END_STREAM. */
  end(): void {
    if (this.localEnded || this.closed) return;
    void this.sendParts([], 0, true);
  }

  /**
   * Resets the stream (RST_STREAM) and closes it; queued frames are dropped.
   *
   * @param code HTTP/2 error code (default CANCEL = 8)
   */
  reset(code = 8): void {
    if (this.closed) return;
    this.#owner.resetStream(this, code);
  }

  /**
   * Returns flow-control credit for bytes handed to `onData` that the
   * application has now consumed.
   *
   * @param bytes how many bytes were consumed
   */
  consume(bytes: number): void {
    if (bytes > 0 && !this.closed && !this.remoteEnded) {
      this.#owner.releaseCapacity(this, bytes);
    }
  }

  #checkWritable(): void {
    if (this.closed) {
      throw this.error ?? new Error(`stream ${this.id} is closed`);
    }
    if (this.localEnded) {
      throw new Error(`stream ${this.id}: our side already ended`);
    }
  }
}
