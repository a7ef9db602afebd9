import assert from "node:assert/strict";
import { create, toBinary } from "../../lib/protobuf.ts";
import { encodeMessage } from "../../lib/codec/binary_encoder.ts";
import * as bench from "../../gen/bench/bench_pb.ts";
import * as hello from "../../gen/helloworld/helloworld_pb.ts";
import * as messages from "../../gen/grpc/testing/messages_pb.ts";
import * as routeGuide from "../../gen/routeguide/route_guide_pb.ts";
import * as status from "../../gen/google/rpc/status_pb.ts";
import { randomMessage, rng, schemas } from "./_random_messages.ts";

Deno.test("encodeMessage writes exactly what toBinary writes, for random messages of every generated type", () => {
  const r = rng(42);
  let checked = 0;
  for (const schema of schemas) {
    for (let i = 0; i < 60; i++) {
      const message = randomMessage(schema, r);
      const expected = toBinary(schema, message);
      const actual = encodeMessage(schema, message);
      assert.deepEqual(actual, expected, `${schema.typeName} #${i}`);
      checked++;
    }
  }
  assert.ok(checked > 1000);
});

Deno.test("encodeMessage falls back for unknown fields and still matches toBinary", () => {
  const message = create(hello.HelloRequestSchema, { name: "x" });
  message.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([5]) }];
  assert.deepEqual(
    encodeMessage(hello.HelloRequestSchema, message),
    toBinary(hello.HelloRequestSchema, message),
  );
});

Deno.test("encodeMessage results stay intact while later messages are encoded", () => {
  const first = encodeMessage(
    hello.HelloRequestSchema,
    create(hello.HelloRequestSchema, { name: "first" }),
  );
  const copy = first.slice();
  for (let i = 0; i < 20000; i++) {
    encodeMessage(
      hello.HelloRequestSchema,
      create(hello.HelloRequestSchema, { name: `n${i}` }),
    );
  }
  assert.deepEqual(first, copy);
});

Deno.test("the fast path covers the common proto3 shapes and declines what it cannot do", async () => {
  const { fastPathCovers } = await import("../../lib/codec/binary_encoder.ts");
  for (
    const schema of [
      hello.HelloRequestSchema,
      messages.SimpleRequestSchema,
      messages.StreamingOutputCallRequestSchema,
      routeGuide.RouteNoteSchema,
      bench.PayloadSchema,
    ]
  ) assert.ok(fastPathCovers(schema), schema.typeName);
  // google.rpc.Status holds google.protobuf.Any: left to toBinary.
  assert.equal(fastPathCovers(status.StatusSchema), false);
});

Deno.test("encodeMessageParts references large bytes and joins to toBinary's bytes", async () => {
  const { encodeMessageParts, joinParts } = await import(
    "../../lib/codec/binary_encoder.ts"
  );
  const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const message = create(bench.PayloadSchema, { data });
  const encoded = encodeMessageParts(bench.PayloadSchema, message);
  assert.ok(
    encoded.parts.includes(data),
    "large bytes are referenced, not copied",
  );
  assert.deepEqual(joinParts(encoded), toBinary(bench.PayloadSchema, message));
  const small = create(routeGuide.RouteNoteSchema, {
    message: "hi",
    location: { latitude: 1 },
  });
  assert.deepEqual(
    joinParts(encodeMessageParts(routeGuide.RouteNoteSchema, small)),
    toBinary(routeGuide.RouteNoteSchema, small),
  );
});

Deno.test("encodeMessageParts reserves spare head bytes in front of the message", async () => {
  const { encodeMessageParts, joinParts } = await import(
    "../../lib/codec/binary_encoder.ts"
  );
  const small = create(routeGuide.RouteNoteSchema, { message: "hi" });
  const expected = toBinary(routeGuide.RouteNoteSchema, small);
  const encoded = encodeMessageParts(routeGuide.RouteNoteSchema, small, 5);
  assert.equal(encoded.head, 5);
  assert.equal(encoded.length, expected.length);
  assert.equal(encoded.parts.length, 1);
  assert.deepEqual(encoded.parts[0].subarray(5), expected);
  assert.deepEqual(joinParts(encoded), expected);
  // With a referenced large value the head is still in the first piece.
  const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const big = create(bench.PayloadSchema, { data });
  const parts = encodeMessageParts(bench.PayloadSchema, big, 5);
  assert.equal(parts.parts[1], data);
  assert.deepEqual(joinParts(parts), toBinary(bench.PayloadSchema, big));
  // The fallback (toBinary) reserves nothing and says so.
  const withAny = create(status.StatusSchema, { code: 3 });
  const fallback = encodeMessageParts(status.StatusSchema, withAny, 5);
  assert.equal(fallback.head, 0);
  assert.deepEqual(joinParts(fallback), toBinary(status.StatusSchema, withAny));
});
