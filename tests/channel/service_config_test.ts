import assert from "node:assert/strict";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Code } from "../../lib/grpc/status.ts";
import {
  type MethodConfig,
  methodConfigFor,
  parseDurationMs,
  parseServiceConfig,
  type ServiceConfig,
} from "../../lib/channel/service_config.ts";

/** Asserts that `input` is rejected with INVALID_ARGUMENT and `message`. */
function rejects(
  input: string | Record<string, unknown>,
  message: string | RegExp,
): void {
  assert.throws(() => parseServiceConfig(input), (err: unknown) => {
    assert.ok(err instanceof GrpcError, `not a GrpcError: ${err}`);
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    if (typeof message === "string") assert.equal(err.rawMessage, message);
    else assert.match(err.rawMessage, message);
    return true;
  });
}

/** A method config with just `{ name: [{ service: "s" }], [field]: value }`. */
function withField(field: string, value: unknown): Record<string, unknown> {
  return { methodConfig: [{ name: [{ service: "s" }], [field]: value }] };
}

Deno.test("parseServiceConfig() reads the example of service_config.md", () => {
  const config = parseServiceConfig(`{
    "loadBalancingConfig": [ { "round_robin": {} } ],
    "methodConfig": [
      {
        "name": [
          { "service": "foo", "method": "bar" },
          { "service": "baz" }
        ],
        "timeout": "1.000000001s"
      }
    ]
  }`);
  assert.deepEqual(config.loadBalancingConfig, [{
    name: "round_robin",
    config: {},
  }]);
  assert.equal(config.methodConfigs.length, 1);
  const mc = config.methodConfigs[0];
  assert.deepEqual(mc.names, [
    { service: "foo", method: "bar" },
    { service: "baz", method: "" },
  ]);
  assert.equal(mc.timeoutMs, 1000.000001);
  assert.equal(mc.waitForReady, undefined);
  assert.equal(mc.maxRequestMessageBytes, undefined);
  assert.equal(methodConfigFor(config, "/foo/bar"), mc);
  assert.equal(methodConfigFor(config, "/baz/anything"), mc);
  assert.equal(methodConfigFor(config, "/foo/other"), undefined);
});

Deno.test("parseServiceConfig() reads every method field", () => {
  const config = parseServiceConfig({
    methodConfig: [{
      name: [{ service: "helloworld.Greeter", method: "SayHello" }],
      timeout: "0.25s",
      waitForReady: true,
      maxRequestMessageBytes: 1024,
      maxResponseMessageBytes: "4194304",
    }],
  });
  const mc = methodConfigFor(config, "/helloworld.Greeter/SayHello");
  assert.ok(mc !== undefined);
  assert.equal(mc.timeoutMs, 250);
  assert.equal(mc.waitForReady, true);
  assert.equal(mc.maxRequestMessageBytes, 1024);
  assert.equal(mc.maxResponseMessageBytes, 4194304);
});

Deno.test("parseServiceConfig() accepts an empty config, text or object", () => {
  for (const input of ["{}", {}, " { } "]) {
    const config = parseServiceConfig(input);
    assert.deepEqual(config.loadBalancingConfig, []);
    assert.deepEqual(config.methodConfigs, []);
    assert.equal(methodConfigFor(config, "/a.B/C"), undefined);
  }
});

Deno.test("parseServiceConfig() reads durations of proto3 JSON", () => {
  const cases: [string, number][] = [
    ["0s", 0],
    ["1s", 1000],
    ["1.5s", 1500],
    ["0.001s", 1],
    ["0.000000001s", 0.000001],
    ["20.100000000s", 20100],
    ["315576000000s", 315576000000000],
  ];
  for (const [text, ms] of cases) {
    const config = parseServiceConfig(withField("timeout", text));
    assert.equal(config.methodConfigs[0].timeoutMs, ms, text);
    assert.equal(parseDurationMs(text, "x"), ms);
  }
});

