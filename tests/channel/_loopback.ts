/**
 * Loopback helpers of the end-to-end channel tests: in-process Greeter
 * servers that answer with their id (and say which connection a call came
 * on), ports with nothing listening, `ipv4:` targets, counts per id.
 *
 * @module
 */

import { type createClient, Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** A server's host and port. */
export interface HostPort {
  /** The loopback address. */
  readonly host: string;
  /** The port. */
  readonly port: number;
}

/** An in-process Greeter server. */
export interface GreeterServer extends HostPort {
  /** What it answers SayHello with. */
  readonly id: string;
  /** The server (for `shutdown()`, `forceShutdown()`, `connections`). */
  readonly server: Server;
  /** The peers (client host:port, one per connection) calls came from. */
  readonly peers: string[];
}

/**
 * Starts a Greeter server on `host` that answers every SayHello with `id`;
 * a name `sleep:<ms>` makes it wait that long first.
 *
 * @param host the loopback address
 * @param port the port (default 0: any)
 * @param id the answer (default `host`)
 * @returns the running server
 */
export async function startGreeter(
  host: string,
  port = 0,
  id = host,
): Promise<GreeterServer> {
  const peers: string[] = [];
  const server = new Server().add(Greeter, {
    sayHello: async (req, ctx) => {
      peers.push(ctx.peer);
      if (req.name.startsWith("sleep:")) {
        const ms = Number(req.name.slice("sleep:".length));
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
      return { message: id };
    },
  });
  const addr = await within(
    server.listen({ hostname: host, port }),
    WAIT_MS,
    `listen on ${host}:${port}`,
  ) as Deno.NetAddr;
  return { host, port: addr.port, id, server, peers };
}

/**
 * A port on `host` with nothing listening (bound, then closed): connecting
 * to it is refused.
 *
 * @param host the loopback address
 * @returns the port
 */
export function closedPort(host: string): number {
  const listener = Deno.listen({ hostname: host, port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The loopback hosts 127.0.0.1 … 127.0.0.n (each a host of its own). */
export function loopbackHosts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}`);
}

/** An `ipv4:` target over servers. */
export function ipv4Target(servers: readonly HostPort[]): string {
  return `ipv4:${servers.map((s) => `${s.host}:${s.port}`).join(",")}`;
}

/** Counts per id. */
export function tally(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** A Greeter client. */
export type Client = ReturnType<typeof createClient<typeof Greeter>>;

/** `n` waitForReady calls at once; the ids that answered. */
export async function calls(client: Client, n: number, what: string) {
  const replies = await within(
    Promise.all(
      Array.from(
        { length: n },
        () =>
          client.sayHello({ name: "" }, {
            waitForReady: true,
            timeoutMs: WAIT_MS,
          }),
      ),
    ),
    WAIT_MS,
    what,
  );
  return replies.map((r) => r.message);
}

/** Calls until every id of `ids` answered (bounded). */
export async function untilReached(
  client: Client,
  ids: string[],
  what: string,
) {
  const seen = new Set<string>();
  await within(
    (async () => {
      while (ids.some((id) => !seen.has(id))) {
        for (const id of await calls(client, 4, what)) seen.add(id);
      }
    })(),
    WAIT_MS,
    what,
  );
}

/** Shuts the servers down gracefully (bounded). */
export async function shutdownAll(
  servers: readonly (GreeterServer | undefined)[],
) {
  await within(
    Promise.all(servers.map((s) => s?.server.shutdown())),
    WAIT_MS,
    "servers' shutdown",
  );
}
