/**
 * Typed clients from protoc-gen-es service descriptors: unary methods return
 * a promise, streaming responses are async iterables, streaming requests take
 * any (async) iterable.
 *
 * @module
 */

import {
  create,
  type DescMessage,
  type DescMethod,
  type DescService,
  type Message,
  type MessageInitShape,
  type MessageShape,
} from "../protobuf.ts";
import { decodeMessage } from "../codec/binary_decoder.ts";
import { MessageEncoder } from "../codec/binary_encoder.ts";
import type { Channel } from "../channel/channel.ts";
import type { CallOptions } from "./call_options.ts";
import type {
  AnyRequest,
  AnyResponse,
  Interceptor,
  StreamRequest,
  StreamResponse,
  UnaryRequest,
  UnaryResponse,
} from "./interceptor.ts";
import { ClientCall, type ClientCallOptions } from "./client_call.ts";
import { pickTransport } from "./pick_transport.ts";
import type { CallDoneInfo } from "../channel/picker.ts";
import type { MethodConfig } from "../channel/service_config.ts";
import { type CallTransport, transportOf } from "../channel/transport.ts";
import { LazyStream, ResponseMessages, toMessages } from "./message_streams.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { Metadata } from "../grpc/metadata.ts";
import { encodeTimeout } from "../grpc/timeout.ts";
import { CompressionRegistry } from "../grpc/compression.ts";
import { DEFAULT_MAX_MESSAGE_SIZE, ENVELOPE_HEADER } from "../grpc/envelope.ts";
import type { HeaderField } from "../http2/hpack/mod.ts";

/** The library's `user-agent`. */
export const USER_AGENT = "grpc-deno/0.1.0";

/** Options of {@linkcode createClient}. */
export interface ClientOptions {
  /** Interceptors, outermost first. Default none. */
  interceptors?: Interceptor[];
  /** Largest response message accepted. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** Largest request message sent. Default 2^31−1. */
  maxSendMessageSize?: number;
  /** Algorithms offered in `grpc-accept-encoding`. Default gzip, deflate. */
  compressions?: CompressionRegistry;
  /** Compress every request with this algorithm. Default none. */
  sendCompression?: string;
  /** Default timeout for calls, in ms. Default none. */
  timeoutMs?: number;
}

/** A client method for a unary RPC. */
export type UnaryMethod<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** A client method for a server-streaming RPC. */
export type ServerStreamingMethod<
  I extends DescMessage,
  O extends DescMessage,
> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;
/** A client method for a client-streaming RPC. */
export type ClientStreamingMethod<
  I extends DescMessage,
  O extends DescMessage,