Deno.test("parseServiceConfig() rejects a timeout that is not a duration", () => {
  rejects(
    {
      methodConfig: [{ name: [{}] }, {
        name: [{ service: "a" }],
        timeout: "1.5",
      }],
    },
    'service config: methodConfig[1].timeout: "1.5" is not a duration like "1.5s"',
  );
  for (
    const bad of [
      "1.5 s",
      "s",
      ".5s",
      "1.s",
      "1.0000000001s",
      "+1s",
      "1ms",
      "1e3s",
      "",
    ]
  ) {
    rejects(
      withField("timeout", bad),
      /methodConfig\[0\]\.timeout: .* is not a duration/,
    );
  }
  rejects(
    withField("timeout", 1.5),
    'service config: methodConfig[0].timeout: 1.5 is not a duration like "1.5s"',
  );
  rejects(
    withField("timeout", { seconds: 1 }),
    /methodConfig\[0\]\.timeout: \{"seconds":1\} is not a duration/,
  );
  rejects(
    withField("timeout", "-1s"),
    'service config: methodConfig[0].timeout: "-1s" is negative',
  );
  rejects(
    withField("timeout", "315576000001s"),
    /methodConfig\[0\]\.timeout: "315576000001s" exceeds the largest duration/,
  );
});

Deno.test("parseServiceConfig() reads the size fields as numbers and as strings", () => {
  for (
    const field of [
      "maxRequestMessageBytes",
      "maxResponseMessageBytes",
    ] as const
  ) {
    const cases: [unknown, number][] = [
      [0, 0],
      [1, 1],
      ["0", 0],
      ["4194304", 4194304],
      [4294967295, 4294967295],
      // Beyond 2^53 - 1: clamped, as grpc-go clamps to its largest int.
      ["18446744073709551615", Number.MAX_SAFE_INTEGER],
    ];
    for (const [value, expected] of cases) {
      const mc = parseServiceConfig(withField(field, value)).methodConfigs[0];
      assert.equal(mc[field], expected, `${field} ${value}`);
    }
    for (
      const bad of [-1, 1.5, "-1", "1.5", "", " 1", "0x10", "1e3", true, [], {}]
    ) {
      rejects(
        withField(field, bad),
        new RegExp(
          `methodConfig\\[0\\]\\.${field}: .* is not a non-negative integer$`,
        ),
      );
    }
  }
});

Deno.test("parseServiceConfig() rejects a waitForReady that is not a boolean", () => {
  for (const bad of [1, "true", {}, []]) {
    rejects(
      withField("waitForReady", bad),
      /^service config: methodConfig\[0\]\.waitForReady: .* is not a boolean$/,
    );
  }
  const config = parseServiceConfig(withField("waitForReady", false));
  assert.equal(config.methodConfigs[0].waitForReady, false);
});

Deno.test("parseServiceConfig() treats null as absent, as proto3 JSON does", () => {
  const config = parseServiceConfig({
    loadBalancingConfig: null,
    loadBalancingPolicy: null,
    methodConfig: [{
      name: [{ service: "s", method: null }],
      timeout: null,
      waitForReady: null,
      maxRequestMessageBytes: null,
      maxResponseMessageBytes: null,
    }],
  });
  assert.deepEqual(config.loadBalancingConfig, []);
  const mc = config.methodConfigs[0];
  assert.deepEqual(mc.names, [{ service: "s", method: "" }]);
  assert.equal(mc.timeoutMs, undefined);
  assert.equal(mc.waitForReady, undefined);
  assert.equal(mc.maxRequestMessageBytes, undefined);
  assert.equal(mc.maxResponseMessageBytes, undefined);
  assert.deepEqual(
    parseServiceConfig({ methodConfig: null }).methodConfigs,
    [],
  );
});

