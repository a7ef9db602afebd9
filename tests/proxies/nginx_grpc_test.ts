/**
 * Behind a real L7 proxy: nginx's `grpc_pass` (HTTP/2 on the listener,
 * plaintext h2c to our server). Every call kind, metadata both ways
 * (headers, trailers, `-bin`), statuses and deadlines pass through. nginx
 * ends HTTP/2 at each side: it answers PINGs itself, hop by hop, so the
 * client's keepalive only watches the client ↔ nginx hop (what that means
 * for idle streams and hung backends: `nginx_keepalive_test.ts`). After
 * `keepalive_requests` calls nginx closes a connection with GOAWAY and the
 * channel moves on to a new one.
 */
import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  Metadata,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { Health } from "../../gen/grpc/health/v1/health_pb.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { startForwarder } from "../channel/_tcp_forwarder.ts";
import { freePort, has, type ProxyProcess, startNginx } from "./_proxies.ts";

/** What the slow handler saw. */
interface Seen {
  deadline: number | undefined;
  aborted: boolean;
}

/** Our server with Greeter (metadata, errors, a slow call) and RouteGuide. */
async function startBackend(seen: Seen) {
  const server = new Server()
    .add(Greeter, {
      sayHello(req, ctx) {
        switch (req.name) {
          case "fail": // trailers-only: nothing was sent before the error
            throw new GrpcError(Code.FAILED_PRECONDITION, "no ☺ today", {
              metadata: new Metadata({ "x-reason": "test" }),
            });
          case "slow":
            seen.deadline = ctx.deadline;
            return new Promise((_resolve, reject) => {
              ctx.signal.addEventListener("abort", () => {
                seen.aborted = true;
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
        if (bin instanceof Uint8Array) {
          ctx.responseTrailer.set("x-bin-bin", bin);
        }
        return { message: `Hello ${req.name}` };
      },
    })
    .add(RouteGuide, {
      getFeature: (point) => ({
        name: `at ${point.latitude}`,
        location: point,
      }),
      async *listFeatures(rect) {
        const n = rect.hi?.latitude ?? 0;
        for (let i = 0; i < n; i++) yield { name: `f${i}` };
      },
      async recordRoute(points) {
        let pointCount = 0;
        for await (const _ of points) pointCount++;
        return { pointCount };
      },
      async *routeChat(notes, ctx) {
        for await (const note of notes) {
          if (note.message === "abort") {
            // An error after messages: a status in real trailers.
            ctx.responseTrailer.set("x-after", String(note.location?.latitude));
            throw new GrpcError(Code.ABORTED, "stopped mid-stream");
          }
          yield { message: `echo ${note.message}` };
        }
      },
    });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  ) as Deno.NetAddr;
  return { server, port: addr.port };
}

/** Our server behind nginx; the channel goes to nginx. */
async function setUp(directives = "") {
  const seen: Seen = { deadline: undefined, aborted: false };
  const backend = await startBackend(seen);
  const port = freePort();
  let nginx: ProxyProcess;
  try {
    nginx = await startNginx(() => `
  server {
    listen 127.0.0.1:${port} http2;
    ${directives}
    location / { grpc_pass grpc://127.0.0.1:${backend.port}; }
  }`, [port]);
  } catch (error) {
    await within(backend.server.shutdown(), WAIT_MS, "server.shutdown()");
    throw error;
  }
  // Counts the client's connections to nginx.
  const toNginx = startForwarder(port);
  const channel = disposeWithin(
    createChannel(`127.0.0.1:${toNginx.port}`),
    WAIT_MS,
    "channel.close()",
  );
  return {
    seen,
    channel,
    toNginx,
    async [Symbol.asyncDispose]() {
      await channel[Symbol.asyncDispose]();
      await toNginx.close();
      await nginx.stop();
      await within(backend.server.shutdown(), WAIT_MS, "server.shutdown()");
    },
  };
}

/** The error a call ends with (bounded). */
function failure(promise: Promise<unknown>, what: string): Promise<unknown> {
  return within(
    promise.then(() => assert.fail(`${what} succeeded`), (e: unknown) => e),
    WAIT_MS,
    what,
  );
}

Deno.test({
  name: "nginx grpc_pass: all four call kinds pass through",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp();
    const client = createClient(RouteGuide, env.channel);
    const feature = await within(
      client.getFeature({ latitude: 7 }),
      WAIT_MS,
      "getFeature",
    );
    assert.equal(feature.name, "at 7");
    const features = await within(
      Array.fromAsync(client.listFeatures({ hi: { latitude: 50 } })),
      WAIT_MS,
      "listFeatures",
    );
    assert.deepEqual(
      features.map((f) => f.name),
      Array.from({ length: 50 }, (_, i) => `f${i}`),
    );
    async function* points() {
      for (let i = 0; i < 30; i++) yield { latitude: i };
    }
    const summary = await within(
      client.recordRoute(points()),
      WAIT_MS,
      "recordRoute",
    );
    assert.equal(summary.pointCount, 30);
    const echoes = await within(
      Array.fromAsync(client.routeChat([{ message: "a" }, { message: "b" }])),
      WAIT_MS,
      "routeChat",
    );
    assert.deepEqual(echoes.map((n) => n.message), ["echo a", "echo b"]);
  },
});

Deno.test({
  name:
    "nginx grpc_pass: request metadata, response headers and trailers (text and -bin), statuses with their messages and trailers pass through",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp();
    const greeter = createClient(Greeter, env.channel);
    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const reply = await within(
      greeter.sayHello({ name: "md" }, {
        metadata: { "x-echo": "value-1", "x-bin-bin": bytes },
        onHeader: (h) => header = h,
        onTrailer: (t) => trailer = t,
      }),
      WAIT_MS,
      "sayHello",
    );
    assert.equal(reply.message, "Hello md");
    assert.equal(header?.get("x-echo"), "value-1");
    assert.equal(trailer?.get("x-echo-trailer"), "value-1");
    assert.deepEqual(trailer?.get("x-bin-bin"), bytes);

    // A trailers-only error (HEADERS with END_STREAM, no DATA).
    const failed = await failure(
      greeter.sayHello({ name: "fail" }),
      "the failing call",
    );
    assert.ok(failed instanceof GrpcError, String(failed));
    assert.equal(failed.code, Code.FAILED_PRECONDITION);
    assert.equal(failed.rawMessage, "no ☺ today");
    assert.equal(failed.metadata.get("x-reason"), "test");

    // An error after messages, in real trailers.
    const guide = createClient(RouteGuide, env.channel);
    const echoes: string[] = [];
    const aborted = await failure(
      (async () => {
        const notes = [
          { message: "a" },
          { message: "abort", location: { latitude: 3 } },
        ];
        for await (const n of guide.routeChat(notes)) echoes.push(n.message);
      })(),
      "the stream ended by an error",
    );
    assert.deepEqual(echoes, ["echo a"]);
    assert.ok(aborted instanceof GrpcError, String(aborted));
    assert.equal(aborted.code, Code.ABORTED);
    assert.equal(aborted.rawMessage, "stopped mid-stream");
    assert.equal(aborted.metadata.get("x-after"), "3");

    // An unknown method: our server's UNIMPLEMENTED, not an nginx error.
    const health = await failure(
      createClient(Health, env.channel).check({}),
      "a call to a service the server lacks",
    );
    assert.ok(health instanceof GrpcError, String(health));
    assert.equal(health.code, Code.UNIMPLEMENTED);
  },
});

Deno.test({
  name:
    "nginx grpc_pass: the deadline reaches the server as grpc-timeout; the client fails with DEADLINE_EXCEEDED and the handler's signal fires",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp();
    const greeter = createClient(Greeter, env.channel);
    const before = Date.now();
    const error = await failure(
      greeter.sayHello({ name: "slow" }, { timeoutMs: 500 }),
      "the slow call",
    );
    assert.ok(error instanceof GrpcError, String(error));
    assert.equal(error.code, Code.DEADLINE_EXCEEDED);
    const deadline = env.seen.deadline;
    assert.ok(deadline !== undefined, "the server saw a deadline");
    assert.ok(
      deadline > before && deadline <= before + 1000,
      `deadline ${deadline - before} ms after the call began`,
    );
    await eventually(
      () => env.seen.aborted,
      WAIT_MS,
      "the handler's signal",
    );
  },
});

Deno.test({
  name:
    "nginx grpc_pass: after keepalive_requests calls nginx closes the connection with GOAWAY; the channel's next calls take a new one",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp("keepalive_requests 5;");
    const client = createClient(RouteGuide, env.channel);
    for (let i = 0; i < 20; i++) {
      const feature = await within(
        client.getFeature({ latitude: i }),
        WAIT_MS,
        `call ${i}`,
      );
      assert.equal(feature.name, `at ${i}`);
    }
    // 5 calls per connection, none lost.
    assert.equal(env.toNginx.accepted, 4);
  },
});
