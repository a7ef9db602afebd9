/**
 * The README's main demo: starts a Greeter server on a free port, calls it
 * once, prints the greeting and shuts down.
 *
 * ```sh
 * deno task greeter --name you   # or [NAME]; --help
 * ```
 *
 * @module
 */
import { startGreeter } from "./server.ts";
import { greet } from "./client.ts";
import { FlagError, parseFlagsOrExit } from "../_flags.ts";

const USAGE = `Usage: deno task greeter [--name NAME]
       deno run --allow-net examples/helloworld/demo.ts [NAME]

Starts a helloworld.Greeter server on a free port of 127.0.0.1, calls
SayHello once, prints "Greeting: <message>" and shuts the server down.

  --name NAME   who to greet (default "world")
  -h, --help    print this text`;

const name = parseFlagsOrExit(
  Deno.args,
  { usage: USAGE, string: ["name"] },
  (flags) => {
    if (flags.positional.length > 1) {
      throw new FlagError(`unexpected argument ${flags.positional[1]}`);
    }
    return flags.values.get("name") ?? flags.positional[0] ?? "world";
  },
);
const { server, port } = await startGreeter(0);
try {
  console.log(`Greeting: ${await greet(`127.0.0.1:${port}`, name)}`);
} finally {
  await server.shutdown();
}
