/**
 * The stream state machine of RFC 9113 §5.1, as pure functions over one small
 * integer per stream (a "state word"): cheap to test and to check on the hot
 * path, and every illegal transition throws a typed error saying who acts on
 * it. Push is disabled (we announce SETTINGS_ENABLE_PUSH=0 and refuse
 * PUSH_PROMISE), so the two reserved states are never entered, but their
 * transitions are written down with the others.
 *
 * ```text
 *                              +--------+
 *                      send PP |        | recv PP
 *                     ,--------+  idle  +--------.
 *                    /         |        |         \
 *                   v          +--------+          v
 *            +----------+          |           +----------+
 *            |          |          | send H /  |          |
 *     ,------+ reserved |          | recv H    | reserved +------.
 *     |      | (local)  |          |           | (remote) |      |
 *     |      +---+------+          v           +------+---+      |
 *     |          |             +--------+             |          |
 *     |          |     recv ES |        | send ES     |          |
 *     |   send H |     ,-------+  open  +-------.     | recv H   |
 *     |          |    /        |        |        \    |          |
 *     |          v   v         +---+----+         v   v          |
 *     |      +----------+          |           +----------+      |
 *     |      |   half-  |          |           |   half-  |      |
 *     |      |  closed  |          | send R /  |  closed  |      |
 *     |      | (remote) |          | recv R    | (local)  |      |
 *     |      +----+-----+          |           +-----+----+      |
 *     |           |                |                 |           |
 *     |           | send ES /      |       recv ES / |           |
 *     |           |  send R /      v        send R / |           |
 *     |           |  recv R    +--------+   recv R   |           |
 *     | send R /  `----------->|        |<-----------'  send R / |
 *     | recv R                 | closed |               recv R   |
 *     `----------------------->|        |<-----------------------'
 *                              +--------+
 * ```
 * (H: HEADERS, PP: PUSH_PROMISE, ES: END_STREAM, R: RST_STREAM. RFC 9113,
 * Figure 2.)
 *
 * The low three bits of a state word are the §5.1 state. Above them are the
 * facts §5.1 leaves to §8.1 (h2's "awaiting headers" or "streaming" of each
 * side) and the engine's bookkeeping ({@linkcode StateWord}). Local sends
 * move the state when their frame is written to the socket buffer, not when
 * the application queues it; {@linkcode queueSend} checks the application's
 * side. The rest of the engine reads a state word only through the
 * predicates here ({@linkcode isClosed}, {@linkcode mayReceive}...), never
 * its bits.
 *
 * @module
 */

import { ErrorCode } from "./frame/types.ts";
import {
  ConnectionStateError,
  StreamStateError,
  StreamUsageError,
} from "./errors.ts";

/**
 * The values in a state word. A `const enum`: this module's uses compile to
 * literals, where an imported constant would be a load at every use (3 % of
 * the engine's time per request measured in process).
 */
export const enum StateWord {
  /** §5.1 idle: no frame sent or received yet. */
  IDLE = 0,
  /** §5.1 reserved (local): we promised the stream (never: push is disabled). */
  RESERVED_LOCAL = 1,
  /** §5.1 reserved (remote): the peer promised it (never: push is refused). */
  RESERVED_REMOTE = 2,
  /** §5.1 open: both sides may send. */
  OPEN = 3,
  /** §5.1 half-closed (local): our END_STREAM is written; the peer may send. */
  HALF_CLOSED_LOCAL = 4,
  /** §5.1 half-closed (remote): the peer's END_STREAM arrived; we may send. */
  HALF_CLOSED_REMOTE = 5,
  /** §5.1 closed: ended both ways, or reset. */
  CLOSED = 6,
  /** The bits that hold the §5.1 state. */
  STATE_MASK = 7,
  /** We wrote a field block (a server answered; a client's stream is out). */
  SENT_HEADERS = 8,
  /** The peer's header block arrived: DATA and trailers may follow (§8.1). */
  RECEIVED_HEADERS = 16,
  /**
   * Our side takes nothing more: END_STREAM is queued, or the stream closed.
   * One bit, so the check on every send is one test.
   */
  END_QUEUED = 32,
  /** The connection let go of the stream: counted out, its handler told. */
  RELEASED = 64,
}

/** The §5.1 states by name, for users and messages. */
export type StreamState =
  | "idle"
  | "reserved-local"
  | "reserved-remote"
  | "open"
  | "half-closed-local"
  | "half-closed-remote"
  | "closed";

const NAMES: readonly StreamState[] = [
  "idle",
  "reserved-local",
  "reserved-remote",
  "open",
  "half-closed-local",
  "half-closed-remote",
  "closed",
];

