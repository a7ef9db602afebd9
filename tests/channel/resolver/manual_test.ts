import assert from "node:assert/strict";
import { ManualResolver } from "../../../lib/channel/resolver/manual.ts";
import type { ResolverState } from "../../../lib/channel/resolver/resolver.ts";
import { GrpcError } from "../../../lib/grpc/grpc_error.ts";
import { Code } from "../../../lib/grpc/status.ts";
import { parseTarget } from "../../../lib/channel/target.ts";
import { options, recorder, settle } from "./_record.ts";

const target = parseTarget("test:///x", (s) => s === "test");
const one = (port: number): ResolverState => ({
  endpoints: [{ addresses: [{ kind: "tcp", hostname: "127.0.0.1", port }] }],
});

Deno.test("ManualResolver: a state set before build() reaches the resolver after build() returns", async () => {
  const manual = new ManualResolver("test");
  manual.update(one(1));
  const r = recorder();
  manual.build(target, r.listener, options());
  assert.equal(r.events.length, 0, "nothing during build()");
  await settle();
  assert.deepEqual(r.updates, [one(1)]);
});

Deno.test("ManualResolver: the initial state of the constructor counts as set before build()", async () => {
  const manual = new ManualResolver("test", one(9));
  const r = recorder();
  manual.build(target, r.listener, options());
  await settle();
  assert.deepEqual(r.updates, [one(9)]);
});

Deno.test("ManualResolver: updates after build() reach every open resolver, in order", async () => {
  const manual = new ManualResolver("test");
  const a = recorder();
  const b = recorder();
  manual.build(target, a.listener, options());
  manual.build(target, b.listener, options());
  await settle();
  assert.equal(a.events.length, 0, "no state yet: nothing to report");
  manual.update(one(1));
  manual.update(one(2));
  assert.deepEqual(a.updates, [one(1), one(2)]);
  assert.deepEqual(b.updates, [one(1), one(2)]);
  assert.equal(manual.buildCount, 2);
  assert.equal(manual.openCount, 2);
});

Deno.test("ManualResolver: an update between build() and its replay is reported once", async () => {
  const manual = new ManualResolver("test");
  manual.update(one(1));
  const r = recorder();
  manual.build(target, r.listener, options());
  manual.update(one(2));
  await settle();
  assert.deepEqual(r.updates, [one(2)]);
});

Deno.test("ManualResolver: errors reach open resolvers; a new one gets the last state, then the error", async () => {
  const manual = new ManualResolver("test");
  const error = new GrpcError(Code.UNAVAILABLE, "registry down");
  const early = recorder();
  manual.build(target, early.listener, options());
  await settle();
  manual.update(one(1));
  manual.reportError(error);
  assert.deepEqual(early.events, [{ update: one(1) }, { error }]);
  const late = recorder();
  manual.build(target, late.listener, options());
  await settle();
  assert.deepEqual(late.events, [{ update: one(1) }, { error }]);
  manual.update(one(2)); // clears the remembered error
  const later = recorder();
  manual.build(target, later.listener, options());
  await settle();
  assert.deepEqual(later.events, [{ update: one(2) }]);
});

Deno.test("ManualResolver: a closed resolver gets nothing more", async () => {
  const manual = new ManualResolver("test", one(1));
  const r = recorder();
  const resolver = manual.build(target, r.listener, options());
  resolver.close();
  await settle();
  manual.update(one(2));
  manual.reportError(new GrpcError(Code.UNAVAILABLE, "x"));
  assert.equal(r.events.length, 0);
  assert.equal(manual.openCount, 0);
});

Deno.test("ManualResolver: counts resolveNow() calls and calls onResolveNow with the target", async () => {
  const manual = new ManualResolver("test");
  const seen: string[] = [];
  manual.onResolveNow = (t) => seen.push(t.original);
  const resolver = manual.build(target, recorder().listener, options());
  resolver.resolveNow();
  resolver.resolveNow();
  assert.equal(manual.resolveNowCount, 2);
  assert.deepEqual(seen, ["test:///x", "test:///x"]);
  assert.equal(manual.lastTarget, target);
  resolver.close();
  await settle();
});

Deno.test("ManualResolver: rejects a scheme that is not a lowercase URI scheme", () => {
  for (const bad of ["", "Test", "1x", "a b", "a:"]) {
    assert.throws(() => new ManualResolver(bad), TypeError, bad);
  }
  assert.equal(new ManualResolver().scheme, "manual");
});
