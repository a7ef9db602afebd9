/**
 * Frames that arrive for streams: a decoded field block (a new peer stream,
 * a response, trailers), DATA, RST_STREAM and a stream's WINDOW_UPDATE. Each
 * is checked against the stream's state (RFC 9113 §5.1, `stream_state.ts`),
 * the message rules of §8.1 and flow control, then handed to the stream's
 * handler. Errors are thrown as `StreamError` (the connection resets the
 * stream) or `ConnectionError` (it sends GOAWAY).
 *
 * @module
 */

import { ErrorCode, type HeadersFrame } from "./frame/types.ts";
import type { FrameWriter } from "./frame/writer.ts";
import type { HeaderField, HpackEncoder } from "./hpack/mod.ts";
import { ConnectionError, ResetError, StreamError } from "./errors.ts";
import type { ReceiveWindow } from "./flow_control.ts";
import { FieldBlockChecker, type FieldBlockKind } from "./header_validation.ts";
import type { ResolvedOptions } from "./connection_options.ts";
import type { SettingsExchange } from "./settings_exchange.ts";
import type { SendScheduler } from "./send_scheduler.ts";
import type { WriteLoop } from "./write_loop.ts";
import type { StreamRegistry } from "./streams.ts";
import type { StreamHandler } from "./stream.ts";
import { RapidResetLimiter } from "./rapid_reset.ts";
import {
  hasReceivedHeaders,
  hasSentHeaders,
  isReleased,
  isRemoteEnded,
  receivedData,
  receivedHeaders,
  receivedReset,
  receivedWindowUpdate,
  StateWord,
} from "./stream_state.ts";

/**
 * The receiving side of a connection's streams.
 *
 * @example Inside a connection's frame dispatch
 * ```ts ignore
 * case FrameType.DATA:
 *   return receiver.data(frame.streamId, frame.data, frame.flowLength, frame.endStream);
 * ```
 */
export class StreamReceiver {
  readonly #options: ResolvedOptions;
  readonly #settings: SettingsExchange;
  readonly #streams: StreamRegistry;
  readonly #writer: FrameWriter;
  readonly #writes: WriteLoop;
  readonly #scheduler: SendScheduler;
  readonly #hpackOut: HpackEncoder;
  readonly #connRecv: ReceiveWindow;
  readonly #checker = new FieldBlockChecker();
  readonly #resets: RapidResetLimiter;

  /**
   * @param options the connection's options
   * @param settings both sides' settings
   * @param streams the stream registry
   * @param writer frames go here
   * @param writes flushes the writer
   * @param scheduler resumes streams whose window grew
   * @param hpackOut encodes our own answers (431)
   * @param connRecv the connection's receive window
   * @param now the Rapid Reset limiter's clock
   */
  constructor(
    options: ResolvedOptions,
    settings: SettingsExchange,
    streams: StreamRegistry,
    writer: FrameWriter,
    writes: WriteLoop,
    scheduler: SendScheduler,
    hpackOut: HpackEncoder,
    connRecv: ReceiveWindow,
    now?: () => number,
  ) {
    this.#options = options;
    this.#settings = settings;
    this.#streams = streams;
    this.#writer = writer;
    this.#writes = writes;
    this.#scheduler = scheduler;
    this.#hpackOut = hpackOut;
    this.#connRecv = connRecv;
    this.#resets = new RapidResetLimiter(options.maxResetsPerSecond, now);
  }

