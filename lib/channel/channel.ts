/**
 * A channel: a virtual connection to a target that hands each call a ready
 * HTTP/2 connection. This first implementation keeps one connection to the
 * first address of the target and reconnects on demand; resolver and
 * balancer registries plug in behind the same {@linkcode Channel} interface.
 *
 * @module
 */

import type {
  Http2Connection,
  Http2ConnectionOptions,
} from "../http2/connection.ts";
import { connectHttp2, type ConnectTarget } from "../http2/connect.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { parseTarget, splitHostPort } from "./target.ts";
import { withTimeout } from "../util/abort.ts";

/** What a client needs from a channel. */
export interface Channel extends AsyncDisposable {
  /** The target the channel was made for. */
  readonly target: string;
  /** The `:authority` of calls. */
  readonly authority: string;
  /** The `:scheme` of calls: "http" or "https". */
  readonly scheme: "http" | "https";
  /**
   * A connection able to take a new stream now. Must not be called after
   * `close()`.
   *
   * @param signal abandons the wait
   * @returns the connection; rejects with a `GrpcError` UNAVAILABLE
   */
  getConnection(signal?: AbortSignal): Promise<Http2Connection>;
  /**
   * A connection able to take a new stream now, without waiting, if there
   * is one (calls then start in the same turn); else undefined, and callers
   * use {@linkcode Channel.getConnection}.
   */
  readyConnection?(): Http2Connection | undefined;
  /** Closes every connection gracefully. */
  close(): Promise<void>;
}

/** TLS settings of a channel. */
export interface ChannelTlsOptions {
  /** PEM CA certificates to trust besides the system roots. */
  caCerts?: string[];
  /** Name for SNI and certificate checks (default: the target's host). */
  serverName?: string;
}

/** Options of {@linkcode createChannel}. */
export interface ChannelOptions {
  /** Use TLS with ALPN h2 (default false: plaintext HTTP/2, "h2c"). */
  tls?: boolean | ChannelTlsOptions;
  /** Overrides the `:authority` (default: the target's host:port). */
  authority?: string;
  /** HTTP/2 limits and windows for the channel's connections. */
  http2?: Omit<Http2ConnectionOptions, "role" | "onStream">;
  /** Connection attempt timeout in ms (default 20,000, gRPC's minimum). */
  connectTimeoutMs?: number;
}

/**
 * Creates a channel to `target` (`host:port`, `dns:host:port`,
 * `ipv4:1.2.3.4:5`, `unix:/path`...). Connects lazily, on the first call.
 *
 * @example A channel for a client
 * ```ts ignore
 * import { createChannel } from "./channel.ts";
 * await using channel = createChannel("127.0.0.1:50051");
 * ```
 *
 * @param target where to connect
 * @param options TLS, authority and HTTP/2 options
 * @returns the channel
 */
export function createChannel(
  target: string,
  options: ChannelOptions = {},
): Channel {
  return new DirectChannel(target, options);
}

class DirectChannel implements Channel {
  readonly target: string;
  readonly authority: string;
  readonly scheme: "http" | "https";
  readonly #options: ChannelOptions;
  readonly #address: ConnectTarget;
  #current: Http2Connection | undefined;
  #connecting: Promise<Http2Connection> | undefined;
  readonly #all = new Set<Http2Connection>();
  #closed = false;

  constructor(target: string, options: ChannelOptions) {
    this.target = target;
    this.#options = options;
    this.scheme = options.tls ? "https" : "http";
    const parsed = parseTarget(target);
    const defaultPort = options.tls ? 443 : 80;
    if (parsed.scheme === "unix") {
      this.#address = { transport: "unix", path: parsed.endpoint };
      this.authority = options.authority ?? "localhost";
    } else {
      const first = parsed.endpoint.split(",")[0];
      const { hostname, port } = splitHostPort(first, defaultPort);
      const tls = typeof options.tls === "object" ? options.tls : {};
      this.#address = options.tls
        ? { transport: "tls", hostname, port, ...tls }
        : { transport: "tcp", hostname, port };
      this.authority = options.authority ??
        (hostname.includes(":")
          ? `[${hostname}]:${port}`
          : `${hostname}:${port}`);
    }
  }

  readyConnection(): Http2Connection | undefined {
    const current = this.#current;
    return !this.#closed && current && current.isAvailable
      ? current
      : undefined;
  }

  getConnection(signal?: AbortSignal): Promise<Http2Connection> {
    if (this.#closed) {
      return Promise.reject(new GrpcError(Code.UNAVAILABLE, "channel closed"));
    }
    const ready = this.readyConnection();
    if (ready) return Promise.resolve(ready);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    if (!signal) return this.#connecting;
    return Promise.race([
      this.#connecting,
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), {
          once: true,
        });
      }),
    ]);
  }

  async #connect(): Promise<Http2Connection> {
    let conn: Http2Connection;
    const timeoutMs = this.#options.connectTimeoutMs ?? 20_000;
    try {
      conn = await withTimeout(
        connectHttp2(this.#address, this.#options.http2),
        timeoutMs,
        `connect timed out after ${timeoutMs} ms`,
      );
      await conn.ready;
    } catch (error) {
      throw new GrpcError(
        Code.UNAVAILABLE,
        `failed to connect to ${this.target}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    if (this.#closed) {
      conn.destroy();
      throw new GrpcError(Code.UNAVAILABLE, "channel closed");
    }
    this.#current = conn;
    this.#all.add(conn);
    conn.closed.then(() => {
      this.#all.delete(conn);
      if (this.#current === conn) this.#current = undefined;
    });
    return conn;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#all].map((c) => c.close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
