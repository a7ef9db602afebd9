import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  type Interceptor,
  Metadata,
  Server,
  type ServerInterceptor,
} from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";

/** Starts a RouteGuide + Greeter server on a free port. */
async function startServer(
  options: ConstructorParameters<typeof Server>[0] = {},
): Promise<{ server: Server; port: number }> {
  const server = new Server(options);
  server.add(Greeter, {
    sayHello(req, ctx) {
      if (req.name === "fail") {
        throw new GrpcError(Code.FAILED_PRECONDITION, "no ☺ today", {
          metadata: new Metadata({ "x-reason": "test" }),
        });
      }
      if (req.name === "crash") throw new Error("secret internal detail");
      if (req.name === "slow") {
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve({ message: "late" }), 5000);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          });
        });
      }
      const echo = ctx.metadata.get("x-echo");
      if (typeof echo === "string") {
        ctx.responseHeader.set("x-echo", echo);
        ctx.responseTrailer.set("x-echo-trailer", echo);
      }
      const bin = ctx.metadata.get("x-bin-bin");
      if (bin instanceof Uint8Array) ctx.responseTrailer.set("x-bin-bin", bin);
      return { message: `Hello ${req.name}` };
    },
  });
  server.add(RouteGuide, {
    getFeature: (point) => ({
      name: `at ${point.latitude},${point.longitude}`,
      location: point,
    }),
    async *listFeatures(rect) {
      const n = rect.hi?.latitude ?? 0;
      for (let i = 0; i < n; i++) {
        yield { name: `f${i}`, location: { latitude: i, longitude: i } };
      }
    },
    async recordRoute(points) {
      let pointCount = 0;
      for await (const _ of points) pointCount++;
      return { pointCount };
    },
    async *routeChat(notes) {
      for await (const note of notes) {
        yield { message: `echo ${note.message}`, location: note.location };
      }
    },
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  return { server, port: addr.port };
}

Deno.test("all four call kinds work between our client and server", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(RouteGuide, channel);

  const feature = await client.getFeature({ latitude: 1, longitude: 2 });
  assert.equal(feature.name, "at 1,2");

  const names: string[] = [];
  for await (const f of client.listFeatures({ hi: { latitude: 5 } })) {
    names.push(f.name);
  }
  assert.deepEqual(names, ["f0", "f1", "f2", "f3", "f4"]);

  async function* points() {
    for (let i = 0; i < 7; i++) yield { latitude: i };
  }
  const summary = await client.recordRoute(points());
  assert.equal(summary.pointCount, 7);

  const echoes: string[] = [];
  for await (
    const note of client.routeChat([{ message: "a" }, { message: "b" }])
  ) {
    echoes.push(note.message);
  }
  assert.deepEqual(echoes, ["echo a", "echo b"]);
  await server.shutdown();
});

Deno.test("a unary request is the init object as it was when the call began", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  // The first call waits for the connection: changing the init object
  // meanwhile must not change the request.
  const init = { name: "first" };
  const reply = client.sayHello(init);
  init.name = "changed";
  assert.equal((await reply).message, "Hello first");
  // Init objects and messages, with fields left out or null.
  assert.equal((await client.sayHello({})).message, "Hello ");
  const withNull = { name: null } as unknown as { name: string };
  assert.equal((await client.sayHello(withNull)).message, "Hello ");
  // Streamed requests too: encoded from the init objects.
  const guide = createClient(RouteGuide, channel);
  const notes = [{ message: "a", location: null }, { message: "b" }];
  const echoes: string[] = [];
  for await (
    const note of guide.routeChat(
      notes as unknown as Array<{ message: string }>,
    )
  ) echoes.push(note.message);
  assert.deepEqual(echoes, ["echo a", "echo b"]);
  await server.shutdown();
});

