/**
 * Service config (gRPC's service_config.md): the JSON form a user passes to
 * `createChannel(target, { serviceConfig })` or a resolver finds, validated
 * into an immutable {@linkcode ServiceConfig}. An invalid config is rejected
 * as a whole with INVALID_ARGUMENT naming the offending field (gRFC A21).
 *
 * Read here: `loadBalancingConfig` (or the deprecated `loadBalancingPolicy`)
 * and `methodConfig` (`name`, `timeout`, `waitForReady`,
 * `maxRequestMessageBytes`, `maxResponseMessageBytes`). Everything else
 * (`retryThrottling`, `healthCheckConfig`, a method's `retryPolicy` or
 * `hedgingPolicy`, unknown fields) is ignored here and stays reachable
 * through `raw`, for the issues that add them.
 *
 * @module
 */

import { GrpcError } from "../grpc/grpc_error.ts";
import { Code } from "../grpc/status.ts";
import {
  indexMethodConfigs,
  isJsonObject,
  type MethodConfig,
  parseMethodConfig,
  serviceConfigError,
  showJson,
} from "./method_config.ts";

export {
  type MethodConfig,
  methodConfigFor,
  type MethodName,
  parseDurationMs,
} from "./method_config.ts";

/**
 * One `loadBalancingConfig` entry: a policy name and the policy's own config
 * (the JSON `{ "round_robin": {} }` becomes `{ name: "round_robin",
 * config: {} }`). The name need not be a registered policy: the channel
 * uses the first entry it supports.
 *
 * @example
 * ```ts
 * import type { LoadBalancingConfig } from "./service_config.ts";
 * const entry: LoadBalancingConfig = {
 *   name: "pick_first",
 *   config: { shuffleAddressList: true },
 * };
 * console.log(entry.name); // "pick_first"
 * ```
 */
