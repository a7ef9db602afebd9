import assert from "node:assert/strict";
import { createChannel, createClient, ManualClock, Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

async function startServer(): Promise<
  { server: Server; port: number; peers: Set<string> }
> {
  const peers = new Set<string>();
  const server = new Server().add(Greeter, {
    sayHello: (req, ctx) => {
      peers.add(ctx.peer);
      return { message: `Hello ${req.name}` };
    },
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  return { server, port: (addr as Deno.NetAddr).port, peers };
}

Deno.test("after idleTimeoutMs without calls the channel closes its connections and goes IDLE; the next call reconnects", async () => {
  const { server, port, peers } = await startServer();
  const clock = new ManualClock();
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`, { idleTimeoutMs: 60_000, clock }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, channel);
  await within(client.sayHello({ name: "a" }), WAIT_MS, "first call");
  assert.equal(channel.getState(), "READY");
  // A call within the window keeps the channel busy for one more period.
  clock.advance(30_000);
  await within(client.sayHello({ name: "b" }), WAIT_MS, "second call");
  clock.advance(30_000);
  assert.equal(channel.getState(), "READY", "a call came in that period");
  const idle = channel.waitForStateChange("READY");
  clock.advance(60_000);
  assert.equal(await within(idle, WAIT_MS, "IDLE"), "IDLE");
  assert.equal(peers.size, 1);
  await within(client.sayHello({ name: "c" }), WAIT_MS, "call after idle");
  assert.equal(peers.size, 2, "a new connection after idleness");
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("a channel with a call in flight does not go idle", async () => {
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  let started = () => {};
  const running = new Promise<void>((r) => (started = r));
  const server = new Server().add(Greeter, {
    sayHello: async (req) => {
      started();
      await held;
      return { message: req.name };
    },
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  const clock = new ManualClock();
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${(addr as Deno.NetAddr).port}`, {
      idleTimeoutMs: 1000,
      clock,
    }),
    WAIT_MS,
    "channel.close()",
  );
  const call = createClient(Greeter, channel).sayHello({ name: "long" });
  await within(running, WAIT_MS, "handler start");
  clock.advance(5000);
  assert.equal(channel.getState(), "READY");
  release();
  assert.equal((await within(call, WAIT_MS, "call")).message, "long");
  clock.advance(2000);
  assert.equal(channel.getState(), "IDLE");
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("getState(true) leaves IDLE and waitForStateChange follows to READY", async () => {
  const { server, port } = await startServer();
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
  assert.equal(channel.getState(), "IDLE");
  assert.equal(channel.getState(true), "CONNECTING");
  // Bounded as a whole: a channel cycling through failures never reaches READY.
  const seen: string[] = [];
  await within(
    (async () => {
      let state = channel.getState();
      while (state !== "READY") {
        state = await channel.waitForStateChange(state);
        seen.push(state);
      }
    })(),
    WAIT_MS,
    "READY",
  ).catch((error: Error) => {
    throw new Error(`${error.message} (states: ${seen.join(" → ")})`);
  });
  await within(channel.close(), WAIT_MS, "channel.close()");
  assert.equal(channel.getState(), "SHUTDOWN");
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});
