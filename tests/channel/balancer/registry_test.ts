import assert from "node:assert/strict";
import type { BalancerBuilder } from "../../../lib/channel/balancer/balancer.ts";
import { pickFirstBuilder } from "../../../lib/channel/balancer/pick_first.ts";
import {
  BalancerRegistry,
  chooseBalancer,
  defaultBalancerRegistry,
} from "../../../lib/channel/balancer/registry.ts";
import { roundRobinBuilder } from "../../../lib/channel/balancer/round_robin.ts";
import { GrpcError } from "../../../lib/grpc/grpc_error.ts";
import { Code } from "../../../lib/grpc/status.ts";

const noop: BalancerBuilder = {
  name: "noop",
  build: () => ({
    updateState() {},
    resolverError() {},
    exitIdle() {},
    close() {},
  }),
};

Deno.test("the default registry holds pick_first and round_robin", () => {
  assert.equal(defaultBalancerRegistry.get("pick_first"), pickFirstBuilder);
  assert.equal(defaultBalancerRegistry.get("round_robin"), roundRobinBuilder);
});

Deno.test("BalancerRegistry instances are independent; the last registration of a name wins", () => {
  const registry = new BalancerRegistry([pickFirstBuilder]);
  registry.register(noop);
  assert.equal(registry.get("noop"), noop);
  assert.equal(defaultBalancerRegistry.get("noop"), undefined);
  const other: BalancerBuilder = { ...noop };
  registry.register(other);
  assert.equal(registry.get("noop"), other);
  assert.deepEqual(registry.names, ["pick_first", "noop"]);
  assert.throws(() => registry.register({ ...noop, name: "" }), TypeError);
});

Deno.test("chooseBalancer: pick_first when no policy is configured", () => {
  for (const entries of [undefined, []]) {
    const choice = chooseBalancer(entries);
    assert.equal(choice.builder, pickFirstBuilder);
    assert.deepEqual(choice.config, {});
  }
});

Deno.test("chooseBalancer takes the first registered entry, with its config", () => {
  const registry = new BalancerRegistry([pickFirstBuilder, noop]);
  const choice = chooseBalancer([
    { name: "xds_wrr_locality", config: { childPolicy: [] } },
    { name: "noop", config: { weight: 3 } },
    { name: "pick_first", config: {} },
  ], registry);
  assert.equal(choice.builder, noop);
  assert.deepEqual(choice.config, { weight: 3 });
  const pf = chooseBalancer([
    { name: "pick_first", config: { shuffleAddressList: true } },
  ]);
  assert.equal(pf.config.shuffleAddressList, true);
});

Deno.test("chooseBalancer rejects a list with no registered policy, naming what it saw", () => {
  assert.throws(
    () =>
      chooseBalancer([
        { name: "grpclb", config: {} },
        { name: "weighted_magic", config: {} },
      ]),
    (error: unknown) => {
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Code.INVALID_ARGUMENT);
      assert.equal(
        error.rawMessage,
        "service config: loadBalancingConfig: no registered policy among grpclb, weighted_magic (registered: pick_first, round_robin)",
      );
      return true;
    },
  );
});

Deno.test("chooseBalancer rejects a config its policy rejects", () => {
  assert.throws(
    () =>
      chooseBalancer([
        { name: "grpclb", config: {} },
        { name: "pick_first", config: { shuffleAddressList: 1 } },
      ]),
    /service config: loadBalancingConfig\[1\]\.pick_first: shuffleAddressList must be a boolean/,
  );
});
