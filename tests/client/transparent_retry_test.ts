/**
 * gRPC's transparent retry: a call the server never processed (its stream
 * refused) is sent again once, unseen by the caller.
 */
import assert from "node:assert/strict";
import { Code, createChannel, createClient, GrpcError } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { acceptHttp2 } from "../../lib/http2/serve.ts";
import type { Http2Connection } from "../../lib/http2/connection.ts";
import type { Http2Stream } from "../../lib/http2/stream.ts";
import { ErrorCode } from "../../lib/http2/frame/types.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

const REPLY = new Uint8Array([0, 0, 0, 0, 3, 10, 1, 120]); // HelloReply{message: "x"}

/** Serves requests with `answer(stream, n)` (n counts requests from 1). */
async function withServer(
  answer: (stream: Http2Stream, n: number, conn: Http2Connection) => void,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Http2Connection[] = [];
  let n = 0;
  const accepting = acceptHttp2(listener, {
    onStream(stream) {
      const count = ++n;
      const conn = conns[conns.length - 1];
      return {
        onHeaders() {},
        onData(data, end) {
          stream.consume(data.length);
          if (end) answer(stream, count, conn);
        },
        onClose() {},
      };
    },
  }, (c) => conns.push(c));
  try {
    await fn((listener.addr as Deno.NetAddr).port);
  } finally {
    listener.close();
    for (const c of conns) c.destroy();
    await within(accepting, WAIT_MS, "the accept loop's end");
  }
}

function serve(stream: Http2Stream): void {
  stream.sendHeaders([[":status", "200"], [
    "content-type",
    "application/grpc",
  ]]);
  void stream.sendData(REPLY);
  stream.sendHeaders([["grpc-status", "0"]], true);
}

async function sayHello(port: number): Promise<string | GrpcError> {
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
  try {
    const reply = await within(
      createClient(Greeter, channel).sayHello({ name: "a" }),
      WAIT_MS,
      "sayHello",
    );
    return reply.message;
  } catch (error) {
    assert.ok(error instanceof GrpcError);
    return error;
  }
}

Deno.test("a unary call whose stream is refused is sent again, unseen by the caller", async () => {
  const seen: number[] = [];
  await withServer((stream, n) => {
    seen.push(n);
    if (n === 1) stream.reset(ErrorCode.REFUSED_STREAM);
    else serve(stream);
  }, async (port) => {
    assert.equal(await sayHello(port), "x");
  });
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("transparent retry happens once: refused twice is UNAVAILABLE", async () => {
  let requests = 0;
  await withServer((stream) => {
    requests++;
    stream.reset(ErrorCode.REFUSED_STREAM);
  }, async (port) => {
    const result = await sayHello(port);
    assert.ok(result instanceof GrpcError);
    assert.equal(result.code, Code.UNAVAILABLE);
  });
  assert.equal(requests, 2);
});

Deno.test("a stream reset with another code is not retried", async () => {
  let requests = 0;
  await withServer((stream) => {
    requests++;
    stream.reset(ErrorCode.INTERNAL_ERROR);
  }, async (port) => {
    const result = await sayHello(port);
    assert.ok(result instanceof GrpcError);
    assert.equal(result.code, Code.INTERNAL);
  });
  assert.equal(requests, 1);
});

Deno.test("a unary call above a GOAWAY's last stream id is sent again on a new connection", async () => {
  const seen: number[] = [];
  const connections = new Set<Http2Connection>();
  await withServer((stream, n, conn) => {
    seen.push(n);
    connections.add(conn);
    // "Nothing processed": the first stream is above last stream id 0.
    if (n === 1) conn.goaway(ErrorCode.NO_ERROR, "draining", 0);
    else serve(stream);
  }, async (port) => {
    assert.equal(await sayHello(port), "x");
  });
  assert.deepEqual(seen, [1, 2]);
  assert.equal(connections.size, 2, "the retry used a new connection");
});

Deno.test("a server-streaming call whose stream is refused is sent again with its request", async () => {
  const seen: number[] = [];
  await withServer((stream, n) => {
    seen.push(n);
    if (n === 1) stream.reset(ErrorCode.REFUSED_STREAM);
    else serve(stream); // one Feature{name: "x"}: same bytes as the reply
  }, async (port) => {
    await using channel = disposeWithin(
      createChannel(`127.0.0.1:${port}`),
      WAIT_MS,
      "channel.close()",
    );
    const features = await within(
      Array.fromAsync(
        createClient(RouteGuide, channel).listFeatures({
          lo: { latitude: 1, longitude: 2 },
        }),
      ),
      WAIT_MS,
      "listFeatures",
    );
    assert.deepEqual(features.map((f) => f.name), ["x"]);
  });
  assert.deepEqual(seen, [1, 2]);
});
