/**
 * Service config from DNS (service_config.md, "Service Config via DNS"): a
 * TXT record at `_grpc_config.<host>` holding `grpc_config=` and a JSON
 * list of choices; the first choice that applies to this client wins.
 *
 * ```json
 * [{
 *   "clientLanguage": ["deno"],     // optional, case-insensitive
 *   "percentage": 50,               // optional, 0–100: share of clients
 *   "clientHostname": ["host-a"],   // optional
 *   "serviceConfig": { ... }        // required
 * }]
 * ```
 *
 * @module
 */

/** The prefix of a TXT record that holds a service config (RFC 1464). */
export const TXT_ATTRIBUTE = "grpc_config=";

/** The language this client matches in `clientLanguage`. */
export const CLIENT_LANGUAGE = "deno";

/** What {@linkcode selectServiceConfig} needs about this client. */
export interface ChoiceContext {
  /** Random source in [0, 1) for `percentage`. */
  readonly random: () => number;
  /** This host's name for `clientHostname` (undefined: unknown). */
  readonly hostname: () => string | undefined;
}

/**
 * What the TXT records say: a service config, nothing (no record, or no
 * choice applies), or why the record cannot be read.
 */
export type TxtServiceConfig =
  | { readonly serviceConfig: Record<string, unknown> }
  | { readonly error: string }
  | Record<PropertyKey, never>;

/**
 * Picks the service config for this client from the TXT records of
 * `_grpc_config.<host>` (each record's strings already joined). The first
 * record starting with `grpc_config=` is used (as C-core); records without
 * it are ignored.
 *
 * @example
 * ```ts
 * import { selectServiceConfig } from "./dns_service_config.ts";
 * const txt = 'grpc_config=[{"clientLanguage":["go"],"serviceConfig":{"a":1}},{"serviceConfig":{"b":2}}]';
 * console.log(selectServiceConfig([txt], { random: Math.random, hostname: () => undefined }));
 * // { serviceConfig: { b: 2 } }
 * ```
 *
 * @param records the TXT records
 * @param context random source and host name
 * @returns the config, nothing, or an error message
 */
export function selectServiceConfig(
  records: readonly string[],
  context: ChoiceContext,
): TxtServiceConfig {
  const record = records.find((r) => r.startsWith(TXT_ATTRIBUTE));
  if (record === undefined) return {};
  let choices: unknown;
  try {
    choices = JSON.parse(record.slice(TXT_ATTRIBUTE.length));
  } catch (error) {
    return { error: `TXT service config is not JSON: ${String(error)}` };
  }
  if (!Array.isArray(choices)) {
    return { error: "TXT service config must be a JSON array of choices" };
  }
  // Every choice is checked before one is chosen: a malformed record is
  // rejected as a whole, whichever choice would have applied.
  const read: Choice[] = [];
  for (let i = 0; i < choices.length; i++) {
    const choice = readChoice(choices[i]);
    if (typeof choice === "string") {
      return { error: `TXT service config choice ${i}: ${choice}` };
    }
    read.push(choice);
  }
  const chosen = read.find((choice) => applies(choice, context));
  return chosen === undefined ? {} : { serviceConfig: chosen.serviceConfig };
}

interface Choice {
  readonly clientLanguage: readonly string[] | undefined;
  readonly percentage: number | undefined;
  readonly clientHostname: readonly string[] | undefined;
  readonly serviceConfig: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/**
 * Reads one choice. Type errors make the whole record invalid; unknown
 * fields are ignored (as grpc-go).
 */
function readChoice(choice: unknown): Choice | string {
  if (!isObject(choice)) return "not an object";
  const { clientLanguage, percentage } = choice;
  if (clientLanguage !== undefined && !isStringList(clientLanguage)) {
    return "clientLanguage must be a list of strings";
  }
  // grpc-go's Go struct spells it clientHostName (and Go's JSON matching
  // ignores case): accept both spellings.
  const clientHostname = choice.clientHostname ?? choice.clientHostName;
  if (clientHostname !== undefined && !isStringList(clientHostname)) {
    return "clientHostname must be a list of strings";
  }
  if (
    percentage !== undefined &&
    !(typeof percentage === "number" && Number.isInteger(percentage) &&
      percentage >= 0 && percentage <= 100)
  ) {
    return "percentage must be an integer in 0–100";
  }
  if (!isObject(choice.serviceConfig)) {
    return "serviceConfig (an object) is required";
  }
  return {
    clientLanguage: clientLanguage as string[] | undefined,
    percentage: percentage as number | undefined,
    clientHostname: clientHostname as string[] | undefined,
    serviceConfig: choice.serviceConfig,
  };
}

function applies(choice: Choice, context: ChoiceContext): boolean {
  if (
    choice.clientLanguage !== undefined &&
    !choice.clientLanguage.some((l) => l.toLowerCase() === CLIENT_LANGUAGE)
  ) {
    return false;
  }
  // As grpc-go: a percentage p applies to p of every 100 clients.
  if (
    choice.percentage !== undefined &&
    Math.floor(context.random() * 100) + 1 > choice.percentage
  ) {
    return false;
  }
  if (choice.clientHostname !== undefined) {
    const hostname = context.hostname();
    if (hostname === undefined || !choice.clientHostname.includes(hostname)) {
      return false;
    }
  }
  return true;
}
