/**
 * The `pick_first` policy, the default (gRFC A62, over endpoints as in gRFC
 * A61; grpc-go's `pickfirstleaf`): one connection, to the first address that
 * answers.
 *
 * - The endpoints' addresses are flattened in order (shuffled first, by
 *   endpoint, with `shuffleAddressList: true`) and deduplicated.
 * - A first pass tries them one at a time, in order; the first subchannel
 *   that becomes READY is kept and every other one is shut down.
 * - When every address failed once, the policy reports TRANSIENT_FAILURE
 *   with the last error and asks for re-resolution. It stays there (sticky
 *   TRANSIENT_FAILURE) while it reconnects each subchannel as its backoff
 *   ends, until one is READY; it asks for re-resolution again after each
 *   round of failures.
 * - When the READY connection is lost, the policy goes IDLE and asks for
 *   re-resolution; the next pick starts a new first pass.
 * - A new address list that still holds the connected address keeps the
 *   connection.
 *
 * Not done: Happy Eyeballs (A61's 250 ms head start per address) and the
 * IPv4/IPv6 interleaving that goes with it; attempts are strictly serial.
 *
 * @module
 */

import { GrpcError } from "../../grpc/grpc_error.ts";
import { Code } from "../../grpc/status.ts";
import { ConnectivityState } from "../connectivity.ts";
import {
  failPicker,
  PICK_QUEUE,
  type PickComplete,
  type Picker,
  QUEUE_PICKER,
} from "../picker.ts";
import type { Subchannel } from "../subchannel.ts";
import { type Address, formatAddress } from "../target.ts";
import { addressKey, flattenEndpoints, shuffleEndpoints } from "./address.ts";
import type {
  Balancer,
  BalancerBuilder,
  BalancerState,
  ChannelHelper,
} from "./balancer.ts";

/** What pick_first knows of one of its subchannels. */
interface Entry {
  readonly key: string;
  readonly subchannel: Subchannel;
  readonly removeListener: () => void;
  /** The last state this balancer processed (the listener's view). */
  state: ConnectivityState;
  /** Failed (or was skipped in TRANSIENT_FAILURE) during this first pass. */
  failedInPass: boolean;
}

/**
 * The pick_first balancer of one channel (or one endpoint of round_robin).
 *
 * Subchannel listeners run synchronously, and `connect()` reports
 * CONNECTING from inside the call, so every handler finishes its own
 * bookkeeping before it connects or publishes: a nested notification then
 * sees a consistent balancer.
 *
 * @example Drive it through a channel helper
 * ```ts ignore
 * const balancer = new PickFirstBalancer(helper);
 * balancer.updateState({ endpoints, config: { shuffleAddressList: true } });
 * ```
 */
export class PickFirstBalancer implements Balancer {
  readonly #helper: ChannelHelper;
  /** The state last published (IDLE before the first update). */
  #state: ConnectivityState = ConnectivityState.IDLE;
  #addresses: readonly Address[] = [];
  #keys: readonly string[] = [];
  /** The address the first pass is at (`#keys.length`: past the end). */
  #index = 0;
  #subchannels = new Map<string, Entry>();
  #selected: Entry | undefined;
  #firstPass = false;
  /** Failures since the last TRANSIENT_FAILURE report, after the first pass. */
  #failures = 0;
  #error: GrpcError | undefined;
  #closed = false;

  /**
   * Makes an idle balancer; the first `updateState` starts connecting.
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

  /** The error calls fail with while TRANSIENT_FAILURE. */
  get error(): GrpcError | undefined {
    return this.#state === ConnectivityState.TRANSIENT_FAILURE
      ? this.#error
      : undefined;
  }

