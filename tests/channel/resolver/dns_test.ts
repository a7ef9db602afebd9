import assert from "node:assert/strict";
import {
  DnsResolverBuilder,
  type DnsResolverBuilderOptions,
} from "../../../lib/channel/resolver/dns.ts";
import type {
  Resolver,
  ResolverOptions,
  ResolverState,
} from "../../../lib/channel/resolver/resolver.ts";
import { Code } from "../../../lib/grpc/status.ts";
import { ManualClock } from "../../../lib/util/clock.ts";
import { parseTarget } from "../../../lib/channel/target.ts";
import { FakeDns } from "./_fake_dns.ts";
import { options, type Recorder, recorder, settle } from "./_record.ts";

function tcp(hostname: string, port: number) {
  return { addresses: [{ kind: "tcp" as const, hostname, port }] };
}

interface Setup {
  dns: FakeDns;
  clock: ManualClock;
  r: Recorder;
  resolver: Resolver;
}

/** Builds a DNS resolver over a fake DNS and a manual clock. */
function setup(
  target: string,
  dns = new FakeDns(),
  overrides: Partial<ResolverOptions> = {},
  builderOptions: DnsResolverBuilderOptions = {},
  r = recorder(),
): Setup {
  const clock = new ManualClock();
  const resolver = new DnsResolverBuilder({
    lookup: dns.lookup,
    ...builderOptions,
  })
    .build(parseTarget(target), r.listener, options({ clock, ...overrides }));
  return { dns, clock, r, resolver };
}

Deno.test("dns: an IP literal needs no lookup", async () => {
  const cases: [string, ResolverState][] = [
    ["dns:///10.0.0.1:50051", { endpoints: [tcp("10.0.0.1", 50051)] }],
    ["10.0.0.1", { endpoints: [tcp("10.0.0.1", 443)] }],
    ["[::1]:8", { endpoints: [tcp("::1", 8)] }],
    ["dns:::1", { endpoints: [tcp("::1", 443)] }],
  ];
  for (const [target, state] of cases) {
    const { dns, r, resolver, clock } = setup(target);
    assert.equal(r.events.length, 0, "nothing during build()");
    await settle();
    resolver.resolveNow();
    await settle();
    assert.deepEqual(r.updates, [state], target);
    assert.equal(dns.queries.length, 0, target);
    assert.equal(clock.pending, 0);
  }
});

Deno.test("dns: localhost needs no lookup: one endpoint, 127.0.0.1 then ::1", async () => {
  for (
    const target of [
      "localhost:50051",
      "dns:///LOCALHOST:50051",
      "dns:localhost.:50051",
    ]
  ) {
    const { dns, r } = setup(target);
    await settle();
    assert.deepEqual(r.updates, [{
      endpoints: [{
        addresses: [
          { kind: "tcp", hostname: "127.0.0.1", port: 50051 },
          { kind: "tcp", hostname: "::1", port: 50051 },
        ],
      }],
    }], target);
    assert.equal(dns.queries.length, 0);
  }
});

Deno.test("dns: A and AAAA answers merge, IPv4 first, each address its own endpoint", async () => {
  const { dns, r, clock } = setup(
    "dns:///backend.example:50051",
    new FakeDns({
      "backend.example A": ["10.0.0.1", "10.0.0.2"],
      "backend.example AAAA": ["fd00::1", "not-an-ip"],
    }),
  );
  await settle();
  assert.deepEqual(r.updates, [{
    endpoints: [
      tcp("10.0.0.1", 50051),
      tcp("10.0.0.2", 50051),
      tcp("fd00::1", 50051),
    ],
  }]);
  assert.deepEqual(dns.queries.map((q) => `${q.name} ${q.type}`), [
    "backend.example A",
    "backend.example AAAA",
  ]);
  assert.equal(
    clock.pending,
    0,
    "no timer: re-resolution waits for resolveNow()",
  );
});

Deno.test("dns: when DNS has nothing (NotFound, empty, NotCapable), the name itself is the address", async () => {
  const tables: Record<string, string[] | Error>[] = [
    {},
    { "db.local A": [], "db.local AAAA": [] },
    {
      "db.local A": new Deno.errors.NotCapable(
        "no --allow-net for the DNS server",
      ),
      "db.local AAAA": new Deno.errors.NotCapable(
        "no --allow-net for the DNS server",
      ),
    },
  ];
  for (const table of tables) {
    const { r } = setup("db.local:5000", new FakeDns(table));
    await settle();
    assert.deepEqual(r.events, [{
      update: { endpoints: [tcp("db.local", 5000)] },
    }]);
  }
});

