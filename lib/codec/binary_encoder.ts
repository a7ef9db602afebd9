/**
 * Protobuf binary encoding for the hot path: the same bytes as
 * `toBinary()` of `@bufbuild/protobuf`, written in one pass into slabs
 * after a sizing pass.
 *
 * Why: `toBinary()` allocates a growing buffer and then a trimmed copy per
 * message, and creating a typed array costs about a microsecond in Deno —
 * more than encoding a small message. Here a message takes a view of a slab
 * (a few nanoseconds) and no copy. Messages of a shape this encoder does not
 * cover (proto2 and editions files, groups, 64-bit integers, well-known
 * types, unknown fields) go to `toBinary()`, so results never differ.
 * `encodeInitParts()` takes what `create()` takes (an init object) and
 * writes the bytes of the message `create()` would make, without making it;
 * `encodeMessageParts()` can leave room for a caller's prefix in front.
 *
 * The parts: plans per message type (`encode_plan.ts`, a cache of immutable
 * data), the sizing pass (`encode_size.ts`), the writing pass
 * (`encode_writer.ts`). A {@linkcode MessageEncoder} owns the mutable
 * state, its slabs, sizer and writer: a client or a server owns one.
 *
 * @module
 */

import {
  create,
  type DescMessage,
  type Message,
  type MessageInitShape,
  toBinary,
} from "../protobuf.ts";
import { Slab } from "../util/slab.ts";
import { planFor } from "./encode_plan.ts";
import { MessageSizer } from "./encode_size.ts";
import { EncodeWriter } from "./encode_writer.ts";

/** Messages above this size get a buffer of their own instead of a slab slice. */
const OWN_BUFFER_ABOVE = 32 << 10;
const SLAB_SIZE = 64 << 10;
// The first slab is small so that the code taking a new slab runs within a
// process's first few hundred messages, while V8 still collects type
// feedback: compiled without it, the function would be deoptimized at the
// first new slab, thousands of messages into a run, and run slower until
// V8 optimizes it again.
const FIRST_SLAB_SIZE = 2 << 10;

/** An encoded message in pieces, to be sent back to back. */
export interface EncodedMessage {
  /** The pieces; the first starts with `head` bytes that are not the message. */
  parts: Uint8Array[];
  /** Length of the message (without `head`). */
  length: number;
  /**
   * Spare bytes in front of the message in `parts[0]`, reserved by
   * {@linkcode MessageEncoder.encodeMessageParts} for a caller's prefix (0
   * when none).
   */
  head?: number;
}

/**
 * Encodes messages to protobuf binary, exactly as `toBinary()` does, into
 * slabs of its own. Results may be views into a slab: they are never
 * written again, but keep their slab alive while referenced. Encoding is
 * synchronous; one encoder serves any number of calls (a client and a
 * server each own one).
 *
 * @example Encode a request
 * ```ts
 * import { create } from "npm:@bufbuild/protobuf@2.17.0";
 * import { MessageEncoder } from "./binary_encoder.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * const encoder = new MessageEncoder();
 * const bytes = encoder.encodeMessage(HelloRequestSchema, create(HelloRequestSchema, { name: "a" }));
 * console.log(bytes); // Uint8Array(3) [ 10, 1, 97 ]
 * ```
 */
