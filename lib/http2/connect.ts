/**
 * Opening HTTP/2 connections over TCP, TLS (ALPN `h2`) or unix sockets.
 *
 * @module
 */

import { Http2Connection, type Http2ConnectionOptions } from "./connection.ts";

/** Where and how to connect. */
export type ConnectTarget =
  | { transport?: "tcp"; hostname: string; port: number }
  | {
    transport: "tls";
    hostname: string;
    port: number;
    /** PEM CA certificates to trust besides the system roots. */
    caCerts?: string[];
    /** Server name for SNI and certificate checks (default `hostname`). */
    serverName?: string;
  }
  | { transport: "unix"; path: string };

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
 * @param target address and transport
 * @param options connection options (role is set to "client")
 * @returns the connection
 */
export async function connectHttp2(
  target: ConnectTarget,
  options: Omit<Http2ConnectionOptions, "role"> = {},
): Promise<Http2Connection> {
  let conn: Deno.Conn;
  if (target.transport === "unix") {
    conn = await Deno.connect({ transport: "unix", path: target.path });
  } else if (target.transport === "tls") {
    const tls = await Deno.connectTls({
      hostname: target.serverName ?? target.hostname,
      port: target.port,
      caCerts: target.caCerts,
      alpnProtocols: ["h2"],
    });
    const handshake = await tls.handshake();
    if (handshake.alpnProtocol !== "h2") {
      tls.close();
      throw new Error(
        `TLS peer did not negotiate h2 (ALPN: ${handshake.alpnProtocol})`,
      );
    }
    conn = tls;
  } else {
    const tcp = await Deno.connect({
      hostname: target.hostname,
      port: target.port,
    });
    tcp.setNoDelay(true);
    conn = tcp;
  }
  return new Http2Connection(conn, { ...options, role: "client" });
}
