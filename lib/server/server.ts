/**
 * The gRPC server: a registry of services, listeners, and per-stream
 * dispatch to handlers, with graceful and forced shutdown.
 *
 * @module
 */

import type {
  DescMessage,
  DescMethod,
  DescService,
  MessageInitShape,
} from "../protobuf.ts";
import type { HeaderField } from "../http2/hpack/mod.ts";
import { Http2Connection } from "../http2/connection.ts";
import type { Http2Stream, StreamHandler } from "../http2/stream.ts";
import { acceptHttp2 } from "../http2/serve.ts";
import { withTimeout } from "../util/abort.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { parseTimeout } from "../grpc/timeout.ts";
import { isGrpcContentType } from "../grpc/headers.ts";
import { type Compression, CompressionRegistry } from "../grpc/compression.ts";
import { DEFAULT_MAX_MESSAGE_SIZE } from "../grpc/envelope.ts";
import { MessageEncoder } from "../codec/binary_encoder.ts";
import type { ServiceImpl } from "./handler.ts";
import type { ServerRequest, ServerResponse } from "./interceptor.ts";
import {
  type CallStart,
  sendTrailersOnly,
  ServerCall,
  type ServerCallOptions,
} from "./server_call.ts";
import type { ServerContext } from "./context.ts";
import {
  ConnectionManager,
  resolveConnectionManagement,
  type ResolvedConnectionManagement,
} from "./connection_manager.ts";
import type { ListenOptions, ServerOptions } from "./server_options.ts";

export type {
  ListenOptions,
  ServerHttp2Options,
  ServerOptions,
} from "./server_options.ts";

type AnyHandler = (request: unknown, context: ServerContext) => unknown;

interface Route {
  method: DescMethod;
  invoke: (request: ServerRequest) => ServerResponse | Promise<ServerResponse>;
}

/** What a request header says, once checked. */
interface ParsedRequest {
  route: Route;
  /** Fields that may become metadata (shared by repeats: read-only). */
  userFields: HeaderField[];
  timeoutMs: number | undefined;
  requestEncoding: Compression | undefined;
  acceptEncoding: string | undefined;
}

/**
 * A gRPC server.
 *
 * @example Serve Greeter
 * ```ts
 * import { Server } from "../../mod.ts";
 * import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
 * const server = new Server();
 * server.add(Greeter, { sayHello: (req) => ({ message: `Hello ${req.name}` }) });
 * const addr = await server.listen({ hostname: "127.0.0.1", port: 50051 });
 * ```
 */
export class Server implements AsyncDisposable {
  readonly #options: ServerOptions;
  readonly #callOptions: ServerCallOptions;
  readonly #management: ResolvedConnectionManagement;
  readonly #routes = new Map<string, Route>();
  readonly #listeners = new Set<Deno.Listener>();
  readonly #connections = new Set<Http2Connection>();
  readonly #accepting = new Set<Promise<void>>();
  #shuttingDown = false;

