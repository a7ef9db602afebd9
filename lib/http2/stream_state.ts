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
 * side) and the engine's bookkeeping: {@linkcode SENT_HEADERS},
 * {@linkcode RECEIVED_HEADERS}, {@linkcode END_QUEUED}, {@linkcode RELEASED}.
 * Local sends move the state when their frame is written to the socket
 * buffer, not when the application queues it; {@linkcode queueSend} checks
 * the application's side.
 *
 * @module
 */

import { ErrorCode } from "./frame/types.ts";
import {
  ConnectionStateError,
  StreamStateError,
  StreamUsageError,
} from "./errors.ts";

/** §5.1 idle: no frame sent or received yet. */
export const IDLE = 0;
/** §5.1 reserved (local): we promised the stream (never: push is disabled). */
export const RESERVED_LOCAL = 1;
/** §5.1 reserved (remote): the peer promised it (never: push is refused). */
export const RESERVED_REMOTE = 2;
/** §5.1 open: both sides may send. */
export const OPEN = 3;
/** §5.1 half-closed (local): our END_STREAM is written; the peer may send. */
export const HALF_CLOSED_LOCAL = 4;
/** §5.1 half-closed (remote): the peer's END_STREAM arrived; we may send. */
export const HALF_CLOSED_REMOTE = 5;
/** §5.1 closed: ended both ways, or reset. */
export const CLOSED = 6;
/** The bits of a state word that hold the §5.1 state. */
export const STATE_MASK = 7;

/** We wrote a field block (a server answered; a client's stream is out). */
export const SENT_HEADERS = 8;
/** The peer's header block arrived: DATA and trailers may follow (§8.1). */
export const RECEIVED_HEADERS = 16;
/**
 * Our side takes nothing more: END_STREAM is queued, or the stream closed.
 * One bit, so the check on every send is one test.
 */
export const END_QUEUED = 32;
/** The connection let go of the stream: counted out, its handler told. */
export const RELEASED = 64;

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
 * import { OPEN, RECEIVED_HEADERS, stateName } from "./stream_state.ts";
 * stateName(OPEN | RECEIVED_HEADERS); // "open"
 * ```
 *
 * @param state a state word
 * @returns the state's name
 */
export function stateName(state: number): StreamState {
  return NAMES[state & STATE_MASK];
}

// Sets of §5.1 states as bit masks (bit n for state n), so that a hot
// check is one shift and one test.
/** States in which we may still queue frames: idle, reserved (local), open, half-closed (remote). */
const SENDING_STATES = (1 << IDLE) | (1 << RESERVED_LOCAL) | (1 << OPEN) |
  (1 << HALF_CLOSED_REMOTE);
/** States in which the peer may send DATA: open, half-closed (local). */
const RECEIVING_STATES = (1 << OPEN) | (1 << HALF_CLOSED_LOCAL);

/** `state` with its §5.1 bits replaced by `next`. */
function moveTo(state: number, next: number): number {
  return (state & ~STATE_MASK) | next;
}

/**
 * The application queues a frame (HEADERS or DATA), `end` if it carries
 * END_STREAM.
 *
 * @example
 * ```ts
 * import { END_QUEUED, OPEN, queueSend } from "./stream_state.ts";
 * queueSend(OPEN, true, 1) === (OPEN | END_QUEUED); // true
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
    (state & END_QUEUED) === 0 && ((SENDING_STATES >> (state & STATE_MASK)) & 1)
  ) {
    return end ? state | END_QUEUED : state;
  }
  throw refusedQueue(state, streamId, cause);
}

