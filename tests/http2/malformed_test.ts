/**
 * Hostile and malformed input against our connection engine, from a raw
 * frame-level peer: each test sends hand-made frames and checks the error the
 * engine answers with (RST_STREAM or GOAWAY and its code), and that the
 * connection closes instead of hanging.
 */

import assert from "node:assert/strict";
import type { Http2ConnectionOptions } from "../../lib/http2/connection.ts";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
  ResetError,
} from "../../lib/http2/errors.ts";
import {
  CLIENT_PREFACE,
  type DataFrame,
  ErrorCode,
  Flags,
  FrameType,
  type HeadersFrame,
  MAX_WINDOW,
  type PingFrame,
  SettingId,
} from "../../lib/http2/frame/types.ts";
import type { StreamHandler } from "../../lib/http2/stream.ts";
import {
  closedFully,
  field,
  get,
  post,
  RawPeer,
  request,
  startServer,
  type TestServer,
} from "./_helpers.ts";
import { WAIT_MS, within } from "../_bounded.ts";

const {
  PROTOCOL_ERROR,
  FLOW_CONTROL_ERROR,
  SETTINGS_TIMEOUT,
  STREAM_CLOSED,
  FRAME_SIZE_ERROR,
  COMPRESSION_ERROR,
  ENHANCE_YOUR_CALM,
} = ErrorCode;

/** A server and a raw client peer connected to it (handshake done unless told). */
async function setup(
  options: Omit<Http2ConnectionOptions, "role"> = {},
  handshake = true,
): Promise<
  { server: TestServer; peer: RawPeer; [Symbol.asyncDispose](): Promise<void> }
> {
  const server = startServer(options);
  const peer = await RawPeer.connect(server.port);
  if (handshake) await peer.clientHandshake();
  return {
    server,
    peer,
    async [Symbol.asyncDispose]() {
      peer.close();
      await server.close();
    },
  };
}

/** HEADERS for a GET on `id`, ending the stream. */
function getOn(peer: RawPeer, id: number, path = "/"): Promise<void> {
  return peer.send((w) => w.headers(id, peer.block(get(path)), true, 16384));
}

function responseEnded(id: number) {
  return (f: { type: number; streamId: number }): f is DataFrame =>
    f.type === FrameType.DATA && f.streamId === id &&
    (f as DataFrame).endStream;
}

/** A server app that reads request bodies but never consumes them. */
const hoarder = {
  onStream: (): StreamHandler => ({
    onHeaders() {},
    onData() {},
    onClose() {},
  }),
};

// ------------------------------------------------------------------ preface

Deno.test("a bad client preface gets GOAWAY PROTOCOL_ERROR and a close", async () => {
  await using t = await setup({}, false);
  await t.peer.sendBytes(
    new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
  );
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, PROTOCOL_ERROR);
});

Deno.test("a first frame other than SETTINGS gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup({}, false);
  await t.peer.sendBytes(CLIENT_PREFACE);
  await t.peer.send((w) => w.ping(new Uint8Array(8), false));
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, PROTOCOL_ERROR);
});

Deno.test("a truncated frame then EOF closes the connection cleanly", async () => {
  await using t = await setup();
  const conn = await t.server.connection();
  // A DATA header announcing 100 bytes, and only 10 of them.
  const bytes = new Uint8Array(19);
  bytes.set([0, 0, 100, FrameType.DATA, 0, 0, 0, 0, 1]);
  await t.peer.sendBytes(bytes);
  await within(t.peer.conn.closeWrite(), WAIT_MS, "closeWrite");
  const error = await closedFully(conn);
  assert.ok(error instanceof ConnectionClosedError, String(error));
  // The engine closes its side too.
  await t.peer.toEof();
  assert.equal(t.peer.eof, true);
});

Deno.test("EOF right after the handshake closes the server connection", async () => {
  await using t = await setup();
  const conn = await t.server.connection();
  await within(t.peer.conn.closeWrite(), WAIT_MS, "closeWrite");
  const error = await closedFully(conn);
  assert.ok(error instanceof ConnectionClosedError, String(error));
});

Deno.test("a peer that never ACKs our SETTINGS gets GOAWAY SETTINGS_TIMEOUT", async () => {
  await using t = await setup({ settingsTimeoutMs: 30 }, false);
  await t.peer.clientHandshake([], false);
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, SETTINGS_TIMEOUT);
});

// ------------------------------------------------------------ frame shapes

