/**
 * One gRPC call on the client side, over one HTTP/2 stream: request headers,
 * length-prefixed messages out and in, response headers, trailers and the
 * final status (PROTOCOL-HTTP2.md). Works on bytes; the typed client
 * serializes around it.
 *
 * @module
 */

import type { HeaderField } from "../http2/hpack/mod.ts";
import type { CallTransport } from "../channel/transport.ts";
import type { Http2Stream, StreamHandler } from "../http2/stream.ts";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
  ResetError,
} from "../http2/errors.ts";
import { ErrorCode } from "../http2/frame/types.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { Metadata } from "../grpc/metadata.ts";
import { codeFromHttpStatus, codeFromRstStream } from "../grpc/http_status.ts";
import { isGrpcContentType } from "../grpc/headers.ts";
import type { MessageParts } from "../grpc/envelope.ts";
import type { Compression, CompressionRegistry } from "../grpc/compression.ts";
import { MessageReader, type MessageSink } from "../grpc/message_reader.ts";
import {
  checkSendSize,
  writeMessage,
  type WriterOwner,
} from "../grpc/message_writer.ts";
import { errorFromTrailers, statusCode } from "../grpc/trailer_status.ts";
import {
  armDeadline,
  deadlineExceeded,
  disarmDeadline,
  type TimerId,
} from "../grpc/deadline.ts";
import { AsyncQueue } from "../util/async_queue.ts";

/** Settings of one call, resolved by the client. */
export interface ClientCallOptions {
  /** Largest response message accepted (bytes). */
  maxReceiveMessageSize: number;
  /** Largest request message sent (bytes). */
  maxSendMessageSize: number;
  /** Algorithms we can decode (and may encode with). */
  compressions: CompressionRegistry;
  /** Compress requests with this (undefined: identity). */
  sendCompression: Compression | undefined;
  /** Whether responses are collected as one message (unary, client streaming). */
  singleResponse: boolean;
}

/** What a call ended with. */
export interface CallOutcome {
  /** undefined when the status is OK. */
  error: GrpcError | undefined;
  /** Response headers (empty when none came). */
  header: Metadata;
  /** Response trailers (empty when none came). */
  trailer: Metadata;
}

/**
 * A client call. Create it, `start()` it on a transport (the picked
 * subchannel's connection), `send()` request messages, then read `messages`
 * (or `single`) and `outcome`.
 *
 * @example Unary call on bytes
 * ```ts ignore
 * const call = new ClientCall(options);
 * await call.start(transport, headers);
 * call.send(requestBytes, true);
 * const { error } = await call.outcome;
 * ```
 */
