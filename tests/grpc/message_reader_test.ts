import assert from "node:assert/strict";
import {
  MessageReader,
  type MessageSink,
} from "../../lib/grpc/message_reader.ts";
import { encodeEnvelope } from "../../lib/grpc/envelope.ts";
import { gzip } from "../../lib/grpc/compression.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Code } from "../../lib/grpc/status.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** A sink and a credit target that record what the reader did. */
class Recorder implements MessageSink {
  messages: Array<[number[], boolean]> = [];
  errors: GrpcError[] = [];
  credit = 0;
  readonly target = { consume: (n: number) => void (this.credit += n) };

  onMessage(bytes: Uint8Array, compressed: boolean): void {
    this.messages.push([[...bytes], compressed]);
  }

  onReadError(error: GrpcError): void {
    this.errors.push(error);
  }
}

function reader(
  r: Recorder,
  options: { max?: number; single?: boolean } = {},
): MessageReader {
  return new MessageReader(
    r,
    r.target,
    options.max ?? 1024,
    options.single ?? false,
    "request",
  );
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Waits for the reader's chain (bounded), as a call does before its status. */
async function settled(reader: MessageReader): Promise<void> {
  const pending = reader.pending;
  if (pending) await within(pending, WAIT_MS, "messages in flight");
}

Deno.test("MessageReader delivers plain messages synchronously, in order, across pushes", () => {
  const r = new Recorder();
  const m = reader(r, { single: true });
  const wire = concat(
    encodeEnvelope(new Uint8Array([1])),
    encodeEnvelope(new Uint8Array([2, 3])),
  );
  // Cut inside the first prefix and inside the second message.
  assert.equal(m.push(wire.subarray(0, 2)), true);
  assert.equal(m.push(wire.subarray(2, 9)), true);
  assert.deepEqual(r.messages, [[[1], false]]);
  assert.equal(m.push(wire.subarray(9)), true);
  assert.deepEqual(r.messages, [[[1], false], [[2, 3], false]]);
  assert.equal(m.pending, undefined); // nothing chained
  assert.equal(r.credit, wire.length); // single: all credit returned at once
  assert.equal(m.end(), undefined);
});

Deno.test("MessageReader keeps compressed then uncompressed messages in order", async () => {
  const r = new Recorder();
  const m = reader(r);
  m.encoding = gzip;
  const packed = await gzip.compress(new Uint8Array([1, 1, 1, 1]));
  m.push(concat(
    encodeEnvelope(packed, true),
    encodeEnvelope(new Uint8Array([2])),
  ));
  // The plain one waits behind the one being inflated.
  assert.deepEqual(r.messages, []);
  m.push(encodeEnvelope(new Uint8Array([3])));
  await settled(m);
  assert.deepEqual(r.messages, [
    [[1, 1, 1, 1], true],
    [[2], false],
    [[3], false],
  ]);
  assert.deepEqual(r.errors, []);
});

Deno.test("MessageReader: a prefix announcing more than the limit is RESOURCE_EXHAUSTED", () => {
  const r = new Recorder();
  const m = reader(r, { max: 4 });
  assert.equal(m.push(encodeEnvelope(new Uint8Array(5))), false);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].code, Code.RESOURCE_EXHAUSTED);
  assert.deepEqual(r.messages, []);
});

Deno.test("MessageReader: a message inflating past the limit is RESOURCE_EXHAUSTED", async () => {
  const r = new Recorder();
  const m = reader(r, { max: 64 << 10 });
  m.encoding = gzip;
  // 1 MiB of zeros packs into about a KiB.
  const packed = await gzip.compress(new Uint8Array(1 << 20));
  assert.ok(packed.length < 64 << 10);
  m.push(encodeEnvelope(packed, true));
  await settled(m);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].code, Code.RESOURCE_EXHAUSTED);
  assert.deepEqual(r.messages, []);
});

Deno.test("MessageReader: a compressed message without grpc-encoding is INTERNAL", async () => {
  const r = new Recorder();
  const m = reader(r);
  m.push(encodeEnvelope(new Uint8Array([1]), true));
  await settled(m);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].code, Code.INTERNAL);
});

Deno.test("MessageReader.end() reports input that ended inside a message", () => {
  const r = new Recorder();
  const m = reader(r);
  m.push(encodeEnvelope(new Uint8Array([1, 2, 3])).subarray(0, 6));
  const error = m.end();
  assert.ok(error instanceof GrpcError);
  assert.equal(error.code, Code.INTERNAL);
  assert.match(error.message, /truncated request message/);
  // Ended: no more input is taken.
  assert.equal(m.push(encodeEnvelope(new Uint8Array([4]))), false);
  assert.deepEqual(r.messages, []);
});

Deno.test("MessageReader holds credit while messages wait unread (streaming)", () => {
  const r = new Recorder();
  const m = reader(r);
  const one = encodeEnvelope(new Uint8Array([1]));
  m.push(one.subarray(0, 3)); // a partial message: credit returns at once
  assert.equal(r.credit, 3);
  m.push(one.subarray(3)); // completes a message the application has not taken
  assert.equal(r.credit, 3);
  m.push(encodeEnvelope(new Uint8Array([2])));
  assert.equal(r.credit, 3);
  m.taken();
  assert.equal(r.credit, 3); // one still waits
  m.taken();
  assert.equal(r.credit, 3 + 3 + 6); // caught up: all held credit returns
  m.push(encodeEnvelope(new Uint8Array(4)).subarray(0, 2));
  assert.equal(r.credit, 14);
});

Deno.test("MessageReader.close() drops messages still being inflated", async () => {
  const r = new Recorder();
  const m = reader(r);
  m.encoding = gzip;
  m.push(encodeEnvelope(await gzip.compress(new Uint8Array([9])), true));
  const pending = m.pending;
  m.close();
  await within(pending!, WAIT_MS, "inflation");
  assert.deepEqual(r.messages, []);
  assert.deepEqual(r.errors, []);
});
