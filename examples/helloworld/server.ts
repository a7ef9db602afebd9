/**
 * The classic Greeter server:
 *
 * ```sh
 * deno task greeter:server --port 50051   # or a positional port; --help
 * ```
 *
 * @module
 */
import { Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import {
  FlagError,
  type FlagSpec,
  parseFlagsOrExit,
  parsePort,
} from "../_flags.ts";

/** The command line of this program. */
export const SERVER_FLAGS: FlagSpec = {
  usage: `Usage: deno task greeter:server [--port N] [--host ADDRESS]
       deno run --allow-net examples/helloworld/server.ts [PORT]

Starts a helloworld.Greeter server and prints "Greeter listening on HOST:PORT".

  --port N          port to listen on (default 50051; 0 picks a free one)
  --host ADDRESS    address to listen on (default 127.0.0.1)
  -h, --help        print this text`,
  string: ["port", "host"],
};

/**
 * Starts a Greeter server.
 *
 * @example A Greeter on a free port
 * ```ts ignore
 * import { startGreeter } from "./server.ts";
 * const { server, port } = await startGreeter(0);
 * console.log(`listening on ${port}`);
 * await server.shutdown();
 * ```
 *
 * @param port the port (0 picks one)
 * @param hostname the address to listen on
 * @returns the server and its port
 */
export async function startGreeter(
  port = 50051,
  hostname = "127.0.0.1",
): Promise<{ server: Server; port: number }> {
  const server = new Server().add(Greeter, {
    sayHello: (request) => ({ message: `Hello ${request.name}` }),
  });
  const addr = await server.listen({ hostname, port }) as Deno.NetAddr;
  return { server, port: addr.port };
}

if (import.meta.main) {
  const options = parseFlagsOrExit(Deno.args, SERVER_FLAGS, (flags) => {
    if (flags.positional.length > 1) {
      throw new FlagError(`unexpected argument ${flags.positional[1]}`);
    }
    return {
      port: parsePort(
        flags.values.get("port") ?? flags.positional[0],
        "--port",
        50051,
      ),
      hostname: flags.values.get("host") ?? "127.0.0.1",
    };
  });
  const { port } = await startGreeter(options.port, options.hostname);
  const host = options.hostname.includes(":")
    ? `[${options.hostname}]`
    : options.hostname;
  console.log(`Greeter listening on ${host}:${port}`);
}
