/**
 * Channel connectivity end to end (issue 13): IDLE until asked,
 * `getState(true)` connects, `waitForStateChange` sees CONNECTING then
 * READY; with every backend down the channel is TRANSIENT_FAILURE, fail-fast
 * calls get UNAVAILABLE and waitForReady calls wait for their deadline or
 * for a backend to come back; idleness closes connections.
 */
import assert from "node:assert/strict";
import {
  type Channel,
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { ipv4Target, startGreeter } from "./_loopback.ts";

const FAST_BACKOFF = { initialBackoffMs: 20, maxBackoffMs: 100 };

/** Waits (bounded) until the channel's state is `want`. */
async function untilState(channel: Channel, want: ConnectivityState) {
  await within(
    (async () => {
      for (let s = channel.getState(); s !== want;) {
        s = await channel.waitForStateChange(s);
      }
    })(),
    WAIT_MS,
    `state ${want}`,
  );
}

/** The status code a promise rejects with. */
async function codeOf(promise: Promise<unknown>, what: string) {
  try {
    await within(promise, WAIT_MS, what);
  } catch (error) {
    if (error instanceof GrpcError) return error.code;
    throw error;
  }
  assert.fail(`${what} succeeded`);
}

Deno.test("a channel is IDLE until asked; getState(true) connects; waitForStateChange sees CONNECTING then READY", async () => {
  const server = await startGreeter("127.0.0.1");
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target([server])),
      WAIT_MS,
      "channel.close()",
    );
    assert.equal(channel.getState(), ConnectivityState.IDLE);
    assert.equal(server.server.connections, 0, "no connection while IDLE");
    const first = channel.waitForStateChange(ConnectivityState.IDLE);
    channel.getState(true);
    assert.equal(
      await within(first, WAIT_MS, "leaving IDLE"),
      ConnectivityState.CONNECTING,
    );
    assert.equal(
      await within(
        channel.waitForStateChange(ConnectivityState.CONNECTING),
        WAIT_MS,
        "leaving CONNECTING",
      ),
      ConnectivityState.READY,
    );
    await eventually(
      () => server.server.connections === 1,
      WAIT_MS,
      "the server's connection",
    );
    assert.equal(server.peers.length, 0, "connected without a call");
  } finally {
    await within(server.server.shutdown(), WAIT_MS, "server.shutdown()");
  }
});

for (const policy of ["pick_first", "round_robin"]) {
  Deno.test(`${policy}: all backends down → TRANSIENT_FAILURE; fail-fast calls get UNAVAILABLE, waitForReady ones DEADLINE_EXCEEDED or, once a backend is back, an answer`, async () => {
    const servers = await Promise.all(
      ["127.0.0.1", "127.0.0.2"].map((h) => startGreeter(h)),
    );
    try {
      await using channel = disposeWithin(
        createChannel(ipv4Target(servers), {
          serviceConfig: { loadBalancingConfig: [{ [policy]: {} }] },
          backoff: FAST_BACKOFF,
        }),
        WAIT_MS,
        "channel.close()",
      );
      const client = createClient(Greeter, channel);
      const call = (waitForReady: boolean, timeoutMs = WAIT_MS) =>
        client.sayHello({ name: "" }, { waitForReady, timeoutMs });
      await within(call(false), WAIT_MS, "a first call");
      assert.equal(channel.getState(), ConnectivityState.READY);

      for (const s of servers) s.server.forceShutdown();
      if (policy === "pick_first") {
        // It goes IDLE when its connection is lost; asking connects, and
        // every address refuses. (round_robin reconnects on its own.)
        await untilState(channel, ConnectivityState.IDLE);
        channel.getState(true);
      }
      await untilState(channel, ConnectivityState.TRANSIENT_FAILURE);

      assert.equal(
        await codeOf(call(false), "a fail-fast call"),
        Code.UNAVAILABLE,
      );
      assert.equal(
        await codeOf(call(true, 200), "a waitForReady call with 200 ms"),
        Code.DEADLINE_EXCEEDED,
      );
      assert.equal(channel.getState(), ConnectivityState.TRANSIENT_FAILURE);

      // A waitForReady call waits for the backend that comes back.
      const waiting = call(true);
      servers[1] = await startGreeter(servers[1].host, servers[1].port);
      const reply = await within(waiting, WAIT_MS, "the waiting call");
      assert.equal(reply.message, servers[1].id);
      assert.equal(channel.getState(), ConnectivityState.READY);
    } finally {
      await within(
        Promise.all(servers.map((s) => s.server.shutdown())),
        WAIT_MS,
        "servers' shutdown",
      );
    }
  });
}

Deno.test("after idleTimeoutMs without calls the channel closes its connections and is IDLE; the next call reconnects", async () => {
  const server = await startGreeter("127.0.0.1");
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target([server]), { idleTimeoutMs: 100 }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    await within(client.sayHello({ name: "" }), WAIT_MS, "a call");
    assert.equal(channel.getState(), ConnectivityState.READY);
    await untilState(channel, ConnectivityState.IDLE);
    await eventually(
      () => server.server.connections === 0,
      WAIT_MS,
      "the idle connection closed",
    );
    await within(client.sayHello({ name: "" }), WAIT_MS, "a call after idle");
    assert.equal(channel.getState(), ConnectivityState.READY);
    assert.equal(new Set(server.peers).size, 2, "two connections in turn");
  } finally {
    await within(server.server.shutdown(), WAIT_MS, "server.shutdown()");
  }
});
