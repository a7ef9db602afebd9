import assert from "node:assert/strict";
import {
  builtinResolvers,
  defaultResolverRegistry,
  registerResolver,
  ResolverRegistry,
} from "../../../lib/channel/resolver/registry.ts";
import { ManualResolver } from "../../../lib/channel/resolver/manual.ts";
import type { ResolverBuilder } from "../../../lib/channel/resolver/resolver.ts";

const BUILTIN = ["dns", "ipv4", "ipv6", "unix", "unix-abstract", "passthrough"];

Deno.test("a new ResolverRegistry holds every built-in scheme; [] makes an empty one", () => {
  assert.deepEqual(new ResolverRegistry().schemes, BUILTIN);
  assert.deepEqual(builtinResolvers().map((b) => b.scheme), BUILTIN);
  assert.deepEqual(new ResolverRegistry([]).schemes, []);
  assert.deepEqual(defaultResolverRegistry.schemes.slice(0, 6), BUILTIN);
});

Deno.test("forTarget() finds the builder of each built-in form and the default authority", () => {
  const registry = new ResolverRegistry();
  const cases: [string, string, string][] = [
    ["localhost:50051", "dns", "localhost:50051"],
    ["dns:///example.com", "dns", "example.com"],
    ["dns://8.8.8.8/example.com:8443", "dns", "example.com:8443"],
    ["ipv4:127.0.0.2:1,127.0.0.1:2", "ipv4", "127.0.0.2:1"],
    ["ipv6:[::1]:1", "ipv6", "[::1]:1"],
    ["unix:/tmp/s", "unix", "localhost"],
    ["unix-abstract:n", "unix-abstract", "localhost"],
    ["passthrough:///h:1", "passthrough", "h:1"],
    ["nope:///x", "dns", "nope:///x"],
  ];
  for (const [target, scheme, authority] of cases) {
    const found = registry.forTarget(target);
    assert.equal(found.builder.scheme, scheme, target);
    assert.equal(found.target.scheme, scheme, target);
    assert.equal(found.authority, authority, target);
  }
});

Deno.test("register() adds a scheme to one registry only; get() ignores case", () => {
  const registry = new ResolverRegistry();
  const manual = new ManualResolver("test");
  assert.equal(registry.register(manual), registry);
  assert.equal(registry.get("test"), manual);
  assert.equal(registry.get("TEST"), manual);
  assert.equal(registry.forTarget("test:///x").builder, manual);
  assert.equal(registry.forTarget("test:///x").target.endpoint, "x");
  assert.equal(
    new ResolverRegistry().forTarget("test:///x").builder.scheme,
    "dns",
  );
  assert.equal(defaultResolverRegistry.get("test"), undefined);
});

Deno.test("register() replaces the builder of the same scheme", () => {
  const registry = new ResolverRegistry();
  const dns = new ManualResolver("dns");
  registry.register(dns);
  assert.equal(registry.forTarget("example.com").builder, dns);
  assert.equal(registry.schemes.filter((s) => s === "dns").length, 1);
});

Deno.test("register() rejects a scheme that is not lowercase URI syntax", () => {
  const registry = new ResolverRegistry([]);
  for (const scheme of ["", "DNS", "a b", "9p"]) {
    const builder: ResolverBuilder = {
      scheme,
      build: () => ({ resolveNow() {}, close() {} }),
    };
    assert.throws(() => registry.register(builder), TypeError, scheme);
  }
});

Deno.test("forTarget() uses a builder's authority() when it has one", () => {
  const builder: ResolverBuilder = {
    scheme: "svc",
    build: () => ({ resolveNow() {}, close() {} }),
    authority: (target) => `${target.endpoint}.internal`,
  };
  const registry = new ResolverRegistry([builder]);
  assert.equal(
    registry.forTarget("svc:///orders").authority,
    "orders.internal",
  );
});

Deno.test("forTarget() on a registry without dns rejects a target that falls back to dns", () => {
  const registry = new ResolverRegistry([new ManualResolver("test")]);
  assert.throws(
    () => registry.forTarget("example.com:443"),
    /no resolver for target "example.com:443" \(registered: test\)/,
  );
  assert.equal(registry.forTarget("test:x").builder.scheme, "test");
});

Deno.test("registerResolver() adds to the default registry", () => {
  const scheme = "registry-test-global";
  const manual = new ManualResolver(scheme);
  registerResolver(manual);
  assert.equal(defaultResolverRegistry.get(scheme), manual);
  assert.equal(
    defaultResolverRegistry.forTarget(`${scheme}:///a`).builder,
    manual,
  );
});
