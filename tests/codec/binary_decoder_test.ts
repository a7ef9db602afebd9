import assert from "node:assert/strict";
import {
  create,
  type DescMessage,
  fromBinary,
  toBinary,
} from "../../lib/protobuf.ts";
import {
  decodeMessage,
  decoderCovers,
} from "../../lib/codec/binary_decoder.ts";
import * as bench from "../../gen/bench/bench_pb.ts";
import * as hello from "../../gen/helloworld/helloworld_pb.ts";
import * as messages from "../../gen/grpc/testing/messages_pb.ts";
import * as routeGuide from "../../gen/routeguide/route_guide_pb.ts";
import * as status from "../../gen/google/rpc/status_pb.ts";
import { randomMessage, rng, schemas } from "./_random_messages.ts";

/** What `f` gives, or the message of what it throws. */
function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error) };
  }
}

function same(schema: DescMessage, bytes: Uint8Array, label: string): void {
  assert.deepStrictEqual(
    outcome(() => decodeMessage(schema, bytes)),
    outcome(() => fromBinary(schema, bytes)),
    label,
  );
}

Deno.test("decodeMessage gives exactly what fromBinary gives, for random messages of every generated type", () => {
  const r = rng(7);
  let checked = 0;
  for (const schema of schemas) {
    for (let i = 0; i < 60; i++) {
      const bytes = toBinary(schema, randomMessage(schema, r));
      same(schema, bytes, `${schema.typeName} #${i}`);
      checked++;
    }
  }
  assert.ok(checked > 1000);
});

Deno.test("decodeMessage matches fromBinary on damaged input: truncated, flipped, extended", () => {
  const r = rng(11);
  let checked = 0;
  for (const schema of schemas) {
    for (let i = 0; i < 20; i++) {
      const bytes = toBinary(schema, randomMessage(schema, r));
      if (bytes.length === 0) continue;
      const cut = bytes.subarray(0, Math.floor(r() * bytes.length));
      same(schema, cut, `${schema.typeName} cut #${i}`);
      const flipped = bytes.slice();
      flipped[Math.floor(r() * bytes.length)] ^= 1 << Math.floor(r() * 8);
      same(schema, flipped, `${schema.typeName} flipped #${i}`);
      // An unknown field 99 (varint 5) at the end: kept in $unknown.
      const extended = new Uint8Array([...bytes, 0x98, 0x06, 5]);
      same(schema, extended, `${schema.typeName} extended #${i}`);
      checked += 3;
    }
  }
  assert.ok(checked > 500);
});

Deno.test("decodeMessage handles non-canonical encodings as fromBinary does", () => {
  const cases: Array<[DescMessage, number[]]> = [
    // int32 -1 as a 10-byte varint (field 1 of SimpleRequest is an enum).
    [messages.SimpleRequestSchema, [0x08, ...Array(9).fill(0xff), 0x01]],
    // bool with a multi-byte varint: true (field 3 of SimpleRequest).
    [messages.SimpleRequestSchema, [0x18, 0x80, 0x01]],
    [messages.SimpleRequestSchema, [0x18, 0x80, 0x00]],
    // A message field twice: the second occurrence merges into the first.
    [routeGuide.RouteNoteSchema, [
      0x0a,
      0x02,
      0x08,
      0x05,
      0x0a,
      0x02,
      0x10,
      0x07,
    ]],
    // Last value wins for a scalar field.
    [hello.HelloRequestSchema, [0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62]],
    // A wire type other than the field's (fixed32 for a string).
    [hello.HelloRequestSchema, [0x0d, 1, 2, 3, 4]],
    // Field number 0 and a bad wire type.
    [hello.HelloRequestSchema, [0x02, 0x00]],
    [hello.HelloRequestSchema, [0x0f]],
    // Invalid UTF-8 in a proto3 string.
    [hello.HelloRequestSchema, [0x0a, 0x02, 0xc3, 0x28]],
    // Non-ASCII and a long string.
    [hello.HelloRequestSchema, [0x0a, 0x02, 0xc3, 0xa9]],
    [hello.HelloRequestSchema, [0x0a, 40, ...Array(40).fill(0x41)]],
    // A varint running past the end.
    [hello.HelloRequestSchema, [0x0a, 0x80]],
    // map<string, int32> rpcs_by_peer = 1: a full entry, one without key,
    // one without value, "__proto__" as key, a key repeated.
    [messages.LoadBalancerStatsResponseSchema, [
      ...[0x0a, 0x05, 0x0a, 0x01, 0x61, 0x10, 0x07],
      ...[0x0a, 0x02, 0x10, 0x03],
      ...[0x0a, 0x03, 0x0a, 0x01, 0x62],
      ...[0x0a, 0x0d, 0x0a, 0x09, ...new TextEncoder().encode("__proto__")],
      0x10,
      0x01,
      ...[0x0a, 0x05, 0x0a, 0x01, 0x61, 0x10, 0x08],
    ]],
    // An entry with an unknown field inside.
    [messages.LoadBalancerStatsResponseSchema, [0x0a, 0x02, 0x18, 0x01]],
  ];
  for (const [schema, bytes] of cases) {
    same(schema, new Uint8Array(bytes), `${schema.typeName} ${bytes}`);
  }
});

Deno.test("decodeMessage returns bytes fields as views of the input, as fromBinary does", () => {
  const data = new Uint8Array(1000).map((_, i) => i & 0xff);
  const bytes = toBinary(
    bench.PayloadSchema,
    create(bench.PayloadSchema, { data }),
  );
  const decoded = decodeMessage(bench.PayloadSchema, bytes);
  assert.deepEqual(decoded.data, data);
  assert.equal(decoded.data.buffer, bytes.buffer);
});

Deno.test("the fast path covers the common proto3 shapes and declines the rest", () => {
  for (
    const schema of [
      hello.HelloRequestSchema,
      messages.SimpleRequestSchema,
      routeGuide.RouteNoteSchema,
      bench.PayloadSchema,
    ]
  ) assert.ok(decoderCovers(schema), schema.typeName);
  // google.rpc.Status holds google.protobuf.Any: left to fromBinary.
  assert.equal(decoderCovers(status.StatusSchema), false);
});
