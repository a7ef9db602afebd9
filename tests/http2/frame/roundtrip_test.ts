import assert from "node:assert/strict";
import { FrameDecoder } from "../../../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../../../lib/http2/frame/writer.ts";
import {
  ErrorCode,
  type Frame,
  FrameType,
  SettingId,
} from "../../../lib/http2/frame/types.ts";

function roundTrip(write: (w: FrameWriter) => void): Frame[] {
  const writer = new FrameWriter();
  write(writer);
  const decoder = new FrameDecoder();
  decoder.push(writer.take());
  const frames: Frame[] = [];
  for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  assert.equal(decoder.buffered, 0);
  return frames;
}

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("DATA round-trips with END_STREAM and flowLength = payload length", () => {
  assert.deepEqual(roundTrip((w) => w.data(1, bytes(1, 2, 3), true)), [
    {
      type: FrameType.DATA,
      streamId: 1,
      endStream: true,
      data: bytes(1, 2, 3),
      flowLength: 3,
    },
  ]);
});

Deno.test("empty DATA round-trips", () => {
  assert.deepEqual(roundTrip((w) => w.data(3, new Uint8Array(0), false)), [
    {
      type: FrameType.DATA,
      streamId: 3,
      endStream: false,
      data: new Uint8Array(0),
      flowLength: 0,
    },
  ]);
});

Deno.test("HEADERS round-trips with END_STREAM and END_HEADERS", () => {
  assert.deepEqual(
    roundTrip((w) => w.headers(1, bytes(0x82, 0x86), true, 16384)),
    [
      {
        type: FrameType.HEADERS,
        streamId: 1,
        endStream: true,
        endHeaders: true,
        fragment: bytes(0x82, 0x86),
      },
    ],
  );
});

Deno.test("HEADERS round-trips with priority fields", () => {
  const priority = { exclusive: true, dependency: 3, weight: 256 };
  assert.deepEqual(
    roundTrip((w) => w.headers(5, bytes(0x82), false, 16384, priority)),
    [{
      type: FrameType.HEADERS,
      streamId: 5,
      endStream: false,
      endHeaders: true,
      priority,
      fragment: bytes(0x82),
    }],
  );
});

Deno.test("PRIORITY round-trips with weight 1..256", () => {
  for (const weight of [1, 16, 256]) {
    const priority = { exclusive: false, dependency: 0x7fffffff, weight };
    assert.deepEqual(roundTrip((w) => w.priority(9, priority)), [
      { type: FrameType.PRIORITY, streamId: 9, priority },
    ]);
  }
});

Deno.test("RST_STREAM round-trips, including an unknown 32-bit code", () => {
  assert.deepEqual(
    roundTrip((w) => {
      w.rstStream(1, ErrorCode.CANCEL);
      w.rstStream(3, 0xffffffff);
    }),
    [
      { type: FrameType.RST_STREAM, streamId: 1, errorCode: 8 },
      { type: FrameType.RST_STREAM, streamId: 3, errorCode: 0xffffffff },
    ],
  );
});

Deno.test("SETTINGS round-trips, keeping unknown ids and order", () => {
  const settings: Array<[number, number]> = [
    [SettingId.HEADER_TABLE_SIZE, 0],
    [SettingId.ENABLE_PUSH, 0],
    [SettingId.MAX_CONCURRENT_STREAMS, 0xffffffff],
    [SettingId.INITIAL_WINDOW_SIZE, 2147483647],
    [SettingId.MAX_FRAME_SIZE, 16777215],
    [SettingId.MAX_HEADER_LIST_SIZE, 8192],
    [SettingId.ENABLE_CONNECT_PROTOCOL, 1],
    [0xffff, 42],
  ];
  assert.deepEqual(
    roundTrip((w) => {
      w.settings(settings);
      w.settings([]);
      w.settingsAck();
    }),
    [
      { type: FrameType.SETTINGS, streamId: 0, ack: false, settings },
      { type: FrameType.SETTINGS, streamId: 0, ack: false, settings: [] },
      { type: FrameType.SETTINGS, streamId: 0, ack: true, settings: [] },
    ],
  );
});

Deno.test("PUSH_PROMISE round-trips", () => {
  assert.deepEqual(roundTrip((w) => w.pushPromise(1, 2, bytes(0x82, 0x84))), [
    {
      type: FrameType.PUSH_PROMISE,
      streamId: 1,
      endHeaders: true,
      promisedStreamId: 2,
      fragment: bytes(0x82, 0x84),
    },
  ]);
});

Deno.test("PING round-trips with and without ACK", () => {
  const data = bytes(1, 2, 3, 4, 5, 6, 7, 8);
  assert.deepEqual(
    roundTrip((w) => {
      w.ping(data, false);
      w.ping(data, true);
    }),
    [
      { type: FrameType.PING, streamId: 0, ack: false, data },
      { type: FrameType.PING, streamId: 0, ack: true, data },
    ],
  );
});

Deno.test("GOAWAY round-trips with and without debug data", () => {
  const debug = new TextEncoder().encode("too_many_pings");
  assert.deepEqual(
    roundTrip((w) => {
      w.goaway(0x7fffffff, ErrorCode.ENHANCE_YOUR_CALM, debug);
      w.goaway(7, ErrorCode.NO_ERROR);
    }),
    [
      {
        type: FrameType.GOAWAY,
        streamId: 0,
        lastStreamId: 0x7fffffff,
        errorCode: 11,
        debugData: debug,
      },
      {
        type: FrameType.GOAWAY,
        streamId: 0,
        lastStreamId: 7,
        errorCode: 0,
        debugData: new Uint8Array(0),
      },
    ],
  );
});

Deno.test("WINDOW_UPDATE round-trips on the connection and on a stream", () => {
  assert.deepEqual(
    roundTrip((w) => {
      w.windowUpdate(0, 2147483647);
      w.windowUpdate(1, 1);
    }),
    [
      { type: FrameType.WINDOW_UPDATE, streamId: 0, increment: 2147483647 },
      { type: FrameType.WINDOW_UPDATE, streamId: 1, increment: 1 },
    ],
  );
});

Deno.test("CONTINUATION round-trips after a HEADERS without END_HEADERS", () => {
  assert.deepEqual(
    roundTrip((w) => {
      w.raw(FrameType.HEADERS, 0, 1, bytes(0x82));
      w.raw(FrameType.CONTINUATION, 0x4, 1, bytes(0x86));
    }),
    [
      {
        type: FrameType.HEADERS,
        streamId: 1,
        endStream: false,
        endHeaders: false,
        fragment: bytes(0x82),
      },
      {
        type: FrameType.CONTINUATION,
        streamId: 1,
        endHeaders: true,
        fragment: bytes(0x86),
      },
    ],
  );
});
