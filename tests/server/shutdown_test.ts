import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";

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
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const call = createClient(Greeter, channel).sayHello({ name: "x" }).catch((
    e,
  ) => e);
  await started.promise;
  server.forceShutdown();
  const error = await call;
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNAVAILABLE);
  assert.equal(server.connections, 0);
});

Deno.test("shutdown(graceMs) forces the calls still running after the grace period", async () => {
  const started = Promise.withResolvers<void>();
  const server = hangingServer(started);
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const call = createClient(Greeter, channel).sayHello({ name: "x" }).catch((
    e,
  ) => e);
  await started.promise;
  await server.shutdown(100);
  const error = await call;
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNAVAILABLE);
});

Deno.test("after shutdown new calls fail with UNAVAILABLE", async () => {
  const server = new Server().add(Greeter, {
    sayHello: () => ({ message: "x" }),
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await server.shutdown();
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const error = await createClient(Greeter, channel).sayHello({}).catch((e) =>
    e
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
  const accepted = listener.accept().then((conn) =>
    server.serveConnection(conn)
  );
  await using channel = createChannel(
    `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
  );
  const reply = await createClient(Greeter, channel).sayHello({ name: "s" });
  assert.equal(reply.message, "Hello s via 127.0.0.1");
  await accepted;
  listener.close();
  await server.shutdown();
});