Deno.test("DATA on stream 0 gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => w.raw(FrameType.DATA, 0, 0, new Uint8Array(4)));
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("SETTINGS on a stream gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => w.raw(FrameType.SETTINGS, 0, 1, new Uint8Array(0)));
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("SETTINGS ACK with a payload gets GOAWAY FRAME_SIZE_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.raw(FrameType.SETTINGS, Flags.ACK, 0, new Uint8Array(6))
  );
  assert.equal((await t.peer.goaway()).errorCode, FRAME_SIZE_ERROR);
});

Deno.test("a frame above our SETTINGS_MAX_FRAME_SIZE gets GOAWAY FRAME_SIZE_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.headers(1, t.peer.block(post("/echo")), false, 16384)
  );
  await t.peer.send((w) => w.raw(FrameType.DATA, 0, 1, new Uint8Array(16385)));
  assert.equal((await t.peer.goaway()).errorCode, FRAME_SIZE_ERROR);
});

Deno.test("an unknown frame type is ignored, on stream 0 and on a stream", async () => {
  await using t = await setup();
  await t.peer.send((w) => {
    w.raw(0xfa, 0xff, 0, new Uint8Array(20));
    w.raw(0x0b, 0, 7, new Uint8Array(3));
  });
  await t.peer.sync();
  await getOn(t.peer, 1, "/bytes/5");
  await t.peer.until(responseEnded(1));
  assert.ok(!t.peer.frames.some((f) => f.type === FrameType.GOAWAY));
});

Deno.test("PING gets an ACK carrying the same 8 bytes", async () => {
  await using t = await setup();
  const data = new Uint8Array([1, 2, 3, 4, 0xfe, 0xfd, 0xfc, 0xfb]);
  await t.peer.send((w) => w.ping(data, false));
  const ack = await t.peer.until((f): f is PingFrame =>
    f.type === FrameType.PING && f.ack
  );
  assert.deepEqual(ack.data, data);
});

Deno.test("PUSH_PROMISE sent to a server gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.headers(1, t.peer.block(post("/echo")), false, 16384)
  );
  await t.peer.send((w) => w.pushPromise(1, 2, t.peer.block(get("/p"))));
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("our DATA frames respect the peer's SETTINGS_MAX_FRAME_SIZE, default and raised", async () => {
  for (const max of [16384, 40000]) {
    const server = startServer();
    const peer = await RawPeer.connect(server.port);
    try {
      // Windows large enough for the whole body, so only the frame size
      // limits how the engine cuts it.
      const settings: Array<[number, number]> = [
        [SettingId.INITIAL_WINDOW_SIZE, 1 << 20],
      ];
      if (max !== 16384) settings.push([SettingId.MAX_FRAME_SIZE, max]);
      await peer.clientHandshake(settings);
      await peer.send((w) => w.windowUpdate(0, 1 << 20));
      await getOn(peer, 1, "/bytes/200000");
      await peer.until(responseEnded(1));
      const sizes = peer.frames.filter((f) => f.type === FrameType.DATA)
        .map((f) => (f as DataFrame).data.length);
      assert.equal(sizes.reduce((a, b) => a + b, 0), 200000);
      assert.ok(sizes.every((n) => n <= max), `${max}: ${sizes}`);
      assert.ok(sizes.includes(max), `${max}: ${sizes}`);
    } finally {
      peer.close();
      await server.close();
    }
  }
});

Deno.test("a response header block above the max frame size goes out as HEADERS + CONTINUATION", async () => {
  const big = "v".repeat(40000);
  await using t = await setup({
    onStream(stream) {
      queueMicrotask(() =>
        stream.sendHeaders([[":status", "200"], ["x-big", big]], true)
      );
      return hoarder.onStream();
    },
  });
  await getOn(t.peer, 1);
  const first = await t.peer.until((f): f is HeadersFrame =>
    f.type === FrameType.HEADERS
  );
  assert.equal(first.endHeaders, false);
  const parts = [first.fragment];
  while (true) {
    const c = await t.peer.next();
    assert.ok(c !== null && c.type === FrameType.CONTINUATION);
    assert.ok(c.fragment.length <= 16384);
    parts.push(c.fragment);
    if (c.endHeaders) break;
  }
  const block = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    block.set(p, at);
    at += p.length;
  }
  const fields = t.peer.hpackIn.decode(block).fields;
  assert.equal(field(fields, "x-big"), big);
});

