import assert from "node:assert/strict";
import {
  type Channel,
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
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

/** Listens on a free port of 127.0.0.1. */
async function listenLocal(server: Server): Promise<number> {
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  return (addr as Deno.NetAddr).port;
}

/** A channel to a local port, for `await using` (its close is bounded). */
function channelTo(port: number): Channel {
  return disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
}

/** Every message of a response stream. */
function collect<T>(stream: AsyncIterable<T>, what: string): Promise<T[]> {
  return within(Array.fromAsync(stream), WAIT_MS, what);
}

/** A graceful shutdown, bounded. */
function shutdown(server: Server): Promise<void> {
  return within(server.shutdown(), WAIT_MS, "server.shutdown()");
}

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
  return { server, port: await listenLocal(server) };
}

Deno.test("all four call kinds work between our client and server", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(RouteGuide, channel);

  const feature = await within(
    client.getFeature({ latitude: 1, longitude: 2 }),
    WAIT_MS,
    "getFeature",
  );
  assert.equal(feature.name, "at 1,2");

  const features = await collect(
    client.listFeatures({ hi: { latitude: 5 } }),
    "listFeatures",
  );
  assert.deepEqual(features.map((f) => f.name), ["f0", "f1", "f2", "f3", "f4"]);

  async function* points() {
    for (let i = 0; i < 7; i++) yield { latitude: i };
  }
  const summary = await within(
    client.recordRoute(points()),
    WAIT_MS,
    "recordRoute",
  );
  assert.equal(summary.pointCount, 7);

  const echoes = await collect(
    client.routeChat([{ message: "a" }, { message: "b" }]),
    "routeChat",
  );
  assert.deepEqual(echoes.map((n) => n.message), ["echo a", "echo b"]);
  await shutdown(server);
});

Deno.test("a unary request is the init object as it was when the call began", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  // The first call waits for the connection: changing the init object
  // meanwhile must not change the request.
  const init = { name: "first" };
  const reply = client.sayHello(init);
  init.name = "changed";
  assert.equal((await within(reply, WAIT_MS, "reply")).message, "Hello first");
  // Init objects and messages, with fields left out or null.
  const empty = await within(client.sayHello({}), WAIT_MS, "reply to {}");
  assert.equal(empty.message, "Hello ");
  const withNull = { name: null } as unknown as { name: string };
  const nulled = await within(client.sayHello(withNull), WAIT_MS, "reply");
  assert.equal(nulled.message, "Hello ");
  // Streamed requests too: encoded from the init objects.
  const guide = createClient(RouteGuide, channel);
  const notes = [{ message: "a", location: null }, { message: "b" }];
  const echoes = await collect(
    guide.routeChat(notes as unknown as Array<{ message: string }>),
    "routeChat",
  );
  assert.deepEqual(echoes.map((n) => n.message), ["echo a", "echo b"]);
  await shutdown(server);
});

Deno.test("a server-streaming call delivers many messages larger than a frame", async () => {
  const server = new Server().add(RouteGuide, {
    async *listFeatures(rect) {
      const n = rect.hi?.latitude ?? 0;
      for (let i = 0; i < n; i++) yield { name: "x".repeat(40_000) + i };
    },
  });
  await using channel = channelTo(await listenLocal(server));
  const client = createClient(RouteGuide, channel);
  const features = await collect(
    client.listFeatures({ hi: { latitude: 300 } }),
    "listFeatures",
  );
  assert.equal(features.length, 300);
  for (let i = 0; i < features.length; i++) {
    assert.equal(features[i].name.length, 40_000 + String(i).length);
  }
  await shutdown(server);
});

Deno.test("metadata travels both ways, text and binary", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  let header: Metadata | undefined;
  let trailer: Metadata | undefined;
  const reply = await within(
    client.sayHello({ name: "md" }, {
      metadata: {
        "x-echo": "value-1",
        "x-bin-bin": new Uint8Array([0, 1, 254, 255]),
      },
      onHeader: (h) => header = h,
      onTrailer: (t) => trailer = t,
    }),
    WAIT_MS,
    "sayHello reply",
  );
  assert.equal(reply.message, "Hello md");
  assert.equal(header?.get("x-echo"), "value-1");
  assert.equal(trailer?.get("x-echo-trailer"), "value-1");
  assert.deepEqual(trailer?.get("x-bin-bin"), new Uint8Array([0, 1, 254, 255]));
  await shutdown(server);
});

Deno.test("a thrown GrpcError reaches the client with code, message and trailers", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  const error = await within(
    client.sayHello({ name: "fail" }).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.FAILED_PRECONDITION);
  assert.equal(error.rawMessage, "no ☺ today");
  assert.equal(error.metadata.get("x-reason"), "test");
  await shutdown(server);
});