export class MessageEncoder {
  readonly #slab = new Slab({
    firstSize: FIRST_SLAB_SIZE,
    size: SLAB_SIZE,
    ownAbove: OWN_BUFFER_ABOVE,
  });
  readonly #sizer = new MessageSizer();
  readonly #writer = new EncodeWriter();

  /**
   * Encodes `message` to protobuf binary, exactly as `toBinary()` does.
   *
   * @example Encode a request
   * ```ts
   * import { create } from "npm:@bufbuild/protobuf@2.17.0";
   * import { MessageEncoder } from "./binary_encoder.ts";
   * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
   * const request = create(HelloRequestSchema, { name: "a" });
   * console.log(new MessageEncoder().encodeMessage(HelloRequestSchema, request));
   * // Uint8Array(3) [ 10, 1, 97 ]
   * ```
   *
   * @param schema the message descriptor
   * @param message a message of that type
   * @returns the encoded bytes
   */
  encodeMessage(schema: DescMessage, message: Message): Uint8Array {
    return this.#encode(schema, message, false, 0, false)?.parts[0] ??
      toBinary(schema, message);
  }

  /**
   * Like {@linkcode MessageEncoder.encodeMessage}, as pieces to send back
   * to back: large `bytes` values (16 KiB and up) are referenced, not
   * copied, so a 1 MiB payload costs no extra allocation or copy on its way
   * to the socket.
   *
   * @example Encode a large payload
   * ```ts
   * import { create } from "npm:@bufbuild/protobuf@2.17.0";
   * import { MessageEncoder } from "./binary_encoder.ts";
   * import { PayloadSchema } from "../../gen/bench/bench_pb.ts";
   * const data = new Uint8Array(1 << 20);
   * const { parts, length } = new MessageEncoder().encodeMessageParts(
   *   PayloadSchema,
   *   create(PayloadSchema, { data }),
   * );
   * console.log(parts[1] === data, length); // true 1048580
   * ```
   *
   * @param schema the message descriptor
   * @param message a message of that type
   * @param head spare bytes to reserve in front of the message (a caller's
   * prefix goes there: one piece less to send); the fallback path reserves
   * none
   * @returns the pieces and their total length
   */
  encodeMessageParts(
    schema: DescMessage,
    message: Message,
    head = 0,
  ): EncodedMessage {
    const encoded = this.#encode(schema, message, true, head, false);
    if (encoded) return encoded;
    const bytes = toBinary(schema, message);
    return { parts: [bytes], length: bytes.length, head: 0 };
  }

  /**
   * Like {@linkcode MessageEncoder.encodeMessageParts} for what `create()`
   * takes (an init object, or a message): the bytes of `toBinary(schema,
   * create(schema, init))` without creating the message when the fast path
   * covers it. Absent and null fields are unset; anything `create()` would
   * convert (bytes given as number arrays, a nested message of another
   * type) takes the slow path.
   *
   * @example A server's response
   * ```ts
   * import { MessageEncoder } from "./binary_encoder.ts";
   * import { HelloReplySchema } from "../../gen/helloworld/helloworld_pb.ts";
   * const encoded = new MessageEncoder().encodeInitParts(HelloReplySchema, { message: "hi" });
   * console.log(encoded.length); // 4
   * ```
   *
   * @param schema the message descriptor
   * @param init an init object or a message of that type
   * @param head spare bytes to reserve in front of the message, as for
   * {@linkcode MessageEncoder.encodeMessageParts}
   * @returns the pieces and the message length
   */
  encodeInitParts(
    schema: DescMessage,
    init: MessageInitShape<DescMessage>,
    head = 0,
  ): EncodedMessage {
    const encoded = this.#encode(schema, init, true, head, true);
    if (encoded) return encoded;
    const bytes = toBinary(schema, create(schema, init));
    return { parts: [bytes], length: bytes.length, head: 0 };
  }

  /**
   * The fast path: sizes then writes `message`; with `byReference`, large
   * `bytes` values become pieces of their own instead of being copied.
   * Returns undefined when the message has a shape the fast path declines.
   */
  #encode(
    schema: DescMessage,
    message: Message | MessageInitShape<DescMessage>,
    byReference: boolean,
    head: number,
    init: boolean,
  ): EncodedMessage | undefined {
    const plan = planFor(schema);
    if (!plan) return undefined;
    const record = message as unknown as Record<string, unknown>;
    const sizes: number[] = [];
    const sizer = this.#sizer;
    const size = sizer.measure(plan, record, sizes, byReference, init);
    if (size < 0) return undefined;
    const bigTotal = sizer.bigTotal;
    // Exactly the bytes written: the one-piece result is this very view.
    const room = this.#slab.take(size - bigTotal + head);
    const out = this.#writer.reset(room);
    out.pos = head;
    if (bigTotal === 0) {
      // One piece: a literal array, not one grown by push (a backing store
      // of 17 slots).
      out.message(plan, record, sizes);
      return { parts: [room], length: size, head };
    }
    out.parts = [];
    out.message(plan, record, sizes);
    const parts = out.parts;
    out.parts = undefined;
    const tail = room.subarray(out.segmentStart, out.pos);
    if (tail.length > 0 || parts.length === 0) parts.push(tail);
    return { parts, length: size, head };
  }
}

/**
 * Whether messages of `schema` take the fast path (others use `toBinary`).
 *
 * @example Check a type
 * ```ts
 * import { fastPathCovers } from "./binary_encoder.ts";
 * import { HelloRequestSchema } from "../../gen/helloworld/helloworld_pb.ts";
 * console.log(fastPathCovers(HelloRequestSchema)); // true
 * ```
 *
 * @param schema the message descriptor
 * @returns true when the fast path covers it
 */
export function fastPathCovers(schema: DescMessage): boolean {
  return planFor(schema) !== null;
}
