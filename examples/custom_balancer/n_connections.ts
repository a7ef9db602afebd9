/**
 * A custom load-balancing policy, `n_connections`, built only from what
 * `mod.ts` exports: it opens N connections to every address the resolver
 * returns and spreads calls over the READY ones in turn.
 *
 * The case it answers comes from gRPC's own design notes: a name that
 * resolves to one address (an L4 load balancer, a Kubernetes Service's
 * cluster IP) where the user still wants several connections, so that the
 * balancer behind the address spreads them over several backends, and one
 * connection's stream limit or flow-control window is not the bottleneck.
 *
 * ```ts
 * const serviceConfig = {
 *   loadBalancingConfig: [{ n_connections: { connectionsPerAddress: 4 } }],
 * };
 * ```
 *
 * Behaviour, as round_robin's but with N subchannels per address:
 * - every subchannel connects as soon as it exists, and again at once when
 *   it goes IDLE (its connection was lost, or its backoff after a failure
 *   ended: the subchannel itself waits out the backoff);
 * - a subchannel leaving READY asks the resolver to resolve again (the
 *   address may be gone);
 * - the aggregate state is READY if any subchannel is READY, else
 *   CONNECTING if any connects, else IDLE if any is idle, else
 *   TRANSIENT_FAILURE with a picker failing calls with the first failure;
 *   a subchannel that failed counts as failed until it is READY again
 *   (sticky TRANSIENT_FAILURE, as gRPC's policies), not as CONNECTING on
 *   each retry;
 * - a new address list keeps the subchannels of addresses still listed,
 *   shuts down those of removed ones and adds N for new ones; a new N grows
 *   or shrinks each address's set.
 *
 * @module
 */

import {
  type Address,
  type Balancer,
  type BalancerBuilder,
  type BalancerState,
  type ChannelHelper,
  Code,
  ConnectivityState,
  failPicker,
  GrpcError,
  type PickComplete,
  type Picker,
  QUEUE_PICKER,
  type Subchannel,
} from "../../mod.ts";

/** The policy name used in `loadBalancingConfig`. */
export const N_CONNECTIONS = "n_connections";

/** Connections per address when the config does not say. */
export const DEFAULT_CONNECTIONS_PER_ADDRESS = 4;

/** The most connections per address the config may ask for. */
export const MAX_CONNECTIONS_PER_ADDRESS = 64;

/** The policy's config, the value under `n_connections`. */
export interface NConnectionsConfig {
  /**
   * Connections (subchannels) per address, 1 to 64. Default
   * {@linkcode DEFAULT_CONNECTIONS_PER_ADDRESS}.
   */
  readonly connectionsPerAddress?: number;
}

/** One subchannel and what the balancer last saw of it. */
interface Conn {
  readonly subchannel: Subchannel;
  readonly removeListener: () => void;
  /** The pick answer for it, made once: a pick allocates nothing. */
  readonly pick: PickComplete;
  /** The last state this balancer processed. */
  state: ConnectivityState;
  /**
   * Failed since it was last READY: counts as TRANSIENT_FAILURE while it
   * retries (sticky, as gRPC's policies), so calls keep failing fast
   * instead of waiting through each retry's CONNECTING.
   */
  error: GrpcError | undefined;
}

/**
 * Picks READY subchannels in turn. Single-threaded JavaScript makes the
 * counter safe; it wraps instead of growing.
 *
 * @example
 * ```ts ignore
 * const picker = new RoundRobinOver(readyPicks, 0);
 * picker.pick(info); // { type: "complete", subchannel }
 * ```
 */
export class RoundRobinOver implements Picker {
  readonly #picks: readonly PickComplete[];
  #next: number;

  /**
   * @param picks the READY subchannels' pick answers (at least one)
   * @param start the index of the first pick
   */
  constructor(picks: readonly PickComplete[], start: number) {
    this.#picks = picks;
    this.#next = start;
  }

  /**
   * The next READY subchannel.
   *
   * @returns its (shared, immutable) pick answer
   */
  pick(): PickComplete {
    const i = this.#next;
    this.#next = i + 1 === this.#picks.length ? 0 : i + 1;
    return this.#picks[i];
  }
}

/** A key equal for equal addresses. */
function keyOf(address: Address): string {
  return address.kind === "unix"
    ? `unix:${address.path}`
    : `tcp:${address.hostname}:${address.port}`;
}

/**
 * The `n_connections` balancer of one channel.
 *
 * @example Built by the channel through the builder
 * ```ts ignore
 * const balancer = nConnectionsBuilder.build(helper);
 * balancer.updateState({ endpoints, config: { connectionsPerAddress: 4 } });
 * ```
 */
