/**
 * Keepalive on real connections (127.0.0.1) against a raw frame-level peer:
 * what goes on the wire, and what the connection's streams see. The timer
 * logic itself is tested with a manual clock in keepalive_test.ts.
 */
import assert from "node:assert/strict";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import { startKeepalive } from "../../lib/http2/keepalive.ts";
import {
  ErrorCode,
  FrameType,
  type PingFrame,
} from "../../lib/http2/frame/types.ts";
import { ConnectionClosedError } from "../../lib/http2/errors.ts";
import { closedFully, get, RawPeer, request, startServer } from "./_helpers.ts";
import { WAIT_MS, within } from "../_bounded.ts";

const isPing = (f: { type: number }): f is PingFrame =>
  f.type === FrameType.PING;

/** A client connection to a raw server peer, both handshakes done. */
async function clientToRawPeer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connecting = connectHttp2({
    hostname: "127.0.0.1",
    port: listener.addr.port,
  });
  const peer = await RawPeer.accept(listener);
  listener.close();
  const conn = await within(connecting, WAIT_MS, "connectHttp2");
  await peer.serverHandshake();
  await within(conn.ready, WAIT_MS, "conn.ready");
  return { conn, peer };
}

Deno.test("keepalive: a peer that never answers the PING fails the connection's streams with 'keepalive ping not acknowledged' and gets GOAWAY NO_ERROR", async () => {
  const { conn, peer } = await clientToRawPeer();
  try {
    const closed = Promise.withResolvers<Error | undefined>();
    const stream = await conn.openStream({
      onHeaders() {},
      onData() {},
      onClose: (error) => closed.resolve(error),
    });
    stream.sendHeaders(get("/long"), false);
    startKeepalive(conn, {
      timeMs: 100,
      timeoutMs: 100,
      permitWithoutStreams: false,
    });
    const ping = await peer.until(isPing);
    assert.equal(ping.ack, false);
    // No ACK, no other byte: the connection gives up.
    const error = await within(closed.promise, WAIT_MS, "the stream's close");
    assert.ok(error instanceof ConnectionClosedError, String(error));
    assert.match(
      error.message,
      /keepalive ping not acknowledged within 100 ms/,
    );
    const goaway = await peer.goaway();
    assert.equal(goaway.errorCode, ErrorCode.NO_ERROR);
    assert.match(new TextDecoder().decode(goaway.debugData), /keepalive/);
    assert.equal(await closedFully(conn), error);
  } finally {
    peer.close();
    conn.destroy();
  }
});

Deno.test("keepalive: a peer that answers every PING keeps the connection, one PING per timeMs of silence", async () => {
  const { conn, peer } = await clientToRawPeer();
  try {
    startKeepalive(conn, {
      timeMs: 50,
      timeoutMs: 1000,
      permitWithoutStreams: true,
    });
    for (let i = 0; i < 3; i++) {
      const ping = await peer.until(isPing);
      assert.equal(ping.ack, false);
      await peer.send((w) => w.ping(ping.data, true));
    }
    assert.equal(conn.isAvailable, true);
    // With no ACK the fourth one would close it: stopped with the connection.
    await conn.close();
  } finally {
    peer.close();
    conn.destroy();
  }
});

Deno.test("destroy() sends its debug text verbatim (a client matches 'too_many_pings' exactly), and the peer's streams name the GOAWAY", async () => {
  await using server = startServer();
  const conn = await connectHttp2({ hostname: "127.0.0.1", port: server.port });
  try {
    await within(conn.ready, WAIT_MS, "conn.ready");
    await request(conn, get("/"));
    const serverConn = await server.connection();
    const closed = Promise.withResolvers<Error | undefined>();
    const stream = await conn.openStream({
      onHeaders() {},
      onData() {},
      onClose: (error) => closed.resolve(error),
    });
    stream.sendHeaders(get("/never"), false);
    await within(
      (async () => {
        while (serverConn.lastPeerStreamId < 3) {
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
      WAIT_MS,
      "the second stream reaching the server",
    );
    serverConn.destroy(ErrorCode.ENHANCE_YOUR_CALM, "too_many_pings");
    const error = await within(closed.promise, WAIT_MS, "the stream's close");
    const frame = conn.goawayReceived!;
    assert.equal(frame.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
    assert.equal(new TextDecoder().decode(frame.debugData), "too_many_pings");
    assert.ok(error instanceof Error);
    assert.match(
      error.message,
      /closed by peer after GOAWAY ENHANCE_YOUR_CALM \(too_many_pings\)/,
    );
  } finally {
    conn.destroy();
    await closedFully(conn);
  }
});

Deno.test("dataBytesSent counts DATA payload sent (from flow control) and lastPeerStreamId the peer's streams", async () => {
  await using server = startServer();
  const conn = await connectHttp2({ hostname: "127.0.0.1", port: server.port });
  try {
    await within(conn.ready, WAIT_MS, "conn.ready");
    assert.equal(conn.dataBytesSent, 0);
    const body = new Uint8Array(100_000);
    await request(conn, [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/count"],
      [":authority", "localhost"],
    ], body);
    assert.equal(conn.dataBytesSent, 100_000);
    await request(conn, get("/bytes/70000"));
    const serverConn = await server.connection();
    assert.equal(serverConn.dataBytesSent, "100000".length + 70_000);
    assert.equal(serverConn.lastPeerStreamId, 3);
    assert.equal(conn.lastPeerStreamId, 0);
  } finally {
    await conn.close();
  }
});
