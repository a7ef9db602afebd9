/**
 * The RouteGuide server of the keepalive end-to-end tests (client side in
 * tests/channel/, server side in tests/server/): long-lived streams that
 * stay silent, calls that say which connection they came on, and a record
 * of the handlers whose `signal` fired.
 *
 * @module
 */

import { Server, type ServerOptions } from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** A running keepalive test server. */
export interface KeepaliveServer extends AsyncDisposable {
  /** The server. */
  readonly server: Server;
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** The client address (one per connection) of each getFeature call. */
  readonly peers: string[];
  /** Why each cancelled handler's `signal` fired, in order. */
  readonly aborted: unknown[];
  /** Handlers running now. */
  readonly running: number;
}

/**
 * Starts a RouteGuide server on 127.0.0.1:
 * - `getFeature({ latitude: ms })` answers after `ms` (0: at once), with
 *   the client's address as the feature's name;
 * - `listFeatures({ hi: { latitude: n } })` sends n features, then stays
 *   silent until the call is cancelled;
 * - `routeChat` echoes each note.
 *
 * @param options the server's options (keepalive, enforcement)
 * @returns the running server
 */
export async function startKeepaliveServer(
  options: ServerOptions = {},
): Promise<KeepaliveServer> {
  const peers: string[] = [];
  const aborted: unknown[] = [];
  let running = 0;
  const tracked = <T>(signal: AbortSignal, body: () => Promise<T>) => {
    running++;
    signal.addEventListener("abort", () => aborted.push(signal.reason));
    return body().finally(() => running--);
  };
  const server = new Server(options).add(RouteGuide, {
    getFeature: (point, ctx) =>
      tracked(ctx.signal, async () => {
        peers.push(ctx.peer);
        if (point.latitude > 0) {
          await new Promise((resolve) => setTimeout(resolve, point.latitude));
        }
        return { name: ctx.peer, location: point };
      }),
    async *listFeatures(rect, ctx) {
      running++;
      ctx.signal.addEventListener(
        "abort",
        () => aborted.push(ctx.signal.reason),
      );
      try {
        const n = rect.hi?.latitude ?? 0;
        for (let i = 0; i < n; i++) yield { name: `f${i}` };
        await ctx.cancelled;
      } finally {
        running--;
      }
    },
    async *routeChat(notes) {
      for await (const note of notes) yield { message: note.message };
    },
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "listen",
  ) as Deno.NetAddr;
  const close = async () => {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown()");
  };
  return {
    server,
    port: addr.port,
    peers,
    aborted,
    get running() {
      return running;
    },
    [Symbol.asyncDispose]: close,
  };
}
