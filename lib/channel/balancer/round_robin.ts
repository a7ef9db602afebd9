/**
 * The `round_robin` policy (load-balancing.md, gRFC A61; grpc-go's
 * `roundrobin` over `endpointsharding`): one connection per endpoint, calls
 * spread in turn over the READY ones.
 *
 * Each endpoint is a child {@linkcode PickFirstBalancer} (A61), so an
 * endpoint with several addresses fails over between them and a failing
 * endpoint stays in sticky TRANSIENT_FAILURE while it retries. A child that
 * goes IDLE (its connection was lost) is told to reconnect at once; its
 * re-resolution request reaches the channel (grpc-js once lost these in a
 * refactor: the tests pin it).
 *
 * Aggregate state (as grpc-go): READY if any child is READY, else
 * CONNECTING if any connects, else IDLE if any is idle, else
 * TRANSIENT_FAILURE with an error naming the failures.
 *
 * Children are keyed by their set of addresses: a new endpoint list adds and
 * removes children and leaves the others, and their connections, alone.
 *
 * @module
 */

import { GrpcError } from "../../grpc/grpc_error.ts";
import { Code } from "../../grpc/status.ts";
import { ConnectivityState } from "../connectivity.ts";
import {
  failPicker,
  type Picker,
  type PickInfo,
  type PickResult,
  QUEUE_PICKER,
} from "../picker.ts";
import type { Endpoint } from "../resolver/resolver.ts";
import { endpointKey } from "./address.ts";
import type {
  Balancer,
  BalancerBuilder,
  BalancerState,
  ChannelHelper,
} from "./balancer.ts";
import { PickFirstBalancer } from "./pick_first.ts";

/** How many failures a TRANSIENT_FAILURE message names before "and N more". */
const MAX_NAMED_FAILURES = 3;

/** One endpoint's child policy and what it last published. */
interface Child {
  readonly balancer: PickFirstBalancer;
  /** The endpoint's addresses in order (an update that changes nothing is not forwarded). */
  order: string;
  state: ConnectivityState;
  picker: Picker;
}

/**
 * Picks the READY children's pickers in turn. Single-threaded JavaScript
 * makes the counter atomic; it wraps instead of growing.
 *
 * @example
 * ```ts ignore
 * const picker = new RoundRobinPicker(readyPickers, Math.floor(Math.random() * readyPickers.length));
 * ```
 */
export class RoundRobinPicker implements Picker {
  readonly #pickers: readonly Picker[];
  #next: number;

  /**
   * Makes a picker over READY children.
   *
   * @param pickers the READY children's pickers (at least one)
   * @param start the index of the first pick
   */
  constructor(pickers: readonly Picker[], start: number) {
    this.#pickers = pickers;
    this.#next = start;
  }

  /**
   * Hands the call to the next READY child's picker.
   *
   * @param info the call
   * @returns the child's pick (precomputed by the child)
   */
  pick(info: PickInfo): PickResult {
    const pickers = this.#pickers;
    const i = this.#next;
    this.#next = i + 1 === pickers.length ? 0 : i + 1;
    return pickers[i].pick(info);
  }
}

/**
 * The round_robin balancer of one channel.
 *
 * @example Drive it through a channel helper
 * ```ts ignore
 * const balancer = new RoundRobinBalancer(helper);
 * balancer.updateState({ endpoints, config: {} });
 * ```
 */
export class RoundRobinBalancer implements Balancer {
  readonly #helper: ChannelHelper;
  #children = new Map<string, Child>();
  #state: ConnectivityState = ConnectivityState.IDLE;
  /** The READY pickers behind the last READY picker (to skip no-op updates). */
  #ready: readonly Picker[] = [];
  /** Children publish during an update: aggregate once, at its end. */
  #updating = false;
  #closed = false;

  /**
   * Makes an idle balancer; the first `updateState` connects every endpoint.
   *
   * @param helper the channel's side
   */
  constructor(helper: ChannelHelper) {
    this.#helper = helper;
  }

  /** The state last published. */
  get state(): ConnectivityState {
    return this.#state;
  }

  /**
   * New endpoints: children for new ones, removed ones closed, kept ones
   * updated only if their addresses changed order.
   *
   * @param state the resolver's endpoints (the config is `{}`)
   */
  updateState(state: BalancerState): void {
    if (this.#closed) return;
    const endpoints = state.endpoints;
    this.#updating = true;
    try {
      const seen = new Set<string>();
      for (let i = 0; i < endpoints.length; i++) {
        const endpoint = endpoints[i];
        if (endpoint.addresses.length === 0) continue;
        const key = endpointKey(endpoint);
        if (seen.has(key)) continue;
        seen.add(key);
        const order = orderOf(endpoint);
        const child = this.#children.get(key) ?? this.#addChild(key);
        if (child.order === order) continue;
        child.order = order;
        child.balancer.updateState({ endpoints: [endpoint], config: {} });
      }
      const removed: string[] = [];
      for (const key of this.#children.keys()) {
        if (!seen.has(key)) removed.push(key);
      }
      this.#closeChildren(removed);
    } finally {
      this.#updating = false;
    }
    if (this.#children.size > 0) {
      this.#aggregate();
      return;
    }
    this.#ready = [];
    this.#publish(
      ConnectivityState.TRANSIENT_FAILURE,
      failPicker(
        new GrpcError(Code.UNAVAILABLE, "name resolver returned no addresses"),
      ),
    );
    this.#helper.requestReresolution();
  }

