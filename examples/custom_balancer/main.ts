/**
 * The custom policy at work: starts a Greeter server on 127.0.0.1 that
 * counts the distinct connections (`ctx.peer`) its calls arrive on, makes a
 * channel to its one address with the `n_connections` policy
 * (`n_connections.ts`) in a registry of the channel's own, makes calls, and
 * prints how many connections served them.
 *
 * ```sh
 * deno task example:custom-balancer --connections 4 --calls 100   # --help
 * ```
 *
 * @module
 */
import {
  BalancerRegistry,
  createChannel,
  createClient,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { FlagError, parseFlagsOrExit } from "../_flags.ts";
import {
  MAX_CONNECTIONS_PER_ADDRESS,
  nConnectionsBuilder,
} from "./n_connections.ts";

const USAGE =
  `Usage: deno task example:custom-balancer [--connections N] [--calls N]
       deno run --allow-net examples/custom_balancer/main.ts [--connections N] [--calls N]

Starts a helloworld.Greeter server on a free port of 127.0.0.1, makes a
channel to it with the custom "n_connections" policy (N connections to each
address), makes the calls one after another, and prints how many distinct
connections served them (the server tells them apart by the client's port).

  --connections N   connections per address, 1-${MAX_CONNECTIONS_PER_ADDRESS} (default 4)
  --calls N         calls to make (default 100)
  -h, --help        print this text`;

/** Reads a positive integer flag. */
function count(text: string | undefined, flag: string, fallback: number) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) {
    throw new FlagError(`${flag}: expected a positive integer, got "${text}"`);
  }
  return n;
}

const options = parseFlagsOrExit(
  Deno.args,
  { usage: USAGE, string: ["connections", "calls"] },
  (flags) => {
    if (flags.positional.length > 0) {
      throw new FlagError(`unexpected argument ${flags.positional[0]}`);
    }
    const connections = count(
      flags.values.get("connections"),
      "--connections",
      4,
    );
    if (connections > MAX_CONNECTIONS_PER_ADDRESS) {
      throw new FlagError(
        `--connections: at most ${MAX_CONNECTIONS_PER_ADDRESS}, got ${connections}`,
      );
    }
    return {
      connections,
      calls: count(flags.values.get("calls"), "--calls", 100),
    };
  },
);

// Calls per connection, as the server sees them: one peer port per connection.
const perPeer = new Map<string, number>();
const server = new Server().add(Greeter, {
  sayHello: (request, ctx) => {
    perPeer.set(ctx.peer, (perPeer.get(ctx.peer) ?? 0) + 1);
    return { message: `Hello ${request.name}` };
  },
});
const { port } = await server.listen({
  hostname: "127.0.0.1",
  port: 0,
}) as Deno.NetAddr;
const target = `127.0.0.1:${port}`;
console.log(
  `n_connections: ${options.connections} connection(s) per address to ${target}`,
);

try {
  await using channel = createChannel(target, {
    // A registry of the channel's own; `registerBalancer(nConnectionsBuilder)`
    // would make the policy available to every channel instead.
    balancers: new BalancerRegistry([nConnectionsBuilder]),
    serviceConfig: {
      loadBalancingConfig: [{
        n_connections: { connectionsPerAddress: options.connections },
      }],
    },
  });
  const client = createClient(Greeter, channel);
  for (let i = 0; i < options.calls; i++) {
    const reply = await client.sayHello({ name: `call ${i}` }, {
      timeoutMs: 10_000,
    });
    if (reply.message !== `Hello call ${i}`) {
      throw new Error(`unexpected reply ${JSON.stringify(reply.message)}`);
    }
  }
} finally {
  await server.shutdown();
}

console.log(
  `${options.calls} calls served by ${perPeer.size} distinct connection(s):`,
);
for (const [peer, calls] of perPeer) console.log(`  ${peer}  ${calls} calls`);
