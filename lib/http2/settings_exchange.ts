/**
 * The SETTINGS exchange of a connection (RFC 9113 §6.5.3): the settings we
 * announced and whether the peer acknowledged them in time, and the settings
 * the peer announced, in force from their arrival.
 *
 * @module
 */

import { ErrorCode, SettingId } from "./frame/types.ts";
import type { FrameWriter } from "./frame/writer.ts";
import { ConnectionError } from "./errors.ts";
import {
  applySettings,
  DEFAULT_SETTINGS,
  type Settings,
  settingsToPairs,
} from "./settings.ts";

/**
 * Both sides' settings. The connection's parts read `local` and `remote`
 * from here, so there is one copy of each.
 *
 * @example
 * ```ts ignore
 * const settings = new SettingsExchange(local, "server");
 * settings.announce(writer, 10_000, () => fail("SETTINGS not acknowledged"));
 * // later, on frames:
 * const previous = settings.receive(frame.settings);
 * if (settings.acknowledged()) applyOurLimits();
 * ```
 */
export class SettingsExchange {
  /** The settings we announced. */
  readonly local: Readonly<Settings>;
  /** The settings the peer announced (protocol defaults until its SETTINGS). */
  // A copy: the same object shape as every later value (applySettings).
  remote: Readonly<Settings> = { ...DEFAULT_SETTINGS };
  readonly #role: "client" | "server";
  #ackPending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #peerSeen = false;

  /**
   * @param local the settings we announce
   * @param role which side we are (a server may not enable push)
   */
  constructor(local: Readonly<Settings>, role: "client" | "server") {
    this.local = local;
    this.#role = role;
  }

  /** Whether the peer's first SETTINGS arrived (§3.4: its preface). */
  get peerSeen(): boolean {
    return this.#peerSeen;
  }

  /**
   * Queues our SETTINGS and starts waiting for the acknowledgement.
   *
   * @param writer where the frame goes
   * @param timeoutMs how long the peer has to acknowledge
   * @param onTimeout called when it did not in time
   */
  announce(
    writer: FrameWriter,
    timeoutMs: number,
    onTimeout: () => void,
  ): void {
    writer.settings(settingsToPairs(this.local));
    this.#ackPending++;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(onTimeout, timeoutMs);
  }

  /**
   * A SETTINGS ACK arrived.
   *
   * @returns whether it acknowledged one of ours (then ours are in force)
   */
  acknowledged(): boolean {
    if (this.#ackPending === 0) return false;
    if (--this.#ackPending === 0) this.stop();
    return true;
  }

  /**
   * The peer's SETTINGS arrived: they are in force from now on.
   *
   * @param pairs the frame's [id, value] pairs
   * @returns the settings in force before
   * @throws {ConnectionError} when a server enables push (§6.5.2)
   */
  receive(pairs: ReadonlyArray<readonly [number, number]>): Readonly<Settings> {
    const previous = this.remote;
    const next = applySettings(previous, pairs);
    if (this.#role === "client" && next.enablePush) {
      for (const [id, value] of pairs) {
        if (id === SettingId.ENABLE_PUSH && value === 1) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "server sent ENABLE_PUSH=1",
          );
        }
      }
    }
    this.remote = next;
    this.#peerSeen = true;
    return previous;
  }

  /** Stops waiting for acknowledgements (the connection closed). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
