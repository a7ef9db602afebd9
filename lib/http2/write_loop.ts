/**
 * The one writer of a connection's socket: flush scheduling, draining the
 * frame writer into socket writes, and coalescing the frames of a streaming
 * producer into fewer writes. Streams and the connection queue frames into
 * the {@linkcode FrameWriter} and call {@linkcode WriteLoop.scheduleFlush};
 * this loop takes the bytes and writes them, one write in flight at a time.
 *
 * @module
 */

import type { FrameWriter } from "./frame/writer.ts";
import type { SendScheduler } from "./send_scheduler.ts";
import type { Transport } from "./connection_options.ts";
import { type Deferred, deferred } from "../util/deferred.ts";

/** Pending bytes below which a streaming writer waits to batch more. */
const COALESCE_BELOW = 64 << 10;
/** Microtask turns without new frames after which the writer stops waiting. */
const GATHER_QUIET_TURNS = 256;
/** At most this many microtask turns of waiting per write. */
const GATHER_MAX_TURNS = 1024;

/**
 * Writes what the frame writer holds to the transport, once per turn.
 *
 * @example Inside a connection
 * ```ts ignore
 * const writes = new WriteLoop(transport, writer, scheduler, (e) => fail(e));
 * writer.ping(data, false);
 * writes.scheduleFlush(); // written in a microtask, or after the current read
 * ```
 */
export class WriteLoop {
  readonly #transport: Transport;
  readonly #writer: FrameWriter;
  readonly #scheduler: SendScheduler;
  readonly #onFailed: (error: unknown) => void;
  #flushScheduled = false;
  /** Whether the read loop is processing a read (it flushes afterwards). */
  #inRead = false;
  #writing = false;
  /** Set once the connection closed: only `finish()` writes then. */
  #stopped = false;
  /** Resolves when the write loop stops (someone waits for it). */
  #writesDone: Deferred<void> | undefined;
  /** The bytes being written and how many of them were written. */
  #inFlight: Uint8Array | undefined;
  #inFlightOffset = 0;

  /**
   * @param transport the socket
   * @param writer where frames are queued
   * @param scheduler resumed when a write makes room
   * @param onFailed a socket write failed (the connection closes)
   */
  constructor(
    transport: Transport,
    writer: FrameWriter,
    scheduler: SendScheduler,
    onFailed: (error: unknown) => void,
  ) {
    this.#transport = transport;
    this.#writer = writer;
    this.#scheduler = scheduler;
    this.#onFailed = onFailed;
  }

  /** Frames are pending: write them in a microtask, or after the current read. */
  scheduleFlush(): void {
    if (this.#flushScheduled || this.#writing) return;
    this.#flushScheduled = true;
    // Frames queued while a read is processed (a synchronous handler's
    // answer, SETTINGS ACK, PING ACK) go out when the read is done.
    if (!this.#inRead) queueMicrotask(this.#flushTask);
  }

  /** The read loop starts processing a read: flushes wait for its end. */
  beginRead(): void {
    this.#inRead = true;
  }

  /** The read loop is done with a read. */
  endRead(): void {
    this.#inRead = false;
  }

  /** Writes now if a flush was asked for during the read. */
  flushPending(): void {
    if (this.#flushScheduled) this.#flush();
  }

  readonly #flushTask = (): void => this.#flush();

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#writing || this.#stopped) return;
    this.#writing = true;
    this.#writeNext();
  }

  // The write loop is callbacks, not an async function: a unary call's
  // flush is one socket write, and an async frame with its awaits was a
  // tenth of the bytes a call allocates.

  /** Writes what the frame writer holds, or ends the loop when it is empty. */
  #writeNext(): void {
    if (this.#writer.length === 0) return this.#stopWriting();
    const bytes = this.#writer.take();
    this.#inFlight = bytes;
    this.#inFlightOffset = 0;
    this.#transport.write(bytes).then(this.#onWritten, this.#onWriteFailed);
  }

  readonly #onWritten = (n: number): void => {
    try {
      const bytes = this.#inFlight!;
      this.#inFlightOffset += n;
      if (this.#inFlightOffset < bytes.length) {
        this.#transport.write(bytes.subarray(this.#inFlightOffset))
          .then(this.#onWritten, this.#onWriteFailed);
        return;
      }
      this.#inFlight = undefined;
      this.#writer.release(bytes);
      if (this.#scheduler.blocked) this.#scheduler.pump();
      // Frames queued while that write was in flight mean a producer is
      // streaming: let it run a little (microtask turns, no timer: Deno's
      // setTimeout(0) costs milliseconds) so a fast socket does not get
      // one small write per message. Stops as soon as nothing new comes.
      if (this.#writer.length > 0 && this.#writer.length < COALESCE_BELOW) {
        this.#gather().then(this.#afterGather, this.#onWriteFailed);
        return;
      }
      this.#writeNext();
    } catch (error) {
      this.#onWriteFailed(error);
    }
  };

  readonly #afterGather = (): void => {
    try {
      this.#writeNext();
    } catch (error) {
      this.#onWriteFailed(error);
    }
  };

  readonly #onWriteFailed = (error: unknown): void => {
    this.#inFlight = undefined;
    this.#stopWriting();
    this.#onFailed(error);
  };

  #stopWriting(): void {
    this.#writing = false;
    const waiter = this.#writesDone;
    this.#writesDone = undefined;
    waiter?.resolve();
  }

  /** Resolves once the write loop has nothing left in flight. */
  #idle(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return (this.#writesDone ??= deferred()).promise;
  }

  async #gather(): Promise<void> {
    let last = this.#writer.length;
    let quiet = 0;
    for (
      let turn = 0;
      turn < GATHER_MAX_TURNS && quiet < GATHER_QUIET_TURNS &&
      this.#writer.length < COALESCE_BELOW;
      turn++
    ) {
      await null;
      if (this.#writer.length === last) quiet++;
      else {
        last = this.#writer.length;
        quiet = 0;
      }
    }
    if (this.#scheduler.blocked) this.#scheduler.pump();
  }

  /**
   * Writes bytes that bypass the frame writer (the client preface, before
   * the first flush).
   *
   * @param bytes what to write
   */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      offset += await this.#transport.write(bytes.subarray(offset));
    }
  }

  /**
   * The connection closed: no more flushes. Lets the write in flight end,
   * writes what is left (responses, GOAWAY) so the peer sees it, then
   * closes the transport, after `timeoutMs` at the latest (a peer that
   * stopped reading must not keep the socket open).
   *
   * @param timeoutMs how long the last writes may take
   */
  finish(timeoutMs: number): void {
    this.#stopped = true;
    const closeSocket = () => {
      clearTimeout(timer);
      try {
        this.#transport.close();
      } catch {
        // Already closed.
      }
    };
    const timer = setTimeout(closeSocket, timeoutMs);
    const finalWrite = async () => {
      await this.#idle();
      if (this.#writer.length > 0) await this.writeRaw(this.#writer.take());
    };
    finalWrite().catch(() => {}).finally(closeSocket);
  }
}
