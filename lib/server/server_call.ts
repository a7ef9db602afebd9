/**
 * One gRPC call on the server side, over one HTTP/2 stream: request
 * messages in, response headers, messages and trailers (or Trailers-Only)
 * out, deadline and cancellation.
 *
 * @module
 */

import type {
  DescMessage,
  DescMethod,
  Message,
  MessageInitShape,
} from "../protobuf.ts";
import { decodeMessage } from "../codec/binary_decoder.ts";
import type {
  EncodedMessage,
  MessageEncoder,
} from "../codec/binary_encoder.ts";
import type { HeaderField } from "../http2/hpack/mod.ts";
import type { Http2Stream, StreamHandler } from "../http2/stream.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { Metadata } from "../grpc/metadata.ts";
import { ENVELOPE_HEADER } from "../grpc/envelope.ts";
import {
  type Compression,
  type CompressionRegistry,
  parseAcceptEncoding,
} from "../grpc/compression.ts";
import { MessageReader, type MessageSink } from "../grpc/message_reader.ts";
import {
  checkSendSize,
  writeMessage,
  type WriterOwner,
} from "../grpc/message_writer.ts";
import { appendStatus, OK_TRAILERS } from "../grpc/trailer_status.ts";
import {
  armDeadline,
  deadlineExceeded,
  disarmDeadline,
  timeRemaining,
  type TimerId,
} from "../grpc/deadline.ts";
import { AsyncQueue } from "../util/async_queue.ts";
import type { ServerContext } from "./context.ts";
import type { ServerRequest, ServerResponse } from "./interceptor.ts";

/** Server-wide settings a call needs. */
export interface ServerCallOptions {
  /** Largest request message accepted. */
  maxReceiveMessageSize: number;
  /** Largest response message sent. */
  maxSendMessageSize: number;
  /** Algorithms we decode and may respond with. */
  compressions: CompressionRegistry;
  /** Encodes the server's responses, into slabs of its own. */
  encoder: MessageEncoder;
}

/** The parsed request header a call starts from. */
export interface CallStart {
  /** The method called. */
  method: DescMethod;
  /** The handler chain (interceptors included). */
  invoke: (request: ServerRequest) => ServerResponse | Promise<ServerResponse>;
  /** The request's header fields (metadata is built from them on demand). */
  fields: HeaderField[];
  /** Deadline, epoch ms. */
  deadline: number | undefined;
  /** The request's `grpc-encoding` (already checked as supported). */
  requestEncoding: Compression | undefined;
  /** The client's `grpc-accept-encoding`. */
  acceptEncoding: string | undefined;
  /** The client's address. */
  peer: string;
}

/** Response headers without compression or custom fields, by accept-encoding. */
const PLAIN_HEADERS = new Map<string, readonly HeaderField[]>();

const RESPONSE_HEADER_BASE: ReadonlyArray<HeaderField> = [
  [":status", "200"],
  ["content-type", "application/grpc"],
];

/**
 * Sends a Trailers-Only response (one HEADERS with END_STREAM) for calls
 * that fail before a handler runs.
 *
 * @example Unknown method
 * ```ts ignore
 * sendTrailersOnly(stream, new GrpcError(Code.UNIMPLEMENTED, "unknown method"));
 * ```
 *
 * @param stream the request's stream
 * @param error the status
 * @param extra more fields (e.g. grpc-accept-encoding)
 * @param httpStatus the :status (200 for gRPC errors)
 */
export function sendTrailersOnly(
  stream: Http2Stream,
  error: GrpcError,
  extra: HeaderField[] = [],
  httpStatus = 200,
): void {
  const fields: HeaderField[] = [
    [":status", String(httpStatus)],
    ["content-type", "application/grpc"],
    ...extra,
  ];
  appendStatus(fields, error);
  stream.sendHeaders(fields, true);
}

