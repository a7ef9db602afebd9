import assert from "node:assert/strict";
import { FrameDecoder } from "../../../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../../../lib/http2/frame/writer.ts";
import {
  Flags,
  type Frame,
  FrameType,
} from "../../../lib/http2/frame/types.ts";

interface RawFrame {
  length: number;
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** Splits serialized frames by their headers, without the decoder. */
function rawFrames(bytes: Uint8Array): RawFrame[] {
  const frames: RawFrame[] = [];
  for (let o = 0; o < bytes.length;) {
    const length = (bytes[o] << 16) | (bytes[o + 1] << 8) | bytes[o + 2];
    const view = new DataView(bytes.buffer, bytes.byteOffset + o);
    frames.push({
      length,
      type: bytes[o + 3],
      flags: bytes[o + 4],
      streamId: view.getUint32(5),
      payload: bytes.subarray(o + 9, o + 9 + length),
    });
    o += 9 + length;
  }
  return frames;
}

function decodeAll(bytes: Uint8Array): Frame[] {
  const decoder = new FrameDecoder();
  decoder.push(bytes);
  const frames: Frame[] = [];
  for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  return frames;
}

Deno.test("writer serializes a frame header per RFC 9113 §4.1", () => {
  const w = new FrameWriter();
  w.data(0x01020304, new Uint8Array([0xaa, 0xbb]), true);
  assert.deepEqual(
    w.take(),
    new Uint8Array([0, 0, 2, 0, 1, 1, 2, 3, 4, 0xaa, 0xbb]),
  );
});

Deno.test("writer clears the reserved bit of stream ids", () => {
  const w = new FrameWriter();
  w.raw(FrameType.DATA, 0, 0x80000001, new Uint8Array(0));
  assert.equal(rawFrames(w.take())[0].streamId, 1);
});

Deno.test("headers() splits a 40 KB block into HEADERS + CONTINUATION frames", () => {
  const block = new Uint8Array(40_000).map((_, i) => i * 7);
  const w = new FrameWriter();
  w.headers(1, block, true, 16384);
  const frames = rawFrames(w.take());
  assert.deepEqual(
    frames.map((f) => [f.type, f.flags, f.length, f.streamId]),
    [
      [FrameType.HEADERS, Flags.END_STREAM, 16384, 1],
      [FrameType.CONTINUATION, 0, 16384, 1],
      [FrameType.CONTINUATION, Flags.END_HEADERS, 40_000 - 2 * 16384, 1],
    ],
  );
  const joined = new Uint8Array(40_000);
  let at = 0;
  for (const f of frames) {
    joined.set(f.payload, at);
    at += f.length;
  }
  assert.deepEqual(joined, block);
});

Deno.test("headers() without END_STREAM sets no END_STREAM on any frame", () => {
  const w = new FrameWriter();
  w.headers(3, new Uint8Array(40_000), false, 16384);
  const frames = decodeAll(w.take());
  assert.deepEqual(frames.map((f) => f.type), [1, 9, 9]);
  const [headers] = frames;
  assert.equal(headers.type, FrameType.HEADERS);
  assert.equal(headers.endStream, false);
  assert.equal(headers.endHeaders, false);
});

Deno.test("headers() writes a block of exactly maxFrameSize as one frame", () => {
  const w = new FrameWriter();
  w.headers(1, new Uint8Array(16384), false, 16384);
  const frames = rawFrames(w.take());
  assert.equal(frames.length, 1);
  assert.equal(frames[0].flags, Flags.END_HEADERS);
});

Deno.test("headers() writes an empty block as one HEADERS with END_HEADERS", () => {
  const w = new FrameWriter();
  w.headers(1, new Uint8Array(0), true, 16384);
  assert.deepEqual(decodeAll(w.take()), [{
    type: FrameType.HEADERS,
    streamId: 1,
    endStream: true,
    endHeaders: true,
    fragment: new Uint8Array(0),
  }]);
});

Deno.test("headers() with priority keeps the first payload within maxFrameSize", () => {
  const w = new FrameWriter();
  const priority = { exclusive: false, dependency: 0, weight: 16 };
  w.headers(1, new Uint8Array(100), false, 50, priority);
  const frames = rawFrames(w.take());
  assert.deepEqual(frames.map((f) => [f.type, f.length]), [
    [FrameType.HEADERS, 50],
    [FrameType.CONTINUATION, 50],
    [FrameType.CONTINUATION, 5],
  ]);
  assert.equal(frames[0].flags, Flags.PRIORITY);
});

Deno.test("headers() rejects a max frame size out of range", () => {
  const w = new FrameWriter();
  assert.throws(() => w.headers(1, new Uint8Array(1), false, 0), RangeError);
  assert.throws(
    () => w.headers(1, new Uint8Array(1), false, 2 ** 24),
    RangeError,
  );
  assert.equal(w.length, 0);
});

Deno.test("ping() rejects data that is not 8 octets", () => {
  const w = new FrameWriter();
  assert.throws(() => w.ping(new Uint8Array(7), false), RangeError);
  assert.equal(w.length, 0);
});

Deno.test("priority() rejects a weight outside 1..256", () => {
  const w = new FrameWriter();
  assert.throws(
    () => w.priority(1, { exclusive: false, dependency: 0, weight: 0 }),
    RangeError,
  );
  assert.throws(
    () => w.priority(1, { exclusive: false, dependency: 0, weight: 257 }),
    RangeError,
  );
});

Deno.test("windowUpdate() rejects an increment above 2^31-1", () => {
  const w = new FrameWriter();
  assert.throws(() => w.windowUpdate(0, 2 ** 31), RangeError);
  assert.throws(() => w.windowUpdate(0, -1), RangeError);
});

Deno.test("raw() rejects a payload longer than 2^24-1 octets", () => {
  const w = new FrameWriter();
  assert.throws(() => w.raw(0, 0, 1, new Uint8Array(2 ** 24)), RangeError);
  assert.equal(w.length, 0);
});

Deno.test("length counts pending bytes and take() resets it", () => {
  const w = new FrameWriter();
  assert.equal(w.length, 0);
  w.settingsAck();
  w.windowUpdate(0, 1);
  assert.equal(w.length, 9 + 13);
  assert.equal(w.take().length, 22);
  assert.equal(w.length, 0);
  assert.equal(w.take().length, 0);
});

Deno.test("take() results are not changed by later writes", () => {
  const w = new FrameWriter(64);
  w.data(1, new Uint8Array(10).fill(1), false);
  const first = w.take();
  const copy = first.slice();
  // Fill the rest of the slab, then force a new one.
  for (let i = 0; i < 50; i++) w.data(1, new Uint8Array(10).fill(2), false);
  const second = w.take();
  w.data(1, new Uint8Array(1000).fill(3), false);
  const third = w.take();
  assert.deepEqual(first, copy);
  assert.equal(second.length, 50 * 19);
  assert.ok(second.every((b, i) => i % 19 < 9 || b === 2));
  assert.ok(third.subarray(9).every((b) => b === 3));
});

Deno.test("writer grows past its initial capacity and keeps pending frames", () => {
  const w = new FrameWriter(16);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const data = new Uint8Array(i * 37).fill(i);
    frames.push(data);
    w.data(1, data, false);
  }
  const decoded = decodeAll(w.take());
  assert.equal(decoded.length, 100);
  decoded.forEach((f, i) => {
    assert.equal(f.type, FrameType.DATA);
    assert.deepEqual(f.data, frames[i]);
  });
});