// ----------------------------------------------------------- stream states

Deno.test("HEADERS on a closed stream gets STREAM_CLOSED", async () => {
  await using t = await setup();
  await getOn(t.peer, 1);
  await t.peer.until(responseEnded(1));
  await getOn(t.peer, 1);
  assert.equal(await t.peer.streamOrConnectionError(1), STREAM_CLOSED);
});

Deno.test("DATA after the client's END_STREAM gets STREAM_CLOSED", async () => {
  await using t = await setup(hoarder);
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.data(1, new Uint8Array(3), true);
    w.data(1, new Uint8Array(3), false);
  });
  assert.equal(await t.peer.streamOrConnectionError(1), STREAM_CLOSED);
});

Deno.test("DATA after the client's own RST_STREAM gets STREAM_CLOSED", async () => {
  await using t = await setup(hoarder);
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.rstStream(1, ErrorCode.CANCEL);
    w.data(1, new Uint8Array(3), false);
  });
  assert.equal(await t.peer.streamOrConnectionError(1), STREAM_CLOSED);
});

Deno.test("HEADERS depending on its own stream gets RST_STREAM PROTOCOL_ERROR; HPACK stays in step", async () => {
  await using t = await setup();
  const self = { exclusive: false, dependency: 1, weight: 16 };
  await t.peer.send((w) =>
    w.headers(
      1,
      t.peer.block([...get("/"), ["x-new", "indexed"]]),
      true,
      16384,
      self,
    )
  );
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
  // The next block refers to the entry the rejected block added.
  await t.peer.send((w) =>
    w.headers(
      3,
      t.peer.block([...get("/bytes/4"), ["x-new", "indexed"]]),
      true,
      16384,
    )
  );
  await t.peer.until(responseEnded(3));
});

Deno.test("PRIORITY depending on its own stream gets RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup(hoarder);
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.priority(1, { exclusive: false, dependency: 1, weight: 1 });
  });
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

for (
  const [name, length, bodies] of [
    ["more DATA than content-length", "4", [3, 3]],
    ["less DATA than content-length", "10", [3, 3]],
    ["END_STREAM on HEADERS with content-length 5", "5", []],
    ["a content-length that is not a number", "0x10", [16]],
  ] as const
) {
  Deno.test(`a request with ${name} gets RST_STREAM PROTOCOL_ERROR`, async () => {
    await using t = await setup(hoarder);
    const fields = [...post("/echo"), ["content-length", length] as const];
    await t.peer.send((w) => {
      w.headers(1, t.peer.block(fields), bodies.length === 0, 16384);
      bodies.forEach((n, i) =>
        w.data(1, new Uint8Array(n), i === bodies.length - 1)
      );
    });
    assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
  });
}

Deno.test("a request whose DATA matches its content-length is served", async () => {
  await using t = await setup();
  const fields = [...post("/count"), ["content-length", "6"] as const];
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(fields), false, 16384);
    w.data(1, new Uint8Array(2), false);
    w.data(1, new Uint8Array(4), true);
  });
  const end = await t.peer.until(responseEnded(1));
  assert.equal(new TextDecoder().decode(end.data), "6");
});

Deno.test("HEADERS on an even (server-initiated) stream id gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await getOn(t.peer, 2);
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("a stream id lower than the last one gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.headers(5, t.peer.block(post("/echo")), false, 16384)
  );
  await getOn(t.peer, 3);
  assert.equal(await t.peer.streamOrConnectionError(3), PROTOCOL_ERROR);
});

Deno.test("DATA on an idle stream gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => w.data(9, new Uint8Array(1), false));
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

// --------------------------------------------------------------- HPACK

Deno.test("an HPACK index past the tables gets GOAWAY COMPRESSION_ERROR", async () => {
  await using t = await setup();
  // Indexed field 70: the static table has 61 entries, the dynamic one none.
  await t.peer.send((w) =>
    w.headers(1, new Uint8Array([0x80 | 70]), true, 16384)
  );
  assert.equal((await t.peer.goaway()).errorCode, COMPRESSION_ERROR);
});

for (
  const [name, extra] of [
    ["an uppercase field name", ["X-Upper", "1"]],
    ["a connection header", ["connection", "keep-alive"]],
    ["te: gzip", ["te", "gzip"]],
    ["transfer-encoding", ["transfer-encoding", "chunked"]],
  ] as const
) {
  Deno.test(`a request with ${name} gets RST_STREAM PROTOCOL_ERROR and the connection lives on`, async () => {
    await using t = await setup();
    await t.peer.send((w) =>
      w.headers(1, t.peer.block([...get("/"), extra]), true, 16384)
    );
    assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
    // The HPACK tables are still in step: a good request works.
    await getOn(t.peer, 3, "/bytes/3");
    await t.peer.until(responseEnded(3));
  });
}

Deno.test("a request missing :path gets RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.headers(
      1,
      t.peer.block([[":method", "GET"], [":scheme", "http"]]),
      true,
      16384,
    )
  );
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

