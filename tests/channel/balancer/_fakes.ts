/**
 * A fake channel helper and hand-driven subchannels for balancer tests: the
 * test moves each subchannel through its states and reads what the balancer
 * published.
 *
 * @module
 */

import type { ChannelHelper } from "../../../lib/channel/balancer/balancer.ts";
import { ConnectivityState } from "../../../lib/channel/connectivity.ts";
import type { Picker, PickResult } from "../../../lib/channel/picker.ts";
import type { Endpoint } from "../../../lib/channel/resolver/resolver.ts";
import type {
  Subchannel,
  SubchannelListener,
} from "../../../lib/channel/subchannel.ts";
import type { Address } from "../../../lib/channel/target.ts";
import { GrpcError } from "../../../lib/grpc/grpc_error.ts";
import { Metadata } from "../../../lib/grpc/metadata.ts";
import { Code } from "../../../lib/grpc/status.ts";
import { ManualClock } from "../../../lib/util/clock.ts";

/** The pick info every test uses. */
export const INFO = { path: "/a.B/C", metadata: new Metadata() };

/** A TCP address on 127.0.0.1 with port `port`. */
export function addr(port: number, hostname = "127.0.0.1"): Address {
  return { kind: "tcp", hostname, port };
}

/** One endpoint per port, each with one address. */
export function endpoints(...ports: number[]): Endpoint[] {
  return ports.map((port) => ({ addresses: [addr(port)] }));
}

/**
 * A subchannel the test drives. Like the real one, it changes its state
 * before it calls its listeners, synchronously, and `connect()` reports
 * CONNECTING from inside the call.
 */
export class FakeSubchannel implements Subchannel {
  readonly address: Address;
  #state: ConnectivityState = ConnectivityState.IDLE;
  #error: GrpcError | undefined;
  readonly #listeners = new Set<SubchannelListener>();
  /** How many times `connect()` found it IDLE. */
  connects = 0;

  constructor(address: Address) {
    this.address = address;
  }

  get port(): number {
    return this.address.kind === "tcp" ? this.address.port : -1;
  }

  get state(): ConnectivityState {
    return this.#state;
  }

  get error(): GrpcError | undefined {
    return this.#error;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  connect(): void {
    if (this.#state !== ConnectivityState.IDLE) return;
    this.connects++;
    this.#set(ConnectivityState.CONNECTING, undefined);
  }

  addListener(listener: SubchannelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  shutdown(): void {
    if (this.#state === ConnectivityState.SHUTDOWN) return;
    this.#set(ConnectivityState.SHUTDOWN, undefined);
  }

  /** The attempt succeeded. */
  ready(): void {
    this.#expect(ConnectivityState.CONNECTING);
    this.#set(ConnectivityState.READY, undefined);
  }

  /** The attempt failed (backoff starts). */
  fail(message = "connection refused"): void {
    this.#expect(ConnectivityState.CONNECTING);
    this.#set(
      ConnectivityState.TRANSIENT_FAILURE,
      new GrpcError(Code.UNAVAILABLE, message),
    );
  }

  /** Backoff over (from TRANSIENT_FAILURE) or connection lost (from READY). */
  idle(): void {
    if (
      this.#state !== ConnectivityState.TRANSIENT_FAILURE &&
      this.#state !== ConnectivityState.READY
    ) throw new Error(`idle() from ${this.#state}`);
    this.#set(ConnectivityState.IDLE, undefined);
  }

  #expect(state: ConnectivityState): void {
    if (this.#state !== state) {
      throw new Error(
        `subchannel ${this.port} is ${this.#state}, not ${state}`,
      );
    }
  }

  #set(state: ConnectivityState, error: GrpcError | undefined): void {
    this.#state = state;
    this.#error = error;
    for (const listener of [...this.#listeners]) listener(state, error);
  }
}

/** A channel helper that records everything a balancer does. */
export class FakeHelper implements ChannelHelper {
  readonly clock = new ManualClock();
  /** Every subchannel made, in order. */
  readonly subchannels: FakeSubchannel[] = [];
  /** Every published state, in order. */
  readonly states: ConnectivityState[] = [];
  picker: Picker | undefined;
  reresolutions = 0;
  /** The random source; tests replace it. */
  random: () => number = () => 0;

  /** Runs on each new subchannel before the balancer sees it. */
  onCreate: (sc: FakeSubchannel) => void = () => {};

  createSubchannel(address: Address): FakeSubchannel {
    const sc = new FakeSubchannel(address);
    this.subchannels.push(sc);
    this.onCreate(sc);
    return sc;
  }

  updateState(state: ConnectivityState, picker: Picker): void {
    this.states.push(state);
    this.picker = picker;
  }

  requestReresolution(): void {
    this.reresolutions++;
  }

  /** The last published state. */
  get state(): ConnectivityState | undefined {
    return this.states.at(-1);
  }

  /** A pick on the current picker. */
  pick(): PickResult {
    if (!this.picker) throw new Error("nothing published");
    return this.picker.pick(INFO);
  }

  /** The port of the subchannel the current picker picks. */
  pickPort(): number {
    const result = this.pick();
    if (result.type !== "complete") {
      throw new Error(`pick was ${result.type}`);
    }
    return (result.subchannel as FakeSubchannel).port;
  }

  /** The live (not shut down) subchannel of `port`; throws unless exactly one. */
  live(port: number): FakeSubchannel {
    const found = this.subchannels.filter((sc) =>
      sc.port === port && sc.state !== ConnectivityState.SHUTDOWN
    );
    if (found.length !== 1) {
      throw new Error(`${found.length} live subchannels for port ${port}`);
    }
    return found[0];
  }

  /** Ports of the subchannels made, in order. */
  get created(): number[] {
    return this.subchannels.map((sc) => sc.port);
  }
}

/** Lets queued microtasks (an idle picker's exitIdle) run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}
