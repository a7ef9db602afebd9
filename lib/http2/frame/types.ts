/**
 * HTTP/2 frame constants and the typed frames the decoder yields
 * (RFC 9113 §4, §6, §7).
 *
 * @module
 */

/**
 * Frame type codes (RFC 9113 §6). Types not listed here are unknown and are
 * ignored by the decoder (§4.1, §5.5).
 *
 * @example Match a frame's type
 * ```ts
 * import { FrameType } from "./types.ts";
 * const isData = (type: number) => type === FrameType.DATA;
 * isData(0); // true
 * ```
 */
export const FrameType = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

/**
 * Frame flag bits (RFC 9113 §6). `END_STREAM` and `ACK` share bit 0x1; which
 * one applies depends on the frame type.
 *
 * @example Combine flags for a raw frame
 * ```ts
 * import { Flags } from "./types.ts";
 * const flags = Flags.END_STREAM | Flags.END_HEADERS; // 0x5
 * ```
 */
export const Flags = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/**
 * Error codes carried by RST_STREAM and GOAWAY (RFC 9113 §7). Unknown codes
 * MUST NOT trigger special behaviour (§7), so the set is open: any 32-bit
 * number may appear where an error code is expected.
 *
 * @example Reset a stream on cancellation
 * ```ts
 * import { ErrorCode } from "./types.ts";
 * const code: number = ErrorCode.CANCEL; // 8
 * ```
 */
export const ErrorCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  SETTINGS_TIMEOUT: 4,
  STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  CONNECT_ERROR: 10,
  ENHANCE_YOUR_CALM: 11,
  INADEQUATE_SECURITY: 12,
  HTTP_1_1_REQUIRED: 13,
} as const;

const ERROR_CODE_NAMES: readonly string[] = Object.keys(ErrorCode);

/**
 * The RFC 9113 §7 name of an error code, or `UNKNOWN_0x…` (lowercase hex) for
 * a code the RFC does not define.
 *
 * @param code An error code from RST_STREAM or GOAWAY.
 * @returns The code's name.
 *
 * @example Name known and unknown codes
 * ```ts
 * import { errorCodeName } from "./types.ts";
 * errorCodeName(1); // "PROTOCOL_ERROR"
 * errorCodeName(0xff); // "UNKNOWN_0xff"
 * ```
 */
export function errorCodeName(code: number): string {
  // ErrorCode's values are 0..13 in declaration order, so the key list is a
  // lookup table.
  return Number.isInteger(code) && code >= 0 && code < ERROR_CODE_NAMES.length
    ? ERROR_CODE_NAMES[code]
    : `UNKNOWN_0x${(code >>> 0).toString(16)}`;
}

/**
 * SETTINGS parameter identifiers (RFC 9113 §6.5.2; ENABLE_CONNECT_PROTOCOL
 * from RFC 8441 §3). Unknown identifiers MUST be ignored (§6.5.2).
 *
 * @example Advertise a larger stream window
 * ```ts
 * import { SettingId } from "./types.ts";
 * const settings: Array<[number, number]> = [[SettingId.INITIAL_WINDOW_SIZE, 1 << 20]];
 * ```
 */
export const SettingId = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
  ENABLE_CONNECT_PROTOCOL: 8,
} as const;

/**
 * The 24-octet client connection preface,
 * `"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"` (RFC 9113 §3.4). Do not mutate.
 *
 * @example Start a client connection
 * ```ts
 * import { CLIENT_PREFACE } from "./types.ts";
 * CLIENT_PREFACE.length; // 24
 * ```
 */
export const CLIENT_PREFACE: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);

/**
 * Initial SETTINGS_MAX_FRAME_SIZE, and the smallest allowed (RFC 9113 §6.5.2).
 *
 * @example Split data at the default frame size
 * ```ts
 * import { DEFAULT_MAX_FRAME_SIZE } from "./types.ts";
 * const frames = Math.ceil(40_000 / DEFAULT_MAX_FRAME_SIZE); // 3
 * ```
 */
export const DEFAULT_MAX_FRAME_SIZE = 16384;

/**
 * Largest allowed SETTINGS_MAX_FRAME_SIZE, 2^24−1 (RFC 9113 §6.5.2).
 *
 * @example Clamp a configured frame size
 * ```ts
 * import { MAX_MAX_FRAME_SIZE } from "./types.ts";
 * const size = Math.min(1 << 30, MAX_MAX_FRAME_SIZE); // 16777215
 * ```
 */
