import assert from "node:assert/strict";
import {
  Code,
  createChannel,
  createClient,
  GrpcError,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

const SAY_HELLO = { service: "helloworld.Greeter", method: "SayHello" };

async function startServer(
  sayHello: (name: string, signal: AbortSignal) => Promise<string> | string,
): Promise<{ server: Server; port: number }> {
  const server = new Server().add(Greeter, {
    sayHello: async (req, ctx) => ({
      message: await sayHello(req.name, ctx.signal),
    }),
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  return { server, port: (addr as Deno.NetAddr).port };
}

function isCode(code: Code) {
  return (e: unknown) => e instanceof GrpcError && e.code === code;
}

Deno.test("a method config's timeout bounds calls that set none", async () => {
  const { server, port } = await startServer((_, signal) =>
    new Promise<string>((resolve) => {
      // Answers only once cancelled: the deadline must end the call.
      signal.addEventListener("abort", () => resolve("late"), { once: true });
    })
  );
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`, {
      serviceConfig: {
        methodConfig: [{ name: [SAY_HELLO], timeout: "0.05s" }],
      },
    }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, channel);
  await assert.rejects(
    within(client.sayHello({ name: "x" }), WAIT_MS, "sayHello"),
    isCode(Code.DEADLINE_EXCEEDED),
  );
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("a method config's maxResponseMessageBytes lowers the client's limit for that method only", async () => {
  const { server, port } = await startServer((name) => name);
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`, {
      serviceConfig: {
        methodConfig: [{
          name: [SAY_HELLO],
          maxResponseMessageBytes: 100,
          maxRequestMessageBytes: 1000,
        }],
      },
    }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, channel);
  const ok = await within(client.sayHello({ name: "small" }), WAIT_MS, "ok");
  assert.equal(ok.message, "small");
  await assert.rejects(
    within(client.sayHello({ name: "x".repeat(500) }), WAIT_MS, "big reply"),
    isCode(Code.RESOURCE_EXHAUSTED),
  );
  await assert.rejects(
    within(client.sayHello({ name: "y".repeat(2000) }), WAIT_MS, "big request"),
    isCode(Code.RESOURCE_EXHAUSTED),
  );
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("waitForReady from the method config makes a call wait instead of failing fast", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close(); // refused from now on
  const options = { backoff: { initialBackoffMs: 20, maxBackoffMs: 50 } };
  await using failFast = disposeWithin(
    createChannel(`127.0.0.1:${port}`, options),
    WAIT_MS,
    "channel.close()",
  );
  await assert.rejects(
    within(
      createClient(Greeter, failFast).sayHello({ name: "a" }),
      WAIT_MS,
      "fail-fast call",
    ),
    isCode(Code.UNAVAILABLE),
  );
  await using waiting = disposeWithin(
    createChannel(`127.0.0.1:${port}`, {
      ...options,
      serviceConfig: { methodConfig: [{ name: [{}], waitForReady: true }] },
    }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, waiting);
  await assert.rejects(
    within(client.sayHello({ name: "b" }, { timeoutMs: 300 }), WAIT_MS, "wait"),
    isCode(Code.DEADLINE_EXCEEDED),
  );
  // The per-call option wins over the config.
  await assert.rejects(
    within(
      client.sayHello({ name: "c" }, { waitForReady: false }),
      WAIT_MS,
      "fail fast",
    ),
    isCode(Code.UNAVAILABLE),
  );
  // A server appearing on that port serves the waiting call.
  const pending = client.sayHello({ name: "d" }, { timeoutMs: 5000 });
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  await within(
    server.listen({ hostname: "127.0.0.1", port }),
    WAIT_MS,
    "server.listen",
  );
  assert.equal((await within(pending, WAIT_MS, "served")).message, "Hello d");
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("createChannel rejects an invalid service config as a whole", () => {
  assert.throws(
    () =>
      createChannel("127.0.0.1:1", {
        serviceConfig: { methodConfig: [{ name: [SAY_HELLO], timeout: "1" }] },
      }),
    isCode(Code.INVALID_ARGUMENT),
  );
  assert.throws(
    () =>
      createChannel("127.0.0.1:1", {
        serviceConfig: { loadBalancingConfig: [{ no_such_policy: {} }] },
      }),
    /no registered policy/,
  );
});
