/**
 * The send side of a connection, as grpc-go's "loopy writer": streams with
 * something to send wait in one round-robin list; a pump drains them into
 * the frame writer, each stream at most a quantum per turn, within its own
 * and the connection's flow-control windows, until the writer holds enough
 * for one socket write. Header blocks are HPACK-encoded here, when written,
 * so the encoder's table follows the order of the wire.
 *
 * @module
 */

import type { FrameWriter } from "./frame/writer.ts";
import type { SendWindow } from "./flow_control.ts";
import type { StreamImpl } from "./stream.ts";
import { isClosed, sentHeaders } from "./stream_state.ts";

/** Bytes of frames gathered before the pump stops taking DATA and waits for the socket. */
export const WRITE_HIGH_WATER = 1 << 20;
/** Bytes one stream may write before the next writable stream gets a turn. */
export const WRITE_QUANTUM = 64 << 10;

/**
 * Where a stream is (`StreamImpl.writeState`). A `const enum`: its uses here
 * compile to literals.
 */
const enum WriteState {
  /** Not in the writable list. */
  UNLISTED = 0,
  /** In the writable list. */
  LISTED = 1,
  /** Waits for its own window to grow (not listed). */
  WINDOW_BLOCKED = 2,
}

const EMPTY = new Uint8Array(0);

/** What the scheduler needs from its connection. */
export interface SchedulerHost {
  /** Frames go here. */
  readonly writer: FrameWriter;
  /** The connection's send window. */
  readonly connectionWindow: SendWindow;
  /** The peer's SETTINGS_MAX_FRAME_SIZE now. */
  maxFrameSize(): number;
  /** HPACK-encodes a field block (the result is copied at once). */
  encode(
    fields: ReadonlyArray<readonly [string, string, boolean?]>,
  ): Uint8Array;
  /** Gives a client stream its id, just before its HEADERS is written. */
  assignId(stream: StreamImpl): void;
  /** The stream's END_STREAM was written. */
  onLocalEndWritten(stream: StreamImpl): void;
  /** Frames are pending: write them soon. */
  scheduleFlush(): void;
}

/**
 * Round-robin scheduling of stream queues into the frame writer.
 *
 * @example Inside a connection
 * ```ts ignore
 * const scheduler = new SendScheduler(host);
 * scheduler.schedule(stream); // stream.sendData() queued something
 * scheduler.resume(); // after a socket write, or a WINDOW_UPDATE
 * ```
 */
export class SendScheduler {
  readonly #host: SchedulerHost;
  #writable: StreamImpl[] = [];
  #head = 0;
  #blocked = false;

  /** @param host the connection */
  constructor(host: SchedulerHost) {
    this.#host = host;
  }

