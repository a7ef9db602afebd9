import assert from "node:assert/strict";
import { parseTarget, splitHostPort } from "../../lib/channel/target.ts";

Deno.test("parseTarget treats a target without a known scheme as a DNS name", () => {
  assert.deepEqual(parseTarget("localhost:50051"), {
    scheme: "dns",
    authority: "",
    endpoint: "localhost:50051",
  });
  assert.deepEqual(parseTarget("foo:bar:1"), {
    scheme: "dns",
    authority: "",
    endpoint: "foo:bar:1",
  });
});

Deno.test("parseTarget reads dns with and without an authority", () => {
  assert.deepEqual(parseTarget("dns:example.com:443"), {
    scheme: "dns",
    authority: "",
    endpoint: "example.com:443",
  });
  assert.deepEqual(parseTarget("dns:///example.com"), {
    scheme: "dns",
    authority: "",
    endpoint: "example.com",
  });
  assert.deepEqual(parseTarget("dns://8.8.8.8/example.com:80"), {
    scheme: "dns",
    authority: "8.8.8.8",
    endpoint: "example.com:80",
  });
});

Deno.test("parseTarget reads unix paths, relative and absolute", () => {
  assert.deepEqual(parseTarget("unix:/tmp/s.sock"), {
    scheme: "unix",
    authority: "",
    endpoint: "/tmp/s.sock",
  });
  assert.deepEqual(parseTarget("unix:///tmp/s.sock"), {
    scheme: "unix",
    authority: "",
    endpoint: "/tmp/s.sock",
  });
  assert.deepEqual(parseTarget("unix:rel.sock"), {
    scheme: "unix",
    authority: "",
    endpoint: "rel.sock",
  });
});

Deno.test("parseTarget reads ipv4 and ipv6 lists", () => {
  assert.deepEqual(parseTarget("ipv4:10.0.0.1:1,10.0.0.2:2"), {
    scheme: "ipv4",
    authority: "",
    endpoint: "10.0.0.1:1,10.0.0.2:2",
  });
  assert.deepEqual(parseTarget("ipv6:[::1]:5"), {
    scheme: "ipv6",
    authority: "",
    endpoint: "[::1]:5",
  });
});

Deno.test("splitHostPort handles IPv6 brackets and default ports", () => {
  assert.deepEqual(splitHostPort("[::1]:80", 443), {
    hostname: "::1",
    port: 80,
  });
  assert.deepEqual(splitHostPort("[::1]", 443), { hostname: "::1", port: 443 });
  assert.deepEqual(splitHostPort("h", 443), { hostname: "h", port: 443 });
  assert.deepEqual(splitHostPort("h:8", 443), { hostname: "h", port: 8 });
});

Deno.test("splitHostPort rejects a bad port or an empty host", () => {
  assert.throws(() => splitHostPort("h:99999", 1), TypeError);
  assert.throws(() => splitHostPort(":80", 1), TypeError);
  assert.throws(() => splitHostPort("[::1", 1), TypeError);
});
