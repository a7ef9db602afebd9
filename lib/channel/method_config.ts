/**
 * Method configs of a service config (service_config.md, the `MethodConfig`
 * message of grpc/service_config/service_config.proto in its proto3 JSON
 * form): validation of one entry, and the lookup of the config that applies
 * to a call path with gRPC's precedence (service+method, then service, then
 * the default).
 *
 * @module
 */

import { GrpcError } from "../grpc/grpc_error.ts";
import { Code } from "../grpc/status.ts";
import type { ServiceConfig } from "./service_config.ts";

/**
 * One entry of a method config's `name` list. An empty `method` names the
 * whole service; an empty `service` (and method) names the default config,
 * which applies to every method no other entry names.
 *
 * @example
 * ```ts
 * import type { MethodName } from "./method_config.ts";
 * const wholeService: MethodName = { service: "helloworld.Greeter", method: "" };
 * console.log(wholeService.method === ""); // true
 * ```
 */
export interface MethodName {
  /** The fully qualified service, e.g. `helloworld.Greeter`; "" = default. */
  readonly service: string;
  /** The method, e.g. `SayHello`; "" = every method of the service. */
  readonly method: string;
}

/**
 * The validated settings of one `methodConfig` entry. Fields absent from the
 * JSON are `undefined`: the call's own options (or the channel's) decide.
 *
 * @example
 * ```ts
 * import { methodConfigFor, parseServiceConfig } from "./service_config.ts";
 * const config = parseServiceConfig({
 *   methodConfig: [{ name: [{ service: "a.B" }], timeout: "0.25s" }],
 * });
 * const mc = methodConfigFor(config, "/a.B/C");
 * console.log(mc?.timeoutMs); // 250
 * ```
 */
export interface MethodConfig {
  /** The names it applies to, as given (an empty list matches nothing). */
  readonly names: readonly MethodName[];
  /** Default timeout of calls, ms (from `timeout`, a Duration like "1.5s"). */
  readonly timeoutMs?: number;
  /** Default waitForReady of calls. */
  readonly waitForReady?: boolean;
  /** Largest request message, bytes (after compression). */
  readonly maxRequestMessageBytes?: number;
  /** Largest response message, bytes (after compression). */
  readonly maxResponseMessageBytes?: number;
  /**
   * The JSON object as given (a frozen copy), with the fields this version
   * does not read yet (`retryPolicy`, `hedgingPolicy`, …).
   */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Largest `google.protobuf.Duration`: 10,000 years, in seconds. */
const MAX_DURATION_SECONDS = 315_576_000_000;
/** proto3 JSON Duration, non-negative: seconds, up to 9 fraction digits. */
const DURATION = /^(\d+)(?:\.(\d{1,9}))?s$/;
/** proto3 JSON accepts 64-bit (and 32-bit) integers as decimal strings. */
const DECIMAL = /^\d+$/;

/**
 * The error of an invalid service config: INVALID_ARGUMENT naming the path
 * of the offending field (an invalid config is rejected as a whole, gRFC A21).
 *
 * @example
 * ```ts
 * import { serviceConfigError } from "./method_config.ts";
 * const err = serviceConfigError("methodConfig[0].waitForReady", "1 is not a boolean");
 * console.log(err.rawMessage); // "service config: methodConfig[0].waitForReady: 1 is not a boolean"
 * ```
 *
 * @param where the field's path, e.g. `methodConfig[1].timeout`
 * @param problem what is wrong with it
 * @returns the error to throw
 */
export function serviceConfigError(where: string, problem: string): GrpcError {
  return new GrpcError(
    Code.INVALID_ARGUMENT,
    `service config: ${where}: ${problem}`,
  );
}

/**
 * A JSON value shortened for an error message.
 *
 * @example
 * ```ts
 * import { showJson } from "./method_config.ts";
 * console.log(showJson("1.5")); // "\"1.5\""
 * ```
 *
 * @param value any JSON value
 * @returns its JSON text, at most 60 characters
 */
export function showJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Whether `value` is a JSON object (not null, not an array).
 *
 * @example
 * ```ts
 * import { isJsonObject } from "./method_config.ts";
 * console.log(isJsonObject({}), isJsonObject([]), isJsonObject(null)); // true false false
 * ```
 *
 * @param value any value
 * @returns true for a plain object
 */
export function isJsonObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a proto3 JSON `google.protobuf.Duration` that must not be negative
 * ("1.5s", "0.000000001s", "20s"), as milliseconds (fractional below 1 ms).
 * Exported for the retry and hedging policies of a later issue.
 *
 * @example
 * ```ts
 * import { parseDurationMs } from "./method_config.ts";
 * console.log(parseDurationMs("1.5s", "methodConfig[0].timeout")); // 1500
 * ```
 *
 * @param value the JSON value
 * @param where the field's path, for the error message
 * @returns milliseconds
 * @throws {GrpcError} INVALID_ARGUMENT when not such a duration
 */
export function parseDurationMs(value: unknown, where: string): number {
  const match = typeof value === "string" ? DURATION.exec(value) : null;
  if (match === null) {
    if (typeof value === "string" && /^-\d/.test(value)) {
      throw serviceConfigError(where, `${showJson(value)} is negative`);
    }
    throw serviceConfigError(
      where,
      `${showJson(value)} is not a duration like "1.5s"`,
    );
  }
  const seconds = Number(match[1]);
  if (seconds > MAX_DURATION_SECONDS) {
    throw serviceConfigError(
      where,
      `${
        showJson(value)
      } exceeds the largest duration (${MAX_DURATION_SECONDS}s)`,
    );
  }
  // Nanoseconds from the fraction padded to 9 digits: exact integer maths,
  // no float parsing of "0.1" surprises before the one division.
  const nanos = match[2] === undefined ? 0 : Number(match[2].padEnd(9, "0"));
  return seconds * 1000 + nanos / 1e6;
}

/**
 * Reads a non-negative integer given as a JSON number or, as proto3 JSON
 * allows for integers, a decimal string. Values beyond 2^53 - 1 are clamped
 * to it (grpc-go likewise clamps to its largest int rather than reject).
 *
 * @param value the JSON value
 * @param where the field's path, for the error message
 * @returns the integer
 * @throws {GrpcError} INVALID_ARGUMENT when not such an integer
 */
function parseByteCount(value: unknown, where: string): number {
  let n = NaN;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && DECIMAL.test(value)) n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw serviceConfigError(
      where,
      `${showJson(value)} is not a non-negative integer`,
    );
  }
  return Math.min(n, Number.MAX_SAFE_INTEGER);
}

