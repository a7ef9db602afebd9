/**
 * Benchmark server of this library (bench/WORKLOADS.md contract):
 * `deno run -A bench/ours/server.ts PORT` listens on 127.0.0.1:PORT, serves
 * `helloworld.Greeter` and `bench.Bench`, prints `READY <port>`, and runs
 * until it receives SIGTERM or SIGINT.
 *
 * @module
 */

import { Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { Bench, type Payload } from "../../gen/bench/bench_pb.ts";

const port = Number(Deno.args[0] ?? "0");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: server.ts PORT (got ${Deno.args[0]})`);
  Deno.exit(2);
}

/** Upper bound on one Stream call without `hold`, whatever it asks for. */
const MAX_STREAM_MS = 120_000;

const server = new Server()
  .add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  })
  .add(Bench, {
    echo: (req) => ({ data: req.data }),
    async *stream(req, ctx) {
      if (req.hold) {
        yield { data: new Uint8Array(0) };
        // Keep the call open until the client cancels it.
        await ctx.cancelled;
        return;
      }
      const message: Payload = {
        $typeName: "bench.Payload",
        data: new Uint8Array(req.size),
      };
      // duration_ms 0 means no time limit, but never more than MAX_STREAM_MS.
      const end = Date.now() +
        (req.durationMs > 0 ? req.durationMs : MAX_STREAM_MS);
      const count = req.count;
      // Yield returns only once the message is queued (flow control), so
      // checking the clock every 64 messages bounds the overrun.
      for (let sent = 0; count === 0 || sent < count; sent++) {
        if ((sent & 63) === 0 && (ctx.signal.aborted || Date.now() >= end)) {
          break;
        }
        yield message;
      }
    },
    async *pingPong(requests) {
      for await (const message of requests) yield message;
    },
  });

const addr = await server.listen({
  hostname: "127.0.0.1",
  port,
}) as Deno.NetAddr;
console.log(`READY ${addr.port}`);

// Leave by letting the event loop drain, so that `--cpu-prof` writes its
// profile; force the exit if something still holds the loop after a while.
const stop = () => {
  Deno.removeSignalListener("SIGTERM", stop);
  Deno.removeSignalListener("SIGINT", stop);
  server.forceShutdown();
  Deno.unrefTimer(setTimeout(() => Deno.exit(0), 2000));
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