  /**
   * New endpoints: flatten, maybe shuffle, dedupe; keep a READY connection
   * whose address is still listed, else start a first pass.
   *
   * @param state the resolver's endpoints and this policy's config
   */
  updateState(state: BalancerState): void {
    if (this.#closed) return;
    const addresses = flattenEndpoints(
      state.config.shuffleAddressList === true
        ? shuffleEndpoints(state.endpoints, this.#helper.random)
        : state.endpoints,
    );
    const previousCount = this.#addresses.length;
    this.#addresses = addresses;
    this.#keys = addresses.map(addressKey);
    this.#index = 0;
    if (addresses.length === 0) {
      this.#shutdownAll();
      this.#selected = undefined;
      this.#publishFailure(
        new GrpcError(Code.UNAVAILABLE, "name resolver returned no addresses"),
      );
      this.#helper.requestReresolution();
      return;
    }
    const selected = this.#selected;
    if (selected && this.#state === ConnectivityState.READY) {
      const at = this.#keys.indexOf(selected.key);
      if (at >= 0) {
        this.#index = at;
        return;
      }
    }
    this.#selected = undefined;
    // Shut down the subchannels of addresses that left the list.
    for (const [key, entry] of this.#subchannels) {
      if (!this.#keys.includes(key)) this.#shutdown(entry);
    }
    const state0 = this.#state;
    if (
      state0 === ConnectivityState.READY ||
      state0 === ConnectivityState.CONNECTING || previousCount === 0
    ) {
      // A failure from an empty list is not sticky (A62 makes only
      // connection failures sticky): a usable list connects afresh.
      this.#publish(ConnectivityState.CONNECTING, QUEUE_PICKER);
      this.#startFirstPass();
    } else if (state0 === ConnectivityState.TRANSIENT_FAILURE) {
      this.#startFirstPass(); // sticky: stays TRANSIENT_FAILURE until READY
    }
    // IDLE stays IDLE: the next pick (exitIdle) connects.
  }

  /**
   * A resolver error: ignored while a previous good list is in use, else
   * calls fail with it.
   *
   * @param error what the resolver reported
   */
  resolverError(error: GrpcError): void {
    if (this.#closed) return;
    if (
      this.#addresses.length > 0 &&
      this.#state !== ConnectivityState.TRANSIENT_FAILURE
    ) return;
    this.#publishFailure(
      new GrpcError(
        Code.UNAVAILABLE,
        `name resolver error: ${error.rawMessage}`,
        { cause: error },
      ),
    );
  }

  /** Starts a first pass if IDLE (a pick on the idle picker, `getState(true)`). */
  exitIdle(): void {
    if (this.#closed || this.#state !== ConnectivityState.IDLE) return;
    if (this.#addresses.length === 0) return;
    // CONNECTING at once, even when the first address is still in backoff.
    this.#publish(ConnectivityState.CONNECTING, QUEUE_PICKER);
    this.#startFirstPass();
  }

  /** Shuts every subchannel down; nothing is published after this. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shutdownAll();
    this.#selected = undefined;
  }

  #startFirstPass(): void {
    this.#firstPass = true;
    this.#failures = 0;
    this.#index = 0;
    for (const entry of this.#subchannels.values()) entry.failedInPass = false;
    this.#requestConnection();
  }

  /**
   * Connects the address at `#index`, skipping the ones still in backoff;
   * ends the first pass when none is left.
   */
  #requestConnection(): void {
    const keys = this.#keys;
    let lastFailed: Entry | undefined;
    for (; this.#index < keys.length; this.#index++) {
      const entry = this.#subchannels.get(keys[this.#index]) ??
        this.#create(this.#index);
      switch (entry.state) {
        case ConnectivityState.IDLE:
          entry.subchannel.connect();
          return;
        case ConnectivityState.CONNECTING:
          return; // its result moves the pass on
        case ConnectivityState.READY:
          this.#select(entry);
          return;
        default: // TRANSIENT_FAILURE: still in backoff from an earlier pass
          entry.failedInPass = true;
          lastFailed = entry;
      }
    }
    this.#endFirstPassIfDone(lastFailed);
  }

  #create(index: number): Entry {
    const address = this.#addresses[index];
    const subchannel = this.#helper.createSubchannel(address);
    const entry: Entry = {
      key: this.#keys[index],
      subchannel,
      removeListener: subchannel.addListener((state) =>
        this.#onSubchannelState(entry, state)
      ),
      state: subchannel.state,
      failedInPass: false,
    };
    this.#subchannels.set(entry.key, entry);
    return entry;
  }

  #onSubchannelState(entry: Entry, state: ConnectivityState): void {
    // A notification overtaken by a newer one (a listener that changed the
    // state from inside an earlier notification) is dropped: the newer one
    // was or will be delivered.
    if (this.#closed || state !== entry.subchannel.state) return;
    if (this.#subchannels.get(entry.key) !== entry) return;
    const previous = entry.state;
    entry.state = state;
    if (state === ConnectivityState.SHUTDOWN) return;
    if (state === ConnectivityState.READY) {
      this.#select(entry);
      return;
    }
    // The connection was lost: READY → IDLE (or CONNECTING → IDLE, when
    // READY was overtaken by the loss before this listener saw it).
    if (
      this.#selected === entry ||
      (previous === ConnectivityState.CONNECTING &&
        state === ConnectivityState.IDLE)
    ) {
      this.#onConnectionLost(entry);
      return;
    }
    if (this.#firstPass) {
      this.#onFirstPassState(entry, state);
      return;
    }
    // After the first pass: sticky TRANSIENT_FAILURE, reconnect each
    // subchannel as soon as its backoff ends.
    if (state === ConnectivityState.TRANSIENT_FAILURE) {
      if (++this.#failures >= this.#subchannels.size) {
        this.#failures = 0;
        this.#publishFailure(this.#failure(entry));
        this.#helper.requestReresolution();
      }
    } else if (state === ConnectivityState.IDLE) {
      entry.subchannel.connect();
    }
  }

  #onFirstPassState(entry: Entry, state: ConnectivityState): void {
    if (state === ConnectivityState.CONNECTING) {
      // From IDLE only: in TRANSIENT_FAILURE, stay there until READY (A62).
      if (this.#state === ConnectivityState.IDLE) {
        this.#publish(ConnectivityState.CONNECTING, QUEUE_PICKER);
      }
    } else if (state === ConnectivityState.TRANSIENT_FAILURE) {
      entry.failedInPass = true;
      this.#error = this.#failure(entry);
      if (this.#keys[this.#index] === entry.key) {
        this.#index++;
        this.#requestConnection();
      } else {
        this.#endFirstPassIfDone(entry); // a late result of an earlier pass
      }
    }
    // IDLE (a backoff ended): connected again when the first pass ends.
  }

  /** Every address was tried and each one failed: TRANSIENT_FAILURE. */
  #endFirstPassIfDone(last: Entry | undefined): void {
    if (this.#index < this.#keys.length) return;
    for (const entry of this.#subchannels.values()) {
      if (!entry.failedInPass) return;
    }
    this.#firstPass = false;
    this.#failures = 0;
    this.#publishFailure(this.#passFailure(last));
    this.#helper.requestReresolution();
    for (const entry of [...this.#subchannels.values()]) {
      if (entry.state === ConnectivityState.IDLE) entry.subchannel.connect();
    }
  }

  /** Keeps `entry`, shuts down the others, publishes READY. */
  #select(entry: Entry): void {
    for (const other of [...this.#subchannels.values()]) {
      if (other !== entry) this.#shutdown(other);
    }
    this.#selected = entry;
    this.#firstPass = false;
    const at = this.#keys.indexOf(entry.key);
    if (at >= 0) this.#index = at;
    // One frozen result per connection: picks allocate nothing.
    const result: PickComplete = Object.freeze({
      type: "complete",
      subchannel: entry.subchannel,
    });
    this.#publish(ConnectivityState.READY, { pick: () => result });
  }

  /** The connection went away: IDLE until the next pick, re-resolve. */
  #onConnectionLost(entry: Entry): void {
    for (const other of [...this.#subchannels.values()]) {
      if (other !== entry) this.#shutdown(other);
    }
    this.#selected = undefined;
    this.#firstPass = false;
    this.#index = 0;
    this.#helper.requestReresolution();
    this.#publish(ConnectivityState.IDLE, this.#idlePicker());
  }

  /**
   * A picker that asks for a connection and queues the call. Pickers must
   * not re-enter the balancer (a pick may run inside any code that starts a
   * call), so `exitIdle()` runs in a microtask: after the pick returned,
   * before any timer or I/O, and at most once per idle picker.
   */
  #idlePicker(): Picker {
    let asked = false;
    return {
      pick: () => {
        if (!asked) {
          asked = true;
          queueMicrotask(() => this.exitIdle());
        }
        return PICK_QUEUE;
      },
    };
  }

  /**
   * The error of a first pass where every address failed: each address's
   * reason when there were several (the first one's, e.g. a TLS/ALPN
   * error, matters as much as the last one's).
   */
  #passFailure(last: Entry | undefined): GrpcError {
    const fallback = last ? this.#failure(last) : this.#error ??
      new GrpcError(Code.UNAVAILABLE, "no address could be connected");
    if (this.#subchannels.size < 2) return fallback;
    const reasons: string[] = [];
    for (const entry of this.#subchannels.values()) {
      reasons.push(this.#failure(entry).rawMessage);
    }
    return new GrpcError(
      fallback.code,
      `all ${reasons.length} addresses failed: ${reasons.join("; ")}`,
      { cause: fallback },
    );
  }

  /** The error to fail calls with after `entry` failed, naming its address. */
  #failure(entry: Entry): GrpcError {
    const error = entry.subchannel.error;
    const where = formatAddress(entry.subchannel.address);
    if (error === undefined) {
      return new GrpcError(Code.UNAVAILABLE, `failed to connect to ${where}`);
    }
    if (error.rawMessage.includes(where)) return error;
    return new GrpcError(error.code, `${where}: ${error.rawMessage}`, {
      cause: error,
    });
  }

  #publishFailure(error: GrpcError): void {
    this.#error = error;
    this.#publish(ConnectivityState.TRANSIENT_FAILURE, failPicker(error));
  }

  #publish(state: ConnectivityState, picker: Picker): void {
    this.#state = state;
    this.#helper.updateState(state, picker);
  }

  #shutdown(entry: Entry): void {
    this.#subchannels.delete(entry.key);
    entry.removeListener();
    entry.subchannel.shutdown();
  }

  #shutdownAll(): void {
    for (const entry of [...this.#subchannels.values()]) this.#shutdown(entry);
  }
}

/**
 * The pick_first builder. Its config: `{ "shuffleAddressList": boolean }`
 * (default false).
 *
 * @example Choose it in a service config
 * ```ts
 * const serviceConfig = {
 *   loadBalancingConfig: [{ pick_first: { shuffleAddressList: true } }],
 * };
 * ```
 */
export const pickFirstBuilder: BalancerBuilder = Object.freeze({
  name: "pick_first",
  build: (helper: ChannelHelper) => new PickFirstBalancer(helper),
  validateConfig: (config: Readonly<Record<string, unknown>>) => {
    const shuffleList = config.shuffleAddressList;
    return shuffleList === undefined || typeof shuffleList === "boolean"
      ? undefined
      : "shuffleAddressList must be a boolean";
  },
});