Deno.test("dns: one family failing does not hide the other's answer", async () => {
  const { r } = setup(
    "backend:1",
    new FakeDns({
      "backend A": new Deno.errors.TimedOut("request timed out"),
      "backend AAAA": ["fd00::7"],
    }),
  );
  await settle();
  assert.deepEqual(r.events, [{ update: { endpoints: [tcp("fd00::7", 1)] } }]);
});

Deno.test("dns: re-resolves only on resolveNow(), at most once per 30 s, the second at the interval's end", async () => {
  const { dns, r, resolver, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": ["10.0.0.1"] }),
  );
  await settle();
  assert.equal(dns.lookups, 1);
  clock.advance(10 * 60_000); // no resolveNow(): no lookup, however long
  await settle();
  assert.equal(dns.lookups, 1);

  resolver.resolveNow(); // the interval since the last lookup has passed
  await settle();
  assert.equal(dns.lookups, 2);
  assert.equal(r.updates.length, 2);

  clock.advance(1_000);
  resolver.resolveNow();
  resolver.resolveNow();
  await settle();
  assert.equal(dns.lookups, 2, "within 30 s of the last lookup: none yet");
  assert.deepEqual(
    clock.delays,
    [29_000],
    "one lookup scheduled at the interval's end",
  );
  clock.advance(28_999);
  await settle();
  assert.equal(dns.lookups, 2);
  clock.advance(1);
  await settle();
  assert.equal(dns.lookups, 3, "one lookup for two requests");
  assert.equal(r.updates.length, 3);
  assert.equal(clock.pending, 0);
});

Deno.test("dns: minResolveIntervalMs sets the interval", async () => {
  const { dns, resolver, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": ["10.0.0.1"] }),
    { minResolveIntervalMs: 5_000 },
  );
  await settle();
  resolver.resolveNow();
  assert.deepEqual(clock.delays, [5_000]);
  clock.advance(5_000);
  await settle();
  assert.equal(dns.lookups, 2);
});

Deno.test("dns: a resolveNow() during a lookup runs one more lookup at the interval's end", async () => {
  const { dns, r, resolver, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": "hold", "backend AAAA": [] }),
  );
  resolver.resolveNow();
  resolver.resolveNow();
  clock.advance(2_000);
  assert.equal(dns.lookups, 1);
  dns.held[0].answer.resolve(["10.0.0.1"]);
  await settle();
  assert.equal(r.updates.length, 1);
  assert.deepEqual(clock.delays, [28_000]);
  dns.table["backend A"] = ["10.0.0.2"];
  clock.advance(28_000);
  await settle();
  assert.equal(dns.lookups, 2);
  assert.deepEqual(r.updates[1], { endpoints: [tcp("10.0.0.2", 1)] });
  assert.equal(clock.pending, 0);
});

Deno.test("dns: a failed lookup goes to onError, then retries with backoff (1 s, 1.6 s, 2.56 s…) until it succeeds", async () => {
  const timedOut = new Deno.errors.TimedOut("request timed out");
  const { dns, r, resolver, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": timedOut, "backend AAAA": timedOut }),
  );
  await settle();
  assert.equal(r.errors.length, 1);
  const [error] = r.errors;
  assert.equal(error.code, Code.UNAVAILABLE);
  assert.match(
    error.rawMessage,
    /DNS lookup of backend failed: request timed out/,
  );
  assert.equal(error.cause, timedOut);

  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    assert.equal(clock.pending, 1);
    const [delay] = clock.delays;
    delays.push(delay);
    resolver.resolveNow(); // a retry is already due: no extra lookup
    clock.advance(delay);
    await settle();
  }
  assert.deepEqual(delays, [1_000, 1_600, 2_560]);
  assert.equal(dns.lookups, 4);
  assert.equal(r.errors.length, 4);
  assert.equal(r.updates.length, 0);

  dns.table = { "backend A": ["10.0.0.1"] };
  clock.advance(clock.delays[0]);
  await settle();
  assert.deepEqual(r.updates, [{ endpoints: [tcp("10.0.0.1", 1)] }]);
  assert.equal(clock.pending, 0, "no retry after a success");

  // The success reset the backoff: the next failure waits 1 s again.
  dns.table = { "backend A": timedOut };
  clock.advance(30_000);
  resolver.resolveNow();
  await settle();
  assert.equal(r.errors.length, 5);
  assert.deepEqual(clock.delays, [1_000]);
  resolver.close();
  assert.equal(clock.pending, 0);
});