export const MAX_MAX_FRAME_SIZE = 16777215;

/**
 * Largest flow-control window, 2^31−1 (RFC 9113 §6.9.1).
 *
 * @example Detect window overflow
 * ```ts
 * import { MAX_WINDOW } from "./types.ts";
 * const overflows = (window: number, increment: number) => window + increment > MAX_WINDOW;
 * ```
 */
export const MAX_WINDOW = 2147483647;

/**
 * Initial flow-control window of the connection and of every stream, 65,535
 * octets (RFC 9113 §6.9.2).
 *
 * @example Start a send window
 * ```ts
 * import { DEFAULT_WINDOW } from "./types.ts";
 * let sendWindow = DEFAULT_WINDOW;
 * ```
 */
export const DEFAULT_WINDOW = 65535;

/**
 * A stream's priority fields (RFC 9113 §5.3.2, deprecated but still parsed).
 *
 * @example A default priority
 * ```ts
 * import type { Priority } from "./types.ts";
 * const p: Priority = { exclusive: false, dependency: 0, weight: 16 };
 * ```
 */
export interface Priority {
  /** Whether the dependency is exclusive (the E bit). */
  exclusive: boolean;
  /** The stream this one depends on; 0 for the root. */
  dependency: number;
  /** The weight, 1..256 (the wire value plus one). */
  weight: number;
}

/**
 * A DATA frame (RFC 9113 §6.1), with any padding removed.
 *
 * @example Credit flow control for a received DATA frame
 * ```ts
 * import type { DataFrame } from "./types.ts";
 * function consumed(frame: DataFrame): number {
 *   return frame.flowLength; // padding counts too (§6.9)
 * }
 * ```
 */
export interface DataFrame {
  /** {@linkcode FrameType.DATA} */
  type: 0;
  /** The stream, never 0. */
  streamId: number;
  /** END_STREAM flag. */
  endStream: boolean;
  /** The data, padding stripped. */
  data: Uint8Array;
  /** The whole payload length including padding and the Pad Length octet: what counts toward flow control (§6.9). */
  flowLength: number;
}

/**
 * A HEADERS frame (RFC 9113 §6.2), with any padding removed.
 *
 * @example Gather a header block
 * ```ts
 * import type { HeadersFrame } from "./types.ts";
 * function isComplete(frame: HeadersFrame): boolean {
 *   return frame.endHeaders;
 * }
 * ```
 */
export interface HeadersFrame {
  /** {@linkcode FrameType.HEADERS} */
  type: 1;
  /** The stream, never 0. */
  streamId: number;
  /** END_STREAM flag. */
  endStream: boolean;
  /** END_HEADERS flag; when false, CONTINUATION frames follow. */
  endHeaders: boolean;
  /** Present when the PRIORITY flag was set. */
  priority?: Priority;
  /** The header block fragment, padding stripped. */
  fragment: Uint8Array;
}

/**
 * A PRIORITY frame (RFC 9113 §6.3).
 *
 * @example Ignore priority signals
 * ```ts
 * import type { PriorityFrame } from "./types.ts";
 * function onPriority(_frame: PriorityFrame): void {}
 * ```
 */
export interface PriorityFrame {
  /** {@linkcode FrameType.PRIORITY} */
  type: 2;
  /** The stream, never 0. */
  streamId: number;
  /** The priority fields. */
  priority: Priority;
}

/**
 * An RST_STREAM frame (RFC 9113 §6.4).
 *
 * @example Name the reset reason
 * ```ts
 * import { errorCodeName, type RstStreamFrame } from "./types.ts";
 * const reason = (frame: RstStreamFrame) => errorCodeName(frame.errorCode);
 * ```
 */
export interface RstStreamFrame {
  /** {@linkcode FrameType.RST_STREAM} */
  type: 3;
  /** The stream, never 0. */
  streamId: number;
  /** The error code, possibly one not in {@linkcode ErrorCode}. */
  errorCode: number;
}