> = (
  requests: AsyncIterable<MessageInitShape<I>> | Iterable<MessageInitShape<I>>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** A client method for a bidi-streaming RPC. */
export type BidiStreamingMethod<I extends DescMessage, O extends DescMessage> =
  (
    requests:
      | AsyncIterable<MessageInitShape<I>>
      | Iterable<MessageInitShape<I>>,
    options?: CallOptions,
  ) => AsyncIterable<MessageShape<O>>;

/** The client of service `S`: one method per RPC, named by its `localName`. */
export type Client<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends {
    methodKind: "unary";
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  } ? UnaryMethod<I, O>
    : S["method"][K] extends {
      methodKind: "server_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? ServerStreamingMethod<I, O>
    : S["method"][K] extends {
      methodKind: "client_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? ClientStreamingMethod<I, O>
    : S["method"][K] extends {
      methodKind: "bidi_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? BidiStreamingMethod<I, O>
    : never;
};

/**
 * Creates a typed client for `service` over `channel`.
 *
 * @example Call SayHello
 * ```ts
 * import { createChannel, createClient } from "../../mod.ts";
 * import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
 * await using channel = createChannel("127.0.0.1:50051");
 * const client = createClient(Greeter, channel);
 * const reply = await client.sayHello({ name: "world" });
 * console.log(reply.message);
 * ```
 *
 * @param service the generated service descriptor
 * @param channel where calls go
 * @param options interceptors, limits and compression
 * @returns the client
 */
export function createClient<S extends DescService>(
  service: S,
  channel: Channel,
  options: ClientOptions = {},
): Client<S> {
  const shared = new Shared(channel, options);
  const client: Record<string, unknown> = {};
  for (const method of service.methods) {
    client[method.localName] = makeMethod(method, shared);
  }
  return client as Client<S>;
}

/** What every method of one client shares. */
class Shared {
  readonly channel: Channel;
  readonly options: ClientOptions;
  readonly compressions: CompressionRegistry;
  readonly invoke: (req: AnyRequest) => Promise<AnyResponse>;
  /**
   * Without interceptors nobody sees the response object of a unary call:
   * this resolves to its message directly (one promise layer less).
   */
  readonly unaryMessage: ((req: UnaryRequest) => Promise<Message>) | undefined;
  /** Whether interceptors see the calls (and so their request messages). */
  readonly intercepted: boolean;
  /** Encodes this client's requests, into slabs of its own. */
  readonly encoder = new MessageEncoder();

  constructor(channel: Channel, options: ClientOptions) {
    this.channel = channel;
    this.options = options;
    this.compressions = options.compressions ?? new CompressionRegistry();
    let next = (req: AnyRequest): Promise<AnyResponse> =>
      req.stream ? this.#stream(req) : this.#unary(req, false);
    const interceptors = options.interceptors ?? [];
    for (const interceptor of [...interceptors].reverse()) {
      next = interceptor(next);
    }
    this.invoke = next;
    this.intercepted = interceptors.length > 0;
    this.unaryMessage = interceptors.length === 0
      ? (req) => this.#unary(req, true)
      : undefined;
  }

  // The options of calls without a per-call compression, made once.
  #defaultOptions: [ClientCallOptions?, ClientCallOptions?] = [];

  // Options of methods whose service config sets message size limits.
  readonly #configured = new WeakMap<
    MethodConfig,
    [ClientCallOptions?, ClientCallOptions?]
  >();

  callOptions(
    path: string,
    singleResponse: boolean,
    compression: string | undefined,
  ): ClientCallOptions {
    const config = this.channel.methodConfig?.(path);
    const limited = config !== undefined &&
      (config.maxRequestMessageBytes !== undefined ||
        config.maxResponseMessageBytes !== undefined);
    if (compression === undefined) {
      const slot = singleResponse ? 0 : 1;
      if (!limited) {
        return this.#defaultOptions[slot] ??= this.#makeOptions(
          undefined,
          singleResponse,
          undefined,
        );
      }
      let cached = this.#configured.get(config);
      if (cached === undefined) this.#configured.set(config, cached = []);
      return cached[slot] ??= this.#makeOptions(
        config,
        singleResponse,
        undefined,
      );
    }
    return this.#makeOptions(
      limited ? config : undefined,
      singleResponse,
      compression,
    );
  }

  #makeOptions(
    config: MethodConfig | undefined,
    singleResponse: boolean,
    compression: string | undefined,
  ): ClientCallOptions {
    const name = compression ?? this.options.sendCompression;
    let sendCompression;
    if (name !== undefined && name !== "identity") {
      sendCompression = this.compressions.get(name);
      if (!sendCompression) {
        throw new GrpcError(Code.INTERNAL, `unknown compression "${name}"`);
      }
    }
    // The service config's limits apply when smaller (service_config.md).
    const receive = this.options.maxReceiveMessageSize ??
      DEFAULT_MAX_MESSAGE_SIZE;
    const send = this.options.maxSendMessageSize ?? 0x7fffffff;
    return {
      maxReceiveMessageSize: Math.min(
        receive,
        config?.maxResponseMessageBytes ?? receive,
      ),
      maxSendMessageSize: Math.min(
        send,
        config?.maxRequestMessageBytes ?? send,
      ),
      compressions: this.compressions,
      sendCompression,
      singleResponse,
    };
  }

  /** The call's waitForReady: its option, else the method config's. */
  waitForReady(req: AnyRequest): boolean {
    return (req as RequestExtras).waitForReady ??
      this.channel.methodConfig?.(req.path)?.waitForReady ?? false;
  }

  /** The fixed part of a method's request header, built once per path. */
  readonly #prefixes = new Map<string, readonly HeaderField[]>();

  headers(
    req: AnyRequest,
    compression: string | undefined,
  ): readonly HeaderField[] {
    let prefix = this.#prefixes.get(req.path);
    if (prefix === undefined) {
      const ch = this.channel;
      // Frozen: a call with nothing else to send passes it as is, and the
      // HPACK encoder sends its remembered block.
      prefix = Object.freeze<HeaderField[]>([
        [":method", "POST"],
        [":scheme", ch.scheme],
        [":path", req.path],
        [":authority", ch.authority],
        ["content-type", "application/grpc"],
        ["te", "trailers"],
        ["user-agent", USER_AGENT],
        ["grpc-accept-encoding", this.compressions.acceptEncoding],
      ]);
      this.#prefixes.set(req.path, prefix);
    }
    const name = compression ?? this.options.sendCompression;
    const encoded = name !== undefined && name !== "identity";
    const lazy = req instanceof CallRequest ? req.hasMetadata : undefined;
    const metadata = lazy ?? req.metadata.size > 0;
    if (req.deadline === undefined && !encoded && !metadata) return prefix;
    const fields = prefix.slice();
    if (req.deadline !== undefined) {
      fields.push(["grpc-timeout", encodeTimeout(req.deadline - Date.now())]);
    }
    if (encoded) fields.push(["grpc-encoding", name]);
    if (metadata) {
      for (const field of req.metadata.toHeaders()) fields.push(field);
    }
    return fields;
  }

  /**
   * Arms the deadline (the call disarms it when it ends) and the signal;
   * returns what removes the signal's listener.
   */
  watch(call: ClientCall, req: AnyRequest): () => void {
    if (req.deadline !== undefined) call.setDeadline(req.deadline);
    const signal = req.signal;
    if (!signal) return NOTHING_TO_DISARM;
    const onAbort = () =>
      call.cancel(GrpcError.from(signal.reason, Code.CANCELLED));
    if (signal.aborted) {
      onAbort();
      return NOTHING_TO_DISARM;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }

  #unary(req: UnaryRequest, messageOnly: false): Promise<UnaryResponse>;
  #unary(req: UnaryRequest, messageOnly: true): Promise<Message>;
  async #unary(
    req: UnaryRequest,
    messageOnly: boolean,
  ): Promise<UnaryResponse | Message> {
    const compression = (req as RequestExtras).compression;
    const options = this.callOptions(req.path, true, compression);
    let call = new ClientCall(options);
    let disarm = this.watch(call, req);
    let done: ((info: CallDoneInfo) => void) | undefined;
    try {
      // Encoded before any await: the caller may change its init object
      // once the call returned.
      const first = this.encoder.encodeInitParts(
        req.method.input,
        req.message ?? (req as RequestExtras).init!,
        ENVELOPE_HEADER,
      );
      let outcome;
      for (let attempt = 0;; attempt++) {
        // A READY subchannel takes the call in this turn: the pick is
        // synchronous, so no await before the request is queued for the
        // socket.
        const picked = this.channel.picker.pick(req);
        let transport: CallTransport | undefined;
        if (picked.type === "complete") {
          transport = transportOf(picked.subchannel);
          done = picked.onCallDone;
        }
        if (transport === undefined || !transport.isAvailable) {
          const slow = await pickTransport(
            this.channel,
            req,
            this.waitForReady(req),
            call.outcome.promise,
          );
          transport = slow.transport;
          done = slow.onCallDone;
        }
        const headers = this.headers(req, compression);
        if (!call.tryStart(transport, headers, first)) {
          await call.start(transport, headers, first);
        }
        outcome = await call.outcome.promise;
        // Transparent retry, once: the server never saw the call (refused
        // stream, or above a GOAWAY's last stream id); a new pick sends it
        // on another connection. The encoded request is sent again as is.
        if (outcome.error === undefined || attempt > 0 || !call.unprocessed) {
          break;
        }
        disarm();
        if (done !== undefined) done({ error: outcome.error });
        done = undefined;
        call = new ClientCall(options);
        disarm = this.watch(call, req);
      }
      const extras = req as RequestExtras;
      if (extras.onHeader) extras.onHeader(outcome.header);
      if (extras.onTrailer) extras.onTrailer(outcome.trailer);
      if (outcome.error) throw outcome.error;
      let message: Message;
      try {
        message = decodeMessage(req.method.output, call.single!);
      } catch (error) {
        throw new GrpcError(Code.INTERNAL, "cannot decode response message", {
          cause: error,
        });
      }
      return messageOnly ? message : new UnaryResult(call, message);
    } catch (error) {
      const e = GrpcError.from(error, Code.INTERNAL);
      call.cancel(e);
      throw e;
    } finally {
      disarm();
      if (done !== undefined) done({ error: call.error });
    }
  }

  async #stream(req: StreamRequest): Promise<StreamResponse> {
    const extras = req as RequestExtras;
    const call = new ClientCall(
      this.callOptions(req.path, false, extras.compression),
    );
    const disarm = this.watch(call, req);
    let done: ((info: CallDoneInfo) => void) | undefined;
    try {
      const picked = await pickTransport(
        this.channel,
        req,
        this.waitForReady(req),
        call.outcome.promise,
      );
      done = picked.onCallDone;
      await call.start(
        picked.transport,
        this.headers(req, extras.compression),
      );
    } catch (error) {
      disarm();
      if (done !== undefined) done({ error: call.error });
      const e = GrpcError.from(error, Code.INTERNAL);
      call.cancel(e);
      throw e;
    }
    void pumpRequests(call, req, this.encoder);
    await call.headerReady;
    const header = call.header;
    extras.onHeader?.(header);
    const trailer = new Metadata();
    const messages = new ResponseMessages(req.method.output, {
      messages: call.messages[Symbol.asyncIterator](),
      cancel: (reason) => call.cancel(reason),
      finish: async () => {
        disarm();
        const outcome = await call.outcome.promise;
        if (done !== undefined) done({ error: outcome.error });
        for (const [k, v] of outcome.trailer) trailer.append(k, v);
        extras.onTrailer?.(trailer);
      },
    });
    return { stream: true, header, messages, trailer };
  }
}

