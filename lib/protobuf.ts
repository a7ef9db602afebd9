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
export type {
  DescField,
  DescMessage,
  DescMethod,
  DescService,
  Message,
  MessageInitShape,
  MessageShape,
} from "npm:@bufbuild/protobuf@2.17.0";