/**
 * The name of a state word's §5.1 state.
 *
 * @example
 * ```ts
 * import { stateName, StateWord } from "./stream_state.ts";
 * stateName(StateWord.OPEN | StateWord.RECEIVED_HEADERS); // "open"
 * ```
 *
 * @param state a state word
 * @returns the state's name
 */
export function stateName(state: number): StreamState {
  return NAMES[state & StateWord.STATE_MASK];
}

/** Sets of §5.1 states as bit masks (bit n for state n): a check is one shift and one test. */
const enum StateSet {
  /** We may still queue frames: idle, reserved (local), open, half-closed (remote). */
  SENDING = (1 << StateWord.IDLE) | (1 << StateWord.RESERVED_LOCAL) |
    (1 << StateWord.OPEN) | (1 << StateWord.HALF_CLOSED_REMOTE),
  /** The peer may send DATA: open, half-closed (local). */
  RECEIVING = (1 << StateWord.OPEN) | (1 << StateWord.HALF_CLOSED_LOCAL),
}

/** `state` with its §5.1 bits replaced by `next`. */
function moveTo(state: number, next: number): number {
  return (state & ~StateWord.STATE_MASK) | next;
}

/**
 * The application queues a frame (HEADERS or DATA), `end` if it carries
 * END_STREAM.
 *
 * @example
 * ```ts
 * import { queueSend, StateWord } from "./stream_state.ts";
 * queueSend(StateWord.OPEN, true, 1); // StateWord.OPEN | StateWord.END_QUEUED
 * ```
 *
 * @param state the state word
 * @param end whether the frame ends our side
 * @param streamId for the error
 * @param cause why the stream closed, if it closed with an error
 * @returns the new state word
 * @throws {StreamUsageError} when our side is over; `cause` itself when the
 * stream closed with that error
 */
export function queueSend(
  state: number,
  end: boolean,
  streamId: number,
  cause?: Error,
): number {
  if (
    (state & StateWord.END_QUEUED) === 0 &&
    ((StateSet.SENDING >> (state & StateWord.STATE_MASK)) & 1)
  ) {
    return end ? state | StateWord.END_QUEUED : state;
  }
  throw refusedQueue(state, streamId, cause);
}

function refusedQueue(state: number, streamId: number, cause?: Error): Error {
  const s = state & StateWord.STATE_MASK;
  // As h2 does: a stream that closed with an error answers with that error
  // (a ResetError, GoawayError...), which says more than "closed".
  if (s === StateWord.CLOSED && cause !== undefined) return cause;
  return new StreamUsageError(
    streamId,
    s === StateWord.CLOSED
      ? "send-on-closed"
      : s === StateWord.RESERVED_REMOTE
      ? "send-on-reserved"
      : "send-after-end",
    stateName(state),
  );
}

/**
 * Our field block was written (send H): idle opens, reserved (local) becomes
 * half-closed (remote); END_STREAM is applied by {@linkcode sentEnd}.
 *
 * @example
 * ```ts
 * import { sentHeaders, StateWord } from "./stream_state.ts";
 * sentHeaders(StateWord.IDLE, 1); // StateWord.OPEN | StateWord.SENT_HEADERS
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @returns the new state word
 * @throws {StreamUsageError} on our closed side (a queued frame outlived it)
 */
export function sentHeaders(state: number, streamId: number): number {
  switch (state & StateWord.STATE_MASK) {
    case StateWord.IDLE:
      return moveTo(state, StateWord.OPEN) | StateWord.SENT_HEADERS;
    case StateWord.RESERVED_LOCAL:
      return moveTo(state, StateWord.HALF_CLOSED_REMOTE) |
        StateWord.SENT_HEADERS;
    case StateWord.OPEN:
    case StateWord.HALF_CLOSED_REMOTE:
      return state | StateWord.SENT_HEADERS;
  }
  throw refusedSend(state, streamId);
}

/**
 * Our END_STREAM was written (send ES).
 *
 * @example
 * ```ts
 * import { sentEnd, StateWord } from "./stream_state.ts";
 * sentEnd(StateWord.OPEN, 1); // StateWord.HALF_CLOSED_LOCAL
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @returns the new state word
 * @throws {StreamUsageError} where our side is not open
 */
export function sentEnd(state: number, streamId: number): number {
  const s = state & StateWord.STATE_MASK;
  if (s === StateWord.OPEN) return moveTo(state, StateWord.HALF_CLOSED_LOCAL);
  if (s === StateWord.HALF_CLOSED_REMOTE) {
    return moveTo(state, StateWord.CLOSED);
  }
  throw refusedSend(state, streamId);
}

