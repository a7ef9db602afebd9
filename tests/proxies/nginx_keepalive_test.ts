/**
 * Keepalive through nginx's `grpc_pass`, as it is: nginx terminates HTTP/2
 * on both sides and answers PINGs itself (hop by hop), so
 * - the client's PINGs never reach the server, and they keep neither an
 *   idle stream (nginx resets it at `grpc_read_timeout` /
 *   `client_body_timeout`) nor an idle connection (`keepalive_timeout`)
 *   alive;
 * - a hung backend behind nginx is invisible to the client's keepalive: the
 *   stream ends at `grpc_read_timeout` (or the call's deadline);
 * - the server's keepalive watches its own hop: nginx answers its PINGs,
 *   and a silent nginx ↔ server path cancels the server's handlers.
 *
 * Each test runs client → forwarder → nginx → forwarder → our server, the
 * forwarders counting bytes (and pausing the backend path).
 */
import assert from "node:assert/strict";
import {
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
  type ServerOptions,
} from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { AsyncQueue } from "../../lib/util/async_queue.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { startForwarder } from "../channel/_tcp_forwarder.ts";
import { startKeepaliveServer } from "../channel/_keepalive_server.ts";
import { freePort, has, startNginx } from "./_proxies.ts";

/** A PING frame (9-byte header, 8-byte payload); its ACK is as long. */
const PING_BYTES = 17;

/** Client → forwarder → nginx (with `directives`) → forwarder → server. */
async function setUp(
  directives: string,
  server: ServerOptions = {},
  keepalive?: {
    timeMs: number;
    timeoutMs?: number;
    permitWithoutCalls?: boolean;
  },
) {
  const backend = await startKeepaliveServer({
    keepaliveEnforcement: { minTimeMs: 0, permitWithoutCalls: true },
    ...server,
  });
  const toBackend = startForwarder(backend.port);
  const port = freePort();
  const nginx = await startNginx(() => `
  server {
    listen 127.0.0.1:${port} http2;
    ${directives}
    location / { grpc_pass grpc://127.0.0.1:${toBackend.port}; }
  }`, [port]).catch(async (error) => {
    await toBackend.close();
    await backend[Symbol.asyncDispose]();
    throw error;
  });
  const toNginx = startForwarder(port);
  const channel = disposeWithin(
    createChannel(`127.0.0.1:${toNginx.port}`, { keepalive }),
    WAIT_MS,
    "channel.close()",
  );
  return {
    backend,
    toBackend,
    toNginx,
    channel,
    client: createClient(RouteGuide, channel),
    async [Symbol.asyncDispose]() {
      await channel[Symbol.asyncDispose]();
      await toNginx.close();
      await nginx.stop();
      await toBackend.close();
      await backend[Symbol.asyncDispose]();
    },
  };
}

/** The error a stream ends with (bounded). */
function failure(next: Promise<unknown>, what: string): Promise<unknown> {
  return within(
    next.then(() => assert.fail(`${what}: the stream went on`), (e) => e),
    WAIT_MS,
    what,
  );
}

Deno.test({
  name:
    "keepalive through nginx: nginx answers the client's PINGs itself (none reach the server) and still resets an idle bidi stream at grpc_read_timeout (INTERNAL) or client_body_timeout (PROTOCOL_ERROR → INTERNAL)",
  ignore: !has("nginx"),
  async fn() {
    for (
      const [directive, reset] of [
        ["grpc_read_timeout 2s;", /INTERNAL_ERROR/],
        ["client_body_timeout 2s;", /PROTOCOL_ERROR/],
      ] as const
    ) {
      await using env = await setUp(directive, {}, { timeMs: 300 });
      const notes = new AsyncQueue<{ message: string }>();
      const replies = env.client.routeChat(notes)[Symbol.asyncIterator]();
      try {
        notes.push({ message: "hello" });
        const first = await within(replies.next(), WAIT_MS, "the first echo");
        assert.equal(first.value?.message, "hello");
        const client = { ...env.toNginx.bytes };
        const server = { ...env.toBackend.bytes };
        // PINGs go out after 300 ms of silence; nginx acknowledges them
        // without a byte to the server.
        await eventually(
          () => env.toNginx.bytes.toClient - client.toClient >= 2 * PING_BYTES,
          WAIT_MS,
          "two PING ACKs from nginx",
        );
        assert.ok(
          env.toNginx.bytes.toServer - client.toServer >= 2 * PING_BYTES,
          "client PINGs",
        );
        assert.deepEqual(env.toBackend.bytes, server, "nothing to the server");
        const error = await failure(replies.next(), directive);
        assert.ok(error instanceof GrpcError, String(error));
        assert.equal(error.code, Code.INTERNAL, directive);
        assert.match(error.message, reset);
        // The connection to nginx outlived the stream.
        assert.equal(env.channel.getState(), ConnectivityState.READY);
        assert.equal(env.toNginx.accepted, 1);
      } finally {
        notes.close();
        await within(Promise.resolve(replies.return?.()), WAIT_MS, "return()");
      }
    }
  },
});