/** A name field: string, or null/absent meaning "" (proto3 JSON). */
function parseNamePart(value: unknown, where: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") {
    throw serviceConfigError(where, `${showJson(value)} is not a string`);
  }
  return value;
}

function parseNames(value: unknown, where: string): MethodName[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw serviceConfigError(where, `${showJson(value)} is not a list`);
  }
  const names: MethodName[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    const at = `${where}[${i}]`;
    if (!isJsonObject(entry)) {
      throw serviceConfigError(at, `${showJson(entry)} is not an object`);
    }
    const service = parseNamePart(entry.service, `${at}.service`);
    const method = parseNamePart(entry.method, `${at}.method`);
    if (service === "" && method !== "") {
      throw serviceConfigError(
        at,
        `method ${showJson(method)} is given without a service`,
      );
    }
    names.push(Object.freeze({ service, method }));
  }
  return names;
}

/**
 * Validates one `methodConfig` entry. Unknown fields are ignored (and kept
 * in `raw`); `null` means absent, as in proto3 JSON.
 *
 * @example
 * ```ts
 * import { parseMethodConfig } from "./method_config.ts";
 * const mc = parseMethodConfig(
 *   { name: [{ service: "a.B" }], waitForReady: true, maxRequestMessageBytes: "1024" },
 *   "methodConfig[0]",
 * );
 * console.log(mc.waitForReady, mc.maxRequestMessageBytes); // true 1024
 * ```
 *
 * @param json the entry (already frozen by the caller if it must not change)
 * @param where its path, e.g. `methodConfig[0]`
 * @returns the method config
 * @throws {GrpcError} INVALID_ARGUMENT naming the offending field
 */
export function parseMethodConfig(json: unknown, where: string): MethodConfig {
  if (!isJsonObject(json)) {
    throw serviceConfigError(where, `${showJson(json)} is not an object`);
  }
  const config: {
    names: readonly MethodName[];
    timeoutMs?: number;
    waitForReady?: boolean;
    maxRequestMessageBytes?: number;
    maxResponseMessageBytes?: number;
    raw: Readonly<Record<string, unknown>>;
  } = {
    names: Object.freeze(parseNames(json.name, `${where}.name`)),
    raw: json,
  };
  const { timeout, waitForReady } = json;
  if (timeout !== undefined && timeout !== null) {
    config.timeoutMs = parseDurationMs(timeout, `${where}.timeout`);
  }
  if (waitForReady !== undefined && waitForReady !== null) {
    if (typeof waitForReady !== "boolean") {
      throw serviceConfigError(
        `${where}.waitForReady`,
        `${showJson(waitForReady)} is not a boolean`,
      );
    }
    config.waitForReady = waitForReady;
  }
  const maxReq = json.maxRequestMessageBytes;
  if (maxReq !== undefined && maxReq !== null) {
    config.maxRequestMessageBytes = parseByteCount(
      maxReq,
      `${where}.maxRequestMessageBytes`,
    );
  }
  const maxRes = json.maxResponseMessageBytes;
  if (maxRes !== undefined && maxRes !== null) {
    config.maxResponseMessageBytes = parseByteCount(
      maxRes,
      `${where}.maxResponseMessageBytes`,
    );
  }
  return Object.freeze(config);
}