function refusedSend(state: number, streamId: number): StreamUsageError {
  const s = state & StateWord.STATE_MASK;
  return new StreamUsageError(
    streamId,
    s === StateWord.RESERVED_REMOTE
      ? "send-on-reserved"
      : s === StateWord.CLOSED
      ? "send-on-closed"
      : s === StateWord.IDLE || s === StateWord.RESERVED_LOCAL
      ? "send-before-headers"
      : "send-after-end",
    stateName(state),
  );
}

/**
 * The peer's END_STREAM arrived (recv ES) on a stream that takes it.
 *
 * @param state the state word (open or half-closed local)
 * @returns the new state word
 */
function receivedEnd(state: number): number {
  return moveTo(
    state,
    (state & StateWord.STATE_MASK) === StateWord.OPEN
      ? StateWord.HALF_CLOSED_REMOTE
      : StateWord.CLOSED,
  );
}

/**
 * A complete field block arrived (recv H): the request or response header,
 * or trailers (which must end the stream, §8.1).
 *
 * @example
 * ```ts
 * import { receivedHeaders, StateWord } from "./stream_state.ts";
 * receivedHeaders(StateWord.IDLE, false, 1); // StateWord.OPEN | StateWord.RECEIVED_HEADERS
 * ```
 *
 * @param state the state word
 * @param end whether the block carried END_STREAM
 * @param streamId for the error
 * @returns the new state word
 * @throws {StreamStateError} after the peer's END_STREAM, or trailers
 * without END_STREAM
 * @throws {ConnectionStateError} on a closed stream
 */
export function receivedHeaders(
  state: number,
  end: boolean,
  streamId: number,
): number {
  let next: number;
  switch (state & StateWord.STATE_MASK) {
    case StateWord.OPEN:
    case StateWord.HALF_CLOSED_LOCAL:
      // A response (client), or trailers, which must end the stream (§8.1).
      if ((state & StateWord.RECEIVED_HEADERS) === 0) {
        next = state | StateWord.RECEIVED_HEADERS;
      } else if (end) next = state;
      else throw refusedHeaders(state, streamId);
      break;
    case StateWord.IDLE:
      next = moveTo(state, StateWord.OPEN) | StateWord.RECEIVED_HEADERS;
      break;
    case StateWord.RESERVED_REMOTE:
      next = moveTo(state, StateWord.HALF_CLOSED_LOCAL) |
        StateWord.RECEIVED_HEADERS;
      break;
    default:
      throw refusedHeaders(state, streamId);
  }
  return end ? receivedEnd(next) : next;
}

// The refusals are apart from the transitions so that those stay small
// enough to be inlined into the per-frame code that calls them.

function refusedHeaders(state: number, streamId: number): Error {
  switch (state & StateWord.STATE_MASK) {
    case StateWord.OPEN:
    case StateWord.HALF_CLOSED_LOCAL:
      return new StreamStateError(
        streamId,
        ErrorCode.PROTOCOL_ERROR,
        "trailers-without-end",
        stateName(state),
      );
    case StateWord.HALF_CLOSED_REMOTE:
      return new StreamStateError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        "frame-after-end",
        "half-closed-remote",
      );
    case StateWord.RESERVED_LOCAL:
      return refusedFrame(state, streamId);
  }
  // §5.1 closed: frames after END_STREAM both ways are a connection error.
  return new ConnectionStateError(
    streamId,
    ErrorCode.STREAM_CLOSED,
    "headers-on-closed",
    "closed",
  );
}

/**
 * A DATA frame arrived.
 *
 * @example
 * ```ts
 * import { receivedData, StateWord } from "./stream_state.ts";
 * const open = StateWord.OPEN | StateWord.RECEIVED_HEADERS;
 * receivedData(open, true, 1); // StateWord.HALF_CLOSED_REMOTE | StateWord.RECEIVED_HEADERS
 * ```
 *
 * @param state the state word
 * @param end whether it carried END_STREAM
 * @param streamId for the error
 * @returns the new state word
 * @throws {StreamStateError} before the header block, after END_STREAM, or
 * on a closed stream
 * @throws {ConnectionStateError} on an idle or reserved stream
 */
export function receivedData(
  state: number,
  end: boolean,
  streamId: number,
): number {
  if (
    (state & StateWord.RECEIVED_HEADERS) !== 0 &&
    ((StateSet.RECEIVING >> (state & StateWord.STATE_MASK)) & 1)
  ) {
    return end ? receivedEnd(state) : state;
  }
  throw refusedData(state, streamId);
}

function refusedData(state: number, streamId: number): Error {
  switch (state & StateWord.STATE_MASK) {
    case StateWord.OPEN:
    case StateWord.HALF_CLOSED_LOCAL:
      return new StreamStateError(
        streamId,
        ErrorCode.PROTOCOL_ERROR,
        "data-before-headers",
        stateName(state),
      );
    case StateWord.HALF_CLOSED_REMOTE:
      return new StreamStateError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        "frame-after-end",
        "half-closed-remote",
      );
    case StateWord.CLOSED:
      return new StreamStateError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        "data-on-closed",
        "closed",
      );
  }
  return refusedFrame(state, streamId);
}

