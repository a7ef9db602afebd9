/**
 * A channel: a virtual connection to a target, backed by any number of
 * HTTP/2 connections (gRPC's naming.md, load-balancing.md). A resolver,
 * chosen by the target's scheme, turns the target into endpoints; a
 * balancer, chosen by the service config, makes subchannels to them and
 * publishes pickers; each call asks the current picker for a subchannel,
 * synchronously, and waits for the next picker when told to queue.
 *
 * The channel starts IDLE: the resolver and balancer are built on the
 * first call (or `getState(true)`), and dropped again after `idleTimeoutMs`
 * without calls.
 *
 * @module
 */

import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import type { TimerHandle } from "../util/clock.ts";
import { Backoff } from "./backoff.ts";
import { ConnectivityState } from "./connectivity.ts";
import { failPicker, PICK_QUEUE, type Picker, QUEUE_PICKER } from "./picker.ts";
import { PickerSlot } from "./picker_slot.ts";
import { Http2Subchannel } from "./subchannel.ts";
import {
  type ChannelOptions,
  resolveChannelOptions,
  type ResolvedChannelOptions,
} from "./channel_options.ts";
import type { Target } from "./target.ts";
import type {
  Resolver,
  ResolverBuilder,
  ResolverState,
} from "./resolver/resolver.ts";
import {
  defaultResolverRegistry,
  type ResolverRegistry,
} from "./resolver/registry.ts";
import type { Balancer, ChannelHelper } from "./balancer/balancer.ts";
import {
  type BalancerChoice,
  type BalancerRegistry,
  chooseBalancer,
  defaultBalancerRegistry,
} from "./balancer/registry.ts";
import {
  type MethodConfig,
  methodConfigFor,
  parseServiceConfig,
  type ServiceConfig,
} from "./service_config.ts";
import { StateWatchers } from "./state_watchers.ts";

export type {
  ChannelHttp2Options,
  ChannelOptions,
  ChannelTlsOptions,
} from "./channel_options.ts";
export type { ChannelKeepaliveOptions } from "./channel_keepalive.ts";

/**
 * What a client needs from a channel: where calls go (`authority`,
 * `scheme`), the current picker, and a way to wait for the next one.
 *
 * @example Make a channel and a client
 * ```ts ignore
 * import { createChannel, createClient } from "../../mod.ts";
 * await using channel = createChannel("127.0.0.1:50051");
 * const client = createClient(Greeter, channel);
 * ```
 */
export interface Channel extends AsyncDisposable {
  /** The target the channel was made for. */
  readonly target: string;
  /** The `:authority` of calls. */
  readonly authority: string;
  /** The `:scheme` of calls: "http" or "https". */
  readonly scheme: "http" | "https";
  /**
   * The current picker. Picking is synchronous: a call on a READY channel
   * starts in the same turn.
   */
  readonly picker: Picker;
  /**
   * Waits for a picker other than `current` (at once if there already is
   * one): what a call does when its pick said "queue".
   *
   * @param current the picker the caller last used
   * @param signal abandons the wait (rejects with its reason)
   * @returns the new picker; rejects with UNAVAILABLE once the channel
   * is closed
   */
  nextPicker(current: Picker, signal?: AbortSignal): Promise<Picker>;
  /**
   * The service config's settings for a method (timeout, waitForReady,
   * message size limits), if any.
   *
   * @param path `/package.Service/Method`
   * @returns the method config, or undefined
   */
  methodConfig?(path: string): MethodConfig | undefined;
  /**
   * The channel's connectivity state.
   *
   * @param tryToConnect start connecting if IDLE
   * @returns the state
   */
  getState(tryToConnect?: boolean): ConnectivityState;
  /**
   * Resolves with the new state once it differs from `from`.
   *
   * @param from the state the caller knows
   * @param signal abandons the wait (rejects with its reason)
   * @returns the new state
   */
  waitForStateChange(
    from: ConnectivityState,
    signal?: AbortSignal,
  ): Promise<ConnectivityState>;
  /** Closes every connection gracefully (calls in flight finish). */
  close(): Promise<void>;
}

