/**
 * The real `dns` resolver end to end, over an injected lookup (issue 13's
 * proof): a flapping backend makes the balancer ask for re-resolution each
 * time it goes away, DNS is asked at most once per
 * `dnsMinResolveIntervalMs`, and the channel follows each new answer.
 */
import assert from "node:assert/strict";
import {
  createChannel,
  createClient,
  ManualClock,
  type Resolver,
  type ResolverBuilder,
  ResolverRegistry,
} from "../../mod.ts";
import { Greeter } from "../../gen/helloworld/helloworld_pb.ts";
import { DnsResolverBuilder } from "../../lib/channel/resolver/dns.ts";
import { disposeWithin, eventually, WAIT_MS } from "../_bounded.ts";
import {
  calls,
  closedPort,
  type GreeterServer,
  shutdownAll,
  startGreeter,
  tally,
  untilReached,
} from "./_loopback.ts";

const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };
const FAST_BACKOFF = { initialBackoffMs: 20, maxBackoffMs: 100 };

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