Deno.test("a server-streaming call delivers many messages larger than a frame", async () => {
  const server = new Server().add(RouteGuide, {
    async *listFeatures(rect) {
      const n = rect.hi?.latitude ?? 0;
      for (let i = 0; i < n; i++) yield { name: "x".repeat(40_000) + i };
    },
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(RouteGuide, channel);
  let count = 0;
  for await (const f of client.listFeatures({ hi: { latitude: 300 } })) {
    assert.equal(f.name.length, 40_000 + String(count).length);
    count++;
  }
  assert.equal(count, 300);
  await server.shutdown();
});

Deno.test("metadata travels both ways, text and binary", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  let header: Metadata | undefined;
  let trailer: Metadata | undefined;
  const reply = await client.sayHello({ name: "md" }, {
    metadata: {
      "x-echo": "value-1",
      "x-bin-bin": new Uint8Array([0, 1, 254, 255]),
    },
    onHeader: (h) => header = h,
    onTrailer: (t) => trailer = t,
  });
  assert.equal(reply.message, "Hello md");
  assert.equal(header?.get("x-echo"), "value-1");
  assert.equal(trailer?.get("x-echo-trailer"), "value-1");
  assert.deepEqual(trailer?.get("x-bin-bin"), new Uint8Array([0, 1, 254, 255]));
  await server.shutdown();
});

Deno.test("a thrown GrpcError reaches the client with code, message and trailers", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  const error = await client.sayHello({ name: "fail" }).catch((e) => e);
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.FAILED_PRECONDITION);
  assert.equal(error.rawMessage, "no ☺ today");
  assert.equal(error.metadata.get("x-reason"), "test");
  await server.shutdown();
});

Deno.test("other exceptions become UNKNOWN without leaking their text", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  const error = await client.sayHello({ name: "crash" }).catch((e) => e);
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNKNOWN);
  assert.ok(!error.message.includes("secret"));
  await server.shutdown();
});

Deno.test("a deadline ends the call with DEADLINE_EXCEEDED and fires the server's signal", async () => {
  let serverSawAbort: unknown;
  const server = new Server().add(Greeter, {
    sayHello: (_req, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          serverSawAbort = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      }),
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(Greeter, channel);
  const error = await client.sayHello({ name: "x" }, { timeoutMs: 100 }).catch((
    e,
  ) => e);
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.DEADLINE_EXCEEDED);
  for (let i = 0; i < 50 && serverSawAbort === undefined; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(serverSawAbort instanceof GrpcError);
  await server.shutdown();
});

Deno.test("a call with an expired deadline or an aborted signal ends at once", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  // The first call connects; the others find the connection ready.
  assert.equal((await client.sayHello({ name: "a" })).message, "Hello a");
  for (let i = 0; i < 2; i++) {
    await assert.rejects(
      client.sayHello({ name: "b" }, { deadline: Date.now() - 1 }),
      (e: unknown) =>
        e instanceof GrpcError && e.code === Code.DEADLINE_EXCEEDED,
    );
    await assert.rejects(
      client.sayHello({ name: "c" }, { signal: AbortSignal.abort() }),
      (e: unknown) => e instanceof GrpcError && e.code === Code.CANCELLED,
    );
  }
  // The connection is still fine.
  assert.equal((await client.sayHello({ name: "d" })).message, "Hello d");
  await server.shutdown();
});

Deno.test("aborting the signal cancels the call on both sides", async () => {
  let serverCancelled = Promise.withResolvers<Code>();
  const server = new Server().add(Greeter, {
    sayHello: (_req, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          serverCancelled.resolve((ctx.signal.reason as GrpcError).code);
          reject(ctx.signal.reason);
        });
      }),
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(Greeter, channel);
  const controller = new AbortController();
  const call = client.sayHello({ name: "x" }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const error = await call.catch((e) => e);
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.CANCELLED);
  assert.equal(await serverCancelled.promise, Code.CANCELLED);
  serverCancelled = Promise.withResolvers<Code>();
  await server.shutdown();
});

