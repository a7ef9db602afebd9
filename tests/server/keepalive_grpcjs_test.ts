/**
 * Our server's keepalive enforcement against a grpc-js client (npm, run by
 * Deno) pinging every 100 ms on a silent call: it gets GOAWAY
 * ENHANCE_YOUR_CALM `too_many_pings`, which grpc-js recognises (it logs that
 * the server rejected its excess pings and doubles its keepalive time), and
 * its call fails.
 */
import assert from "node:assert/strict";
import { outputWithin, PROCESS_MS } from "../_bounded.ts";
import { startKeepaliveServer } from "../channel/_keepalive_server.ts";

Deno.test("keepalive enforcement vs a grpc-js client: too_many_pings is recognised (grpc-js doubles its keepalive time)", async () => {
  await using backend = await startKeepaliveServer(); // enforcement: 5 min
  const { stdout, stderr } = await outputWithin(
    Deno.execPath(),
    {
      args: [
        "run",
        "-A",
        new URL("./_grpcjs_keepalive_client.mjs", import.meta.url).pathname,
        `--port=${backend.port}`,
      ],
      env: { NO_COLOR: "1" },
    },
    PROCESS_MS,
    "the grpc-js client",
  );
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  // The call fails: grpc-js maps a stream closed by GOAWAY
  // ENHANCE_YOUR_CALM to RESOURCE_EXHAUSTED ("Bandwidth exhausted").
  assert.match(out, /^CODE 8 /, `${out}\n${err}`);
  assert.match(
    err,
    /rejected by server because of excess pings\. Increasing ping interval to 200 ms/,
    err,
  );
});
