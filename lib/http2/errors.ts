/**
 * HTTP/2 error classes: what to send ({@linkcode ConnectionError} → GOAWAY,
 * {@linkcode StreamError} → RST_STREAM) and why a stream failed
 * ({@linkcode GoawayError}, {@linkcode ResetError},
 * {@linkcode ConnectionClosedError}).
 *
 * @module
 */

import { errorCodeName } from "./frame/types.ts";

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
