/**
 * Our client against a raw server peer (RFC 9113 §6.5.2, §6.6, §6.8, §8.1):
 * ENABLE_PUSH from a server, 1xx responses, GOAWAY below open streams,
 * PUSH_PROMISE with push disabled, malformed responses, RST_STREAM NO_ERROR
 * after a complete response.
 */

import assert from "node:assert/strict";
import { connectHttp2 } from "../../lib/http2/connect.ts";
import {
  ConnectionError,
  GoawayError,
  ResetError,
} from "../../lib/http2/errors.ts";
import {
  ErrorCode,
  FrameType,
  type HeadersFrame,
  SettingId,
} from "../../lib/http2/frame/types.ts";
import { closedFully, field, get, post, RawPeer, request } from "./_helpers.ts";
import { WAIT_MS, within } from "../_bounded.ts";

const { PROTOCOL_ERROR } = ErrorCode;

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
