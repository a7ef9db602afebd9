/**
 * Frame payload parsing and validation (RFC 9113 §6): one frame's header
 * fields and payload in, a typed {@linkcode Frame} out.
 *
 * @module
 */

import { ConnectionError, StreamError } from "../errors.ts";
import {
  ErrorCode,
  Flags,
  type Frame,
  FrameType,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW,
  type Priority,
  SettingId,
} from "./types.ts";

/** Reads a 31-bit value, ignoring the reserved high bit (RFC 9113 §4.1). */
function u31(b: Uint8Array, o: number): number {
  return ((b[o] & 0x7f) << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/** Reads an unsigned 32-bit big-endian value. */
function u32(b: Uint8Array, o: number): number {
  return b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

function readPriority(b: Uint8Array, o: number): Priority {
  return {
    exclusive: (b[o] & 0x80) !== 0,
    dependency: u31(b, o),
    weight: b[o + 4] + 1,
  };
}

function requireStream(name: string, streamId: number): void {
  if (streamId === 0) {
    throw new ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      `${name} frame on stream 0`,
    );
  }
}

function requireConnection(name: string, streamId: number): void {
  if (streamId !== 0) {
    throw new ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      `${name} frame on stream ${streamId}, not 0`,
    );
  }
}

function frameSizeError(message: string): ConnectionError {
  return new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, message);
}

/**
 * Where the payload's content ends once padding is stripped; it starts at
 * {@linkcode contentStart}. `fixed` is the length of the fields that follow
 * the Pad Length octet (priority, promised stream id).
 */
function contentEnd(
  name: string,
  flags: number,
  payload: Uint8Array,
  fixed: number,
): number {
  const length = payload.length;
  if ((flags & Flags.PADDED) === 0) {
    // §4.2: a frame too small for its mandatory fields is FRAME_SIZE_ERROR.
    if (length < fixed) throw frameSizeError(`${name} payload too short`);
    return length;
  }
  if (length < 1 + fixed) throw frameSizeError(`${name} payload too short`);
  const padLength = payload[0];
  // §6.1, §6.2, §6.6: padding as long as the payload or longer MUST be a
  // connection error of type PROTOCOL_ERROR.
  if (padLength > length - 1 - fixed) {
    throw new ConnectionError(
      ErrorCode.PROTOCOL_ERROR,
      `${name} Pad Length ${padLength} exceeds payload length ${length}`,
    );
  }
  return length - padLength;
}

/** Offset of the content after the Pad Length octet and `fixed` fields. */
function contentStart(flags: number, fixed: number): number {
  return (flags & Flags.PADDED) === 0 ? fixed : fixed + 1;
}

function parseSettings(
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Frame {
  requireConnection("SETTINGS", streamId);
  const length = payload.length;
  const ack = (flags & Flags.ACK) !== 0;
  if (ack) {
    // §6.5: an ACK with a payload MUST be a FRAME_SIZE_ERROR.
    if (length !== 0) throw frameSizeError("SETTINGS ACK with a payload");
    return { type: FrameType.SETTINGS, streamId: 0, ack, settings: [] };
  }
  // §6.5: a length not a multiple of 6 MUST be a FRAME_SIZE_ERROR.
  if (length % 6 !== 0) {
    throw frameSizeError(`SETTINGS length ${length} not a multiple of 6`);
  }
  const settings: Array<[id: number, value: number]> = new Array(length / 6);
  for (let o = 0, i = 0; o < length; o += 6, i++) {
    const id = (payload[o] << 8) | payload[o + 1];
    const value = u32(payload, o + 2);
    switch (id) {
      case SettingId.ENABLE_PUSH:
      case SettingId.ENABLE_CONNECT_PROTOCOL: // RFC 8441 §3
        // §6.5.2: any value other than 0 or 1 MUST be a PROTOCOL_ERROR.
        if (value > 1) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            `SETTINGS ${
              id === SettingId.ENABLE_PUSH
                ? "ENABLE_PUSH"
                : "ENABLE_CONNECT_PROTOCOL"
            } ${value} is not 0 or 1`,
          );
        }
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        // §6.5.2: above 2^31−1 MUST be a FLOW_CONTROL_ERROR.
        if (value > MAX_WINDOW) {
          throw new ConnectionError(
            ErrorCode.FLOW_CONTROL_ERROR,
            `SETTINGS INITIAL_WINDOW_SIZE ${value} exceeds 2^31-1`,
          );
        }
        break;
      case SettingId.MAX_FRAME_SIZE:
        // §6.5.2: outside [2^14, 2^24−1] MUST be a PROTOCOL_ERROR.
        if (value < 16384 || value > MAX_MAX_FRAME_SIZE) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            `SETTINGS MAX_FRAME_SIZE ${value} outside [16384, 16777215]`,
          );
        }
        break;
    }
    settings[i] = [id, value];
  }
  return { type: FrameType.SETTINGS, streamId: 0, ack, settings };
}

/**
 * Validates and types one frame. Returns `null` for an unknown frame type,
 * which MUST be ignored (RFC 9113 §4.1, §5.5). Unknown flags are ignored too.
 * Byte fields of the result (`data`, `fragment`, `debugData`) are subarray
 * views into `payload`. Stream state and CONTINUATION sequencing are the
 * connection's job, not checked here; neither is the frame size limit.
 *
 * @param type The frame type octet.
 * @param flags The flags octet.
 * @param streamId The stream identifier, reserved bit already cleared.
 * @param payload The whole frame payload.
 * @returns The typed frame, or `null` for an unknown type.
 * @throws {ConnectionError} For a malformed frame that breaks the connection.
 * @throws {StreamError} For a malformed frame that only breaks its stream
 * (a PRIORITY of the wrong length or depending on itself, a stream
 * WINDOW_UPDATE of 0).
 *
 * @example Parse a PING payload
 * ```ts
 * import { parseFrame } from "./parse.ts";
 * import { FrameType } from "./types.ts";
 * const frame = parseFrame(FrameType.PING, 0, 0, new Uint8Array(8));
 * frame?.type; // 6
 * ```
 */