Deno.test("trailers with a pseudo-header get RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.headers(1, t.peer.block([[":path", "/x"]]), true, 16384);
  });
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

Deno.test("a header list above our limit gets a 431 response", async () => {
  await using t = await setup({ maxHeaderListSize: 1024 });
  await t.peer.send((w) =>
    w.headers(
      1,
      t.peer.block([...get("/"), ["x-big", "a".repeat(2000)]]),
      true,
      16384,
    )
  );
  const h = await t.peer.until((f): f is HeadersFrame =>
    f.type === FrameType.HEADERS && f.streamId === 1
  );
  const fields = t.peer.hpackIn.decode(h.fragment).fields;
  assert.equal(field(fields, ":status"), "431");
});

// -------------------------------------------------------- CONTINUATION

Deno.test("CONTINUATION without HEADERS gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.raw(FrameType.CONTINUATION, Flags.END_HEADERS, 1, t.peer.block(get("/")))
  );
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("a frame interleaved in a CONTINUATION sequence gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  const block = t.peer.block(get("/"));
  await t.peer.send((w) => {
    w.raw(FrameType.HEADERS, Flags.END_STREAM, 1, block.subarray(0, 3));
    w.ping(new Uint8Array(8), false);
    w.raw(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(3));
  });
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("an unknown frame type inside a header block gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  const block = t.peer.block(get("/"));
  await t.peer.send((w) => {
    w.raw(FrameType.HEADERS, Flags.END_STREAM, 1, block.subarray(0, 3));
    w.raw(0xfa, 0, 0, new Uint8Array(4));
    w.raw(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(3));
  });
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("CONTINUATION on another stream gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  const block = t.peer.block(get("/"));
  await t.peer.send((w) => {
    w.raw(FrameType.HEADERS, Flags.END_STREAM, 1, block.subarray(0, 3));
    w.raw(FrameType.CONTINUATION, Flags.END_HEADERS, 3, block.subarray(3));
  });
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("a header block split over CONTINUATION frames is accepted", async () => {
  await using t = await setup();
  const block = t.peer.block([...get("/bytes/7"), ["x-pad", "p".repeat(100)]]);
  await t.peer.send((w) => {
    w.raw(FrameType.HEADERS, Flags.END_STREAM, 1, block.subarray(0, 5));
    w.raw(FrameType.CONTINUATION, 0, 1, block.subarray(5, 40));
    w.raw(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(40));
  });
  await t.peer.until(responseEnded(1));
});

Deno.test("a CONTINUATION flood gets GOAWAY ENHANCE_YOUR_CALM before the block grows unbounded", async () => {
  const maxHeaderListSize = 4096;
  await using t = await setup({ maxHeaderListSize });
  const chunk = new Uint8Array(16384).fill(0x41);
  // The engine caps an unfinished block near a few times the header list
  // limit (about 24 KiB here); send 8 times that, frame by frame, and expect
  // the GOAWAY well before the end.
  await t.peer.send((w) => w.raw(FrameType.HEADERS, 0, 1, chunk));
  for (let i = 0; i < 12 && !t.peer.eof; i++) {
    await t.peer.send((w) => w.raw(FrameType.CONTINUATION, 0, 1, chunk));
  }
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, ENHANCE_YOUR_CALM);
  assert.match(new TextDecoder().decode(g.debugData), /too large/);
});

// ------------------------------------------------------------ flow control

Deno.test("WINDOW_UPDATE overflowing the connection window gets GOAWAY FLOW_CONTROL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => w.windowUpdate(0, MAX_WINDOW));
  assert.equal((await t.peer.goaway()).errorCode, FLOW_CONTROL_ERROR);
});

Deno.test("WINDOW_UPDATE overflowing a stream window gets RST_STREAM FLOW_CONTROL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.windowUpdate(1, MAX_WINDOW);
  });
  assert.equal((await t.peer.rst(1)).errorCode, FLOW_CONTROL_ERROR);
  await t.peer.sync();
});

