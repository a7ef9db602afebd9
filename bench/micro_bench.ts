/**
 * Micro-benchmarks of the hot paths below the network: HTTP/2 frame parsing,
 * gRPC envelopes and protobuf encoding, each for a small unary-sized message
 * and for 1 MiB.
 *
 * Run with `deno bench bench/micro_bench.ts`.
 *
 * @module
 */

import { FrameDecoder } from "../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../lib/http2/frame/writer.ts";
import { encodeEnvelope, EnvelopeDecoder } from "../lib/grpc/envelope.ts";
import { create, fromBinary, toBinary } from "../lib/protobuf.ts";
import { MessageEncoder } from "../lib/codec/binary_encoder.ts";
import { decodeMessage } from "../lib/codec/binary_decoder.ts";
import { HelloRequestSchema } from "../gen/helloworld/helloworld_pb.ts";
import { PayloadSchema } from "../gen/bench/bench_pb.ts";

const MIB = 1 << 20;
const FRAME = 16384;

/** Bytes of one unary call on the wire: HEADERS (a plausible block) + DATA. */
function unaryFrames(calls: number): Uint8Array {
  const w = new FrameWriter();
  const block = new Uint8Array(60).fill(0x82);
  const body = encodeEnvelope(new Uint8Array(7).fill(0x61));
  for (let i = 0; i < calls; i++) {
    const id = 2 * i + 1;
    w.headers(id, block, false, FRAME);
    w.data(id, body, true);
  }
  return w.take().slice();
}

/** 1 MiB of DATA frames of the default max size. */
function bulkFrames(): Uint8Array {
  const w = new FrameWriter(MIB + 1024);
  const payload = new Uint8Array(FRAME);
  for (let at = 0; at < MIB; at += FRAME) w.data(1, payload, at + FRAME >= MIB);
  return w.take().slice();
}

/** Splits `bytes` into reads of `size` octets, as a socket would. */
function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    out.push(bytes.subarray(at, at + size));
  }
  return out;
}

const UNARY_100 = chunks(unaryFrames(100), 64 << 10);
const BULK = chunks(bulkFrames(), 64 << 10);

function decodeAll(input: Uint8Array[]): number {
  const d = new FrameDecoder();
  let n = 0;
  for (const c of input) {
    d.push(c);
    for (let f = d.next(); f !== null; f = d.next()) n++;
  }
  return n;
}

Deno.bench({
  name: "frame decode: 100 unary calls (HEADERS + DATA)",
  group: "frame",
  baseline: true,
  fn() {
    if (decodeAll(UNARY_100) !== 200) throw new Error("frame count");
  },
});

Deno.bench({
  name: "frame decode: 1 MiB in 16 KiB DATA frames, 64 KiB reads",
  group: "frame",
  fn() {
    if (decodeAll(BULK) !== MIB / FRAME) throw new Error("frame count");
  },
});

const SMALL = new Uint8Array(7).fill(0x61);
const LARGE = new Uint8Array(MIB);
const SMALL_ENV = encodeEnvelope(SMALL);
const LARGE_ENV = chunks(encodeEnvelope(LARGE), FRAME);

Deno.bench({
  name: "envelope encode: 7 B",
  group: "envelope",
  baseline: true,
  fn() {
    encodeEnvelope(SMALL);
  },
});

Deno.bench({
  name: "envelope encode: 1 MiB",
  group: "envelope",
  fn() {
    encodeEnvelope(LARGE);
  },
});

Deno.bench({
  name: "envelope decode: 7 B",
  group: "envelope",
  fn() {
    const d = new EnvelopeDecoder();
    d.push(SMALL_ENV);
    if (d.next()?.data.length !== 7) throw new Error("decode");
  },
});

Deno.bench({
  name: "envelope decode: 1 MiB in 16 KiB DATA payloads",
  group: "envelope",
  fn() {
    const d = new EnvelopeDecoder();
    for (const c of LARGE_ENV) d.push(c);
    if (d.next()?.data.length !== MIB) throw new Error("decode");
  },
});

const HELLO = create(HelloRequestSchema, { name: "world" });
const HELLO_BIN = toBinary(HelloRequestSchema, HELLO);
const ENCODER = new MessageEncoder();
const PAYLOAD = create(PayloadSchema, { data: LARGE });
const PAYLOAD_BIN = toBinary(PayloadSchema, PAYLOAD);

Deno.bench({
  name: "protobuf encode: HelloRequest",
  group: "protobuf",
  baseline: true,
  fn() {
    toBinary(HelloRequestSchema, HELLO);
  },
});

Deno.bench({
  name: "protobuf decode: HelloRequest",
  group: "protobuf",
  fn() {
    fromBinary(HelloRequestSchema, HELLO_BIN);
  },
});

Deno.bench({
  name: "protobuf encode (lib/codec): HelloRequest",
  group: "protobuf",
  fn() {
    ENCODER.encodeMessage(HelloRequestSchema, HELLO);
  },
});

Deno.bench({
  name: "protobuf decode (lib/codec): HelloRequest",
  group: "protobuf",
  fn() {
    decodeMessage(HelloRequestSchema, HELLO_BIN);
  },
});

Deno.bench({
  name: "protobuf encode: Payload 1 MiB",
  group: "protobuf",
  fn() {
    toBinary(PayloadSchema, PAYLOAD);
  },
});

Deno.bench({
  name: "protobuf decode: Payload 1 MiB",
  group: "protobuf",
  fn() {
    fromBinary(PayloadSchema, PAYLOAD_BIN);
  },
});
