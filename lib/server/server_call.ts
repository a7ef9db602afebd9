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
import {
  type EncodedMessage,
  joinParts,
  type MessageEncoder,
} from "../codec/binary_encoder.ts";
import type { HeaderField } from "../http2/hpack/mod.ts";
import {
  HANDED_OVER,
  type Http2Stream,
  type StreamHandler,
} from "../http2/stream.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { Metadata } from "../grpc/metadata.ts";
import { encodeGrpcMessage } from "../grpc/percent.ts";
import { encodeStatusDetails } from "../grpc/status_details.ts";
import { encodeBase64 } from "../grpc/base64.ts";
import {
  ENVELOPE_HEADER,
  EnvelopeDecoder,
  type MessageParts,
  sendEnvelope,
} from "../grpc/envelope.ts";
import {
  type Compression,
  type CompressionRegistry,
  messagePayload,
  parseAcceptEncoding,
} from "../grpc/compression.ts";
import { ReadCredit } from "../grpc/read_credit.ts";
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

const STATUS_OK: HeaderField = ["grpc-status", "0"];
/** Response headers without compression or custom fields, by accept-encoding. */
const PLAIN_HEADERS = new Map<string, readonly HeaderField[]>();
/** Trailers of a call that ended OK without custom trailers. */
const OK_TRAILERS: readonly HeaderField[] = Object.freeze([STATUS_OK]);

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

function appendStatus(
  fields: HeaderField[],
  error: GrpcError | undefined,
): void {
  if (!error) {
    fields.push(STATUS_OK);
    return;
  }
  fields.push(["grpc-status", String(error.code)]);
  if (error.rawMessage) {
    fields.push(["grpc-message", encodeGrpcMessage(error.rawMessage)]);
  }
  if (error.details.length > 0) {
    fields.push([
      "grpc-status-details-bin",
      encodeBase64(
        encodeStatusDetails(error.code, error.rawMessage, error.details),
      ),
    ]);
  }
  for (const field of error.metadata.toHeaders()) fields.push(field);
}

/** A running server call; it is the stream's handler. */
export class ServerCall implements StreamHandler, ServerContext {
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
  /** Dropped once the request ended: idle calls hold as little as possible. */
  #decoder: EnvelopeDecoder | undefined;
  #requestQueue: AsyncQueue<Message> | undefined;
  #controller: AbortController | undefined;
  #abortReason: GrpcError | undefined;
  #cancelled: PromiseWithResolvers<GrpcError> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #headerSent = false;
  #done = false;
  #sendCompression: Compression | undefined;
  #chain: Promise<void> | undefined;
  #requestCount = 0;
  #singleRequest: boolean;
  #single: Message | undefined;
  #started = false;
  #readCredit: ReadCredit | undefined;

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
    this.#decoder = new EnvelopeDecoder({
      maxMessageSize: options.maxReceiveMessageSize,
      // DATA payloads are views into the connection's reused read buffer.
      transient: true,
    });
    const kind = start.method.methodKind;
    this.#singleRequest = kind === "unary" || kind === "server_streaming";
    // Like grpc-go, answer in the request's encoding when the client takes it.
    if (start.requestEncoding) this.setCompression(start.requestEncoding.name);
    if (start.deadline !== undefined) {
      const remaining = start.deadline - Date.now();
      const expire = () =>
        this.#fail(new GrpcError(Code.DEADLINE_EXCEEDED, "deadline exceeded"));
      if (remaining <= 0) queueMicrotask(expire);
      else this.#timer = setTimeout(expire, remaining);
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

  get #credit(): ReadCredit {
    return this.#readCredit ??= new ReadCredit((n) => this.#stream.consume(n));
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
      if (queue.length === 0) this.#readCredit?.drained();
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
      : Math.max(0, this.deadline - Date.now());
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
    const decoder = this.#decoder;
    if (!decoder) return;
    decoder.push(data);
    try {
      for (let env = decoder.next(); env !== null; env = decoder.next()) {
        if (env.compressed || this.#chain) {
          this.#chainMessage(env.data, env.compressed);
        } else {
          this.#deliver(env.data, false);
        }
      }
      decoder.retain();
    } catch (error) {
      this.#fail(GrpcError.from(error, Code.INTERNAL));
      return;
    }
    // A single request: nothing waits unread, return credit at once.
    if (this.#singleRequest) this.#stream.consume(data.length);
    else this.#credit.received(data.length, this.#requestQueue?.length ?? 0);
    if (endStream) this.#onRequestEnd();
  }

  /** @internal */
  onClose(error: Error | undefined): void {
    clearTimeout(this.#timer);
    if (error === undefined || this.#done) {
      this.#done = true;
      return;
    }
    // The client reset the stream or the connection went away.
    this.#done = true;
    const reason = new GrpcError(
      Code.CANCELLED,
      "call cancelled by the client",
      { cause: error },
    );
    this.#abort(reason);
    this.#requestQueue?.fail(reason);
  }

  // ---------------------------------------------------------------------------

  /** Called for the request header's END_STREAM too (no body). */
  onRequestEnd(): void {
    this.#onRequestEnd();
  }

  #onRequestEnd(): void {
    const finish = () => {
      if (this.#done) return;
      if ((this.#decoder?.buffered ?? 0) > 0) {
        this.#fail(new GrpcError(Code.INTERNAL, "truncated request message"));
        return;
      }
      this.#decoder = undefined;
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
    };
    if (this.#chain) this.#chain.then(finish);
    else finish();
  }

  #chainMessage(data: Uint8Array, compressed: boolean): void {
    const prev = this.#chain ?? Promise.resolve();
    this.#chain = prev.then(async () => {
      if (this.#done) return;
      const bytes = await messagePayload(
        data,
        compressed,
        this.#start.requestEncoding,
        this.#options.maxReceiveMessageSize,
      );
      this.#deliver(bytes, compressed);
    }).catch((error) => this.#fail(GrpcError.from(error, Code.INTERNAL)));
  }

  #deliver(bytes: Uint8Array, compressed: boolean): void {
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
  #sendMessage(encoded: EncodedMessage, wait: boolean): Promise<void> | void {
    if (this.#done) return;
    if (encoded.length > this.#options.maxSendMessageSize) {
      throw new GrpcError(
        Code.RESOURCE_EXHAUSTED,
        `response message of ${encoded.length} bytes exceeds the limit of ${this.#options.maxSendMessageSize}`,
      );
    }
    this.sendHeader();
    const c = this.compressMessages ? this.#sendCompression : undefined;
    if (c) {
      return c.compress(joinParts(encoded)).then((payload) => {
        if (!this.#done) {
          return this.#write(
            { parts: [payload], length: payload.length },
            true,
            wait,
          );
        }
      });
    }
    return this.#write(encoded, false, wait);
  }

  #write(
    message: MessageParts,
    compressed: boolean,
    wait: boolean,
  ): Promise<void> | void {
    const sent = sendEnvelope(this.#stream, message, compressed);
    if (sent === HANDED_OVER) return;
    const settled = sent.catch(() => {});
    if (wait) return settled;
  }

  #finish(error: GrpcError | undefined): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
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
      this.#done = true;
      this.#abort(error);
      return;
    }
    // The connection follows our END_STREAM with RST_STREAM(NO_ERROR) if
    // the request is still streaming in.
    this.#finish(error);
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