export function parseFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Frame | null {
  const length = payload.length;
  switch (type) {
    case FrameType.DATA: {
      requireStream("DATA", streamId); // §6.1
      const end = contentEnd("DATA", flags, payload, 0);
      const start = contentStart(flags, 0);
      return {
        type: FrameType.DATA,
        streamId,
        endStream: (flags & Flags.END_STREAM) !== 0,
        data: start === 0 && end === length
          ? payload
          : payload.subarray(start, end),
        flowLength: length,
      };
    }
    case FrameType.HEADERS: {
      requireStream("HEADERS", streamId); // §6.2
      const fixed = (flags & Flags.PRIORITY) === 0 ? 0 : 5;
      const end = contentEnd("HEADERS", flags, payload, fixed);
      const start = contentStart(flags, fixed);
      const fragment = start === 0 && end === length
        ? payload
        : payload.subarray(start, end);
      const endStream = (flags & Flags.END_STREAM) !== 0;
      const endHeaders = (flags & Flags.END_HEADERS) !== 0;
      // Self-dependency (§5.3.1) is left to the connection: throwing here
      // would drop a header block the HPACK decoder still has to see.
      return fixed === 0
        ? { type: FrameType.HEADERS, streamId, endStream, endHeaders, fragment }
        : {
          type: FrameType.HEADERS,
          streamId,
          endStream,
          endHeaders,
          priority: readPriority(payload, start - 5),
          fragment,
        };
    }
    case FrameType.PRIORITY: {
      requireStream("PRIORITY", streamId); // §6.3
      // §6.3: a length other than 5 MUST be a stream error FRAME_SIZE_ERROR.
      if (length !== 5) {
        throw new StreamError(
          streamId,
          ErrorCode.FRAME_SIZE_ERROR,
          `PRIORITY length ${length}, not 5`,
        );
      }
      const priority = readPriority(payload, 0);
      // §5.3.1: a stream depending on itself MUST be a stream error
      // PROTOCOL_ERROR.
      if (priority.dependency === streamId) {
        throw new StreamError(
          streamId,
          ErrorCode.PROTOCOL_ERROR,
          "PRIORITY depends on its own stream",
        );
      }
      return { type: FrameType.PRIORITY, streamId, priority };
    }
    case FrameType.RST_STREAM:
      requireStream("RST_STREAM", streamId); // §6.4
      // §6.4: a length other than 4 MUST be a connection FRAME_SIZE_ERROR.
      if (length !== 4) {
        throw frameSizeError(`RST_STREAM length ${length}, not 4`);
      }
      return {
        type: FrameType.RST_STREAM,
        streamId,
        errorCode: u32(payload, 0),
      };
    case FrameType.SETTINGS:
      return parseSettings(flags, streamId, payload);
    case FrameType.PUSH_PROMISE: {
      requireStream("PUSH_PROMISE", streamId); // §6.6
      const end = contentEnd("PUSH_PROMISE", flags, payload, 4);
      const start = contentStart(flags, 4);
      return {
        type: FrameType.PUSH_PROMISE,
        streamId,
        endHeaders: (flags & Flags.END_HEADERS) !== 0,
        promisedStreamId: u31(payload, start - 4),
        fragment: payload.subarray(start, end),
      };
    }
    case FrameType.PING:
      requireConnection("PING", streamId); // §6.7
      // §6.7: a length other than 8 MUST be a connection FRAME_SIZE_ERROR.
      if (length !== 8) throw frameSizeError(`PING length ${length}, not 8`);
      return {
        type: FrameType.PING,
        streamId: 0,
        ack: (flags & Flags.ACK) !== 0,
        data: payload,
      };
    case FrameType.GOAWAY:
      requireConnection("GOAWAY", streamId); // §6.8
      // §4.2: too short for Last-Stream-ID and Error Code.
      if (length < 8) throw frameSizeError(`GOAWAY length ${length} below 8`);
      return {
        type: FrameType.GOAWAY,
        streamId: 0,
        lastStreamId: u31(payload, 0),
        errorCode: u32(payload, 4),
        debugData: payload.subarray(8),
      };
    case FrameType.WINDOW_UPDATE: {
      // §6.9: a length other than 4 MUST be a connection FRAME_SIZE_ERROR.
      if (length !== 4) {
        throw frameSizeError(`WINDOW_UPDATE length ${length}, not 4`);
      }
      const increment = u31(payload, 0);
      // §6.9: an increment of 0 MUST be a PROTOCOL_ERROR, of the stream or of
      // the connection as the frame's stream id says.
      if (increment === 0) {
        if (streamId === 0) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "WINDOW_UPDATE increment 0 on the connection",
          );
        }
        throw new StreamError(
          streamId,
          ErrorCode.PROTOCOL_ERROR,
          "WINDOW_UPDATE increment 0",
        );
      }
      return { type: FrameType.WINDOW_UPDATE, streamId, increment };
    }
    case FrameType.CONTINUATION:
      requireStream("CONTINUATION", streamId); // §6.10
      return {
        type: FrameType.CONTINUATION,
        streamId,
        endHeaders: (flags & Flags.END_HEADERS) !== 0,
        fragment: payload,
      };
    default:
      return null;
  }
}
