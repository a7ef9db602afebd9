/**
 * An HTTP/2 connection over any byte transport (a `Deno.Conn`): the preface
 * and SETTINGS exchange, frame dispatch, stream table, flow control, PING,
 * GOAWAY and errors (RFC 9113). One writer owns the socket: streams queue
 * frames, the connection drains the queues round-robin into one buffer and
 * writes it once per turn.
 *
 * @module
 */

import {
  CLIENT_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  ErrorCode,
  type Frame,
  FrameType,
  type GoawayFrame,
  type HeadersFrame,
  MAX_WINDOW,
  type SettingsFrame,
} from "./frame/types.ts";
import { FrameDecoder } from "./frame/decoder.ts";
import { FrameWriter } from "./frame/writer.ts";
import {
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
  HpackError,
} from "./hpack/mod.ts";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
  ResetError,
  StreamError,
} from "./errors.ts";
import { ReceiveWindow, SendWindow } from "./flow_control.ts";
import {
  applySettings,
  DEFAULT_SETTINGS,
  type Settings,
  settingsToPairs,
} from "./settings.ts";
import { Http2Stream, type StreamHandler } from "./stream.ts";
import { SendScheduler } from "./send_scheduler.ts";
import { IdMemory } from "./id_memory.ts";
import { withTimeout } from "../util/abort.ts";
import { PingTracker } from "./ping_tracker.ts";
import { HeaderBlockAssembler } from "./header_block.ts";
import { FieldBlockChecker, type FieldBlockKind } from "./header_validation.ts";
import { type Deferred, deferred } from "../util/deferred.ts";
import { StreamTable } from "./stream_table.ts";

/** The byte transport under a connection; `Deno.Conn` fits. */
export interface Transport {
  /** Reads into `p`; resolves to the byte count or null at EOF. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; resolves to the byte count written. */
  write(p: Uint8Array): Promise<number>;
  /** Closes both directions. */
  close(): void;
}

/** Our side's limits and windows; each has a safe default. */
export interface Http2ConnectionOptions {
  /** "client" sends the preface and opens odd streams; "server" accepts them. */
  role: "client" | "server";
  /** Largest frame payload we accept. Default 16,384 (the protocol default). */
  maxFrameSize?: number;
  /** Streams the peer may open at once (server). Default 16,384. */
  maxConcurrentStreams?: number;
  /** Our receive window per stream. Default 4 MiB, so one stream is not throttled to 64 KiB per round trip. */
  initialWindowSize?: number;
  /** Our receive window for the whole connection. Default 16 MiB. */
  connectionWindowSize?: number;
  /** Largest decoded header list we accept. Default 64 KiB. */
  maxHeaderListSize?: number;
  /** HPACK table size we let the peer use. Default 4,096. */
  headerTableSize?: number;
  /** How long the peer has to acknowledge our SETTINGS. Default 10,000 ms. */
  settingsTimeoutMs?: number;
  /**
   * Peer resets of streams we had not yet answered, tolerated per second
   * before GOAWAY ENHANCE_YOUR_CALM (Rapid Reset, CVE-2023-44487). Resets of
   * answered streams (a client cancelling long calls) are not counted.
   * Default 1,000.
   */
  maxResetsPerSecond?: number;
  /**
   * A new peer stream (server role). Returns the stream's handler. `fields`
   * is read-only: a header block that repeats an earlier one hands over the
   * same list.
   */
  onStream?: (
    stream: Http2Stream,
    fields: HeaderField[],
    endStream: boolean,
  ) => StreamHandler;
  /** The peer sent GOAWAY. */
  onGoaway?: (frame: GoawayFrame) => void;
  /** A PING arrived from the peer (server keepalive enforcement hooks here). */
  onPing?: () => void;
}

