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
import {
  HANDED_OVER,
  type Http2Stream,
  type StreamHandler,
} from "../http2/stream.ts";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
  ResetError,
} from "../http2/errors.ts";
import { ErrorCode } from "../http2/frame/types.ts";
import { Code, parseCode } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { Metadata } from "../grpc/metadata.ts";
import { decodeGrpcMessage } from "../grpc/percent.ts";
import { decodeStatusDetails } from "../grpc/status_details.ts";
import { codeFromHttpStatus, codeFromRstStream } from "../grpc/http_status.ts";
import { isGrpcContentType } from "../grpc/headers.ts";
import {
  EnvelopeDecoder,
  type MessageParts,
  sendEnvelope,
} from "../grpc/envelope.ts";
import {
  type Compression,
  type CompressionRegistry,
  messagePayload,
} from "../grpc/compression.ts";
import { decodeBase64 } from "../grpc/base64.ts";
import { type EncodedMessage, joinParts } from "../codec/binary_encoder.ts";
import { ReadCredit } from "../grpc/read_credit.ts";
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
export class ClientCall implements StreamHandler, CallOutcome {
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
    queue.onTake = () => {
      if (queue.length === 0) this.#credit.drained();
    };
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
  readonly #decoder: EnvelopeDecoder;
  #stream: Http2Stream | undefined;
  #responseEncoding: Compression | undefined;
  #httpStatus = 0;
  #contentTypeOk = false;
  #gotHeaders = false;
  #chain: Promise<void> | undefined;
  #finished = false;
  #responseCount = 0;
  #readCredit: ReadCredit | undefined;

  get #credit(): ReadCredit {
    return this.#readCredit ??= new ReadCredit((n) => this.#stream?.consume(n));
  }

  /** @param options limits and compression, resolved by the client */
  constructor(options: ClientCallOptions) {
    this.#options = options;
    this.#decoder = new EnvelopeDecoder({
      maxMessageSize: options.maxReceiveMessageSize,
      // DATA payloads are views into the connection's reused read buffer.
      transient: true,
    });
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
    first?: Uint8Array | EncodedMessage,
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
    first?: Uint8Array | EncodedMessage,
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
    first: Uint8Array | EncodedMessage | undefined,
  ): void {
    if (this.#finished) {
      stream.reset(ErrorCode.CANCEL);
      return;
    }
    this.#stream = stream;
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
    message: Uint8Array | EncodedMessage,
    end: boolean,
    compress = true,
  ): Promise<void> | undefined {
    const stream = this.#stream;
    if (!stream || this.#finished) return;
    const encoded = message instanceof Uint8Array
      ? { parts: [message], length: message.length }
      : message;
    if (encoded.length > this.#options.maxSendMessageSize) {
      this.cancel(
        new GrpcError(
          Code.RESOURCE_EXHAUSTED,
          `request message of ${encoded.length} bytes exceeds the limit of ${this.#options.maxSendMessageSize}`,
        ),
      );
      return;
    }
    const compression = compress ? this.#options.sendCompression : undefined;
    if (compression) {
      return compression.compress(joinParts(encoded)).then(
        (payload) => {
          if (!this.#finished) {
            return this.#write(
              stream,
              { parts: [payload], length: payload.length },
              true,
              end,
            );
          }
        },
        (error) => this.cancel(GrpcError.from(error, Code.INTERNAL)),
      );
    }
    return this.#write(stream, encoded, false, end);
  }

  #write(
    stream: Http2Stream,
    message: MessageParts,
    compressed: boolean,
    end: boolean,
  ): Promise<void> | undefined {
    let sent: Promise<void>;
    try {
      sent = sendEnvelope(stream, message, compressed, end);
    } catch {
      return; // The stream ended; the outcome tells why.
    }
    if (sent === HANDED_OVER) return;
    return sent.catch(() => {
      // The stream ended; the outcome tells why.
    });
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
        this.#responseEncoding = this.#options.compressions.get(encoding);
        if (!this.#responseEncoding) {
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
    this.#decoder.push(data);
    try {
      for (
        let env = this.#decoder.next();
        env !== null;
        env = this.#decoder.next()
      ) {
        if (env.compressed || this.#chain) {
          this.#chainMessage(env.data, env.compressed);
        } else this.#deliver(env.data);
      }
      this.#decoder.retain();
    } catch (error) {
      this.cancel(toGrpcError(error));
      return;
    }
    // One response message: nothing waits unread, return credit at once.
    if (this.#options.singleResponse) this.#stream?.consume(data.length);
    else this.#credit.received(data.length, this.#messages?.length ?? 0);
  }

  /** @internal */
  onClose(error: Error | undefined): void {
    if (this.#finished) return;
    if (error === undefined) {
      this.#afterChain(() =>
        this.#finish(
          new GrpcError(Code.INTERNAL, "stream ended without trailers"),
        )
      );
      return;
    }
    this.#finish(toGrpcError(error));
  }

  // -------------------------------------------------------------------------

  #chainMessage(data: Uint8Array, compressed: boolean): void {
    const prev = this.#chain ?? Promise.resolve();
    this.#chain = prev.then(async () => {
      if (this.#finished) return;
      const bytes = await messagePayload(
        data,
        compressed,
        this.#responseEncoding,
        this.#options.maxReceiveMessageSize,
      );
      this.#deliver(bytes);
    }).catch((error) => this.cancel(toGrpcError(error)));
  }

  #afterChain(fn: () => void): void {
    if (this.#chain) this.#chain.then(fn);
    else fn();
  }

  #deliver(bytes: Uint8Array): void {
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

  #onTrailers(fields: HeaderField[]): void {
    let status: string | undefined;
    let message = "";
    let details: Uint8Array | undefined;
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i][0];
      const value = fields[i][1];
      if (name === "grpc-status") status = value;
      else if (name === "grpc-message") message = decodeGrpcMessage(value);
      else if (name === "grpc-status-details-bin") details = decodeBin(value);
    }
    this.#afterChain(() => {
      if (this.#finished) return;
      this.#trailerFields = fields;
      if (status === undefined) {
        this.#finish(this.#httpError(fields));
        return;
      }
      const code = parseCode(status) ?? Code.UNKNOWN;
      if (code === Code.OK) {
        if (this.#decoder.buffered > 0) {
          this.#finish(
            new GrpcError(Code.INTERNAL, "truncated response message"),
          );
        } else if (this.#options.singleResponse && this.#responseCount === 0) {
          this.#finish(
            new GrpcError(
              Code.INTERNAL,
              "no response message for a unary call",
            ),
          );
        } else this.#finish(undefined);
        return;
      }
      const parsed = details ? decodeStatusDetails(details) : undefined;
      this.#finish(
        new GrpcError(code, message, {
          metadata: this.trailer,
          details: parsed?.details,
        }),
      );
    });
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

function decodeBin(value: string): Uint8Array | undefined {
  try {
    return decodeBase64(value);
  } catch {
    return undefined;
  }
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
