/**
 * Resolvers end to end (issue 13's proof): a target whose answer changes —
 * a ManualResolver in a per-channel registry, and the real `dns` resolver
 * over an injected lookup — is followed by the channel; balancers ask for
 * re-resolution when a backend goes away, and DNS never looks up more than
 * once per `dnsMinResolveIntervalMs`.
 */
import assert from "node:assert/strict";
import {
  type BalancerBuilder,
  BalancerRegistry,
  createChannel,
  createClient,
  GrpcError,
  ManualClock,
  ManualResolver,
  type Resolver,
  type ResolverBuilder,
  ResolverRegistry,
} from "../../mod.ts";
import { Code } from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { pickFirstBuilder } from "../../lib/channel/balancer/pick_first.ts";
import { DnsResolverBuilder } from "../../lib/channel/resolver/dns.ts";
import type { Endpoint } from "../../lib/channel/resolver/resolver.ts";
import { disposeWithin, eventually, WAIT_MS, within } from "../_bounded.ts";
import {
  closedPort,
  type GreeterServer,
  type HostPort,
  startGreeter,
  tally,
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

type Client = ReturnType<typeof createClient<typeof Greeter>>;

/** `n` calls at once; the ids that answered. */
async function calls(client: Client, n: number, what: string) {
  const replies = await within(
    Promise.all(
      Array.from(
        { length: n },
        () =>
          client.sayHello({ name: "" }, {
            waitForReady: true,
            timeoutMs: WAIT_MS,
          }),
      ),
    ),
    WAIT_MS,
    what,
  );
  return replies.map((r) => r.message);
}

/** Calls until every id of `ids` answered (bounded). */
async function untilReached(client: Client, ids: string[], what: string) {
  const seen = new Set<string>();
  await within(
    (async () => {
      while (ids.some((id) => !seen.has(id))) {
        for (const id of await calls(client, 4, what)) seen.add(id);
      }
    })(),
    WAIT_MS,
    what,
  );
}

async function shutdownAll(servers: readonly (GreeterServer | undefined)[]) {
  await within(
    Promise.all(servers.map((s) => s?.server.shutdown())),
    WAIT_MS,
    "servers' shutdown",
  );
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

/**
 * Resolvers of `dns` from the real builder, wrapped to count `resolveNow()`
 * and to run on a manual clock of their own (the channel's connections keep
 * the system clock, so reconnects are not held up).
 */
class CountingDns implements ResolverBuilder {
  readonly scheme = "dns";
  readonly clock = new ManualClock();
  resolveNows = 0;
  lookups = 0;
  answer: string[];
  readonly #dns: DnsResolverBuilder;

  constructor(answer: string[]) {
    this.answer = answer;
    this.#dns = new DnsResolverBuilder({
      lookup: (_name, type) => {
        if (type !== "A") {
          return Promise.reject(new Deno.errors.NotFound("no AAAA"));
        }
        this.lookups++;
        return Promise.resolve([...this.answer]);
      },
    });
  }

  build(...[target, listener, options]: Parameters<ResolverBuilder["build"]>) {
    const resolver: Resolver = this.#dns.build(target, listener, {
      ...options,
      clock: this.clock,
    });
    return {
      resolveNow: () => {
        this.resolveNows++;
        resolver.resolveNow();
      },
      close: () => resolver.close(),
    };
  }
}

/** Three Greeter servers on 127.0.0.1-3 sharing one port (DNS gives IPs). */
async function serversOnOnePort(): Promise<GreeterServer[]> {
  for (let attempt = 0;; attempt++) {
    const port = closedPort("127.0.0.1");
    const started: GreeterServer[] = [];
    try {
      for (const host of ["127.0.0.1", "127.0.0.2", "127.0.0.3"]) {
        started.push(await startGreeter(host, port));
      }
      return started;
    } catch (error) {
      await shutdownAll(started);
      if (!(error instanceof Deno.errors.AddrInUse) || attempt === 5) {
        throw error;
      }
    }
  }
}

Deno.test("dns: a flapping backend asks for re-resolution each time, but DNS is asked at most once per dnsMinResolveIntervalMs, and the channel follows its answers", async () => {
  const servers = await serversOnOnePort();
  const port = servers[0].port;
  const dns = new CountingDns(["127.0.0.1", "127.0.0.2"]);
  try {
    await using channel = disposeWithin(
      createChannel(`dns:///backends.test:${port}`, {
        resolvers: new ResolverRegistry([dns]),
        serviceConfig: ROUND_ROBIN,
        backoff: FAST_BACKOFF,
        dnsMinResolveIntervalMs: 30_000,
      }),
      WAIT_MS,
      "channel.close()",
    );
    const client = createClient(Greeter, channel);
    await untilReached(client, ["127.0.0.1", "127.0.0.2"], "both answering");
    assert.equal(dns.lookups, 1);

    /** 127.0.0.x goes down and comes back on the same port, `times` times. */
    const flap = async (i: number, times: number) => {
      for (let n = 0; n < times; n++) {
        const before = dns.resolveNows;
        servers[i].server.forceShutdown();
        await eventually(
          () => dns.resolveNows > before,
          WAIT_MS,
          `re-resolution after flap ${n}`,
        );
        servers[i] = await startGreeter(servers[i].host, port);
        await untilReached(client, [servers[i].id], `${servers[i].id} back`);
      }
    };
    await flap(1, 5);
    assert.ok(dns.resolveNows >= 5, `${dns.resolveNows} re-resolutions`);
    assert.equal(dns.lookups, 1, "no lookup before the interval ended");

    // The interval ends: one lookup, whose new answer the channel follows.
    dns.answer = ["127.0.0.1", "127.0.0.3"];
    dns.clock.advance(30_000);
    assert.equal(dns.lookups, 2);
    await untilReached(client, ["127.0.0.3"], "calls reaching 127.0.0.3");
    const ids = await calls(client, 40, "40 calls after the new answer");
    assert.deepEqual(
      [...tally(ids)].sort(),
      [["127.0.0.1", 20], ["127.0.0.3", 20]],
    );

    // More flapping: the next lookup waits for the next interval.
    const asked = dns.resolveNows;
    await flap(2, 3);
    assert.ok(dns.resolveNows >= asked + 3);
    dns.clock.advance(29_999);
    assert.equal(dns.lookups, 2, "still within the interval");
    dns.clock.advance(1);
    assert.equal(dns.lookups, 3, "one lookup at its end");
  } finally {
    await shutdownAll(servers);
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
