/**
 * A TCP forwarder on 127.0.0.1 for keepalive tests: what a network path or
 * an L4 load balancer does to a connection, on demand. It counts the bytes
 * each way; `pause()` makes it a black hole (bytes are read and dropped, the
 * sockets stay open: a hung peer, or a path that lost its packets); an
 * `idleTimeoutMs` makes it close both sockets of a connection silent that
 * long (an AWS ELB's idle timeout, scaled down).
 *
 * @module
 */

import { WAIT_MS, within } from "../_bounded.ts";

/** Options of {@linkcode startForwarder}. */
export interface ForwarderOptions {
  /** Close a connection after this long without a byte either way. Default: never. */
  idleTimeoutMs?: number;
}

/** A running forwarder. */
export interface TcpForwarder extends AsyncDisposable {
  /** The port clients connect to. */
  readonly port: number;
  /** Bytes forwarded (or dropped) towards the server, and towards the client. */
  readonly bytes: { toServer: number; toClient: number };
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections closed by the idle timeout so far. */
  readonly idleClosed: number;
  /** Drop every byte from now on, keeping the sockets open. */
  pause(): void;
  /** Forward again. */
  resume(): void;
  /** Closes the listener and every connection, and waits for the pumps. */
  close(): Promise<void>;
}

/**
 * Forwards connections on a new port to `targetPort` on 127.0.0.1.
 *
 * @param targetPort the server's port
 * @param options idle timeout
 * @returns the forwarder
 */
export function startForwarder(
  targetPort: number,
  options: ForwarderOptions = {},
): TcpForwarder {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sockets = new Set<Deno.Conn>();
  const pumps = new Set<Promise<void>>();
  let paused = false;
  let accepted = 0;
  let idleClosed = 0;
  const bytes = { toServer: 0, toClient: 0 };

  const closeQuietly = (c: Deno.Conn) => {
    sockets.delete(c);
    try {
      c.close();
    } catch {
      // Already closed.
    }
  };

  const serve = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
    } catch {
      closeQuietly(client);
      return;
    }
    sockets.add(server);
    let lastActivity = Date.now();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const end = () => {
      clearTimeout(idleTimer);
      closeQuietly(client);
      closeQuietly(server);
    };
    if (options.idleTimeoutMs !== undefined) {
      const ms = options.idleTimeoutMs;
      const check = () => {
        const idle = Date.now() - lastActivity;
        if (idle >= ms) {
          idleClosed++;
          end();
        } else idleTimer = setTimeout(check, ms - idle);
      };
      idleTimer = setTimeout(check, ms);
    }
    const pump = async (
      from: Deno.Conn,
      to: Deno.Conn,
      count: "toServer" | "toClient",
    ) => {
      const buf = new Uint8Array(64 << 10);
      try {
        for (;;) {
          const n = await from.read(buf);
          if (n === null) break;
          bytes[count] += n;
          if (paused) continue; // a black hole: read and dropped
          lastActivity = Date.now();
          let off = 0;
          while (off < n) off += await to.write(buf.subarray(off, n));
        }
      } catch {
        // A socket closed.
      }
      end();
    };
    await Promise.all([
      pump(client, server, "toServer"),
      pump(server, client, "toClient"),
    ]);
  };

  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return; // the listener closed
      }
      accepted++;
      sockets.add(client);
      const p = serve(client).finally(() => pumps.delete(p));
      pumps.add(p);
    }
  })();

  const close = async () => {
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    for (const s of [...sockets]) closeQuietly(s);
    await within(accepting, WAIT_MS, "the forwarder's accept loop");
    await within(Promise.all([...pumps]), WAIT_MS, "the forwarder's pumps");
  };

  return {
    port: listener.addr.port,
    bytes,
    get accepted() {
      return accepted;
    },
    get idleClosed() {
      return idleClosed;
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
