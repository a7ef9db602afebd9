/**
 * The reading side of a connection: socket reads into one reused buffer,
 * frame decoding, header blocks (HEADERS and CONTINUATION, HPACK-decoded in
 * wire order), and dispatch by frame type: stream frames to the
 * {@linkcode StreamReceiver}, connection frames to the connection. A
 * `StreamError` thrown while handling a frame resets its stream; any other
 * error is a connection error (GOAWAY).
 *
 * @module
 */

import {
  ErrorCode,
  type Frame,
  FrameType,
  type GoawayFrame,
  type HeadersFrame,
  type SettingsFrame,
} from "./frame/types.ts";
import { FrameDecoder } from "./frame/decoder.ts";
import { HpackDecoder, HpackError } from "./hpack/mod.ts";
import { ConnectionError, StreamError } from "./errors.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import { HeaderBlockAssembler } from "./header_block.ts";
import type { Transport } from "./connection_options.ts";
import type { SettingsExchange } from "./settings_exchange.ts";
import type { WriteLoop } from "./write_loop.ts";
import type { StreamRegistry } from "./streams.ts";
import type { StreamReceiver } from "./stream_recv.ts";

/** First read buffer size: reused for every read, frames are views into it. */
const READ_BUFFER = 64 << 10;
/** Largest read buffer: a connection whose reads fill the buffer grows to it. */
const MAX_READ_BUFFER = 256 << 10;

/** What the read loop hands to the connection. */
export interface ConnectionFrames {
  /** A SETTINGS frame (or its ACK). */
  settings(frame: SettingsFrame): void;
  /** A PING frame. */
  ping(data: Uint8Array, ack: boolean): void;
  /** A GOAWAY frame. */
  goaway(frame: GoawayFrame): void;
  /** A WINDOW_UPDATE, for a stream or (id 0) the connection. */
  windowUpdate(id: number, increment: number): void;
  /** A connection error: send GOAWAY and close. */
  fail(error: ConnectionError): void;
  /** The socket ended; `cutFrame` when in the middle of a frame. */
  closedByPeer(cutFrame: boolean): void;
  /** A socket read failed. */
  readFailed(error: unknown): void;
}

/**
 * Reads, decodes and dispatches a connection's frames.
 *
 * @example Inside a connection
 * ```ts ignore
 * const reads = new ReadLoop(transport, settings, writes, streams, receiver, frames);
 * reads.start();
 * ```
 */
export class ReadLoop {
  readonly #transport: Transport;
  readonly #settings: SettingsExchange;
  readonly #writes: WriteLoop;
  readonly #streams: StreamRegistry;
  readonly #recv: StreamReceiver;
  readonly #frames: ConnectionFrames;
  readonly #decoder: FrameDecoder;
  readonly #hpack: HpackDecoder;
  readonly #headerBlocks: HeaderBlockAssembler;
  /** `Date.now()` of the last read (a cheap clock: one per read). */
  lastReadAt: number = Date.now();
  #stopped = false;

  /**
   * @param transport the socket
   * @param settings both sides' settings (ours bound what we accept)
   * @param writes flushed after each read
   * @param streams resets streams on stream errors
   * @param recv takes the stream frames
   * @param frames takes the connection frames and errors
   */
  constructor(
    transport: Transport,
    settings: SettingsExchange,
    writes: WriteLoop,
    streams: StreamRegistry,
    recv: StreamReceiver,
    frames: ConnectionFrames,
  ) {
    const local = settings.local;
    this.#transport = transport;
    this.#settings = settings;
    this.#writes = writes;
    this.#streams = streams;
    this.#recv = recv;
    this.#frames = frames;
    this.#decoder = new FrameDecoder({
      maxFrameSize: local.maxFrameSize,
      expectPreface: streams.role === "server",
    });
    this.#hpack = new HpackDecoder({
      maxTableSize: DEFAULT_SETTINGS.headerTableSize,
      maxHeaderListSize: local.maxHeaderListSize,
    });
    // Cap the accumulated field block against CONTINUATION floods: the block
    // is compressed, so twice the header-list limit is generous.
    this.#headerBlocks = new HeaderBlockAssembler(
      2 * local.maxHeaderListSize + 16384,
    );
  }

  /** Starts reading until the socket ends or {@linkcode ReadLoop.stop}. */
  start(): void {
    void this.#run();
  }

  /** The connection closed: handle no more frames. */
  stop(): void {
    this.#stopped = true;
  }

  /** The peer acknowledged our SETTINGS: our limits are in force now. */
  applyLocalSettings(): void {
    const local = this.#settings.local;
    this.#decoder.maxFrameSize = local.maxFrameSize;
    this.#hpack.setMaxTableSize(local.headerTableSize);
  }

  async #run(): Promise<void> {
    // One buffer for the connection's life: frames are views into it, valid
    // while they are handled (StreamHandler.onData copies what it keeps), and
    // the decoder copies a partial frame out before the next read. Fresh
    // memory per read would cost page faults on every byte received.
    // Small for idle or chatty connections, larger once reads fill it (bulk
    // transfers then need fewer reads).
    let buffer = new Uint8Array(READ_BUFFER);
    const writes = this.#writes;
    try {
      while (!this.#stopped) {
        const n = await this.#transport.read(buffer);
        if (n === null) break;
        this.lastReadAt = Date.now();
        writes.beginRead();
        try {
          this.#decoder.push(buffer.subarray(0, n));
          this.#processFrames();
          this.#decoder.detach();
        } finally {
          writes.endRead();
        }
        writes.flushPending();
        if (n === buffer.length && buffer.length < MAX_READ_BUFFER) {
          buffer = new Uint8Array(buffer.length * 2);
        }
      }
      if (!this.#stopped) {
        this.#frames.closedByPeer(this.#decoder.buffered > 0);
      }
    } catch (error) {
      if (!this.#stopped) this.#frames.readFailed(error);
    }
  }

  #processFrames(): void {
    while (!this.#stopped) {
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
          this.#streams.resetWithError(error.streamId, error.code, error);
          continue;
        }
        this.#frames.fail(
          error instanceof ConnectionError
            ? error
            : error instanceof HpackError
            ? new ConnectionError(ErrorCode.COMPRESSION_ERROR, error.message, {
              cause: error,
            })
            : new ConnectionError(ErrorCode.INTERNAL_ERROR, String(error), {
              cause: error,
            }),
        );
        return;
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
    if (!this.#settings.peerSeen && frame.type !== FrameType.SETTINGS) {
      // §3.4: the peer's preface must start with SETTINGS.
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        "first frame is not SETTINGS",
      );
    }
    switch (frame.type) {
      case FrameType.DATA:
        return this.#recv.data(
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
        return this.#recv.reset(frame.streamId, frame.errorCode);
      case FrameType.SETTINGS:
        return this.#frames.settings(frame);
      case FrameType.PUSH_PROMISE:
        // §8.4: we announce ENABLE_PUSH=0; a server never gets PUSH_PROMISE.
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          "PUSH_PROMISE not enabled",
        );
      case FrameType.PING:
        return this.#frames.ping(frame.data, frame.ack);
      case FrameType.GOAWAY:
        return this.#frames.goaway(frame);
      case FrameType.WINDOW_UPDATE:
        return this.#frames.windowUpdate(frame.streamId, frame.increment);
    }
  }

  #onFieldBlock(frame: HeadersFrame, block: Uint8Array): void {
    // Always decode, even for streams we ignore: the HPACK table is shared.
    const decoded = this.#hpack.decode(block);
    this.#recv.fieldBlock(frame, decoded.fields, decoded.oversize);
  }
}
