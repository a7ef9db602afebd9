/**
 * Medians, spreads, ratios and the markdown tables of a harness run.
 *
 * @module
 */

/** One measured number of a row (a pair or an implementation). */
export interface Metric {
  /** Column heading. */
  label: string;
  /** Source: a workload ("w1".."w7", "h2load", "raw_pingpong", "raw_bulk"). */
  workload: string;
  /** JSON field of the workload's result. */
  field: string;
  /** Divides the value before display (KiB → MiB: 1024). */
  divisor?: number;
  /** Decimals shown. */
  digits: number;
  /** Left out of the ratio table (the value is already a ratio). */
  noRatio?: boolean;
}

/** The columns of the main table, in order. */
export const METRICS: Metric[] = [
  { label: "W1 calls/s", workload: "w1", field: "calls_per_s", digits: 0 },
  { label: "W1 p50 µs", workload: "w1", field: "p50_us", digits: 0 },
  { label: "W2 calls/s", workload: "w2", field: "calls_per_s", digits: 0 },
  { label: "W3 msgs/s", workload: "w3", field: "msgs_per_s", digits: 0 },
  { label: "W4 MB/s", workload: "w4", field: "MB_per_s", digits: 1 },
  {
    label: "W5 srv idle MiB",
    workload: "w5",
    field: "server_rss_idle_kib",
    divisor: 1024,
    digits: 0,
  },
  {
    label: "W5 srv loaded MiB",
    workload: "w5",
    field: "server_rss_kib",
    divisor: 1024,
    digits: 0,
  },
  {
    label: "W5 srv KiB/stream",
    workload: "w5",
    field: "server_kib_per_stream",
    digits: 1,
  },
  {
    label: "W5 client MiB",
    workload: "w5",
    field: "client_rss_kib",
    divisor: 1024,
    digits: 0,
  },
  { label: "W6 rt/s", workload: "w6", field: "rt_per_s", digits: 0 },
  { label: "W6 p50 µs", workload: "w6", field: "p50_us", digits: 0 },
  { label: "W7 calls/s", workload: "w7", field: "calls_per_s", digits: 0 },
  { label: "h2load req/s", workload: "h2load", field: "req_per_s", digits: 0 },
  {
    label: "10× calls: time ×",
    workload: "scale",
    field: "w1_time_10x",
    digits: 1,
    noRatio: true,
  },
  {
    label: "10× concurrency: rate ×",
    workload: "scale",
    field: "w2_rate_10x",
    digits: 2,
    noRatio: true,
  },
];

/** Median and spread of repeated measurements. */
export interface Stat {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, in percent. */
  spreadPct: number;
  n: number;
}

/**
 * Median (mean of the middle two for an even count), min, max and spread.
 *
 * @param values the measurements (non-empty)
 * @returns the statistics
 */
export function stat(values: number[]): Stat {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const min = s[0];
  const max = s[s.length - 1];
  return {
    median,
    min,
    max,
    spreadPct: median === 0 ? 0 : ((max - min) / median) * 100,
    n: s.length,
  };
}

/** Values by row name, then by "workload.field". */
export type Samples = Map<string, Map<string, number[]>>;

/**
 * Records one measurement.
 *
 * @param samples where to add
 * @param row the row (pair or implementation)
 * @param key "workload.field"
 * @param value the number
 */
export function addSample(
  samples: Samples,
  row: string,
  key: string,
  value: number,
): void {
  let byKey = samples.get(row);
  if (!byKey) samples.set(row, byKey = new Map());
  let list = byKey.get(key);
  if (!list) byKey.set(key, list = []);
  list.push(value);
}

function fmt(x: number, digits: number): string {
  return x.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function cell(samples: Samples, row: string, m: Metric): string {
  const values = samples.get(row)?.get(`${m.workload}.${m.field}`);
  if (!values || values.length === 0) return "–";
  const s = stat(values.map((v) => v / (m.divisor ?? 1)));
  const spread = s.n > 1 ? ` ±${Math.round(s.spreadPct / 2)}%` : "";
  return fmt(s.median, m.digits) + spread;
}

/**
 * The summary of every row: median per metric.
 *
 * @param samples the measurements
 * @returns row → "workload.field" → statistics
 */
export function summarize(
  samples: Samples,
): Record<string, Record<string, Stat>> {
  const out: Record<string, Record<string, Stat>> = {};
  for (const [row, byKey] of samples) {
    out[row] = {};
    for (const [key, values] of byKey) out[row][key] = stat(values);
  }
  return out;
}

/**
 * The main table: one row per pair, medians with ± half the spread.
 *
 * @param samples the measurements
 * @param rows row names in order
 * @returns markdown
 */
export function mainTable(samples: Samples, rows: string[]): string {
  const used = METRICS.filter((m) =>
    rows.some((r) => samples.get(r)?.has(`${m.workload}.${m.field}`))
  );
  const lines = [
    `| client → server | ${used.map((m) => m.label).join(" | ")} |`,
    `|---|${used.map(() => "---:").join("|")}|`,
  ];
  for (const row of rows) {
    if (!samples.has(row)) continue;
    lines.push(
      `| ${row} | ${used.map((m) => cell(samples, row, m)).join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

/**
 * Ratio rows: median of `num` over median of `den`, per metric.
 *
 * @param samples the measurements
 * @param ratios [label, numerator row, denominator row]
 * @returns markdown, or "" when no ratio has both sides
 */
export function ratioTable(
  samples: Samples,
  ratios: Array<[string, string, string]>,
): string {
  const present = ratios.filter(([, a, b]) => samples.has(a) && samples.has(b));
  if (present.length === 0) return "";
  const used = METRICS.filter((m) =>
    !m.noRatio &&
    present.some(([, a, b]) =>
      samples.get(a)?.has(`${m.workload}.${m.field}`) &&
      samples.get(b)?.has(`${m.workload}.${m.field}`)
    )
  );
  const lines = [
    `| ratio | ${used.map((m) => m.label).join(" | ")} |`,
    `|---|${used.map(() => "---:").join("|")}|`,
  ];
  for (const [label, a, b] of present) {
    const cells = used.map((m) => {
      const key = `${m.workload}.${m.field}`;
      const x = samples.get(a)?.get(key);
      const y = samples.get(b)?.get(key);
      if (!x?.length || !y?.length) return "–";
      const d = stat(y).median;
      return d === 0 ? "–" : `${(stat(x).median / d).toFixed(2)}×`;
    });
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
