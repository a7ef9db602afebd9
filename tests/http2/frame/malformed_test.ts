import assert from "node:assert/strict";
import { ConnectionError, StreamError } from "../../../lib/http2/errors.ts";
import { FrameDecoder } from "../../../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../../../lib/http2/frame/writer.ts";
import {
  ErrorCode,
  Flags,
  FrameType,
  SettingId,
} from "../../../lib/http2/frame/types.ts";

const { PROTOCOL_ERROR, FRAME_SIZE_ERROR, FLOW_CONTROL_ERROR } = ErrorCode;

function decoderFor(write: (w: FrameWriter) => void): FrameDecoder {
  const w = new FrameWriter();
  write(w);
  const decoder = new FrameDecoder();
  decoder.push(w.take());
  return decoder;
}

function rejectsWithConnectionError(
  code: number,
  write: (w: FrameWriter) => void,
): void {
  const decoder = decoderFor(write);
  assert.throws(
    () => decoder.next(),
    (err: unknown) => {
      assert.ok(err instanceof ConnectionError, `${err}`);
      assert.equal(err.code, code, err.message);
      return true;
    },
  );
}

function rejectsWithStreamError(
  streamId: number,
  code: number,
  write: (w: FrameWriter) => void,
): void {
  const decoder = decoderFor(write);
  assert.throws(
    () => decoder.next(),
    (err: unknown) => {
      assert.ok(err instanceof StreamError, `${err}`);
      assert.equal(err.code, code, err.message);
      assert.equal(err.streamId, streamId);
      return true;
    },
  );
}

const setting = (id: number, value: number): Array<[number, number]> => [[
  id,
  value,
]];

for (
  const [name, type, payload] of [
    ["DATA", FrameType.DATA, new Uint8Array(1)],
    ["HEADERS", FrameType.HEADERS, new Uint8Array(1)],
    ["PRIORITY", FrameType.PRIORITY, new Uint8Array(5)],
    ["RST_STREAM", FrameType.RST_STREAM, new Uint8Array(4)],
    ["PUSH_PROMISE", FrameType.PUSH_PROMISE, new Uint8Array(4)],
    ["CONTINUATION", FrameType.CONTINUATION, new Uint8Array(1)],
  ] as const
) {
  Deno.test(`decoder rejects ${name} on stream 0 with connection PROTOCOL_ERROR`, () => {
    rejectsWithConnectionError(
      PROTOCOL_ERROR,
      (w) => w.raw(type, 0, 0, payload),
    );
  });
}

for (
  const [name, type, payload] of [
    ["SETTINGS", FrameType.SETTINGS, new Uint8Array(0)],
    ["PING", FrameType.PING, new Uint8Array(8)],
    ["GOAWAY", FrameType.GOAWAY, new Uint8Array(8)],
  ] as const
) {
  Deno.test(`decoder rejects ${name} on a non-zero stream with connection PROTOCOL_ERROR`, () => {
    rejectsWithConnectionError(
      PROTOCOL_ERROR,
      (w) => w.raw(type, 0, 1, payload),
    );
  });
}

Deno.test("decoder rejects DATA whose Pad Length equals the payload length", () => {
  // Payload of 4: Pad Length 4 leaves -1 octets for data.
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.raw(FrameType.DATA, Flags.PADDED, 1, new Uint8Array([4, 0, 0, 0])),
  );
});

Deno.test("decoder rejects DATA whose Pad Length exceeds the payload length", () => {
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.raw(FrameType.DATA, Flags.PADDED, 1, new Uint8Array([200, 0])),
  );
});

Deno.test("decoder rejects a PADDED DATA frame with no Pad Length octet", () => {
  rejectsWithConnectionError(
    FRAME_SIZE_ERROR,
    (w) => w.raw(FrameType.DATA, Flags.PADDED, 1, new Uint8Array(0)),
  );
});

