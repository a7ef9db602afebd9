/**
 * HTTP/2 settings (RFC 9113 §6.5.2): defaults, the values each side uses, and
 * conversion to SETTINGS frame pairs.
 *
 * @module
 */

import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW,
  SettingId,
} from "./frame/types.ts";

/** The six settings of RFC 9113 §6.5.2. */
export interface Settings {
  /** SETTINGS_HEADER_TABLE_SIZE: HPACK dynamic table size. */
  headerTableSize: number;
  /** SETTINGS_ENABLE_PUSH: we never push nor accept pushes. */
  enablePush: boolean;
  /** SETTINGS_MAX_CONCURRENT_STREAMS (Infinity = no limit). */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE for new streams. */
  initialWindowSize: number;
  /** SETTINGS_MAX_FRAME_SIZE: largest frame payload accepted. */
  maxFrameSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE (Infinity = no limit). */
  maxHeaderListSize: number;
}

/**
 * The protocol's initial values, in force until a SETTINGS frame says
 * otherwise.
 *
 * @example Read a default
 * ```ts
 * import { DEFAULT_SETTINGS } from "./settings.ts";
 * console.log(DEFAULT_SETTINGS.maxFrameSize); // 16384
 * ```
 */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: Infinity,
  initialWindowSize: DEFAULT_WINDOW,
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxHeaderListSize: Infinity,
});

/**
 * The pairs of a SETTINGS frame announcing `settings`, omitting values equal
 * to the protocol defaults.
 *
 * @example Encode ours
 * ```ts
 * import { DEFAULT_SETTINGS, settingsToPairs } from "./settings.ts";
 * settingsToPairs({ ...DEFAULT_SETTINGS, enablePush: false });
 * // [[2, 0]]
 * ```
 *
 * @param settings the values to announce
 * @returns [id, value] pairs
 */
export function settingsToPairs(settings: Settings): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const d = DEFAULT_SETTINGS;
  if (settings.headerTableSize !== d.headerTableSize) {
    pairs.push([SettingId.HEADER_TABLE_SIZE, settings.headerTableSize]);
  }
  if (!settings.enablePush) pairs.push([SettingId.ENABLE_PUSH, 0]);
  if (Number.isFinite(settings.maxConcurrentStreams)) {
    pairs.push([
      SettingId.MAX_CONCURRENT_STREAMS,
      settings.maxConcurrentStreams,
    ]);
  }
  if (settings.initialWindowSize !== d.initialWindowSize) {
    pairs.push([SettingId.INITIAL_WINDOW_SIZE, settings.initialWindowSize]);
  }
  if (settings.maxFrameSize !== d.maxFrameSize) {
    pairs.push([SettingId.MAX_FRAME_SIZE, settings.maxFrameSize]);
  }
  if (Number.isFinite(settings.maxHeaderListSize)) {
    pairs.push([SettingId.MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize]);
  }
  return pairs;
}

/**
 * Applies received SETTINGS pairs to a copy of `current`; unknown ids are
 * ignored (§6.5.2). Value ranges were checked by the frame decoder.
 *
 * @example Apply the peer's settings
 * ```ts
 * import { applySettings, DEFAULT_SETTINGS } from "./settings.ts";
 * applySettings(DEFAULT_SETTINGS, [[5, 32768]]).maxFrameSize; // 32768
 * ```
 *
 * @param current the settings in force
 * @param pairs the frame's [id, value] pairs, in order
 * @returns the new settings
 */
export function applySettings(
  current: Readonly<Settings>,
  pairs: ReadonlyArray<readonly [number, number]>,
): Settings {
  const next: Settings = { ...current };
  for (const [id, value] of pairs) {
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        next.headerTableSize = value;
        break;
      case SettingId.ENABLE_PUSH:
        next.enablePush = value === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        next.maxConcurrentStreams = value;
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        next.initialWindowSize = value;
        break;
      case SettingId.MAX_FRAME_SIZE:
        next.maxFrameSize = value;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        next.maxHeaderListSize = value;
        break;
    }
  }
  return next;
}
