/**
 * Random messages of every generated type, for differential tests of the
 * protobuf codecs against `@bufbuild/protobuf`.
 *
 * @module
 */

import {
  create,
  type DescField,
  type DescMessage,
  type Message,
} from "../../lib/protobuf.ts";
import * as messages from "../../gen/grpc/testing/messages_pb.ts";
import * as routeGuide from "../../gen/routeguide/route_guide_pb.ts";
import * as bench from "../../gen/bench/bench_pb.ts";
import * as hello from "../../gen/helloworld/helloworld_pb.ts";
import * as health from "../../gen/grpc/health/v1/health_pb.ts";
import * as reflection from "../../gen/grpc/reflection/v1/reflection_pb.ts";
import * as status from "../../gen/google/rpc/status_pb.ts";

/** A small deterministic PRNG so failures reproduce. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const STRINGS = [
  "",
  "a",
  "hello",
  "ünïcødé ☺",
  "😈 non-BMP",
  "\ud800 lone",
  "x".repeat(300),
];

function scalarValue(type: number, r: () => number): unknown {
  const pick = r();
  switch (type) {
    case 1: // double
      return [0, -0, 1.5, -3.25e100, NaN, Infinity][Math.floor(pick * 6)];
    case 2: // float
      return [0, 1.5, -2.25, 3.4e38][Math.floor(pick * 4)];
    case 3:
    case 4:
    case 6:
    case 16:
    case 18: // 64-bit
      return BigInt(Math.floor(pick * 1e6)) *
        (type === 3 || type === 18 || type === 16 ? -1n : 1n);
    case 5:
    case 15:
    case 17: // int32, sfixed32, sint32
      return [
        0,
        1,
        -1,
        127,
        128,
        -2147483648,
        2147483647,
        300,
      ][Math.floor(pick * 8)];
    case 7:
    case 13: // fixed32, uint32
      return [0, 1, 127, 128, 4294967295, 16384][Math.floor(pick * 6)];
    case 8:
      return pick < 0.5;
    case 9:
      return STRINGS[Math.floor(pick * STRINGS.length)];
    default: { // bytes
      const n = [0, 1, 5, 200, 70000][Math.floor(pick * 5)];
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i += 7) b[i] = i & 0xff;
      return b;
    }
  }
}

function randomInit(
  desc: DescMessage,
  r: () => number,
  depth: number,
): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const field of desc.fields) {
    if (r() < 0.3) continue;
    const value = fieldValue(field, r, depth);
    if (value === undefined) continue;
    if (field.oneof) {
      if (init[field.oneof.localName] !== undefined) continue;
      init[field.oneof.localName] = { case: field.localName, value };
    } else init[field.localName] = value;
  }
  return init;
}

function fieldValue(field: DescField, r: () => number, depth: number): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalarValue(field.scalar, r);
    case "enum":
      return field.enum.values[Math.floor(r() * field.enum.values.length)]
        .number;
    case "message":
      if (depth > 3) return undefined;
      return create(field.message, randomInit(field.message, r, depth + 1));
    case "list": {
      const n = Math.floor(r() * 4);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (field.listKind === "message") {
          if (depth > 3) break;
          items.push(
            create(field.message, randomInit(field.message, r, depth + 1)),
          );
        } else if (field.listKind === "enum") {
          items.push(
            field.enum.values[Math.floor(r() * field.enum.values.length)]
              .number,
          );
        } else items.push(scalarValue(field.scalar, r));
      }
      return items;
    }
    case "map": {
      const record: Record<string, unknown> = {};
      const n = Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        const key = field.mapKey === 9
          ? STRINGS[Math.floor(r() * STRINGS.length)]
          : field.mapKey === 8
          ? String(r() < 0.5)
          : String(Math.floor(r() * 1000) - 500);
        if (field.mapKind === "message") {
          if (depth > 3) break;
          record[key] = create(
            field.message,
            randomInit(field.message, r, depth + 1),
          );
        } else if (field.mapKind === "enum") {
          record[key] = field.enum.values[0].number;
        } else record[key] = scalarValue(field.scalar, r);
      }
      return record;
    }
  }
}

/** Every message type of the generated code. */
export const schemas: DescMessage[] = [];
for (
  const mod of [messages, routeGuide, bench, hello, health, reflection, status]
) {
  for (const [name, value] of Object.entries(mod)) {
    if (name.endsWith("Schema") && (value as DescMessage).kind === "message") {
      schemas.push(value as DescMessage);
    }
  }
}

/** A random message of `schema` (fields set or not, nested to depth 3). */
export function randomMessage(
  schema: DescMessage,
  r: () => number,
): Message {
  return create(schema, randomInit(schema, r, 0));
}
