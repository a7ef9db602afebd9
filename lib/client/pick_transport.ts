/**
 * The slow path of getting a transport for a call: pick, and on "queue" (or
 * on "fail" with `waitForReady`) wait for the channel's next picker and pick
 * again (grpc-go's `pickerWrapper.pick`). The fast path — the current
 * picker answers with a READY subchannel — is inlined by the callers so a
 * call on a ready channel starts without an `await`.
 *
 * @module
 */

import type { Channel } from "../channel/channel.ts";
import type { CallDoneInfo, PickInfo } from "../channel/picker.ts";
import { type CallTransport, transportOf } from "../channel/transport.ts";
import type { GrpcError } from "../grpc/grpc_error.ts";

/** A transport the picker chose, and its "call done" callback. */
export interface PickedTransport {
  /** The READY connection that takes the call. */
  transport: CallTransport;
  /** The picker's callback for when the call ends, if it gave one. */
  onCallDone: ((info: CallDoneInfo) => void) | undefined;
}

/**
 * Picks until a READY transport comes, the picker fails the call, or the
 * call ends first.
 *
 * @example Start a call on a queued channel
 * ```ts ignore
 * const { transport } = await pickTransport(channel, req, false, call.outcome.promise);
 * ```
 *
 * @param channel the channel whose pickers to ask
 * @param info the call's method and metadata
 * @param waitForReady keep waiting when the picker fails the call
 * @param ended settles when the call ended (deadline, cancellation): the
 * wait stops with the call's error
 * @returns the transport; rejects with the picker's or the call's error
 */
export async function pickTransport(
  channel: Channel,
  info: PickInfo,
  waitForReady: boolean,
  ended: Promise<{ error: GrpcError | undefined }>,
): Promise<PickedTransport> {
  const stop = new AbortController();
  void ended.then((outcome) => stop.abort(outcome.error));
  try {
    let picker = channel.picker;
    for (;;) {
      const result = picker.pick(info);
      if (result.type === "complete") {
        const transport = transportOf(result.subchannel);
        if (transport !== undefined && transport.isAvailable) {
          return { transport, onCallDone: result.onCallDone };
        }
        // Picked a subchannel that just lost its connection: its state
        // change brings a new picker.
      } else if (result.type === "fail" && !waitForReady) {
        throw result.error;
      }
      picker = await channel.nextPicker(picker, stop.signal);
    }
  } finally {
    // Detaches the wait from `ended` (nothing to abort once picked).
    stop.abort();
  }
}
