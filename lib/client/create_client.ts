/**
 * Typed clients from protoc-gen-es service descriptors: unary methods return
 * a promise, streaming responses are async iterables, streaming requests take
 * any (async) iterable.
 *
 * @module
 */

import type { DescService, Message } from "../protobuf.ts";
import { decodeMessage } from "../codec/binary_decoder.ts";
import {
  type EncodedMessage,
  MessageEncoder,
} from "../codec/binary_encoder.ts";
import type { Channel } from "../channel/channel.ts";
import type {
  AnyRequest,
  AnyResponse,
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
import { ResponseMessages } from "./message_streams.ts";
import { type ClientOptions, USER_AGENT } from "./client_options.ts";
import type { Client } from "./client_types.ts";
import { CallRequest, type RequestExtras } from "./call_request.ts";
import { pumpRequests } from "./request_pump.ts";
import { makeMethod, type MethodHost } from "./client_methods.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { Metadata } from "../grpc/metadata.ts";
import { encodeTimeout } from "../grpc/timeout.ts";
import { CompressionRegistry } from "../grpc/compression.ts";
import { DEFAULT_MAX_MESSAGE_SIZE, ENVELOPE_HEADER } from "../grpc/envelope.ts";
import type { HeaderField } from "../http2/hpack/mod.ts";

export { type ClientOptions, USER_AGENT } from "./client_options.ts";
export type {
  BidiStreamingMethod,
  Client,
  ClientStreamingMethod,
  ServerStreamingMethod,
  UnaryMethod,
} from "./client_types.ts";

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
class Shared implements MethodHost {
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
    const options = this.callOptions(req.path, false, extras.compression);
    let call = new ClientCall(options);
    let disarm = this.watch(call, req);
    let done: ((info: CallDoneInfo) => void) | undefined;
    let resend: EncodedMessage | undefined;
    for (let attempt = 0;; attempt++) {
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
      const pumped = resend === undefined
        ? pumpRequests(call, req, this.encoder)
        : call.send(resend, true);
      await call.headerReady;
      // Transparent retry, once, of a server-streaming call the server
      // never processed: its one request message is sent again as is.
      // (Client and bidi streams would need their sent messages buffered.)
      if (
        attempt > 0 || !call.ended || !call.unprocessed ||
        req.method.methodKind !== "server_streaming"
      ) break;
      resend = (await pumped) ?? undefined;
      if (resend === undefined) break;
      disarm();
      if (done !== undefined) done({ error: call.error });
      done = undefined;
      call = new ClientCall(options);
      disarm = this.watch(call, req);
    }
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

function NOTHING_TO_DISARM(): void {}
