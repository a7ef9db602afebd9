/**
 * The streams of a connection: their table by id, stream ids (§5.1.1), the
 * count against MAX_CONCURRENT_STREAMS and the callers waiting for a slot,
 * the memory of recently reset and closed ids, and the lifecycle every
 * stream goes through here: created, given an id, reset, closed and
 * released exactly once. Streams call back into it ({@linkcode StreamOwner}).
 *
 * @module
 */

import { ErrorCode, type GoawayFrame } from "./frame/types.ts";
import type { FrameWriter } from "./frame/writer.ts";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
  ResetError,
} from "./errors.ts";
import type { SettingsExchange } from "./settings_exchange.ts";
import type { SendScheduler } from "./send_scheduler.ts";
import type { WriteLoop } from "./write_loop.ts";
import { IdMemory } from "./id_memory.ts";
import { StreamTable } from "./stream_table.ts";
import { type StreamHandler, StreamImpl, type StreamOwner } from "./stream.ts";
import {
  isClosed,
  isReleased,
  releasedState,
  sentEnd,
  StateWord,
} from "./stream_state.ts";
import { type Deferred, deferred } from "../util/deferred.ts";

/** Remember this many streams we reset (to ignore frames still in flight) or closed. */
const RESET_MEMORY = 1024;

/**
 * The stream registry of one connection.
 *
 * @example Inside a connection
 * ```ts ignore
 * const streams = new StreamRegistry("client", settings, writer, writes, scheduler, onDrained);
 * const stream = streams.open(handler); // id assigned when its HEADERS is written
 * ```
 */
export class StreamRegistry implements StreamOwner {
  /** Which side we are: clients open odd ids, servers accept them. */
  readonly role: "client" | "server";
  /** The id the next stream we open gets. */
  nextStreamId: number;
  /** The highest id the peer opened (or tried to). */
  lastPeerStreamId = 0;
  /** Streams open now (queued, active or half closed). */
  active = 0;
  /** New peer streams above this id are ignored (the GOAWAY we sent). */
  acceptLimit = Number.MAX_SAFE_INTEGER;
  /** Set while closing or after a GOAWAY: the last close ends the connection. */
  draining = false;
  readonly #table = new StreamTable<StreamImpl>();
  readonly #settings: SettingsExchange;
  readonly #writer: FrameWriter;
  readonly #writes: WriteLoop;
  readonly #scheduler: SendScheduler;
  readonly #onDrained: () => void;
  #waiters: Array<Deferred<void>> = [];
  #recentlyReset = new IdMemory(RESET_MEMORY);
  /** Streams that ended normally, to tell "closed" from "never opened". */
  #recentlyClosed = new IdMemory(RESET_MEMORY);
  #connectionClosed = false;

  /**
   * @param role our side
   * @param settings both sides' settings
   * @param writer frames go here
   * @param writes flushes the writer
   * @param scheduler drains stream queues
   * @param onDrained the last stream of a draining connection closed
   */
  constructor(
    role: "client" | "server",
    settings: SettingsExchange,
    writer: FrameWriter,
    writes: WriteLoop,
    scheduler: SendScheduler,
    onDrained: () => void,
  ) {
    this.role = role;
    this.nextStreamId = role === "client" ? 1 : 2;
    this.#settings = settings;
    this.#writer = writer;
    this.#writes = writes;
    this.#scheduler = scheduler;
    this.#onDrained = onDrained;
  }

  /**
   * @param id a stream id
   * @returns the open stream with that id
   */
  get(id: number): StreamImpl | undefined {
    return this.#table.get(id);
  }

  /**
   * A new stream of ours: idle, id 0 until its HEADERS is written.
   *
   * @param handler receives its frames
   * @returns the stream, counted as active
   */
  open(handler: StreamHandler): StreamImpl {
    this.active++;
    return new StreamImpl(
      this,
      0,
      handler,
      StateWord.IDLE,
      this.#settings.remote.initialWindowSize,
      this.#settings.local.initialWindowSize,
    );
  }

