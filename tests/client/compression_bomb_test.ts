/**
 * A gzip response that inflates to 1 GiB (issue 12) fails the call with
 * RESOURCE_EXHAUSTED within a second and in bounded memory, over real
 * sockets, and the channel goes on serving calls.
 */
import assert from "node:assert/strict";
import {
  Code,
  type Compression,
  CompressionRegistry,
  createChannel,
  createClient,
  GrpcError,
  gzip,
  Server,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { assertQuickAndSmall, gzipBomb, measure } from "../grpc/_bomb.ts";

const BOMB = gzipBomb(1024 * 1024 * 1024);

/** A server-side "gzip" that sends the bomb in place of any message. */
const bombing: Compression = {
  name: "gzip",
  compress: () => Promise.resolve(BOMB),
  decompress: (data, maxSize) => gzip.decompress(data, maxSize),
};

Deno.test("a gzip response inflating to 1 GiB fails the call with RESOURCE_EXHAUSTED quickly, in bounded memory, and the channel keeps serving", async () => {
  const server = new Server({
    compressions: new CompressionRegistry([bombing]),
  }).add(Greeter, {
    sayHello(req, ctx) {
      if (req.name === "bomb") ctx.setCompression("gzip");
      return { message: `${req.name} from ${ctx.peer}` };
    },
  });
  const addr = await server.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await using channel = createChannel(
      `127.0.0.1:${(addr as Deno.NetAddr).port}`,
    );
    const client = createClient(Greeter, channel);
    const before = await client.sayHello({ name: "a" }, { timeoutMs: 5000 });

    const m = await measure(async () => {
      await assert.rejects(
        client.sayHello({ name: "bomb" }, { timeoutMs: 5000 }),
        (error: unknown) => {
          assert.ok(error instanceof GrpcError);
          assert.equal(error.code, Code.RESOURCE_EXHAUSTED, error.message);
          return true;
        },
      );
    });
    assertQuickAndSmall(m);

    // The same connection (same client port) serves the next call.
    const after = await client.sayHello({ name: "b" }, { timeoutMs: 5000 });
    assert.equal(after.message.replace(/^b /, "a "), before.message);
  } finally {
    await server.shutdown(1000);
  }
});
