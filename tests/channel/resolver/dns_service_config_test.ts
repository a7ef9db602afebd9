import assert from "node:assert/strict";
import {
  type ChoiceContext,
  selectServiceConfig,
} from "../../../lib/channel/resolver/dns_service_config.ts";

const context = (random = 0.5, hostname?: string): ChoiceContext => ({
  random: () => random,
  hostname: () => hostname,
});

const txt = (choices: unknown) => `grpc_config=${JSON.stringify(choices)}`;

Deno.test("selectServiceConfig() takes the first choice that applies", () => {
  const records = [txt([
    { clientLanguage: ["go", "java"], serviceConfig: { a: 1 } },
    { clientLanguage: ["C++", "Deno"], serviceConfig: { b: 2 } },
    { serviceConfig: { c: 3 } },
  ])];
  assert.deepEqual(selectServiceConfig(records, context()), {
    serviceConfig: { b: 2 },
  });
});

Deno.test("selectServiceConfig() without a grpc_config= record, or with no choice that applies, finds nothing", () => {
  assert.deepEqual(selectServiceConfig([], context()), {});
  assert.deepEqual(selectServiceConfig(["v=spf1 -all"], context()), {});
  assert.deepEqual(
    selectServiceConfig(
      [txt([{ clientLanguage: ["go"], serviceConfig: {} }])],
      context(),
    ),
    {},
  );
  assert.deepEqual(selectServiceConfig([txt([])], context()), {});
});

Deno.test("selectServiceConfig() applies a percentage to that share of clients (random in [0, 1))", () => {
  const records = [txt([{ percentage: 30, serviceConfig: { canary: true } }, {
    serviceConfig: { canary: false },
  }])];
  const canary = (random: number) =>
    (selectServiceConfig(records, context(random)) as {
      serviceConfig: { canary: boolean };
    })
      .serviceConfig.canary;
  assert.equal(canary(0), true);
  assert.equal(canary(0.2999), true);
  assert.equal(canary(0.3), false);
  assert.equal(canary(0.99), false);
  const never = [txt([{ percentage: 0, serviceConfig: {} }])];
  assert.deepEqual(selectServiceConfig(never, context(0)), {});
  const always = [txt([{ percentage: 100, serviceConfig: {} }])];
  assert.deepEqual(selectServiceConfig(always, context(0.9999)), {
    serviceConfig: {},
  });
});

Deno.test("selectServiceConfig() matches clientHostname (grpc-go's clientHostName too)", () => {
  for (const key of ["clientHostname", "clientHostName"]) {
    const records = [txt([{ [key]: ["a", "b"], serviceConfig: { x: 1 } }])];
    assert.deepEqual(selectServiceConfig(records, context(0.5, "b")), {
      serviceConfig: { x: 1 },
    });
    assert.deepEqual(selectServiceConfig(records, context(0.5, "c")), {});
    assert.deepEqual(
      selectServiceConfig(records, context(0.5)),
      {},
      "unknown host",
    );
  }
});

Deno.test("selectServiceConfig() rejects the whole record on malformed JSON or a badly typed choice", () => {
  const cases: [string, RegExp][] = [
    ["grpc_config={", /not JSON/],
    [txt({ serviceConfig: {} }), /JSON array of choices/],
    [txt([1]), /choice 0: not an object/],
    [
      txt([{ serviceConfig: {} }, {
        clientLanguage: "deno",
        serviceConfig: {},
      }]),
      /choice 1: clientLanguage/,
    ],
    [txt([{ clientHostname: [1], serviceConfig: {} }]), /clientHostname/],
    [txt([{ percentage: 101, serviceConfig: {} }]), /percentage/],
    [txt([{ percentage: 1.5, serviceConfig: {} }]), /percentage/],
    [
      txt([{ clientLanguage: ["deno"] }]),
      /serviceConfig \(an object\) is required/,
    ],
    [txt([{ serviceConfig: [] }]), /serviceConfig/],
  ];
  for (const [record, message] of cases) {
    const result = selectServiceConfig([record], context());
    assert.ok("error" in result, record);
    assert.match((result as { error: string }).error, message, record);
  }
});

Deno.test("selectServiceConfig() ignores unknown fields of a choice", () => {
  assert.deepEqual(
    selectServiceConfig(
      [txt([{ future: 1, serviceConfig: { a: 1 } }])],
      context(),
    ),
    { serviceConfig: { a: 1 } },
  );
});
