import assert from "node:assert/strict";
import {
  defaultAuthority,
  formatAddress,
  isIPv4,
  isIPv6,
  parseTarget,
  splitHostPort,
  type Target,
} from "../../lib/channel/target.ts";

function parts(target: Target): Omit<Target, "original"> {
  const { original: _, ...rest } = target;
  return rest;
}

Deno.test("parseTarget() makes a target without a scheme a DNS name", () => {
  for (
    const t of [
      "localhost:50051",
      "127.0.0.1:50051",
      "[::1]:50051",
      "example.com",
    ]
  ) {
    assert.deepEqual(parseTarget(t), {
      scheme: "dns",
      authority: "",
      path: t,
      endpoint: t,
      original: t,
    });
  }
});

Deno.test("parseTarget() makes a target with an unknown scheme a DNS name as a whole (grpc-go)", () => {
  assert.deepEqual(parts(parseTarget("foo:bar:1")), {
    scheme: "dns",
    authority: "",
    path: "foo:bar:1",
    endpoint: "foo:bar:1",
  });
  assert.equal(parseTarget("consul:///svc").endpoint, "consul:///svc");
});

Deno.test("parseTarget() reads dns: in its three forms", () => {
  assert.deepEqual(parts(parseTarget("dns:example.com:443")), {
    scheme: "dns",
    authority: "",
    path: "example.com:443",
    endpoint: "example.com:443",
  });
  assert.deepEqual(parts(parseTarget("dns:///example.com")), {
    scheme: "dns",
    authority: "",
    path: "/example.com",
    endpoint: "example.com",
  });
  assert.deepEqual(parts(parseTarget("dns://8.8.8.8:53/example.com:80")), {
    scheme: "dns",
    authority: "8.8.8.8:53",
    path: "/example.com:80",
    endpoint: "example.com:80",
  });
  assert.deepEqual(parts(parseTarget("dns://8.8.8.8")), {
    scheme: "dns",
    authority: "8.8.8.8",
    path: "",
    endpoint: "",
  });
});

Deno.test("parseTarget() lowercases the scheme", () => {
  assert.equal(parseTarget("DNS:///example.com").scheme, "dns");
  assert.equal(parseTarget("Unix:/tmp/s").scheme, "unix");
});

Deno.test("parseTarget() keeps unix paths as written: relative, /abs and ///abs", () => {
  assert.deepEqual(parts(parseTarget("unix:rel.sock")), {
    scheme: "unix",
    authority: "",
    path: "rel.sock",
    endpoint: "rel.sock",
  });
  assert.equal(parseTarget("unix:/tmp/s.sock").path, "/tmp/s.sock");
  assert.deepEqual(parts(parseTarget("unix:///tmp/s.sock")), {
    scheme: "unix",
    authority: "",
    path: "/tmp/s.sock",
    endpoint: "tmp/s.sock",
  });
  assert.equal(parseTarget("unix://host/tmp/s.sock").authority, "host");
  assert.equal(parseTarget("unix-abstract:name").path, "name");
});

Deno.test("parseTarget() reads ipv4, ipv6 and passthrough", () => {
  assert.deepEqual(parts(parseTarget("ipv4:10.0.0.1:1,10.0.0.2:2")), {
    scheme: "ipv4",
    authority: "",
    path: "10.0.0.1:1,10.0.0.2:2",
    endpoint: "10.0.0.1:1,10.0.0.2:2",
  });
  assert.equal(parseTarget("ipv6:[::1]:5,[::2]:6").endpoint, "[::1]:5,[::2]:6");
  assert.deepEqual(parts(parseTarget("passthrough:///10.0.0.1:50051")), {
    scheme: "passthrough",
    authority: "",
    path: "/10.0.0.1:50051",
    endpoint: "10.0.0.1:50051",
  });
});

Deno.test("parseTarget() asks isKnown which schemes exist", () => {
  const known = (s: string) => s === "consul";
  assert.deepEqual(parts(parseTarget("consul://agent/svc", known)), {
    scheme: "consul",
    authority: "agent",
    path: "/svc",
    endpoint: "svc",
  });
  assert.equal(parseTarget("unix:/tmp/s", known).scheme, "dns");
  assert.equal(parseTarget("x", known).original, "x");
});

