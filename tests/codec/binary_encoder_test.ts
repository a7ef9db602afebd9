import assert from "node:assert/strict";
import {
  create,
  type DescField,
  type DescMessage,
  type MessageInitShape,
  toBinary,
} from "../../lib/protobuf.ts";
import { MessageEncoder } from "../../lib/codec/binary_encoder.ts";
import * as bench from "../../gen/bench/bench_pb.ts";
import * as hello from "../../gen/helloworld/helloworld_pb.ts";
import * as messages from "../../gen/grpc/testing/messages_pb.ts";
import * as routeGuide from "../../gen/routeguide/route_guide_pb.ts";
import * as status from "../../gen/google/rpc/status_pb.ts";
import { randomMessage, rng, schemas } from "./_random_messages.ts";

const encoder = new MessageEncoder();

Deno.test("MessageEncoder.encodeMessage() writes exactly what toBinary writes, for random messages of every generated type", () => {
  const r = rng(42);
  let checked = 0;
  for (const schema of schemas) {
    for (let i = 0; i < 60; i++) {
      const message = randomMessage(schema, r);
      const expected = toBinary(schema, message);
      const actual = encoder.encodeMessage(schema, message);
      assert.deepEqual(actual, expected, `${schema.typeName} #${i}`);
      checked++;
    }
  }
  assert.ok(checked > 1000);
});

Deno.test("MessageEncoder.encodeMessage() falls back for unknown fields and still matches toBinary", () => {
  const message = create(hello.HelloRequestSchema, { name: "x" });
  message.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([5]) }];
  assert.deepEqual(
    encoder.encodeMessage(hello.HelloRequestSchema, message),
    toBinary(hello.HelloRequestSchema, message),
  );
});

