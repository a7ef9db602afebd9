import assert from "node:assert/strict";
import { ConnectionError } from "../../../lib/http2/errors.ts";
import { FrameDecoder } from "../../../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../../../lib/http2/frame/writer.ts";
import {
  CLIENT_PREFACE,
  ErrorCode,
  type Frame,
  FrameType,
} from "../../../lib/http2/frame/types.ts";

function drain(decoder: FrameDecoder): Frame[] {
  const frames: Frame[] = [];
  for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  return frames;
}

function sample(): Uint8Array {
  const w = new FrameWriter();
  w.settings([[4, 1 << 20]]);
  w.headers(1, new Uint8Array([0x82, 0x86, 0x84]), false, 16384);
  w.data(1, new Uint8Array(300).fill(7), true);
  w.ping(new Uint8Array(8).fill(1), false);
  w.windowUpdate(0, 1000);
  return w.take();
}

function isConnectionError(code: number) {
  return (err: unknown) => err instanceof ConnectionError && err.code === code;
}

Deno.test("decoder returns null until a whole frame is buffered", () => {
  const decoder = new FrameDecoder();
  assert.equal(decoder.next(), null);
  const bytes = sample();
  decoder.push(bytes.subarray(0, 5));
  assert.equal(decoder.next(), null);
  assert.equal(decoder.buffered, 5);
  decoder.push(bytes.subarray(5, 12));
  assert.equal(decoder.next(), null);
  decoder.push(bytes.subarray(12, 15));
  assert.equal(decoder.next()?.type, FrameType.SETTINGS);
  assert.equal(decoder.buffered, 0);
});

Deno.test("decoder decodes frames fed one byte at a time", () => {
  const bytes = sample();
  const whole = new FrameDecoder();
  whole.push(bytes);
  const expected = drain(whole);
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  for (let i = 0; i < bytes.length; i++) {
    decoder.push(bytes.slice(i, i + 1));
    frames.push(...drain(decoder));
  }
  assert.equal(frames.length, 5);
  assert.deepEqual(frames, expected);
  assert.equal(decoder.buffered, 0);
});

Deno.test("decoder decodes many frames from one push as views into it", () => {
  const bytes = sample();
  const decoder = new FrameDecoder();
  decoder.push(bytes);
  assert.equal(decoder.buffered, bytes.length);
  const frames = drain(decoder);
  assert.deepEqual(frames.map((f) => f.type), [
    FrameType.SETTINGS,
    FrameType.HEADERS,
    FrameType.DATA,
    FrameType.PING,
    FrameType.WINDOW_UPDATE,
  ]);
  const data = frames[2];
  assert.equal(data.type, FrameType.DATA);
  assert.equal(data.data.length, 300);
  assert.equal(data.data.buffer, bytes.buffer, "zero copy within one chunk");
});

Deno.test("decoder copies a frame that straddles chunks", () => {
  const w = new FrameWriter();
  const payload = new Uint8Array(1000).map((_, i) => i);
  w.data(3, payload, false);
  const bytes = w.take();
  // Split inside the header, then inside the payload, over three chunks.
  const chunks = [bytes.slice(0, 4), bytes.slice(4, 500), bytes.slice(500)];
  const decoder = new FrameDecoder();
  decoder.push(chunks[0]);
  assert.equal(decoder.next(), null);
  decoder.push(chunks[1]);
  assert.equal(decoder.next(), null);
  decoder.push(chunks[2]);
  const frame = decoder.next();
  assert.equal(frame?.type, FrameType.DATA);
  assert.deepEqual(frame.data, payload);
  assert.equal(frame.flowLength, 1000);
  assert.equal(decoder.buffered, 0);
  assert.equal(decoder.next(), null);
});

Deno.test("decoder handles a header split across chunks before a view payload", () => {
  const w = new FrameWriter();
  w.ping(new Uint8Array(8), false);
  w.windowUpdate(1, 5);
  const bytes = w.take();
  const decoder = new FrameDecoder();
  // First chunk ends 3 bytes into the WINDOW_UPDATE header.
  decoder.push(bytes.slice(0, 20));
  decoder.push(bytes.slice(20));
  assert.deepEqual(drain(decoder).map((f) => f.type), [
    FrameType.PING,
    FrameType.WINDOW_UPDATE,
  ]);
});

Deno.test("decoder survives many tiny chunks (queue compaction)", () => {
  const w = new FrameWriter();
  for (let i = 0; i < 200; i++) w.windowUpdate(1, i + 1);
  const bytes = w.take();
  const decoder = new FrameDecoder();
  const increments: number[] = [];
  for (let i = 0; i < bytes.length; i += 3) {
    decoder.push(bytes.slice(i, i + 3));
    for (const f of drain(decoder)) {
      assert.equal(f.type, FrameType.WINDOW_UPDATE);
      increments.push(f.increment);
    }
  }
  assert.deepEqual(increments, Array.from({ length: 200 }, (_, i) => i + 1));
});

Deno.test("decoder skips unknown frame types silently", () => {
  const w = new FrameWriter();
  w.raw(0xfa, 0xff, 1, new Uint8Array(20));
  w.raw(0x0a, 0, 0, new Uint8Array(0));
  w.ping(new Uint8Array(8), true);
  w.raw(0xff, 0, 3, new Uint8Array(5));
  const decoder = new FrameDecoder();
  decoder.push(w.take());
  assert.deepEqual(drain(decoder).map((f) => f.type), [FrameType.PING]);
  assert.equal(decoder.buffered, 0);
});

