/**
 * Timing harness shared by the per-system bench scripts (bench/kindling.ts, bench/tfjs.ts;
 * bench/torch_bench.py mirrors it in Python). Each script runs in its own process and prints
 * one line `BENCH_RESULT <json>` that bench/run.ts collects.
 */

/** A timed workload: the median of `samples` (each the mean over `iters` runs) in `unit`. */
export interface Measurement {
  value: number;
  unit: string;
  samples: number[];
  iters: number;
}

/** A workload this system cannot run, with the reason. */
export interface NotApplicable {
  na: string;
}

export type Result = Measurement | NotApplicable;

/** What one bench process reports. */
export interface SystemReport {
  system: string;
  label: string;
  threads: number;
  info: Record<string, string | number>;
  results: Record<string, Result>;
}

/** The workloads, in table order, with their units and whether a larger value is better. */
export const WORKLOADS: { key: string; title: string; unit: string; higherIsBetter: boolean }[] = [
  { key: "W1", title: "W1 seed micro-graph fwd+bwd", unit: "µs/iter", higherIsBetter: false },
  { key: "W2", title: "W2 TinyModel step (16×1000→100→10)", unit: "µs/step", higherIsBetter: false },
  { key: "W3", title: "W3 MLP step (128×784→512→512→10, CE)", unit: "ms/step", higherIsBetter: false },
  { key: "W4 n=64", title: "W4 sgemm n=64", unit: "GFLOPS", higherIsBetter: true },
  { key: "W4 n=256", title: "W4 sgemm n=256", unit: "GFLOPS", higherIsBetter: true },
  { key: "W4 n=512", title: "W4 sgemm n=512", unit: "GFLOPS", higherIsBetter: true },
  { key: "W4 n=1024", title: "W4 sgemm n=1024", unit: "GFLOPS", higherIsBetter: true },
  { key: "W5", title: "W5 conv2d fwd+bwd (4×32×28×28, 3×3)", unit: "ms/iter", higherIsBetter: false },
  { key: "W6 add", title: "W6 a+b, 1e6 float32", unit: "ms", higherIsBetter: false },
  { key: "W6 exp", title: "W6 exp(a), 1e6 float32", unit: "ms", higherIsBetter: false },
  { key: "W7", title: "W7 ResNet inference", unit: "ms", higherIsBetter: false },
  { key: "W8", title: "W8 training run", unit: "s", higherIsBetter: false },
];

/** Workload sizes shared by every system. */
export const SIZES = {
  gemm: [64, 256, 512, 1024],
  conv: { n: 4, c: 32, h: 28, w: 28, k: 3 },
  elementwise: 1_000_000,
} as const;

export interface TimeOptions {
  /** Wall-clock budget for the measured samples, in ms. */
  budgetMs?: number;
  /** Most samples to take. */
  maxSamples?: number;
}

/**
 * Times `fn` (ms per call): one warm-up call sizes the batches, more warm-up lets the JIT
 * settle, then samples of several calls each until the budget is spent (at least 3 samples,
 * or a single one when one call takes over a second). Returns the per-call time of each sample.
 */
export function timeIt(fn: () => void, options: TimeOptions = {}): { samples: number[]; iters: number } {
  const budget = options.budgetMs ?? 1000;
  const maxSamples = options.maxSamples ?? 15;
  let t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  if (first > 1000) {
    t0 = performance.now();
    fn();
    return { samples: [performance.now() - t0], iters: 1 };
  }
  // Batches of ~budget/10 ms so that timer resolution and loop overhead vanish.
  const iters = Math.max(1, Math.round(budget / 10 / Math.max(first, 1e-3)));
  const warmEnd = performance.now() + Math.min(300, budget / 4);
  while (performance.now() < warmEnd) fn();
  let per = iters;
  // Re-size after warm-up: the first call is often far slower than the steady state.
  t0 = performance.now();
  for (let i = 0; i < Math.min(iters, 50); i++) fn();
  const steady = (performance.now() - t0) / Math.min(iters, 50);
  per = Math.max(1, Math.round(budget / 10 / Math.max(steady, 1e-4)));
  const samples: number[] = [];
  const end = performance.now() + budget;
  while (samples.length < maxSamples && (samples.length < 3 || performance.now() < end)) {
    t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    samples.push((performance.now() - t0) / per);
  }
  return { samples, iters: per };
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Turns per-call milliseconds into a measurement in `unit` (µs, ms or GFLOPS given the flops). */
export function toMeasurement(t: { samples: number[]; iters: number }, unit: string, flops = 0): Measurement {
  const conv = (ms: number): number =>
    unit === "GFLOPS" ? flops / (ms * 1e6) : unit.startsWith("µs") ? ms * 1000 : unit === "s" ? ms / 1000 : ms;
  const samples = t.samples.map(conv);
  return { value: median(samples), unit, samples, iters: t.iters };
}

/** Parses `--name=value` arguments. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (match) m.set(match[1], match[2] ?? "true");
  }
  return m;
}

/** Prints the report line bench/run.ts looks for. */
export function emit(report: SystemReport): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(report)}\n`);
}

/** Runs one workload, turning an exception into a "failed: …" entry instead of losing the rest. */
export function attempt(results: Record<string, Result>, key: string, f: () => Result): void {
  try {
    results[key] = f();
  } catch (e) {
    results[key] = { na: `failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
  const r = results[key];
  process.stderr.write(`  ${key}: ${"na" in r ? r.na : `${r.value.toPrecision(4)} ${r.unit}`}\n`);
}