Deno.test("breaking out of a response stream cancels the call", async () => {
  const stopped = Promise.withResolvers<void>();
  const server = new Server().add(RouteGuide, {
    async *listFeatures(_rect, ctx) {
      ctx.signal.addEventListener("abort", () => stopped.resolve());
      for (let i = 0; i < 1_000_000; i++) yield { name: `f${i}` };
    },
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(RouteGuide, channel);
  let n = 0;
  for await (const _ of client.listFeatures({})) {
    if (++n === 3) break;
  }
  await stopped.promise;
  await server.shutdown();
});

Deno.test("unknown methods and services answer UNIMPLEMENTED", async () => {
  const server = new Server().add(Greeter, {});
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const greeter = createClient(Greeter, channel);
  const e1 = await greeter.sayHello({}).catch((e) => e);
  assert.equal(e1.code, Code.UNIMPLEMENTED);
  const guide = createClient(RouteGuide, channel);
  const e2 = await guide.getFeature({}).catch((e) => e);
  assert.equal(e2.code, Code.UNIMPLEMENTED);
  await server.shutdown();
});

Deno.test("client and server interceptors run in order and can reject", async () => {
  const seen: string[] = [];
  const auth: ServerInterceptor = (next) => (req) => {
    seen.push(`server:${req.context.method.name}`);
    if (req.context.metadata.get("authorization") !== "Bearer ok") {
      throw new GrpcError(Code.UNAUTHENTICATED, "no token");
    }
    return next(req);
  };
  const server = new Server({ interceptors: [auth] }).add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  const outer: Interceptor = (next) => async (req) => {
    seen.push("outer");
    const res = await next(req);
    seen.push("outer-done");
    return res;
  };
  const token: Interceptor = (next) => (req) => {
    seen.push("token");
    req.metadata.set("authorization", "Bearer ok");
    return next(req);
  };
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(Greeter, channel, {
    interceptors: [outer, token],
  });
  assert.equal((await client.sayHello({ name: "i" })).message, "Hello i");
  assert.deepEqual(seen, ["outer", "token", "server:SayHello", "outer-done"]);
  const bare = createClient(Greeter, channel);
  const error = await bare.sayHello({ name: "i" }).catch((e) => e);
  assert.equal(error.code, Code.UNAUTHENTICATED);
  await server.shutdown();
});

Deno.test("gzip and deflate requests are decompressed and answered compressed", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  for (const compression of ["gzip", "deflate"]) {
    const client = createClient(Greeter, channel, {
      sendCompression: compression,
    });
    const name = "z".repeat(10_000);
    const reply = await client.sayHello({ name });
    assert.equal(reply.message, `Hello ${name}`);
  }
  await server.shutdown();
});

Deno.test("a response above maxReceiveMessageSize fails with RESOURCE_EXHAUSTED", async () => {
  const { server, port } = await startServer();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel, {
    maxReceiveMessageSize: 1000,
  });
  const error = await client.sayHello({ name: "y".repeat(2000) }).catch((e) =>
    e
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
  await server.shutdown();
});

Deno.test("a request above the server's maxReceiveMessageSize fails with RESOURCE_EXHAUSTED", async () => {
  const { server, port } = await startServer({ maxReceiveMessageSize: 1000 });
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  const error = await client.sayHello({ name: "y".repeat(5000) }).catch((e) =>
    e
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
  await server.shutdown();
});

Deno.test("a 4 MiB unary message round-trips (spans many DATA frames)", async () => {
  const { server, port } = await startServer({
    maxReceiveMessageSize: 8 << 20,
  });
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel, {
    maxReceiveMessageSize: 8 << 20,
  });
  const name = "n".repeat(4 << 20);
  const reply = await client.sayHello({ name });
  assert.equal(reply.message.length, name.length + 6);
  await server.shutdown();
});

Deno.test("connecting to a closed port fails with UNAVAILABLE", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using channel = createChannel(`127.0.0.1:${port}`);
  const client = createClient(Greeter, channel);
  const error = await client.sayHello({}).catch((e) => e);
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNAVAILABLE);
});

Deno.test("graceful shutdown lets an in-flight call finish", async () => {
  const release = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  const server = new Server().add(Greeter, {
    async sayHello(req) {
      started.resolve();
      await release.promise;
      return { message: `bye ${req.name}` };
    },
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(Greeter, channel);
  const call = client.sayHello({ name: "g" });
  await started.promise;
  const shutdown = server.shutdown();
  setTimeout(() => release.resolve(), 50);
  assert.equal((await call).message, "bye g");
  await shutdown;
});

Deno.test("ctx.cancelled resolves with CANCELLED when the client cancels", async () => {
  const seen = Promise.withResolvers<Code>();
  const server = new Server().add(RouteGuide, {
    async *listFeatures(_rect, ctx) {
      yield { name: "first" };
      const reason = await ctx.cancelled;
      seen.resolve(reason.code);
    },
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(RouteGuide, channel);
  for await (const f of client.listFeatures({})) {
    assert.equal(f.name, "first");
    break;
  }
  assert.equal(await seen.promise, Code.CANCELLED);
  await server.shutdown();
});

Deno.test("compressMessage turns compression off for chosen messages of a stream", async () => {
  const flags: boolean[] = [];
  const server = new Server().add(RouteGuide, {
    async recordRoute(points, ctx) {
      for await (const _ of points) flags.push(ctx.requestCompressed);
      return { pointCount: flags.length };
    },
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(RouteGuide, channel);
  const summary = await client.recordRoute(
    [{ latitude: 1 }, { latitude: 2 }, { latitude: 3 }],
    { compression: "gzip", compressMessage: (_m, i) => i !== 1 },
  );
  assert.equal(summary.pointCount, 3);
  assert.deepEqual(flags, [true, false, true]);
  await server.shutdown();
});