export class NConnectionsBalancer implements Balancer {
  readonly #helper: ChannelHelper;
  /** Subchannels by address key, N each. */
  readonly #conns = new Map<string, Conn[]>();
  #state: ConnectivityState = ConnectivityState.IDLE;
  /** The READY subchannels behind the last READY picker. */
  #ready: readonly PickComplete[] = [];
  /** The message of the TRANSIENT_FAILURE picker last published. */
  #failure = "";
  /** Set while an update creates subchannels: aggregate once, at its end. */
  #updating = false;
  #closed = false;

  /** @param helper the channel's side */
  constructor(helper: ChannelHelper) {
    this.#helper = helper;
  }

  /** The state last published. */
  get state(): ConnectivityState {
    return this.#state;
  }

  /** How many subchannels are READY now (for demos and tests). */
  get readyCount(): number {
    return this.#ready.length;
  }

  /**
   * New addresses or a new N: keep what is still wanted, shut down the
   * rest, add and connect what is missing.
   *
   * @param state the resolver's endpoints and this policy's config
   */
  updateState(state: BalancerState): void {
    if (this.#closed) return;
    const config = state.config as NConnectionsConfig;
    const n = config.connectionsPerAddress ?? DEFAULT_CONNECTIONS_PER_ADDRESS;
    const wanted = new Map<string, Address>();
    for (const endpoint of state.endpoints) {
      for (const address of endpoint.addresses) {
        wanted.set(keyOf(address), address);
      }
    }
    const added: Conn[] = [];
    this.#updating = true;
    try {
      for (const [key, conns] of this.#conns) {
        if (!wanted.has(key)) {
          this.#conns.delete(key);
          for (const conn of conns) this.#shutdown(conn);
        }
      }
      for (const [key, address] of wanted) {
        const conns = this.#conns.get(key) ?? [];
        this.#conns.set(key, conns);
        while (conns.length > n) this.#shutdown(conns.pop()!);
        while (conns.length < n) {
          const conn = this.#add(address);
          conns.push(conn);
          added.push(conn);
        }
      }
      // Bookkeeping first, then connect: connect() reports CONNECTING from
      // inside the call.
      for (const conn of added) conn.subchannel.connect();
    } finally {
      this.#updating = false;
    }
    if (this.#conns.size === 0) {
      this.#ready = [];
      this.#publish(
        ConnectivityState.TRANSIENT_FAILURE,
        failPicker(
          new GrpcError(Code.UNAVAILABLE, "resolver returned no addresses"),
        ),
      );
      this.#helper.requestReresolution();
      return;
    }
    this.#aggregate();
  }

  /**
   * The resolver failed: fail calls with its error only when nothing works;
   * working connections stay.
   *
   * @param error what the resolver reported
   */
  resolverError(error: GrpcError): void {
    if (this.#closed) return;
    if (
      this.#conns.size > 0 &&
      this.#state !== ConnectivityState.TRANSIENT_FAILURE
    ) return;
    this.#ready = [];
    this.#publish(
      ConnectivityState.TRANSIENT_FAILURE,
      failPicker(
        new GrpcError(Code.UNAVAILABLE, `resolver: ${error.rawMessage}`),
      ),
    );
  }