/**
 * A SETTINGS frame (RFC 9113 §6.5). Values of known settings are validated;
 * unknown identifiers are kept in the list for the connection to ignore.
 *
 * @example Read the peer's initial window
 * ```ts
 * import { SettingId, type SettingsFrame } from "./types.ts";
 * function initialWindow(frame: SettingsFrame): number | undefined {
 *   return frame.settings.findLast(([id]) => id === SettingId.INITIAL_WINDOW_SIZE)?.[1];
 * }
 * ```
 */
export interface SettingsFrame {
  /** {@linkcode FrameType.SETTINGS} */
  type: 4;
  /** Always 0. */
  streamId: 0;
  /** ACK flag; an ACK has no settings. */
  ack: boolean;
  /** The settings in wire order (later entries override earlier ones, §6.5.3). */
  settings: Array<[id: number, value: number]>;
}

/**
 * A PUSH_PROMISE frame (RFC 9113 §6.6), with any padding removed.
 *
 * @example Refuse a push
 * ```ts
 * import type { PushPromiseFrame } from "./types.ts";
 * const refused = (frame: PushPromiseFrame) => frame.promisedStreamId;
 * ```
 */
export interface PushPromiseFrame {
  /** {@linkcode FrameType.PUSH_PROMISE} */
  type: 5;
  /** The associated stream, never 0. */
  streamId: number;
  /** END_HEADERS flag. */
  endHeaders: boolean;
  /** The stream the server reserves. */
  promisedStreamId: number;
  /** The header block fragment, padding stripped. */
  fragment: Uint8Array;
}

/**
 * A PING frame (RFC 9113 §6.7).
 *
 * @example Answer a ping
 * ```ts
 * import type { PingFrame } from "./types.ts";
 * const needsAck = (frame: PingFrame) => !frame.ack;
 * ```
 */
export interface PingFrame {
  /** {@linkcode FrameType.PING} */
  type: 6;
  /** Always 0. */
  streamId: 0;
  /** ACK flag. */
  ack: boolean;
  /** The 8 opaque octets, echoed in the ACK. */
  data: Uint8Array;
}

/**
 * A GOAWAY frame (RFC 9113 §6.8).
 *
 * @example Decide which streams may be retried
 * ```ts
 * import type { GoawayFrame } from "./types.ts";
 * const retryable = (frame: GoawayFrame, id: number) => id > frame.lastStreamId;
 * ```
 */
export interface GoawayFrame {
  /** {@linkcode FrameType.GOAWAY} */
  type: 7;
  /** Always 0. */
  streamId: 0;
  /** The highest stream the sender might have processed. */
  lastStreamId: number;
  /** The error code. */
  errorCode: number;
  /** Opaque diagnostic data (often UTF-8 text). */
  debugData: Uint8Array;
}

/**
 * A WINDOW_UPDATE frame (RFC 9113 §6.9).
 *
 * @example Tell connection from stream updates
 * ```ts
 * import type { WindowUpdateFrame } from "./types.ts";
 * const forConnection = (frame: WindowUpdateFrame) => frame.streamId === 0;
 * ```
 */
export interface WindowUpdateFrame {
  /** {@linkcode FrameType.WINDOW_UPDATE} */
  type: 8;
  /** The stream, or 0 for the connection. */
  streamId: number;
  /** The increment, 1..2^31−1. */
  increment: number;
}

/**
 * A CONTINUATION frame (RFC 9113 §6.10).
 *
 * @example Gather a header block
 * ```ts
 * import type { ContinuationFrame } from "./types.ts";
 * const last = (frame: ContinuationFrame) => frame.endHeaders;
 * ```
 */
export interface ContinuationFrame {
  /** {@linkcode FrameType.CONTINUATION} */
  type: 9;
  /** The stream, never 0. */
  streamId: number;
  /** END_HEADERS flag. */
  endHeaders: boolean;
  /** The header block fragment. */
  fragment: Uint8Array;
}

/**
 * Any frame the decoder yields, discriminated by `type`.
 *
 * @example Dispatch on the frame type
 * ```ts
 * import { FrameType, type Frame } from "./types.ts";
 * function describe(frame: Frame): string {
 *   switch (frame.type) {
 *     case FrameType.DATA:
 *       return `DATA ${frame.data.length}`;
 *     default:
 *       return `type ${frame.type}`;
 *   }
 * }
 * ```
 */
export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | ContinuationFrame;
