/**
 * `channel.close()` ends everything the channel owns (issue 13): READY
 * connections (after their calls finish), attempts under way (a peer that
 * accepted TCP and never answers), subchannels waiting out their backoff,
 * a DNS lookup in flight, queued calls, state watchers. Deno's sanitizers
 * stay on: a timer or socket left behind fails these tests.
 */
import assert from "node:assert/strict";
import {
  Code,
  ConnectivityState,
  createChannel,
  createClient,
  GrpcError,
  ResolverRegistry,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { DnsResolverBuilder } from "../../lib/channel/resolver/dns.ts";
import { eventually, WAIT_MS, within } from "../_bounded.ts";
import {
  closedPort,
  type HostPort,
  ipv4Target,
  startGreeter,
} from "./_loopback.ts";

/** A TCP listener that accepts and never says a word (no SETTINGS). */
function silentListener(host: string) {
  const listener = Deno.listen({ hostname: host, port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch {
      // Closed.
    }
  })();
  return {
    host,
    port: (listener.addr as Deno.NetAddr).port,
    conns,
    /** Whether each accepted connection was closed by the client. */
    async allClosedByPeer(): Promise<boolean> {
      const buf = new Uint8Array(1024);
      for (const conn of conns) {
        // The client's preface, then EOF once it closed.
        for (;;) {
          const n = await within(conn.read(buf), WAIT_MS, "silent peer read");
          if (n === null) break;
        }
      }
      return conns.length > 0;
    },
    async close() {
      for (const conn of conns) conn.close();
      listener.close();
      await within(accepting, WAIT_MS, "accept loop end");
    },
  };
}

async function codeOf(promise: Promise<unknown>, what: string) {
  try {
    await within(promise, WAIT_MS, what);
  } catch (error) {
    if (error instanceof GrpcError) return error.code;
    throw error;
  }
  assert.fail(`${what} succeeded`);
}

Deno.test("close() ends READY connections after their calls, an attempt that never got SETTINGS, subchannels in backoff and state watchers", async () => {
  const live = await Promise.all(
    ["127.0.0.1", "127.0.0.2"].map((h) => startGreeter(h)),
  );
  const silent = silentListener("127.0.0.3");
  const refused: HostPort = {
    host: "127.0.0.4",
    port: closedPort("127.0.0.4"),
  };
  try {
    const channel = createChannel(
      ipv4Target([...live, silent, refused]),
      {
        serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
        // Long enough that nothing ends by itself during the test.
        backoff: { initialBackoffMs: 60_000 },
        connectTimeoutMs: 60_000,
      },
    );
    const client = createClient(Greeter, channel);
    const call = (name = "", waitForReady = false) =>
      client.sayHello({ name }, { waitForReady, timeoutMs: WAIT_MS });
    const seen = new Set<string>();
    await within(
      (async () => {
        while (seen.size < 2) seen.add((await call()).message);
      })(),
      WAIT_MS,
      "calls reaching both live servers",
    );
    await eventually(
      () => silent.conns.length === 1,
      WAIT_MS,
      "the silent peer's connection",
    );

    const served = () => live[0].peers.length + live[1].peers.length;
    const before = served();
    const slow = call("sleep:200");
    await eventually(
      () => served() === before + 1,
      WAIT_MS,
      "the slow call reaching a server",
    );
    const watcher = channel.waitForStateChange(ConnectivityState.READY);
    await within(channel.close(), WAIT_MS, "channel.close()");
    assert.equal(
      (await within(slow, WAIT_MS, "the call in flight")).message.length > 0,
      true,
      "the call in flight finished",
    );
    assert.equal(
      await within(watcher, WAIT_MS, "the state watcher"),
      ConnectivityState.SHUTDOWN,
    );
    assert.equal(channel.getState(true), ConnectivityState.SHUTDOWN);
    assert.equal(await codeOf(call(), "a call after close"), Code.UNAVAILABLE);
    await eventually(
      () => live.every((s) => s.server.connections === 0),
      WAIT_MS,
      "the live servers' connections closed",
    );
    assert.ok(await silent.allClosedByPeer(), "the silent attempt closed");
  } finally {
    await silent.close();
    await within(
      Promise.all(live.map((s) => s.server.shutdown())),
      WAIT_MS,
      "servers' shutdown",
    );
  }
});

Deno.test("close() fails calls waiting for a READY backend with UNAVAILABLE at once", async () => {
  const refused = ["127.0.0.1", "127.0.0.2"].map((host) => ({
    host,
    port: closedPort(host),
  }));
  const channel = createChannel(ipv4Target(refused), {
    backoff: { initialBackoffMs: 60_000 },
  });
  const client = createClient(Greeter, channel);
  // No deadline: only close() can end these.
  const waiting = Array.from(
    { length: 5 },
    () => client.sayHello({ name: "" }, { waitForReady: true }),
  );
  await within(
    (async () => {
      for (let s = channel.getState(); s !== "TRANSIENT_FAILURE";) {
        s = await channel.waitForStateChange(s);
      }
    })(),
    WAIT_MS,
    "TRANSIENT_FAILURE",
  );
  await within(channel.close(), WAIT_MS, "channel.close()");
  for (const call of waiting) {
    assert.equal(await codeOf(call, "a waiting call"), Code.UNAVAILABLE);
  }
});

Deno.test("close() while a DNS lookup is in flight leaves no timer behind", async () => {
  let asked = 0;
  const dns = new DnsResolverBuilder({
    // A DNS server that never answers.
    lookup: () => {
      asked++;
      return new Promise(() => {});
    },
  });
  const channel = createChannel("dns:///never.test:443", {
    resolvers: new ResolverRegistry([dns]),
  });
  const client = createClient(Greeter, channel);
  const call = client.sayHello({ name: "" }, { waitForReady: true });
  await eventually(() => asked > 0, WAIT_MS, "the lookup");
  assert.equal(channel.getState(), ConnectivityState.CONNECTING);
  await within(channel.close(), WAIT_MS, "channel.close()");
  assert.equal(await codeOf(call, "the queued call"), Code.UNAVAILABLE);
});
