/**
 * GOAWAY end to end (issue 13): a backend's graceful `server.shutdown()`
 * lets the calls in flight on its connection finish, while new calls go to
 * another backend (round_robin) or to a new connection (pick_first, a
 * replacement server on the same port).
 */
import assert from "node:assert/strict";
import {
  type Channel,
  ConnectivityState,
  createChannel,
  createClient,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import { ipv4Target, startGreeter, tally } from "./_loopback.ts";

/** How long the in-flight calls take: long enough to outlive the GOAWAY. */
const SLOW_MS = 300;

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

/** Starts a Greeter on a port being freed, retrying while it is in use. */
async function listenAgain(host: string, port: number, id: string) {
  const end = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await startGreeter(host, port, id);
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse) || Date.now() > end) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

Deno.test("round_robin: a backend's graceful shutdown lets its calls in flight finish; calls started meanwhile succeed, later ones go to the other backend", async () => {
  const [a, b] = await Promise.all(
    ["127.0.0.1", "127.0.0.2"].map((h) => startGreeter(h)),
  );
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target([a, b]), {
        serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
        backoff: { initialBackoffMs: 20, maxBackoffMs: 100 },
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const call = (name = "") =>
      client.sayHello({ name }, { timeoutMs: WAIT_MS }).then((r) => r.message);
    const seen = new Set<string>();
    await within(
      (async () => {
        while (seen.size < 2) seen.add(await call());
      })(),
      WAIT_MS,
      "calls reaching a and b",
    );

    const base = a.peers.length + b.peers.length;
    const slow = Promise.all(
      Array.from({ length: 10 }, () => call(`sleep:${SLOW_MS}`)),
    );
    await eventually(
      () => a.peers.length + b.peers.length === base + 10,
      WAIT_MS,
      "the slow calls reaching the servers",
    );
    const stopping = a.server.shutdown();
    // Calls in the race with the GOAWAY, fail-fast: none may be lost.
    const racing = await within(
      Promise.all(Array.from({ length: 20 }, () => call())),
      WAIT_MS,
      "20 calls as the GOAWAY goes out",
    );
    assert.equal(racing.length, 20);
    const slowIds = await within(slow, WAIT_MS, "the calls in flight");
    assert.deepEqual(
      [...tally(slowIds)].sort(),
      [[a.id, 5], [b.id, 5]],
      "calls in flight on the draining connection finished",
    );
    await within(stopping, WAIT_MS, "a's graceful shutdown");
    const after = await within(
      Promise.all(Array.from({ length: 20 }, () => call())),
      WAIT_MS,
      "20 calls after the shutdown",
    );
    assert.deepEqual([...tally(after)], [[b.id, 20]]);
    assert.equal(channel.getState(), ConnectivityState.READY);
  } finally {
    await within(
      Promise.all([a.server.shutdown(), b.server.shutdown()]),
      WAIT_MS,
      "servers' shutdown",
    );
  }
});

Deno.test("pick_first: GOAWAY makes the channel IDLE; the call in flight finishes on the old connection, the next ones use a new connection to the replacement server", async () => {
  const first = await startGreeter("127.0.0.1", 0, "first");
  let second;
  try {
    await using channel = disposeWithin(
      createChannel(ipv4Target([first])),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    const call = (name = "") =>
      client.sayHello({ name }, { timeoutMs: WAIT_MS }).then((r) => r.message);
    assert.equal(await within(call(), WAIT_MS, "first call"), "first");

    const slow = call(`sleep:${SLOW_MS}`);
    await eventually(
      () => first.peers.length === 2,
      WAIT_MS,
      "the slow call reaching the server",
    );
    // shutdown() closes the listener: the port is free again once its
    // pending accept is cancelled (a turn or so later).
    const stopping = first.server.shutdown();
    second = await listenAgain("127.0.0.1", first.port, "second");
    await untilState(channel, ConnectivityState.IDLE);

    const next = await within(
      Promise.all(Array.from({ length: 10 }, () => call())),
      WAIT_MS,
      "10 calls after the GOAWAY",
    );
    assert.deepEqual([...tally(next)], [["second", 10]]);
    assert.equal(await within(slow, WAIT_MS, "the call in flight"), "first");
    await within(stopping, WAIT_MS, "the first server's graceful shutdown");
    assert.equal(second.server.connections, 1, "one new connection");
    assert.equal(channel.getState(), ConnectivityState.READY);
  } finally {
    await within(
      Promise.all([first.server.shutdown(), second?.server.shutdown()]),
      WAIT_MS,
      "servers' shutdown",
    );
  }
});
