/**
 * Frame shapes (RFC 9113 §4, §6): frames on the wrong stream, bad lengths,
 * frames above SETTINGS_MAX_FRAME_SIZE, unknown types, PING, PUSH_PROMISE to
 * a server, and the engine's own DATA and HEADERS + CONTINUATION split by the
 * peer's frame size.
 */

import assert from "node:assert/strict";
import {
  type DataFrame,
  ErrorCode,
  Flags,
  FrameType,
  type HeadersFrame,
  type PingFrame,
  SettingId,
} from "../../lib/http2/frame/types.ts";
import { field, get, post, RawPeer, startServer } from "./_helpers.ts";
import { getOn, hoarder, responseEnded, setup } from "./_malformed.ts";

const { PROTOCOL_ERROR, FRAME_SIZE_ERROR } = ErrorCode;

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
