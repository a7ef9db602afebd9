/**
 * Malformed gRPC requests, sent with the raw HTTP/2 client, get the status
 * the spec names instead of a crash or a hang.
 */
import assert from "node:assert/strict";
import { Server } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import type { HeaderField } from "../../lib/http2/hpack/mod.ts";
import { WAIT_MS, within } from "../_bounded.ts";

interface Answer {
  status: string | undefined;
  grpcStatus: string | undefined;
  fields: HeaderField[];
}

async function withServer(fn: (port: number) => Promise<void>): Promise<void> {
  const server = new Server().add(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  const addr = await within(
    server.listen({ hostname: "127.0.0.1", port: 0 }),
    WAIT_MS,
    "server.listen",
  ) as Deno.NetAddr;
  try {
    await fn(addr.port);
  } finally {
    await within(server.shutdown(1000), WAIT_MS, "server.shutdown(1000)");
  }
}

/** Sends one request with the given extra headers and body; collects the answer. */
async function send(
  port: number,
  extra: HeaderField[],
  body: Uint8Array,
  contentType = "application/grpc",
): Promise<Answer> {
  const conn = await within(
    connectHttp2({ hostname: "127.0.0.1", port }),
    WAIT_MS,
    "connect",
  );
  await within(conn.ready, WAIT_MS, "the server's SETTINGS");
  const fields: HeaderField[] = [];
  const done = Promise.withResolvers<void>();
  const stream = await within(
    conn.openStream({
      onHeaders(f) {
        fields.push(...f);
      },
      onData(data) {
        stream.consume(data.length);
      },
      onClose() {
        done.resolve();
      },
    }),
    WAIT_MS,
    "a stream",
  );
  stream.sendHeaders([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/helloworld.Greeter/SayHello"],
    [":authority", `127.0.0.1:${port}`],
    ["content-type", contentType],
    ["te", "trailers"],
    ...extra,
  ]);
  stream.sendData(body, true).catch(() => {});
  await within(done.promise, WAIT_MS, "the stream's close");
  await within(conn.close(), WAIT_MS, "connection close");
  const get = (name: string) => fields.find((f) => f[0] === name)?.[1];
  return { status: get(":status"), grpcStatus: get("grpc-status"), fields };
}

function envelope(flag: number, payload: number[]): Uint8Array {
  const n = payload.length;
  return new Uint8Array([
    flag,
    n >>> 24,
    (n >>> 16) & 255,
    (n >>> 8) & 255,
    n & 255,
    ...payload,
  ]);
}

const HELLO = [10, 1, 97]; // HelloRequest{name: "a"}

Deno.test("a well-formed raw request is answered OK (the harness itself works)", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], envelope(0, HELLO));
    assert.equal(a.grpcStatus, "0");
  });
});

Deno.test("a compressed flag without grpc-encoding is INTERNAL", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], envelope(1, HELLO));
    assert.equal(a.grpcStatus, "13");
  });
});

Deno.test("an unsupported grpc-encoding is UNIMPLEMENTED and lists what is accepted", async () => {
  await withServer(async (port) => {
    const a = await send(port, [["grpc-encoding", "br"]], envelope(1, HELLO));
    assert.equal(a.grpcStatus, "12");
    assert.match(
      a.fields.find((f) => f[0] === "grpc-accept-encoding")?.[1] ?? "",
      /gzip/,
    );
  });
});

Deno.test("a message cut short by END_STREAM is INTERNAL", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], envelope(0, HELLO).subarray(0, 6));
    assert.equal(a.grpcStatus, "13");
  });
});

Deno.test("a flag byte other than 0 or 1 is INTERNAL", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], envelope(2, HELLO));
    assert.equal(a.grpcStatus, "13");
  });
});

Deno.test("two messages for a unary method are INTERNAL", async () => {
  await withServer(async (port) => {
    const a = await send(
      port,
      [],
      new Uint8Array([...envelope(0, HELLO), ...envelope(0, HELLO)]),
    );
    assert.equal(a.grpcStatus, "13");
  });
});

Deno.test("a message that is not the method's protobuf is INTERNAL", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], envelope(0, [0xff, 0xff, 0xff]));
    assert.equal(a.grpcStatus, "13");
  });
});

Deno.test("a malformed grpc-timeout is INTERNAL, as in grpc-go", async () => {
  await withServer(async (port) => {
    for (const bad of ["123456789S", "10x", "S", ""]) {
      const a = await send(port, [["grpc-timeout", bad]], envelope(0, HELLO));
      assert.equal(a.grpcStatus, "13", bad);
    }
    const ok = await send(port, [["grpc-timeout", "5S"]], envelope(0, HELLO));
    assert.equal(ok.grpcStatus, "0");
  });
});

Deno.test("a length prefix above the limit is RESOURCE_EXHAUSTED before the body arrives", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], new Uint8Array([0, 0x7f, 0xff, 0xff, 0xff]));
    assert.equal(a.grpcStatus, "8");
  });
});

Deno.test("a content-type that is not gRPC gets HTTP 415", async () => {
  await withServer(async (port) => {
    const a = await send(port, [], envelope(0, HELLO), "text/plain");
    assert.equal(a.status, "415");
  });
});