  /** Connects every IDLE subchannel (they reconnect on their own anyway). */
  exitIdle(): void {
    if (this.#closed) return;
    for (const conns of [...this.#conns.values()]) {
      for (const conn of [...conns]) conn.subchannel.connect();
    }
  }

  /** Shuts down every subchannel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const conns of this.#conns.values()) {
      for (const conn of conns) this.#shutdown(conn);
    }
    this.#conns.clear();
  }

  #add(address: Address): Conn {
    const subchannel = this.#helper.createSubchannel(address);
    const conn: Conn = {
      subchannel,
      pick: Object.freeze({ type: "complete", subchannel }),
      state: subchannel.state,
      error: undefined,
      // Assigned below: the listener only runs once connect() is called.
      removeListener: subchannel.addListener((state) =>
        this.#onState(conn, state)
      ),
    };
    return conn;
  }

  #shutdown(conn: Conn): void {
    conn.removeListener();
    conn.subchannel.shutdown();
  }

  #onState(conn: Conn, state: ConnectivityState): void {
    // A newer notification overtook this one (listeners run synchronously,
    // and connect() notifies from inside the call).
    if (this.#closed || state !== conn.subchannel.state) return;
    const was = conn.state;
    conn.state = state;
    if (state === ConnectivityState.READY) conn.error = undefined;
    else if (state === ConnectivityState.TRANSIENT_FAILURE) {
      conn.error = conn.subchannel.error;
    }
    if (was === ConnectivityState.READY && state !== ConnectivityState.READY) {
      // The address may be gone: ask for fresh ones (rate-limited by the
      // resolver).
      this.#helper.requestReresolution();
    }
    if (state === ConnectivityState.IDLE) {
      // Reconnect now rather than on a pick that may never come to it; the
      // nested CONNECTING notification aggregates.
      conn.subchannel.connect();
      return;
    }
    if (!this.#updating) this.#aggregate();
  }

  /**
   * Publishes the aggregate state: a new READY picker only when the READY
   * set changed (it starts the rotation at a random place), and
   * TRANSIENT_FAILURE with the first failure.
   */
  #aggregate(): void {
    const ready: PickComplete[] = [];
    let connecting = false;
    let idle = false;
    let failure: GrpcError | undefined;
    for (const conns of this.#conns.values()) {
      for (const conn of conns) {
        if (conn.state === ConnectivityState.READY) ready.push(conn.pick);
        else if (conn.error !== undefined) failure ??= conn.error;
        else if (conn.state === ConnectivityState.CONNECTING) connecting = true;
        else if (conn.state === ConnectivityState.IDLE) idle = true;
      }
    }
    if (ready.length > 0) {
      if (
        this.#state === ConnectivityState.READY && same(ready, this.#ready)
      ) return;
      this.#ready = ready;
      const start = Math.min(
        ready.length - 1,
        Math.floor(this.#helper.random() * ready.length),
      );
      this.#publish(ConnectivityState.READY, new RoundRobinOver(ready, start));
      return;
    }
    this.#ready = [];
    if (connecting || idle) {
      const state = connecting
        ? ConnectivityState.CONNECTING
        : ConnectivityState.IDLE;
      if (this.#state !== state) this.#publish(state, QUEUE_PICKER);
      return;
    }
    const message = `n_connections: no connection is ready: ${
      failure?.rawMessage ?? "every attempt failed"
    }`;
    // Each retry that fails again would publish the same failure: skip it.
    if (
      this.#state === ConnectivityState.TRANSIENT_FAILURE &&
      message === this.#failure
    ) return;
    const entering = this.#state !== ConnectivityState.TRANSIENT_FAILURE;
    this.#failure = message;
    this.#publish(
      ConnectivityState.TRANSIENT_FAILURE,
      failPicker(new GrpcError(Code.UNAVAILABLE, message)),
    );
    // Every connection failed: the addresses may be stale.
    if (entering) this.#helper.requestReresolution();
  }

  #publish(state: ConnectivityState, picker: Picker): void {
    this.#state = state;
    this.#helper.updateState(state, picker);
  }
}

function same(a: readonly PickComplete[], b: readonly PickComplete[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks the policy's config: `connectionsPerAddress`, if given, is an
 * integer from 1 to 64. A channel rejects a service config that fails it
 * (`createChannel` throws INVALID_ARGUMENT).
 *
 * @example
 * ```ts
 * import { validateNConnectionsConfig } from "./n_connections.ts";
 * console.log(validateNConnectionsConfig({ connectionsPerAddress: 4 })); // undefined
 * console.log(validateNConnectionsConfig({ connectionsPerAddress: 0 })); // an error message
 * ```
 *
 * @param config the value under `n_connections` in `loadBalancingConfig`
 * @returns an error message, or undefined when valid
 */
export function validateNConnectionsConfig(
  config: Readonly<Record<string, unknown>>,
): string | undefined {
  for (const key of Object.keys(config)) {
    if (key !== "connectionsPerAddress") return `unknown field ${key}`;
  }
  const n = config.connectionsPerAddress;
  if (n === undefined) return undefined;
  if (
    typeof n !== "number" || !Number.isInteger(n) || n < 1 ||
    n > MAX_CONNECTIONS_PER_ADDRESS
  ) {
    return `connectionsPerAddress must be an integer from 1 to ${MAX_CONNECTIONS_PER_ADDRESS}, got ${
      JSON.stringify(n)
    }`;
  }
  return undefined;
}

/**
 * The `n_connections` builder: register it (`registerBalancer`, or a
 * channel's own `BalancerRegistry`) and name it in the service config.
 *
 * @example A channel with 4 connections to one address
 * ```ts
 * import { BalancerRegistry, createChannel } from "../../mod.ts";
 * import { nConnectionsBuilder } from "./n_connections.ts";
 *
 * await using channel = createChannel("127.0.0.1:50051", {
 *   balancers: new BalancerRegistry([nConnectionsBuilder]),
 *   serviceConfig: {
 *     loadBalancingConfig: [{ n_connections: { connectionsPerAddress: 4 } }],
 *   },
 * });
 * ```
 */
export const nConnectionsBuilder: BalancerBuilder = Object.freeze({
  name: N_CONNECTIONS,
  build: (helper: ChannelHelper) => new NConnectionsBalancer(helper),
  validateConfig: validateNConnectionsConfig,
});