/**
 * Creates a channel to `target`: `host:port` (DNS), `dns:///host:port`,
 * `ipv4:1.2.3.4:5,1.2.3.5:5`, `ipv6:[::1]:5`, `unix:/path`,
 * `passthrough:///addr`, or any scheme registered with `registerResolver`.
 * Connects lazily, on the first call.
 *
 * @example A channel for a client
 * ```ts
 * import { createChannel } from "./channel.ts";
 * await using channel = createChannel("127.0.0.1:50051");
 * console.log(channel.getState()); // "IDLE"
 * ```
 *
 * @example round_robin over two servers
 * ```ts
 * import { createChannel } from "./channel.ts";
 * await using channel = createChannel("ipv4:127.0.0.1:50051,127.0.0.2:50051", {
 *   serviceConfig: { loadBalancingConfig: [{ round_robin: {} }] },
 * });
 * ```
 *
 * @param target where to connect
 * @param options TLS, authority, HTTP/2, service config, backoff, idleness
 * @returns the channel
 * @throws {GrpcError} INVALID_ARGUMENT for an invalid service config;
 * UNAVAILABLE for a target whose scheme has no resolver
 */
export function createChannel(
  target: string,
  options: ChannelOptions = {},
): Channel {
  return new ChannelImpl(target, options);
}

