/**
 * The classic Greeter client:
 *
 * ```sh
 * deno task greeter:client --port 50051 --name you   # or [PORT] [NAME]; --help
 * ```
 *
 * @module
 */
import { createChannel, createClient, GrpcError } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import {
  FlagError,
  type FlagSpec,
  parseFlagsOrExit,
  parsePort,
} from "../_flags.ts";

/** The command line of this program. */
export const CLIENT_FLAGS: FlagSpec = {
  usage:
    `Usage: deno task greeter:client [--target TARGET | --port N] [--name NAME]
       deno run --allow-net examples/helloworld/client.ts [PORT] [NAME]

Calls helloworld.Greeter/SayHello once and prints "Greeting: <message>".

  --target TARGET   the server: host:port, dns:host:port, ipv4:, ipv6:
                    or unix:/path (default 127.0.0.1:50051)
  --port N          the server's port on 127.0.0.1 (instead of --target)
  --name NAME       who to greet (default "world")
  -h, --help        print this text`,
  string: ["target", "port", "name"],
};

/**
 * Calls SayHello once.
 *
 * @example Greet a local server
 * ```ts ignore
 * import { greet } from "./client.ts";
 * console.log(await greet("127.0.0.1:50051", "you")); // "Hello you"
 * ```
 *
 * @param target the server (a channel target)
 * @param name who to greet
 * @returns the greeting
 */
export async function greet(
  target = "127.0.0.1:50051",
  name = "world",
): Promise<string> {
  await using channel = createChannel(target);
  const client = createClient(Greeter, channel);
  const reply = await client.sayHello({ name }, { timeoutMs: 10_000 });
  return reply.message;
}

if (import.meta.main) {
  const { target, name } = parseFlagsOrExit(Deno.args, CLIENT_FLAGS, (f) => {
    const [port, positionalName, extra] = f.positional;
    if (extra !== undefined) {
      throw new FlagError(`unexpected argument ${extra}`);
    }
    const portText = f.values.get("port") ?? port;
    if (f.values.has("target") && portText !== undefined) {
      throw new FlagError("give --target or a port, not both");
    }
    return {
      target: f.values.get("target") ??
        `127.0.0.1:${parsePort(portText, "--port", 50051)}`,
      name: f.values.get("name") ?? positionalName ?? "world",
    };
  });
  try {
    console.log(`Greeting: ${await greet(target, name)}`);
  } catch (error) {
    if (!(error instanceof GrpcError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}