Deno.test("WINDOW_UPDATE of 0 on the connection gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => w.windowUpdate(0, 0));
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("WINDOW_UPDATE of 0 on a stream gets RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.windowUpdate(1, 0);
  });
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

Deno.test("DATA beyond the stream window gets RST_STREAM FLOW_CONTROL_ERROR", async () => {
  await using t = await setup({ initialWindowSize: 1000, ...hoarder });
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.data(1, new Uint8Array(600), false);
    w.data(1, new Uint8Array(401), false);
  });
  assert.equal((await t.peer.rst(1)).errorCode, FLOW_CONTROL_ERROR);
  // The connection is fine: its window was returned as data arrived.
  await t.peer.sync();
  assert.ok(!t.peer.frames.some((f) => f.type === FrameType.GOAWAY));
});

Deno.test("padding counts toward the stream window", async () => {
  await using t = await setup({ initialWindowSize: 1000, ...hoarder });
  // 1 Pad Length octet + 500 data + 499 padding = 1000: exactly the window.
  const payload = new Uint8Array(1000);
  payload[0] = 499;
  const over = new Uint8Array(2);
  over[0] = 0;
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.raw(FrameType.DATA, Flags.PADDED, 1, payload);
    w.raw(FrameType.DATA, Flags.PADDED, 1, over);
  });
  assert.equal((await t.peer.rst(1)).errorCode, FLOW_CONTROL_ERROR);
});

Deno.test("DATA beyond the connection window gets GOAWAY FLOW_CONTROL_ERROR", async () => {
  // The connection window is returned as data arrives, so overrun it with a
  // single frame larger than the whole window.
  await using t = await setup({
    connectionWindowSize: 65535,
    initialWindowSize: 1 << 20,
    maxFrameSize: 1 << 17,
  });
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.data(1, new Uint8Array(70000), false);
  });
  assert.equal((await t.peer.goaway()).errorCode, FLOW_CONTROL_ERROR);
});

// ---------------------------------------------------------------- abuse

