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
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

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
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  );
  try {
    await using channel = disposeWithin(
      createChannel(`127.0.0.1:${(addr as Deno.NetAddr).port}`),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const before = await within(
      client.sayHello({ name: "a" }, { timeoutMs: 5000 }),
      WAIT_MS,
      "the call before",
    );

    const m = await measure(async () => {
      await assert.rejects(
        within(
          client.sayHello({ name: "bomb" }, { timeoutMs: 5000 }),
          WAIT_MS,
          "the bombed call",
        ),
        (error: unknown) => {
          assert.ok(error instanceof GrpcError);
          assert.equal(error.code, Code.RESOURCE_EXHAUSTED, error.message);
          return true;
        },
      );
    });
    assertQuickAndSmall(m);

    // The same connection (same client port) serves the next call.
    const after = await within(
      client.sayHello({ name: "b" }, { timeoutMs: 5000 }),
      WAIT_MS,
      "the call after",
    );
    assert.equal(after.message.replace(/^b /, "a "), before.message);
  } finally {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown()");
  }
});
