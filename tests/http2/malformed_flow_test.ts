/**
 * Flow control (RFC 9113 §6.9, §6.1): WINDOW_UPDATE overflowing a window or
 * of 0, DATA beyond the stream and the connection window, padding counted.
 */

import assert from "node:assert/strict";
import {
  ErrorCode,
  Flags,
  FrameType,
  MAX_WINDOW,
} from "../../lib/http2/frame/types.ts";
import { post } from "./_helpers.ts";
import { hoarder, setup } from "./_malformed.ts";

const { PROTOCOL_ERROR, FLOW_CONTROL_ERROR } = ErrorCode;

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