Deno.test("other exceptions become UNKNOWN without leaking their text", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  const error = await within(
    client.sayHello({ name: "crash" }).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNKNOWN);
  assert.ok(!error.message.includes("secret"));
  await shutdown(server);
});

Deno.test("a deadline ends the call with DEADLINE_EXCEEDED and fires the server's signal", async () => {
  const serverSawAbort = Promise.withResolvers<unknown>();
  const server = new Server().add(Greeter, {
    sayHello: (_req, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          serverSawAbort.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      }),
  });
  await using channel = channelTo(await listenLocal(server));
  const client = createClient(Greeter, channel);
  const error = await within(
    client.sayHello({ name: "x" }, { timeoutMs: 100 }).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.DEADLINE_EXCEEDED);
  const reason = await within(
    serverSawAbort.promise,
    WAIT_MS,
    "the handler's signal",
  );
  assert.ok(reason instanceof GrpcError);
  await shutdown(server);
});

Deno.test("a call with an expired deadline or an aborted signal ends at once", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  // The first call connects; the others find the connection ready.
  const a = await within(client.sayHello({ name: "a" }), WAIT_MS, "reply a");
  assert.equal(a.message, "Hello a");
  for (let i = 0; i < 2; i++) {
    await assert.rejects(
      within(
        client.sayHello({ name: "b" }, { deadline: Date.now() - 1 }),
        WAIT_MS,
        "call with an expired deadline",
      ),
      (e: unknown) =>
        e instanceof GrpcError && e.code === Code.DEADLINE_EXCEEDED,
    );
    await assert.rejects(
      within(
        client.sayHello({ name: "c" }, { signal: AbortSignal.abort() }),
        WAIT_MS,
        "call with an aborted signal",
      ),
      (e: unknown) => e instanceof GrpcError && e.code === Code.CANCELLED,
    );
  }
  // The connection is still fine.
  const d = await within(client.sayHello({ name: "d" }), WAIT_MS, "reply d");
  assert.equal(d.message, "Hello d");
  await shutdown(server);
});

Deno.test("aborting the signal cancels the call on both sides", async () => {
  const started = Promise.withResolvers<void>();
  const serverCancelled = Promise.withResolvers<Code>();
  const server = new Server().add(Greeter, {
    sayHello: (_req, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          serverCancelled.resolve((ctx.signal.reason as GrpcError).code);
          reject(ctx.signal.reason);
        });
        started.resolve();
      }),
  });
  await using channel = channelTo(await listenLocal(server));
  const client = createClient(Greeter, channel);
  const controller = new AbortController();
  const call = client.sayHello({ name: "x" }, { signal: controller.signal })
    .catch((e) => e);
  // Abort once the server runs the call: both sides have it then.
  await within(started.promise, WAIT_MS, "handler start");
  controller.abort();
  const error = await within(call, WAIT_MS, "the aborted call's outcome");
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.CANCELLED);
  const code = await within(
    serverCancelled.promise,
    WAIT_MS,
    "the handler's signal",
  );
  assert.equal(code, Code.CANCELLED);
  await shutdown(server);
});

Deno.test("breaking out of a response stream cancels the call", async () => {
  const stopped = Promise.withResolvers<void>();
  const server = new Server().add(RouteGuide, {
    async *listFeatures(_rect, ctx) {
      ctx.signal.addEventListener("abort", () => stopped.resolve());
      for (let i = 0; i < 1_000_000; i++) yield { name: `f${i}` };
    },
  });
  await using channel = channelTo(await listenLocal(server));
  const client = createClient(RouteGuide, channel);
  await within(
    (async () => {
      let n = 0;
      for await (const _ of client.listFeatures({})) {
        if (++n === 3) break;
      }
    })(),
    WAIT_MS,
    "three messages, then leaving the loop",
  );
  await within(stopped.promise, WAIT_MS, "the handler's signal");
  await shutdown(server);
});

