import assert from "node:assert/strict";
import { createChannel, createClient, Metadata, Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";

Deno.test("a channel reaches a server on a unix socket (unix:path)", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/grpc.sock`;
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  await server.listen({ transport: "unix", path });
  try {
    await using channel = createChannel(`unix:${path}`);
    assert.equal(channel.authority, "localhost");
    const reply = await createClient(Greeter, channel).sayHello({
      name: "unix",
    });
    assert.equal(reply.message, "Hello unix");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a channel opens a new connection for the next call once its connection closed", async () => {
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  const addr = await server.listen({
    hostname: "127.0.0.1",
    port: 0,
  }) as Deno.NetAddr;
  await using channel = createChannel(`127.0.0.1:${addr.port}`);
  const client = createClient(Greeter, channel);
  const info = {
    path: "/helloworld.Greeter/SayHello",
    metadata: new Metadata(),
  };
  assert.equal(channel.getState(), "IDLE", "no connection before a call");
  assert.equal(channel.picker.pick(info).type, "queue");
  assert.equal((await client.sayHello({ name: "a" })).message, "Hello a");
  assert.equal(channel.getState(), "READY");
  const picked = channel.picker.pick(info);
  assert.equal(picked.type, "complete");
  const first = picked.type === "complete"
    ? picked.subchannel.transport
    : undefined;
  assert.ok(first);
  await (first as unknown as { close(): Promise<void> }).close();
  assert.equal(channel.getState(), "IDLE", "idle once it closed");
  assert.equal((await client.sayHello({ name: "b" })).message, "Hello b");
  const again = channel.picker.pick(info);
  assert.ok(again.type === "complete" && again.subchannel.transport);
  assert.notEqual(again.subchannel.transport, first);
  await server.shutdown();
});

Deno.test("listen rejects when the address is in use", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const server = new Server();
  await assert.rejects(server.listen({ hostname: "127.0.0.1", port }));
  taken.close();
  await server.shutdown();
});
