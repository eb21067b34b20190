/**
 * Turns the systems' results into bench/run.ts's markdown report: the medians, the ratios of
 * issue 4's targets, and the run's noise.
 */
import { median, type Measurement, type Result, type Workload } from "./harness.js";

/** What one system reported (or why it did not). */
export interface SystemRun {
  id: string;
  label: string;
  threads: number;
  info: Record<string, string | number>;
  results: Record<string, Result>;
  error: string | null;
  seconds: number;
}

/** The machine's FMA peak as bench/fmaPeak.cc measured it. */
export interface FmaPeak {
  isa: string;
  lanes: number;
  clockGHz: number;
  fmaPerCycle: number;
  cores: number;
  peak1tGflops: number;
  peakAllGflops: number;
}

/**
 * The FMA peak on `threads` cores: what pure FMA loops sustain on that many cores at once —
 * measured on every core together when `threads` is the core count (cores that share a power
 * budget keep a lower clock together: 448 against 2 × 230 GFLOPS in one run, 384 against
 * 2 × 205 in another), otherwise the one-core figure times the threads. It runs at the clock
 * the cores keep under AVX-512 load, a little below the clock that scalar code measures, so it
 * is the honest ceiling for a GEMM.
 */
function peakGflops(p: FmaPeak, threads: number): number {
  return threads === p.cores ? p.peakAllGflops : threads * p.peak1tGflops;
}

/** One row of the targets table. */
export interface TargetRow {
  key: string;
  target: number | null;
  /** Kindling time ÷ PyTorch time, per Kindling system id. */
  ratios: Record<string, number | null>;
  /** The same for native 1t ÷ torch 1t from CPU time, which other processes disturb less. */
  cpuRatio1t: number | null;
  /** Faster TF.js backend's time ÷ Kindling native 1t's time (how many times faster Kindling is). */
  vsTfjs: number | null;
  verdict: string;
}

function measured(r: Result | undefined): Measurement | null {
  return r && !("na" in r) ? r : null;
}

/** Time of `a` ÷ time of `b` for workload `w` (GFLOPS are inverted), from wall or CPU time. */
function timeRatio(w: Workload, a: Measurement | null, b: Measurement | null, field: "value" | "cpu" = "value"): number | null {
  if (!a || !b) return null;
  return w.higherIsBetter ? b[field] / a[field] : a[field] / b[field];
}

function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

function mdTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Pairs each Kindling system with PyTorch at its thread count. */
const PAIRS: [string, string][] = [
  ["kindling-native-1t", "torch-1t"],
  ["kindling-native-2t", "torch-2t"],
  ["kindling-js", "torch-1t"],
];

/** Issue 4's targets, one row per workload: the ratios and whether the target was met. */
export function targetRows(workloads: readonly Workload[], runs: Map<string, SystemRun>, peak: FmaPeak | null): TargetRow[] {
  const get = (id: string, key: string) => measured(runs.get(id)?.results[key]);
  return workloads.map((w) => {
    const ratios: Record<string, number | null> = {};
    for (const [k, t] of PAIRS) ratios[k] = timeRatio(w, get(k, w.key), get(t, w.key));
    const tfjsTimes = ["tfjs-cpu", "tfjs-wasm"]
      .map((id) => get(id, w.key))
      .filter((m): m is Measurement => m !== null);
    const fastestTfjs = tfjsTimes.sort((a, b) => (w.higherIsBetter ? b.value - a.value : a.value - b.value))[0] ?? null;
    const vsTfjs = timeRatio(w, fastestTfjs, get("kindling-native-1t", w.key));
    // Met when every native configuration meets the ratio (and, for W4, the peak share and TF.js ×10).
    const native = [ratios["kindling-native-1t"], ratios["kindling-native-2t"]].filter((r): r is number => r !== null);
    const checks: boolean[] = [];
    if (w.target !== undefined && native.length) checks.push(native.every((r) => r <= w.target!));
    if (w.vsTfjs && vsTfjs !== null) checks.push(vsTfjs >= 10);
    if (w.key === "W4 n=1024" && peak)
      for (const [id, threads] of [["kindling-native-1t", 1], ["kindling-native-2t", 2]] as const) {
        const m = get(id, w.key);
        if (m) checks.push(m.value >= 0.75 * peakGflops(peak, threads));
      }
    const verdict = w.target === undefined && !w.vsTfjs ? "" : !checks.length ? "no data" : checks.every(Boolean) ? "met" : "missed";
    const cpuRatio1t = timeRatio(w, get("kindling-native-1t", w.key), get("torch-1t", w.key), "cpu");
    return { key: w.key, target: w.target ?? null, ratios, cpuRatio1t, vsTfjs, verdict };
  });
}

