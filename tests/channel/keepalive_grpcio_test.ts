/**
 * Keepalive against gRPC C-core (Debian's python3-grpcio) as the server
 * enforcing its ping policy: a channel pinging more often than the server's
 * `grpc.http2.min_ping_interval_without_data_ms` gets GOAWAY
 * ENHANCE_YOUR_CALM `too_many_pings`, fails its call with UNAVAILABLE
 * naming it, and doubles its keepalive time. (grpc-js servers do not
 * enforce a ping policy: they never send `too_many_pings`.)
 */
import assert from "node:assert/strict";
import { Code, createChannel, createClient, GrpcError } from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";
import { hasPythonGrpc, PYTHON, startPeerServer } from "../interop/_peers.ts";

const ignore = !hasPythonGrpc();
if (ignore) {
  console.warn("python3-grpcio not installed: grpcio keepalive test ignored");
}

Deno.test({
  name:
    "keepalive vs a grpcio (C-core) server: too_many_pings fails the call with UNAVAILABLE and doubles the channel's keepalive time",
  ignore,
  async fn() {
    const peer = await startPeerServer(PYTHON, [
      new URL("./_grpcio_keepalive_server.py", import.meta.url).pathname,
      "--port=0",
      "--min_ping_ms=60000",
    ]);
    try {
      const doubled: number[] = [];
      await using channel = disposeWithin(
        createChannel(`127.0.0.1:${peer.port}`, {
          keepalive: { timeMs: 100, onTooManyPings: (ms) => doubled.push(ms) },
        }),
        WAIT_MS,
        "channel.close()",
      );
      const client = createClient(RouteGuide, channel);
      const error = await within(
        client.getFeature({}, { timeoutMs: 30_000 }).then(
          () => assert.fail("the silent call answered"),
          (e: unknown) => e,
        ),
        WAIT_MS,
        "the call's failure",
      );
      assert.ok(error instanceof GrpcError, String(error));
      assert.equal(error.code, Code.UNAVAILABLE);
      // C-core ends the call itself with "Too many pings" before closing.
      assert.match(error.message, /too.many.pings/i);
      assert.deepEqual(doubled, [200]);
    } finally {
      await peer.stop();
    }
  },
});