/**
 * The lookup structure of a service config's method configs, built once:
 * one map whose keys are `/service/method` for exact names and `/service/`
 * for whole services (so a call path is itself the exact key, no string is
 * built on a hit), and the default config apart.
 */
interface MethodIndex {
  readonly byPath: ReadonlyMap<string, MethodConfig>;
  readonly fallback: MethodConfig | undefined;
}

/**
 * Builds the index of `configs`. With `strict`, a name seen twice throws
 * (service_config.proto: "each name entry must be unique across the entire
 * ServiceConfig"); otherwise the first wins (a config built by hand).
 */
function buildIndex(
  configs: readonly MethodConfig[],
  strict: boolean,
): MethodIndex {
  const byPath = new Map<string, MethodConfig>();
  const seenAt = new Map<string, string>();
  let fallback: MethodConfig | undefined;
  for (let i = 0; i < configs.length; i++) {
    const names = configs[i].names;
    for (let j = 0; j < names.length; j++) {
      const { service, method } = names[j];
      // "" cannot be a path key (keys start with "/"): it marks the default.
      const key = service === "" ? "" : `/${service}/${method}`;
      const where = `methodConfig[${i}].name[${j}]`;
      const first = seenAt.get(key);
      if (first !== undefined) {
        if (!strict) continue;
        throw serviceConfigError(
          where,
          `${showJson(names[j])} repeats ${first}`,
        );
      }
      seenAt.set(key, where);
      if (key === "") fallback = configs[i];
      else byPath.set(key, configs[i]);
    }
  }
  return { byPath, fallback };
}

/**
 * Indexes of the configs `parseServiceConfig` returned (or that a lookup
 * met). A WeakMap keeps the public `ServiceConfig` a plain frozen value
 * while each index is built once per config, never per call.
 */
const indexes = new WeakMap<ServiceConfig, MethodIndex>();

/**
 * Checks the names of `config` for duplicates and builds its lookup index
 * (called by `parseServiceConfig`).
 *
 * @example
 * ```ts
 * import { indexMethodConfigs } from "./method_config.ts";
 * indexMethodConfigs({ loadBalancingConfig: [], methodConfigs: [], raw: {} });
 * ```
 *
 * @param config a service config whose method configs are validated
 * @throws {GrpcError} INVALID_ARGUMENT when a name appears twice
 */
export function indexMethodConfigs(config: ServiceConfig): void {
  indexes.set(config, buildIndex(config.methodConfigs, true));
}

/**
 * The method config that applies to a call, with gRPC's precedence: the
 * entry naming the exact service and method, else the one naming the whole
 * service, else the default (empty name), else none. Cheap: a map lookup,
 * plus one substring when the exact name is not configured.
 *
 * @example
 * ```ts
 * import { methodConfigFor, parseServiceConfig } from "./service_config.ts";
 * const config = parseServiceConfig({
 *   methodConfig: [
 *     { name: [{}], timeout: "10s" },
 *     { name: [{ service: "a.B" }], timeout: "2s" },
 *     { name: [{ service: "a.B", method: "C" }], timeout: "1s" },
 *   ],
 * });
 * console.log(methodConfigFor(config, "/a.B/C")?.timeoutMs); // 1000
 * console.log(methodConfigFor(config, "/a.B/D")?.timeoutMs); // 2000
 * console.log(methodConfigFor(config, "/x.Y/Z")?.timeoutMs); // 10000
 * ```
 *
 * @param config the service config
 * @param path the call path, `/pkg.Service/Method`
 * @returns the method config, if any applies
 */
export function methodConfigFor(
  config: ServiceConfig,
  path: string,
): MethodConfig | undefined {
  let index = indexes.get(config);
  if (index === undefined) {
    index = buildIndex(config.methodConfigs, false);
    indexes.set(config, index);
  }
  const { byPath } = index;
  if (byPath.size !== 0) {
    const exact = byPath.get(path);
    if (exact !== undefined) return exact;
    const slash = path.lastIndexOf("/");
    if (slash > 0) {
      const service = byPath.get(path.slice(0, slash + 1));
      if (service !== undefined) return service;
    }
  }
  return index.fallback;
}