Deno.test("dns: retry delays take the injected random source and backoff options", async () => {
  const failing = new FakeDns({ "backend A": new Error("SERVFAIL") });
  const { clock } = setup(
    "backend:1",
    failing,
    { random: () => 0 },
    { backoff: { initialBackoffMs: 100, multiplier: 2 } },
  );
  await settle();
  assert.deepEqual(clock.delays, [100]);
  clock.advance(100);
  await settle();
  assert.deepEqual(clock.delays, [160], "200 with jitter -20 %");
});

Deno.test("dns: a lookup in flight when close() is called never reaches the listener", async () => {
  const { dns, r, resolver, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": "hold", "backend AAAA": "hold" }),
  );
  const { signal } = dns.queries[0].options;
  resolver.close();
  assert.equal(signal?.aborted, true, "the lookup is aborted");
  assert.equal(clock.pending, 0, "no timer left");
  for (const q of dns.held) q.answer.resolve(["10.0.0.1"]);
  await settle();
  resolver.resolveNow();
  clock.advance(60_000);
  await settle();
  assert.equal(r.events.length, 0);
  assert.equal(dns.lookups, 1);
});

Deno.test("dns: close() cancels a scheduled lookup", async () => {
  const { dns, resolver, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": new Error("SERVFAIL") }),
  );
  await settle();
  assert.equal(clock.pending, 1);
  resolver.close();
  assert.equal(clock.pending, 0);
  clock.advance(60_000);
  await settle();
  assert.equal(dns.lookups, 1);
});

Deno.test("dns: a lookup that never answers times out after 10 s, fails and is retried", async () => {
  const { dns, r, clock } = setup(
    "backend:1",
    new FakeDns({ "backend A": "hold", "backend AAAA": "hold" }),
  );
  assert.deepEqual(clock.delays, [10_000]);
  clock.advance(10_000);
  await settle();
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].rawMessage, /timed out after 10000 ms/);
  assert.equal(dns.queries[0].options.signal?.aborted, true);
  assert.deepEqual(clock.delays, [1_000]);
  for (const q of dns.held) q.answer.resolve(["10.0.0.1"]); // too late: ignored
  await settle();
  assert.equal(r.updates.length, 0);
  dns.table = { "backend A": ["10.0.0.2"] };
  clock.advance(1_000);
  await settle();
  assert.deepEqual(r.updates, [{ endpoints: [tcp("10.0.0.2", 1)] }]);
});

Deno.test("dns: lookupTimeoutMs sets the lookup timeout", () => {
  const { clock, resolver } = setup(
    "backend:1",
    new FakeDns({ "backend A": "hold" }),
    {},
    { lookupTimeoutMs: 250 },
  );
  assert.deepEqual(clock.delays, [250]);
  resolver.close();
});

Deno.test("dns: the authority names the DNS server (port 53 by default)", async () => {
  const cases: [string, { ipAddr: string; port: number }][] = [
    ["dns://10.0.0.53:5353/backend:1", { ipAddr: "10.0.0.53", port: 5353 }],
    ["dns://[fd00::53]/backend:1", { ipAddr: "fd00::53", port: 53 }],
  ];
  for (const [target, nameServer] of cases) {
    const { dns } = setup(target, new FakeDns({ "backend A": ["10.0.0.1"] }));
    await settle();
    for (const q of dns.queries) {
      assert.deepEqual(q.options.nameServer, nameServer);
    }
  }
  const { dns } = setup("dns:///backend:1");
  assert.equal(dns.queries[0].options.nameServer, undefined);
  await settle();
});

