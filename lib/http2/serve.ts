/**
 * Accepting HTTP/2 connections from a `Deno.Listener` (TCP, TLS with ALPN
 * `h2`, or unix socket).
 *
 * Over TLS, a client that offers no ALPN still gets HTTP/2 (RFC 9113 §3.3
 * lets a client that knows the server speak it without asking). One that
 * offers only other protocols (`http/1.1`) is refused by the TLS handshake
 * itself when the listener offers only `h2` (rustls answers the
 * `no_application_protocol` alert); with a listener offering more, a
 * connection that settled on another protocol is closed here.
 *
 * @module
 */

import { Http2Connection, type Http2ConnectionOptions } from "./connection.ts";

/**
 * Accepts connections until the listener closes, starting an HTTP/2 server
 * connection on each.
 *
 * @example Serve on a port
 * ```ts ignore
 * import { acceptHttp2 } from "./serve.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * void acceptHttp2(listener, { onStream: (s) => handler }, (c) => conns.add(c));
 * ```
 *
 * @param listener where connections come from
 * @param options connection options (role is set to "server"), or a
 * function making them for each accepted socket (to see its address)
 * @param onConnection called with each new connection
 * @returns resolves when the listener is closed
 */
export async function acceptHttp2(
  listener: Deno.Listener,
  options:
    | Omit<Http2ConnectionOptions, "role">
    | ((conn: Deno.Conn) => Omit<Http2ConnectionOptions, "role">),
  onConnection: (conn: Http2Connection) => void,
): Promise<void> {
  while (true) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (
        error instanceof Deno.errors.BadResource ||
        error instanceof Deno.errors.Interrupted
      ) return;
      // A failed accept (e.g. a TLS handshake) must not stop the server.
      continue;
    }
    if ("setNoDelay" in conn && typeof conn.setNoDelay === "function") {
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // Not a TCP socket.
      }
    }
    const base = typeof options === "function" ? options(conn) : options;
    const h2 = new Http2Connection(conn, { ...base, role: "server" });
    if ("handshake" in conn) closeUnlessH2(conn as Deno.TlsConn, h2);
    onConnection(h2);
  }
}

/**
 * Closes `h2` when its TLS handshake settles on an ALPN protocol other than
 * `h2`. A failed handshake needs nothing: the connection's reads fail and
 * close it.
 */
function closeUnlessH2(tls: Deno.TlsConn, h2: Http2Connection): void {
  tls.handshake().then((info) => {
    if (info.alpnProtocol !== null && info.alpnProtocol !== "h2") {
      h2.destroy();
    }
  }, () => {});
}
