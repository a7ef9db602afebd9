/**
 * Malformed or unusual responses from a scripted HTTP/2 server map to the
 * status PROTOCOL-HTTP2.md and http-grpc-status-mapping.md name.
 */
import assert from "node:assert/strict";
import { Code, createChannel, createClient, GrpcError } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { acceptHttp2 } from "../../lib/http2/serve.ts";
import type { Http2Connection } from "../../lib/http2/connection.ts";
import type { Http2Stream } from "../../lib/http2/stream.ts";
import type { HeaderField } from "../../lib/http2/hpack/mod.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";

type Script = (stream: Http2Stream) => void;

/** A server that answers every request with `script`. */
async function withScript(
  script: Script,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Http2Connection[] = [];
  const accepting = acceptHttp2(listener, {
    onStream(stream, _fields, endStream) {
      const answer = () => script(stream);
      if (endStream) queueMicrotask(answer);
      return {
        onHeaders() {},
        onData(data, end) {
          stream.consume(data.length);
          if (end) answer();
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
    await within(
      Promise.all(conns.map((c) => c.closed)),
      WAIT_MS,
      "the scripted connections' close",
    );
  }
}

const OK_HEADERS: HeaderField[] = [[":status", "200"], [
  "content-type",
  "application/grpc",
]];
const REPLY = new Uint8Array([0, 0, 0, 0, 3, 10, 1, 120]); // HelloReply{message: "x"}

async function call(port: number): Promise<GrpcError | string> {
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
  try {
    const reply = await within(
      createClient(Greeter, channel).sayHello({ name: "a" }, {
        timeoutMs: 5000,
      }),
      WAIT_MS,
      "the call's outcome",
    );
    return reply.message;
  } catch (error) {
    assert.ok(error instanceof GrpcError);
    return error;
  }
}

function codeOf(result: GrpcError | string): number {
  return typeof result === "string" ? Code.OK : result.code;
}

Deno.test("a scripted good answer works (the harness itself)", async () => {
  await withScript((s) => {
    s.sendHeaders(OK_HEADERS);
    void s.sendData(REPLY);
    s.sendHeaders([["grpc-status", "0"]], true);
  }, async (port) => assert.equal(await call(port), "x"));
});

Deno.test("trailers without grpc-status are UNKNOWN", async () => {
  await withScript((s) => {
    s.sendHeaders(OK_HEADERS);
    void s.sendData(REPLY);
    s.sendHeaders([["x-other", "1"]], true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.UNKNOWN));
});

Deno.test("a grpc-status that is not a number is UNKNOWN", async () => {
  await withScript((s) => {
    s.sendHeaders([...OK_HEADERS, ["grpc-status", "abc"]], true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.UNKNOWN));
});

Deno.test("a compressed response without grpc-encoding is INTERNAL", async () => {
  await withScript((s) => {
    s.sendHeaders(OK_HEADERS);
    const compressed = REPLY.slice();
    compressed[0] = 1;
    void s.sendData(compressed);
    s.sendHeaders([["grpc-status", "0"]], true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.INTERNAL));
});

Deno.test("a response in an encoding the client lacks is INTERNAL", async () => {
  await withScript((s) => {
    s.sendHeaders([...OK_HEADERS, ["grpc-encoding", "br"]]);
    void s.sendData(REPLY);
    s.sendHeaders([["grpc-status", "0"]], true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.INTERNAL));
});

Deno.test("a 200 that is not gRPC (text/html) is UNKNOWN", async () => {
  await withScript((s) => {
    s.sendHeaders([[":status", "200"], ["content-type", "text/html"]]);
    void s.sendData(new TextEncoder().encode("<html>"), true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.UNKNOWN));
});

Deno.test("HTTP 503 without grpc-status is UNAVAILABLE, 401 UNAUTHENTICATED", async () => {
  for (
    const [status, code] of [["503", Code.UNAVAILABLE], [
      "401",
      Code.UNAUTHENTICATED,
    ]] as const
  ) {
    await withScript((s) => {
      s.sendHeaders([[":status", status]], true);
    }, async (port) => assert.equal(codeOf(await call(port)), code));
  }
});

Deno.test("a message cut short before OK trailers is INTERNAL", async () => {
  await withScript((s) => {
    s.sendHeaders(OK_HEADERS);
    void s.sendData(REPLY.subarray(0, 6));
    s.sendHeaders([["grpc-status", "0"]], true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.INTERNAL));
});

Deno.test("two messages for a unary call are INTERNAL", async () => {
  await withScript((s) => {
    s.sendHeaders(OK_HEADERS);
    void s.sendData(new Uint8Array([...REPLY, ...REPLY]));
    s.sendHeaders([["grpc-status", "0"]], true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.INTERNAL));
});

Deno.test("a stream that ends without trailers is INTERNAL", async () => {
  await withScript((s) => {
    s.sendHeaders(OK_HEADERS);
    void s.sendData(REPLY, true);
  }, async (port) => assert.equal(codeOf(await call(port)), Code.INTERNAL));
});

Deno.test("RST_STREAM codes map to their statuses", async () => {
  const table: Array<[number, number]> = [
    [7, Code.UNAVAILABLE], // REFUSED_STREAM
    [8, Code.CANCELLED], // CANCEL
    [11, Code.RESOURCE_EXHAUSTED], // ENHANCE_YOUR_CALM
    [12, Code.PERMISSION_DENIED], // INADEQUATE_SECURITY
    [2, Code.INTERNAL], // INTERNAL_ERROR
  ];
  for (const [rst, code] of table) {
    await withScript((s) => s.reset(rst), async (port) => {
      assert.equal(codeOf(await call(port)), code, `RST_STREAM ${rst}`);
    });
  }
});

Deno.test("grpc-message is percent-decoded and trailers reach the error", async () => {
  await withScript((s) => {
    s.sendHeaders([
      ...OK_HEADERS,
      ["grpc-status", "5"],
      ["grpc-message", "no %E2%98%BA here%"],
      ["x-why", "gone"],
    ], true);
  }, async (port) => {
    const result = await call(port);
    assert.ok(result instanceof GrpcError);
    assert.equal(result.code, Code.NOT_FOUND);
    assert.equal(result.rawMessage, "no ☺ here%");
    assert.equal(result.metadata.get("x-why"), "gone");
  });
});