Deno.test("dns: bad targets throw a TypeError from build() naming the target", () => {
  const cases: [string, RegExp][] = [
    ["dns:///", /missing address/],
    ["dns://8.8.8.8", /missing address/],
    ["dns:///h:", /missing port/],
    ["dns:///h:99999", /bad port/],
    ["dns:///a:b:c", /needs brackets/],
    ["dns:///a,b:1", /names one host.*ipv4:/],
    ["dns:///a b:1", /not a host name/],
    [
      "dns://ns.example/backend",
      /DNS server "ns.example" must be an IP address/,
    ],
  ];
  for (const [target, message] of cases) {
    const dns = new FakeDns();
    assert.throws(
      () => setup(target, dns),
      (e: unknown) =>
        e instanceof TypeError && message.test(e.message) &&
        e.message.includes(`"${target}"`),
      target,
    );
    assert.equal(dns.queries.length, 0);
  }
});

Deno.test("dns: a listener may call resolveNow() from its callbacks: one timer at a time", async () => {
  const built: { resolver?: Resolver } = {};
  const r = recorder(() => built.resolver?.resolveNow());
  const dns = new FakeDns({ "backend A": ["10.0.0.1"] });
  const s = setup("backend:1", dns, {}, {}, r);
  const resolver = built.resolver = s.resolver;
  await settle();
  assert.deepEqual(
    s.clock.delays,
    [30_000],
    "the next lookup waits for the interval",
  );
  s.clock.advance(30_000);
  await settle();
  assert.equal(dns.lookups, 2);
  dns.table = { "backend A": new Error("SERVFAIL") };
  s.clock.advance(30_000);
  await settle();
  assert.equal(r.errors.length, 1);
  assert.deepEqual(s.clock.delays, [1_000], "only the retry");
  resolver.close();
});

Deno.test("dns: service config comes from _grpc_config.<host> TXT only when asked", async () => {
  const table = {
    "backend A": ["10.0.0.1"],
    "_grpc_config.backend TXT": [
      "v=spf1 -all",
      'grpc_config=[{"serviceConfig":{"loadBalancingConfig":[{"round_robin":{}}]}}]',
    ],
  };
  const off = setup("backend:1", new FakeDns(table));
  await settle();
  assert.deepEqual(off.r.updates, [{ endpoints: [tcp("10.0.0.1", 1)] }]);
  assert.ok(off.dns.queries.every((q) => q.type !== "TXT"));

  const on = setup("backend:1", new FakeDns(table), {
    serviceConfigLookup: true,
  });
  await settle();
  assert.deepEqual(on.r.updates, [{
    endpoints: [tcp("10.0.0.1", 1)],
    serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
  }]);
});

Deno.test("dns: no TXT record, or a failed TXT lookup, is no service config", async () => {
  for (
    const txt of [undefined, new Error("SERVFAIL"), ["unrelated"]]
  ) {
    const table: Record<string, string[] | Error> = {
      "backend A": ["10.0.0.1"],
    };
    if (txt !== undefined) table["_grpc_config.backend TXT"] = txt;
    const { r } = setup("backend:1", new FakeDns(table), {
      serviceConfigLookup: true,
    });
    await settle();
    assert.deepEqual(r.events, [{
      update: { endpoints: [tcp("10.0.0.1", 1)] },
    }]);
  }
});

Deno.test("dns: a malformed TXT service config is reported as serviceConfigError beside the endpoints", async () => {
  const { r } = setup(
    "backend:1",
    new FakeDns({
      "backend A": ["10.0.0.1"],
      "_grpc_config.backend TXT": ["grpc_config={not json"],
    }),
    { serviceConfigLookup: true },
  );
  await settle();
  assert.equal(r.updates.length, 1);
  const [state] = r.updates;
  assert.deepEqual(state.endpoints, [tcp("10.0.0.1", 1)]);
  assert.equal(state.serviceConfig, undefined);
  assert.equal(state.serviceConfigError?.code, Code.UNAVAILABLE);
  assert.match(
    state.serviceConfigError?.rawMessage ?? "",
    /not JSON.*_grpc_config\.backend/,
  );
});

Deno.test("dns: TXT choices see the injected hostname", async () => {
  const { r } = setup(
    "backend:1",
    new FakeDns({
      "backend A": ["10.0.0.1"],
      "_grpc_config.backend TXT": [
        'grpc_config=[{"clientHostname":["other"],"serviceConfig":{"a":1}},{"clientHostname":["me"],"serviceConfig":{"b":2}}]',
      ],
    }),
    { serviceConfigLookup: true },
    { hostname: () => "me" },
  );
  await settle();
  assert.deepEqual(r.updates[0].serviceConfig, { b: 2 });
});