function refusedQueue(state: number, streamId: number, cause?: Error): Error {
  const s = state & STATE_MASK;
  // As h2 does: a stream that closed with an error answers with that error
  // (a ResetError, GoawayError...), which says more than "closed".
  if (s === CLOSED && cause !== undefined) return cause;
  return new StreamUsageError(
    streamId,
    s === CLOSED
      ? "send-on-closed"
      : s === RESERVED_REMOTE
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
 * import { IDLE, OPEN, SENT_HEADERS, sentHeaders } from "./stream_state.ts";
 * sentHeaders(IDLE, 1) === (OPEN | SENT_HEADERS); // true
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @returns the new state word
 * @throws {StreamUsageError} on our closed side (a queued frame outlived it)
 */
export function sentHeaders(state: number, streamId: number): number {
  switch (state & STATE_MASK) {
    case IDLE:
      return moveTo(state, OPEN) | SENT_HEADERS;
    case RESERVED_LOCAL:
      return moveTo(state, HALF_CLOSED_REMOTE) | SENT_HEADERS;
    case OPEN:
    case HALF_CLOSED_REMOTE:
      return state | SENT_HEADERS;
  }
  throw refusedSend(state, streamId);
}

/**
 * Our END_STREAM was written (send ES).
 *
 * @example
 * ```ts
 * import { HALF_CLOSED_LOCAL, OPEN, sentEnd } from "./stream_state.ts";
 * sentEnd(OPEN, 1) === HALF_CLOSED_LOCAL; // true
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @returns the new state word
 * @throws {StreamUsageError} where our side is not open
 */
export function sentEnd(state: number, streamId: number): number {
  const s = state & STATE_MASK;
  if (s === OPEN) return moveTo(state, HALF_CLOSED_LOCAL);
  if (s === HALF_CLOSED_REMOTE) return moveTo(state, CLOSED);
  throw refusedSend(state, streamId);
}

function refusedSend(state: number, streamId: number): StreamUsageError {
  const s = state & STATE_MASK;
  return new StreamUsageError(
    streamId,
    s === RESERVED_REMOTE
      ? "send-on-reserved"
      : s === CLOSED
      ? "send-on-closed"
      : s === IDLE || s === RESERVED_LOCAL
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
    (state & STATE_MASK) === OPEN ? HALF_CLOSED_REMOTE : CLOSED,
  );
}

/**
 * A complete field block arrived (recv H): the request or response header,
 * or trailers (which must end the stream, §8.1).
 *
 * @example
 * ```ts
 * import { IDLE, OPEN, RECEIVED_HEADERS, receivedHeaders } from "./stream_state.ts";
 * receivedHeaders(IDLE, false, 1) === (OPEN | RECEIVED_HEADERS); // true
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
  switch (state & STATE_MASK) {
    case OPEN:
    case HALF_CLOSED_LOCAL:
      // A response (client), or trailers, which must end the stream (§8.1).
      if ((state & RECEIVED_HEADERS) === 0) next = state | RECEIVED_HEADERS;
      else if (end) next = state;
      else throw refusedHeaders(state, streamId);
      break;
    case IDLE:
      next = moveTo(state, OPEN) | RECEIVED_HEADERS;
      break;
    case RESERVED_REMOTE:
      next = moveTo(state, HALF_CLOSED_LOCAL) | RECEIVED_HEADERS;
      break;
    default:
      throw refusedHeaders(state, streamId);
  }
  return end ? receivedEnd(next) : next;
}

// The refusals are apart from the transitions so that those stay small
// enough to be inlined into the per-frame code that calls them.

function refusedHeaders(state: number, streamId: number): Error {
  switch (state & STATE_MASK) {
    case OPEN:
    case HALF_CLOSED_LOCAL:
      return new StreamStateError(
        streamId,
        ErrorCode.PROTOCOL_ERROR,
        "trailers-without-end",
        stateName(state),
      );
    case HALF_CLOSED_REMOTE:
      return new StreamStateError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        "frame-after-end",
        "half-closed-remote",
      );
    case RESERVED_LOCAL:
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
 * import { HALF_CLOSED_REMOTE, OPEN, RECEIVED_HEADERS, receivedData } from "./stream_state.ts";
 * receivedData(OPEN | RECEIVED_HEADERS, true, 1) ===
 *   (HALF_CLOSED_REMOTE | RECEIVED_HEADERS); // true
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
    (state & RECEIVED_HEADERS) !== 0 &&
    ((RECEIVING_STATES >> (state & STATE_MASK)) & 1)
  ) {
    return end ? receivedEnd(state) : state;
  }
  throw refusedData(state, streamId);
}

function refusedData(state: number, streamId: number): Error {
  switch (state & STATE_MASK) {
    case OPEN:
    case HALF_CLOSED_LOCAL:
      return new StreamStateError(
        streamId,
        ErrorCode.PROTOCOL_ERROR,
        "data-before-headers",
        stateName(state),
      );
    case HALF_CLOSED_REMOTE:
      return new StreamStateError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        "frame-after-end",
        "half-closed-remote",
      );
    case CLOSED:
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
 * import { CLOSED, OPEN, receivedReset } from "./stream_state.ts";
 * receivedReset(OPEN, 1) === CLOSED; // true
 * ```
 *
 * @param state the state word
 * @param streamId for the error
 * @returns the new state word (closed)
 * @throws {ConnectionStateError} on an idle stream
 */
export function receivedReset(state: number, streamId: number): number {
  if ((state & STATE_MASK) === IDLE) throw refusedFrame(state, streamId);
  return moveTo(state, CLOSED);
}

/**
 * A WINDOW_UPDATE arrived for the stream; the state does not change.
 *
 * @example
 * ```ts
 * import { IDLE, receivedWindowUpdate } from "./stream_state.ts";
 * try {
 *   receivedWindowUpdate(IDLE, 1);
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
  const s = state & STATE_MASK;
  if (s === IDLE || s === RESERVED_REMOTE) throw refusedFrame(state, streamId);
}

function refusedFrame(state: number, streamId: number): ConnectionStateError {
  const s = state & STATE_MASK;
  return new ConnectionStateError(
    streamId,
    ErrorCode.PROTOCOL_ERROR,
    s === IDLE ? "frame-on-idle" : "frame-on-reserved",
    stateName(state),
  );
}

/**
 * The stream closes for any reason (send R, a failure, or both sides
 * ended): closed, and our side takes nothing more.
 *
 * @example
 * ```ts
 * import { CLOSED, closedState, END_QUEUED, OPEN } from "./stream_state.ts";
 * closedState(OPEN) === (CLOSED | END_QUEUED); // true
 * ```
 *
 * @param state the state word
 * @returns the new state word
 */
export function closedState(state: number): number {
  return moveTo(state, CLOSED) | END_QUEUED;
}