  /**
   * A complete, decoded field block.
   *
   * @param frame its HEADERS frame (flags, priority)
   * @param fields the decoded fields
   * @param oversize whether the list passed our SETTINGS_MAX_HEADER_LIST_SIZE
   */
  fieldBlock(
    frame: HeadersFrame,
    fields: HeaderField[],
    oversize: boolean,
  ): void {
    const id = frame.streamId;
    const streams = this.#streams;
    const server = streams.role === "server";
    if (frame.priority !== undefined && frame.priority.dependency === id) {
      // §5.3.1: a stream cannot depend on itself. Checked after decoding so
      // the HPACK tables stay in step; a new stream's id still counts as used.
      if (server && (id & 1) === 1) {
        streams.lastPeerStreamId = Math.max(streams.lastPeerStreamId, id);
      }
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "stream depends on itself",
      );
    }
    const stream = streams.get(id);
    if (stream === undefined) {
      if (server && (id & 1) === 1 && id > streams.lastPeerStreamId) {
        return this.#accept(id, fields, oversize, frame.endStream);
      }
      if (streams.isIdle(id) || (id & 1) === 0) {
        // §5.1.1: an id the peer may not open.
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `HEADERS on idle or invalid stream ${id}`,
        );
      }
      if (streams.wasReset(id)) return;
      if (server && !streams.wasClosed(id)) {
        // §5.1.1: a new stream's id must exceed every id the peer used; one
        // that was skipped (implicitly closed) is an unexpected identifier.
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `HEADERS on stream ${id}, below the last stream opened`,
        );
      }
      // Throws: §5.1 closed.
      receivedHeaders(StateWord.CLOSED, frame.endStream, id);
      return;
    }
    const state = stream.stateBits;
    // Refused in half-closed (remote), and trailers must end the stream.
    const next = receivedHeaders(state, frame.endStream, id);
    if (oversize) {
      throw new StreamError(
        id,
        ErrorCode.PROTOCOL_ERROR,
        "header list too large",
      );
    }
    const kind: FieldBlockKind = !hasReceivedHeaders(state) && !server
      ? "response"
      : "trailers";
    const problem = this.#checker.check(fields, kind);
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
      // An indexed loop: `find` with an arrow was a closure per response.
      let status: string | undefined;
      for (let i = 0; i < fields.length; i++) {
        if (fields[i][0] === ":status") {
          status = fields[i][1];
          break;
        }
      }
      if (status !== undefined && status.charCodeAt(0) === 0x31 /* 1xx */) {
        if (frame.endStream) {
          throw new StreamError(
            id,
            ErrorCode.PROTOCOL_ERROR,
            "1xx with END_STREAM",
          );
        }
        return; // Interim: the state does not move.
      }
    }
    stream.stateBits = next;
    try {
      stream.handler.onHeaders(fields, frame.endStream);
    } catch (error) {
      streams.handlerFailed(stream, error);
    }
    if (frame.endStream) streams.onRemoteEnd(stream);
  }

  #accept(
    id: number,
    fields: HeaderField[],
    oversize: boolean,
    endStream: boolean,
  ): void {
    const streams = this.#streams;
    streams.lastPeerStreamId = id;
    if (id > streams.acceptLimit) return;
    if (streams.active >= this.#settings.local.maxConcurrentStreams) {
      // §5.1.2: refused streams were not processed and may be retried.
      streams.sendReset(id, ErrorCode.REFUSED_STREAM);
      return;
    }
    if (oversize) {
      // Answer as an HTTP server would: 431 Request Header Fields Too Large.
      this.#writer.headers(
        id,
        this.#hpackOut.encode([[":status", "431"]]),
        true,
        this.#settings.remote.maxFrameSize,
      );
      streams.sendReset(id, ErrorCode.NO_ERROR);
      return;
    }
    const checker = this.#checker;
    let problem = checker.check(fields, "request");
    const declared = checker.contentLength;
    problem ??= Number.isNaN(declared) || (endStream && declared > 0)
      ? "bad content-length"
      : undefined;
    if (problem !== undefined) {
      streams.sendReset(id, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    const onStream = this.#options.onStream;
    if (!onStream) {
      this.#writer.rstStream(id, ErrorCode.REFUSED_STREAM);
      this.#writes.scheduleFlush();
      return;
    }
    const stream = streams.accept(
      NOOP_HANDLER,
      id,
      receivedHeaders(StateWord.IDLE, endStream, id),
    );
    stream.contentLength = declared;
    try {
      const handler = onStream(stream, fields, endStream);
      stream.handler = handler;
      // Answered (or reset) inside onStream: the close went to the
      // placeholder handler, so tell the real one (onClose runs exactly once).
      if (isReleased(stream.stateBits)) handler.onClose(stream.error);
    } catch (error) {
      streams.handlerFailed(stream, error);
    }
  }

  /**
   * A DATA frame.
   *
   * @param id its stream
   * @param data the payload (padding removed)
   * @param flowLength its flow-controlled length (with padding)
   * @param endStream whether it ends the peer's side
   */
  data(
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
    const increment = this.#connRecv.release(flowLength);
    if (increment > 0) {
      this.#writer.windowUpdate(0, increment);
      this.#writes.scheduleFlush();
    }
    const streams = this.#streams;
    const stream = streams.get(id);
    if (stream === undefined) {
      // §5.1: idle is a connection error; closed is a stream error, unless
      // we reset the stream and this was in flight.
      if (streams.isIdle(id)) receivedData(StateWord.IDLE, endStream, id);
      else if (!streams.wasReset(id)) {
        receivedData(StateWord.CLOSED, endStream, id);
      }
      return;
    }
    const next = receivedData(stream.stateBits, endStream, id);
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
    if (padding > 0) streams.releaseCapacity(stream, padding);
    stream.stateBits = next;
    try {
      stream.handler.onData(data, endStream);
    } catch (error) {
      streams.handlerFailed(stream, error);
    }
    if (endStream) streams.onRemoteEnd(stream);
  }

  /**
   * A RST_STREAM.
   *
   * @param id its stream
   * @param code its error code
   */
  reset(id: number, code: number): void {
    const streams = this.#streams;
    const stream = streams.get(id);
    if (stream === undefined) {
      if (streams.isIdle(id)) receivedReset(StateWord.IDLE, id); // throws
      return;
    }
    const state = stream.stateBits;
    if (
      streams.role === "server" && !hasSentHeaders(state) &&
      !this.#resets.allow()
    ) {
      // Rapid Reset (CVE-2023-44487): a peer that opens and resets streams
      // faster than this costs us work without limit.
      throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many resets");
    }
    // Not remembered as reset by us: frames the peer sends after its own
    // RST_STREAM are STREAM_CLOSED errors (§5.1), not in-flight leftovers.
    // A reset with NO_ERROR after a complete request or response is a
    // normal end (§8.1).
    const normal = code === ErrorCode.NO_ERROR && isRemoteEnded(state);
    stream.stateBits = receivedReset(state, id);
    streams.close(stream, normal ? undefined : new ResetError(id, code, true));
  }

  /**
   * A WINDOW_UPDATE for a stream (not the connection).
   *
   * @param id its stream
   * @param increment its increment
   */
  windowUpdate(id: number, increment: number): void {
    const streams = this.#streams;
    const stream = streams.get(id);
    if (stream === undefined) {
      if (streams.isIdle(id)) receivedWindowUpdate(StateWord.IDLE, id); // throws
      return;
    }
    receivedWindowUpdate(stream.stateBits, id);
    if (!stream.sendWindow.increase(increment)) {
      throw new StreamError(
        id,
        ErrorCode.FLOW_CONTROL_ERROR,
        "stream window above 2^31-1",
      );
    }
    this.#scheduler.unblock(stream);
  }
}

const NOOP_HANDLER: StreamHandler = {
  onHeaders() {},
  onData() {},
  onClose() {},
};
