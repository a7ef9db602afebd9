import assert from "node:assert/strict";
import { StaticResolverBuilder } from "../../../lib/channel/resolver/static.ts";
import { parseTarget } from "../../../lib/channel/target.ts";
import { options, recorder, settle } from "./_record.ts";

Deno.test("ipv4: makes each address its own endpoint, 443 when the port is missing", async () => {
  const r = recorder();
  new StaticResolverBuilder("ipv4").build(
    parseTarget("ipv4:127.0.0.2:1,127.0.0.1:50051,10.0.0.1"),
    r.listener,
    options(),
  );
  assert.equal(r.events.length, 0, "nothing during build()");
  await settle();
  assert.deepEqual(r.updates, [{
    endpoints: [
      { addresses: [{ kind: "tcp", hostname: "127.0.0.2", port: 1 }] },
      { addresses: [{ kind: "tcp", hostname: "127.0.0.1", port: 50051 }] },
      { addresses: [{ kind: "tcp", hostname: "10.0.0.1", port: 443 }] },
    ],
  }]);
});

Deno.test("ipv6: takes bracketed addresses with ports and bare ones without", async () => {
  const r = recorder();
  new StaticResolverBuilder("ipv6").build(
    parseTarget("ipv6:[::1]:5,[fd00::2]:6,::3"),
    r.listener,
    options({ defaultPort: 80 }),
  );
  await settle();
  assert.deepEqual(
    r.updates[0].endpoints.map((e) => e.addresses[0]),
    [
      { kind: "tcp", hostname: "::1", port: 5 },
      { kind: "tcp", hostname: "fd00::2", port: 6 },
      { kind: "tcp", hostname: "::3", port: 80 },
    ],
  );
});

Deno.test("ipv4:/ipv6: report once and ignore resolveNow()", async () => {
  const r = recorder();
  const resolver = new StaticResolverBuilder("ipv4").build(
    parseTarget("ipv4:10.0.0.1:1"),
    r.listener,
    options(),
  );
  await settle();
  resolver.resolveNow();
  await settle();
  assert.equal(r.events.length, 1);
  resolver.close();
});

Deno.test("ipv4: closed before its first report reports nothing", async () => {
  const r = recorder();
  new StaticResolverBuilder("ipv4").build(
    parseTarget("ipv4:10.0.0.1:1"),
    r.listener,
    options(),
  ).close();
  await settle();
  assert.equal(r.events.length, 0);
});

Deno.test("ipv4:/ipv6: reject a bad list with a TypeError naming the target", () => {
  const cases: [string, "ipv4" | "ipv6", RegExp][] = [
    ["ipv4:", "ipv4", /missing address/],
    ["ipv4:example.com:80", "ipv4", /"example.com:80" is not an ipv4 address/],
    ["ipv4:[::1]:80", "ipv4", /not an ipv4 address/],
    ["ipv4:10.0.0.1:99999", "ipv4", /bad port/],
    ["ipv4:10.0.0.1:1,", "ipv4", /missing address/],
    ["ipv4://auth/10.0.0.1", "ipv4", /no authority/],
    ["ipv6:127.0.0.1", "ipv6", /not an ipv6 address/],
    ["ipv6:::1:80x", "ipv6", /needs brackets/],
  ];
  for (const [target, family, message] of cases) {
    assert.throws(
      () =>
        new StaticResolverBuilder(family).build(
          parseTarget(target),
          recorder().listener,
          options(),
        ),
      (e: unknown) =>
        e instanceof TypeError && message.test(e.message) &&
        e.message.includes(`"${target}"`),
      target,
    );
  }
});