Deno.test("methodConfigFor() prefers service+method, then service, then the default", () => {
  const config = parseServiceConfig({
    methodConfig: [
      { name: [{}], timeout: "10s" },
      { name: [{ service: "a.B" }], timeout: "2s" },
      { name: [{ service: "a.B", method: "C" }], timeout: "1s" },
    ],
  });
  assert.equal(methodConfigFor(config, "/a.B/C")?.timeoutMs, 1000);
  assert.equal(methodConfigFor(config, "/a.B/D")?.timeoutMs, 2000);
  assert.equal(methodConfigFor(config, "/a.Bx/C")?.timeoutMs, 10000);
  assert.equal(methodConfigFor(config, "/x.Y/C")?.timeoutMs, 10000);
  assert.equal(methodConfigFor(config, "not a path")?.timeoutMs, 10000);
  // The order of the entries does not matter, only how specific they are.
  const reversed = parseServiceConfig({
    methodConfig: [
      { name: [{ service: "a.B", method: "C" }], timeout: "1s" },
      { name: [{ service: "a.B" }], timeout: "2s" },
      { name: [{ service: "" }], timeout: "10s" },
    ],
  });
  assert.equal(methodConfigFor(reversed, "/a.B/C")?.timeoutMs, 1000);
  assert.equal(methodConfigFor(reversed, "/a.B/D")?.timeoutMs, 2000);
  assert.equal(methodConfigFor(reversed, "/z.Z/D")?.timeoutMs, 10000);
});

Deno.test("methodConfigFor() finds nothing without a default", () => {
  const config = parseServiceConfig({
    methodConfig: [{ name: [{ service: "a.B", method: "C" }], timeout: "1s" }],
  });
  assert.equal(methodConfigFor(config, "/a.B/D"), undefined);
  assert.equal(methodConfigFor(config, "/a.B/"), undefined);
  assert.equal(methodConfigFor(config, ""), undefined);
});

Deno.test("a method config without names is kept and matches nothing", () => {
  const config = parseServiceConfig({
    methodConfig: [{ timeout: "1s" }, { name: [], timeout: "2s" }],
  });
  assert.equal(config.methodConfigs.length, 2);
  assert.deepEqual(config.methodConfigs[0].names, []);
  assert.equal(methodConfigFor(config, "/a.B/C"), undefined);
});

Deno.test("methodConfigFor() works on a config built by hand (first name wins)", () => {
  const first: MethodConfig = {
    names: [{ service: "a.B", method: "" }],
    timeoutMs: 5,
    raw: {},
  };
  const second: MethodConfig = {
    names: [{ service: "a.B", method: "" }, { service: "", method: "" }],
    timeoutMs: 6,
    raw: {},
  };
  const config: ServiceConfig = {
    loadBalancingConfig: [],
    methodConfigs: [first, second],
    raw: {},
  };
  assert.equal(methodConfigFor(config, "/a.B/C"), first);
  assert.equal(methodConfigFor(config, "/x.Y/Z"), second);
});

Deno.test("parseServiceConfig() rejects the same name twice", () => {
  rejects(
    {
      methodConfig: [
        { name: [{ service: "a" }, { service: "b", method: "m" }] },
        { name: [{ service: "b", method: "m" }] },
      ],
    },
    'service config: methodConfig[1].name[0]: {"service":"b","method":"m"} repeats methodConfig[0].name[1]',
  );
  // Within one entry, and with the spellings of an empty method.
  rejects(
    {
      methodConfig: [{
        name: [{ service: "a" }, { service: "a", method: "" }],
      }],
    },
    /methodConfig\[0\]\.name\[1\]: .* repeats methodConfig\[0\]\.name\[0\]$/,
  );
  rejects(
    {
      methodConfig: [{ name: [{ service: "a", method: null }] }, {
        name: [{ service: "a" }],
      }],
    },
    /methodConfig\[1\]\.name\[0\]: .* repeats methodConfig\[0\]\.name\[0\]$/,
  );
  // Two defaults: `{}` and an empty service are the same name.
  rejects(
    { methodConfig: [{ name: [{}] }, { name: [{ service: "" }] }] },
    /methodConfig\[1\]\.name\[0\]: .* repeats methodConfig\[0\]\.name\[0\]$/,
  );
});

