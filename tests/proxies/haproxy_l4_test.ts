/**
 * Behind a real L4 load balancer: HAProxy in `mode tcp` with
 * `timeout client 2s` / `timeout server 2s` (an AWS Classic ELB's 60 s idle
 * timeout, scaled down) in front of two of our servers, one frontend each.
 * An idle bidi stream is cut without keepalive; client PINGs every second
 * keep one idle for 6 s alive; round_robin over the two frontends spreads
 * calls; an idle channel's cut connections are replaced on the next call.
 */
import assert from "node:assert/strict";
import {
  type Channel,
  Code,
  createChannel,
  createClient,
  GrpcError,
} from "../../mod.ts";
import { RouteGuide } from "../../gen/routeguide/route_guide_pb.ts";
import { AsyncQueue } from "../../lib/util/async_queue.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";
import {
  type KeepaliveServer,
  startKeepaliveServer,
} from "../channel/_keepalive_server.ts";
import { freePort, has, startHaproxy } from "./_proxies.ts";

/** Lets clients ping every 500 ms (the default would be 5 minutes). */
const ENFORCEMENT = { minTimeMs: 500 };

/** Two servers, each behind its own HAProxy frontend with 2 s idle timeouts. */
async function setUp() {
  const servers: KeepaliveServer[] = [];
  for (let i = 0; i < 2; i++) {
    servers.push(
      await startKeepaliveServer({ keepaliveEnforcement: ENFORCEMENT }),
    );
  }
  const ports = [freePort(), freePort()];
  const lb = await startHaproxy(() => `
defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
${
    ports.map((port, i) => `
listen fe${i}
  bind 127.0.0.1:${port}
  server s${i} 127.0.0.1:${servers[i].port}
`).join("")
  }`, ports);
  return {
    servers,
    lb,
    /** round_robin over both frontends. */
    target: `ipv4:127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}`,
    async [Symbol.asyncDispose]() {
      await lb.stop();
      for (const s of servers) await s[Symbol.asyncDispose]();
    },
  };
}

const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };

function channelTo(target: string, keepalive?: { timeMs: number }): Channel {
  return disposeWithin(
    createChannel(target, { serviceConfig: ROUND_ROBIN, keepalive }),
    WAIT_MS,
    "channel.close()",
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name:
    "HAProxy mode tcp, 2 s idle timeout: without keepalive an idle bidi stream is cut and the client sees UNAVAILABLE",
  ignore: !has("haproxy"),
  async fn() {
    await using env = await setUp();
    await using channel = channelTo(env.target);
    const client = createClient(RouteGuide, channel);
    const notes = new AsyncQueue<{ message: string }>();
    const replies = client.routeChat(notes)[Symbol.asyncIterator]();
    try {
      notes.push({ message: "hello" });
      const first = await within(replies.next(), WAIT_MS, "the first echo");
      assert.equal(first.value?.message, "hello");
      // Nothing more is sent: HAProxy closes the silent connection.
      const error = await within(
        replies.next().then(
          () => assert.fail("the stream went on"),
          (e: unknown) => e,
        ),
        WAIT_MS,
        "the stream's end",
      );
      assert.ok(error instanceof GrpcError, String(error));
      assert.equal(error.code, Code.UNAVAILABLE);
    } finally {
      notes.close();
      await within(Promise.resolve(replies.return?.()), WAIT_MS, "return()");
    }
  },
});

Deno.test({
  name:
    "HAProxy mode tcp, 2 s idle timeout: with keepalive.timeMs 1000 a bidi stream idle for 6 s survives and then exchanges a message",
  ignore: !has("haproxy"),
  async fn() {
    await using env = await setUp();
    await using channel = channelTo(env.target, { timeMs: 1000 });
    const client = createClient(RouteGuide, channel);
    const notes = new AsyncQueue<{ message: string }>();
    const replies = client.routeChat(notes)[Symbol.asyncIterator]();
    try {
      notes.push({ message: "before" });
      const before = await within(replies.next(), WAIT_MS, "the first echo");
      assert.equal(before.value?.message, "before");
      // Three times HAProxy's timeout without a message either way.
      await sleep(6000);
      notes.push({ message: "after" });
      const after = await within(replies.next(), WAIT_MS, "the echo after 6 s");
      assert.equal(after.value?.message, "after");
    } finally {
      notes.close();
      await within(Promise.resolve(replies.return?.()), WAIT_MS, "return()");
    }
  },
});

Deno.test({
  name:
    "HAProxy mode tcp: round_robin over two frontends spreads calls evenly; connections cut while idle are replaced on the next calls",
  ignore: !has("haproxy"),
  async fn() {
    await using env = await setUp();
    const [a, b] = env.servers;
    await using channel = channelTo(env.target);
    const client = createClient(RouteGuide, channel);
    const call = (what: string) =>
      within(
        client.getFeature({}, { waitForReady: true, timeoutMs: WAIT_MS }),
        WAIT_MS,
        what,
      );
    // Once both connections are READY, the picks alternate.
    await within(
      (async () => {
        while (a.peers.length === 0 || b.peers.length === 0) {
          await call("a call reaching each backend");
        }
      })(),
      WAIT_MS,
      "calls reaching both backends",
    );
    const counts = [a.peers.length, b.peers.length];
    for (let i = 0; i < 20; i++) await call(`call ${i}`);
    assert.deepEqual(
      [a.peers.length - counts[0], b.peers.length - counts[1]],
      [10, 10],
    );
    const oldPeers = new Set([...a.peers, ...b.peers]);

    // Idle past HAProxy's timeout: both connections are closed (without
    // keepalive.permitWithoutCalls nothing is sent on them).
    await sleep(3000);
    const from = [a.peers.length, b.peers.length];
    for (let i = 0; i < 20; i++) await call(`call ${i} after the idle time`);
    const fresh = [...a.peers.slice(from[0]), ...b.peers.slice(from[1])];
    assert.equal(fresh.length, 20);
    assert.ok(
      fresh.every((peer) => !oldPeers.has(peer)),
      "served over new connections from HAProxy",
    );
    assert.ok(a.peers.length > from[0] && b.peers.length > from[1]);
  },
});
