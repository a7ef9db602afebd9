/**
 * Helpers shared by the Deno benchmark programs: `key=value` arguments,
 * nearest-rank percentiles and /proc RSS readings.
 *
 * @module
 */

/**
 * Parses `key=value` arguments over defaults; unknown keys are an error.
 *
 * @param args the command-line words
 * @param defaults every accepted key with its default
 * @returns the numbers
 */
export function parseParams<T extends Record<string, number>>(
  args: string[],
  defaults: T,
): T {
  const out: Record<string, number> = { ...defaults };
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (eq < 0 || !(key in defaults)) {
      throw new Error(
        `bad parameter "${arg}"; known: ${Object.keys(defaults).join(", ")}`,
      );
    }
    const value = Number(arg.slice(eq + 1));
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`bad value in "${arg}"`);
    }
    out[key] = value;
  }
  return out as T;
}

/**
 * Nearest-rank percentile of `sorted` (ascending).
 *
 * @param sorted the values, sorted ascending
 * @param p the percentile, 0 < p <= 100
 * @returns the value, or 0 for no values
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * VmRSS of a process in KiB, from /proc/PID/status.
 *
 * @param pid a process id, or "self"
 * @returns the resident set size in KiB, or -1 when unreadable
 */
export function readRssKib(pid: number | "self"): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/**
 * Rounds to `digits` decimals for JSON output.
 *
 * @param x the number
 * @param digits decimals kept (default 1)
 * @returns the rounded number
 */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @param ms the delay
 * @returns a promise of the delay
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