Deno.test("decoder ignores the reserved bit of the stream id", () => {
  const w = new FrameWriter();
  w.data(1, new Uint8Array([1]), false);
  const bytes = w.take();
  bytes[5] |= 0x80;
  const decoder = new FrameDecoder();
  decoder.push(bytes);
  assert.equal(decoder.next()?.streamId, 1);
});

Deno.test("decoder ignores the reserved bit of a WINDOW_UPDATE increment", () => {
  const w = new FrameWriter();
  w.raw(FrameType.WINDOW_UPDATE, 0, 0, new Uint8Array([0x80, 0, 0, 9]));
  const decoder = new FrameDecoder();
  decoder.push(w.take());
  assert.deepEqual(decoder.next(), {
    type: FrameType.WINDOW_UPDATE,
    streamId: 0,
    increment: 9,
  });
});

Deno.test("decoder ignores unknown flags", () => {
  const w = new FrameWriter();
  w.raw(FrameType.PING, 0xfe, 0, new Uint8Array(8));
  const decoder = new FrameDecoder();
  decoder.push(w.take());
  assert.deepEqual(decoder.next(), {
    type: FrameType.PING,
    streamId: 0,
    ack: false,
    data: new Uint8Array(8),
  });
});

Deno.test("decoder rejects a frame longer than maxFrameSize with FRAME_SIZE_ERROR", () => {
  const w = new FrameWriter();
  w.data(1, new Uint8Array(16385), false);
  const bytes = w.take();
  const decoder = new FrameDecoder();
  // Rejected from the header alone, before the payload arrives.
  decoder.push(bytes.subarray(0, 9));
  assert.throws(
    () => decoder.next(),
    isConnectionError(ErrorCode.FRAME_SIZE_ERROR),
  );
});

Deno.test("decoder accepts a frame of exactly maxFrameSize, and more once raised", () => {
  const w = new FrameWriter();
  w.data(1, new Uint8Array(16384), false);
  w.data(1, new Uint8Array(20000), false);
  const decoder = new FrameDecoder();
  decoder.push(w.take());
  assert.equal(decoder.next()?.type, FrameType.DATA);
  assert.throws(
    () => decoder.next(),
    isConnectionError(ErrorCode.FRAME_SIZE_ERROR),
  );
  decoder.maxFrameSize = 20000;
  assert.equal(decoder.next()?.type, FrameType.DATA);
});

Deno.test("decoder honours a maxFrameSize option", () => {
  const w = new FrameWriter();
  w.data(1, new Uint8Array(100_000), false);
  const decoder = new FrameDecoder({ maxFrameSize: 1 << 20 });
  decoder.push(w.take());
  const frame = decoder.next();
  assert.equal(frame?.type, FrameType.DATA);
  assert.equal(frame.data.length, 100_000);
});

Deno.test("decoder with expectPreface accepts the client preface then frames", () => {
  const frames = sample();
  const bytes = new Uint8Array(CLIENT_PREFACE.length + frames.length);
  bytes.set(CLIENT_PREFACE);
  bytes.set(frames, CLIENT_PREFACE.length);
  const decoder = new FrameDecoder({ expectPreface: true });
  // Split in the middle of the preface.
  decoder.push(bytes.subarray(0, 10));
  assert.equal(decoder.next(), null);
  decoder.push(bytes.subarray(10));
  assert.equal(drain(decoder).length, 5);
});

Deno.test("decoder with expectPreface accepts the preface one byte at a time", () => {
  const decoder = new FrameDecoder({ expectPreface: true });
  for (const byte of CLIENT_PREFACE) {
    decoder.push(new Uint8Array([byte]));
    assert.equal(decoder.next(), null);
  }
  assert.equal(decoder.buffered, 0);
  const w = new FrameWriter();
  w.settingsAck();
  decoder.push(w.take());
  assert.equal(decoder.next()?.type, FrameType.SETTINGS);
});

Deno.test("decoder with expectPreface rejects a bad preface at the first wrong byte", () => {
  const decoder = new FrameDecoder({ expectPreface: true });
  decoder.push(new TextEncoder().encode("PRI"));
  assert.equal(decoder.next(), null);
  decoder.push(new TextEncoder().encode(" X")); // "PRI *" expected
  assert.throws(
    () => decoder.next(),
    isConnectionError(ErrorCode.PROTOCOL_ERROR),
  );
});

Deno.test("decoder with expectPreface rejects an HTTP/1.1 request", () => {
  const decoder = new FrameDecoder({ expectPreface: true });
  decoder.push(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
  assert.throws(
    () => decoder.next(),
    isConnectionError(ErrorCode.PROTOCOL_ERROR),
  );
});

Deno.test("decoder without expectPreface reads the preface as a bad frame", () => {
  const decoder = new FrameDecoder();
  decoder.push(CLIENT_PREFACE);
  // "PRI" as a 24-bit length is far above 16384.
  assert.throws(
    () => decoder.next(),
    isConnectionError(ErrorCode.FRAME_SIZE_ERROR),
  );
});
