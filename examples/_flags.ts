/**
 * The example programs' command-line flags (JSR's `@std/cli` is not
 * reachable from the build machines): `--name value` and `--name=value` for
 * flags that take a value, `--name` (or `--name=false`, `--name false`) for
 * switches, `-h` / `--help` for the usage text, and positional arguments. An
 * unknown flag is an error, so that a typo does not go unnoticed.
 *
 * @example Parse a server's command line
 * ```ts
 * import { parseFlags, parsePort } from "./_flags.ts";
 *
 * const flags = parseFlags(["--port", "50051", "--verbose"], {
 *   usage: "server.ts [--port N] [--verbose]",
 *   string: ["port"],
 *   boolean: ["verbose"],
 * });
 * console.log(parsePort(flags.values.get("port"), "--port")); // 50051
 * console.log(flags.switches.has("verbose")); // true
 * ```
 *
 * @module
 */

/** What a program accepts. */
export interface FlagSpec {
  /** The usage text that `--help` prints (and a bad command line, to stderr). */
  readonly usage: string;
  /** Flags that take a value (`--name value` or `--name=value`). */
  readonly string?: readonly string[];
  /** Switches: `--name`, or `--name=true|false`, or `--name true|false`. */
  readonly boolean?: readonly string[];
}

/** A parsed command line. */
export interface Flags {
  /** The value flags given, by name without `--` (the last one wins). */
  readonly values: Map<string, string>;
  /** The switches that are on. */
  readonly switches: Set<string>;
  /** The arguments that are not flags, in order (all after a `--`). */
  readonly positional: string[];
  /** Whether `-h` or `--help` was given. */
  readonly help: boolean;
}

/**
 * A command line that does not fit its {@linkcode FlagSpec}.
 *
 * @example Catch a bad flag
 * ```ts
 * import { FlagError, parseFlags } from "./_flags.ts";
 * try {
 *   parseFlags(["--prot", "1"], { usage: "", string: ["port"] });
 * } catch (error) {
 *   console.log(error instanceof FlagError); // true: unknown flag --prot
 * }
 * ```
 */
export class FlagError extends Error {
  override name = "FlagError";
}

/**
 * Parses `args` against `spec`.
 *
 * @example Both value forms
 * ```ts
 * import { parseFlags } from "./_flags.ts";
 * const spec = { usage: "", string: ["name"] };
 * console.log(parseFlags(["--name", "a"], spec).values.get("name")); // "a"
 * console.log(parseFlags(["--name=a"], spec).values.get("name")); // "a"
 * ```
 *
 * @param args the command line (`Deno.args`)
 * @param spec the accepted flags
 * @returns the flags, switches and positional arguments
 * @throws {FlagError} on an unknown flag, a missing value or a bad switch value
 */
export function parseFlags(args: readonly string[], spec: FlagSpec): Flags {
  const strings = new Set(spec.string ?? []);
  const booleans = new Set(spec.boolean ?? []);
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (strings.has(name)) {
      if (inline !== undefined) values.set(name, inline);
      else if (i + 1 < args.length) values.set(name, args[++i]);
      else throw new FlagError(`--${name} needs a value`);
    } else if (booleans.has(name)) {
      // `--name false` too: harnesses write switches both ways.
      const next = args[i + 1];
      const value = inline ??
        (next === "true" || next === "false" ? args[++i] : "true");
      if (value === "true") switches.add(name);
      else if (value === "false") switches.delete(name);
      else throw new FlagError(`--${name} is true or false, not "${value}"`);
    } else {
      throw new FlagError(`unknown flag --${name}`);
    }
  }
  return { values, switches, positional, help };
}

/**
 * Reads a port number.
 *
 * @example
 * ```ts
 * import { parsePort } from "./_flags.ts";
 * console.log(parsePort("0", "--port")); // 0: any free port
 * console.log(parsePort(undefined, "--port", 50051)); // 50051
 * ```
 *
 * @param text the flag's value, if given
 * @param what the flag, for the error message
 * @param fallback the port when `text` is undefined
 * @returns an integer from 0 to 65535
 * @throws {FlagError} when `text` is not one
 */
export function parsePort(
  text: string | undefined,
  what: string,
  fallback?: number,
): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const port = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || port > 65535) {
    throw new FlagError(
      `${what}: expected a port number (0-65535), got "${text ?? ""}"`,
    );
  }
  return port;
}

/**
 * {@linkcode parseFlags} for a program's entry point: prints the usage and
 * exits 0 on `--help`; prints the error and the usage to stderr and exits 2
 * on a bad command line (as for any {@linkcode FlagError} that `read`
 * throws, which checks the values).
 *
 * @example A program's main
 * ```ts ignore
 * const { port } = parseFlagsOrExit(Deno.args, spec, (flags) => ({
 *   port: parsePort(flags.values.get("port"), "--port", 50051),
 * }));
 * ```
 *
 * @param args the command line (`Deno.args`)
 * @param spec the accepted flags
 * @param read turns the flags into the program's settings
 * @returns what `read` returned
 */
export function parseFlagsOrExit<T>(
  args: readonly string[],
  spec: FlagSpec,
  read: (flags: Flags) => T,
): T {
  try {
    const flags = parseFlags(args, spec);
    if (flags.help) {
      console.log(spec.usage);
      Deno.exit(0);
    }
    return read(flags);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(`error: ${error.message}\n\n${spec.usage}`);
    Deno.exit(2);
  }
}
