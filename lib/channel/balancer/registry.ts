/**
 * Balancer registries: policies by name, and the choice of a policy from a
 * service config's `loadBalancingConfig` (service_config.md, gRFC A24).
 *
 * A registry is an instance. The default one, preloaded with `pick_first`
 * and `round_robin`, is what {@linkcode registerBalancer} extends; a channel
 * may take its own so tests never touch global state.
 *
 * @module
 */

import { GrpcError } from "../../grpc/grpc_error.ts";
import { Code } from "../../grpc/status.ts";
import type { BalancerBuilder } from "./balancer.ts";
import { pickFirstBuilder } from "./pick_first.ts";
import { roundRobinBuilder } from "./round_robin.ts";

/**
 * Balancer builders by policy name.
 *
 * @example A registry of its own for a test
 * ```ts
 * import { BalancerRegistry } from "./registry.ts";
 * import { pickFirstBuilder } from "./pick_first.ts";
 *
 * const registry = new BalancerRegistry([pickFirstBuilder]);
 * console.log(registry.get("pick_first") === pickFirstBuilder); // true
 * console.log(registry.get("round_robin")); // undefined
 * ```
 */
export class BalancerRegistry {
  readonly #builders = new Map<string, BalancerBuilder>();

  /**
   * Makes a registry.
   *
   * @param builders the policies it starts with (default: none)
   */
  constructor(builders: Iterable<BalancerBuilder> = []) {
    for (const builder of builders) this.register(builder);
  }

  /**
   * Adds a policy, replacing any of the same name (as grpc-go: the last
   * registration wins).
   *
   * @param builder the policy's builder
   * @throws {TypeError} when the name is empty
   */
  register(builder: BalancerBuilder): void {
    if (typeof builder.name !== "string" || builder.name === "") {
      throw new TypeError("a balancer builder needs a name");
    }
    this.#builders.set(builder.name, builder);
  }

  /**
   * The builder of a policy.
   *
   * @param name the policy name, as in `loadBalancingConfig`
   * @returns its builder, or undefined when not registered
   */
  get(name: string): BalancerBuilder | undefined {
    return this.#builders.get(name);
  }

  /** The registered policy names. */
  get names(): string[] {
    return [...this.#builders.keys()];
  }
}

/**
 * The registry channels use unless given one: `pick_first` and
 * `round_robin`, plus what {@linkcode registerBalancer} adds.
 *
 * @example
 * ```ts
 * import { defaultBalancerRegistry } from "./registry.ts";
 * console.log(defaultBalancerRegistry.names); // [ "pick_first", "round_robin" ]
 * ```
 */
export const defaultBalancerRegistry: BalancerRegistry = new BalancerRegistry([
  pickFirstBuilder,
  roundRobinBuilder,
]);

/**
 * Registers a policy in the default registry, for every channel created
 * without a registry of its own. Register before creating channels.
 *
 * @example A custom policy
 * ```ts ignore
 * import { registerBalancer } from "./registry.ts";
 * registerBalancer({ name: "my_policy", build: (helper) => new MyBalancer(helper) });
 * ```
 *
 * @param builder the policy's builder
 */
export function registerBalancer(builder: BalancerBuilder): void {
  defaultBalancerRegistry.register(builder);
}

/**
 * The chosen policy and its config.
 *
 * @example
 * ```ts ignore
 * const { builder, config } = chooseBalancer(serviceConfig.loadBalancingConfig);
 * balancer = builder.build(helper);
 * balancer.updateState({ endpoints, config });
 * ```
 */
export interface BalancerChoice {
  /** The policy's builder. */
  readonly builder: BalancerBuilder;
  /** The value under its name in `loadBalancingConfig` (`{}` by default). */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * One `loadBalancingConfig` entry as the service config parser gives it
 * (`{ "round_robin": {} }` becomes `{ name: "round_robin", config: {} }`);
 * structurally the same as `LoadBalancingConfig` of `../service_config.ts`.
 */
export interface BalancerConfigEntry {
  /** The policy name. */
  readonly name: string;
  /** The policy's own config object. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** pick_first with an empty config: the choice when nothing is configured. */
const NO_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Chooses the policy from a service config's `loadBalancingConfig` (parsed
 * and shape-checked by the service config parser): the first entry whose
 * policy is registered, unknown ones skipped as service_config.md says;
 * `pick_first` when the list is missing or empty. The chosen config must
 * pass the builder's `validateConfig`.
 *
 * @example
 * ```ts
 * import { chooseBalancer } from "./registry.ts";
 * const choice = chooseBalancer([
 *   { name: "weighted_magic", config: {} },
 *   { name: "round_robin", config: {} },
 * ]);
 * console.log(choice.builder.name); // "round_robin"
 * console.log(chooseBalancer(undefined).builder.name); // "pick_first"
 * ```
 *
 * @param entries the service config's policies, in order of preference
 * @param registry where the policies are found (default: the default one)
 * @returns the builder and its config
 * @throws {GrpcError} INVALID_ARGUMENT when the list names no registered
 * policy or the chosen policy rejects its config (an invalid service config
 * is rejected as a whole, gRFC A21)
 */
export function chooseBalancer(
  entries: readonly BalancerConfigEntry[] | undefined,
  registry: BalancerRegistry = defaultBalancerRegistry,
): BalancerChoice {
  if (entries === undefined || entries.length === 0) {
    const builder = registry.get("pick_first");
    if (builder === undefined) {
      throw invalid("the balancer registry has no pick_first");
    }
    return { builder, config: NO_CONFIG };
  }
  for (let i = 0; i < entries.length; i++) {
    const { name, config } = entries[i];
    const builder = registry.get(name);
    if (builder === undefined) continue;
    const problem = builder.validateConfig?.(config);
    if (problem !== undefined) {
      throw invalid(`loadBalancingConfig[${i}].${name}: ${problem}`);
    }
    return { builder, config };
  }
  throw invalid(
    `loadBalancingConfig: no registered policy among ${
      entries.map((e) => e.name).join(", ")
    } (registered: ${registry.names.join(", ")})`,
  );
}

/** The error of an unusable config, worded as the service config parser's. */
function invalid(problem: string): GrpcError {
  return new GrpcError(Code.INVALID_ARGUMENT, `service config: ${problem}`);
}
