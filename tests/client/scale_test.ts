/**
 * Scale: 10,000 calls open at once on one connection, all held by the server
 * until every one has arrived, then all complete.
 */
import assert from "node:assert/strict";
import { createChannel, createClient, Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

Deno.test("10,000 concurrent calls on one connection all complete", async () => {
  const N = 10_000;
  let arrived = 0;
  const allHere = Promise.withResolvers<void>();
  const server = new Server().add(Greeter, {
    async sayHello(req) {
      if (++arrived === N) allHere.resolve();
      await allHere.promise;
      return { message: `Hello ${req.name}` };
    },
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
  const replies = await within(
    Promise.all(
      Array.from({ length: N }, (_, i) => client.sayHello({ name: String(i) })),
    ),
    6 * WAIT_MS,
    `${N} replies`,
  );
  assert.equal(arrived, N);
  assert.equal(replies.length, N);
  assert.equal(replies[N - 1].message, `Hello ${N - 1}`);
  await within(server.shutdown(), WAIT_MS, "server.shutdown()");
});