Deno.test("unknown methods and services answer UNIMPLEMENTED", async () => {
  const server = new Server().add(Greeter, {});
  await using channel = channelTo(await listenLocal(server));
  const greeter = createClient(Greeter, channel);
  const e1 = await within(
    greeter.sayHello({}).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.equal(e1.code, Code.UNIMPLEMENTED);
  const guide = createClient(RouteGuide, channel);
  const e2 = await within(
    guide.getFeature({}).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.equal(e2.code, Code.UNIMPLEMENTED);
  await shutdown(server);
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
  const port = await listenLocal(server);
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
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel, {
    interceptors: [outer, token],
  });
  const reply = await within(client.sayHello({ name: "i" }), WAIT_MS, "reply");
  assert.equal(reply.message, "Hello i");
  assert.deepEqual(seen, ["outer", "token", "server:SayHello", "outer-done"]);
  const bare = createClient(Greeter, channel);
  const error = await within(
    bare.sayHello({ name: "i" }).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.equal(error.code, Code.UNAUTHENTICATED);
  await shutdown(server);
});

Deno.test("gzip and deflate requests are decompressed and answered compressed", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  for (const compression of ["gzip", "deflate"]) {
    const client = createClient(Greeter, channel, {
      sendCompression: compression,
    });
    const name = "z".repeat(10_000);
    const reply = await within(client.sayHello({ name }), WAIT_MS, compression);
    assert.equal(reply.message, `Hello ${name}`);
  }
  await shutdown(server);
});

Deno.test("a response above maxReceiveMessageSize fails with RESOURCE_EXHAUSTED", async () => {
  const { server, port } = await startServer();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel, {
    maxReceiveMessageSize: 1000,
  });
  const error = await within(
    client.sayHello({ name: "y".repeat(2000) }).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
  await shutdown(server);
});

Deno.test("a request above the server's maxReceiveMessageSize fails with RESOURCE_EXHAUSTED", async () => {
  const { server, port } = await startServer({ maxReceiveMessageSize: 1000 });
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  const error = await within(
    client.sayHello({ name: "y".repeat(5000) }).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
  await shutdown(server);
});

Deno.test("a 4 MiB unary message round-trips (spans many DATA frames)", async () => {
  const { server, port } = await startServer({
    maxReceiveMessageSize: 8 << 20,
  });
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel, {
    maxReceiveMessageSize: 8 << 20,
  });
  const name = "n".repeat(4 << 20);
  const reply = await within(client.sayHello({ name }), WAIT_MS, "4 MiB reply");
  assert.equal(reply.message.length, name.length + 6);
  await shutdown(server);
});

Deno.test("connecting to a closed port fails with UNAVAILABLE", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  const error = await within(
    client.sayHello({}).catch((e) => e),
    WAIT_MS,
    "call outcome",
  );
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.UNAVAILABLE);
});

Deno.test("graceful shutdown lets an in-flight call finish", async () => {
  const events: string[] = [];
  const release = Promise.withResolvers<void>();
  const started = Promise.withResolvers<void>();
  const server = new Server().add(Greeter, {
    async sayHello(req) {
      started.resolve();
      await release.promise;
      events.push("handler done");
      return { message: `bye ${req.name}` };
    },
  });
  const port = await listenLocal(server);
  await using channel = channelTo(port);
  const client = createClient(Greeter, channel);
  const call = client.sayHello({ name: "g" });
  await within(started.promise, WAIT_MS, "handler start");
  const closing = server.shutdown().then(() => events.push("shutdown done"));
  // Release the handler once the shutdown shows: new connections refused.
  await using probe = channelTo(port);
  const refused = await within(
    createClient(Greeter, probe).sayHello({}).catch((e) => e),
    WAIT_MS,
    "a call on a new connection",
  );
  assert.equal(refused.code, Code.UNAVAILABLE);
  release.resolve();
  assert.equal((await within(call, WAIT_MS, "call outcome")).message, "bye g");
  await within(closing, WAIT_MS, "server.shutdown()");
  assert.deepEqual(events, ["handler done", "shutdown done"]);
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
  await using channel = channelTo(await listenLocal(server));
  const client = createClient(RouteGuide, channel);
  await within(
    (async () => {
      for await (const f of client.listFeatures({})) {
        assert.equal(f.name, "first");
        break;
      }
    })(),
    WAIT_MS,
    "the first message, then leaving the loop",
  );
  const code = await within(seen.promise, WAIT_MS, "ctx.cancelled");
  assert.equal(code, Code.CANCELLED);
  await shutdown(server);
});

Deno.test("compressMessage turns compression off for chosen messages of a stream", async () => {
  const flags: boolean[] = [];
  const server = new Server().add(RouteGuide, {
    async recordRoute(points, ctx) {
      for await (const _ of points) flags.push(ctx.requestCompressed);
      return { pointCount: flags.length };
    },
  });
  await using channel = channelTo(await listenLocal(server));
  const client = createClient(RouteGuide, channel);
  const summary = await within(
    client.recordRoute(
      [{ latitude: 1 }, { latitude: 2 }, { latitude: 3 }],
      { compression: "gzip", compressMessage: (_m, i) => i !== 1 },
    ),
    WAIT_MS,
    "recordRoute",
  );
  assert.equal(summary.pointCount, 3);
  assert.deepEqual(flags, [true, false, true]);
  await shutdown(server);
});
