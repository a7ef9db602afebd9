/**
 * Pickers: how a channel chooses a connection for each call (grpc-go's
 * `balancer.Picker`, load-balancing.md).
 *
 * A balancer publishes a new immutable picker whenever its view of the
 * subchannels changes. `pick()` is **synchronous and never blocks**: it
 * answers at once with a subchannel (complete), "wait for the next picker"
 * (queue), or a status to fail the call with (fail). The channel waits for
 * the next picker on "queue" — and on "fail" for calls that asked for
 * `waitForReady`.
 *
 * @module
 */

import type { GrpcError } from "../grpc/grpc_error.ts";
import type { Metadata } from "../grpc/metadata.ts";
import type { Subchannel } from "./subchannel.ts";

/**
 * What a picker knows of the call it picks for.
 *
 * @example Route by method
 * ```ts ignore
 * const pick = (info: PickInfo) => info.path.startsWith("/admin.") ? a : b;
 * ```
 */
export interface PickInfo {
  /** The method's path, `/package.Service/Method`. */
  readonly path: string;
  /** The call's request metadata (built on first read). */
  readonly metadata: Metadata;
}

/**
 * How a picked call ended, for balancers that count (least-request, ...).
 *
 * @example Count failures
 * ```ts ignore
 * onCallDone: (info) => { if (info.error) failures++; }
 * ```
 */
export interface CallDoneInfo {
  /** The call's error; undefined when it ended OK. */
  readonly error: GrpcError | undefined;
}

/**
 * Use this subchannel. `onCallDone` runs once when the call ends.
 *
 * @example A complete pick
 * ```ts ignore
 * const result: PickComplete = { type: "complete", subchannel };
 * ```
 */
export interface PickComplete {
  /** Discriminant: the call goes to `subchannel`. */
  readonly type: "complete";
  /**
   * The subchannel whose connection takes the call: one the balancer got
   * from `ChannelHelper.createSubchannel` (its connection stays internal).
   */
  readonly subchannel: Subchannel;
  /** Called once when the call ends (optional). */
  readonly onCallDone?: (info: CallDoneInfo) => void;
}

/**
 * No subchannel yet: wait for the next picker.
 *
 * @example
 * ```ts ignore
 * return PICK_QUEUE;
 * ```
 */
export interface PickQueue {
  /** Discriminant: the call waits for the next picker. */
  readonly type: "queue";
}

/**
 * Fail the call with `error` (unless it is `waitForReady`: then it waits for
 * the next picker).
 *
 * @example
 * ```ts ignore
 * return { type: "fail", error: new GrpcError(Code.UNAVAILABLE, "no backends") };
 * ```
 */
export interface PickFail {
  /** Discriminant: the call fails (or waits, with waitForReady). */
  readonly type: "fail";
  /** The status the call fails with, usually UNAVAILABLE. */
  readonly error: GrpcError;
}

/** A picker's answer. */
export type PickResult = PickComplete | PickQueue | PickFail;

/**
 * Chooses a subchannel per call. Must be synchronous, must not block, and
 * may be called concurrently with the balancer publishing its successor.
 *
 * @example A picker that always uses one subchannel
 * ```ts ignore
 * const result: PickResult = { type: "complete", subchannel };
 * const picker: Picker = { pick: () => result };
 * ```
 */
export interface Picker {
  /**
   * Picks for one call.
   *
   * @param info the call's method and metadata
   * @returns complete, queue or fail
   */
  pick(info: PickInfo): PickResult;
}

/**
 * The one "queue" answer (immutable, shared: a pick allocates nothing).
 *
 * @example
 * ```ts
 * import { PICK_QUEUE } from "./picker.ts";
 * console.log(PICK_QUEUE.type); // "queue"
 * ```
 */
export const PICK_QUEUE: PickQueue = Object.freeze({ type: "queue" });

/**
 * A picker that queues every call (a balancer that is connecting).
 *
 * @example
 * ```ts
 * import { QUEUE_PICKER } from "./picker.ts";
 * console.log(QUEUE_PICKER.pick({ path: "/a.B/C" } as never).type); // "queue"
 * ```
 */
export const QUEUE_PICKER: Picker = Object.freeze({ pick: () => PICK_QUEUE });

/**
 * A picker that fails every call with `error` (TRANSIENT_FAILURE).
 *
 * @example
 * ```ts
 * import { failPicker } from "./picker.ts";
 * import { GrpcError } from "../grpc/grpc_error.ts";
 * import { Code } from "../grpc/status.ts";
 * const picker = failPicker(new GrpcError(Code.UNAVAILABLE, "down"));
 * console.log(picker.pick({ path: "/a.B/C" } as never).type); // "fail"
 * ```
 *
 * @param error the status of every call
 * @returns the picker
 */
export function failPicker(error: GrpcError): Picker {
  const result: PickFail = Object.freeze({ type: "fail", error });
  return { pick: () => result };
}