Deno.test("rapid reset (open and RST many streams) gets GOAWAY ENHANCE_YOUR_CALM", async () => {
  await using t = await setup({ maxResetsPerSecond: 20 });
  await t.peer.send((w) => {
    for (let id = 1; id < 200; id += 2) {
      w.headers(id, t.peer.block(post("/echo")), false, 16384);
      w.rstStream(id, ErrorCode.CANCEL);
    }
  });
  assert.equal((await t.peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

Deno.test("a few resets stay below the Rapid Reset limit", async () => {
  await using t = await setup({ maxResetsPerSecond: 20 });
  await t.peer.send((w) => {
    for (let id = 1; id < 20; id += 2) {
      w.headers(id, t.peer.block(post("/echo")), false, 16384);
      w.rstStream(id, ErrorCode.CANCEL);
    }
  });
  await getOn(t.peer, 21, "/bytes/1");
  await t.peer.until(responseEnded(21));
});

// ------------------------------------------------------------ client side

/** Our client connected to a raw server peer. */
async function rawServer(
  options: Parameters<typeof connectHttp2>[1] = {},
): Promise<{
  peer: RawPeer;
  conn: Awaited<ReturnType<typeof connectHttp2>>;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connecting = connectHttp2(
    { hostname: "127.0.0.1", port: listener.addr.port },
    options,
  );
  const peer = await RawPeer.accept(listener);
  const conn = await within(connecting, WAIT_MS, "connectHttp2");
  listener.close();
  return {
    peer,
    conn,
    async [Symbol.asyncDispose]() {
      conn.destroy();
      await closedFully(conn);
      peer.close();
    },
  };
}

function requestHeaders(peer: RawPeer, count: number): Promise<HeadersFrame[]> {
  return (async () => {
    const out: HeadersFrame[] = [];
    while (out.length < count) {
      out.push(
        await peer.until((f): f is HeadersFrame =>
          f.type === FrameType.HEADERS
        ),
      );
    }
    return out;
  })();
}

Deno.test("client: a server sending ENABLE_PUSH=1 gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await rawServer();
  await t.peer.send((w) => w.settings([[SettingId.ENABLE_PUSH, 1]]));
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, PROTOCOL_ERROR);
  const error = await closedFully(t.conn);
  assert.ok(error instanceof ConnectionError, String(error));
  assert.equal(error.code, PROTOCOL_ERROR);
  await assert.rejects(within(t.conn.ready, WAIT_MS, "conn.ready"));
});

Deno.test("client: a 1xx response before the 200 is skipped", async () => {
  await using t = await rawServer();
  await t.peer.serverHandshake();
  const pending = request(t.conn, get("/"));
  const [h] = await requestHeaders(t.peer, 1);
  await t.peer.send((w) => {
    w.headers(h.streamId, t.peer.block([[":status", "100"]]), false, 16384);
    w.headers(h.streamId, t.peer.block([[":status", "103"]]), false, 16384);
    w.headers(h.streamId, t.peer.block([[":status", "200"]]), false, 16384);
    w.data(h.streamId, new TextEncoder().encode("fine"), true);
  });
  const r = await pending;
  assert.deepEqual(r.headers, [[":status", "200"]]);
  assert.equal(new TextDecoder().decode(r.body), "fine");
});

Deno.test("client: GOAWAY below an open stream fails it with a remote GoawayError; lower streams complete", async () => {
  await using t = await rawServer();
  await t.peer.serverHandshake();
  const results = [1, 2, 3].map(() =>
    request(t.conn, get("/")).then(
      (r) => r,
      (e: unknown) => e,
    )
  );
  const hs = await requestHeaders(t.peer, 3);
  assert.deepEqual(hs.map((h) => h.streamId), [1, 3, 5]);
  await t.peer.send((w) => {
    w.goaway(1, ErrorCode.NO_ERROR, new TextEncoder().encode("draining"));
    w.headers(1, t.peer.block([[":status", "200"]]), false, 16384);
    w.data(1, new TextEncoder().encode("one"), true);
  });
  const [r1, r3, r5] = await Promise.all(results);
  assert.ok(!(r1 instanceof Error), String(r1));
  assert.equal(
    new TextDecoder().decode((r1 as { body: Uint8Array }).body),
    "one",
  );
  for (const e of [r3, r5]) {
    assert.ok(e instanceof GoawayError, String(e));
    assert.equal(e.remote, true);
    assert.equal(e.lastStreamId, 1);
    assert.equal(e.debugData, "draining");
  }
  assert.equal(await closedFully(t.conn), undefined);
});

Deno.test("client: PUSH_PROMISE (push disabled) gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await rawServer();
  await t.peer.serverHandshake();
  const pending = request(t.conn, get("/")).catch((e) => e);
  const [h] = await requestHeaders(t.peer, 1);
  await t.peer.send((w) =>
    w.pushPromise(h.streamId, 2, t.peer.block(get("/p")))
  );
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
  assert.ok((await pending) instanceof Error);
});

Deno.test("client: a response with an uppercase field is reset with PROTOCOL_ERROR", async () => {
  await using t = await rawServer();
  await t.peer.serverHandshake();
  const pending = request(t.conn, get("/"));
  const [h] = await requestHeaders(t.peer, 1);
  await t.peer.send((w) =>
    w.headers(
      h.streamId,
      t.peer.block([[":status", "200"], ["Bad", "x"]]),
      true,
      16384,
    )
  );
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(e instanceof ResetError, String(e));
    assert.equal(e.code, PROTOCOL_ERROR);
    assert.equal(e.remote, false);
    return true;
  });
  assert.equal((await t.peer.rst(h.streamId)).errorCode, PROTOCOL_ERROR);
});

Deno.test("client: a response without :status is reset with PROTOCOL_ERROR", async () => {
  await using t = await rawServer();
  await t.peer.serverHandshake();
  const pending = request(t.conn, get("/"));
  const [h] = await requestHeaders(t.peer, 1);
  await t.peer.send((w) =>
    w.headers(h.streamId, t.peer.block([["x", "y"]]), true, 16384)
  );
  await assert.rejects(pending, ResetError);
});

Deno.test("client: RST_STREAM NO_ERROR after a complete response is a normal end", async () => {
  await using t = await rawServer();
  await t.peer.serverHandshake();
  const pending = request(t.conn, post("/up"), new Uint8Array(10));
  const [h] = await requestHeaders(t.peer, 1);
  await t.peer.send((w) => {
    w.headers(h.streamId, t.peer.block([[":status", "200"]]), true, 16384);
    w.rstStream(h.streamId, ErrorCode.NO_ERROR);
  });
  const r = await pending;
  assert.equal(field(r.headers, ":status"), "200");
});
