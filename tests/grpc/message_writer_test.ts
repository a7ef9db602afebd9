import assert from "node:assert/strict";
import {
  checkSendSize,
  writeMessage,
  type WriterOwner,
} from "../../lib/grpc/message_writer.ts";
import { type Compression, gzip } from "../../lib/grpc/compression.ts";
import { ENVELOPE_HEADER } from "../../lib/grpc/envelope.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Code } from "../../lib/grpc/status.ts";
import { HANDED_OVER } from "../../lib/http2/stream.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** A stream that records what it was sent and answers as told. */
class Sink {
  sent: Array<{ bytes: number[]; end: boolean }> = [];
  answer: () => Promise<void> = () => HANDED_OVER;

  sendParts(
    parts: readonly Uint8Array[],
    length: number,
    end = false,
  ): Promise<void> {
    const bytes: number[] = [];
    for (const p of parts) bytes.push(...p);
    assert.equal(bytes.length, length);
    this.sent.push({ bytes, end });
    return this.answer();
  }
}

class Owner implements WriterOwner {
  ended = false;
  errors: GrpcError[] = [];
  onWriteError(error: GrpcError): void {
    this.errors.push(error);
  }
}

const message = (...bytes: number[]) => ({
  parts: [new Uint8Array(bytes)],
  length: bytes.length,
});

Deno.test("writeMessage() frames a plain message and returns nothing when it was handed over", () => {
  const sink = new Sink();
  const sent = writeMessage(
    new Owner(),
    sink,
    message(7, 8),
    true,
    undefined,
    true,
  );
  assert.equal(sent, undefined);
  assert.deepEqual(sink.sent, [{ bytes: [0, 0, 0, 0, 2, 7, 8], end: true }]);
});

Deno.test("writeMessage() writes the prefix into the encoder's head room", () => {
  const sink = new Sink();
  const room = new Uint8Array(ENVELOPE_HEADER + 2);
  room.set([5, 6], ENVELOPE_HEADER);
  writeMessage(
    new Owner(),
    sink,
    { parts: [room], length: 2, head: ENVELOPE_HEADER },
    false,
    undefined,
    true,
  );
  assert.deepEqual(sink.sent[0].bytes, [0, 0, 0, 0, 2, 5, 6]);
});

Deno.test("writeMessage() returns a promise only when flow control holds the message, and it never rejects", async () => {
  const sink = new Sink();
  const held = Promise.withResolvers<void>();
  sink.answer = () => held.promise;
  const sent = writeMessage(
    new Owner(),
    sink,
    message(1),
    false,
    undefined,
    true,
  );
  assert.ok(sent instanceof Promise);
  held.reject(new Error("stream reset"));
  await within(sent, WAIT_MS, "held message"); // resolves: the call's end tells why
  // Without `wait` nothing is returned, and the rejection is still handled.
  const later = Promise.withResolvers<void>();
  sink.answer = () => later.promise;
  assert.equal(
    writeMessage(new Owner(), sink, message(2), false, undefined, false),
    undefined,
  );
  later.reject(new Error("stream reset"));
  await Promise.resolve();
});

Deno.test("writeMessage() returns nothing when the stream already ended", () => {
  const sink = {
    sendParts(): Promise<void> {
      throw new Error("stream closed");
    },
  };
  assert.equal(
    writeMessage(new Owner(), sink, message(1), false, undefined, true),
    undefined,
  );
});

Deno.test("writeMessage() compresses with the flag set, and the payload inflates back", async () => {
  const sink = new Sink();
  const data = new Array(300).fill(42);
  const sent = writeMessage(
    new Owner(),
    sink,
    {
      parts: [
        new Uint8Array(data.slice(0, 100)),
        new Uint8Array(data.slice(100)),
      ],
      length: 300,
    },
    false,
    gzip,
    true,
  );
  assert.ok(sent instanceof Promise);
  await within(sent, WAIT_MS, "compression");
  const framed = sink.sent[0].bytes;
  assert.equal(framed[0], 1);
  const length = new DataView(new Uint8Array(framed).buffer).getUint32(1);
  assert.equal(length, framed.length - ENVELOPE_HEADER);
  const inflated = await gzip.decompress(
    new Uint8Array(framed.slice(ENVELOPE_HEADER)),
    1000,
  );
  assert.deepEqual([...inflated], data);
});

Deno.test("writeMessage() drops a message compressed after the call ended", async () => {
  const sink = new Sink();
  const owner = new Owner();
  const sent = writeMessage(owner, sink, message(1, 2), false, gzip, true);
  owner.ended = true;
  await within(sent!, WAIT_MS, "compression");
  assert.deepEqual(sink.sent, []);
});

Deno.test("writeMessage() reports a failed compression as INTERNAL", async () => {
  const broken: Compression = {
    name: "broken",
    compress: () => Promise.reject(new Error("out of memory")),
    decompress: () => Promise.reject(new Error("unused")),
  };
  const sink = new Sink();
  const owner = new Owner();
  const sent = writeMessage(owner, sink, message(1), false, broken, true);
  await within(sent!, WAIT_MS, "compression");
  assert.deepEqual(sink.sent, []);
  assert.equal(owner.errors.length, 1);
  assert.equal(owner.errors[0].code, Code.INTERNAL);
});

Deno.test("checkSendSize() is RESOURCE_EXHAUSTED over the limit only", () => {
  checkSendSize(1024, 1024, "request");
  assert.throws(() => checkSendSize(1025, 1024, "response"), (e: unknown) => {
    assert.ok(e instanceof GrpcError);
    assert.equal(e.code, Code.RESOURCE_EXHAUSTED);
    assert.match(e.message, /response message of 1025 bytes/);
    return true;
  });
});