/** A unary response whose metadata is built only if someone reads it. */
class UnaryResult implements UnaryResponse {
  readonly stream = false as const;
  message: Message;
  readonly #call: ClientCall;

  constructor(call: ClientCall, message: Message) {
    this.#call = call;
    this.message = message;
  }

  get header(): Metadata {
    return this.#call.header;
  }

  get trailer(): Metadata {
    return this.#call.trailer;
  }
}

/** Per-call settings that ride on the request object past interceptors. */
interface RequestExtras {
  /**
   * A unary call's request as the caller gave it, when no interceptor is
   * there to see `message`: encoded without creating the message.
   */
  init?: MessageInitShape<DescMessage>;
  compression?: string;
  waitForReady?: boolean;
  compressMessage?: (message: Message, index: number) => boolean;
  onHeader?: (header: Metadata) => void;
  onTrailer?: (trailer: Metadata) => void;
}

async function pumpRequests(
  call: ClientCall,
  req: StreamRequest,
  encoder: MessageEncoder,
): Promise<void> {
  const input = req.method.input;
  try {
    if (req.method.methodKind === "server_streaming") {
      for await (const message of req.messages) {
        await call.send(
          encoder.encodeInitParts(input, message, ENVELOPE_HEADER),
          true,
        );
        return;
      }
    }
    const choose = (req as RequestExtras).compressMessage;
    let index = 0;
    for await (const message of req.messages) {
      const compress = choose ? choose(message, index++) : true;
      const sent = call.send(
        encoder.encodeInitParts(input, message, ENVELOPE_HEADER),
        false,
        compress,
      );
      // Awaited only when flow control held the message back.
      if (sent) await sent;
    }
    call.closeSend();
  } catch (error) {
    call.cancel(GrpcError.from(error, Code.CANCELLED));
  }
}