Deno.test({
  name:
    "keepalive through nginx: PINGs without calls (permitWithoutCalls) do not keep an idle connection past nginx's keepalive_timeout; the next call reconnects",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp("keepalive_timeout 2s;", {}, {
      timeMs: 300,
      permitWithoutCalls: true,
    });
    await within(env.client.getFeature({}), WAIT_MS, "a call to connect");
    const before = { ...env.toNginx.bytes };
    // IDLE once nginx closed the connection (and the channel saw it).
    await eventually(
      () => env.channel.getState() === ConnectivityState.IDLE,
      WAIT_MS,
      "the channel IDLE after nginx's keepalive_timeout",
    );
    assert.ok(
      env.toNginx.bytes.toServer - before.toServer >= 3 * PING_BYTES,
      "PINGs on the idle connection",
    );
    await within(env.client.getFeature({}), WAIT_MS, "a call after it");
    assert.equal(env.toNginx.accepted, 2);
  },
});

Deno.test({
  name:
    "a hung backend behind nginx: the client's keepalive does not notice it (nginx answers the PINGs); the stream ends at grpc_read_timeout",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp("grpc_read_timeout 3s;", {}, {
      timeMs: 300,
      timeoutMs: 300,
    });
    const features = env.client.listFeatures({ hi: { latitude: 1 } }, {
      timeoutMs: 30_000,
    })[Symbol.asyncIterator]();
    const first = await within(features.next(), WAIT_MS, "the first feature");
    assert.equal(first.value?.name, "f0");
    env.toBackend.pause(); // the server hangs: nothing in or out
    const pinged = env.toNginx.bytes.toServer;
    const error = await failure(features.next(), "the hung stream");
    assert.ok(error instanceof GrpcError, String(error));
    // nginx's upstream timeout, not the client's keepalive.
    assert.equal(error.code, Code.INTERNAL);
    assert.doesNotMatch(error.message, /keepalive/);
    assert.ok(
      env.toNginx.bytes.toServer - pinged >= 5 * PING_BYTES,
      "the client pinged throughout",
    );
    assert.equal(env.channel.getState(), ConnectivityState.READY);
    assert.equal(env.toNginx.accepted, 1, "the client kept its connection");
  },
});

Deno.test({
  name:
    "server keepalive behind nginx: nginx answers the server's PINGs (an idle stream lives on); a silent nginx ↔ server path cancels the handler",
  ignore: !has("nginx"),
  async fn() {
    await using env = await setUp("", {
      keepalive: { timeMs: 300, timeoutMs: 300 },
    });
    const features = env.client.listFeatures({ hi: { latitude: 1 } }, {
      timeoutMs: 30_000,
    })[Symbol.asyncIterator]();
    await within(features.next(), WAIT_MS, "the first feature");
    const before = { ...env.toBackend.bytes };
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(env.backend.running, 1, "the idle stream lives on");
    assert.deepEqual(env.backend.aborted, []);
    assert.ok(
      env.toBackend.bytes.toClient - before.toClient >= 3 * PING_BYTES &&
        env.toBackend.bytes.toServer - before.toServer >= 3 * PING_BYTES,
      "server PINGs, nginx's ACKs",
    );
    env.toBackend.pause();
    await eventually(
      () => env.backend.aborted.length === 1,
      WAIT_MS,
      "the handler's signal",
    );
    // The server closed that connection: nginx ends the client's stream.
    const error = await failure(features.next(), "the stream");
    assert.ok(error instanceof GrpcError, String(error));
    assert.equal(error.code, Code.INTERNAL); // nginx's RST_STREAM INTERNAL_ERROR
  },
});
