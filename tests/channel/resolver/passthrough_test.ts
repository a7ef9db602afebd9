import assert from "node:assert/strict";
import { PassthroughResolverBuilder } from "../../../lib/channel/resolver/passthrough.ts";
import { parseTarget } from "../../../lib/channel/target.ts";
import { options, recorder, settle } from "./_record.ts";

Deno.test("passthrough: hands the address to the connect as written", async () => {
  const cases: [string, { hostname: string; port: number }][] = [
    ["passthrough:///backend.internal:50051", {
      hostname: "backend.internal",
      port: 50051,
    }],
    ["passthrough:backend", { hostname: "backend", port: 443 }],
    ["passthrough:///[::1]:7", { hostname: "::1", port: 7 }],
    ["passthrough://ignored/10.0.0.1:8", { hostname: "10.0.0.1", port: 8 }],
  ];
  for (const [target, address] of cases) {
    const r = recorder();
    new PassthroughResolverBuilder().build(
      parseTarget(target),
      r.listener,
      options(),
    );
    await settle();
    assert.deepEqual(r.updates, [{
      endpoints: [{ addresses: [{ kind: "tcp", ...address }] }],
    }], target);
  }
});

Deno.test("passthrough: rejects a missing or malformed address", () => {
  for (
    const target of [
      "passthrough:///",
      "passthrough:///h:0",
      "passthrough:a:b:c",
    ]
  ) {
    assert.throws(
      () =>
        new PassthroughResolverBuilder().build(
          parseTarget(target),
          recorder().listener,
          options(),
        ),
      TypeError,
      target,
    );
  }
});