Deno.test("writer keeps pending bytes when it moves to a new slab after a take", () => {
  const w = new FrameWriter(32);
  w.settingsAck(); // 9 bytes
  w.take();
  w.ping(new Uint8Array(8).fill(5), false); // 17 bytes pending, slab full at 26
  w.ping(new Uint8Array(8).fill(6), true); // needs a new slab
  assert.deepEqual(decodeAll(w.take()), [
    {
      type: FrameType.PING,
      streamId: 0,
      ack: false,
      data: new Uint8Array(8).fill(5),
    },
    {
      type: FrameType.PING,
      streamId: 0,
      ack: true,
      data: new Uint8Array(8).fill(6),
    },
  ]);
});

Deno.test("FrameWriter rejects a non-positive initial capacity", () => {
  assert.throws(() => new FrameWriter(0), RangeError);
  assert.throws(() => new FrameWriter(1.5), RangeError);
});

Deno.test("release() lets the writer reuse a written buffer's memory", () => {
  const w = new FrameWriter(64);
  w.ping(new Uint8Array(8).fill(1), false);
  const first = w.take();
  w.release(first);
  w.ping(new Uint8Array(8).fill(2), true);
  const second = w.take();
  assert.equal(second.buffer, first.buffer);
  assert.equal(second.byteOffset, 0, "restarts at the front of the slab");
  assert.deepEqual(decodeAll(second), [
    {
      type: FrameType.PING,
      streamId: 0,
      ack: true,
      data: new Uint8Array(8).fill(2),
    },
  ]);
});

Deno.test("release() of one buffer leaves unreleased buffers intact", () => {
  const w = new FrameWriter(64);
  w.data(1, new Uint8Array(10).fill(1), false);
  const kept = w.take();
  w.data(1, new Uint8Array(10).fill(2), false);
  w.release(w.take());
  for (let i = 0; i < 20; i++) {
    w.data(1, new Uint8Array(30).fill(3), false);
    w.release(w.take());
  }
  assert.deepEqual(
    decodeAll(kept).map((f) => f.type === FrameType.DATA && f.data),
    [
      new Uint8Array(10).fill(1),
    ],
  );
});

Deno.test("release() while frames are pending keeps them intact", () => {
  const w = new FrameWriter(64);
  w.data(1, new Uint8Array(20).fill(1), false);
  const taken = w.take();
  w.data(1, new Uint8Array(20).fill(2), false); // pending during the "write"
  w.release(taken);
  w.data(1, new Uint8Array(20).fill(3), true); // compacts the slab in place
  assert.deepEqual(
    decodeAll(w.take()).map((f) => f.type === FrameType.DATA && f.data),
    [
      new Uint8Array(20).fill(2),
      new Uint8Array(20).fill(3),
    ],
  );
});

Deno.test("release() ignores empty and foreign buffers and double releases", () => {
  const w = new FrameWriter(64);
  w.release(w.take());
  w.release(new Uint8Array(5));
  w.settingsAck();
  const a = w.take();
  w.settingsAck();
  const b = w.take();
  w.release(a);
  w.release(a); // must not also free b's slab use
  w.settingsAck();
  const c = w.take();
  assert.notEqual(c.byteOffset, 0, "b still holds the front of the slab");
  assert.deepEqual(b, new Uint8Array([0, 0, 0, 4, 1, 0, 0, 0, 0]));
});