/** Linear-interpolated quantile `q` of a non-empty list. */
function quantile(xs: readonly number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  const i = q * (s.length - 1);
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

/**
 * Interquartile range ÷ median of a measurement's samples: how much its repeats disagreed,
 * robust to the odd sample that a GC pause or another process stretched.
 */
function spread(r: Result | undefined): number | null {
  const m = measured(r);
  return m && m.samples.length >= 4 ? (quantile(m.samples, 0.75) - quantile(m.samples, 0.25)) / median(m.samples) : null;
}

/** What the report is made of: `order` gives the columns, `reference` the noise checkpoints (ms). */
export interface ReportInput {
  header: string[];
  workloads: readonly Workload[];
  order: string[];
  runs: Map<string, SystemRun>;
  notes: string[];
  peak: FmaPeak | null;
  reference: number[];
}

/** The whole report as markdown: medians, targets, FMA peak, noise, notes. */
export function markdown({ header, workloads, order, runs, notes, peak, reference }: ReportInput): string {
  const ran = order.filter((id) => runs.get(id)?.error === null || Object.keys(runs.get(id)?.results ?? {}).length);
  const cell = (id: string, key: string): string => {
    const r = runs.get(id)?.results[key];
    if (!r) return "–";
    if ("na" in r) return r.na.startsWith("failed") ? "failed" : "skip";
    return r.note ? `${fmt(r.value)}*` : fmt(r.value);
  };
  const medians = mdTable([
    ["workload", "unit", ...ran.map((id) => runs.get(id)!.label || id)],
    ...workloads.map((w) => [w.title, w.unit, ...ran.map((id) => cell(id, w.key))]),
  ]);

  const rows = targetRows(workloads, runs, peak);
  const targets = mdTable([
    ["workload", "target", "native 1t ÷ torch 1t", "same, CPU time", "native 2t ÷ torch 2t", "JS ÷ torch 1t", "native 1t vs faster TF.js", "verdict"],
    ...rows
      .filter((r) => r.target !== null || r.key.startsWith("W4"))
      .map((r) => {
        const w = workloads.find((x) => x.key === r.key)!;
        const target = [r.target !== null ? `≤ ${r.target}` : "", w.vsTfjs ? "≥ 10× TF.js" : "", w.key === "W4 n=1024" ? "≥ 75% peak" : ""]
          .filter(Boolean)
          .join(", ");
        return [
          w.key, target || "–", fmt(r.ratios["kindling-native-1t"]), fmt(r.cpuRatio1t), fmt(r.ratios["kindling-native-2t"]),
          fmt(r.ratios["kindling-js"]), r.vsTfjs === null ? "–" : `${fmt(r.vsTfjs)}×`, r.verdict || "–",
        ];
      }),
  ]);

  const starred = ran.flatMap((id) =>
    workloads.flatMap((w) => {
      const m = measured(runs.get(id)?.results[w.key]);
      return m?.note ? [`\\* ${id} ${w.key}: ${m.note}.`] : [];
    }),
  );
  const out = [
    ...header, "", "### Medians (wall clock)", "", medians, ...(starred.length ? ["", ...starred] : []), "",
    "### Against issue 4's targets", "",
    "Time ratios, Kindling ÷ PyTorch at the same thread count (< 1: Kindling is faster); the verdict uses the wall-clock ratios. " +
      "\"Same, CPU time\" divides process CPU times instead: on a machine that other processes share, it is the steadier figure for one-thread runs " +
      "(it counts V8's GC helper threads against Kindling). \"vs faster TF.js\": how many times faster native 1t is than the faster TF.js backend.",
    "", targets, "",
  ];
  if (peak) {
    const share = (id: string, threads: number) => {
      const m = measured(runs.get(id)?.results["W4 n=1024"]);
      return m ? `${id} ${fmt(m.value)} GFLOPS = ${((100 * m.value) / peakGflops(peak, threads)).toFixed(0)}% of ${fmt(peakGflops(peak, threads))}` : null;
    };
    const shares = [share("kindling-native-1t", 1), share("kindling-native-2t", 2), share("torch-1t", 1), share("torch-2t", 2)].filter(Boolean);
    out.push(
      `FMA peak (bench/fmaPeak.cc): a pure ${peak.isa} FMA loop sustains ${fmt(peak.peak1tGflops)} GFLOPS on one core (${fmt(peak.peakAllGflops)} on ${peak.cores}): ` +
        `${peak.fmaPerCycle.toFixed(2)} FMA instructions per cycle of the ${peak.clockGHz.toFixed(2)} GHz clock measured by a dependent-add chain, i.e. ${Math.round(peak.fmaPerCycle)} FMA units × ${peak.lanes} lanes × 2 flops ` +
        `(theoretical ${fmt(Math.round(peak.fmaPerCycle) * peak.lanes * 2 * peak.clockGHz)} GFLOPS at that clock; AVX-512 code runs a little slower). Peak for n threads: the all-core figure when n is the core count, else n × the one-core figure.`,
      `W4 n=1024 share of peak: ${shares.join("; ") || "–"}.`,
      "",
    );
  }
  const refMedian = reference.length ? median(reference) : null;
  const spreads = ran.map((id) => {
    const sp = workloads.map((w) => spread(runs.get(id)!.results[w.key])).filter((x): x is number => x !== null);
    return sp.length ? `${id} ${(100 * median(sp)).toFixed(0)}% (worst ${(100 * Math.max(...sp)).toFixed(0)}%)` : null;
  });
  out.push(
    "### Noise",
    "",
    refMedian === null
      ? "Reference workload not run."
      : `Reference workload (a fixed JS loop timed in the runner before each system and at the end): median ${fmt(refMedian)} ms, range ${fmt(Math.min(...reference))}–${fmt(Math.max(...reference))} ms (${((100 * (Math.max(...reference) - Math.min(...reference))) / refMedian).toFixed(0)}% spread) over ${reference.length} checkpoints.`,
    `Spread of repeated samples (interquartile range ÷ median; median over workloads, worst workload): ${spreads.filter(Boolean).join("; ")}.`,
    `Run time per system: ${order.map((id) => runs.get(id)).filter(Boolean).map((r) => `${r!.id} ${r!.seconds.toFixed(0)} s`).join(", ")}.`,
  );
  if (notes.length) out.push("", "### Notes", "", ...notes.map((n) => `- ${n}`));
  return `${out.join("\n")}\n`;
}
