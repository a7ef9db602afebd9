/**
 * HTTP/2 error classes: what to send ({@linkcode ConnectionError} → GOAWAY,
 * {@linkcode StreamError} → RST_STREAM), why a stream failed
 * ({@linkcode GoawayError}, {@linkcode ResetError},
 * {@linkcode ConnectionClosedError}), and the illegal transitions of the
 * stream state machine ({@linkcode StreamStateError},
 * {@linkcode ConnectionStateError}, {@linkcode StreamUsageError}).
 *
 * @module
 */

import { errorCodeName } from "./frame/types.ts";
import type { StreamState } from "./stream_state.ts";

/**
 * Base class of HTTP/2 errors that carry an RFC 9113 §7 error code. The
 * message starts with the code's name, e.g. `"PROTOCOL_ERROR: …"`.
 *
 * @example Tell an HTTP/2 error by its code
 * ```ts
 * import { Http2Error } from "./errors.ts";
 * import { ErrorCode } from "./frame/types.ts";
 * function isCalm(err: unknown): boolean {
 *   return err instanceof Http2Error && err.code === ErrorCode.ENHANCE_YOUR_CALM;
 * }
 * ```
 */
export class Http2Error extends Error {
  /** The RFC 9113 §7 error code (possibly one the RFC does not define). */
  readonly code: number;

  /**
   * Creates an error with a code.
   *
   * @param code The error code.
   * @param message What went wrong; the code's name is prepended.
   * @param options Standard error options (`cause`).
   */
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(`${errorCodeName(code)}: ${message}`, options);
    this.name = "Http2Error";
    this.code = code;
  }
}

/**
 * A connection error (RFC 9113 §5.4.1): the connection must send
 * GOAWAY with {@linkcode Http2Error.code} and close.
 *
 * @example Reject a frame on stream 0
 * ```ts
 * import { ConnectionError } from "./errors.ts";
 * import { ErrorCode } from "./frame/types.ts";
 * const err = new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
 * err.message; // "PROTOCOL_ERROR: DATA on stream 0"
 * ```
 */
export class ConnectionError extends Http2Error {
  /**
   * Creates a connection error.
   *
   * @param code The GOAWAY error code.
   * @param message What went wrong.
   * @param options Standard error options (`cause`).
   */
  constructor(code: number, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = "ConnectionError";
  }
}

/**
 * A stream error (RFC 9113 §5.4.2): the connection must send RST_STREAM with
 * {@linkcode Http2Error.code} on {@linkcode StreamError.streamId} and may carry
 * on.
 *
 * @example Reject a malformed PRIORITY frame
 * ```ts
 * import { StreamError } from "./errors.ts";
 * import { ErrorCode } from "./frame/types.ts";
 * const err = new StreamError(3, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY length 4");
 * err.streamId; // 3
 * ```
 */
export class StreamError extends Http2Error {
  /** The stream to reset. */
  readonly streamId: number;

  /**
   * Creates a stream error.
   *
   * @param streamId The stream to reset.
   * @param code The RST_STREAM error code.
   * @param message What went wrong.
   * @param options Standard error options (`cause`).
   */
  constructor(
    streamId: number,
    code: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, `stream ${streamId}: ${message}`, options);
    this.name = "StreamError";
    this.streamId = streamId;
  }
}

/**
 * A stream failed because of a GOAWAY, sent by us (`remote` false) or received
 * from the peer (`remote` true). Streams above
 * {@linkcode GoawayError.lastStreamId} were not processed and may be retried
 * (RFC 9113 §6.8).
 *
 * @example Fail a stream the peer did not process
 * ```ts
 * import { GoawayError } from "./errors.ts";
 * import { ErrorCode } from "./frame/types.ts";
 * const err = new GoawayError(1, ErrorCode.NO_ERROR, "max_age", true);
 * const retryable = 3 > err.lastStreamId; // true
 * ```
 */
export class GoawayError extends Http2Error {
  /** The GOAWAY's last stream id. */
  readonly lastStreamId: number;
  /** The GOAWAY's debug data decoded as UTF-8 (lossy), or "" when empty. */
  readonly debugData: string;
  /** True when the peer sent the GOAWAY, false when we did. */
  readonly remote: boolean;

  /**
   * Creates the error for a stream failed by a GOAWAY.
   *
   * @param lastStreamId The GOAWAY's last stream id.
   * @param code The GOAWAY's error code.
   * @param debugData The debug data as text.
   * @param remote True when the peer sent the GOAWAY.
   * @param options Standard error options (`cause`).
   */
  constructor(
    lastStreamId: number,
    code: number,
    debugData: string,
    remote: boolean,
    options?: ErrorOptions,
  ) {
    super(
      code,
      `GOAWAY ${remote ? "received" : "sent"}, last stream ${lastStreamId}` +
        (debugData === "" ? "" : `: ${debugData}`),
      options,
    );
    this.name = "GoawayError";
    this.lastStreamId = lastStreamId;
    this.debugData = debugData;
    this.remote = remote;
  }
}

/**
 * A stream was reset with RST_STREAM, by the peer (`remote` true) or by us.
 *
 * @example Tell a refused stream, which is safe to retry
 * ```ts
 * import { ResetError } from "./errors.ts";
 * import { ErrorCode } from "./frame/types.ts";
 * const err = new ResetError(5, ErrorCode.REFUSED_STREAM, true);
 * err.message; // "REFUSED_STREAM: stream 5 reset by peer"
 * ```
 */
export class ResetError extends Http2Error {
  /** The stream that was reset. */
  readonly streamId: number;
  /** True when the peer sent the RST_STREAM, false when we did. */
  readonly remote: boolean;

