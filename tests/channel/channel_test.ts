import assert from "node:assert/strict";
import { createChannel, createClient, Server } from "../../mod.ts";
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
  assert.equal(channel.readyConnection?.(), undefined, "none before a call");
  assert.equal((await client.sayHello({ name: "a" })).message, "Hello a");
  const first = await channel.getConnection();
  assert.equal(channel.readyConnection?.(), first);
  await first.close();
  assert.equal(channel.readyConnection?.(), undefined, "none once it closed");
  assert.equal((await client.sayHello({ name: "b" })).message, "Hello b");
  assert.notEqual(await channel.getConnection(), first);
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