/**
 * A RST_STREAM arrived (recv R).
 *
 * @example
 * ```ts
 * import { receivedReset, StateWord } from "./stream_state.ts";
 * receivedReset(StateWord.OPEN, 1); // StateWord.CLOSED
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @returns the new state word (closed)
 * @throws {ConnectionStateError} on an idle stream
 */
export function receivedReset(state: number, streamId: number): number {
  if ((state & StateWord.STATE_MASK) === StateWord.IDLE) {
    throw refusedFrame(state, streamId);
  }
  return moveTo(state, StateWord.CLOSED);
}

/**
 * A WINDOW_UPDATE arrived for the stream; the state does not change.
 *
 * @example
 * ```ts
 * import { receivedWindowUpdate, StateWord } from "./stream_state.ts";
 * try {
 *   receivedWindowUpdate(StateWord.IDLE, 1);
 * } catch (e) {
 *   console.log(String(e)); // ConnectionStateError: PROTOCOL_ERROR: stream 1: frame-on-idle (idle)
 * }
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @throws {ConnectionStateError} on an idle or reserved (remote) stream
 */
export function receivedWindowUpdate(state: number, streamId: number): void {
  const s = state & StateWord.STATE_MASK;
  if (s === StateWord.IDLE || s === StateWord.RESERVED_REMOTE) {
    throw refusedFrame(state, streamId);
  }
}

function refusedFrame(state: number, streamId: number): ConnectionStateError {
  const s = state & StateWord.STATE_MASK;
  return new ConnectionStateError(
    streamId,
    ErrorCode.PROTOCOL_ERROR,
    s === StateWord.IDLE ? "frame-on-idle" : "frame-on-reserved",
    stateName(state),
  );
}

/**
 * The stream closes for any reason (send R, a failure, or both sides ended)
 * and the connection lets go of it; our side takes nothing more.
 *
 * @example
 * ```ts
 * import { isReleased, releasedState, StateWord } from "./stream_state.ts";
 * isReleased(releasedState(StateWord.OPEN)); // true
 * ```
 *
 * @param state the state word
 * @returns the new state word: closed, released
 */
export function releasedState(state: number): number {
  return moveTo(state, StateWord.CLOSED) | StateWord.END_QUEUED |
    StateWord.RELEASED;
}

// Predicates: the rest of the engine reads state words through these (each
// small enough to be inlined everywhere). Each takes a state word.

/**
 * Whether the stream is §5.1 closed.
 *
 * @example `isClosed(StateWord.CLOSED) // true`
 */
export function isClosed(state: number): boolean {
  return (state & StateWord.STATE_MASK) === StateWord.CLOSED;
}

/**
 * Whether the connection let go of the stream (closed and counted out).
 *
 * @example `isReleased(StateWord.CLOSED) // false`
 */
export function isReleased(state: number): boolean {
  return (state & StateWord.RELEASED) !== 0;
}

/**
 * Whether our side takes nothing more (END_STREAM queued, or closed).
 *
 * @example `isLocalEnded(StateWord.OPEN | StateWord.END_QUEUED) // true`
 */
export function isLocalEnded(state: number): boolean {
  return (state & StateWord.END_QUEUED) !== 0;
}

/**
 * Whether the peer's END_STREAM arrived on a stream not yet closed.
 *
 * @example `isRemoteEnded(StateWord.HALF_CLOSED_REMOTE) // true`
 */
export function isRemoteEnded(state: number): boolean {
  return (state & StateWord.STATE_MASK) === StateWord.HALF_CLOSED_REMOTE;
}

/**
 * Whether the peer may still send DATA (open, half-closed local).
 *
 * @example `mayReceive(StateWord.HALF_CLOSED_LOCAL) // true`
 */
export function mayReceive(state: number): boolean {
  return ((StateSet.RECEIVING >> (state & StateWord.STATE_MASK)) & 1) !== 0;
}

/**
 * Whether we wrote a field block (a server answered).
 *
 * @example `hasSentHeaders(StateWord.OPEN | StateWord.SENT_HEADERS) // true`
 */
export function hasSentHeaders(state: number): boolean {
  return (state & StateWord.SENT_HEADERS) !== 0;
}

/**
 * Whether the peer's header block arrived (a later one is trailers).
 *
 * @example `hasReceivedHeaders(StateWord.OPEN) // false: a response is awaited`
 */
export function hasReceivedHeaders(state: number): boolean {
  return (state & StateWord.RECEIVED_HEADERS) !== 0;
}
