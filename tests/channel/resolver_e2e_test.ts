/**
 * Resolvers end to end (issue 13's proof): a target whose answer changes,
 * through a ManualResolver in a per-channel registry, is followed by the
 * channel; balancers ask for re-resolution when a backend goes away; every
 * built-in scheme reaches its server. The real `dns` resolver's part is in
 * resolver_dns_e2e_test.ts.
 */
import assert from "node:assert/strict";
import {
  type BalancerBuilder,
  BalancerRegistry,
  Code,
  createChannel,
  createClient,
  GrpcError,
  ManualResolver,
  ResolverRegistry,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { pickFirstBuilder } from "../../lib/channel/balancer/pick_first.ts";
import type { Endpoint } from "../../lib/channel/resolver/resolver.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import {
  calls,
  type HostPort,
  shutdownAll,
  startGreeter,
  tally,
  untilReached,
} from "./_loopback.ts";

const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };
const FAST_BACKOFF = { initialBackoffMs: 20, maxBackoffMs: 100 };

function endpoints(...servers: HostPort[]): { endpoints: Endpoint[] } {
  return {
    endpoints: servers.map((s) => ({
      addresses: [{ kind: "tcp", hostname: s.host, port: s.port }],
    })),
  };
}

Deno.test("a channel follows a ManualResolver in its own registry: new addresses take the next calls, kept ones keep their connection", async () => {
  const [a, b, c, d] = await Promise.all(
    ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"].map((h) =>
      startGreeter(h)
    ),
  );
  try {
    const manual = new ManualResolver("test", endpoints(a, b));
    const resolvers = new ResolverRegistry([manual]);
    await using channel = disposeWithin(
      createChannel("test:///backends", {
        resolvers,
        serviceConfig: ROUND_ROBIN,
        backoff: FAST_BACKOFF,
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    await untilReached(client, [a.id, b.id], "calls reaching a and b");
    assert.deepEqual(
      [...tally(await calls(client, 40, "40 calls"))].sort(),
      [[a.id, 20], [b.id, 20]],
    );

    // A whole new set: from the next call on, only c answers.
    manual.update(endpoints(c));
    assert.deepEqual(
      [...tally(await calls(client, 20, "20 calls after the update"))],
      [[c.id, 20]],
    );
    await eventually(
      () => a.server.connections + b.server.connections === 0,
      WAIT_MS,
      "a's and b's connections closed",
    );

    // d joins; c keeps the connection it has.
    manual.update(endpoints(c, d));
    await untilReached(client, [c.id, d.id], "calls reaching c and d");
    assert.deepEqual(
      [...tally(await calls(client, 40, "40 calls over c and d"))].sort(),
      [[c.id, 20], [d.id, 20]],
    );
    const cPeers = new Set(c.peers);
    assert.equal(cPeers.size, 1, "c was reached over one connection only");

    // A resolver error leaves working connections alone.
    manual.reportError(new GrpcError(Code.UNAVAILABLE, "resolver down"));
    const afterError = await calls(client, 20, "20 calls after the error");
    assert.deepEqual([...tally(afterError)].sort(), [[c.id, 10], [d.id, 10]]);
    assert.equal(manual.buildCount, 1);
  } finally {
    await shutdownAll([a, b, c, d]);
  }
});

Deno.test("pick_first follows a ManualResolver from one backend to another", async () => {
  const [a, b] = await Promise.all(
    ["127.0.0.1", "127.0.0.2"].map((h) => startGreeter(h)),
  );
  try {
    const manual = new ManualResolver("test", endpoints(a));
    await using channel = disposeWithin(
      createChannel("test:///one", {
        resolvers: new ResolverRegistry([manual]),
        backoff: FAST_BACKOFF,
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    assert.deepEqual([...tally(await calls(client, 10, "calls to a"))], [[
      a.id,
      10,
    ]]);
    manual.update(endpoints(b));
    assert.deepEqual([...tally(await calls(client, 10, "calls to b"))], [[
      b.id,
      10,
    ]]);
    await eventually(
      () => a.server.connections === 0,
      WAIT_MS,
      "a's connection closed",
    );
  } finally {
    await shutdownAll([a, b]);
  }
});

Deno.test("a backend that goes away makes the balancer ask for re-resolution, and the resolver's answer replaces it", async () => {
  const [a, b, c] = await Promise.all(
    ["127.0.0.1", "127.0.0.2", "127.0.0.3"].map((h) => startGreeter(h)),
  );
  try {
    const manual = new ManualResolver("test", endpoints(a, b));
    await using channel = disposeWithin(
      createChannel("test:///backends", {
        resolvers: new ResolverRegistry([manual]),
        serviceConfig: ROUND_ROBIN,
        backoff: FAST_BACKOFF,
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    await untilReached(client, [a.id, b.id], "calls reaching a and b");
    assert.equal(
      manual.resolveNowCount,
      0,
      "no re-resolution while all is well",
    );

    // The resolver answers a re-resolution request later, as DNS would.
    manual.onResolveNow = () =>
      queueMicrotask(() => manual.update(endpoints(a, c)));
    b.server.forceShutdown();
    await eventually(
      () => manual.resolveNowCount > 0,
      WAIT_MS,
      "a re-resolution request",
    );
    await untilReached(client, [a.id, c.id], "calls reaching a and c");
    const ids = await calls(client, 40, "40 calls over a and c");
    assert.deepEqual([...tally(ids)].sort(), [[a.id, 20], [c.id, 20]]);
  } finally {
    await shutdownAll([a, b, c]);
  }
});

Deno.test("a resolver that answers inside resolveNow() does not re-enter the balancer asking for it", async () => {
  const [a, b] = await Promise.all(
    ["127.0.0.1", "127.0.0.2"].map((h) => startGreeter(h)),
  );
  try {
    // pick_first, watched: what it publishes, and whether the channel
    // calls it while it is itself inside a helper call.
    const published: string[] = [];
    let inHelper = false;
    const reentered: string[] = [];
    const watched: BalancerBuilder = {
      name: "watched_pick_first",
      build: (helper) => {
        const balancer = pickFirstBuilder.build({
          ...helper,
          createSubchannel: (address) => helper.createSubchannel(address),
          updateState: (state, picker) => {
            published.push(state);
            helper.updateState(state, picker);
          },
          requestReresolution: () => {
            inHelper = true;
            try {
              helper.requestReresolution();
            } finally {
              inHelper = false;
            }
          },
        });
        const guard = (name: string) => {
          if (inHelper) reentered.push(name);
        };
        return {
          updateState: (s) => (guard("updateState"), balancer.updateState(s)),
          resolverError: (
            e,
          ) => (guard("resolverError"), balancer.resolverError(e)),
          exitIdle: () => (guard("exitIdle"), balancer.exitIdle()),
          close: () => balancer.close(),
        };
      },
    };
    const manual = new ManualResolver("test", endpoints(a));
    await using channel = disposeWithin(
      createChannel("test:///one", {
        resolvers: new ResolverRegistry([manual]),
        balancers: new BalancerRegistry([watched]),
        serviceConfig: { loadBalancingConfig: [{ watched_pick_first: {} }] },
        backoff: FAST_BACKOFF,
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    assert.deepEqual(await calls(client, 2, "calls to a"), [a.id, a.id]);
    // Allowed by resolver.ts: a listener call at any time after build().
    manual.onResolveNow = () => manual.update(endpoints(b));
    published.length = 0;
    a.server.forceShutdown();
    await eventually(() => manual.resolveNowCount > 0, WAIT_MS, "resolveNow");
    assert.deepEqual(await calls(client, 2, "calls to b"), [b.id, b.id]);
    assert.deepEqual(reentered, [], "balancer methods called re-entrantly");
    assert.deepEqual(
      published,
      ["IDLE", "CONNECTING", "READY"],
      "states published after the loss",
    );
  } finally {
    await shutdownAll([a, b]);
  }
});

Deno.test("targets of every built-in scheme reach their server: localhost tries 127.0.0.1 then ::1, ipv6:, dns:///, passthrough:, a bare host:port", async () => {
  const v4 = await startGreeter("127.0.0.1", 0, "v4");
  const v6 = await startGreeter("::1", 0, "v6");
  try {
    const cases: [string, string, Record<string, unknown>?][] = [
      [`localhost:${v6.port}`, "v6"],
      [`dns:///localhost:${v6.port}`, "v6", ROUND_ROBIN],
      [`ipv6:[::1]:${v6.port}`, "v6"],
      [`ipv4:127.0.0.1:${v4.port}`, "v4"],
      [`dns:///127.0.0.1:${v4.port}`, "v4"],
      [`passthrough:///127.0.0.1:${v4.port}`, "v4"],
      [`127.0.0.1:${v4.port}`, "v4"],
      [`[::1]:${v6.port}`, "v6"],
    ];
    for (const [target, id, serviceConfig] of cases) {
      await using channel = disposeWithin(
        createChannel(target, { serviceConfig }),
        WAIT_MS,
        `${target}: channel.close()`,
      );
      const reply = await within(
        createClient(Greeter, channel).sayHello({ name: "" }),
        WAIT_MS,
        `a call to ${target}`,
      );
      assert.equal(reply.message, id, target);
    }
  } finally {
    await shutdownAll([v4, v6]);
  }
});
