import assert from "node:assert/strict";
import {
  encodeEnvelope,
  ENVELOPE_HEADER,
  EnvelopeDecoder,
  sendEnvelope,
  writeEnvelopeHeader,
} from "../../lib/grpc/envelope.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Code } from "../../lib/grpc/status.ts";

function bytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
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

function drain(decoder: EnvelopeDecoder): Array<[boolean, number[]]> {
  const out: Array<[boolean, number[]]> = [];
  for (let e = decoder.next(); e !== null; e = decoder.next()) {
    out.push([e.compressed, [...e.data]]);
  }
  return out;
}

function assertGrpcError(fn: () => unknown, code: Code): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GrpcError);
    assert.equal(err.code, code);
    return true;
  });
}

Deno.test("encodeEnvelope() writes flag, big-endian length and the payload", () => {
  assert.deepEqual(
    [...encodeEnvelope(new Uint8Array([7, 8]))],
    [0, 0, 0, 0, 2, 7, 8],
  );
  assert.deepEqual([...encodeEnvelope(new Uint8Array(0), true)], [
    1,
    0,
    0,
    0,
    0,
  ]);
  const big = encodeEnvelope(new Uint8Array(0x0304));
  assert.deepEqual([...big.subarray(0, 5)], [0, 0, 0, 0x03, 0x04]);
});

Deno.test("writeEnvelopeHeader() writes lengths up to 2^32-1 at an offset", () => {
  const target = new Uint8Array(8);
  writeEnvelopeHeader(target, 2, 0xfffffffe, true);
  assert.deepEqual([...target], [0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0]);
  writeEnvelopeHeader(target, 0, 0x01020304, false);
  assert.deepEqual([...target.subarray(0, 5)], [0, 1, 2, 3, 4]);
});

Deno.test("EnvelopeDecoder decodes a message pushed one byte at a time", () => {
  const payload = bytes(300);
  const wire = encodeEnvelope(payload, true);
  const decoder = new EnvelopeDecoder();
  for (let i = 0; i < wire.length - 1; i++) {
    decoder.push(wire.subarray(i, i + 1));
    assert.equal(decoder.next(), null);
    assert.equal(decoder.buffered, i + 1);
  }
  decoder.push(wire.subarray(wire.length - 1));
  const e = decoder.next();
  assert.ok(e !== null);
  assert.equal(e.compressed, true);
  assert.deepEqual(e.data, payload);
  assert.equal(decoder.next(), null);
  assert.equal(decoder.buffered, 0);
});

Deno.test("EnvelopeDecoder returns every message of one push, in order", () => {
  const msgs = [bytes(3, 1), bytes(0), bytes(10, 2), bytes(1, 3)];
  const decoder = new EnvelopeDecoder();
  decoder.push(concat(...msgs.map((m, i) => encodeEnvelope(m, i % 2 === 1))));
  assert.deepEqual(
    drain(decoder),
    msgs.map((m, i) => [i % 2 === 1, [...m]]),
  );
  assert.equal(decoder.buffered, 0);
});

Deno.test("EnvelopeDecoder returns views, not copies, for messages within one chunk", () => {
  const chunk = concat(encodeEnvelope(bytes(4)), encodeEnvelope(bytes(6)));
  const decoder = new EnvelopeDecoder();
  decoder.push(chunk);
  const a = decoder.next();
  const b = decoder.next();
  assert.ok(a !== null && b !== null);
  assert.equal(a.data.buffer, chunk.buffer);
  assert.equal(a.data.byteOffset, ENVELOPE_HEADER);
  assert.equal(b.data.buffer, chunk.buffer);
  assert.equal(b.data.byteOffset, 2 * ENVELOPE_HEADER + 4);
});

Deno.test("EnvelopeDecoder handles prefixes split across chunks at every position", () => {
  const msgs = [bytes(7, 1), bytes(0), bytes(2, 9), bytes(5, 4)];
  const wire = concat(...msgs.map((m) => encodeEnvelope(m)));
  for (let a = 1; a < wire.length; a++) {
    for (let b = a; b < wire.length; b++) {
      const decoder = new EnvelopeDecoder();
      const got: number[][] = [];
      for (
        const part of [
          wire.subarray(0, a),
          wire.subarray(a, b),
          wire.subarray(b),
        ]
      ) {
        decoder.push(part);
        for (let e = decoder.next(); e !== null; e = decoder.next()) {
          got.push([...e.data]);
        }
      }
      assert.deepEqual(got, msgs.map((m) => [...m]), `split at ${a},${b}`);
      assert.equal(decoder.buffered, 0);
    }
  }
});

Deno.test("EnvelopeDecoder returns an empty message for a zero-length prefix", () => {
  const decoder = new EnvelopeDecoder();
  decoder.push(new Uint8Array([0, 0, 0, 0, 0]));
  const e = decoder.next();
  assert.ok(e !== null);
  assert.equal(e.compressed, false);
  assert.equal(e.data.length, 0);
  assert.equal(decoder.next(), null);
});

Deno.test("EnvelopeDecoder ignores empty pushes", () => {
  const decoder = new EnvelopeDecoder();
  decoder.push(new Uint8Array(0));
  assert.equal(decoder.next(), null);
  decoder.push(encodeEnvelope(bytes(1)));
  decoder.push(new Uint8Array(0));
  assert.deepEqual(drain(decoder), [[false, [0]]]);
});

