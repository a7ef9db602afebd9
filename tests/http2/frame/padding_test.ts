import assert from "node:assert/strict";
import { FrameDecoder } from "../../../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../../../lib/http2/frame/writer.ts";
import {
  Flags,
  type Frame,
  FrameType,
} from "../../../lib/http2/frame/types.ts";

function decodeOne(write: (w: FrameWriter) => void): Frame | null {
  const writer = new FrameWriter();
  write(writer);
  const decoder = new FrameDecoder();
  decoder.push(writer.take());
  return decoder.next();
}

/** Pad Length octet, then `fixed`, `content` and `pad` zero octets. */
function padded(content: number[], pad: number, fixed: number[] = []) {
  return new Uint8Array([pad, ...fixed, ...content, ...new Array(pad).fill(0)]);
}

Deno.test("padded DATA decodes to the unpadded data with flowLength counting padding", () => {
  const payload = padded([1, 2, 3], 4);
  assert.deepEqual(
    decodeOne((w) =>
      w.raw(FrameType.DATA, Flags.PADDED | Flags.END_STREAM, 1, payload)
    ),
    {
      type: FrameType.DATA,
      streamId: 1,
      endStream: true,
      data: new Uint8Array([1, 2, 3]),
      flowLength: 1 + 3 + 4,
    },
  );
});

Deno.test("padded DATA whose padding fills the payload decodes to empty data", () => {
  const payload = padded([], 5);
  const frame = decodeOne((w) =>
    w.raw(FrameType.DATA, Flags.PADDED, 1, payload)
  );
  assert.equal(frame?.type, FrameType.DATA);
  assert.deepEqual(frame.data, new Uint8Array(0));
  assert.equal(frame.flowLength, 6);
});

Deno.test("padded DATA with Pad Length 0 keeps the Pad Length octet in flowLength", () => {
  const frame = decodeOne((w) =>
    w.raw(FrameType.DATA, Flags.PADDED, 1, padded([9], 0))
  );
  assert.equal(frame?.type, FrameType.DATA);
  assert.deepEqual(frame.data, new Uint8Array([9]));
  assert.equal(frame.flowLength, 2);
});

Deno.test("padded HEADERS decodes to the unpadded fragment", () => {
  const payload = padded([0x82, 0x86], 3);
  assert.deepEqual(
    decodeOne((w) =>
      w.raw(FrameType.HEADERS, Flags.PADDED | Flags.END_HEADERS, 3, payload)
    ),
    {
      type: FrameType.HEADERS,
      streamId: 3,
      endStream: false,
      endHeaders: true,
      fragment: new Uint8Array([0x82, 0x86]),
    },
  );
});

Deno.test("padded HEADERS with the PRIORITY flag decodes priority and fragment", () => {
  // E bit set, dependency 1, wire weight 15 (= 16).
  const payload = padded([0x82], 2, [0x80, 0, 0, 1, 15]);
  const flags = Flags.PADDED | Flags.PRIORITY | Flags.END_HEADERS |
    Flags.END_STREAM;
  assert.deepEqual(
    decodeOne((w) => w.raw(FrameType.HEADERS, flags, 3, payload)),
    {
      type: FrameType.HEADERS,
      streamId: 3,
      endStream: true,
      endHeaders: true,
      priority: { exclusive: true, dependency: 1, weight: 16 },
      fragment: new Uint8Array([0x82]),
    },
  );
});

Deno.test("HEADERS with the PRIORITY flag and no padding decodes priority", () => {
  const payload = new Uint8Array([0, 0, 0, 0, 255, 0x82]);
  assert.deepEqual(
    decodeOne((w) => w.raw(FrameType.HEADERS, Flags.PRIORITY, 1, payload)),
    {
      type: FrameType.HEADERS,
      streamId: 1,
      endStream: false,
      endHeaders: false,
      priority: { exclusive: false, dependency: 0, weight: 256 },
      fragment: new Uint8Array([0x82]),
    },
  );
});

Deno.test("padded PUSH_PROMISE decodes the promised stream and unpadded fragment", () => {
  const payload = padded([0x82], 2, [0x80, 0, 0, 4]);
  assert.deepEqual(
    decodeOne((w) =>
      w.raw(
        FrameType.PUSH_PROMISE,
        Flags.PADDED | Flags.END_HEADERS,
        1,
        payload,
      )
    ),
    {
      type: FrameType.PUSH_PROMISE,
      streamId: 1,
      endHeaders: true,
      promisedStreamId: 4,
      fragment: new Uint8Array([0x82]),
    },
  );
});

Deno.test("padded HEADERS whose padding fills all after the priority fields has an empty fragment", () => {
  const payload = padded([], 3, [0, 0, 0, 0, 0]);
  const frame = decodeOne((w) =>
    w.raw(FrameType.HEADERS, Flags.PADDED | Flags.PRIORITY, 1, payload)
  );
  assert.equal(frame?.type, FrameType.HEADERS);
  assert.deepEqual(frame.fragment, new Uint8Array(0));
  assert.deepEqual(frame.priority, {
    exclusive: false,
    dependency: 0,
    weight: 1,
  });
});
