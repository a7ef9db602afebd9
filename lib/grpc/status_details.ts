/**
 * The `grpc-status-details-bin` trailer: a serialized `google.rpc.Status`
 *
 * ```proto
 * message Status {
 *   int32 code = 1;
 *   string message = 2;
 *   repeated google.protobuf.Any details = 3; // Any { string type_url = 1; bytes value = 2; }
 * }
 * ```
 *
 * written and read with the wire-level `BinaryWriter`/`BinaryReader` of
 * `@bufbuild/protobuf`, so no generated code is needed.
 *
 * @module
 */

import {
  BinaryReader,
  BinaryWriter,
  type DescMessage,
  type MessageShape,
  toBinary,
  WireType,
} from "../protobuf.ts";

/**
 * One entry of `google.rpc.Status.details`: the fields of a
 * `google.protobuf.Any`.
 *
 * @example A detail
 * ```ts
 * import type { StatusDetail } from "./status_details.ts";
 *
 * const detail: StatusDetail = {
 *   typeUrl: "type.googleapis.com/google.rpc.ErrorInfo",
 *   value: new Uint8Array(),
 * };
 * ```
 */
export interface StatusDetail {
  /** `type.googleapis.com/` followed by the message's full name. */
  typeUrl: string;
  /** The serialized message. */
  value: Uint8Array;
}

/**
 * The prefix of a detail's type URL, as `google.protobuf.Any` packs it.
 */
export const TYPE_URL_PREFIX = "type.googleapis.com/";

/**
 * Packs a message into a {@linkcode StatusDetail}, as `anyPack` would.
 *
 * @param desc The message's descriptor (e.g. `ErrorInfoSchema`).
 * @param message The message.
 * @returns The detail, with a `type.googleapis.com/` type URL.
 *
 * @example Pack a detail for an error
 * ```ts ignore
 * import { create } from "npm:@bufbuild/protobuf@2.17.0";
 * import { DurationSchema } from "npm:@bufbuild/protobuf@2.17.0/wkt";
 * import { packStatusDetail } from "./status_details.ts";
 *
 * const detail = packStatusDetail(DurationSchema, create(DurationSchema, { seconds: 3n }));
 * ```
 */
export function packStatusDetail<Desc extends DescMessage>(
  desc: Desc,
  message: MessageShape<Desc>,
): StatusDetail {
  return {
    typeUrl: TYPE_URL_PREFIX + desc.typeName,
    value: toBinary(desc, message),
  };
}

/**
 * Serializes a `google.rpc.Status`. Fields with default values (code 0, an
 * empty message) are omitted, as proto3 does.
 *
 * @param code The status code.
 * @param message The status message (plain text, not percent-encoded).
 * @param details The details, in order.
 * @returns The serialized message, to be sent base64-encoded.
 *
 * @example Serialize a status
 * ```ts
 * import { decodeStatusDetails, encodeStatusDetails } from "./status_details.ts";
 *
 * const bytes = encodeStatusDetails(5, "no such user", []);
 * console.log(decodeStatusDetails(bytes)); // { code: 5, message: "no such user", details: [] }
 * ```
 */
export function encodeStatusDetails(
  code: number,
  message: string,
  details: readonly StatusDetail[],
): Uint8Array {
  const w = new BinaryWriter();
  if (code !== 0) w.tag(1, WireType.Varint).int32(code);
  if (message !== "") w.tag(2, WireType.LengthDelimited).string(message);
  for (const d of details) {
    w.tag(3, WireType.LengthDelimited).fork();
    if (d.typeUrl !== "") w.tag(1, WireType.LengthDelimited).string(d.typeUrl);
    if (d.value.length !== 0) w.tag(2, WireType.LengthDelimited).bytes(d.value);
    w.join();
  }
  return w.finish();
}

/** Reads one `google.protobuf.Any`; throws on malformed input. */
function readAny(bytes: Uint8Array): StatusDetail {
  const r = new BinaryReader(bytes);
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) {
      typeUrl = r.string();
    } else if (field === 2 && wireType === WireType.LengthDelimited) {
      value = r.bytes();
    } else if (field === 1 || field === 2) {
      throw new Error("wrong wire type");
    } else {
      r.skip(wireType, field);
    }
  }
  return { typeUrl, value };
}

/**
 * Parses a `google.rpc.Status`. Never throws: truncated input, a known field
 * with the wrong wire type, or any other malformation gives `undefined`.
 * Unknown fields are skipped; for a repeated scalar field the last value
 * wins, as protobuf parsing does.
 *
 * @param bytes The decoded `grpc-status-details-bin` value.
 * @returns The status, or `undefined` on garbage.
 *
 * @example Parse a trailer
 * ```ts
 * import { decodeStatusDetails } from "./status_details.ts";
 *
 * console.log(decodeStatusDetails(new Uint8Array([8, 3]))); // { code: 3, message: "", details: [] }
 * console.log(decodeStatusDetails(new Uint8Array([0xff]))); // undefined
 * ```
 */
export function decodeStatusDetails(
  bytes: Uint8Array,
): { code: number; message: string; details: StatusDetail[] } | undefined {
  try {
    const r = new BinaryReader(bytes);
    let code = 0;
    let message = "";
    const details: StatusDetail[] = [];
    while (r.pos < r.len) {
      const [field, wireType] = r.tag();
      if (field === 1 && wireType === WireType.Varint) {
        code = r.int32();
      } else if (field === 2 && wireType === WireType.LengthDelimited) {
        message = r.string();
      } else if (field === 3 && wireType === WireType.LengthDelimited) {
        details.push(readAny(r.bytes()));
      } else if (field >= 1 && field <= 3) {
        return undefined;
      } else {
        r.skip(wireType, field);
      }
    }
    return { code, message, details };
  } catch {
    return undefined;
  }
}
