/**
 * A Greeter backend in a process of its own, for the channel tests that
 * kill backends (SIGKILL cannot be sent to a server inside the test's own
 * process). `deno run --allow-net _backend.ts --host=127.0.0.3 --port=0
 * --id=b3` prints `READY <port>` once listening, then answers every
 * SayHello with its id. A name `sleep:<ms>` makes the reply wait that long
 * (in-flight calls for the kill and GOAWAY tests). SIGTERM shuts down
 * gracefully (GOAWAY, calls finish), then exits.
 *
 * @module
 */

import { Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";

function flag(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  for (const arg of Deno.args) {
    if (arg.startsWith(prefix)) return arg.slice(prefix.length);
  }
  return fallback;
}

const hostname = flag("host", "127.0.0.1");
const port = Number(flag("port", "0"));
const id = flag("id", `${hostname}:${port}`);

const server = new Server().add(Greeter, {
  sayHello: async (req) => {
    if (req.name.startsWith("sleep:")) {
      const ms = Number(req.name.slice("sleep:".length));
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return { message: id };
  },
});
const addr = await server.listen({ hostname, port }) as Deno.NetAddr;
Deno.addSignalListener("SIGTERM", () => {
  server.shutdown(5000).finally(() => Deno.exit(0));
});
console.log(`READY ${addr.port}`);