Deno.test("decoder rejects HEADERS whose padding overlaps the priority fields", () => {
  // Pad Length octet, 5 priority octets, 1 octet left: Pad Length 2 would
  // eat into the priority fields.
  const payload = new Uint8Array([2, 0, 0, 0, 0, 15, 0]);
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.raw(FrameType.HEADERS, Flags.PADDED | Flags.PRIORITY, 1, payload),
  );
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.raw(FrameType.HEADERS, Flags.PADDED, 1, new Uint8Array([2, 0])),
  );
});

Deno.test("decoder rejects HEADERS with the PRIORITY flag but under 5 octets", () => {
  rejectsWithConnectionError(
    FRAME_SIZE_ERROR,
    (w) => w.raw(FrameType.HEADERS, Flags.PRIORITY, 1, new Uint8Array(4)),
  );
  rejectsWithConnectionError(
    FRAME_SIZE_ERROR,
    (w) =>
      w.raw(
        FrameType.HEADERS,
        Flags.PRIORITY | Flags.PADDED,
        1,
        new Uint8Array([0, 0, 0, 0, 0]),
      ),
  );
});

Deno.test("decoder rejects PUSH_PROMISE without room for the promised stream id", () => {
  rejectsWithConnectionError(
    FRAME_SIZE_ERROR,
    (w) => w.raw(FrameType.PUSH_PROMISE, 0, 1, new Uint8Array(3)),
  );
});

Deno.test("decoder rejects PUSH_PROMISE whose padding overlaps the promised id", () => {
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) =>
      w.raw(
        FrameType.PUSH_PROMISE,
        Flags.PADDED,
        1,
        new Uint8Array([1, 0, 0, 0, 2]),
      ),
  );
});

for (const length of [0, 4, 6]) {
  Deno.test(`decoder rejects PRIORITY of length ${length} with stream FRAME_SIZE_ERROR`, () => {
    rejectsWithStreamError(
      3,
      FRAME_SIZE_ERROR,
      (w) => w.raw(FrameType.PRIORITY, 0, 3, new Uint8Array(length)),
    );
  });
}

Deno.test("decoder rejects PRIORITY depending on its own stream with stream PROTOCOL_ERROR", () => {
  rejectsWithStreamError(
    3,
    PROTOCOL_ERROR,
    (w) => w.priority(3, { exclusive: false, dependency: 3, weight: 16 }),
  );
});

for (const length of [0, 3, 5, 8]) {
  Deno.test(`decoder rejects RST_STREAM of length ${length} with connection FRAME_SIZE_ERROR`, () => {
    rejectsWithConnectionError(
      FRAME_SIZE_ERROR,
      (w) => w.raw(FrameType.RST_STREAM, 0, 1, new Uint8Array(length)),
    );
  });
}

for (const length of [1, 5, 7, 13]) {
  Deno.test(`decoder rejects SETTINGS of length ${length} with connection FRAME_SIZE_ERROR`, () => {
    rejectsWithConnectionError(
      FRAME_SIZE_ERROR,
      (w) => w.raw(FrameType.SETTINGS, 0, 0, new Uint8Array(length)),
    );
  });
}

Deno.test("decoder rejects a SETTINGS ACK with a payload with FRAME_SIZE_ERROR", () => {
  rejectsWithConnectionError(
    FRAME_SIZE_ERROR,
    (w) => w.raw(FrameType.SETTINGS, Flags.ACK, 0, new Uint8Array(6)),
  );
});

Deno.test("decoder rejects SETTINGS_ENABLE_PUSH other than 0 or 1 with PROTOCOL_ERROR", () => {
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.settings(setting(SettingId.ENABLE_PUSH, 2)),
  );
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.settings(setting(SettingId.ENABLE_PUSH, 0xffffffff)),
  );
});

Deno.test("decoder rejects SETTINGS_ENABLE_CONNECT_PROTOCOL other than 0 or 1 with PROTOCOL_ERROR", () => {
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.settings(setting(SettingId.ENABLE_CONNECT_PROTOCOL, 2)),
  );
});

