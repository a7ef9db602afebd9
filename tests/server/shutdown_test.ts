import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { AsyncQueue } from "../../lib/util/async_queue.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

/**
 * A grace the test waits out in full. Half of it must be enough for one
 * loopback round trip on a loaded machine.
 */
const GRACE_MS = 2000;

async function listenLocal(server: Server): Promise<number> {
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  return (addr as Deno.NetAddr).port;
}

function channelTo(port: number) {
  return disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
}

function hangingServer(started: PromiseWithResolvers<void>): Server {
  return new Server().add(Greeter, {
    sayHello: (_req, ctx) =>
      new Promise((_resolve, reject) => {
        started.resolve();
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      }),
  });
}

Deno.test("forceShutdown fails calls in flight with UNAVAILABLE at once", async () => {
  const started = Promise.withResolvers<void>();
  const server = hangingServer(started);
  await using channel = channelTo(await listenLocal(server));
  const call = createClient(Greeter, channel).sayHello({ name: "x" }).catch((
    e,
  ) => e);
  await within(started.promise, WAIT_MS, "handler start");
  server.forceShutdown();
  const error = await within(call, WAIT_MS, "call outcome");
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNAVAILABLE);
  assert.equal(server.connections, 0);
});

Deno.test("shutdown(graceMs) keeps a running call alive through the grace, then cancels it", async () => {
  const events: string[] = [];
  const started = Promise.withResolvers<void>();
  const server = new Server().add(RouteGuide, {
    async *routeChat(notes, ctx) {
      ctx.signal.addEventListener("abort", () => events.push("handler signal"));
      started.resolve();
      for await (const note of notes) yield { message: `echo ${note.message}` };
    },
  });
  await using channel = channelTo(await listenLocal(server));
  const requests = new AsyncQueue<{ message: string }>();
  const responses = createClient(RouteGuide, channel).routeChat(requests)
    [Symbol.asyncIterator]();
  requests.push({ message: "before" });
  const before = await within(responses.next(), WAIT_MS, "echo before");
  assert.equal(before.value?.message, "echo before");
  await within(started.promise, WAIT_MS, "handler start");

  const shutdown = server.shutdown(GRACE_MS).then(() =>
    events.push("shutdown resolved")
  );
  // A timer set now for half the grace fires before the grace's own timer,
  // whatever the machine's load: timers fire in deadline order.
  await within(
    new Promise((resolve) => setTimeout(resolve, GRACE_MS / 2)),
    GRACE_MS + WAIT_MS,
    "half the grace",
  );
  events.push("half the grace");
  // Halfway through the grace shutdown still waits and the call still works.
  requests.push({ message: "during" });
  const during = await within(responses.next(), WAIT_MS, "echo during grace");
  assert.equal(during.value?.message, "echo during");
  events.push("echo during grace");
  assert.deepEqual(events, ["half the grace", "echo during grace"]);

  // At the end of the grace the call is cancelled, then shutdown resolves.
  await within(shutdown, GRACE_MS + WAIT_MS, `shutdown(${GRACE_MS})`);
  assert.deepEqual(events, [
    "half the grace",
    "echo during grace",
    "handler signal",
    "shutdown resolved",
  ]);
  const error = await within(
    responses.next().catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError, `got ${error}`);
  assert.equal(error.code, Code.UNAVAILABLE);
  requests.close();
});

Deno.test("shutdown(graceMs) lets a call that ends within the grace end OK, and resolves then", async () => {
  const events: string[] = [];
  const started = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const server = new Server().add(Greeter, {
    async sayHello(req, ctx) {
      ctx.signal.addEventListener("abort", () => events.push("handler signal"));
      started.resolve();
      await release.promise;
      events.push("handler done");
      return { message: `bye ${req.name}` };
    },
  });
  const port = await listenLocal(server);
  await using channel = channelTo(port);
  const call = createClient(Greeter, channel).sayHello({ name: "g" });
  await within(started.promise, WAIT_MS, "handler start");
  // A grace far beyond the bounds below: shutdown must end with the call,
  // not with the grace.
  const shutdown = server.shutdown(60_000).then(() =>
    events.push("shutdown resolved")
  );
  // Release the handler once shutdown is visible: new connections refused.
  await using probe = channelTo(port);
  const refused = await within(
    createClient(Greeter, probe).sayHello({}).catch((e) => e),
    WAIT_MS,
    "a call on a new connection",
  );
  assert.equal(refused.code, Code.UNAVAILABLE);
  release.resolve();
  assert.equal((await within(call, WAIT_MS, "call outcome")).message, "bye g");
  await within(shutdown, WAIT_MS, "shutdown after the last call ended");
  assert.deepEqual(events, ["handler done", "shutdown resolved"]);
});

Deno.test("after shutdown new calls fail with UNAVAILABLE", async () => {
  const server = new Server().add(Greeter, {
    sayHello: () => ({ message: "x" }),
  });
  const port = await listenLocal(server);
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
  await using channel = channelTo(port);
  const error = await within(
    createClient(Greeter, channel).sayHello({}).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.equal(error.code, Code.UNAVAILABLE);
});

Deno.test("serveConnection serves a connection accepted elsewhere", async () => {
  const server = new Server().add(Greeter, {
    sayHello: (req, ctx) => ({
      message: `Hello ${req.name} via ${ctx.peer.split(":")[0]}`,
    }),
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept().then((conn) => {
    // Resolves once that connection closed (at the server's shutdown).
    void server.serveConnection(conn);
  });
  await using channel = channelTo((listener.addr as Deno.NetAddr).port);
  const reply = await within(
    createClient(Greeter, channel).sayHello({ name: "s" }),
    WAIT_MS,
    "sayHello reply",
  );
  assert.equal(reply.message, "Hello s via 127.0.0.1");
  await within(accepted, WAIT_MS, "accept");
  listener.close();
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});
