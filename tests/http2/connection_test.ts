import assert from "node:assert/strict";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import type { Http2Connection } from "../../lib/http2/connection.ts";
import type {
  Http2Stream,
  StreamHandler,
  StreamImpl,
} from "../../lib/http2/stream.ts";
import {
  ConnectionClosedError,
  GoawayError,
  ResetError,
} from "../../lib/http2/errors.ts";
import {
  type DataFrame,
  ErrorCode,
  type Frame,
  FrameType,
  type GoawayFrame,
  SettingId,
} from "../../lib/http2/frame/types.ts";
import {
  closedFully,
  field,
  get,
  pattern,
  post,
  RawPeer,
  request,
  serveApp,
  startServer,
  type TestServer,
} from "./_helpers.ts";
import { WAIT_MS, within } from "../_bounded.ts";

const NOOP: StreamHandler = { onHeaders() {}, onData() {}, onClose() {} };

async function connect(
  server: TestServer,
  options: Parameters<typeof connectHttp2>[1] = {},
): Promise<Http2Connection> {
  const conn = await within(
    connectHttp2({ hostname: "127.0.0.1", port: server.port }, options),
    WAIT_MS,
    "connectHttp2",
  );
  await within(conn.ready, WAIT_MS, "conn.ready");
  return conn;
}

async function shutdown(
  conn: Http2Connection,
  server: TestServer,
): Promise<void> {
  conn.destroy();
  await closedFully(conn);
  await server.close();
}

/** A client connection to a raw server peer. */
async function rawServer(): Promise<
  { raw: RawPeer; conn: Http2Connection; close(): Promise<void> }
> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connecting = connectHttp2({
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  const raw = await RawPeer.accept(listener);
  const conn = await within(connecting, WAIT_MS, "connectHttp2");
  listener.close();
  return {
    raw,
    conn,
    async close() {
      conn.destroy();
      await closedFully(conn);
      raw.close();
    },
  };
}

function dataBytes(frames: Frame[], streamId: number): number {
  let n = 0;
  for (const f of frames) {
    if (f.type === FrameType.DATA && f.streamId === streamId) {
      n += f.data.length;
    }
  }
  return n;
}

Deno.test("200 concurrent streams on one connection all complete with their bodies", async () => {
  const server = startServer();
  const conn = await connect(server);
  try {
    const sizes = Array.from({ length: 200 }, (_, i) => (i * 997) % 70_000);
    const results = await Promise.all(
      sizes.map((n, i) =>
        i % 2 === 0
          ? request(conn, get(`/bytes/${n}`))
          : request(conn, post("/echo"), pattern(n))
      ),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(field(r.headers, ":status"), "200");
      assert.deepEqual(r.body, pattern(sizes[i]));
    }
    assert.equal(conn.activeStreams, 0);
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("the client honours the server's MAX_CONCURRENT_STREAMS of 2", async () => {
  let active = 0;
  let maxActive = 0;
  let held: Array<() => void> = [];
  const release = () => {
    for (const respond of held.splice(0)) respond();
  };
  const server = startServer({
    maxConcurrentStreams: 2,
    onStream(stream) {
      active++;
      maxActive = Math.max(maxActive, active);
      held.push(() => {
        stream.sendHeaders([[":status", "200"]]);
        void stream.sendData(new TextEncoder().encode("ok"), true);
      });
      // Hold responses until the limit is reached (or a turn later).
      if (held.length >= 2) release();
      else setTimeout(release, 5);
      return {
        onHeaders() {},
        onData() {},
        onClose() {
          active--;
        },
      };
    },
  });
  const conn = await connect(server);
  try {
    assert.equal(conn.remoteSettings.maxConcurrentStreams, 2);
    let clientMax = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const p = request(conn, get("/"));
        clientMax = Math.max(clientMax, conn.activeStreams);
        return await p;
      }),
    );
    assert.equal(results.length, 10);
    for (const r of results) {
      assert.equal(new TextDecoder().decode(r.body), "ok");
    }
    assert.equal(maxActive, 2);
    assert.ok(clientMax <= 2, `client had ${clientMax} streams open`);
  } finally {
    held = [];
    await shutdown(conn, server);
  }
});

Deno.test("trailers sent after DATA reach the client with END_STREAM", async () => {
  const server = startServer({
    onStream(stream) {
      queueMicrotask(() => {
        stream.sendHeaders([[":status", "200"], ["x-a", "1"]]);
        void stream.sendData(new TextEncoder().encode("body"));
        stream.sendHeaders([["grpc-status", "0"], ["x-t", "2"]], true);
      });
      return NOOP;
    },
  });
  const conn = await connect(server);
  try {
    const r = await request(conn, get("/t"));
    assert.equal(field(r.headers, "x-a"), "1");
    assert.equal(new TextDecoder().decode(r.body), "body");
    assert.deepEqual(r.trailers, [["grpc-status", "0"], ["x-t", "2"]]);
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("a client reset reaches the server as a remote ResetError with its code", async () => {
  const opened = Promise.withResolvers<void>();
  const serverClosed = Promise.withResolvers<Error | undefined>();
  const server = startServer({
    onStream() {
      opened.resolve();
      return {
        onHeaders() {},
        onData() {},
        onClose: (e) => serverClosed.resolve(e),
      };
    },
  });
  const conn = await connect(server);
  try {
    const clientClosed = Promise.withResolvers<Error | undefined>();
    const stream = await within(
      conn.openStream({ ...NOOP, onClose: (e) => clientClosed.resolve(e) }),
      WAIT_MS,
      "openStream",
    );
    stream.sendHeaders(post("/upload"));
    await within(opened.promise, WAIT_MS, "the server stream");
    stream.reset(ErrorCode.CANCEL);
    const serr = await within(
      serverClosed.promise,
      WAIT_MS,
      "the server stream's close",
    );
    assert.ok(serr instanceof ResetError, String(serr));
    assert.equal(serr.code, ErrorCode.CANCEL);
    assert.equal(serr.remote, true);
    const cerr = await within(
      clientClosed.promise,
      WAIT_MS,
      "the client stream's close",
    );
    assert.ok(cerr instanceof ResetError, String(cerr));
    assert.equal(cerr.code, ErrorCode.CANCEL);
    assert.equal(cerr.remote, false);
    // A closed stream refuses more frames at once.
    assert.throws(() => stream.sendData(new Uint8Array(1)), ResetError);
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("a server reset reaches the client as a remote ResetError with its code", async () => {
  const server = startServer({
    onStream(stream, fields, endStream) {
      if (field(fields, ":path") !== "/reset") {
        return serveApp(stream, fields, endStream);
      }
      queueMicrotask(() => stream.reset(ErrorCode.INTERNAL_ERROR));
      return NOOP;
    },
  });
  const conn = await connect(server);
  try {
    await assert.rejects(request(conn, get("/reset")), (e: unknown) => {
      assert.ok(e instanceof ResetError, String(e));
      assert.equal(e.code, ErrorCode.INTERNAL_ERROR);
      assert.equal(e.remote, true);
      return true;
    });
    // The connection survives a stream reset.
    const r = await request(conn, get("/bytes/10"));
    assert.deepEqual(r.body, pattern(10));
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("ping() resolves with a round-trip time from either side", async () => {
  const server = startServer();
  const conn = await connect(server);
  try {
    const rtt = await within(conn.ping(), WAIT_MS, "client ping");
    assert.equal(typeof rtt, "number");
    assert.ok(Number.isFinite(rtt) && rtt >= 0);
    const serverConn = await server.connection();
    const back = await within(serverConn.ping(), WAIT_MS, "server ping");
    assert.ok(Number.isFinite(back) && back >= 0);
    const all = await within(
      Promise.all([conn.ping(), conn.ping(), conn.ping()]),
      WAIT_MS,
      "three pings",
    );
    assert.equal(all.length, 3);
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("a ping on a closed connection rejects", async () => {
  const server = startServer();
  const conn = await connect(server);
  conn.destroy();
  await closedFully(conn);
  await assert.rejects(
    within(conn.ping(), WAIT_MS, "ping on a closed connection"),
    ConnectionClosedError,
  );
  await server.close();
});

Deno.test("graceful server close: client sees GOAWAY, the in-flight stream completes, new streams are rejected", async () => {
  const arrived = Promise.withResolvers<Http2Stream>();
  const server = startServer({
    onStream(stream) {
      arrived.resolve(stream);
      return NOOP;
    },
  });
  const goaway = Promise.withResolvers<GoawayFrame>();
  const conn = await connect(server, { onGoaway: (f) => goaway.resolve(f) });
  try {
    const inflight = request(conn, get("/slow"));
    const serverStream = await within(
      arrived.promise,
      WAIT_MS,
      "the server stream",
    );
    const serverConn = await server.connection();
    const closing = serverConn.close("bye");
    const g = await within(goaway.promise, WAIT_MS, "GOAWAY");
    assert.equal(g.errorCode, ErrorCode.NO_ERROR);
    assert.equal(conn.isAvailable, false);
    await assert.rejects(
      within(conn.openStream(NOOP), WAIT_MS, "openStream after GOAWAY"),
      (e: unknown) => {
        assert.ok(e instanceof GoawayError, String(e));
        assert.equal(e.remote, true);
        return true;
      },
    );
    serverStream.sendHeaders([[":status", "200"]]);
    void serverStream.sendData(new TextEncoder().encode("late"), true);
    const r = await inflight;
    assert.equal(new TextDecoder().decode(r.body), "late");
    await within(closing, WAIT_MS, "the server's graceful close");
    assert.equal(await closedFully(serverConn), undefined);
    assert.equal(await closedFully(conn), undefined);
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("a receiver that does not consume stalls the sender at the stream window until it consumes", async () => {
  const WINDOW = 16384;
  const full = Promise.withResolvers<void>();
  let received = 0;
  let consuming = false;
  let serverStream: Http2Stream | undefined;
  const server = startServer({
    initialWindowSize: WINDOW,
    onStream(stream) {
      serverStream = stream;
      return {
        onHeaders() {},
        onData(data, end) {
          received += data.length;
          if (consuming) stream.consume(data.length);
          if (received === WINDOW) full.resolve();
          if (end) stream.sendHeaders([[":status", "200"]], true);
        },
        onClose() {},
      };
    },
  });
  const conn = await connect(server);
  try {
    const done = Promise.withResolvers<Error | undefined>();
    const stream = await within(
      conn.openStream({ ...NOOP, onClose: (e) => done.resolve(e) }),
      WAIT_MS,
      "openStream",
    );
    stream.sendHeaders(post("/upload"));
    let settled = false;
    const sending = stream.sendData(pattern(100_000), true).then(() => {
      settled = true;
    });
    await within(full.promise, WAIT_MS, "a full stream window at the server");
    // A round trip: anything the client could still send has arrived.
    await within(conn.ping(), WAIT_MS, "ping");
    assert.equal(received, WINDOW);
    assert.equal(settled, false);
    assert.equal((stream as StreamImpl).sendWindow.size, 0);
    consuming = true;
    serverStream!.consume(received);
    await within(sending, WAIT_MS, "the rest of the upload");
    assert.equal(
      await within(done.promise, WAIT_MS, "stream close"),
      undefined,
    );
    assert.equal(received, 100_000);
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("a 1 MiB upload crosses small stream and connection windows", async () => {
  const server = startServer({
    initialWindowSize: 16384,
    connectionWindowSize: 65535,
  });
  const conn = await connect(server, { initialWindowSize: 20000 });
  try {
    const [up, down] = await Promise.all([
      request(conn, post("/count"), pattern(1 << 20)),
      request(conn, get(`/bytes/${1 << 20}`)),
    ]);
    assert.equal(new TextDecoder().decode(up.body), String(1 << 20));
    assert.deepEqual(down.body, pattern(1 << 20));
  } finally {
    await shutdown(conn, server);
  }
});

Deno.test("a SETTINGS_INITIAL_WINDOW_SIZE change moves the send window of open streams, even below zero", async () => {
  const { raw, conn, close } = await rawServer();
  try {
    await raw.serverHandshake([[SettingId.INITIAL_WINDOW_SIZE, 100]]);
    await within(conn.ready, WAIT_MS, "conn.ready");
    const stream = await within(conn.openStream(NOOP), WAIT_MS, "openStream");
    stream.sendHeaders(post("/up"));
    const sending = stream.sendData(pattern(1000), true);
    await raw.until((f) => f.type === FrameType.DATA);
    await raw.sync();
    assert.equal(dataBytes(raw.frames, 1), 100);
    assert.equal((stream as StreamImpl).sendWindow.size, 0);

    await raw.send((w) => w.settings([[SettingId.INITIAL_WINDOW_SIZE, 600]]));
    await raw.sync();
    assert.equal(dataBytes(raw.frames, 1), 600);

    await raw.send((w) => w.settings([[SettingId.INITIAL_WINDOW_SIZE, 300]]));
    await raw.sync();
    assert.equal((stream as StreamImpl).sendWindow.size, -300);
    assert.equal(dataBytes(raw.frames, 1), 600);

    await raw.send((w) => w.windowUpdate(1, 700));
    await raw.sync();
    assert.equal(dataBytes(raw.frames, 1), 1000);
    const last = raw.frames.findLast((f): f is DataFrame =>
      f.type === FrameType.DATA
    );
    assert.equal(last?.endStream, true);
    await within(sending, WAIT_MS, "sendData");
  } finally {
    await close();
  }
});

Deno.test("a stream opened before the server's SETTINGS uses the window the server announced", async () => {
  const { raw, conn, close } = await rawServer();
  try {
    // Opened at once, before the peer's SETTINGS: the window known then is
    // the protocol default, but the HEADERS goes out after the SETTINGS.
    const stream = await within(conn.openStream(NOOP), WAIT_MS, "openStream");
    await raw.serverHandshake([[SettingId.INITIAL_WINDOW_SIZE, 1000]]);
    await within(conn.ready, WAIT_MS, "conn.ready");
    stream.sendHeaders(post("/up"));
    const sending = stream.sendData(pattern(5000), true);
    await raw.until((f) => f.type === FrameType.DATA);
    await raw.sync();
    assert.equal(dataBytes(raw.frames, 1), 1000);
    await raw.send((w) => w.windowUpdate(1, 4000));
    await within(sending, WAIT_MS, "sendData");
    await raw.sync();
    assert.equal(dataBytes(raw.frames, 1), 5000);
  } finally {
    await close();
  }
});

Deno.test("the client closes when the server's SETTINGS never come, failing ready", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connecting = connectHttp2(
    { hostname: "127.0.0.1", port: listener.addr.port },
    { settingsTimeoutMs: 30 },
  );
  const raw = await RawPeer.accept(listener);
  const conn = await within(connecting, WAIT_MS, "connectHttp2");
  try {
    const g = await raw.goaway();
    assert.equal(g.errorCode, ErrorCode.SETTINGS_TIMEOUT);
    await assert.rejects(within(conn.ready, WAIT_MS, "conn.ready"));
    const error = await closedFully(conn);
    assert.ok(error !== undefined);
  } finally {
    raw.close();
    listener.close();
  }
});
