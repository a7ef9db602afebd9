import assert from "node:assert/strict";
import {
  applySettings,
  DEFAULT_SETTINGS,
  type Settings,
  settingsToPairs,
} from "../../lib/http2/settings.ts";
import { SettingId } from "../../lib/http2/frame/types.ts";

Deno.test("DEFAULT_SETTINGS holds the RFC 9113 §6.5.2 initial values and is frozen", () => {
  assert.deepEqual(DEFAULT_SETTINGS, {
    headerTableSize: 4096,
    enablePush: true,
    maxConcurrentStreams: Infinity,
    initialWindowSize: 65535,
    maxFrameSize: 16384,
    maxHeaderListSize: Infinity,
  });
  assert.ok(Object.isFrozen(DEFAULT_SETTINGS));
});

Deno.test("settingsToPairs() of the defaults is empty", () => {
  assert.deepEqual(settingsToPairs(DEFAULT_SETTINGS), []);
});

Deno.test("settingsToPairs() announces only values that differ, ENABLE_PUSH as 0", () => {
  const ours: Settings = {
    headerTableSize: 4096,
    enablePush: false,
    maxConcurrentStreams: 100,
    initialWindowSize: 1 << 20,
    maxFrameSize: 16384,
    maxHeaderListSize: 8192,
  };
  assert.deepEqual(settingsToPairs(ours), [
    [SettingId.ENABLE_PUSH, 0],
    [SettingId.MAX_CONCURRENT_STREAMS, 100],
    [SettingId.INITIAL_WINDOW_SIZE, 1 << 20],
    [SettingId.MAX_HEADER_LIST_SIZE, 8192],
  ]);
});

Deno.test("settingsToPairs() includes a changed table size and frame size", () => {
  const pairs = settingsToPairs({
    ...DEFAULT_SETTINGS,
    headerTableSize: 0,
    maxFrameSize: 1 << 20,
  });
  assert.deepEqual(pairs, [
    [SettingId.HEADER_TABLE_SIZE, 0],
    [SettingId.MAX_FRAME_SIZE, 1 << 20],
  ]);
});

Deno.test("applySettings() applies each known setting", () => {
  const next = applySettings(DEFAULT_SETTINGS, [
    [SettingId.HEADER_TABLE_SIZE, 0],
    [SettingId.ENABLE_PUSH, 0],
    [SettingId.MAX_CONCURRENT_STREAMS, 7],
    [SettingId.INITIAL_WINDOW_SIZE, 0],
    [SettingId.MAX_FRAME_SIZE, 32768],
    [SettingId.MAX_HEADER_LIST_SIZE, 100],
  ]);
  assert.deepEqual(next, {
    headerTableSize: 0,
    enablePush: false,
    maxConcurrentStreams: 7,
    initialWindowSize: 0,
    maxFrameSize: 32768,
    maxHeaderListSize: 100,
  });
});

Deno.test("applySettings() ignores unknown identifiers (§6.5.2)", () => {
  const next = applySettings(DEFAULT_SETTINGS, [
    [0, 1],
    [SettingId.ENABLE_CONNECT_PROTOCOL, 1],
    [0xff00, 123],
  ]);
  assert.deepEqual(next, { ...DEFAULT_SETTINGS });
});

Deno.test("applySettings() lets a later pair override an earlier one (§6.5.3)", () => {
  const next = applySettings(DEFAULT_SETTINGS, [
    [SettingId.INITIAL_WINDOW_SIZE, 1],
    [SettingId.INITIAL_WINDOW_SIZE, 2],
  ]);
  assert.equal(next.initialWindowSize, 2);
});

Deno.test("applySettings() returns a copy and leaves its input alone", () => {
  const current: Settings = { ...DEFAULT_SETTINGS };
  const next = applySettings(current, [[SettingId.MAX_FRAME_SIZE, 20000]]);
  assert.notEqual(next, current);
  assert.equal(current.maxFrameSize, 16384);
  assert.equal(next.maxFrameSize, 20000);
});

Deno.test("applySettings() then settingsToPairs() round-trips announced values", () => {
  const pairs: Array<[number, number]> = [
    [SettingId.ENABLE_PUSH, 0],
    [SettingId.MAX_CONCURRENT_STREAMS, 50],
    [SettingId.INITIAL_WINDOW_SIZE, 4 << 20],
  ];
  assert.deepEqual(
    settingsToPairs(applySettings(DEFAULT_SETTINGS, pairs)),
    pairs,
  );
});