/**
 * A request as the terminal call and interceptors see it. Metadata is built
 * only if someone asks for it (most calls carry none).
 */
class CallRequest implements RequestExtras {
  readonly stream: boolean;
  readonly method: DescMethod;
  readonly path: string;
  readonly signal: AbortSignal | undefined;
  deadline: number | undefined;
  readonly compression: string | undefined;
  readonly waitForReady: boolean | undefined;
  readonly onHeader: ((header: Metadata) => void) | undefined;
  readonly onTrailer: ((trailer: Metadata) => void) | undefined;
  readonly compressMessage:
    | ((message: Message, index: number) => boolean)
    | undefined;
  message: Message | undefined;
  init: MessageInitShape<DescMessage> | undefined;
  messages: AsyncIterable<Message> | undefined;
  #metadata: Metadata | undefined;
  readonly #init: CallOptions["metadata"];

  constructor(
    method: DescMethod,
    path: string,
    options: CallOptions | undefined,
    deadline: number | undefined,
    stream: boolean,
  ) {
    this.stream = stream;
    this.method = method;
    this.path = path;
    this.signal = options?.signal;
    this.deadline = deadline;
    this.compression = options?.compression;
    this.waitForReady = options?.waitForReady;
    this.onHeader = options?.onHeader;
    this.onTrailer = options?.onTrailer;
    this.compressMessage = options?.compressMessage as
      | ((message: Message, index: number) => boolean)
      | undefined;
    this.#init = options?.metadata;
  }

