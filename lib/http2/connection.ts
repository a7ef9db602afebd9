/**
 * An HTTP/2 connection over any byte transport (a `Deno.Conn`), RFC 9113:
 * the preface and SETTINGS exchange, the read loop and frame dispatch, PING,
 * GOAWAY and shutdown. The rest lives beside it, one concept per file: the
 * options and their defaults (`connection_options.ts`), the stream registry
 * (`streams.ts`), frames received on streams (`stream_recv.ts`), the §5.1
 * state machine (`stream_state.ts`), and the send side, where one writer
 * owns the socket: streams queue frames, the send scheduler drains the
 * queues round-robin into one buffer (`send_scheduler.ts`), the write loop
 * writes it once per turn (`write_loop.ts`).
 *
 * @module
 */

import {
  CLIENT_PREFACE,
  DEFAULT_WINDOW,
  ErrorCode,
  errorCodeName,
  type GoawayFrame,
  MAX_WINDOW,
  type SettingsFrame,
} from "./frame/types.ts";
import { FrameWriter } from "./frame/writer.ts";
import { HpackEncoder } from "./hpack/mod.ts";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
} from "./errors.ts";
import { ReceiveWindow, SendWindow } from "./flow_control.ts";
import type { Settings } from "./settings.ts";
import type { Http2Stream, StreamHandler } from "./stream.ts";
import { SendScheduler } from "./send_scheduler.ts";
import { withTimeout } from "../util/abort.ts";
import { PingTracker } from "./ping_tracker.ts";
import { type Deferred, deferred } from "../util/deferred.ts";
import {
  type Http2ConnectionOptions,
  type ResolvedOptions,
  resolveOptions,
  type Transport,
} from "./connection_options.ts";
import { SettingsExchange } from "./settings_exchange.ts";
import { WriteLoop } from "./write_loop.ts";
import { ReadLoop } from "./read_loop.ts";
import { StreamRegistry } from "./streams.ts";
import { StreamReceiver } from "./stream_recv.ts";

export type {
  Http2ConnectionOptions,
  Transport,
} from "./connection_options.ts";

/** How long a closing connection may take to write its last frames. */
const FINAL_WRITE_TIMEOUT = 5000;

const EMPTY = new Uint8Array(0);

/**
 * An HTTP/2 connection, client or server.
 *
 * @example Client
 * ```ts ignore
 * const conn = new Http2Connection(await Deno.connect({ port: 8080 }), { role: "client" });
 * await conn.ready;
 * const stream = await conn.openStream({
 *   onHeaders(fields) { console.log(fields); },
 *   onData(data) { stream.consume(data.length); },
 *   onClose() {},
 * });
 * stream.sendHeaders([[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "localhost"]], true);
 * ```
 */
export class Http2Connection implements AsyncDisposable {
  /** Which side of the connection we are. */
  readonly role: "client" | "server";
  /** Resolves when the peer's first SETTINGS arrived (the connection is usable). */
  readonly ready: Promise<void>;
  /** Resolves when the connection is closed, with the error that closed it if any. */
  readonly closed: Promise<Error | undefined>;

  readonly #options: ResolvedOptions;
  readonly #settings: SettingsExchange;
  readonly #writer = new FrameWriter();
  readonly #hpackOut = new HpackEncoder();
  readonly #connSend = new SendWindow(DEFAULT_WINDOW);
  readonly #scheduler: SendScheduler;
  readonly #writes: WriteLoop;
  readonly #streams: StreamRegistry;
  readonly #recv: StreamReceiver;
  readonly #reads: ReadLoop;
  readonly #ready: Deferred<void> = deferred();
  readonly #closed: Deferred<Error | undefined> = deferred();
  readonly #pings = new PingTracker();
  /** Connection window the peer granted with WINDOW_UPDATE (`dataBytesSent`). */
  #connGranted = 0;
  #goawayReceived: GoawayFrame | undefined;
  #closing = false;
  #isClosed = false;