export class ClientCall
  implements StreamHandler, CallOutcome, MessageSink, WriterOwner {
  /** How the call ended: undefined while running or when OK. */
  error: GrpcError | undefined;
  #messages: AsyncQueue<Uint8Array> | undefined;
  /** The one response message of a single-response call. */
  single: Uint8Array | undefined;
  #headerReady: PromiseWithResolvers<void> | undefined;
  /** Resolves once with how the call ended (never rejects). */
  readonly outcome: PromiseWithResolvers<CallOutcome> = Promise.withResolvers();
  #headerReadySettled = false;
  // Received field blocks, turned into Metadata only when someone looks.
  #headerFields: HeaderField[] | undefined;
  #trailerFields: HeaderField[] | undefined;
  #header: Metadata | undefined;
  #trailer: Metadata | undefined;

  /**
   * Resolves when response headers arrive (or the call ends without them).
   * Made on first use: unary calls never wait for it.
   */
  get headerReady(): Promise<void> {
    if (this.#headerReadySettled) return Promise.resolve();
    return (this.#headerReady ??= Promise.withResolvers()).promise;
  }

  /** Response messages of a streaming-response call. */
  get messages(): AsyncQueue<Uint8Array> {
    if (this.#messages) return this.#messages;
    const queue = new AsyncQueue<Uint8Array>();
    // Flow-control credit returns when the application takes a message, so
    // a slow reader stops the server at the stream window.
    queue.onTake = () => this.#reader?.taken();
    this.#messages = queue;
    // Created after the call ended (no response message came): end it now,
    // or the reader waits forever.
    if (this.#finished) {
      if (this.error) queue.fail(this.error);
      else queue.close();
    }
    return queue;
  }

  /** Response headers (empty until they arrive). */
  get header(): Metadata {
    return this.#header ??= this.#headerFields
      ? Metadata.fromHeaders(this.#headerFields)
      : new Metadata();
  }

  /** Response trailers (empty until they arrive). */
  get trailer(): Metadata {
    return this.#trailer ??= this.#trailerFields
      ? Metadata.fromHeaders(this.#trailerFields)
      : new Metadata();
  }

  readonly #options: ClientCallOptions;
  // Made with the stream (a call that never starts needs none).
  #stream: Http2Stream | undefined;
  #reader: MessageReader | undefined;
  #timer: TimerId | undefined;
  #httpStatus = 0;
  #contentTypeOk = false;
  #gotHeaders = false;
  #finished = false;
  #responseCount = 0;

  /** @param options limits and compression, resolved by the client */
  constructor(options: ClientCallOptions) {
    this.#options = options;
  }

  /**
   * Ends the call with DEADLINE_EXCEEDED at `deadline` (at once when it has
   * passed). The timer is disarmed when the call ends.
   *
   * @param deadline epoch ms
   */
  setDeadline(deadline: number): void {
    if (this.#finished) return;
    this.#timer = armDeadline(deadline, expire, this);
    if (this.#timer === undefined) expire(this);
  }

  /**
   * Opens the stream and sends the request headers.
   *
   * @param transport a ready transport
   * @param headers the request's field block
   * @param first the only request message, for single-request calls
   */
  async start(
    transport: CallTransport,
    headers: readonly HeaderField[],
    first?: Uint8Array | MessageParts,
  ): Promise<void> {
    let stream: Http2Stream;
    try {
      stream = transport.tryOpenStream(this) ??
        await transport.openStream(this);
    } catch (error) {
      throw toGrpcError(error);
    }
    this.#begin(stream, headers, first);
  }

  /**
   * {@linkcode ClientCall.start} without waiting, when the transport can
   * take a stream now (no await, so no event-loop hop before the write).
   *
   * @param transport a ready transport
   * @param headers the request's field block
   * @param first the only request message, for single-request calls
   * @returns false when the transport cannot open a stream now (call
   * `start()`), true when the call started
   */
  tryStart(
    transport: CallTransport,
    headers: readonly HeaderField[],
    first?: Uint8Array | MessageParts,
  ): boolean {
    let stream: Http2Stream | undefined;
    try {
      stream = transport.tryOpenStream(this);
    } catch {
      return false; // start() reports why
    }
    if (stream === undefined) return false;
    this.#begin(stream, headers, first);
    return true;
  }

  #begin(
    stream: Http2Stream,
    headers: readonly HeaderField[],
    first: Uint8Array | MessageParts | undefined,
  ): void {
    if (this.#finished) {
      stream.reset(ErrorCode.CANCEL);
      return;
    }
    this.#stream = stream;
    const options = this.#options;
    this.#reader = new MessageReader(
      this,
      stream,
      options.maxReceiveMessageSize,
      options.singleResponse,
      "response",
    );
    stream.sendHeaders(headers);
    // The request of a unary call goes in the same turn as its headers, so
    // both leave in one socket write.
    if (first) void this.send(first, true);
  }

  /**
   * Sends one request message.
   *
   * @param message the serialized message
   * @param end whether it is the last one (ends our side)
   * @param compress false sends this message uncompressed even when the call
   * compresses (its Compressed-Flag is 0)
   * @returns nothing when the message went to the socket writer at once,
   * else a promise that resolves once it has (backpressure); never rejects
   */
  send(
    message: Uint8Array | MessageParts,
    end: boolean,
    compress = true,
  ): Promise<void> | undefined {
    const stream = this.#stream;
    if (stream === undefined || this.#finished) return;
    const encoded = message instanceof Uint8Array
      ? { parts: [message], length: message.length }
      : message;
    const options = this.#options;
    try {
      checkSendSize(encoded.length, options.maxSendMessageSize, "request");
    } catch (error) {
      this.cancel(error as GrpcError);
      return;
    }
    return writeMessage(
      this,
      stream,
      encoded,
      end,
      compress ? options.sendCompression : undefined,
      true,
    );
  }

  /** Ends our side of the call (after the last message). */
  closeSend(): void {
    const stream = this.#stream;
    if (stream && !this.#finished && !stream.localEnded && !stream.closed) {
      stream.end();
    }
  }

  /**
   * Ends the call locally with `error` and resets the stream with CANCEL.
   *
   * @param error the status the caller sees
   */
  cancel(error: GrpcError): void {
    if (this.#finished) return;
    this.#finish(error);
    this.#stream?.reset(ErrorCode.CANCEL);
  }

  // StreamHandler -----------------------------------------------------------

  /** @internal */
  onHeaders(fields: HeaderField[], endStream: boolean): void {
    if (this.#finished) return;
    if (!this.#gotHeaders) {
      this.#gotHeaders = true;
      let encoding: string | undefined;
      for (let i = 0; i < fields.length; i++) {
        const name = fields[i][0];
        const value = fields[i][1];
        if (name === ":status") this.#httpStatus = Number(value);
        else if (name === "content-type") {
          this.#contentTypeOk = isGrpcContentType(value);
        } else if (name === "grpc-encoding") encoding = value;
      }
      if (endStream) {
        // Trailers-Only: one HEADERS carries both header and status.
        this.#onTrailers(fields);
        return;
      }
      if (this.#httpStatus !== 200 || !this.#contentTypeOk) {
        // Not a gRPC response: a proxy's error page or similar.
        this.cancel(this.#httpError(fields));
        return;
      }
      if (encoding !== undefined && encoding !== "identity") {
        const compression = this.#options.compressions.get(encoding);
        this.#reader!.encoding = compression;
        if (!compression) {
          this.cancel(
            new GrpcError(
              Code.INTERNAL,
              `response compressed with unsupported encoding "${encoding}"`,
            ),
          );
          return;
        }
      }
      this.#headerFields = fields;
      this.#headerReadySettled = true;
      this.#headerReady?.resolve();
      return;
    }
    this.#onTrailers(fields);
  }

  /** @internal */
  onData(data: Uint8Array, _endStream: boolean): void {
    if (this.#finished) return;
    this.#reader!.push(data);
  }

  /** @internal */
  onClose(error: Error | undefined): void {
    if (this.#finished) return;
    if (error !== undefined) {
      this.#finish(toGrpcError(error));
      return;
    }
    // After the messages still being inflated (trailers would have ended
    // the call there).
    const pending = this.#reader?.pending;
    if (pending) pending.then(() => this.#finish(noTrailers()));
    else this.#finish(noTrailers());
  }

  // MessageSink, WriterOwner ------------------------------------------------

  /** @internal */
  onMessage(bytes: Uint8Array, _compressed: boolean): void {
    if (this.#finished) return;
    this.#responseCount++;
    if (this.#options.singleResponse) {
      if (this.#responseCount > 1) {
        this.cancel(
          new GrpcError(Code.INTERNAL, "more than one response message"),
        );
        return;
      }
      this.single = bytes;
    } else {
      this.messages.push(bytes);
    }
  }

  /**
   * Whether the call failed without the server processing it: its stream
   * was refused (RST_STREAM REFUSED_STREAM) or was above the last stream id
   * of the peer's GOAWAY (RFC 9113 §8.7), and no response came. Such a call
   * can be sent again on another connection (gRPC's transparent retry).
   */
  get unprocessed(): boolean {
    if (!this.#finished || this.#gotHeaders) return false;
    const cause = this.error?.cause;
    if (cause instanceof ResetError) {
      return cause.remote && cause.code === ErrorCode.REFUSED_STREAM;
    }
    return cause instanceof GoawayError && cause.remote;
  }

  /**
   * Whether the call ended: a request whose compression finishes after
   * that is dropped.
   *
   * @internal
   */
  get ended(): boolean {
    return this.#finished;
  }

  /** @internal */
  onReadError(error: GrpcError): void {
    this.cancel(error);
  }

  /** @internal */
  onWriteError(error: GrpcError): void {
    this.cancel(error);
  }

  // -------------------------------------------------------------------------

  #onTrailers(fields: HeaderField[]): void {
    // The status applies once the messages before it were delivered; most
    // calls have none in flight and need no closure.
    const pending = this.#reader?.pending;
    if (pending) pending.then(() => this.#onStatus(fields));
    else this.#onStatus(fields);
  }

  #onStatus(fields: HeaderField[]): void {
    if (this.#finished) return;
    this.#trailerFields = fields;
    const code = statusCode(fields);
    if (code === undefined) {
      this.#finish(this.#httpError(fields));
      return;
    }
    if (code !== Code.OK) {
      this.#finish(errorFromTrailers(code, fields, this.trailer));
      return;
    }
    const truncated = this.#reader?.end();
    if (truncated) this.#finish(truncated);
    else if (this.#options.singleResponse && this.#responseCount === 0) {
      this.#finish(
        new GrpcError(Code.INTERNAL, "no response message for a unary call"),
      );
    } else this.#finish(undefined);
  }

  #httpError(fields: HeaderField[]): GrpcError {
    const status = this.#httpStatus ||
      Number(fields.find((f) => f[0] === ":status")?.[1] ?? 0);
    if (status !== 200) {
      return new GrpcError(
        codeFromHttpStatus(status),
        `HTTP status ${status} without grpc-status`,
      );
    }
    if (!this.#contentTypeOk) {
      return new GrpcError(Code.UNKNOWN, "response is not gRPC (content-type)");
    }
    return new GrpcError(Code.UNKNOWN, "trailers without grpc-status");
  }

  #finish(error: GrpcError | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) disarmDeadline(this.#timer);
    this.#reader?.close();
    if (!this.#headerReadySettled) {
      this.#headerReadySettled = true;
      this.#headerReady?.resolve();
    }
    this.error = error;
    if (error) this.#messages?.fail(error);
    else this.#messages?.close();
    this.outcome.resolve(this);
  }
}

/** A plain function, so that arming a deadline allocates no closure. */
function expire(call: ClientCall): void {
  call.cancel(deadlineExceeded());
}

function noTrailers(): GrpcError {
  return new GrpcError(Code.INTERNAL, "stream ended without trailers");
}

/**
 * Maps a transport failure to a status (PROTOCOL-HTTP2.md, RST_STREAM table).
 *
 * @example Map a reset
 * ```ts ignore
 * toGrpcError(new ResetError(1, 8, true)).code; // CANCELLED
 * ```
 *
 * @param error what failed
 * @returns the status the caller sees
 */
export function toGrpcError(error: unknown): GrpcError {
  if (error instanceof GrpcError) return error;
  if (error instanceof ResetError) {
    return new GrpcError(
      codeFromRstStream(error.code),
      `stream reset: ${error.message}`,
      { cause: error },
    );
  }
  if (error instanceof GoawayError) {
    return new GrpcError(Code.UNAVAILABLE, error.message, { cause: error });
  }
  if (
    error instanceof ConnectionClosedError || error instanceof ConnectionError
  ) {
    return new GrpcError(Code.UNAVAILABLE, error.message, { cause: error });
  }
  return GrpcError.from(error, Code.INTERNAL);
}