export interface LoadBalancingConfig {
  /** The policy name, e.g. `round_robin`. */
  readonly name: string;
  /** The policy's own config (a frozen JSON object, `{}` when empty). */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * A validated service config: an immutable snapshot (deeply frozen).
 *
 * @example
 * ```ts
 * import { parseServiceConfig, type ServiceConfig } from "./service_config.ts";
 * const config: ServiceConfig = parseServiceConfig(
 *   '{"loadBalancingConfig":[{"round_robin":{}}]}',
 * );
 * console.log(config.loadBalancingConfig[0].name); // "round_robin"
 * console.log(config.methodConfigs.length); // 0
 * ```
 */
export interface ServiceConfig {
  /**
   * Policies in order of preference, unknown names included; empty when the
   * config names none (the channel then uses pick_first). Taken from
   * `loadBalancingConfig`, else from the deprecated `loadBalancingPolicy`.
   */
  readonly loadBalancingConfig: readonly LoadBalancingConfig[];
  /** The `methodConfig` entries in order; look one up with `methodConfigFor`. */
  readonly methodConfigs: readonly MethodConfig[];
  /** The whole JSON object (a frozen copy), unknown fields included. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Parses and validates a service config in its JSON form (service_config.md:
 * proto3 JSON names and values), given as JSON text or as a parsed object.
 * An object is copied, so later changes to it do not reach the config.
 *
 * - `loadBalancingConfig`: a list of objects with exactly one key, the policy
 *   name, whose value is the policy's config object. Kept in order; unknown
 *   policies are not an error here (the channel picks the first it has).
 * - `loadBalancingPolicy` (deprecated): a policy name, used only when
 *   `loadBalancingConfig` is absent or empty; lower-cased, so the proto enum
 *   form `"ROUND_ROBIN"` means `round_robin`.
 * - `methodConfig`: see {@linkcode MethodConfig}; a name may appear once in
 *   the whole config; a method needs a service.
 * - `null` means absent, as in proto3 JSON; unknown fields are ignored.
 *
 * @example Parse the JSON text
 * ```ts
 * import { methodConfigFor, parseServiceConfig } from "./service_config.ts";
 * const config = parseServiceConfig(`{
 *   "loadBalancingConfig": [{ "round_robin": {} }],
 *   "methodConfig": [{
 *     "name": [{ "service": "helloworld.Greeter" }],
 *     "timeout": "1.5s",
 *     "waitForReady": true
 *   }]
 * }`);
 * const mc = methodConfigFor(config, "/helloworld.Greeter/SayHello");
 * console.log(mc?.timeoutMs, mc?.waitForReady); // 1500 true
 * ```
 *
 * @example An invalid config is rejected as a whole
 * ```ts
 * import { parseServiceConfig } from "./service_config.ts";
 * try {
 *   parseServiceConfig({ methodConfig: [{ name: [{}], timeout: "1.5" }] });
 * } catch (err) {
 *   // [INVALID_ARGUMENT] service config: methodConfig[0].timeout:
 *   // "1.5" is not a duration like "1.5s"
 *   console.log((err as Error).message);
 * }
 * ```
 *
 * @param input JSON text, or the parsed JSON object
 * @returns the validated config
 * @throws {GrpcError} INVALID_ARGUMENT naming the offending field
 */
export function parseServiceConfig(
  input: string | Record<string, unknown>,
): ServiceConfig {
  const json = readJson(input);
  if (!isJsonObject(json)) {
    throw new GrpcError(
      Code.INVALID_ARGUMENT,
      `service config: ${showJson(json)} is not a JSON object`,
    );
  }
  deepFreeze(json);
  let loadBalancingConfig = parseLoadBalancingConfig(json.loadBalancingConfig);
  if (loadBalancingConfig.length === 0) {
    loadBalancingConfig = parseLoadBalancingPolicy(json.loadBalancingPolicy);
  }
  const config: ServiceConfig = Object.freeze({
    loadBalancingConfig: Object.freeze(loadBalancingConfig),
    methodConfigs: Object.freeze(parseMethodConfigs(json.methodConfig)),
    raw: json,
  });
  indexMethodConfigs(config);
  return config;
}

/** A fresh JSON value from text or from an object (copied through JSON). */
function readJson(input: unknown): unknown {
  if (typeof input === "string") {
    try {
      return JSON.parse(input);
    } catch (cause) {
      throw new GrpcError(
        Code.INVALID_ARGUMENT,
        `service config: not valid JSON (${(cause as Error).message})`,
        { cause },
      );
    }
  }
  if (!isJsonObject(input)) return input; // reported by the caller
  // A copy through JSON: the config cannot change under the channel, and
  // what is not JSON (a cycle, a bigint) fails here rather than later.
  try {
    return JSON.parse(JSON.stringify(input));
  } catch (cause) {
    throw new GrpcError(
      Code.INVALID_ARGUMENT,
      `service config: not representable as JSON (${(cause as Error).message})`,
      { cause },
    );
  }
}

/** Freezes a JSON value and everything in it (a loop: no recursion limit). */
function deepFreeze(root: object): void {
  const pending: object[] = [root];
  for (let top = pending.pop(); top !== undefined; top = pending.pop()) {
    Object.freeze(top);
    const values = Object.values(top);
    for (let i = 0; i < values.length; i++) {
      const value: unknown = values[i];
      if (typeof value === "object" && value !== null) pending.push(value);
    }
  }
}

function parseLoadBalancingConfig(value: unknown): LoadBalancingConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw serviceConfigError(
      "loadBalancingConfig",
      `${showJson(value)} is not a list`,
    );
  }
  const entries: LoadBalancingConfig[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    const where = `loadBalancingConfig[${i}]`;
    if (!isJsonObject(entry)) {
      throw serviceConfigError(where, `${showJson(entry)} is not an object`);
    }
    const keys = Object.keys(entry);
    if (keys.length !== 1) {
      throw serviceConfigError(
        where,
        keys.length === 0
          ? 'names no policy; an entry is { "<policy>": { config } }'
          : `names ${keys.length} policies (${
            keys.join(", ")
          }); an entry names one`,
      );
    }
    const name = keys[0];
    const config: unknown = entry[name];
    if (!isJsonObject(config)) {
      throw serviceConfigError(
        `${where}.${name}`,
        `${showJson(config)} is not an object`,
      );
    }
    entries.push(Object.freeze({ name, config }));
  }
  return entries;
}

/** Frozen empty config of a policy named by `loadBalancingPolicy`. */
const NO_POLICY_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({});

function parseLoadBalancingPolicy(value: unknown): LoadBalancingConfig[] {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value !== "string") {
    throw serviceConfigError(
      "loadBalancingPolicy",
      `${showJson(value)} is not a string`,
    );
  }
  return [
    Object.freeze({ name: value.toLowerCase(), config: NO_POLICY_CONFIG }),
  ];
}

function parseMethodConfigs(value: unknown): MethodConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw serviceConfigError(
      "methodConfig",
      `${showJson(value)} is not a list`,
    );
  }
  const configs: MethodConfig[] = [];
  for (let i = 0; i < value.length; i++) {
    configs.push(parseMethodConfig(value[i], `methodConfig[${i}]`));
  }
  return configs;
}