  /**
   * A resolver error: TRANSIENT_FAILURE with it when no child is working;
   * otherwise the children keep their connections.
   *
   * @param error what the resolver reported
   */
  resolverError(error: GrpcError): void {
    if (this.#closed) return;
    if (
      this.#children.size > 0 &&
      this.#state !== ConnectivityState.TRANSIENT_FAILURE
    ) return;
    this.#publish(
      ConnectivityState.TRANSIENT_FAILURE,
      failPicker(
        new GrpcError(
          Code.UNAVAILABLE,
          `name resolver error: ${error.rawMessage}`,
          { cause: error },
        ),
      ),
    );
  }

  /** Children reconnect on their own; an idle one is woken here too. */
  exitIdle(): void {
    if (this.#closed) return;
    for (const child of [...this.#children.values()]) child.balancer.exitIdle();
  }

  /** Closes every child (and so every subchannel). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeChildren(this.#children.keys());
  }

  #addChild(key: string): Child {
    const helper = this.#helper;
    // The child's helper closes over `child`, assigned right below (the
    // constructor calls no helper method).
    const balancer = new PickFirstBalancer({
      createSubchannel: (address) => helper.createSubchannel(address),
      updateState: (state, picker) =>
        this.#onChildState(key, child, state, picker),
      // Forwarded as is: a child that lost its connection or failed all
      // its addresses needs fresh addresses as much as the channel does.
      requestReresolution: () => {
        if (!this.#closed && this.#children.get(key) === child) {
          helper.requestReresolution();
        }
      },
      clock: helper.clock,
      random: helper.random,
    });
    const child: Child = {
      balancer,
      order: "",
      state: ConnectivityState.IDLE,
      picker: QUEUE_PICKER,
    };
    this.#children.set(key, child);
    return child;
  }

  #onChildState(
    key: string,
    child: Child,
    state: ConnectivityState,
    picker: Picker,
  ): void {
    if (this.#closed || this.#children.get(key) !== child) return;
    child.state = state;
    child.picker = picker;
    if (state === ConnectivityState.IDLE) {
      // Its connection was lost: reconnect now rather than on a pick that
      // may never reach it. Its own CONNECTING report (nested) aggregates.
      child.balancer.exitIdle();
      if (child.state !== ConnectivityState.IDLE) return;
    }
    if (!this.#updating) this.#aggregate();
  }

  /**
   * Publishes the aggregate state; a READY picker only when the READY set
   * changed (a new picker restarts the rotation at a random place), and
   * TRANSIENT_FAILURE each time (its error names the latest failures).
   */
  #aggregate(): void {
    const ready: Picker[] = [];
    let connecting = false;
    let idle = false;
    for (const child of this.#children.values()) {
      if (child.state === ConnectivityState.READY) ready.push(child.picker);
      else if (child.state === ConnectivityState.CONNECTING) connecting = true;
      else if (child.state === ConnectivityState.IDLE) idle = true;
    }
    if (ready.length > 0) {
      if (
        this.#state === ConnectivityState.READY &&
        samePickers(ready, this.#ready)
      ) return;
      this.#ready = ready;
      const start = Math.min(
        ready.length - 1,
        Math.floor(this.#helper.random() * ready.length),
      );
      this.#publish(
        ConnectivityState.READY,
        ready.length === 1 ? ready[0] : new RoundRobinPicker(ready, start),
      );
      return;
    }
    this.#ready = [];
    const state = connecting
      ? ConnectivityState.CONNECTING
      : idle
      ? ConnectivityState.IDLE
      : ConnectivityState.TRANSIENT_FAILURE;
    if (state !== ConnectivityState.TRANSIENT_FAILURE) {
      if (this.#state === state) return;
      this.#publish(state, QUEUE_PICKER);
      return;
    }
    this.#publish(state, failPicker(this.#failure()));
  }

  /** An error naming the children's failures (the first few of them). */
  #failure(): GrpcError {
    const messages: string[] = [];
    let count = 0;
    for (const child of this.#children.values()) {
      const error = child.balancer.error;
      if (error === undefined) continue;
      if (count++ < MAX_NAMED_FAILURES) messages.push(error.rawMessage);
    }
    const more = count > MAX_NAMED_FAILURES
      ? `; and ${count - MAX_NAMED_FAILURES} more`
      : "";
    return new GrpcError(
      Code.UNAVAILABLE,
      `round_robin: no endpoint is ready (${count} of ${this.#children.size} failed): ${
        messages.join("; ")
      }${more}`,
    );
  }

  #publish(state: ConnectivityState, picker: Picker): void {
    this.#state = state;
    this.#helper.updateState(state, picker);
  }

  #closeChildren(keys: Iterable<string>): void {
    for (const key of [...keys]) {
      const child = this.#children.get(key);
      if (child === undefined) continue;
      this.#children.delete(key);
      child.balancer.close();
    }
  }
}

/** The endpoint's addresses in their order, as one string. */
function orderOf(endpoint: Endpoint): string {
  const addresses = endpoint.addresses;
  let out = "";
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i];
    out += a.kind === "unix"
      ? `unix:${a.path}\n`
      : `tcp:${a.hostname}:${a.port}\n`;
  }
  return out;
}

function samePickers(a: readonly Picker[], b: readonly Picker[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The round_robin builder (no config).
 *
 * @example Choose it in a service config
 * ```ts
 * const serviceConfig = { loadBalancingConfig: [{ round_robin: {} }] };
 * ```
 */
export const roundRobinBuilder: BalancerBuilder = Object.freeze({
  name: "round_robin",
  build: (helper: ChannelHelper) => new RoundRobinBalancer(helper),
});
