/**
 * Service config (service_config.md). STUB: replaced by the full parser.
 *
 * @module
 */

import { GrpcError } from "../grpc/grpc_error.ts";
import { Code } from "../grpc/status.ts";

/** One `loadBalancingConfig` entry. */
export interface LoadBalancingConfig {
  /** The policy name. */
  readonly name: string;
  /** The policy's own config. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Per-method settings. */
export interface MethodConfig {
  /** Default timeout of calls, ms. */
  readonly timeoutMs?: number;
  /** Default waitForReady of calls. */
  readonly waitForReady?: boolean;
  /** Largest request message, bytes. */
  readonly maxRequestMessageBytes?: number;
  /** Largest response message, bytes. */
  readonly maxResponseMessageBytes?: number;
  /** The JSON object as given. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A validated service config. */
export interface ServiceConfig {
  /** Policies in order of preference. */
  readonly loadBalancingConfig: readonly LoadBalancingConfig[];
  /** Method configs. */
  readonly methodConfigs: readonly MethodConfig[];
}

/**
 * Parses and validates a service config.
 *
 * @example
 * ```ts
 * import { parseServiceConfig } from "./service_config.ts";
 * parseServiceConfig('{"loadBalancingConfig":[{"round_robin":{}}]}');
 * ```
 *
 * @param input JSON text or object
 * @returns the config
 */
export function parseServiceConfig(
  input: string | Record<string, unknown>,
): ServiceConfig {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (cause) {
      throw new GrpcError(Code.INVALID_ARGUMENT, "service config: bad JSON", {
        cause,
      });
    }
  }
  const obj = json as Record<string, unknown>;
  const lbc = Array.isArray(obj.loadBalancingConfig)
    ? obj.loadBalancingConfig.map((e: Record<string, unknown>) => {
      const [name, config] = Object.entries(e)[0];
      return { name, config: config as Record<string, unknown> };
    })
    : [];
  return { loadBalancingConfig: lbc, methodConfigs: [] };
}

/**
 * The method config for `path`.
 *
 * @example
 * ```ts
 * import { methodConfigFor, parseServiceConfig } from "./service_config.ts";
 * methodConfigFor(parseServiceConfig("{}"), "/a.B/C");
 * ```
 *
 * @param config the service config
 * @param path `/pkg.Service/Method`
 * @returns the method config, if any
 */
export function methodConfigFor(
  config: ServiceConfig,
  path: string,
): MethodConfig | undefined {
  void config;
  void path;
  return undefined;
}
