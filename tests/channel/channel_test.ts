import assert from "node:assert/strict";
import { createChannel, createClient, Metadata, Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { transportOf } from "../../lib/channel/transport.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

Deno.test("a channel reaches a server on a unix socket (unix:path)", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/grpc.sock`;
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  await within(
    server.listen({ transport: "unix", path }),
    WAIT_MS,
    "server.listen",
  );
  try {
    await using channel = disposeWithin(
      createChannel(`unix:${path}`),
      WAIT_MS,
      "channel.close()",
    );
    assert.equal(channel.authority, "localhost");
    const reply = await within(
      createClient(Greeter, channel).sayHello({ name: "unix" }),
      WAIT_MS,
      "sayHello reply",
    );
    assert.equal(reply.message, "Hello unix");
  } finally {
    await within(server.shutdown(), WAIT_MS, "server.shutdown()");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a channel opens a new connection for the next call once its connection closed", async () => {
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  ) as Deno.NetAddr;
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${addr.port}`),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, channel);
  const info = {
    path: "/helloworld.Greeter/SayHello",
    metadata: new Metadata(),
  };
  assert.equal(channel.getState(), "IDLE", "no connection before a call");
  assert.equal(channel.picker.pick(info).type, "queue");
  const a = await within(client.sayHello({ name: "a" }), WAIT_MS, "reply a");
  assert.equal(a.message, "Hello a");
  assert.equal(channel.getState(), "READY");
  const picked = channel.picker.pick(info);
  assert.equal(picked.type, "complete");
  const first = picked.type === "complete"
    ? transportOf(picked.subchannel)
    : undefined;
  assert.ok(first);
  await within(
    (first as unknown as { close(): Promise<void> }).close(),
    WAIT_MS,
    "connection close",
  );
  assert.equal(channel.getState(), "IDLE", "idle once it closed");
  const b = await within(client.sayHello({ name: "b" }), WAIT_MS, "reply b");
  assert.equal(b.message, "Hello b");
  const again = channel.picker.pick(info);
  assert.ok(again.type === "complete" && transportOf(again.subchannel));
  assert.notEqual(transportOf(again.subchannel), first);
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});

Deno.test("listen rejects when the address is in use", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const server = new Server();
  await assert.rejects(
    within(server.listen({ hostname: "127.0.0.1", port }), WAIT_MS, "listen"),
    (e: unknown) => e instanceof Deno.errors.AddrInUse,
  );
  taken.close();
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});