  /**
   * A new stream the peer opened.
   *
   * @param handler receives its frames
   * @param id its id
   * @param state its state word after the peer's HEADERS
   * @returns the stream, in the table and counted as active
   */
  accept(handler: StreamHandler, id: number, state: number): StreamImpl {
    const stream = new StreamImpl(
      this,
      id,
      handler,
      state,
      this.#settings.remote.initialWindowSize,
      this.#settings.local.initialWindowSize,
    );
    this.#table.add(stream);
    this.active++;
    return stream;
  }

  /** @returns resolves when a stream closes (or the connection goes away) */
  waitForSlot(): Promise<void> {
    const waiter = deferred<void>();
    this.#waiters.push(waiter);
    return waiter.promise;
  }

  /**
   * Wakes callers waiting for a slot.
   *
   * @param limit wake while fewer streams than this are active (default: all)
   */
  wake(limit = Infinity): void {
    while (this.#waiters.length > 0 && this.active < limit) {
      this.#waiters.shift()!.resolve();
    }
  }

  /**
   * Whether `id` is idle: above every id its opener used so far.
   *
   * @param id a stream id
   * @returns true for an idle stream
   */
  isIdle(id: number): boolean {
    const peerInitiated = (id & 1) === (this.role === "server" ? 1 : 0);
    return peerInitiated ? id > this.lastPeerStreamId : id >= this.nextStreamId;
  }

  /**
   * @param id a stream id
   * @returns whether we reset it lately (frames may still be in flight)
   */
  wasReset(id: number): boolean {
    return this.#recentlyReset.has(id);
  }

  /**
   * @param id a stream id
   * @returns whether it ended normally lately (server role only)
   */
  wasClosed(id: number): boolean {
    return this.#recentlyClosed.has(id);
  }

  // ------------------------------------------------------- StreamOwner

  /** @param stream a stream that queued frames: drain it into the writer */
  schedule(stream: StreamImpl): void {
    if (this.#connectionClosed) {
      this.close(stream, new ConnectionClosedError("connection closed"));
      return;
    }
    this.#scheduler.schedule(stream);
  }

  /**
   * Sends RST_STREAM for a stream of ours and closes it.
   *
   * @param stream the stream
   * @param code the RST_STREAM code
   */
  resetStream(stream: StreamImpl, code: number): void {
    if (stream.id !== 0 && !isReleased(stream.stateBits)) {
      this.sendReset(stream.id, code);
    }
    this.close(
      stream,
      code === ErrorCode.NO_ERROR
        ? undefined
        : new ResetError(stream.id, code, false),
    );
  }

  /**
   * The application consumed `bytes` of a stream's data.
   *
   * @param stream the stream
   * @param bytes how many
   */
  releaseCapacity(stream: StreamImpl, bytes: number): void {
    const increment = stream.recvWindow.release(bytes);
    if (increment > 0 && stream.id !== 0) {
      this.#writer.windowUpdate(stream.id, increment);
      this.#writes.scheduleFlush();
    }
  }

  // ------------------------------------------------------- lifecycle

  /**
   * Writes RST_STREAM and remembers the id, to ignore frames in flight.
   *
   * @param id the stream
   * @param code the RST_STREAM code
   */
  sendReset(id: number, code: number): void {
    this.#writer.rstStream(id, code);
    this.#recentlyReset.add(id);
    this.#writes.scheduleFlush();
  }

  /**
   * Resets a stream because of an error on it (a stream error, §5.4.2).
   *
   * @param id the stream
   * @param code the RST_STREAM code
   * @param cause what went wrong, the close error's `cause`
   */
  resetWithError(id: number, code: number, cause: unknown): void {
    const stream = this.#table.get(id);
    this.sendReset(id, code);
    if (stream) {
      this.close(stream, new ResetError(id, code, false, { cause }));
    }
  }

  /**
   * Closes a stream and releases it: out of the table and the count, queued
   * sends failed, its handler told. Later calls do nothing.
   *
   * @param stream the stream
   * @param error why, or undefined for a normal end
   */
  close(stream: StreamImpl, error: Error | undefined): void {
    if (isReleased(stream.stateBits)) return;
    stream.stateBits = releasedState(stream.stateBits);
    stream.error = error;
    if (stream.id !== 0) {
      this.#table.delete(stream.id);
      // A client knows its own ids; the memory only serves a server.
      if (this.role === "server") this.#recentlyClosed.add(stream.id);
    }
    this.active--;
    if (stream.first !== undefined) {
      for (const item of stream.takeQueue()) {
        if (item.kind === "data" && item.done) {
          if (error) item.done.reject(error);
          else item.done.resolve();
        }
      }
    }
    this.#waiters.shift()?.resolve();
    try {
      stream.handler.onClose(error);
    } catch {
      // A handler's failure must not take the connection down.
    }
    if (this.active === 0 && this.draining) this.#onDrained();
  }