/** A running server call; it is the stream's handler. */
export class ServerCall
  implements StreamHandler, ServerContext, MessageSink, WriterOwner {
  readonly method: DescMethod;
  #metadata: Metadata | undefined;
  readonly deadline: number | undefined;
  #responseHeader: Metadata | undefined;
  #responseTrailer: Metadata | undefined;
  readonly peer: string;
  compressMessages = true;
  requestCompressed = false;
  /**
   * Queued request messages that arrived compressed (usually none: a queue
   * of flags would cost a push and a shift per message).
   */
  #compressedMessages: Set<Message> | undefined;

  readonly #stream: Http2Stream;
  readonly #options: ServerCallOptions;
  readonly #start: CallStart;
  readonly #reader: MessageReader;
  #requestQueue: AsyncQueue<Message> | undefined;
  #controller: AbortController | undefined;
  #abortReason: GrpcError | undefined;
  #cancelled: PromiseWithResolvers<GrpcError> | undefined;
  #timer: TimerId | undefined;
  #headerSent = false;
  #done = false;
  #sendCompression: Compression | undefined;
  #requestCount = 0;
  #singleRequest: boolean;
  #single: Message | undefined;
  #started = false;

  /**
   * @param stream the request's stream
   * @param start the parsed request header
   * @param options server-wide limits
   */
  constructor(
    stream: Http2Stream,
    start: CallStart,
    options: ServerCallOptions,
  ) {
    this.#stream = stream;
    this.#start = start;
    this.#options = options;
    this.method = start.method;
    this.deadline = start.deadline;
    this.peer = start.peer;
    const kind = start.method.methodKind;
    this.#singleRequest = kind === "unary" || kind === "server_streaming";
    this.#reader = new MessageReader(
      this,
      stream,
      options.maxReceiveMessageSize,
      this.#singleRequest,
      "request",
    );
    this.#reader.encoding = start.requestEncoding;
    // Like grpc-go, answer in the request's encoding when the client takes it.
    if (start.requestEncoding) this.setCompression(start.requestEncoding.name);
    if (start.deadline !== undefined) {
      this.#timer = armDeadline(start.deadline, ServerCall.#expire, this);
      // Already past: failed once the call is set up.
      if (this.#timer === undefined) {
        queueMicrotask(() => ServerCall.#expire(this));
      }
    }
    if (!this.#singleRequest) this.#run();
  }

  // ServerContext -------------------------------------------------------------

  get metadata(): Metadata {
    return this.#metadata ??= Metadata.fromHeaders(this.#start.fields);
  }

  get responseHeader(): Metadata {
    return this.#responseHeader ??= new Metadata();
  }

  get responseTrailer(): Metadata {
    return this.#responseTrailer ??= new Metadata();
  }

  get #requests(): AsyncQueue<Message> {
    if (this.#requestQueue) return this.#requestQueue;
    const queue = new AsyncQueue<Message>();
    // Credit returns when the handler takes a message: a handler that does
    // not read stops the client at the stream window.
    queue.onTake = (message) => {
      const compressed = this.#compressedMessages;
      this.requestCompressed = compressed !== undefined &&
        compressed.delete(message);
      this.#reader.taken();
    };
    return this.#requestQueue = queue;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#abortReason && !this.#controller.signal.aborted) {
      this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  timeRemaining(): number | undefined {
    return this.deadline === undefined
      ? undefined
      : timeRemaining(this.deadline);
  }

  sendHeader(): void {
    if (this.#headerSent || this.#done) return;
    this.#headerSent = true;
    // The usual header is one frozen list per accept-encoding value: the
    // HPACK encoder then sends its remembered block.
    const accept = this.#options.compressions.acceptEncoding;
    let plain = PLAIN_HEADERS.get(accept);
    if (!plain) {
      plain = Object.freeze([
        ...RESPONSE_HEADER_BASE,
        ["grpc-accept-encoding", accept],
      ]) as readonly HeaderField[];
      PLAIN_HEADERS.set(accept, plain);
    }
    if (!this.#sendCompression && !this.#responseHeader) {
      this.#stream.sendHeaders(plain);
      return;
    }
    const fields: HeaderField[] = RESPONSE_HEADER_BASE.slice();
    if (this.#sendCompression) {
      fields.push(["grpc-encoding", this.#sendCompression.name]);
    }
    fields.push(plain[plain.length - 1]);
    if (this.#responseHeader) {
      for (const field of this.#responseHeader.toHeaders()) fields.push(field);
    }
    this.#stream.sendHeaders(fields);
  }

  setCompression(name: string): void {
    if (this.#headerSent) return;
    if (name === "identity") {
      this.#sendCompression = undefined;
      return;
    }
    const c = this.#options.compressions.get(name);
    // Never compress with an algorithm the peer did not advertise.
    if (c && parseAcceptEncoding(this.#start.acceptEncoding).includes(c.name)) {
      this.#sendCompression = c;
    }
  }

  // StreamHandler -------------------------------------------------------------

  /** @internal Request trailers: the client's END_STREAM. */
  onHeaders(_fields: HeaderField[], endStream: boolean): void {
    if (endStream) this.#onRequestEnd();
  }

  /** @internal */
  onData(data: Uint8Array, endStream: boolean): void {
    if (this.#done) return;
    if (this.#reader.push(data) && endStream) this.#onRequestEnd();
  }

  /** @internal */
  onClose(error: Error | undefined): void {
    if (this.#done) return;
    this.#end();
    if (error === undefined) return;
    // The client reset the stream or the connection went away.
    const reason = new GrpcError(
      Code.CANCELLED,
      "call cancelled by the client",
      { cause: error },
    );
    this.#abort(reason);
    this.#requestQueue?.fail(reason);
  }

  // MessageSink, WriterOwner --------------------------------------------------

  /** @internal */
  onMessage(bytes: Uint8Array, compressed: boolean): void {
    if (this.#done) return;
    let message: Message;
    try {
      message = decodeMessage(this.method.input, bytes);
    } catch (error) {
      this.#fail(
        new GrpcError(Code.INTERNAL, "cannot decode request message", {
          cause: error,
        }),
      );
      return;
    }
    this.#requestCount++;
    if (this.#singleRequest) {
      if (this.#requestCount === 1) {
        this.#single = message;
        this.requestCompressed = compressed;
      }
    } else {
      if (compressed) (this.#compressedMessages ??= new Set()).add(message);
      this.#requests.push(message);
    }
  }

  /**
   * Whether the call ended: a response whose compression finishes after
   * that is dropped.
   *
   * @internal
   */
  get ended(): boolean {
    return this.#done;
  }

  /** @internal */
  onReadError(error: GrpcError): void {
    this.#fail(error);
  }

  /** @internal */
  onWriteError(error: GrpcError): void {
    this.#fail(error);
  }

  // ---------------------------------------------------------------------------

  /** Called for the request header's END_STREAM too (no body). */
  onRequestEnd(): void {
    this.#onRequestEnd();
  }

  #onRequestEnd(): void {
    // After the messages still being inflated; most calls have none in
    // flight and need no closure.
    const pending = this.#reader.pending;
    if (pending) pending.then(() => this.#afterRequest());
    else this.#afterRequest();
  }

  #afterRequest(): void {
    if (this.#done) return;
    const truncated = this.#reader.end();
    if (truncated) {
      this.#fail(truncated);
      return;
    }
    this.#requestQueue?.close();
    if (this.#singleRequest) {
      if (this.#requestCount !== 1) {
        this.#fail(
          new GrpcError(
            Code.INTERNAL,
            `expected one request message, got ${this.#requestCount}`,
          ),
        );
        return;
      }
      this.#run();
    }
  }

  #run(): void {
    if (this.#started || this.#done) return;
    this.#started = true;
    const request: ServerRequest = this.#singleRequest
      ? { stream: false, context: this, message: this.#single! }
      : { stream: true, context: this, messages: this.#requests };
    let result: ServerResponse | Promise<ServerResponse>;
    try {
      result = this.#start.invoke(request);
    } catch (error) {
      this.#fail(handlerError(error));
      return;
    }
    // A handler that answers synchronously is answered in the same turn, so
    // header, message and trailers leave in one socket write.
    if (result instanceof Promise) {
      result.then(
        (response) => this.#respond(response),
        (error) => this.#fail(handlerError(error)),
      );
    } else void this.#respond(result);
  }

  async #respond(response: ServerResponse): Promise<void> {
    if (this.#done) return;
    const output = this.method.output;
    if (!response.stream) {
      try {
        const sent = this.#sendMessage(
          this.#options.encoder.encodeInitParts(
            output,
            response.message,
            ENVELOPE_HEADER,
          ),
          false,
        );
        if (sent) await sent;
        this.#finish(undefined);
      } catch (error) {
        this.#fail(handlerError(error));
      }
      return;
    }
    let iterator: AsyncIterator<unknown> | undefined;
    try {
      iterator = response.messages[Symbol.asyncIterator]();
      while (!this.#done) {
        const next = await iterator.next();
        if (next.done) break;
        if (this.#done) break;
        const sent = this.#sendMessage(
          this.#options.encoder.encodeInitParts(
            output,
            next.value as MessageInitShape<DescMessage>,
            ENVELOPE_HEADER,
          ),
          true,
        );
        if (sent) await sent;
      }
      if (this.#done) {
        await iterator.return?.();
        return;
      }
      this.#finish(undefined);
    } catch (error) {
      this.#fail(handlerError(error));
      void iterator?.return?.()?.catch?.(() => {});
    }
  }

  /** Sends a message; with `wait`, the promise waits for flow control. */
  #sendMessage(
    encoded: EncodedMessage,
    wait: boolean,
  ): Promise<void> | undefined {
    if (this.#done) return;
    // Before the header: an oversized first message fails as Trailers-Only.
    checkSendSize(encoded.length, this.#options.maxSendMessageSize, "response");
    this.sendHeader();
    return writeMessage(
      this,
      this.#stream,
      encoded,
      false,
      this.compressMessages ? this.#sendCompression : undefined,
      wait,
    );
  }

  #finish(error: GrpcError | undefined): void {
    if (this.#done) return;
    this.#end();
    if (error) this.#abort(error);
    const trailer = this.#responseTrailer;
    if (!this.#headerSent) {
      // Trailers-Only: the status rides in the only HEADERS frame.
      const fields: HeaderField[] = RESPONSE_HEADER_BASE.slice();
      if (this.#responseHeader) {
        for (const f of this.#responseHeader.toHeaders()) fields.push(f);
      }
      appendStatus(fields, error);
      if (trailer) {
        for (const field of trailer.toHeaders()) fields.push(field);
      }
      this.#stream.sendHeaders(fields, true);
      return;
    }
    let fields: readonly HeaderField[] = OK_TRAILERS;
    if (error || trailer) {
      const list: HeaderField[] = [];
      appendStatus(list, error);
      if (trailer) {
        for (const field of trailer.toHeaders()) list.push(field);
      }
      fields = list;
    }
    try {
      this.#stream.sendHeaders(fields, true);
    } catch {
      // Stream already gone.
    }
  }

  #fail(error: GrpcError): void {
    if (this.#done) return;
    this.#requestQueue?.fail(error);
    if (this.#stream.closed) {
      this.#end();
      this.#abort(error);
      return;
    }
    // The connection follows our END_STREAM with RST_STREAM(NO_ERROR) if
    // the request is still streaming in.
    this.#finish(error);
  }

  /** The call ended: no deadline, no more input. */
  #end(): void {
    this.#done = true;
    if (this.#timer !== undefined) disarmDeadline(this.#timer);
    this.#reader.close();
  }

  /** A static function, so that arming a deadline allocates no closure. */
  static #expire(call: ServerCall): void {
    call.#fail(deadlineExceeded());
  }

  get cancelled(): Promise<GrpcError> {
    if (!this.#cancelled) {
      this.#cancelled = Promise.withResolvers<GrpcError>();
      if (this.#abortReason) this.#cancelled.resolve(this.#abortReason);
    }
    return this.#cancelled.promise;
  }

  #abort(reason: GrpcError): void {
    this.#abortReason = reason;
    this.#cancelled?.resolve(reason);
    if (this.#controller && !this.#controller.signal.aborted) {
      this.#controller.abort(reason);
    }
  }
}

function handlerError(error: unknown): GrpcError {
  if (error instanceof GrpcError) return error;
  // Other exceptions become UNKNOWN without leaking their text to the client.
  return GrpcError.from(error, Code.UNKNOWN);
}
