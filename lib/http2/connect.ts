/**
 * Opening HTTP/2 connections over TCP, TLS (ALPN `h2`) or unix sockets.
 *
 * TLS connects TCP to the address first and then runs the handshake with
 * the server name (`Deno.connect` + `Deno.startTls`), so a certificate may
 * name something else than the address dialled (a load balancer's name, a
 * test certificate's `*.test.google.fr`). `Deno.startTls` cannot present a
 * client certificate, so with `cert` and `key` the connection is made by
 * `Deno.connectTls` instead, which dials the address and verifies the server
 * name given through its `Symbol.for("unstableServerName")` option (read by
 * Deno 2.9's implementation, absent from its public types). Should a later
 * Deno drop it, the certificate is checked against the address and the
 * handshake fails: it never checks less.
 *
 * @module
 */

import { Http2Connection, type Http2ConnectionOptions } from "./connection.ts";

/** TLS settings of a client connection. */
export interface TlsConnectOptions {
  /** PEM CA certificates to trust besides the system roots. */
  caCerts?: string[];
  /**
   * Server name for SNI and certificate checks (default `hostname`). The
   * connection still goes to `hostname`.
   */
  serverName?: string;
  /** PEM client certificate chain for mutual TLS (with `key`). */
  cert?: string;
  /** PEM private key of `cert`. */
  key?: string;
  /**
   * Whether the peer must select ALPN `h2` (default true). False also
   * accepts a peer that selects no protocol at all (a TLS-terminating load
   * balancer that speaks HTTP/2 but negotiates no ALPN); a peer that selects
   * another protocol is refused either way.
   */
  enforceAlpn?: boolean;
}

/** Where and how to connect. */
export type ConnectTarget =
  | { transport?: "tcp"; hostname: string; port: number }
  | ({ transport: "tls"; hostname: string; port: number } & TlsConnectOptions)
  | { transport: "unix"; path: string };

/**
 * The TLS peer did not select ALPN `h2`: it does not speak HTTP/2 over TLS
 * (or does not say so). `protocol` is what it selected, null for nothing.
 *
 * @example Tell it from other connect failures
 * ```ts ignore
 * try {
 *   await connectHttp2({ transport: "tls", hostname: "lb.example", port: 443 });
 * } catch (error) {
 *   if (error instanceof AlpnError) console.log(error.protocol); // null
 * }
 * ```
 */
export class AlpnError extends Error {
  /** The error's name, "AlpnError". */
  override name = "AlpnError";
  /** The protocol the peer selected; null when it selected none. */
  readonly protocol: string | null;

  /**
   * Creates the error, its message naming the cause and the fix.
   *
   * @param protocol what the peer selected (null: nothing)
   */
  constructor(protocol: string | null) {
    super(
      protocol === null
        ? "TLS peer negotiated no ALPN protocol (h2 expected): the server " +
          "or a TLS-terminating load balancer (e.g. an AWS ELB SSL listener) " +
          "does not speak HTTP/2 over TLS; use a TCP listener or an " +
          "ALPN-capable one, or set tls.enforceAlpn: false if it does speak " +
          "HTTP/2"
        : `TLS peer negotiated ALPN protocol "${protocol}" instead of h2: ` +
          "the server or a TLS-terminating load balancer (e.g. an HTTPS " +
          "listener) does not speak HTTP/2 over TLS; use a TCP listener or " +
          "one that offers h2",
    );
    this.protocol = protocol;
  }
}

/** Deno.connectTls's option for a server name other than `hostname`. */
const SERVER_NAME: unique symbol = Symbol.for("unstableServerName");

/** The ALPN list offered: HTTP/2 over TLS only (RFC 9113 §3.2). */
const ALPN = ["h2"];

/**
 * Connects and starts an HTTP/2 client connection (the preface is sent at
 * once; `ready` resolves on the server's SETTINGS).
 *
 * @example Plain TCP
 * ```ts ignore
 * import { connectHttp2 } from "./connect.ts";
 * const conn = await connectHttp2({ hostname: "127.0.0.1", port: 8080 });
 * await conn.ready;
 * ```
 *
 * @example TLS to an address, checking the certificate for another name
 * ```ts ignore
 * const conn = await connectHttp2({
 *   transport: "tls",
 *   hostname: "10.0.0.7",
 *   port: 443,
 *   serverName: "api.example.com",
 * });
 * ```
 *
 * @param target address and transport
 * @param options connection options (role is set to "client")
 * @param signal abandons the attempt: a TCP connect or TLS handshake under
 * way is closed and the promise rejects with the signal's reason
 * @returns the connection
 * @throws {AlpnError} when a TLS peer does not select `h2`
 */
export async function connectHttp2(
  target: ConnectTarget,
  options: Omit<Http2ConnectionOptions, "role"> = {},
  signal?: AbortSignal,
): Promise<Http2Connection> {
  let conn: Deno.Conn;
  if (target.transport === "unix") {
    conn = await Deno.connect({ transport: "unix", path: target.path });
  } else if (target.transport === "tls") {
    conn = await connectTls(target, signal);
  } else {
    const tcp = await Deno.connect({
      hostname: target.hostname,
      port: target.port,
      signal,
    });
    tcp.setNoDelay(true);
    conn = tcp;
  }
  return new Http2Connection(conn, { ...options, role: "client" });
}

/** TCP to the address, then TLS with the server name; checks ALPN. */
async function connectTls(
  target: { hostname: string; port: number } & TlsConnectOptions,
  signal: AbortSignal | undefined,
): Promise<Deno.TlsConn> {
  const serverName = target.serverName ?? target.hostname;
  let tls: Deno.TlsConn;
  if (target.cert !== undefined || target.key !== undefined) {
    if (target.cert === undefined || target.key === undefined) {
      throw new TypeError("a TLS client certificate needs both cert and key");
    }
    const options:
      & Deno.ConnectTlsOptions
      & Deno.TlsCertifiedKeyPem
      & { [SERVER_NAME]?: string } = {
        hostname: target.hostname,
        port: target.port,
        caCerts: target.caCerts,
        alpnProtocols: ALPN,
        cert: target.cert,
        key: target.key,
      };
    if (serverName !== target.hostname) options[SERVER_NAME] = serverName;
    signal?.throwIfAborted();
    tls = await Deno.connectTls(options);
  } else {
    const tcp = await Deno.connect({
      hostname: target.hostname,
      port: target.port,
      signal,
    });
    // Set on the TCP socket before TLS takes it: a TlsConn has no setter.
    tcp.setNoDelay(true);
    tls = await Deno.startTls(tcp, {
      hostname: serverName,
      caCerts: target.caCerts,
      alpnProtocols: ALPN,
    });
  }
  // Closing the socket is what ends a handshake the peer never answers.
  const abort = () => tls.close();
  let protocol: string | null;
  try {
    if (signal?.aborted) throw signal.reason;
    signal?.addEventListener("abort", abort, { once: true });
    protocol = (await tls.handshake()).alpnProtocol;
    signal?.throwIfAborted();
  } catch (error) {
    closeQuietly(tls);
    if (signal?.aborted) throw signal.reason;
    throw new Error(
      `TLS handshake with ${serverName} failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  } finally {
    signal?.removeEventListener("abort", abort);
  }
  if (
    protocol !== "h2" && (protocol !== null || target.enforceAlpn !== false)
  ) {
    closeQuietly(tls);
    throw new AlpnError(protocol);
  }
  return tls;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed (by the abort).
  }
}