  /**
   * Creates the error for a reset stream.
   *
   * @param streamId The stream that was reset.
   * @param code The RST_STREAM error code.
   * @param remote True when the peer sent the RST_STREAM.
   * @param options Standard error options (`cause`).
   */
  constructor(
    streamId: number,
    code: number,
    remote: boolean,
    options?: ErrorOptions,
  ) {
    super(
      code,
      `stream ${streamId} reset by ${remote ? "peer" : "us"}`,
      options,
    );
    this.name = "ResetError";
    this.streamId = streamId;
    this.remote = remote;
  }
}

/**
 * The socket closed or the connection is gone; no HTTP/2 error code applies.
 *
 * @example Fail pending streams when the socket ends
 * ```ts
 * import { ConnectionClosedError } from "./errors.ts";
 * const err = new ConnectionClosedError("socket closed", { cause: new Error("EOF") });
 * err.name; // "ConnectionClosedError"
 * ```
 */
export class ConnectionClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What happened; defaults to "connection closed".
   * @param options Standard error options (`cause`).
   */
  constructor(message = "connection closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionClosedError";
  }
}

/**
 * Why a transition was refused. `send-*` are the application's (thrown to
 * it, nothing is sent); the others are the peer's, answered as §5.1 and §8.1
 * say.
 */
export type StreamStateReason =
  /** Sending after our END_STREAM was queued. */
  | "send-after-end"
  /** Sending on a stream that closed normally. */
  | "send-on-closed"
  /** Sending HEADERS or DATA where only the peer may (reserved remote). */
  | "send-on-reserved"
  /** Ending our side before our field block was written. */
  | "send-before-headers"
  /** A frame other than HEADERS or PRIORITY on an idle stream (§5.1). */
  | "frame-on-idle"
  /** A frame §5.1 does not allow in a reserved state. */
  | "frame-on-reserved"
  /** DATA before the header block (§8.1). */
  | "data-before-headers"
  /** A header block after the first that does not end the stream (§8.1). */
  | "trailers-without-end"
  /** HEADERS or DATA after the peer's END_STREAM (§5.1 half-closed). */
  | "frame-after-end"
  /** DATA on a closed stream (§5.1 closed). */
  | "data-on-closed"
  /** HEADERS on a closed stream (§5.1 closed). */
  | "headers-on-closed";

/**
 * The peer broke §5.1 or §8.1 on one stream: the stream is reset with
 * RST_STREAM({@linkcode StreamError.code}), the connection carries on.
 *
 * @example Tell DATA after END_STREAM
 * ```ts
 * import { StreamStateError } from "./errors.ts";
 * const late = (e: unknown) =>
 *   e instanceof StreamStateError && e.reason === "frame-after-end";
 * ```
 */
export class StreamStateError extends StreamError {
  /** Which transition was refused. */
  readonly reason: StreamStateReason;
  /** The stream's state when the frame arrived. */
  readonly state: StreamState;

  /**
   * Creates the error for a refused frame.
   *
   * @param streamId the stream
   * @param code the RST_STREAM code
   * @param reason which transition was refused
   * @param state the state it was refused in
   */
  constructor(
    streamId: number,
    code: number,
    reason: StreamStateReason,
    state: StreamState,
  ) {
    super(streamId, code, `${reason} (${state})`);
    this.name = "StreamStateError";
    this.reason = reason;
    this.state = state;
  }
}

/**
 * The peer broke §5.1 in a way that ends the connection: GOAWAY with
 * {@linkcode ConnectionError.code}.
 *
 * @example Tell a frame on an idle stream
 * ```ts
 * import { ConnectionStateError } from "./errors.ts";
 * const idle = (e: unknown) =>
 *   e instanceof ConnectionStateError && e.reason === "frame-on-idle";
 * ```
 */
export class ConnectionStateError extends ConnectionError {
  /** The stream the frame was for. */
  readonly streamId: number;
  /** Which transition was refused. */
  readonly reason: StreamStateReason;
  /** The stream's state when the frame arrived. */
  readonly state: StreamState;

  /**
   * Creates the error for a refused frame.
   *
   * @param streamId the stream
   * @param code the GOAWAY code
   * @param reason which transition was refused
   * @param state the state it was refused in
   */
  constructor(
    streamId: number,
    code: number,
    reason: StreamStateReason,
    state: StreamState,
  ) {
    super(code, `stream ${streamId}: ${reason} (${state})`);
    this.name = "ConnectionStateError";
    this.streamId = streamId;
    this.reason = reason;
    this.state = state;
  }
}

/**
 * The application sent on a stream whose sending side is over: its
 * END_STREAM was queued, or it closed normally (one closed by an error
 * throws that error instead). Nothing was sent.
 *
 * @example Send only while the stream takes more
 * ```ts ignore
 * try {
 *   stream.sendHeaders(trailers, true);
 * } catch (e) {
 *   if (!(e instanceof StreamUsageError)) throw e;
 * }
 * ```
 */
export class StreamUsageError extends Error {
  /** The stream. */
  readonly streamId: number;
  /** Which transition was refused. */
  readonly reason: StreamStateReason;
  /** The stream's state then. */
  readonly state: StreamState;

  /**
   * Creates the error for a refused send.
   *
   * @param streamId the stream
   * @param reason which transition was refused
   * @param state the state it was refused in
   * @param options standard error options (`cause`)
   */
  constructor(
    streamId: number,
    reason: StreamStateReason,
    state: StreamState,
    options?: ErrorOptions,
  ) {
    super(`stream ${streamId}: ${reason} (${state})`, options);
    this.name = "StreamUsageError";
    this.streamId = streamId;
    this.reason = reason;
    this.state = state;
  }
}