Deno.test("EnvelopeDecoder rejects an oversized message as soon as its prefix arrives", () => {
  const decoder = new EnvelopeDecoder({ maxMessageSize: 16 });
  decoder.push(new Uint8Array([0, 0, 0, 0]));
  assert.equal(decoder.next(), null);
  decoder.push(new Uint8Array([17])); // prefix complete, no body yet
  assertGrpcError(() => decoder.next(), Code.RESOURCE_EXHAUSTED);
  // Sticky: the stream is unusable afterwards.
  decoder.push(bytes(17));
  assertGrpcError(() => decoder.next(), Code.RESOURCE_EXHAUSTED);
});

Deno.test("EnvelopeDecoder accepts a message of exactly maxMessageSize", () => {
  const decoder = new EnvelopeDecoder({ maxMessageSize: 16 });
  decoder.push(encodeEnvelope(bytes(16)));
  assert.equal(decoder.next()?.data.length, 16);
});

Deno.test("EnvelopeDecoder defaults maxMessageSize to 4 MiB", () => {
  const ok = new EnvelopeDecoder();
  const header = new Uint8Array(5);
  writeEnvelopeHeader(header, 0, 4 * 1024 * 1024, false);
  ok.push(header);
  assert.equal(ok.next(), null);
  const tooBig = new EnvelopeDecoder();
  writeEnvelopeHeader(header, 0, 4 * 1024 * 1024 + 1, false);
  tooBig.push(header);
  assertGrpcError(() => tooBig.next(), Code.RESOURCE_EXHAUSTED);
});

Deno.test("EnvelopeDecoder rejects a flag byte other than 0 or 1 with INTERNAL", () => {
  for (const flag of [2, 0x80, 0xff]) {
    const decoder = new EnvelopeDecoder();
    decoder.push(new Uint8Array([flag, 0, 0, 0, 1, 42]));
    assertGrpcError(() => decoder.next(), Code.INTERNAL);
  }
});

Deno.test("EnvelopeDecoder.buffered counts a consumed prefix while its body is pending", () => {
  const decoder = new EnvelopeDecoder();
  decoder.push(encodeEnvelope(bytes(10)).subarray(0, 8));
  assert.equal(decoder.next(), null);
  assert.equal(decoder.buffered, 8);
});

Deno.test("EnvelopeDecoder reassembles a large message from many chunks", () => {
  const payload = bytes(100_000, 5);
  const wire = encodeEnvelope(payload);
  const decoder = new EnvelopeDecoder();
  for (let i = 0; i < wire.length; i += 997) {
    decoder.push(wire.subarray(i, i + 997));
  }
  assert.deepEqual(decoder.next()?.data, payload);
  assert.equal(decoder.buffered, 0);
});

Deno.test("EnvelopeDecoder in transient mode survives the reuse of one input buffer", () => {
  // Messages of 3 bytes, 100 KiB (assembled in place) and 10 bytes, fed
  // through one 4 KiB buffer that is overwritten after every push.
  const sizes = [3, 100 * 1024, 10];
  const stream: number[] = [];
  sizes.forEach((n, k) => {
    stream.push(
      0,
      (n >>> 24) & 255,
      (n >>> 16) & 255,
      (n >>> 8) & 255,
      n & 255,
    );
    for (let i = 0; i < n; i++) stream.push((i * 7 + k) & 255);
  });
  const wire = new Uint8Array(stream);
  const decoder = new EnvelopeDecoder({
    transient: true,
    maxMessageSize: 1 << 20,
  });
  const buffer = new Uint8Array(4096);
  const got: Uint8Array[] = [];
  for (let at = 0; at < wire.length; at += 1000) {
    const piece = wire.subarray(at, Math.min(at + 1000, wire.length));
    buffer.set(piece);
    decoder.push(buffer.subarray(0, piece.length));
    for (let m = decoder.next(); m !== null; m = decoder.next()) {
      got.push(m.data);
    }
    decoder.retain();
    buffer.fill(0xee); // the caller reuses its buffer
  }
  assert.deepEqual(got.map((m) => m.length), sizes);
  got.forEach((m, k) => {
    for (let i = 0; i < m.length; i += 97) {
      assert.equal(m[i], (i * 7 + k) & 255);
    }
  });
  assert.equal(decoder.buffered, 0);
});

Deno.test("sendEnvelope() puts the prefix in front of the pieces, unjoined", async () => {
  const calls: Array<[Uint8Array[], number, boolean | undefined]> = [];
  const sink = {
    sendParts(parts: readonly Uint8Array[], length: number, end?: boolean) {
      calls.push([[...parts], length, end]);
      return Promise.resolve();
    },
  };
  const a = new Uint8Array([1, 2]), b = new Uint8Array([3]);
  await sendEnvelope(sink, { parts: [a, b], length: 3 }, true, true);
  assert.equal(calls.length, 1);
  const [parts, length, end] = calls[0];
  assert.deepEqual(parts[0], new Uint8Array([1, 0, 0, 0, 3]));
  assert.equal(parts[1], a);
  assert.equal(parts[2], b);
  assert.equal(length, 8);
  assert.equal(end, true);
});

Deno.test("sendEnvelope() writes the prefix into a reserved head", async () => {
  const calls: Array<[readonly Uint8Array[], number]> = [];
  const sink = {
    sendParts(parts: readonly Uint8Array[], length: number) {
      calls.push([parts, length]);
      return Promise.resolve();
    },
  };
  const first = new Uint8Array([9, 9, 9, 9, 9, 1, 2]);
  const parts = [first, new Uint8Array([3])];
  await sendEnvelope(sink, { parts, length: 3, head: 5 }, false, false);
  assert.equal(calls[0][0], parts, "the pieces are sent as they are");
  assert.deepEqual(first, new Uint8Array([0, 0, 0, 0, 3, 1, 2]));
  assert.equal(calls[0][1], 8);
});