  /**
   * Starts the connection: writes our preface and SETTINGS and begins
   * reading. Await `ready` before relying on the peer's settings.
   *
   * @param transport the socket
   * @param options role, limits and callbacks
   */
  constructor(transport: Transport, options: Http2ConnectionOptions) {
    const resolved = resolveOptions(options);
    const local = resolved.local;
    const settings = new SettingsExchange(local, resolved.role);
    const writer = this.#writer;
    const hpackOut = this.#hpackOut;
    this.#options = resolved;
    this.#settings = settings;
    this.role = resolved.role;
    const connRecv = new ReceiveWindow(resolved.connectionWindowSize);
    const scheduler = this.#scheduler = new SendScheduler({
      writer,
      connectionWindow: this.#connSend,
      maxFrameSize: () => settings.remote.maxFrameSize,
      // Copied by the frame writer at once, so a transient view will do.
      encode: (fields) => hpackOut.encode(fields, true),
      assignId: (stream) => this.#streams.assignId(stream),
      onLocalEndWritten: (stream) => this.#streams.onLocalEndWritten(stream),
      scheduleFlush: () => this.#writes.scheduleFlush(),
    });
    const writes = this.#writes = new WriteLoop(
      transport,
      writer,
      scheduler,
      (error) =>
        this.#finishClose(
          new ConnectionClosedError("socket write failed", { cause: error }),
        ),
    );
    const streams = this.#streams = new StreamRegistry(
      resolved.role,
      settings,
      writer,
      writes,
      scheduler,
      () => this.#finishClose(undefined),
    );
    const recv = this.#recv = new StreamReceiver(
      resolved,
      settings,
      streams,
      writer,
      writes,
      scheduler,
      hpackOut,
      connRecv,
    );
    // One object per connection: its methods reach this class's privates.
    this.#reads = new ReadLoop(transport, settings, writes, streams, recv, {
      settings: (frame) => this.#onSettings(frame),
      ping: (data, ack) => this.#onPing(data, ack),
      goaway: (frame) => this.#onGoaway(frame),
      windowUpdate: (id, increment) => this.#onWindowUpdate(id, increment),
      fail: (error) => this.#fail(error),
      closedByPeer: (cutFrame) =>
        this.#finishClose(
          cutFrame || !this.#closing
            ? new ConnectionClosedError(this.#closedByPeerMessage())
            : undefined,
        ),
      readFailed: (error) =>
        this.#finishClose(
          new ConnectionClosedError("socket read failed", { cause: error }),
        ),
    });
    this.ready = this.#ready.promise;
    this.closed = this.#closed.promise;

    // §3.4: the client preface is the magic then SETTINGS; the server's
    // preface is its SETTINGS. Both may send more frames right away.
    const preface = resolved.role === "client" ? CLIENT_PREFACE : EMPTY;
    settings.announce(writer, resolved.settingsTimeoutMs, () => {
      this.#fail(
        new ConnectionError(
          ErrorCode.SETTINGS_TIMEOUT,
          "SETTINGS not acknowledged",
        ),
      );
    });
    if (resolved.connectionWindowSize > DEFAULT_WINDOW) {
      writer.windowUpdate(0, resolved.connectionWindowSize - DEFAULT_WINDOW);
    }
    if (preface.length) {
      // A peer that resets the socket at once (a dying backend) fails this
      // connection, never the process through an unhandled rejection.
      writes.writeRaw(preface).catch((cause) =>
        this.#finishClose(
          new ConnectionClosedError("socket write failed", { cause }),
        )
      );
    }
    writes.scheduleFlush();
    this.#reads.start();
  }

  /** `Date.now()` of the last read from the socket (keepalive uses it). */
  get lastReadAt(): number {
    return this.#reads.lastReadAt;
  }

  /**
   * Bytes of DATA payload sent so far. Derived from flow control (the
   * window granted minus what is left of it): no counting per frame.
   */
  get dataBytesSent(): number {
    return DEFAULT_WINDOW + this.#connGranted - this.#connSend.size;
  }

  /** The highest stream id the peer opened (0: none yet). */
  get lastPeerStreamId(): number {
    return this.#streams.lastPeerStreamId;
  }

  /** The settings the peer announced (protocol defaults until its SETTINGS). */
  get remoteSettings(): Readonly<Settings> {
    return this.#settings.remote;
  }

  /** The settings we announced. */
  get localSettings(): Readonly<Settings> {
    return this.#settings.local;
  }

  /** Streams open now (queued, active or half closed). */
  get activeStreams(): number {
    return this.#streams.active;
  }

  /** Whether new streams may be opened: not closing, no GOAWAY either way. */
  get isAvailable(): boolean {
    return !this.#isClosed && !this.#closing &&
      this.#goawayReceived === undefined &&
      this.#streams.nextStreamId <= MAX_WINDOW;
  }

  /** The GOAWAY the peer sent, if any. */
  get goawayReceived(): GoawayFrame | undefined {
    return this.#goawayReceived;
  }

  // ---------------------------------------------------------------- streams

  /**
   * Opens a client stream, waiting while the peer's MAX_CONCURRENT_STREAMS is
   * reached. Its id is assigned when its HEADERS is written, so ids always
   * increase on the wire (§5.1.1).
   *
   * @param handler receives the response
   * @returns the stream; call `sendHeaders` on it next
   */
  async openStream(handler: StreamHandler): Promise<Http2Stream> {
    return this.tryOpenStream(handler) ?? await this.#openStreamSlow(handler);
  }

  /**
   * Opens a client stream now if the peer's MAX_CONCURRENT_STREAMS allows,
   * without a promise (the common case on the hot path).
   *
   * @param handler receives the response
   * @returns the stream, or undefined when it would have to wait
   */
  tryOpenStream(handler: StreamHandler): Http2Stream | undefined {
    if (this.role !== "client") throw new Error("only clients open streams");
    const streams = this.#streams;
    if (streams.active >= this.#settings.remote.maxConcurrentStreams) {
      return undefined;
    }
    this.#checkAvailable();
    return streams.open(handler);
  }

  async #openStreamSlow(handler: StreamHandler): Promise<Http2Stream> {
    const streams = this.#streams;
    while (streams.active >= this.#settings.remote.maxConcurrentStreams) {
      this.#checkAvailable();
      await streams.waitForSlot();
    }
    this.#checkAvailable();
    return streams.open(handler);
  }

  #checkAvailable(): void {
    if (this.#goawayReceived) {
      const g = this.#goawayReceived;
      throw new GoawayError(
        g.lastStreamId,
        g.errorCode,
        new TextDecoder().decode(g.debugData),
        true,
      );
    }
    if (this.#isClosed || this.#closing) {
      throw new ConnectionClosedError("connection is closing");
    }
    const next = this.#streams.nextStreamId;
    if (next > MAX_WINDOW) {
      throw new GoawayError(
        next - 2,
        ErrorCode.NO_ERROR,
        "stream ids exhausted",
        false,
      );
    }
  }

  // ---------------------------------------------------------------- frames

  #onSettings(frame: SettingsFrame): void {
    const settings = this.#settings;
    if (frame.ack) {
      // Our settings are in force from now on.
      if (settings.acknowledged()) this.#reads.applyLocalSettings();
      return;
    }
    const first = !settings.peerSeen;
    const previous = settings.receive(frame.settings);
    const next = settings.remote;
    const delta = next.initialWindowSize - previous.initialWindowSize;
    if (delta !== 0) this.#streams.adjustSendWindows(delta);
    if (next.headerTableSize !== previous.headerTableSize) {
      this.#hpackOut.setMaxTableSize(next.headerTableSize);
    }
    this.#writer.settingsAck();
    this.#writes.scheduleFlush();
    this.#streams.wake(next.maxConcurrentStreams);
    if (first) this.#ready.resolve();
    this.#scheduler.resume();
  }

  #onWindowUpdate(id: number, increment: number): void {
    if (id !== 0) this.#recv.windowUpdate(id, increment);
    else if (this.#connSend.increase(increment)) this.#connGranted += increment;
    else {
      throw new ConnectionError(
        ErrorCode.FLOW_CONTROL_ERROR,
        "connection window above 2^31-1",
      );
    }
    this.#scheduler.resume();
  }

  #onPing(data: Uint8Array, ack: boolean): void {
    if (!ack) {
      this.#options.onPing?.();
      // The hook may have closed the connection (too many pings).
      if (this.#isClosed) return;
      this.#writer.ping(data, true);
      this.#writes.scheduleFlush();
      return;
    }
    this.#pings.ack(data);
  }

  #onGoaway(frame: GoawayFrame): void {
    const previous = this.#goawayReceived;
    if (previous !== undefined && frame.lastStreamId > previous.lastStreamId) {
      // §6.8: the last-stream-id must not increase.
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "GOAWAY last-stream-id increased",
      );
    }
    // Kept past this read: copy the debug data out of the read buffer.
    this.#goawayReceived = { ...frame, debugData: frame.debugData.slice() };
    const streams = this.#streams;
    streams.draining = true;
    // Streams the peer did not process fail with a retryable error.
    streams.closeUnprocessed(frame);
    streams.wake();
    if (previous === undefined) this.#options.onGoaway?.(frame);
    if (streams.active === 0) this.#finishClose(undefined);
  }

  // ---------------------------------------------------------------- control

  /**
   * Sends a PING and measures the round trip.
   *
   * @returns the round-trip time in milliseconds
   */
  ping(): Promise<number> {
    if (this.#isClosed) {
      return Promise.reject(new ConnectionClosedError("connection closed"));
    }
    const { data, rtt } = this.#pings.start();
    this.#writer.ping(data, false);
    this.#writes.scheduleFlush();
    return rtt;
  }

  /**
   * Sends GOAWAY without closing: no new streams, open ones may finish.
   *
   * @param code the error code (default NO_ERROR)
   * @param debug optional debug text
   * @param lastStreamId defaults to the last stream the peer opened
   */
  goaway(
    code: number = ErrorCode.NO_ERROR,
    debug = "",
    lastStreamId?: number,
  ): void {
    if (this.#isClosed) return;
    const last = lastStreamId ?? this.#streams.lastPeerStreamId;
    this.#streams.acceptLimit = last;
    this.#writer.goaway(last, code, new TextEncoder().encode(debug));
    this.#writes.scheduleFlush();
  }

  /**
   * Graceful shutdown: stops new streams, lets open ones finish, then closes.
   * A server sends two GOAWAYs (§6.8): the first with 2^31−1 so that
   * requests in flight are not lost, the real one after a PING round trip.
   *
   * @param debug debug text for the GOAWAY
   * @returns resolves when the connection is closed
   */
  async close(debug = ""): Promise<void> {
    if (this.#isClosed) return;
    if (!this.#closing) {
      this.#closing = true;
      this.#streams.draining = true;
      this.#streams.wake();
      if (this.role === "server") {
        this.goaway(ErrorCode.NO_ERROR, debug, MAX_WINDOW);
        // The real GOAWAY follows a PING round trip (at most a second), so
        // requests in flight when the first one left are not lost.
        await withTimeout(this.ping(), 1000).catch(() => {});
      }
      this.goaway(ErrorCode.NO_ERROR, debug);
      if (this.#streams.active === 0) this.#finishClose(undefined);
    }
    await this.closed;
  }

  /**
   * Closes now: GOAWAY with `code`, every stream fails.
   *
   * @param code HTTP/2 error code (default NO_ERROR)
   * @param debug debug text for the GOAWAY
   */
  destroy(code: number = ErrorCode.NO_ERROR, debug = ""): void {
    if (this.#isClosed) return;
    // The debug text goes out as given: peers match some of it exactly
    // (gRFC A8's "too_many_pings").
    this.#fail(
      new ConnectionError(code, debug || "connection destroyed"),
      debug,
    );
  }

  /**
   * Closes now for a reason found on this side (a keepalive PING without
   * answer): GOAWAY NO_ERROR with the reason as debug text, every stream
   * fails with `reason`.
   *
   * @param reason what the streams and `closed` report
   */
  abort(reason: Error): void {
    if (this.#isClosed) return;
    this.#closeWith(reason, ErrorCode.NO_ERROR, reason.message);
  }

  /**
   * Closes gracefully (for `await using`).
   *
   * @returns resolves when the connection is closed
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #fail(error: ConnectionError, debug = error.message): void {
    this.#closeWith(error, error.code, debug);
  }

  /** GOAWAY with `code` and `debug`, then close; streams fail with `error`. */
  #closeWith(error: Error, code: number, debug: string): void {
    if (this.#isClosed) return;
    const bytes = new TextEncoder().encode(debug.slice(0, 256));
    this.#writer.goaway(this.#streams.lastPeerStreamId, code, bytes);
    this.#finishClose(error);
  }

  /** Why the peer's close failed the streams: its GOAWAY's code, if not NO_ERROR. */
  #closedByPeerMessage(): string {
    const g = this.#goawayReceived;
    if (g === undefined || g.errorCode === ErrorCode.NO_ERROR) {
      return "connection closed by peer";
    }
    const debug = new TextDecoder().decode(g.debugData);
    return `connection closed by peer after GOAWAY ${
      errorCodeName(g.errorCode)
    }${debug ? ` (${debug})` : ""}`;
  }

  #finishClose(error: Error | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#reads.stop();
    this.#settings.stop();
    // Let the peer see our last frames (responses, GOAWAY) before closing,
    // but do not wait forever on a peer that stopped reading.
    this.#writes.finish(FINAL_WRITE_TIMEOUT);
    const streamError = error ?? new ConnectionClosedError("connection closed");
    this.#streams.closeAll(streamError, this.#goawayReceived);
    this.#pings.failAll(streamError);
    this.#ready.reject(streamError);
    this.#closed.resolve(error);
  }
}
