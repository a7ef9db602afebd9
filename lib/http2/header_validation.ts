/**
 * Checks that a decoded field block is well formed (RFC 9113 §8.2, §8.3):
 * lowercase names, pseudo-headers first and only the defined ones, no
 * connection-specific fields, `te` only `trailers`. A malformed block is a
 * stream error of type PROTOCOL_ERROR (§8.1.1).
 *
 * @module
 */

/** Which kind of field block is being checked. */
export type FieldBlockKind = "request" | "response" | "trailers";

/** Request pseudo-headers, each with a bit to catch duplicates cheaply. */
const REQUEST_PSEUDO = new Map([
  [":method", 1],
  [":scheme", 2],
  [":path", 4],
  [":authority", 8],
  [":protocol", 16],
]);
const STATUS_BIT = 32;

const CONNECTION_SPECIFIC = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Validates a field block.
 *
 * @example A good request
 * ```ts
 * import { validateFieldBlock } from "./header_validation.ts";
 * validateFieldBlock([
 *   [":method", "POST"], [":scheme", "http"], [":path", "/a"],
 * ], "request"); // undefined
 * validateFieldBlock([["Host", "x"]], "trailers"); // "uppercase ..."
 * ```
 *
 * @param fields the decoded fields, in order
 * @param kind request, response or trailers
 * @returns undefined when well formed, else why not
 */
export function validateFieldBlock(
  fields: ReadonlyArray<readonly [string, string]>,
  kind: FieldBlockKind,
): string | undefined {
  let regularSeen = false;
  let method: string | undefined;
  let hasScheme = false;
  let hasPath = false;
  let hasStatus = false;
  let seenPseudo = 0;
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i][0];
    const value = fields[i][1];
    if (name.length === 0) return "empty field name";
    if (name.charCodeAt(0) === 0x3a /* : */) {
      if (regularSeen) return `pseudo-header ${name} after a regular field`;
      if (kind === "trailers") return `pseudo-header ${name} in trailers`;
      const bit = kind === "request"
        ? REQUEST_PSEUDO.get(name)
        : name === ":status"
        ? STATUS_BIT
        : undefined;
      if (bit === undefined) return `unknown pseudo-header ${name}`;
      if (seenPseudo & bit) return `duplicate pseudo-header ${name}`;
      seenPseudo |= bit;
      if (kind === "request") {
        if (name === ":method") method = value;
        else if (name === ":scheme") hasScheme = true;
        else if (name === ":path") {
          if (value.length === 0) return "empty :path";
          hasPath = true;
        }
      } else {
        if (!/^\d{3}$/.test(value)) return `bad :status ${value}`;
        hasStatus = true;
      }
      continue;
    }
    regularSeen = true;
    if (hasUppercase(name)) return `uppercase field name ${name}`;
    if (CONNECTION_SPECIFIC.has(name)) {
      return `connection-specific field ${name}`;
    }
    if (name === "te" && value !== "trailers") return `te: ${value}`;
  }
  if (kind === "request") {
    if (method === undefined) return "missing :method";
    if (method !== "CONNECT" && (!hasScheme || !hasPath)) {
      return "missing :scheme or :path";
    }
  } else if (kind === "response" && !hasStatus) {
    return "missing :status";
  }
  return undefined;
}

/**
 * The content-length a field block announces (RFC 9113 §8.1.1).
 *
 * @example Read a request's length
 * ```ts
 * import { contentLength } from "./header_validation.ts";
 * contentLength([["content-length", "42"]]); // 42
 * contentLength([]); // -1
 * contentLength([["content-length", "x"]]); // NaN
 * ```
 *
 * @param fields the decoded fields
 * @returns the length; -1 when absent; NaN when not a decimal number or
 * repeated with different values
 */
export function contentLength(
  fields: ReadonlyArray<readonly [string, string]>,
): number {
  let result = -1;
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i][0];
    const value = fields[i][1];
    if (name !== "content-length") continue;
    const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (Number.isNaN(n) || (result !== -1 && result !== n)) return NaN;
    result = n;
  }
  return result;
}

function hasUppercase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

/** How many recently validated field lists are remembered. */
const MEMO_SLOTS = 4;

/**
 * {@linkcode validateFieldBlock} and {@linkcode contentLength} for one
 * connection, remembering the last few lists that passed: the HPACK decoder
 * returns the very same list object when a block repeats (gRPC sends the
 * same headers on every call), so a repeat is recognised by identity.
 *
 * @example Check a request twice
 * ```ts
 * import { FieldBlockChecker } from "./header_validation.ts";
 * const checker = new FieldBlockChecker();
 * const fields: [string, string][] = [[":method", "POST"], [":scheme", "http"], [":path", "/a"]];
 * checker.check(fields, "request"); // undefined (validated)
 * checker.check(fields, "request"); // undefined (remembered)
 * console.log(checker.contentLength); // -1
 * ```
 */
export class FieldBlockChecker {
  readonly #lists: Array<ReadonlyArray<readonly [string, string]> | null> =
    new Array(MEMO_SLOTS).fill(null);
  readonly #kinds: FieldBlockKind[] = new Array(MEMO_SLOTS).fill("request");
  readonly #lengths: number[] = new Array(MEMO_SLOTS).fill(-1);
  #next = 0;
  /** The content-length of the list last checked (-1 absent, NaN bad). */
  contentLength = -1;

  /**
   * Validates `fields` as `kind` and sets {@linkcode contentLength}.
   *
   * @param fields the decoded fields, in order
   * @param kind request, response or trailers
   * @returns undefined when well formed, else why not
   */
  check(
    fields: ReadonlyArray<readonly [string, string]>,
    kind: FieldBlockKind,
  ): string | undefined {
    for (let i = 0; i < MEMO_SLOTS; i++) {
      if (this.#lists[i] === fields && this.#kinds[i] === kind) {
        this.contentLength = this.#lengths[i];
        return undefined;
      }
    }
    const length = contentLength(fields);
    this.contentLength = length;
    const problem = validateFieldBlock(fields, kind);
    if (problem === undefined) {
      const slot = this.#next;
      this.#next = (slot + 1) % MEMO_SLOTS;
      this.#lists[slot] = fields;
      this.#kinds[slot] = kind;
      this.#lengths[slot] = length;
    }
    return problem;
  }
}