Deno.test("parseServiceConfig() rejects a method without a service", () => {
  rejects(
    { methodConfig: [{ name: [{ method: "m" }] }] },
    'service config: methodConfig[0].name[0]: method "m" is given without a service',
  );
  rejects(
    { methodConfig: [{ name: [{ service: "", method: "m" }] }] },
    /methodConfig\[0\]\.name\[0\]: method "m" is given without a service/,
  );
});

Deno.test("parseServiceConfig() rejects fields of the wrong type", () => {
  rejects(
    { methodConfig: {} },
    "service config: methodConfig: {} is not a list",
  );
  rejects(
    { methodConfig: [1] },
    "service config: methodConfig[0]: 1 is not an object",
  );
  rejects(
    { methodConfig: [{ name: { service: "a" } }] },
    'service config: methodConfig[0].name: {"service":"a"} is not a list',
  );
  rejects(
    { methodConfig: [{ name: ["a.B"] }] },
    'service config: methodConfig[0].name[0]: "a.B" is not an object',
  );
  rejects(
    { methodConfig: [{ name: [{ service: 7 }] }] },
    "service config: methodConfig[0].name[0].service: 7 is not a string",
  );
  rejects(
    { methodConfig: [{ name: [{ service: "a", method: false }] }] },
    "service config: methodConfig[0].name[0].method: false is not a string",
  );
  rejects(
    { loadBalancingConfig: { round_robin: {} } },
    'service config: loadBalancingConfig: {"round_robin":{}} is not a list',
  );
  rejects(
    { loadBalancingConfig: ["round_robin"] },
    'service config: loadBalancingConfig[0]: "round_robin" is not an object',
  );
  rejects(
    { loadBalancingConfig: [{ round_robin: [] }] },
    "service config: loadBalancingConfig[0].round_robin: [] is not an object",
  );
  rejects(
    { loadBalancingConfig: [{ round_robin: null }] },
    "service config: loadBalancingConfig[0].round_robin: null is not an object",
  );
  rejects(
    { loadBalancingPolicy: 1 },
    "service config: loadBalancingPolicy: 1 is not a string",
  );
});

Deno.test("parseServiceConfig() rejects a loadBalancingConfig entry of zero or two policies", () => {
  rejects(
    { loadBalancingConfig: [{ round_robin: {} }, {}] },
    /^service config: loadBalancingConfig\[1\]: names no policy/,
  );
  rejects(
    { loadBalancingConfig: [{ round_robin: {}, pick_first: {} }] },
    /^service config: loadBalancingConfig\[0\]: names 2 policies \(round_robin, pick_first\)/,
  );
});

Deno.test("parseServiceConfig() keeps loadBalancingConfig in order, unknown policies included", () => {
  const config = parseServiceConfig({
    loadBalancingConfig: [
      { weighted_magic: { speed: 11 } },
      { pick_first: { shuffleAddressList: true } },
      { round_robin: {} },
    ],
    loadBalancingPolicy: "round_robin",
  });
  assert.deepEqual(config.loadBalancingConfig, [
    { name: "weighted_magic", config: { speed: 11 } },
    { name: "pick_first", config: { shuffleAddressList: true } },
    { name: "round_robin", config: {} },
  ]);
});