  // Handlers are called in place, each in a try/catch that sends here: a
  // closure per frame would be an allocation per message.
  /**
   * A stream handler threw: reset its stream with INTERNAL_ERROR.
   *
   * @param stream the stream
   * @param error what the handler threw
   */
  handlerFailed(stream: StreamImpl, error: unknown): void {
    if (!isReleased(stream.stateBits)) {
      this.resetWithError(stream.id, ErrorCode.INTERNAL_ERROR, error);
    }
  }

  /**
   * The peer's END_STREAM was handled: close the stream if it ended both
   * ways.
   *
   * @param stream the stream
   */
  onRemoteEnd(stream: StreamImpl): void {
    if (isClosed(stream.stateBits)) {
      this.close(stream, undefined);
    }
  }

  /**
   * Gives a client stream its id, just before its HEADERS is written, so
   * ids always increase on the wire (§5.1.1).
   *
   * @param stream the stream
   */
  assignId(stream: StreamImpl): void {
    stream.id = this.nextStreamId;
    this.nextStreamId += 2;
    this.#table.add(stream);
    // The stream was created with the peer's initial window known then (the
    // protocol default if it opened before the peer's SETTINGS); nothing was
    // sent on it yet, so start from the value in force now (§6.9.2).
    stream.sendWindow.size = this.#settings.remote.initialWindowSize;
  }

  /**
   * Our END_STREAM was written.
   *
   * @param stream the stream
   */
  onLocalEndWritten(stream: StreamImpl): void {
    stream.stateBits = sentEnd(stream.stateBits, stream.id);
    if (isClosed(stream.stateBits)) {
      this.close(stream, undefined);
    } else if (this.role === "server") {
      // §8.1: a server that completed its response before the request ended
      // asks the client to stop sending with RST_STREAM(NO_ERROR).
      this.sendReset(stream.id, ErrorCode.NO_ERROR);
      this.close(stream, undefined);
    }
  }

  // ------------------------------------------------------- connection events

  /**
   * SETTINGS_INITIAL_WINDOW_SIZE changed: every open stream's send window
   * moves by the difference (§6.9.2).
   *
   * @param delta the new value minus the old
   * @throws {ConnectionError} FLOW_CONTROL_ERROR when a window overflows
   */
  adjustSendWindows(delta: number): void {
    for (const stream of this.#table.values()) {
      if (!stream.sendWindow.increase(delta)) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window",
        );
      }
      if (delta > 0) this.#scheduler.unblock(stream);
    }
  }

  /**
   * The peer sent GOAWAY: our streams above its last stream id were not
   * processed and fail with a retryable error.
   *
   * @param frame the GOAWAY
   */
  closeUnprocessed(frame: GoawayFrame): void {
    const debugData = new TextDecoder().decode(frame.debugData);
    const ours = this.role === "client" ? 1 : 0;
    for (const stream of this.#table.values()) {
      if ((stream.id & 1) === ours && stream.id > frame.lastStreamId) {
        this.close(
          stream,
          new GoawayError(frame.lastStreamId, frame.errorCode, debugData, true),
        );
      }
    }
  }

  /**
   * The connection closed: every stream fails, and so does every later
   * send.
   *
   * @param error why (streams the peer's GOAWAY left unprocessed get a
   * retryable `GoawayError` instead)
   * @param goaway the GOAWAY the peer sent, if any
   */
  closeAll(error: Error, goaway: GoawayFrame | undefined): void {
    this.#connectionClosed = true;
    for (const stream of this.#table.values()) {
      this.close(
        stream,
        goaway && stream.id > goaway.lastStreamId
          ? new GoawayError(
            goaway.lastStreamId,
            goaway.errorCode,
            new TextDecoder().decode(goaway.debugData),
            true,
          )
          : error,
      );
    }
    for (const stream of this.#scheduler.waiting()) this.close(stream, error);
    this.wake();
  }
}
