/**
 * Server keepalive and connection management end to end (gRFC A8
 * enforcement, A9), over real sockets on 127.0.0.1: the server's PINGs find
 * a dead client and cancel its calls; a client pinging too often gets
 * GOAWAY ENHANCE_YOUR_CALM `too_many_pings` and doubles its time; max age
 * sends GOAWAY while calls in flight finish (within the grace, or are
 * cancelled after it); max idle closes an unused connection.
 */
import assert from "node:assert/strict";
import {
  type Channel,
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
} from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { startForwarder } from "../channel/_tcp_forwarder.ts";
import { startKeepaliveServer } from "../channel/_keepalive_server.ts";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import { ErrorCode } from "../../lib/http2/frame/types.ts";

/** A channel to 127.0.0.1:port, closed (bounded) by `await using`. */
function channelTo(port: number, options: Parameters<typeof createChannel>[1]) {
  return disposeWithin(
    createChannel(`127.0.0.1:${port}`, {
      backoff: { initialBackoffMs: 20, maxBackoffMs: 100 },
      ...options,
    }),
    WAIT_MS,
    "channel.close()",
  );
}

/** Waits (bounded) until the channel's state is `want`. */
async function untilState(channel: Channel, want: ConnectivityState) {
  await within(
    (async () => {
      for (let s = channel.getState(); s !== want;) {
        s = await channel.waitForStateChange(s);
      }
    })(),
    WAIT_MS,
    `state ${want}`,
  );
}

/** The error a promise rejects with (bounded). */
function failure(promise: Promise<unknown>, what: string): Promise<unknown> {
  return within(
    promise.then(() => assert.fail(`${what} succeeded`), (e: unknown) => e),
    WAIT_MS,
    what,
  );
}

Deno.test("server keepalive: a client that stops answering is found by the server's PINGs, and its handler's signal fires", async () => {
  await using backend = await startKeepaliveServer({
    keepalive: { timeMs: 200, timeoutMs: 200 },
  });
  await using forwarder = startForwarder(backend.port);
  await using channel = channelTo(forwarder.port, {});
  const client = createClient(RouteGuide, channel);
  const features = client.listFeatures({ hi: { latitude: 1 } }, {
    timeoutMs: 30_000,
  })[Symbol.asyncIterator]();
  await within(features.next(), WAIT_MS, "the first feature");
  assert.equal(backend.running, 1);

  forwarder.pause(); // the client is gone, its socket still open
  await eventually(
    () => backend.aborted.length === 1,
    WAIT_MS,
    "the handler's signal",
  );
  const reason = backend.aborted[0];
  assert.ok(reason instanceof GrpcError, String(reason));
  assert.equal(reason.code, Code.CANCELLED);
  assert.match(
    String((reason.cause as Error)?.message),
    /keepalive ping not acknowledged within 200 ms/,
  );
  await eventually(() => backend.running === 0, WAIT_MS, "the handler's end");
  await eventually(
    () => backend.server.connections === 0,
    WAIT_MS,
    "the connection's close",
  );
  // The client learns it from the closed socket.
  const error = await failure(features.next(), "the stream after the close");
  assert.ok(error instanceof GrpcError && error.code === Code.UNAVAILABLE);
});

Deno.test("server enforcement: a client pinging more often than minTimeMs gets GOAWAY ENHANCE_YOUR_CALM too_many_pings, and its channel doubles keepalive.timeMs", async () => {
  await using backend = await startKeepaliveServer({
    keepaliveEnforcement: { minTimeMs: 60_000 },
  });
  const doubled: number[] = [];
  await using channel = channelTo(backend.port, {
    keepalive: { timeMs: 100, onTooManyPings: (ms) => doubled.push(ms) },
  });
  const client = createClient(RouteGuide, channel);
  // A silent long call: the client pings every 100 ms; the first PING is
  // fine, the next three are strikes, the third strike is too many.
  const features = client.listFeatures({}, { timeoutMs: 30_000 });
  const error = await failure(
    (async () => {
      for await (const _ of features) { /* none */ }
    })(),
    "the long call",
  );
  assert.ok(error instanceof GrpcError, String(error));
  assert.equal(error.code, Code.UNAVAILABLE);
  assert.match(error.message, /ENHANCE_YOUR_CALM \(too_many_pings\)/);
  assert.deepEqual(doubled, [200]);
  await eventually(() => backend.running === 0, WAIT_MS, "the handler's end");
  assert.ok(backend.aborted.length === 1, "the handler was cancelled");

  // The next connection pings every 200 ms: still too often here.
  const again = await failure(
    (async () => {
      for await (const _ of client.listFeatures({}, { timeoutMs: 30_000 })) {
        /* none */
      }
    })(),
    "the second long call",
  );
  assert.match(String(again), /too_many_pings/);
  assert.deepEqual(doubled, [200, 400]);
});