  get metadata(): Metadata {
    return this.#metadata ??= new Metadata(this.#init);
  }

  /** Whether there is metadata to send, without building it. */
  get hasMetadata(): boolean {
    return this.#metadata ? this.#metadata.size > 0 : this.#init !== undefined;
  }
}

const PATHS = new WeakMap<DescMethod, string>();

function NOTHING_TO_DISARM(): void {}

function makeRequest(
  method: DescMethod,
  shared: Shared,
  options: CallOptions | undefined,
  stream: boolean,
): CallRequest {
  let path = PATHS.get(method);
  if (path === undefined) {
    path = `/${method.parent.typeName}/${method.name}`;
    PATHS.set(method, path);
  }
  const timeoutMs = options?.timeoutMs ?? shared.options.timeoutMs;
  // The service config's timeout bounds the call's (service_config.md).
  const configured = shared.channel.methodConfig?.(path)?.timeoutMs;
  const bound = timeoutMs === undefined
    ? configured
    : configured === undefined
    ? timeoutMs
    : Math.min(timeoutMs, configured);
  let deadline = bound !== undefined ? Date.now() + bound : undefined;
  if (options?.deadline !== undefined) {
    const d = typeof options.deadline === "number"
      ? options.deadline
      : options.deadline.getTime();
    deadline = deadline === undefined ? d : Math.min(d, deadline);
  }
  return new CallRequest(method, path, options, deadline, stream);
}

function makeMethod(method: DescMethod, shared: Shared): unknown {
  switch (method.methodKind) {
    case "unary":
      return (
        init: MessageInitShape<DescMessage>,
        options?: CallOptions,
      ): Promise<Message> => {
        let req: CallRequest;
        try {
          req = makeRequest(method, shared, options, false);
          if (!shared.intercepted) req.init = init;
          else req.message = create(method.input, init);
        } catch (error) {
          return Promise.reject(error);
        }
        const unary = req as unknown as UnaryRequest;
        if (shared.unaryMessage) return shared.unaryMessage(unary);
        return shared.invoke(unary).then((res) =>
          (res as UnaryResponse).message
        );
      };
    case "server_streaming":
      return (init: MessageInitShape<DescMessage>, options?: CallOptions) =>
        streamResults(
          method,
          shared,
          options,
          requests(method, shared, options, [init]),
        );
    case "client_streaming":
      return async (
        inits: AsyncIterable<MessageInitShape<DescMessage>>,
        options?: CallOptions,
      ) => {
        let result: Message | undefined;
        let count = 0;
        for await (
          const message of streamResults(
            method,
            shared,
            options,
            requests(method, shared, options, inits),
          )
        ) {
          result = message;
          count++;
        }
        if (count !== 1) {
          throw new GrpcError(
            Code.INTERNAL,
            `expected one response message, got ${count}`,
          );
        }
        return result;
      };
    case "bidi_streaming":
      return (
        inits: AsyncIterable<MessageInitShape<DescMessage>>,
        options?: CallOptions,
      ) =>
        streamResults(
          method,
          shared,
          options,
          requests(method, shared, options, inits),
        );
  }
}

/**
 * A call's request messages. Without interceptors or a `compressMessage`
 * callback nobody looks at them as messages: the initializers go to the
 * encoder as they are (no `create()` per message).
 */
function requests(
  method: DescMethod,
  shared: Shared,
  options: CallOptions | undefined,
  inits:
    | AsyncIterable<MessageInitShape<DescMessage>>
    | Iterable<MessageInitShape<DescMessage>>,
): AsyncIterable<Message> {
  const seen = shared.intercepted || options?.compressMessage !== undefined;
  return toMessages(method.input, inits, seen);
}

function streamResults(
  method: DescMethod,
  shared: Shared,
  options: CallOptions | undefined,
  messages: AsyncIterable<Message>,
): AsyncIterableIterator<Message> {
  return new LazyStream(async () => {
    const req = makeRequest(method, shared, options, true);
    req.messages = messages;
    const res = await shared.invoke(
      req as unknown as StreamRequest,
    ) as StreamResponse;
    return res.messages;
  });
}
