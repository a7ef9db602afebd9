// A grpc-js Greeter backend for tests/channel/ (round_robin over grpc-js
// servers), run under Deno: `deno run -A _grpcjs_backend.mjs
// --host=127.0.0.2 --port=0 --id=js2`. Prints `READY <port>`, then answers
// every SayHello with its id. SIGTERM: graceful tryShutdown, then exit.
// deno-lint-ignore no-import-prefix
import * as grpc from "npm:@grpc/grpc-js@1.14.7";
// deno-lint-ignore no-import-prefix
import * as protoLoader from "npm:@grpc/proto-loader@0.8.0";

const PROTO_DIR = new URL("../../proto/", import.meta.url).pathname;

function flag(name, fallback) {
  for (const arg of Deno.args) {
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return fallback;
}

const host = flag("host", "127.0.0.1");
const id = flag("id", host);
const definition = protoLoader.loadSync("helloworld/helloworld.proto", {
  includeDirs: [PROTO_DIR],
});
const helloworld = grpc.loadPackageDefinition(definition).helloworld;

const server = new grpc.Server();
server.addService(helloworld.Greeter.service, {
  sayHello(_call, callback) {
    callback(null, { message: id });
  },
});
server.bindAsync(
  `${host}:${flag("port", "0")}`,
  grpc.ServerCredentials.createInsecure(),
  (error, port) => {
    if (error) {
      console.error(error);
      Deno.exit(1);
    }
    Deno.addSignalListener("SIGTERM", () => {
      server.tryShutdown(() => Deno.exit(0));
    });
    console.log(`READY ${port}`);
  },
);
