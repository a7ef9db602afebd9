/**
 * A stand-in for an L4 load balancer's idle timeout (an AWS Classic ELB in
 * TCP mode closes connections silent for 60 s, an NLB 350 s, GCP's TCP
 * proxies 10 min): it forwards TCP connections on 127.0.0.1 to a backend
 * and closes both sides of one that carried no byte, either way, for
 * `idleTimeoutMs`. The example scales the timeout down to seconds.
 *
 * @module
 */

/** A running proxy. */
export interface IdleTimeoutProxy extends AsyncDisposable {
  /** The port clients connect to, on 127.0.0.1. */
  readonly port: number;
  /** Connections it closed for being idle, so far. */
  readonly idleClosed: number;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

/**
 * Forwards connections from a free port of 127.0.0.1 to
 * `127.0.0.1:targetPort`, closing those idle for `idleTimeoutMs`.
 *
 * @example An ELB-like idle timeout of 2 s in front of a server
 * ```ts ignore
 * await using lb = startIdleTimeoutProxy(server.port, 2000);
 * const channel = createChannel(`127.0.0.1:${lb.port}`, { keepalive: { timeMs: 1000 } });
 * ```
 *
 * @param targetPort the backend's port on 127.0.0.1
 * @param idleTimeoutMs how long a connection may stay silent
 * @returns the running proxy
 */
export function startIdleTimeoutProxy(
  targetPort: number,
  idleTimeoutMs: number,
): IdleTimeoutProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<() => void>();
  const tasks = new Set<Promise<void>>();
  let idleClosed = 0;

  const serve = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
    } catch {
      client.close();
      return;
    }
    let lastByte = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      open.delete(end);
      for (const conn of [client, server]) {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      }
    };
    open.add(end);
    const check = () => {
      const silent = Date.now() - lastByte;
      if (silent < idleTimeoutMs) {
        timer = setTimeout(check, idleTimeoutMs - silent);
        return;
      }
      idleClosed++;
      end();
    };
    timer = setTimeout(check, idleTimeoutMs);
    const pump = async (from: Deno.Conn, to: Deno.Conn) => {
      const buffer = new Uint8Array(16 << 10);
      try {
        for (;;) {
          const n = await from.read(buffer);
          if (n === null) break;
          lastByte = Date.now();
          for (let off = 0; off < n;) {
            off += await to.write(buffer.subarray(off, n));
          }
        }
      } catch {
        // A side closed.
      }
      end();
    };
    await Promise.all([pump(client, server), pump(server, client)]);
  };

  const accepting = (async () => {
    for await (const client of listener) {
      const task = serve(client).finally(() => tasks.delete(task));
      tasks.add(task);
    }
  })().catch(() => {/* the listener closed */});

  const close = async () => {
    try {
      listener.close();
    } catch {
      // Closed already.
    }
    for (const end of [...open]) end();
    await accepting;
    await Promise.all([...tasks]);
  };
  return {
    port: listener.addr.port,
    get idleClosed() {
      return idleClosed;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