Deno.test("decoder rejects SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 with FLOW_CONTROL_ERROR", () => {
  rejectsWithConnectionError(
    FLOW_CONTROL_ERROR,
    (w) => w.settings(setting(SettingId.INITIAL_WINDOW_SIZE, 2 ** 31)),
  );
  rejectsWithConnectionError(
    FLOW_CONTROL_ERROR,
    (w) => w.settings(setting(SettingId.INITIAL_WINDOW_SIZE, 0xffffffff)),
  );
});

Deno.test("decoder rejects SETTINGS_MAX_FRAME_SIZE outside [16384, 2^24-1] with PROTOCOL_ERROR", () => {
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.settings(setting(SettingId.MAX_FRAME_SIZE, 16383)),
  );
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.settings(setting(SettingId.MAX_FRAME_SIZE, 2 ** 24)),
  );
  rejectsWithConnectionError(
    PROTOCOL_ERROR,
    (w) => w.settings(setting(SettingId.MAX_FRAME_SIZE, 0)),
  );
});

Deno.test("decoder rejects a bad setting listed after valid ones", () => {
  rejectsWithConnectionError(PROTOCOL_ERROR, (w) =>
    w.settings([
      [SettingId.HEADER_TABLE_SIZE, 4096],
      [0x99, 7],
      [SettingId.ENABLE_PUSH, 3],
    ]));
});

for (const length of [0, 7, 9, 16]) {
  Deno.test(`decoder rejects PING of length ${length} with connection FRAME_SIZE_ERROR`, () => {
    rejectsWithConnectionError(
      FRAME_SIZE_ERROR,
      (w) => w.raw(FrameType.PING, 0, 0, new Uint8Array(length)),
    );
  });
}

for (const length of [0, 4, 7]) {
  Deno.test(`decoder rejects GOAWAY of length ${length} with connection FRAME_SIZE_ERROR`, () => {
    rejectsWithConnectionError(
      FRAME_SIZE_ERROR,
      (w) => w.raw(FrameType.GOAWAY, 0, 0, new Uint8Array(length)),
    );
  });
}

for (const [length, streamId] of [[0, 0], [3, 1], [5, 0], [8, 1]]) {
  Deno.test(`decoder rejects WINDOW_UPDATE of length ${length} on stream ${streamId} with connection FRAME_SIZE_ERROR`, () => {
    rejectsWithConnectionError(
      FRAME_SIZE_ERROR,
      (w) =>
        w.raw(FrameType.WINDOW_UPDATE, 0, streamId, new Uint8Array(length)),
    );
  });
}

Deno.test("decoder rejects a stream WINDOW_UPDATE of 0 with stream PROTOCOL_ERROR", () => {
  rejectsWithStreamError(5, PROTOCOL_ERROR, (w) => w.windowUpdate(5, 0));
});

Deno.test("decoder rejects a connection WINDOW_UPDATE of 0 with connection PROTOCOL_ERROR", () => {
  rejectsWithConnectionError(PROTOCOL_ERROR, (w) => w.windowUpdate(0, 0));
});

Deno.test("decoder rejects a WINDOW_UPDATE of 0 with only the reserved bit set", () => {
  rejectsWithStreamError(
    1,
    PROTOCOL_ERROR,
    (w) =>
      w.raw(FrameType.WINDOW_UPDATE, 0, 1, new Uint8Array([0x80, 0, 0, 0])),
  );
});

Deno.test("decoder consumes a frame that raised a StreamError and goes on", () => {
  const decoder = decoderFor((w) => {
    w.windowUpdate(1, 0);
    w.raw(FrameType.PRIORITY, 0, 3, new Uint8Array(4));
    w.ping(new Uint8Array(8), false);
  });
  assert.throws(() => decoder.next(), StreamError);
  assert.throws(() => decoder.next(), StreamError);
  assert.equal(decoder.next()?.type, FrameType.PING);
  assert.equal(decoder.buffered, 0);
});
