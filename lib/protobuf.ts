/**
 * The one place the library names its only npm dependency. Full `npm:`
 * specifiers (not an import map) so that importing the library by URL works
 * with the importer's own configuration.
 *
 * @module
 */

export {
  create,
  fromBinary,
  isMessage,
  toBinary,
} from "npm:@bufbuild/protobuf@2.17.0";
export {
  BinaryReader,
  BinaryWriter,
  getTextEncoding,
  WireType,
} from "npm:@bufbuild/protobuf@2.17.0/wire";
export type { DescField } from "npm:@bufbuild/protobuf@2.17.0";

// A full specifier, as above (the module doc says why).
// deno-lint-ignore no-import-prefix
import type * as pb from "npm:@bufbuild/protobuf@2.17.0";

// The protobuf-es types the public API names, as aliases documented here:
// `mod.ts` re-exports these, because re-exporting the npm declarations
// themselves makes `deno doc --lint` lint @bufbuild/protobuf's own files. A
// generic alias goes through an `@ignore`d private one: the lint accepts a
// reference to a private type only when that type is tagged so.

/**
 * A service descriptor, as protoc-gen-es generates one per service
 * (`@bufbuild/protobuf`'s `DescService`).
 *
 * @example A generated service
 * ```ts
 * import type { DescService } from "./protobuf.ts";
 * import { Greeter } from "../gen/helloworld/helloworld_pb.ts";
 * const service: DescService = Greeter;
 * console.log(service.typeName); // "helloworld.Greeter"
 * ```
 */
export type DescService = pb.DescService;
/** A method descriptor of a {@linkcode DescService} (`@bufbuild/protobuf`'s `DescMethod`). */
export type DescMethod = pb.DescMethod;
/** A message descriptor, as protoc-gen-es generates one per message (`@bufbuild/protobuf`'s `DescMessage`). */
export type DescMessage = pb.DescMessage;

/** @ignore */
type PbMessage<TypeName extends string> = pb.Message<TypeName>;
/** Any protobuf message (`@bufbuild/protobuf`'s `Message`): an object with its `$typeName`. */
export type Message<TypeName extends string = string> = PbMessage<TypeName>;

/** @ignore */
type PbMessageShape<Desc extends pb.DescMessage> = pb.MessageShape<Desc>;
/**
 * The message type of a message descriptor (`@bufbuild/protobuf`'s
 * `MessageShape`): what a client receives and a handler gets.
 *
 * @example The type of a reply
 * ```ts
 * import type { MessageShape } from "./protobuf.ts";
 * import { HelloReplySchema } from "../gen/helloworld/helloworld_pb.ts";
 * type Reply = MessageShape<typeof HelloReplySchema>;
 * const show = (reply: Reply) => reply.message;
 * ```
 */
export type MessageShape<Desc extends DescMessage> = PbMessageShape<Desc>;

/** @ignore */
type PbMessageInitShape<Desc extends pb.DescMessage> = pb.MessageInitShape<
  Desc
>;
/**
 * What may stand for a message of a descriptor (`@bufbuild/protobuf`'s
 * `MessageInitShape`): the message, or a plain object with any of its fields.
 * Clients take it as a request, handlers return it as a response.
 *
 * @example A request as a plain object
 * ```ts
 * import type { MessageInitShape } from "./protobuf.ts";
 * import { HelloRequestSchema } from "../gen/helloworld/helloworld_pb.ts";
 * const request: MessageInitShape<typeof HelloRequestSchema> = { name: "me" };
 * ```
 */
export type MessageInitShape<Desc extends DescMessage> = PbMessageInitShape<
  Desc
>;