Deno.test("parseServiceConfig() falls back to the deprecated loadBalancingPolicy", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ loadBalancingPolicy: "round_robin" }, "round_robin"],
    [{ loadBalancingPolicy: "ROUND_ROBIN" }, "round_robin"],
    [
      { loadBalancingConfig: [], loadBalancingPolicy: "round_robin" },
      "round_robin",
    ],
    [
      { loadBalancingConfig: null, loadBalancingPolicy: "pick_first" },
      "pick_first",
    ],
  ];
  for (const [input, name] of cases) {
    assert.deepEqual(parseServiceConfig(input).loadBalancingConfig, [
      { name, config: {} },
    ]);
  }
  assert.deepEqual(
    parseServiceConfig({ loadBalancingPolicy: "" }).loadBalancingConfig,
    [],
  );
});

Deno.test("parseServiceConfig() rejects input that is not a JSON object", () => {
  rejects("[]", "service config: [] is not a JSON object");
  rejects("null", "service config: null is not a JSON object");
  rejects('"x"', 'service config: "x" is not a JSON object');
  rejects("42", "service config: 42 is not a JSON object");
  // From JavaScript, where the type does not stop it.
  for (
    const bad of [null, [], 42, "{"] as unknown as Record<string, unknown>[]
  ) {
    assert.throws(() => parseServiceConfig(bad), GrpcError);
  }
});

Deno.test("parseServiceConfig() rejects text that is not JSON", () => {
  for (const bad of ["", "{", "{'a': 1}", '{"methodConfig": [}', "{} x"]) {
    rejects(bad, /^service config: not valid JSON \(.+\)$/);
  }
});

Deno.test("parseServiceConfig() rejects an object that JSON cannot represent", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  rejects(cyclic, /^service config: not representable as JSON/);
  rejects(
    { methodConfig: [{ timeout: 1n }] },
    /^service config: not representable as JSON/,
  );
});

Deno.test("parseServiceConfig() ignores unknown fields and keeps them in raw", () => {
  const retryPolicy = {
    maxAttempts: 4,
    initialBackoff: "0.1s",
    maxBackoff: "1s",
    backoffMultiplier: 2,
    retryableStatusCodes: ["UNAVAILABLE"],
  };
  const config = parseServiceConfig({
    futureField: { x: 1 },
    retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
    methodConfig: [{ name: [{ service: "a.B" }], retryPolicy, unknown: true }],
  });
  assert.deepEqual(config.raw.retryThrottling, {
    maxTokens: 10,
    tokenRatio: 0.1,
  });
  assert.deepEqual(config.raw.futureField, { x: 1 });
  const mc = methodConfigFor(config, "/a.B/C");
  assert.deepEqual(mc?.raw.retryPolicy, retryPolicy);
  assert.equal(mc?.raw.unknown, true);
});

Deno.test("parseServiceConfig() returns a frozen copy the caller cannot change", () => {
  const input = {
    loadBalancingConfig: [{ pick_first: { shuffleAddressList: false } }],
    methodConfig: [{
      name: [{ service: "a.B" }],
      timeout: "1s",
      extra: { n: 1 },
    }],
  };
  const config = parseServiceConfig(input);
  input.methodConfig[0].timeout = "9s";
  input.loadBalancingConfig[0].pick_first.shuffleAddressList = true;
  assert.equal(config.methodConfigs[0].timeoutMs, 1000);
  assert.equal(config.raw.methodConfig !== input.methodConfig, true);
  assert.deepEqual(config.loadBalancingConfig[0].config, {
    shuffleAddressList: false,
  });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.loadBalancingConfig));
  assert.ok(Object.isFrozen(config.loadBalancingConfig[0]));
  assert.ok(Object.isFrozen(config.loadBalancingConfig[0].config));
  assert.ok(Object.isFrozen(config.methodConfigs));
  assert.ok(Object.isFrozen(config.methodConfigs[0]));
  assert.ok(Object.isFrozen(config.methodConfigs[0].names));
  assert.ok(Object.isFrozen(config.methodConfigs[0].raw.extra));
  assert.ok(Object.isFrozen(config.raw));
  // Not Object.isFrozen(input): the caller's object is left alone.
  assert.ok(!Object.isFrozen(input));
});