Deno.test("splitHostPort() reads names, IPv4, bracketed and bare IPv6", () => {
  assert.deepEqual(splitHostPort("h:8", 443), { hostname: "h", port: 8 });
  assert.deepEqual(splitHostPort("h", 443), { hostname: "h", port: 443 });
  assert.deepEqual(splitHostPort("10.0.0.1:65535", 443), {
    hostname: "10.0.0.1",
    port: 65535,
  });
  assert.deepEqual(splitHostPort("[::1]:80", 443), {
    hostname: "::1",
    port: 80,
  });
  assert.deepEqual(splitHostPort("[::1]", 443), { hostname: "::1", port: 443 });
  assert.deepEqual(splitHostPort("fd00::1:2", 443), {
    hostname: "fd00::1:2",
    port: 443,
  });
});

Deno.test("splitHostPort() makes an empty host localhost, as net.Dial", () => {
  assert.deepEqual(splitHostPort(":50051", 443), {
    hostname: "localhost",
    port: 50051,
  });
});

Deno.test("splitHostPort() rejects malformed addresses with a TypeError", () => {
  for (
    const bad of [
      "",
      "h:",
      "h:0",
      "h:65536",
      "h:8a",
      "h: 80",
      "h:0x50",
      "[::1",
      "[::1]:",
      "[::1]x",
      "[example.com]:80",
      "a:b:c",
      "::1:80x",
    ]
  ) {
    assert.throws(() => splitHostPort(bad, 443), TypeError, bad);
  }
  assert.throws(
    () => splitHostPort("fd00::1:443x", 443),
    /needs brackets/,
  );
});

Deno.test("isIPv4() and isIPv6() accept literals only", () => {
  assert.ok(isIPv4("0.0.0.0") && isIPv4("255.255.255.255"));
  for (
    const no of [
      "256.0.0.1",
      "1.2.3",
      "01.2.3.4",
      "1.2.3.4.5",
      "a.b.c.d",
      "::1",
    ]
  ) {
    assert.ok(!isIPv4(no), no);
  }
  for (
    const yes of ["::", "::1", "fd00::1", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1"]
  ) {
    assert.ok(isIPv6(yes), yes);
  }
  for (
    const no of [
      "1:2",
      "[::1]",
      "::1%eth0",
      ":::",
      "1::2::3",
      "10.0.0.1",
      "g::1",
      "::1]/x[::1",
    ]
  ) {
    assert.ok(!isIPv6(no), no);
  }
});

Deno.test("defaultAuthority() is the endpoint as written, localhost for unix, the first of a list", () => {
  const cases: [string, string][] = [
    ["example.com:50051", "example.com:50051"],
    ["example.com", "example.com"],
    ["dns:///example.com:8443", "example.com:8443"],
    ["dns://8.8.8.8/example.com", "example.com"],
    [":50051", "localhost:50051"],
    ["dns:///[::1]:50051", "[::1]:50051"],
    ["dns:///::1", "[::1]"],
    ["unix:/tmp/s.sock", "localhost"],
    ["unix:///tmp/s.sock", "localhost"],
    ["unix-abstract:name", "localhost"],
    ["ipv4:10.0.0.1:1,10.0.0.2:2", "10.0.0.1:1"],
    ["ipv6:[::1]:5,[::2]:6", "[::1]:5"],
    ["ipv6:::1,::2", "[::1]"],
    ["passthrough:///backend:50051", "backend:50051"],
  ];
  for (const [target, authority] of cases) {
    assert.equal(defaultAuthority(parseTarget(target)), authority, target);
  }
});

Deno.test("formatAddress() writes tcp, IPv6, unix and abstract addresses", () => {
  assert.equal(formatAddress({ kind: "tcp", hostname: "h", port: 1 }), "h:1");
  assert.equal(
    formatAddress({ kind: "tcp", hostname: "::1", port: 1 }),
    "[::1]:1",
  );
  assert.equal(formatAddress({ kind: "unix", path: "/s" }), "unix:/s");
  assert.equal(formatAddress({ kind: "unix", path: "\0n" }), "unix-abstract:n");
});
