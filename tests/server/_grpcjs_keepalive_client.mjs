// A grpc-js client pinging too often, for keepalive_grpcjs_test.ts, run under
// Deno: `deno run -A _grpcjs_keepalive_client.mjs --port=N`. Makes one
// RouteGuide.ListFeatures call (silent on the test's server) with
// grpc.keepalive_time_ms 100, and prints `CODE <status code>` when it ends.
// grpc-js logs (at ERROR, on by default) when a server rejects its pings with
// too_many_pings and it doubles its keepalive time.
// deno-lint-ignore no-import-prefix
import * as grpc from "npm:@grpc/grpc-js@1.14.7";
// deno-lint-ignore no-import-prefix
import * as protoLoader from "npm:@grpc/proto-loader@0.8.0";

const PROTO_DIR = new URL("../../proto/", import.meta.url).pathname;
const port = Deno.args.find((a) => a.startsWith("--port="))?.slice(7);

const definition = protoLoader.loadSync("routeguide/route_guide.proto", {
  includeDirs: [PROTO_DIR],
});
const routeguide = grpc.loadPackageDefinition(definition).routeguide;
const client = new routeguide.RouteGuide(
  `127.0.0.1:${port}`,
  grpc.credentials.createInsecure(),
  { "grpc.keepalive_time_ms": 100, "grpc.keepalive_timeout_ms": 5000 },
);
const call = client.listFeatures({}, { deadline: Date.now() + 20_000 });
let done = false;
const finish = (line) => {
  if (done) return;
  done = true;
  console.log(line);
  client.close();
};
call.on("data", () => {});
call.on("error", (error) => finish(`CODE ${error.code} ${error.details}`));
call.on("end", () => finish("CODE 0"));
