/**
 * Options of a `Server` and of `listen()`.
 *
 * @module
 */

import type { CompressionRegistry } from "../grpc/compression.ts";
import type { ServerInterceptor } from "./interceptor.ts";
import type { ServerKeepaliveOptions } from "./connection_manager.ts";
import type { KeepaliveEnforcementOptions } from "./keepalive_enforcement.ts";

/** Options of a `Server`. */
export interface ServerOptions {
  /** Interceptors, outermost first. Default none. */
  interceptors?: ServerInterceptor[];
  /** Largest request message accepted. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** Largest response message sent. Default 2^31−1. */
  maxSendMessageSize?: number;
  /** Algorithms accepted and offered. Default gzip, deflate. */
  compressions?: CompressionRegistry;
  /** HTTP/2 limits and windows of accepted connections. */
  http2?: ServerHttp2Options;
  /**
   * The server's keepalive PINGs (every 2 hours of silence by default, to
   * find dead clients) and connection limits (max idle, max age and its
   * grace; none by default), gRFC A9.
   */
  keepalive?: ServerKeepaliveOptions;
  /**
   * What clients' keepalive PINGs may do (gRFC A8): default one PING per
   * 5 minutes, none without calls (then 2 hours); a client pinging more
   * often gets GOAWAY ENHANCE_YOUR_CALM `too_many_pings`.
   */
  keepaliveEnforcement?: KeepaliveEnforcementOptions;
}

/** HTTP/2 settings of a server's connections (each has a safe default). */
export interface ServerHttp2Options {
  /** Largest frame payload accepted. Default 16,384 (the protocol default). */
  maxFrameSize?: number;
  /** Streams a client may open at once. Default 16,384. */
  maxConcurrentStreams?: number;
  /** Receive window per stream. Default 4 MiB. */
  initialWindowSize?: number;
  /** Receive window of a whole connection. Default 16 MiB. */
  connectionWindowSize?: number;
  /** Largest decoded header list accepted. Default 64 KiB. */
  maxHeaderListSize?: number;
  /** HPACK table size the client may use. Default 4,096. */
  headerTableSize?: number;
  /** How long a client has to acknowledge our SETTINGS. Default 10,000 ms. */
  settingsTimeoutMs?: number;
  /**
   * Client resets of unanswered streams tolerated per second before GOAWAY
   * ENHANCE_YOUR_CALM (Rapid Reset, CVE-2023-44487). Default 1,000.
   */
  maxResetsPerSecond?: number;
}

/**
 * Where to listen: TCP (`h2c`), TLS (with `cert` and `key`), or a unix
 * socket.
 *
 * TLS offers ALPN `h2` only: a client offering no ALPN still gets HTTP/2,
 * one offering only `http/1.1` fails its handshake (`no_application_protocol`
 * alert) and is closed. Client certificates (mutual TLS) cannot be
 * requested or verified: Deno 2.9's `Deno.listenTls` has no option for it
 * (no `requireClientCert`/`caCerts`, and no API to read the peer's
 * certificate), so authenticate clients by a TLS-terminating proxy in front,
 * or by call metadata (tokens).
 *
 * @example TLS
 * ```ts ignore
 * await server.listen({
 *   port: 50051,
 *   cert: await Deno.readTextFile("server.pem"),
 *   key: await Deno.readTextFile("server.key"),
 * });
 * ```
 */
export type ListenOptions =
  | { hostname?: string; port: number }
  | {
    hostname?: string;
    port: number;
    /** PEM certificate chain. */
    cert: string;
    /** PEM private key. */
    key: string;
  }
  | { transport: "unix"; path: string };