class ChannelImpl implements Channel {
  readonly target: string;
  readonly authority: string;
  readonly scheme: "http" | "https";
  readonly #options: ResolvedChannelOptions;
  readonly #parsed: Target;
  readonly #resolverBuilder: ResolverBuilder;
  readonly #balancers: BalancerRegistry;
  readonly #defaultConfig: ServiceConfig | undefined;
  readonly #slot = new PickerSlot();
  readonly #watchers = new StateWatchers();
  #state: ConnectivityState = ConnectivityState.IDLE;
  #resolver: Resolver | undefined;
  #balancer: Balancer | undefined;
  #balancerName = "";
  /** Which balancer's helper calls count (see `#helperFor`). */
  #generation = 0;
  /** The service config in force (resolver's, else the default). */
  #config: ServiceConfig | undefined;
  readonly #methodConfigs = new Map<string, MethodConfig | undefined>();
  /** Every subchannel not yet shut down, for `close()` and idleness. */
  readonly #subchannels = new Set<Http2Subchannel>();
  /** Picks since the channel was made: idleness looks for change. */
  #picks = 0;
  #picksAtCheck = -1;
  #idleTimer: TimerHandle | undefined;
  /** Backoff of resolver builds that threw (a target it cannot use). */
  readonly #buildBackoff: Backoff;
  #retryTimer: TimerHandle | undefined;
  /** Serializes resolver and balancer events (the balancer contract). */
  #queue: (() => void)[] | undefined;
  /** While IDLE, a pick leaves IDLE and queues. */
  readonly #idlePicker: Picker = {
    pick: () => {
      this.#exitIdle();
      return PICK_QUEUE;
    },
  };

  constructor(target: string, options: ChannelOptions) {
    this.target = target;
    this.#options = resolveChannelOptions(options);
    this.scheme = this.#options.tls ? "https" : "http";
    const resolvers: ResolverRegistry = options.resolvers ??
      defaultResolverRegistry;
    const resolution = resolvers.forTarget(target);
    this.#parsed = resolution.target;
    this.#resolverBuilder = resolution.builder;
    this.#balancers = options.balancers ?? defaultBalancerRegistry;
    this.authority = this.#options.authority ?? resolution.authority;
    if (this.#options.serviceConfig !== undefined) {
      this.#defaultConfig = parseServiceConfig(this.#options.serviceConfig);
      // A default config naming no usable policy is invalid as a whole.
      chooseBalancer(this.#defaultConfig.loadBalancingConfig, this.#balancers);
    }
    this.#config = this.#defaultConfig;
    this.#buildBackoff = new Backoff(
      this.#options.backoff,
      this.#options.random,
    );
    this.#slot.publish(this.#idlePicker);
  }

  /** The host part of the authority: TLS's default server name. */
  get #tlsServerName(): string {
    const a = this.authority;
    if (a.startsWith("[")) return a.slice(1, a.indexOf("]"));
    const colon = a.lastIndexOf(":");
    return colon > 0 && a.indexOf(":") === colon ? a.slice(0, colon) : a;
  }

  get picker(): Picker {
    // Counted, not timed: idleness only asks whether any call came.
    this.#picks++;
    return this.#slot.current;
  }

  nextPicker(current: Picker, signal?: AbortSignal): Promise<Picker> {
    return this.#slot.next(current, signal);
  }

  methodConfig(path: string): MethodConfig | undefined {
    const config = this.#config;
    if (config === undefined) return undefined;
    let found = this.#methodConfigs.get(path);
    if (found === undefined && !this.#methodConfigs.has(path)) {
      found = methodConfigFor(config, path);
      this.#methodConfigs.set(path, found);
    }
    return found;
  }

  getState(tryToConnect = false): ConnectivityState {
    if (tryToConnect) this.#exitIdle();
    return this.#state;
  }

  waitForStateChange(
    from: ConnectivityState,
    signal?: AbortSignal,
  ): Promise<ConnectivityState> {
    return this.#watchers.wait(() => this.#state, from, signal);
  }

  // ------------------------------------------------------------- lifecycle

  #exitIdle(): void {
    if (
      this.#state === ConnectivityState.SHUTDOWN ||
      this.#retryTimer !== undefined
    ) return;
    if (this.#resolver !== undefined) {
      const balancer = this.#balancer;
      if (balancer) this.#serially(() => balancer.exitIdle());
      return;
    }
    this.#setState(ConnectivityState.CONNECTING, QUEUE_PICKER);
    this.#armIdleTimer();
    const listener = {
      onUpdate: (state: ResolverState) => {
        if (this.#resolver === resolver) {
          this.#serially(() => this.#onResolved(state));
        }
      },
      onError: (error: GrpcError) => {
        if (this.#resolver === resolver) {
          this.#serially(() => this.#onResolverError(error));
        }
      },
    };
    let resolver: Resolver | undefined;
    try {
      resolver = this.#resolverBuilder.build(this.#parsed, listener, {
        defaultPort: 443,
        clock: this.#options.clock,
        random: this.#options.random,
        minResolveIntervalMs: this.#options.dnsMinResolveIntervalMs,
        serviceConfigLookup: this.#options.dnsServiceConfigLookup,
      });
    } catch (error) {
      const e = error instanceof GrpcError ? error : new GrpcError(
        Code.UNAVAILABLE,
        `cannot resolve ${this.target}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
      // Calls fail fast (waitForReady ones wait) until a backoff delay
      // has passed; then the next call tries again. Going back to IDLE at
      // once would let a waitForReady call rebuild in a tight loop.
      this.#setState(ConnectivityState.TRANSIENT_FAILURE, failPicker(e));
      const clock = this.#options.clock;
      this.#retryTimer = clock.setTimeout(() => {
        this.#retryTimer = undefined;
        if (this.#resolver === undefined) {
          this.#setState(ConnectivityState.IDLE, this.#idlePicker);
        }
      }, this.#buildBackoff.next());
      clock.unref?.(this.#retryTimer);
      return;
    }
    this.#buildBackoff.reset();
    this.#resolver = resolver;
  }

  #onResolved(state: ResolverState): void {
    let config = this.#defaultConfig;
    let choice: BalancerChoice;
    try {
      if (state.serviceConfigError !== undefined) {
        throw state.serviceConfigError;
      }
      if (state.serviceConfig !== undefined) {
        config = parseServiceConfig(state.serviceConfig);
      }
      choice = chooseBalancer(config?.loadBalancingConfig, this.#balancers);
    } catch (error) {
      // gRFC A21: an invalid config from the resolver keeps the one in
      // force; with none yet, it is a resolution error.
      if (this.#balancer === undefined) {
        this.#onResolverError(
          error instanceof GrpcError
            ? new GrpcError(Code.UNAVAILABLE, error.rawMessage, {
              cause: error,
            })
            : new GrpcError(Code.UNAVAILABLE, String(error), { cause: error }),
        );
        return;
      }
      config = this.#config;
      choice = chooseBalancer(config?.loadBalancingConfig, this.#balancers);
    }
    if (config !== this.#config) {
      this.#config = config;
      this.#methodConfigs.clear();
    }
    const name = choice.builder.name;
    if (this.#balancer === undefined || name !== this.#balancerName) {
      // A new helper starts a new generation first, so whatever the old
      // balancer does while it closes is ignored.
      const helper = this.#helperFor();
      this.#balancer?.close();
      this.#balancerName = name;
      this.#balancer = choice.builder.build(helper);
    }
    this.#balancer.updateState({
      endpoints: state.endpoints,
      config: choice.config,
    });
  }

  #onResolverError(error: GrpcError): void {
    if (this.#balancer !== undefined) {
      this.#balancer.resolverError(error);
      return;
    }
    this.#setState(ConnectivityState.TRANSIENT_FAILURE, failPicker(error));
  }

  /** The helper of one balancer: calls from a replaced one are ignored. */
  #helperFor(): ChannelHelper {
    const options = this.#options;
    // Each balancer gets its own generation; replacing, idling or closing
    // the balancer starts a new one, so a late call is recognised.
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    return {
      clock: options.clock,
      random: options.random,
      createSubchannel: (address) => {
        const sc = new Http2Subchannel({
          address,
          // Certificates name the target's host, not the resolved address.
          tls: options.tls && {
            ...options.tls,
            serverName: options.tls.serverName ?? this.#tlsServerName,
          },
          http2: options.http2,
          backoff: options.backoff,
          clock: options.clock,
          random: options.random,
          keepalive: options.keepalive,
        });
        this.#subchannels.add(sc);
        sc.addListener((state) => {
          if (state === ConnectivityState.SHUTDOWN) {
            this.#subchannels.delete(sc);
          }
        });
        if (this.#state === ConnectivityState.SHUTDOWN) sc.shutdown();
        return sc;
      },
      updateState: (state, picker) => {
        if (current()) this.#setState(state, picker);
      },
      requestReresolution: () => {
        // Deferred: a resolver may answer from inside resolveNow(), and
        // that update must not re-enter the balancer that is asking.
        queueMicrotask(() => {
          if (current()) this.#resolver?.resolveNow();
        });
      },
    };
  }

  #serially(fn: () => void): void {
    if (this.#queue !== undefined) {
      this.#queue.push(fn);
      return;
    }
    this.#queue = [];
    try {
      fn();
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        next();
      }
    } finally {
      this.#queue = undefined;
    }
  }

  #setState(state: ConnectivityState, picker: Picker): void {
    if (this.#state === ConnectivityState.SHUTDOWN) return;
    this.#slot.publish(picker);
    if (this.#state !== state) {
      this.#state = state;
      this.#watchers.changed();
    }
  }

  // -------------------------------------------------------------- idleness

  #armIdleTimer(): void {
    const ms = this.#options.idleTimeoutMs;
    if (ms === 0 || this.#idleTimer !== undefined) return;
    this.#picksAtCheck = this.#picks;
    this.#idleTimer = this.#options.clock.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#picks === this.#picksAtCheck && !this.#hasActiveCalls()) {
        this.#enterIdle();
      } else this.#armIdleTimer();
    }, ms);
    // Idleness alone must not keep a program alive (a channel left open).
    this.#options.clock.unref?.(this.#idleTimer);
  }

  #hasActiveCalls(): boolean {
    for (const sc of this.#subchannels) if (sc.activeStreams > 0) return true;
    return false;
  }

  #enterIdle(): void {
    this.#dropResolution();
    this.#setState(ConnectivityState.IDLE, this.#idlePicker);
  }

  /** Closes the resolver and the balancer (idleness, close). */
  #dropResolution(): void {
    const resolver = this.#resolver;
    const balancer = this.#balancer;
    this.#resolver = undefined;
    this.#balancer = undefined;
    this.#balancerName = "";
    this.#generation++; // the old balancer's helper calls are ignored
    resolver?.close();
    if (balancer) this.#serially(() => balancer.close());
  }

  async close(): Promise<void> {
    if (this.#state === ConnectivityState.SHUTDOWN) return;
    this.#options.clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#dropResolution();
    this.#slot.close(new GrpcError(Code.UNAVAILABLE, "channel closed"));
    this.#state = ConnectivityState.SHUTDOWN;
    this.#watchers.changed();
    await Promise.all([...this.#subchannels].map((sc) => sc.close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