  /** Whether the pump stopped because the writer is full. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /**
   * Adds a stream with something to send, then pumps.
   *
   * @param stream the stream
   */
  schedule(stream: StreamImpl): void {
    if (
      !this.#blocked && this.#head === this.#writable.length &&
      stream.writeState === WriteState.UNLISTED &&
      !isClosed(stream.stateBits) &&
      this.#host.writer.length < WRITE_HIGH_WATER
    ) {
      // The usual case: no other stream waits. Drain this one directly,
      // without the round-robin list.
      const outcome = this.#drain(stream);
      if (outcome === "empty") {
        this.#host.scheduleFlush();
        return;
      }
      if (outcome === "stream-window") {
        stream.writeState = WriteState.WINDOW_BLOCKED;
        this.#host.scheduleFlush();
        return;
      }
      stream.writeState = WriteState.LISTED;
      this.#writable.push(stream);
      this.pump();
      return;
    }
    if (stream.writeState === WriteState.UNLISTED) {
      stream.writeState = WriteState.LISTED;
      this.#writable.push(stream);
    }
    if (!this.#blocked) this.pump();
  }

  /**
   * A stream's window grew: it may write again.
   *
   * @param stream the stream
   */
  unblock(stream: StreamImpl): void {
    if (
      stream.writeState === WriteState.WINDOW_BLOCKED &&
      stream.sendWindow.size > 0
    ) {
      stream.writeState = WriteState.LISTED;
      this.#writable.push(stream);
    }
  }

  /** Pumps unless the writer is full (then the next socket write resumes it). */
  resume(): void {
    if (!this.#blocked) this.pump();
  }

  /** Streams still waiting to write (for failing them when closing). */
  waiting(): StreamImpl[] {
    return this.#writable.slice(this.#head).filter((s) => s !== undefined);
  }

  /**
   * Drains stream queues into the frame writer: round-robin, at most
   * WRITE_QUANTUM per stream per turn, within both windows, until the writer
   * holds WRITE_HIGH_WATER bytes (then resumes after the socket write).
   */
  pump(): void {
    const writer = this.#host.writer;
    let progressed = true;
    while (progressed && this.#head < this.#writable.length) {
      progressed = false;
      const end = this.#writable.length;
      for (let i = this.#head; i < end; i++) {
        if (writer.length >= WRITE_HIGH_WATER) {
          this.#blocked = true;
          this.#compact(i);
          this.#host.scheduleFlush();
          return;
        }
        const stream = this.#writable[i];
        this.#writable[i] = undefined as unknown as StreamImpl;
        this.#head = i + 1;
        if (isClosed(stream.stateBits)) {
          stream.writeState = WriteState.UNLISTED;
          continue;
        }
        const before = writer.length;
        const outcome = this.#drain(stream);
        if (writer.length !== before) progressed = true;
        if (outcome === "more") this.#writable.push(stream);
        else if (outcome === "stream-window") {
          stream.writeState = WriteState.WINDOW_BLOCKED;
        } else if (outcome === "connection-window") {
          this.#writable.push(stream);
        } else stream.writeState = WriteState.UNLISTED;
      }
    }
    this.#compact(this.#head);
    this.#blocked = false;
    this.#host.scheduleFlush();
  }

  #compact(from: number): void {
    if (from === 0) return;
    // Usually everything was written: a new empty array costs less than
    // slicing or truncating (setting length is a runtime call in V8).
    this.#writable = from === this.#writable.length
      ? []
      : this.#writable.slice(from);
    this.#head = 0;
  }

  #drain(
    stream: StreamImpl,
  ): "empty" | "more" | "stream-window" | "connection-window" {
    const host = this.#host;
    const writer = host.writer;
    const connection = host.connectionWindow;
    let budget = WRITE_QUANTUM;
    for (let item = stream.first; item !== undefined; item = stream.first) {
      if (item.kind === "headers") {
        if (stream.id === 0) host.assignId(stream);
        const block = host.encode(item.fields);
        stream.stateBits = sentHeaders(stream.stateBits, stream.id);
        writer.headers(stream.id, block, item.end, host.maxFrameSize());
        stream.dequeue();
        if (item.end) host.onLocalEndWritten(stream);
        continue;
      }
      const remaining = item.length - item.offset;
      if (remaining === 0) {
        writer.data(stream.id, EMPTY, item.end);
        stream.dequeue();
        item.done?.resolve();
        if (item.end) host.onLocalEndWritten(stream);
        continue;
      }
      if (stream.sendWindow.size <= 0) return "stream-window";
      if (connection.size <= 0) return "connection-window";
      if (budget <= 0) return "more";
      const n = Math.min(
        remaining,
        stream.sendWindow.size,
        connection.size,
        host.maxFrameSize(),
      );
      const last = n === remaining;
      if (item.parts.length === 1 && item.offset === 0 && last) {
        writer.data(stream.id, item.parts[0], item.end);
      } else {
        writer.dataParts(
          stream.id,
          item.parts,
          item,
          n,
          last && item.end,
        );
      }
      stream.sendWindow.consume(n);
      connection.consume(n);
      budget -= n;
      item.offset += n;
      if (last) {
        stream.dequeue();
        item.done?.resolve();
        if (item.end) host.onLocalEndWritten(stream);
      }
    }
    return "empty";
  }
}