/** First read buffer size: reused for every read, frames are views into it. */
const READ_BUFFER = 64 << 10;
/** Largest read buffer: a connection whose reads fill the buffer grows to it. */
const MAX_READ_BUFFER = 256 << 10;
/** Pending bytes below which a streaming writer waits to batch more. */
const COALESCE_BELOW = 64 << 10;
/** Microtask turns without new frames after which the writer stops waiting. */
const GATHER_QUIET_TURNS = 256;
/** At most this many microtask turns of waiting per write. */
const GATHER_MAX_TURNS = 1024;
/** How long a closing connection may take to write its last frames. */
const FINAL_WRITE_TIMEOUT = 5000;
/** Remember this many streams we reset (to ignore frames still in flight) or closed. */
const RESET_MEMORY = 1024;

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
  /** `Date.now()` of the last read from the socket (keepalive uses it; a cheap clock: one per read). */
  lastReadAt: number = Date.now();

  readonly #transport: Transport;
  readonly #options: Http2ConnectionOptions;
  readonly #local: Settings;
  #remote: Settings = { ...DEFAULT_SETTINGS };
  readonly #decoder: FrameDecoder;
  readonly #writer = new FrameWriter();
  readonly #hpackIn: HpackDecoder;
  readonly #hpackOut = new HpackEncoder();
  readonly #streams = new StreamTable<Http2Stream>();
  readonly #checker = new FieldBlockChecker();
  readonly #connSend = new SendWindow(DEFAULT_SETTINGS.initialWindowSize);
  readonly #scheduler: SendScheduler = new SendScheduler({
    writer: this.#writer,
    connectionWindow: this.#connSend,
    maxFrameSize: () => this.#remote.maxFrameSize,
    // Copied by the frame writer at once, so a transient view will do.
    encode: (fields) => this.#hpackOut.encode(fields, true),
    assignId: (stream) => this.#assignId(stream),
    onLocalEndWritten: (stream) => this.#onLocalEndWritten(stream),
    scheduleFlush: () => this.#scheduleFlush(),
  });
  readonly #connRecv: ReceiveWindow;
  readonly #ready: Deferred<void> = deferred();
  readonly #closed: Deferred<Error | undefined> = deferred();

  #nextStreamId: number;
  #lastPeerStreamId = 0;
  #activeStreams = 0;
  #openWaiters: Array<Deferred<void>> = [];
  #flushScheduled = false;
  /** Whether the read loop is processing a read (it flushes afterwards). */
  #inRead = false;
  #writing = false;
  /** Resolves when the write loop stops (someone waits for it). */
  #writesDone: Deferred<void> | undefined;
  /** The bytes being written and how many of them were written. */
  #inFlight: Uint8Array | undefined;
  #inFlightOffset = 0;
  #peerSettingsSeen = false;
  #settingsAckPending = 0;
  #settingsTimer: ReturnType<typeof setTimeout> | undefined;
  #recentlyReset = new IdMemory(RESET_MEMORY);
  /** Streams that ended normally, to tell "closed" from "never opened". */
  #recentlyClosed = new IdMemory(RESET_MEMORY);
  readonly #pings = new PingTracker();
  readonly #headerBlocks: HeaderBlockAssembler;
  #goawaySent: number | undefined;
  #goawayReceived: GoawayFrame | undefined;
  #closing = false;
  #isClosed = false;
  #resetWindowStart = 0;
  #resetCount = 0;

  /**
   * Starts the connection: writes our preface and SETTINGS and begins
   * reading. Await `ready` before relying on the peer's settings.
   *
   * @param transport the socket
   * @param options role, limits and callbacks
   */
  constructor(transport: Transport, options: Http2ConnectionOptions) {
    this.#transport = transport;
    this.#options = options;
    this.role = options.role;
    this.#nextStreamId = options.role === "client" ? 1 : 2;
    this.#local = {
      headerTableSize: options.headerTableSize ?? 4096,
      enablePush: false,
      maxConcurrentStreams: options.role === "server"
        ? options.maxConcurrentStreams ?? 16384
        : options.maxConcurrentStreams ?? Infinity,
      initialWindowSize: options.initialWindowSize ?? 4 << 20,
      maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      maxHeaderListSize: options.maxHeaderListSize ?? 64 << 10,
    };
    // Cap the accumulated field block against CONTINUATION floods: the block
    // is compressed, so twice the header-list limit is generous.
    this.#headerBlocks = new HeaderBlockAssembler(
      2 * this.#local.maxHeaderListSize + 16384,
    );
    this.#decoder = new FrameDecoder({
      maxFrameSize: this.#local.maxFrameSize,
      expectPreface: options.role === "server",
    });
    this.#hpackIn = new HpackDecoder({
      maxTableSize: DEFAULT_SETTINGS.headerTableSize,
      maxHeaderListSize: this.#local.maxHeaderListSize,
    });
    // The connection window starts at 65,535 and only WINDOW_UPDATE moves
    // it (§6.9.2): a smaller value cannot be announced, so it is a floor.
    const connWindow = Math.max(
      options.connectionWindowSize ?? 16 << 20,
      DEFAULT_SETTINGS.initialWindowSize,
    );
    this.#connRecv = new ReceiveWindow(connWindow);
    this.ready = this.#ready.promise;
    this.closed = this.#closed.promise;

    // §3.4: the client preface is the magic then SETTINGS; the server's
    // preface is its SETTINGS. Both may send more frames right away.
    const preface = options.role === "client" ? CLIENT_PREFACE : EMPTY;
    this.#writer.settings(settingsToPairs(this.#local));
    this.#settingsAckPending++;
    if (connWindow > DEFAULT_SETTINGS.initialWindowSize) {
      this.#writer.windowUpdate(
        0,
        connWindow - DEFAULT_SETTINGS.initialWindowSize,
      );
    }
    const settingsTimeout = options.settingsTimeoutMs ?? 10_000;
    this.#settingsTimer = setTimeout(() => {
      this.#fail(
        new ConnectionError(
          ErrorCode.SETTINGS_TIMEOUT,
          "SETTINGS not acknowledged",
        ),
      );
    }, settingsTimeout);
    if (preface.length) void this.#writeRaw(preface);
    this.#scheduleFlush();
    void this.#readLoop();
  }

  /** The settings the peer announced (protocol defaults until its SETTINGS). */
  get remoteSettings(): Readonly<Settings> {
    return this.#remote;
  }

  /** The settings we announced. */
  get localSettings(): Readonly<Settings> {
    return this.#local;
  }

  /** Streams open now (queued, active or half closed). */
  get activeStreams(): number {
    return this.#activeStreams;
  }

  /** Whether new streams may be opened: not closing, no GOAWAY either way. */
  get isAvailable(): boolean {
    return !this.#isClosed && !this.#closing &&
      this.#goawayReceived === undefined &&
      this.#nextStreamId <= MAX_WINDOW;
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
    if (this.#activeStreams >= this.#remote.maxConcurrentStreams) {
      return undefined;
    }
    this.#checkAvailable();
    this.#activeStreams++;
    return new Http2Stream(
      this,
      0,
      handler,
      this.#remote.initialWindowSize,
      this.#local.initialWindowSize,
    );
  }

  async #openStreamSlow(handler: StreamHandler): Promise<Http2Stream> {
    while (this.#activeStreams >= this.#remote.maxConcurrentStreams) {
      this.#checkAvailable();
      const waiter = deferred<void>();
      this.#openWaiters.push(waiter);
      await waiter.promise;
    }
    this.#checkAvailable();
    this.#activeStreams++;
    return new Http2Stream(
      this,
      0,
      handler,
      this.#remote.initialWindowSize,
      this.#local.initialWindowSize,
    );
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
    if (this.#nextStreamId > MAX_WINDOW) {
      throw new GoawayError(
        this.#nextStreamId - 2,
        ErrorCode.NO_ERROR,
        "stream ids exhausted",
        false,
      );
    }
  }

  /** @internal A stream queued frames: add it to the writable list and pump. */
  schedule(stream: Http2Stream): void {
    if (this.#isClosed) {
      this.#closeStream(stream, new ConnectionClosedError("connection closed"));
      return;
    }
    this.#scheduler.schedule(stream);
  }

  /** @internal Sends RST_STREAM for a stream of ours and closes it. */
  resetStream(stream: Http2Stream, code: number): void {
    if (stream.id !== 0 && !stream.closed) this.#sendReset(stream.id, code);
    this.#closeStream(
      stream,
      code === ErrorCode.NO_ERROR
        ? undefined
        : new ResetError(stream.id, code, false),
    );
  }

  /** @internal The application consumed `bytes` of a stream's data. */
  releaseCapacity(stream: Http2Stream, bytes: number): void {
    const increment = stream.recvWindow.release(bytes);
    if (increment > 0 && stream.id !== 0) {
      this.#writer.windowUpdate(stream.id, increment);
      this.#scheduleFlush();
    }
  }

  /** Writes RST_STREAM and remembers the id, to ignore frames in flight. */
  #sendReset(id: number, code: number): void {
    this.#writer.rstStream(id, code);
    this.#rememberReset(id);
    this.#scheduleFlush();
  }

  #rememberReset(id: number): void {
    this.#recentlyReset.add(id);
  }

  #closeStream(stream: Http2Stream, error: Error | undefined): void {
    if (stream.closed) return;
    stream.closed = true;
    stream.error = error;
    if (stream.id !== 0) {
      this.#streams.delete(stream.id);
      // A client knows its own ids; the memory only serves a server.
      if (this.role === "server") this.#recentlyClosed.add(stream.id);
    }
    this.#activeStreams--;
    if (stream.first !== undefined) {
      for (const item of stream.takeQueue()) {
        if (item.kind === "data" && item.done) {
          if (error) item.done.reject(error);
          else item.done.resolve();
        }
      }
    }
    const waiter = this.#openWaiters.shift();
    waiter?.resolve();
    try {
      stream.handler.onClose(error);
    } catch {
      // A handler's failure must not take the connection down.
    }
    if (
      this.#activeStreams === 0 &&
      (this.#closing || this.#goawayReceived !== undefined)
    ) {
      this.#finishClose(undefined);
    }
  }

  // ---------------------------------------------------------------- writing

  #assignId(stream: Http2Stream): void {
    stream.id = this.#nextStreamId;
    this.#nextStreamId += 2;
    this.#streams.add(stream);
    // The stream was created with the peer's initial window known then (the
    // protocol default if it opened before the peer's SETTINGS); nothing was
    // sent on it yet, so start from the value in force now (§6.9.2).
    stream.sendWindow.size = this.#remote.initialWindowSize;
  }

  #onLocalEndWritten(stream: Http2Stream): void {
    stream.localEndWritten = true;
    if (stream.remoteEnded) {
      this.#closeStream(stream, undefined);
    } else if (this.role === "server") {
      // §8.1: a server that completed its response before the request ended
      // asks the client to stop sending with RST_STREAM(NO_ERROR).
      this.#sendReset(stream.id, ErrorCode.NO_ERROR);
      this.#closeStream(stream, undefined);
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#writing) return;
    this.#flushScheduled = true;
    // Frames queued while a read is processed (a synchronous handler's
    // answer, SETTINGS ACK, PING ACK) go out when the read is done.
    if (!this.#inRead) queueMicrotask(this.#flushTask);
  }

  readonly #flushTask = (): void => this.#flush();

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#writing || this.#isClosed) return;
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
    this.#finishClose(
      new ConnectionClosedError("socket write failed", { cause: error }),
    );
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

  async #writeRaw(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      offset += await this.#transport.write(bytes.subarray(offset));
    }
  }

  // ---------------------------------------------------------------- reading

  async #readLoop(): Promise<void> {
    // One buffer for the connection's life: frames are views into it, valid
    // while they are handled (StreamHandler.onData copies what it keeps), and
    // the decoder copies a partial frame out before the next read. Fresh
    // memory per read would cost page faults on every byte received.
    // Small for idle or chatty connections, larger once reads fill it (bulk
    // transfers then need fewer reads).
    let buffer = new Uint8Array(READ_BUFFER);
    try {
      while (!this.#isClosed) {
        const n = await this.#transport.read(buffer);
        if (n === null) break;
        this.lastReadAt = Date.now();
        this.#inRead = true;
        try {
          this.#decoder.push(buffer.subarray(0, n));
          this.#processFrames();
          this.#decoder.detach();
        } finally {
          this.#inRead = false;
        }
        if (this.#flushScheduled) this.#flush();
        if (n === buffer.length && buffer.length < MAX_READ_BUFFER) {
          buffer = new Uint8Array(buffer.length * 2);
        }
      }
      if (!this.#isClosed) {
        this.#finishClose(
          this.#decoder.buffered > 0 || !this.#closing
            ? new ConnectionClosedError("connection closed by peer")
            : undefined,
        );
      }
    } catch (error) {
      if (!this.#isClosed) {
        this.#finishClose(
          new ConnectionClosedError("socket read failed", { cause: error }),
        );
      }
    }
  }

  #processFrames(): void {
    while (!this.#isClosed) {
      let frame: Frame | null;
      try {
        const unknownBefore = this.#decoder.unknownFrames;
        frame = this.#decoder.next();
        if (
          this.#headerBlocks.open &&
          this.#decoder.unknownFrames !== unknownBefore
        ) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "frame inside a header block",
          );
        }
        if (frame === null) return;
        this.#onFrame(frame);
      } catch (error) {
        if (error instanceof StreamError) {
          this.#streamError(error.streamId, error.code, error.message);
        } else if (error instanceof ConnectionError) {
          this.#fail(error);
          return;
        } else if (error instanceof HpackError) {
          this.#fail(
            new ConnectionError(ErrorCode.COMPRESSION_ERROR, error.message, {
              cause: error,
            }),
          );
          return;
        } else {
          this.#fail(
            new ConnectionError(ErrorCode.INTERNAL_ERROR, String(error), {
              cause: error,
            }),
          );
          return;
        }
      }
    }
  }

  #onFrame(frame: Frame): void {
    if (this.#headerBlocks.open && frame.type !== FrameType.CONTINUATION) {
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "expected CONTINUATION",
      );
    }
    if (!this.#peerSettingsSeen && frame.type !== FrameType.SETTINGS) {
      // §3.4: the peer's preface must start with SETTINGS.
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "first frame is not SETTINGS",
      );
    }
    switch (frame.type) {
      case FrameType.DATA:
        return this.#onData(
          frame.streamId,
          frame.data,
          frame.flowLength,
          frame.endStream,
        );
      case FrameType.HEADERS:
        if (frame.endHeaders) {
          return this.#onFieldBlock(frame, frame.fragment);
        }
        return this.#headerBlocks.begin(frame);
      case FrameType.CONTINUATION: {
        const done = this.#headerBlocks.continue(
          frame.streamId,
          frame.fragment,
          frame.endHeaders,
        );
        if (done) return this.#onFieldBlock(done.frame, done.block);
        return;
      }
      case FrameType.PRIORITY:
        // Deprecated by RFC 9113 §5.3.2; accepted and ignored. A stream may
        // not depend on itself, though.
        if (frame.priority.dependency === frame.streamId) {
          throw new StreamError(
            frame.streamId,
            ErrorCode.PROTOCOL_ERROR,
            "stream depends on itself",
          );
        }
        return;
      case FrameType.RST_STREAM:
        return this.#onRstStream(frame.streamId, frame.errorCode);
      case FrameType.SETTINGS:
        return this.#onSettings(frame);
      case FrameType.PUSH_PROMISE:
        // §8.4: we announce ENABLE_PUSH=0; a server never gets PUSH_PROMISE.
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          "PUSH_PROMISE not enabled",
        );
      case FrameType.PING:
        return this.#onPing(frame.data, frame.ack);
      case FrameType.GOAWAY:
        return this.#onGoaway(frame);
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(frame.streamId, frame.increment);
    }
  }

  #isIdle(id: number): boolean {
    const peerInitiated = (id & 1) === (this.role === "server" ? 1 : 0);
    return peerInitiated
      ? id > this.#lastPeerStreamId
      : id >= this.#nextStreamId;
  }

  #onFieldBlock(frame: HeadersFrame, block: Uint8Array): void {
    // Always decode, even for streams we ignore: the HPACK table is shared.
    const decoded = this.#hpackIn.decode(block);
    const id = frame.streamId;
    if (frame.priority !== undefined && frame.priority.dependency === id) {
      // §5.3.1: a stream cannot depend on itself. Checked after decoding so
      // the HPACK tables stay in step; a new stream's id still counts as used.
      if (this.role === "server" && (id & 1) === 1) {
        this.#lastPeerStreamId = Math.max(this.#lastPeerStreamId, id);
      }
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "stream depends on itself",
      );
    }
    const stream = this.#streams.get(id);
    if (stream === undefined) {
      if (
        this.role === "server" && (id & 1) === 1 && id > this.#lastPeerStreamId
      ) {
        return this.#acceptStream(
          id,
          decoded.fields,
          decoded.oversize,
          frame.endStream,
        );
      }
      if (this.#isIdle(id) || (id & 1) === 0) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `HEADERS on idle or invalid stream ${id}`,
        );
      }
      if (this.#recentlyReset.has(id)) return;
      if (this.role === "server" && !this.#recentlyClosed.has(id)) {
        // §5.1.1: a new stream's id must exceed every id the peer used; one
        // that was skipped (implicitly closed) is an unexpected identifier.
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `HEADERS on stream ${id}, below the last stream opened`,
        );
      }
      // §5.1: HEADERS on a stream that ended both ways.
      throw new ConnectionError(
        ErrorCode.STREAM_CLOSED,
        `HEADERS on closed stream ${id}`,
      );
    }
    if (stream.remoteEnded) {
      throw new StreamError(
        id,
        ErrorCode.STREAM_CLOSED,
        "HEADERS after END_STREAM",
      );
    }
    if (decoded.oversize) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "header list too large",
      );
    }
    let kind: FieldBlockKind = "trailers";
    if (!stream.headersReceived && this.role === "client") kind = "response";
    const problem = this.#checker.check(decoded.fields, kind);
    if (problem !== undefined) {
      throw new StreamError(id, ErrorCode.PROTOCOL_ERROR, problem);
    }
    if (
      kind === "trailers" && stream.contentLength >= 0 &&
      stream.dataReceived !== stream.contentLength
    ) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "DATA does not match content-length",
      );
    }
    if (kind === "response") {
      const status = decoded.fields.find((f) => f[0] === ":status")?.[1];
      if (status !== undefined && status.charCodeAt(0) === 0x31 /* 1xx */) {
        if (frame.endStream) {
          throw new StreamError(
            id,
            ErrorCode.PROTOCOL_ERROR,
            "1xx with END_STREAM",
          );
        }
        return;
      }
    } else if (!frame.endStream) {
      // A second field block must be trailers, which end the stream (§8.1).
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "trailers without END_STREAM",
      );
    }
    stream.headersReceived = true;
    if (frame.endStream) stream.remoteEnded = true;
    try {
      stream.handler.onHeaders(decoded.fields, frame.endStream);
    } catch (error) {
      this.#handlerFailed(stream, error);
    }
    if (frame.endStream) this.#onRemoteEnd(stream);
  }

  #acceptStream(
    id: number,
    fields: HeaderField[],
    oversize: boolean,
    endStream: boolean,
  ): void {
    this.#lastPeerStreamId = id;
    if (this.#goawaySent !== undefined && id > this.#goawaySent) return;
    if (this.#closing && this.#goawaySent === undefined) return;
    if (this.#activeStreams >= this.#local.maxConcurrentStreams) {
      // §5.1.2: refused streams were not processed and may be retried.
      this.#sendReset(id, ErrorCode.REFUSED_STREAM);
      return;
    }
    if (oversize) {
      // Answer as an HTTP server would: 431 Request Header Fields Too Large.
      this.#writer.headers(
        id,
        this.#hpackOut.encode([[":status", "431"]]),
        true,
        this.#remote.maxFrameSize,
      );
      this.#sendReset(id, ErrorCode.NO_ERROR);
      return;
    }
    const checker = this.#checker;
    let problem = checker.check(fields, "request");
    const declared = checker.contentLength;
    problem ??= Number.isNaN(declared) || (endStream && declared > 0)
      ? "bad content-length"
      : undefined;
    if (problem !== undefined) {
      this.#sendReset(id, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    const onStream = this.#options.onStream;
    if (!onStream) {
      this.#writer.rstStream(id, ErrorCode.REFUSED_STREAM);
      this.#scheduleFlush();
      return;
    }
    const stream = new Http2Stream(
      this,
      id,
      NOOP_HANDLER,
      this.#remote.initialWindowSize,
      this.#local.initialWindowSize,
    );
    stream.headersReceived = true;
    stream.remoteEnded = endStream;
    stream.contentLength = declared;
    this.#streams.add(stream);
    this.#activeStreams++;
    try {
      const handler = onStream(stream, fields, endStream);
      stream.handler = handler;
      // Answered (or reset) inside onStream: the close went to the
      // placeholder handler, so tell the real one (onClose runs exactly once).
      if (stream.closed) handler.onClose(stream.error);
    } catch (error) {
      this.#handlerFailed(stream, error);
    }
  }

  // Handlers are called in place, each in a try/catch that sends here: a
  // closure per frame would be an allocation per message.
  /** A stream handler threw: reset its stream with INTERNAL_ERROR. */
  #handlerFailed(stream: Http2Stream, error: unknown): void {
    if (!stream.closed) {
      this.#streamError(stream.id, ErrorCode.INTERNAL_ERROR, String(error));
    }
  }

  #onRemoteEnd(stream: Http2Stream): void {
    if (stream.localEndWritten) this.#closeStream(stream, undefined);
  }

  #onData(
    id: number,
    data: Uint8Array,
    flowLength: number,
    endStream: boolean,
  ): void {
    if (!this.#connRecv.receive(flowLength)) {
      throw new ConnectionError(
        ErrorCode.FLOW_CONTROL_ERROR,
        "connection window exceeded",
      );
    }
    // The connection window is returned as data arrives (per-stream windows
    // bound what any one stream buffers), so one slow reader cannot stall the
    // others.
    this.#releaseConnection(flowLength);
    const stream = this.#streams.get(id);
    if (stream === undefined) {
      if (this.#isIdle(id)) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `DATA on idle stream ${id}`,
        );
      }
      if (this.#recentlyReset.has(id)) return;
      throw new StreamError(
        id,
        ErrorCode.STREAM_CLOSED,
        `DATA on closed stream ${id}`,
      );
    }
    if (stream.remoteEnded) {
      throw new StreamError(
        id,
        ErrorCode.STREAM_CLOSED,
        "DATA after END_STREAM",
      );
    }
    if (!stream.headersReceived) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "DATA before HEADERS",
      );
    }
    if (!stream.recvWindow.receive(flowLength)) {
      throw new StreamError(
        id,
        ErrorCode.FLOW_CONTROL_ERROR,
        "stream window exceeded",
      );
    }
    stream.dataReceived += data.length;
    if (
      stream.contentLength >= 0 &&
      (stream.dataReceived > stream.contentLength ||
        (endStream && stream.dataReceived !== stream.contentLength))
    ) {
      // §8.1.1: DATA not adding up to content-length makes it malformed.
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "DATA does not match content-length",
      );
    }
    // Padding is never seen by the application: give it back at once.
    const padding = flowLength - data.length;
    if (padding > 0) this.releaseCapacity(stream, padding);
    if (endStream) stream.remoteEnded = true;
    try {
      stream.handler.onData(data, endStream);
    } catch (error) {
      this.#handlerFailed(stream, error);
    }
    if (endStream) this.#onRemoteEnd(stream);
  }

  #releaseConnection(bytes: number): void {
    const increment = this.#connRecv.release(bytes);
    if (increment > 0) {
      this.#writer.windowUpdate(0, increment);
      this.#scheduleFlush();
    }
  }

  #onRstStream(id: number, code: number): void {
    const stream = this.#streams.get(id);
    if (stream === undefined) {
      if (this.#isIdle(id)) {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `RST_STREAM on idle stream ${id}`,
        );
      }
      return;
    }
    if (this.role === "server" && !stream.headersWritten) this.#countReset();
    // Not remembered as reset by us: frames the peer sends after its own
    // RST_STREAM are STREAM_CLOSED errors (§5.1), not in-flight leftovers.
    // A reset with NO_ERROR after a complete response is a normal end (§8.1).
    const normal = code === ErrorCode.NO_ERROR && stream.remoteEnded;
    this.#closeStream(
      stream,
      normal ? undefined : new ResetError(id, code, true),
    );
  }

  #countReset(): void {
    // Rapid Reset (CVE-2023-44487): a peer that opens and resets streams
    // faster than this costs us work without limit.
    const now = performance.now();
    if (now - this.#resetWindowStart > 1000) {
      this.#resetWindowStart = now;
      this.#resetCount = 0;
    }
    if (++this.#resetCount > (this.#options.maxResetsPerSecond ?? 1000)) {
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many resets");
    }
  }

  #onSettings(frame: SettingsFrame): void {
    if (frame.ack) {
      if (this.#settingsAckPending === 0) return;
      if (--this.#settingsAckPending === 0) {
        clearTimeout(this.#settingsTimer);
        this.#settingsTimer = undefined;
      }
      // Our settings are in force from now on.
      this.#decoder.maxFrameSize = this.#local.maxFrameSize;
      this.#hpackIn.setMaxTableSize(this.#local.headerTableSize);
      return;
    }
    const previous = this.#remote;
    const next = applySettings(previous, frame.settings);
    if (this.role === "client" && next.enablePush) {
      for (const [id, value] of frame.settings) {
        if (id === 2 && value === 1) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "server sent ENABLE_PUSH=1",
          );
        }
      }
    }
    this.#remote = next;
    const delta = next.initialWindowSize - previous.initialWindowSize;
    if (delta !== 0) {
      // §6.9.2: every open stream's send window moves by the difference.
      for (const stream of this.#streams.values()) {
        if (!stream.sendWindow.increase(delta)) {
          throw new ConnectionError(
            ErrorCode.FLOW_CONTROL_ERROR,
            "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window",
          );
        }
        if (delta > 0) this.#scheduler.unblock(stream);
      }
    }
    if (next.headerTableSize !== previous.headerTableSize) {
      this.#hpackOut.setMaxTableSize(next.headerTableSize);
    }
    this.#writer.settingsAck();
    this.#scheduleFlush();
    while (
      this.#openWaiters.length > 0 &&
      this.#activeStreams < next.maxConcurrentStreams
    ) {
      this.#openWaiters.shift()!.resolve();
    }
    if (!this.#peerSettingsSeen) {
      this.#peerSettingsSeen = true;
      this.#ready.resolve();
    }
    this.#scheduler.resume();
  }

  #onWindowUpdate(id: number, increment: number): void {
    if (id === 0) {
      if (!this.#connSend.increase(increment)) {
        throw new ConnectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          "connection window above 2^31-1",
        );
      }
    } else {
      const stream = this.#streams.get(id);
      if (stream === undefined) {
        if (this.#isIdle(id)) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            `WINDOW_UPDATE on idle stream ${id}`,
          );
        }
        return;
      }
      if (!stream.sendWindow.increase(increment)) {
        throw new StreamError(
          id,
          ErrorCode.FLOW_CONTROL_ERROR,
          "stream window above 2^31-1",
        );
      }
      this.#scheduler.unblock(stream);
    }
    this.#scheduler.resume();
  }

  #onPing(data: Uint8Array, ack: boolean): void {
    if (!ack) {
      this.#options.onPing?.();
      this.#writer.ping(data, true);
      this.#scheduleFlush();
      return;
    }
    this.#pings.ack(data);
  }

  #onGoaway(frame: GoawayFrame): void {
    const first = this.#goawayReceived === undefined;
    if (
      !first && frame.lastStreamId > this.#goawayReceived!.lastStreamId
    ) {
      // §6.8: the last-stream-id must not increase.
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "GOAWAY last-stream-id increased",
      );
    }
    // Kept past this read: copy the debug data out of the read buffer.
    this.#goawayReceived = { ...frame, debugData: frame.debugData.slice() };
    const debugData = new TextDecoder().decode(frame.debugData);
    // Streams the peer did not process fail with a retryable error.
    const doomed: Http2Stream[] = [];
    for (const stream of this.#streams.values()) {
      const ours = (stream.id & 1) === (this.role === "client" ? 1 : 0);
      if (ours && stream.id > frame.lastStreamId) doomed.push(stream);
    }
    for (const stream of doomed) {
      this.#closeStream(
        stream,
        new GoawayError(frame.lastStreamId, frame.errorCode, debugData, true),
      );
    }
    for (const waiter of this.#openWaiters.splice(0)) waiter.resolve();
    if (first) this.#options.onGoaway?.(frame);
    if (this.#activeStreams === 0) this.#finishClose(undefined);
  }

  #streamError(id: number, code: number, message: string): void {
    const stream = this.#streams.get(id);
    this.#sendReset(id, code);
    if (stream) {
      this.#closeStream(
        stream,
        new ResetError(id, code, false, { cause: new Error(message) }),
      );
    }
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
    this.#scheduleFlush();
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
    const last = lastStreamId ?? this.#lastPeerStreamId;
    this.#goawaySent = last;
    this.#writer.goaway(last, code, new TextEncoder().encode(debug));
    this.#scheduleFlush();
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
      for (const waiter of this.#openWaiters.splice(0)) waiter.resolve();
      if (this.role === "server") {
        this.goaway(ErrorCode.NO_ERROR, debug, MAX_WINDOW);
        // The real GOAWAY follows a PING round trip (at most a second), so
        // requests in flight when the first one left are not lost.
        await withTimeout(this.ping(), 1000).catch(() => {});
      }
      this.goaway(ErrorCode.NO_ERROR, debug);
      if (this.#activeStreams === 0) this.#finishClose(undefined);
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
    this.#fail(new ConnectionError(code, debug || "connection destroyed"));
  }

  /** Closes gracefully (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #fail(error: ConnectionError): void {
    if (this.#isClosed) return;
    const bytes = new TextEncoder().encode(error.message.slice(0, 256));
    this.#writer.goaway(this.#lastPeerStreamId, error.code, bytes);
    this.#finishClose(error);
  }

  #finishClose(error: Error | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearTimeout(this.#settingsTimer);
    const closeSocket = () => {
      clearTimeout(timer);
      try {
        this.#transport.close();
      } catch {
        // Already closed.
      }
    };
    // Let the peer see our last frames (responses, GOAWAY) before closing,
    // but do not wait forever on a peer that stopped reading.
    const timer = setTimeout(closeSocket, FINAL_WRITE_TIMEOUT);
    const finalWrite = async () => {
      await this.#idle();
      if (this.#writer.length > 0) await this.#writeRaw(this.#writer.take());
    };
    finalWrite().catch(() => {}).finally(closeSocket);
    const streamError = error ?? new ConnectionClosedError("connection closed");
    for (const stream of this.#streams.values()) {
      this.#closeStream(stream, this.#goawayErrorFor(stream) ?? streamError);
    }
    for (const stream of this.#scheduler.waiting()) {
      if (!stream.closed) this.#closeStream(stream, streamError);
    }
    this.#pings.failAll(streamError);
    for (const waiter of this.#openWaiters.splice(0)) waiter.resolve();
    this.#ready.reject(streamError);
    this.#closed.resolve(error);
  }

  #goawayErrorFor(stream: Http2Stream): GoawayError | undefined {
    const g = this.#goawayReceived;
    if (!g || stream.id <= g.lastStreamId) return undefined;
    return new GoawayError(
      g.lastStreamId,
      g.errorCode,
      new TextDecoder().decode(g.debugData),
      true,
    );
  }
}

const NOOP_HANDLER: StreamHandler = {
  onHeaders() {},
  onData() {},
  onClose() {},
};
