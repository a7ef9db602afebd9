/**
 * CONTINUATION (RFC 9113 §6.10): without HEADERS, interleaved with other
 * frames, on another stream, a valid split, and a flood that would grow the
 * block unbounded.
 */

import assert from "node:assert/strict";
import { ErrorCode, Flags, FrameType } from "../../lib/http2/frame/types.ts";
import { get } from "./_helpers.ts";
import { responseEnded, setup } from "./_malformed.ts";

const { PROTOCOL_ERROR, ENHANCE_YOUR_CALM } = ErrorCode;

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