Deno.test("server enforcement: PINGs at the permitted rate are no strikes", async () => {
  await using backend = await startKeepaliveServer({
    keepaliveEnforcement: { minTimeMs: 100 },
  });
  const doubled: number[] = [];
  await using channel = channelTo(backend.port, {
    keepalive: { timeMs: 150, onTooManyPings: (ms) => doubled.push(ms) },
  });
  const client = createClient(RouteGuide, channel);
  const features = client.listFeatures({ hi: { latitude: 1 } }, {
    timeoutMs: 30_000,
  })[Symbol.asyncIterator]();
  await within(features.next(), WAIT_MS, "the first feature");
  // Ten PINGs or so, all at 150 ms ≥ 100 ms.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(backend.running, 1, "the call is still open");
  assert.deepEqual(doubled, []);
  await features.return?.();
});

Deno.test("server enforcement: PINGs right after the server sent DATA are no strikes (a client's BDP pings); without data they are", async () => {
  await using backend = await startKeepaliveServer({
    keepaliveEnforcement: { minTimeMs: 60_000 },
  });
  const conn = await within(
    connectHttp2({ hostname: "127.0.0.1", port: backend.port }),
    WAIT_MS,
    "connect",
  );
  try {
    await within(conn.ready, WAIT_MS, "conn.ready");
    // A RouteChat call by hand: each empty note is echoed as 5 bytes.
    let echoed = Promise.withResolvers<void>();
    const stream = await conn.openStream({
      onHeaders() {},
      onData(data) {
        stream.consume(data.length);
        if (data.length > 0) echoed.resolve();
      },
      onClose() {},
    });
    stream.sendHeaders([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/routeguide.RouteGuide/RouteChat"],
      [":authority", "localhost"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ], false);
    const emptyNote = new Uint8Array(5); // envelope: uncompressed, length 0
    for (let i = 0; i < 10; i++) {
      echoed = Promise.withResolvers<void>();
      await stream.sendData(emptyNote);
      await within(echoed.promise, WAIT_MS, `echo ${i}`);
      await within(conn.ping(), WAIT_MS, `PING ${i}`);
    }
    assert.equal(conn.goawayReceived, undefined);
    // PINGs with nothing sent since the last one: strikes; the third is
    // too many.
    for (let i = 0; i < 2; i++) await within(conn.ping(), WAIT_MS, "PING");
    await conn.ping().catch(() => {});
    const goaway = await within(
      (async () => {
        while (conn.goawayReceived === undefined) {
          await new Promise((r) => setTimeout(r, 5));
        }
        return conn.goawayReceived;
      })(),
      WAIT_MS,
      "the GOAWAY",
    );
    assert.equal(goaway.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(new TextDecoder().decode(goaway.debugData), "too_many_pings");
  } finally {
    conn.destroy();
    await within(conn.closed, WAIT_MS, "the connection's close");
  }
});

Deno.test("max connection age: GOAWAY max_age, the call in flight finishes within the grace, later calls take a new connection", async () => {
  await using backend = await startKeepaliveServer({
    keepalive: { maxConnectionAgeMs: 300, maxConnectionAgeGraceMs: 5000 },
  });
  await using channel = channelTo(backend.port, {});
  const client = createClient(RouteGuide, channel);
  // Spans the age (300 ms ± 10 %): answered after 800 ms.
  const slow = await within(
    client.getFeature({ latitude: 800 }),
    WAIT_MS,
    "the call spanning the max age",
  );
  const first = slow.name;
  // The connection went away after its age: the channel reconnects.
  const next = await within(
    client.getFeature({ latitude: 0 }, { waitForReady: true }),
    WAIT_MS,
    "a call after the max age",
  );
  assert.notEqual(next.name, first, "a new connection (another client port)");
  assert.deepEqual(backend.aborted, []);
});

Deno.test("max connection age grace: a call still running when the grace is over is cancelled (UNAVAILABLE for the client, the handler's signal fires)", async () => {
  await using backend = await startKeepaliveServer({
    keepalive: { maxConnectionAgeMs: 200, maxConnectionAgeGraceMs: 300 },
  });
  await using channel = channelTo(backend.port, {});
  const client = createClient(RouteGuide, channel);
  const error = await failure(
    (async () => {
      for await (const _ of client.listFeatures({}, { timeoutMs: 30_000 })) {
        /* none */
      }
    })(),
    "the call outliving the grace",
  );
  assert.ok(error instanceof GrpcError, String(error));
  assert.equal(error.code, Code.UNAVAILABLE);
  await eventually(
    () => backend.aborted.length === 1,
    WAIT_MS,
    "the handler's signal",
  );
});

Deno.test("max connection idle: a connection without calls is closed (GOAWAY max_idle) and the channel goes IDLE", async () => {
  await using backend = await startKeepaliveServer({
    keepalive: { maxConnectionIdleMs: 200 },
  });
  await using channel = channelTo(backend.port, {});
  const client = createClient(RouteGuide, channel);
  await within(client.getFeature({}), WAIT_MS, "a call");
  assert.equal(channel.getState(), ConnectivityState.READY);
  await untilState(channel, ConnectivityState.IDLE);
  await eventually(
    () => backend.server.connections === 0,
    WAIT_MS,
    "the server's connection closed",
  );
  // The next call reconnects.
  await within(client.getFeature({}), WAIT_MS, "a call after the idle close");
});
