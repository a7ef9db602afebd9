/**
 * The README's main demo: starts a Greeter server on a free port, calls it
 * once, prints the greeting and shuts down.
 *
 * @module
 */
import { startGreeter } from "./server.ts";
import { greet } from "./client.ts";

const { server, port } = await startGreeter(0);
try {
  console.log(`Greeting: ${await greet(port, Deno.args[0] ?? "world")}`);
} finally {
  await server.shutdown();
}
