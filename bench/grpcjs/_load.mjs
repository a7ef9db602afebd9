// Loads @grpc/grpc-js and the benchmark protos, under Deno (npm: specifiers,
// Deno's cache) or under Node (bench/grpcjs/node_modules, installed by
// bench/run.ts with npm).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Versions pinned for the comparison (bench/WORKLOADS.md), shared with
// bench/run.ts, which installs them for Node.
const versions = JSON.parse(
  readFileSync(new URL("./versions.json", import.meta.url), "utf8"),
);
const GRPC_JS_VERSION = versions["@grpc/grpc-js"];
const PROTO_LOADER_VERSION = versions["@grpc/proto-loader"];

const isDeno = typeof globalThis.Deno !== "undefined";

const grpcModule = await import(
  isDeno ? `npm:@grpc/grpc-js@${GRPC_JS_VERSION}` : "@grpc/grpc-js"
);
const loaderModule = await import(
  isDeno
    ? `npm:@grpc/proto-loader@${PROTO_LOADER_VERSION}`
    : "@grpc/proto-loader"
);

/** The @grpc/grpc-js namespace. */
export const grpc = grpcModule.default ?? grpcModule;
const protoLoader = loaderModule.default ?? loaderModule;

const protoDir = fileURLToPath(new URL("../../proto/", import.meta.url));
const definition = protoLoader.loadSync(
  ["helloworld/helloworld.proto", "bench/bench.proto"],
  {
    includeDirs: [protoDir],
    keepCase: false,
    defaults: true,
    longs: Number,
  },
);
const loaded = grpc.loadPackageDefinition(definition);

/** Service constructors / definitions: `.service` for the server. */
export const Greeter = loaded.helloworld.Greeter;
export const Bench = loaded.bench.Bench;

/** Which runtime runs this program. */
export const runtime = isDeno ? "deno" : "node";