Deno.test("MessageEncoder.encodeMessage() results stay intact while later messages are encoded", () => {
  const first = encoder.encodeMessage(
    hello.HelloRequestSchema,
    create(hello.HelloRequestSchema, { name: "first" }),
  );
  const copy = first.slice();
  for (let i = 0; i < 20000; i++) {
    encoder.encodeMessage(
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

Deno.test("MessageEncoder.encodeMessageParts() references large bytes and joins to toBinary's bytes", async () => {
  const { joinParts } = await import("../../lib/grpc/envelope.ts");
  const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const message = create(bench.PayloadSchema, { data });
  const encoded = encoder.encodeMessageParts(bench.PayloadSchema, message);
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
    joinParts(encoder.encodeMessageParts(routeGuide.RouteNoteSchema, small)),
    toBinary(routeGuide.RouteNoteSchema, small),
  );
});

Deno.test("MessageEncoder.encodeMessageParts() reserves spare head bytes in front of the message", async () => {
  const { joinParts } = await import("../../lib/grpc/envelope.ts");
  const small = create(routeGuide.RouteNoteSchema, { message: "hi" });
  const expected = toBinary(routeGuide.RouteNoteSchema, small);
  const encoded = encoder.encodeMessageParts(
    routeGuide.RouteNoteSchema,
    small,
    5,
  );
  assert.equal(encoded.head, 5);
  assert.equal(encoded.length, expected.length);
  assert.equal(encoded.parts.length, 1);
  assert.deepEqual(encoded.parts[0].subarray(5), expected);
  assert.deepEqual(joinParts(encoded), expected);
  // With a referenced large value the head is still in the first piece.
  const data = new Uint8Array(100_000).map((_, i) => i & 0xff);
  const big = create(bench.PayloadSchema, { data });
  const parts = encoder.encodeMessageParts(bench.PayloadSchema, big, 5);
  assert.equal(parts.parts[1], data);
  assert.deepEqual(joinParts(parts), toBinary(bench.PayloadSchema, big));
  // The fallback (toBinary) reserves nothing and says so.
  const withAny = create(status.StatusSchema, { code: 3 });
  const fallback = encoder.encodeMessageParts(status.StatusSchema, withAny, 5);
  assert.equal(fallback.head, 0);
  assert.deepEqual(joinParts(fallback), toBinary(status.StatusSchema, withAny));
});

/**
 * An init object `create()` would turn into `message`: unset fields left
 * out or null, some bytes as number arrays, nested messages as init objects
 * too (or messages).
 */
function toInit(schema: DescMessage, message: unknown, r: () => number) {
  // Wrapper fields hold plain values.
  if (typeof message !== "object" || message === null) return message;
  const m = message as Record<string, unknown>;
  // Sometimes the message itself (create() returns it as it is).
  if (r() < 0.2) return message;
  const out: Record<string, unknown> = {};
  const unset = (name: string) => {
    const roll = r();
    if (roll < 0.3) out[name] = null;
    else if (roll < 0.6) out[name] = m[name];
  };
  const value = (field: DescField, v: unknown): unknown => {
    if (v instanceof Uint8Array) return r() < 0.2 ? Array.from(v) : v;
    if (field.message && typeof v === "object" && v !== null) {
      return toInit(field.message, v, r);
    }
    return v;
  };
  for (const member of schema.members) {
    const name = member.localName;
    const v = m[name];
    if (member.kind === "oneof") {
      const o = v as { case?: string; value?: unknown };
      const field = member.fields.find((f) => f.localName === o.case);
      if (!field) unset(name);
      else out[name] = { case: o.case, value: value(field, o.value) };
      continue;
    }
    if (member.fieldKind === "list") {
      const items = v as unknown[];
      if (items.length === 0) unset(name);
      else out[name] = items.map((item) => value(member, item));
    } else if (member.fieldKind === "map") {
      const record = v as Record<string, unknown>;
      if (Object.keys(record).length === 0) unset(name);
      else {
        const copy: Record<string, unknown> = {};
        for (const [k, item] of Object.entries(record)) {
          copy[k] = value(member, item);
        }
        out[name] = copy;
      }
    } else if (v === undefined) {
      if (r() < 0.5) out[name] = null;
    } else {
      // Only implicit presence (2) makes a zero value the same as unset.
      const zero = v === 0 || v === "" || v === false ||
        (v instanceof Uint8Array && v.length === 0);
      if (zero && member.presence === 2) unset(name);
      else out[name] = value(member, v);
    }
  }
  return out;
}

Deno.test("MessageEncoder.encodeInitParts() writes what toBinary(create(init)) writes", async () => {
  const { joinParts } = await import("../../lib/grpc/envelope.ts");
  const r = rng(7);
  let checked = 0;
  for (const schema of schemas) {
    for (let i = 0; i < 60; i++) {
      const init = toInit(
        schema,
        randomMessage(schema, r),
        r,
      ) as MessageInitShape<DescMessage>;
      const expected = toBinary(schema, create(schema, init));
      const encoded = encoder.encodeInitParts(schema, init, 5);
      assert.deepEqual(
        joinParts(encoded),
        expected,
        `${schema.typeName} #${i}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 1000);
  // Plain init objects take the fast path (which reserves the head).
  const plain = encoder.encodeInitParts(hello.HelloReplySchema, {
    message: "hi",
  }, 5);
  assert.equal(plain.head, 5);
  // Odd inits the fast path leaves to create(): a oneof case without a
  // value, a nested message of another type, a null list item.
  const request = { $typeName: "helloworld.HelloRequest", name: "x" };
  for (
    const [schema, init] of [
      [routeGuide.RouteNoteSchema, { location: request }],
      [messages.SimpleRequestSchema, { payload: { body: [1, 2, 3] } }],
      [messages.BoolValueSchema, { $typeName: "grpc.testing.BoolValue" }],
      [messages.BoolValueSchema, { value: null }],
    ] as const
  ) {
    const typed = init as unknown as MessageInitShape<DescMessage>;
    assert.deepEqual(
      joinParts(encoder.encodeInitParts(schema, typed)),
      toBinary(schema, create(schema, typed)),
    );
  }
});

Deno.test("MessageEncoder instances share no buffers: interleaved encodes stay intact", () => {
  const a = new MessageEncoder();
  const b = new MessageEncoder();
  const kept: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < 3000; i++) {
    const message = create(hello.HelloRequestSchema, { name: `n${i}` });
    const encoder = i % 2 === 0 ? a : b;
    const bytes = encoder.encodeMessage(hello.HelloRequestSchema, message);
    kept.push([bytes, toBinary(hello.HelloRequestSchema, message)]);
  }
  for (const [bytes, expected] of kept) assert.deepEqual(bytes, expected);
  const fromA = a.encodeMessage(
    hello.HelloRequestSchema,
    create(hello.HelloRequestSchema, { name: "a" }),
  );
  const fromB = b.encodeMessage(
    hello.HelloRequestSchema,
    create(hello.HelloRequestSchema, { name: "b" }),
  );
  assert.notEqual(fromA.buffer, fromB.buffer);
});

Deno.test("MessageEncoder gives a message above 32 KiB a buffer of its own", () => {
  const message = create(messages.SimpleRequestSchema, {
    payload: { body: new Uint8Array(40 << 10).fill(3) },
  });
  const bytes = encoder.encodeMessage(messages.SimpleRequestSchema, message);
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, bytes.length);
  assert.deepEqual(bytes, toBinary(messages.SimpleRequestSchema, message));
});