  /**
   * Creates a server with no services; `add()` them, then `listen()`.
   *
   * @param options interceptors, limits, compression and HTTP/2 settings
   */
  constructor(options: ServerOptions = {}) {
    this.#options = options;
    this.#callOptions = {
      maxReceiveMessageSize: options.maxReceiveMessageSize ??
        DEFAULT_MAX_MESSAGE_SIZE,
      maxSendMessageSize: options.maxSendMessageSize ?? 0x7fffffff,
      compressions: options.compressions ?? new CompressionRegistry(),
      encoder: new MessageEncoder(),
    };
    this.#management = resolveConnectionManagement(
      options.keepalive,
      options.keepaliveEnforcement,
    );
  }

  /**
   * Registers a service. Methods left out of `impl` answer UNIMPLEMENTED.
   *
   * @param service the generated service descriptor
   * @param impl handlers by method `localName`
   * @returns this server
   */
  add<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): this {
    const handlers = impl as Record<string, AnyHandler | undefined>;
    // Routes change: a remembered parse may name a replaced one.
    this.#lastFields = undefined;
    this.#lastParsed = undefined;
    for (const method of service.methods) {
      const handler = handlers[method.localName];
      if (typeof handler !== "function") continue;
      let invoke = terminal(method, handler.bind(impl));
      for (
        const interceptor of [...(this.#options.interceptors ?? [])].reverse()
      ) {
        const next = invoke;
        invoke = interceptor(async (request) => await next(request));
      }
      this.#routes.set(`/${service.typeName}/${method.name}`, {
        method,
        invoke,
      });
    }
    return this;
  }

  /**
   * Starts listening. May be called several times (several addresses).
   *
   * @param options TCP host/port (port 0 picks one), TLS cert/key, or a unix path
   * @returns the bound address
   */
  async listen(options: ListenOptions): Promise<Deno.Addr> {
    let listener: Deno.Listener;
    if ("transport" in options) {
      listener = Deno.listen({ transport: "unix", path: options.path });
    } else if ("cert" in options) {
      listener = Deno.listenTls({
        hostname: options.hostname ?? "0.0.0.0",
        port: options.port,
        cert: options.cert,
        key: options.key,
        alpnProtocols: ["h2"],
      });
    } else {
      listener = Deno.listen({
        hostname: options.hostname ?? "0.0.0.0",
        port: options.port,
      });
    }
    this.#listeners.add(listener);
    // acceptHttp2 makes each connection from the options just made for its
    // socket, in the same turn: the manager made there is that connection's.
    let manager: ConnectionManager | undefined;
    const accepting = acceptHttp2(
      listener,
      (socket) => {
        const peer = addrText(socket.remoteAddr);
        manager = new ConnectionManager(this.#management);
        return {
          ...this.#options.http2,
          onPing: manager.onPing,
          onStream: (stream, fields, endStream) =>
            this.#onStream(stream, fields, endStream, peer),
        };
      },
      (conn) => this.#track(conn, manager!),
    ).finally(() => this.#accepting.delete(accepting));
    this.#accepting.add(accepting);
    return await Promise.resolve(listener.addr);
  }

  /**
   * Serves one already-accepted connection (custom transports, tests).
   *
   * @param conn the connection
   * @returns resolves once the connection closed
   */
  serveConnection(conn: Deno.Conn): Promise<void> {
    const peer = addrText(conn.remoteAddr);
    const manager = new ConnectionManager(this.#management);
    const h2 = new Http2Connection(conn, {
      ...this.#options.http2,
      role: "server",
      onPing: manager.onPing,
      onStream: (stream, fields, endStream) =>
        this.#onStream(stream, fields, endStream, peer),
    });
    this.#track(h2, manager);
    return h2.closed.then(() => {});
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  #track(conn: Http2Connection, manager: ConnectionManager): void {
    if (this.#shuttingDown) {
      void conn.close();
      return;
    }
    manager.attach(conn);
    this.#connections.add(conn);
    conn.closed.then(() => this.#connections.delete(conn));
  }

  // The last request header parsed: the HPACK decoder returns the very same
  // list when a client repeats its header block (every call of a method
  // without metadata or deadline), so a repeat skips the parsing.
  #lastFields: HeaderField[] | undefined;
  #lastParsed: ParsedRequest | undefined;

  #onStream(
    stream: Http2Stream,
    fields: HeaderField[],
    endStream: boolean,
    peer: string,
  ): StreamHandler {
    let parsed = fields === this.#lastFields ? this.#lastParsed : undefined;
    if (parsed === undefined) {
      parsed = this.#parseRequest(stream, fields);
      if (parsed === undefined) return IGNORE;
      this.#lastFields = fields;
      this.#lastParsed = parsed;
    }
    const timeoutMs = parsed.timeoutMs;
    const start: CallStart = {
      method: parsed.route.method,
      invoke: parsed.route.invoke,
      fields: parsed.userFields,
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      requestEncoding: parsed.requestEncoding,
      acceptEncoding: parsed.acceptEncoding,
      peer,
    };
    const call = new ServerCall(stream, start, this.#callOptions);
    if (endStream) queueMicrotask(() => call.onRequestEnd());
    return call;
  }

  /** Reads a request header; answers and returns undefined if unusable. */
  #parseRequest(
    stream: Http2Stream,
    fields: HeaderField[],
  ): ParsedRequest | undefined {
    let path = "";
    let method = "";
    let contentType: string | undefined;
    let timeout: string | undefined;
    let encoding: string | undefined;
    let acceptEncoding: string | undefined;
    const userFields: HeaderField[] = [];
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i][0];
      const value = fields[i][1];
      switch (name) {
        case ":path":
          path = value;
          break;
        case ":method":
          method = value;
          break;
        case "content-type":
          contentType = value;
          break;
        case "grpc-timeout":
          timeout = value;
          break;
        case "grpc-encoding":
          encoding = value;
          break;
        case "grpc-accept-encoding":
          acceptEncoding = value;
          break;
        case "te":
          break;
        default:
          // Only what may become metadata is kept for the call's lifetime.
          if (name.charCodeAt(0) !== 0x3a /* : */) {
            userFields.push([name, value]);
          }
      }
    }
    if (!isGrpcContentType(contentType)) {
      // PROTOCOL-HTTP2.md: not gRPC at all, answer 415.
      sendTrailersOnly(
        stream,
        new GrpcError(
          Code.INTERNAL,
          `invalid gRPC request content-type "${contentType ?? ""}"`,
        ),
        [],
        415,
      );
      return undefined;
    }
    if (method !== "POST") {
      sendTrailersOnly(
        stream,
        new GrpcError(Code.INTERNAL, `method ${method} not allowed`),
        [],
        405,
      );
      return undefined;
    }
    const route = this.#routes.get(path);
    if (!route) {
      sendTrailersOnly(
        stream,
        new GrpcError(Code.UNIMPLEMENTED, `unknown method ${path}`),
      );
      return undefined;
    }
    let requestEncoding;
    if (encoding !== undefined && encoding !== "identity") {
      requestEncoding = this.#callOptions.compressions.get(encoding);
      if (!requestEncoding) {
        sendTrailersOnly(
          stream,
          new GrpcError(
            Code.UNIMPLEMENTED,
            `unsupported grpc-encoding "${encoding}"`,
          ),
          [[
            "grpc-accept-encoding",
            this.#callOptions.compressions.acceptEncoding,
          ]],
        );
        return undefined;
      }
    }
    const timeoutMs = parseTimeout(timeout);
    if (timeout !== undefined && timeoutMs === undefined) {
      // grpc-go answers a malformed grpc-timeout with INTERNAL.
      sendTrailersOnly(
        stream,
        new GrpcError(Code.INTERNAL, `malformed grpc-timeout "${timeout}"`),
      );
      return undefined;
    }
    return { route, userFields, timeoutMs, requestEncoding, acceptEncoding };
  }

  /**
   * Graceful shutdown: stops listening, sends GOAWAY on every connection and
   * waits for open calls to finish (or `graceMs`, then forces).
   *
   * @param graceMs how long calls may take to finish (default: no limit)
   */
  async shutdown(graceMs?: number): Promise<void> {
    this.#stopListening();
    const closing = Promise.all([...this.#connections].map((c) => c.close()));
    if (graceMs === undefined) await closing;
    else {
      // Past the grace period, what is still open is closed by force.
      await withTimeout(closing, graceMs).catch(() => {});
      this.forceShutdown();
    }
    await Promise.all([...this.#accepting]);
  }

  /** Stops accepting: closes every listener; no new connection is kept. */
  #stopListening(): void {
    this.#shuttingDown = true;
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    }
    this.#listeners.clear();
  }

  /** Closes every listener and connection now; open calls fail. */
  forceShutdown(): void {
    this.#stopListening();
    for (const conn of this.#connections) conn.destroy();
    this.#connections.clear();
  }

  /** Graceful shutdown (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

const IGNORE: StreamHandler = { onHeaders() {}, onData() {}, onClose() {} };

/** Calls the handler; synchronous answers stay synchronous (no extra turn). */
function terminal(
  method: DescMethod,
  handler: AnyHandler,
): (request: ServerRequest) => ServerResponse | Promise<ServerResponse> {
  const streamingResponse = method.methodKind === "server_streaming" ||
    method.methodKind === "bidi_streaming";
  return (request) => {
    const input = request.stream ? request.messages : request.message;
    const result = handler(input, request.context);
    if (streamingResponse) {
      return {
        stream: true,
        messages: result as AsyncIterable<MessageInitShape<DescMessage>>,
      };
    }
    if (result instanceof Promise) {
      return result.then((message) => ({ stream: false, message }));
    }
    return {
      stream: false,
      message: result as MessageInitShape<DescMessage>,
    };
  };
}

function addrText(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return "path" in addr ? String(addr.path) : "";
}
