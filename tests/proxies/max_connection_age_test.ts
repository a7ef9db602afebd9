/**
 * Max connection age as the answer to "round_robin does not see new pods"
 * (grpc-go's maintainers, instead of DNS polling): a long-lived channel
 * keeps its connections, and a DNS name is resolved again only when one is
 * lost, so a backend that joins later gets no calls. With
 * `keepalive.maxConnectionAgeMs` on the servers, every connection ends with
 * a graceful GOAWAY after its age; the channel re-resolves and reconnects,
 * and its calls spread over the newcomers:
 * - round_robin over a DNS name whose answer grew (an injected lookup);
 * - pick_first through HAProxy balancing over servers (an L4 load balancer
 *   in front of a Kubernetes Service or an autoscaling group), one of them
 *   started later.
 */
import assert from "node:assert/strict";
import {
  createChannel,
  createClient,
  ResolverRegistry,
  Server,
  type ServerKeepaliveOptions,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { DnsResolverBuilder } from "../../lib/channel/resolver/dns.ts";
import { disposeWithin, WAIT_MS, within } from "../_bounded.ts";
import { freePort, has, startHaproxy } from "./_proxies.ts";

/** Connections live 1 s (±10 %), then have 1 s to finish their calls. */
const MAX_AGE: ServerKeepaliveOptions = {
  maxConnectionAgeMs: 1000,
  maxConnectionAgeGraceMs: 1000,
};

/** A Greeter server answering with its id. */
interface Backend extends AsyncDisposable {
  readonly id: string;
  readonly port: number;
}

async function startBackend(
  host: string,
  port: number,
  id: string,
  keepalive: ServerKeepaliveOptions | undefined,
): Promise<Backend> {
  const server = new Server({ keepalive }).add(Greeter, {
    sayHello: () => ({ message: id }),
  });
  const addr = await within(
    server.listen({ hostname: host, port }),
    WAIT_MS,
    `listen on ${host}:${port}`,
  ) as Deno.NetAddr;
  return {
    id,
    port: addr.port,
    [Symbol.asyncDispose]: () =>
      within(server.shutdown(1000), WAIT_MS, `${id}'s shutdown`),
  };
}

type Client = ReturnType<typeof createClient<typeof Greeter>>;

/** Calls one after another for `ms`, about every 50 ms; the ids that answered. */
async function callFor(client: Client, ms: number): Promise<string[]> {
  const ids: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const reply = await within(
      client.sayHello({}, { waitForReady: true, timeoutMs: WAIT_MS }),
      WAIT_MS,
      "a call",
    );
    ids.push(reply.message);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ids;
}

/** Calls until `id` answers (bounded). */
async function callUntil(client: Client, id: string, what: string) {
  await within(
    (async () => {
      for (;;) {
        const reply = await client.sayHello({}, {
          waitForReady: true,
          timeoutMs: WAIT_MS,
        });
        if (reply.message === id) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })(),
    WAIT_MS,
    what,
  );
}

/**
 * The `dns` resolver over a lookup whose answer the test changes; it counts
 * the lookups.
 */
function fakeDns() {
  const dns = {
    answer: ["127.0.0.1"],
    lookups: 0,
    registry: new ResolverRegistry(),
  };
  dns.registry.register(
    new DnsResolverBuilder({
      lookup: (_name, type) => {
        if (type !== "A") {
          return Promise.reject(new Deno.errors.NotFound("no AAAA"));
        }
        dns.lookups++;
        return Promise.resolve([...dns.answer]);
      },
    }),
  );
  return dns;
}

/**
 * A round_robin channel over `dns:///backends.test` (127.0.0.1), then a
 * second backend on 127.0.0.2 joins the DNS answer; `check` runs with the
 * channel and both backends.
 */
async function dnsScenario(
  keepalive: ServerKeepaliveOptions | undefined,
  check: (client: Client, dns: ReturnType<typeof fakeDns>) => Promise<void>,
) {
  await using first = await startBackend("127.0.0.1", 0, "first", keepalive);
  const dns = fakeDns();
  await using channel = disposeWithin(
    createChannel(`dns:///backends.test:${first.port}`, {
      resolvers: dns.registry,
      serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
      dnsMinResolveIntervalMs: 100,
      backoff: { initialBackoffMs: 20, maxBackoffMs: 100 },
    }),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, channel);
  const before = await callFor(client, 200);
  assert.ok(before.every((id) => id === "first"));
  assert.equal(dns.lookups, 1);
  await using _joined = await startBackend(
    "127.0.0.2",
    first.port,
    "joined",
    keepalive,
  );
  dns.answer = ["127.0.0.1", "127.0.0.2"];
  await check(client, dns);
}

Deno.test("without a max connection age, a round_robin channel over DNS never sees a backend that joined later", async () => {
  await dnsScenario(undefined, async (client, dns) => {
    // Three times the other test's max age: nothing makes the channel ask.
    const ids = await callFor(client, 3000);
    assert.ok(ids.length > 0);
    assert.deepEqual(new Set(ids), new Set(["first"]));
    assert.equal(dns.lookups, 1, "DNS asked once, at the start");
  });
});

Deno.test("with maxConnectionAgeMs on the servers, a long-lived round_robin channel re-resolves on each max_age GOAWAY and spreads over a backend that joined later", async () => {
  await dnsScenario(MAX_AGE, async (client, dns) => {
    await callUntil(client, "joined", "a call reaching the new backend");
    assert.ok(dns.lookups >= 2, `${dns.lookups} lookups`);
    const ids = await callFor(client, 1500);
    assert.deepEqual(new Set(ids), new Set(["first", "joined"]));
  });
});

/**
 * HAProxy (`mode tcp`, `balance roundrobin`, TCP health checks every
 * 100 ms) over two server ports; the second server starts later. A
 * pick_first channel to HAProxy's one address makes `check` calls.
 */
async function haproxyScenario(
  keepalive: ServerKeepaliveOptions | undefined,
  check: (longLived: Client) => Promise<void>,
) {
  await using first = await startBackend("127.0.0.1", 0, "first", keepalive);
  const laterPort = freePort();
  const port = freePort();
  await using _lb = await startHaproxy(() => `
defaults
  mode tcp
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
listen grpc
  bind 127.0.0.1:${port}
  balance roundrobin
  default-server check inter 100ms fall 1 rise 1
  server first 127.0.0.1:${first.port}
  server joined 127.0.0.1:${laterPort}
`, [port]);
  await using channel = disposeWithin(
    createChannel(`127.0.0.1:${port}`),
    WAIT_MS,
    "channel.close()",
  );
  const client = createClient(Greeter, channel);
  /** One call on a channel of its own: a new connection through HAProxy. */
  const fresh = async () => {
    await using once = disposeWithin(
      createChannel(`127.0.0.1:${port}`),
      WAIT_MS,
      "channel.close()",
    );
    const reply = await within(
      createClient(Greeter, once).sayHello({}, { waitForReady: true }),
      WAIT_MS,
      "a call on a new channel",
    );
    return reply.message;
  };
  const before = await callFor(client, 300);
  assert.deepEqual(new Set(before), new Set(["first"]));
  await using _joined = await startBackend(
    "127.0.0.1",
    laterPort,
    "joined",
    keepalive,
  );
  // HAProxy's health check finds it: new connections reach it.
  await within(
    (async () => {
      while (await fresh() !== "joined") { /* next connection */ }
    })(),
    WAIT_MS,
    "HAProxy sending a new connection to the new backend",
  );
  await check(client);
}

Deno.test({
  name:
    "without a max connection age, a pick_first channel through HAProxy stays on its backend while new connections reach one that joined later",
  ignore: !has("haproxy"),
  async fn() {
    await haproxyScenario(undefined, async (longLived) => {
      const ids = await callFor(longLived, 3000);
      assert.ok(ids.length > 0);
      assert.deepEqual(new Set(ids), new Set(["first"]));
    });
  },
});

Deno.test({
  name:
    "with maxConnectionAgeMs on the servers, a long-lived pick_first channel through HAProxy reconnects after each age and reaches a backend that joined later",
  ignore: !has("haproxy"),
  async fn() {
    await haproxyScenario(MAX_AGE, async (longLived) => {
      await callUntil(
        longLived,
        "joined",
        "the long-lived channel reaching it",
      );
      const ids = await callFor(longLived, 2500);
      assert.deepEqual(new Set(ids), new Set(["first", "joined"]));
    });
  },
});
