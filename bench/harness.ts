/**
 * What every bench process shares: the workload list, the sizes, the timing loop and the line
 * protocol with bench/run.ts. bench/torch_bench.py mirrors the timing loop and the protocol in
 * Python; a W8 script (bench/mnist_*.{ts,py}) only needs the protocol:
 *
 *   BENCH_RESULT {"key":"W1","result":{"value":3.4,"unit":"µs/iter","samples":[…],"iters":2900}}
 *   BENCH_RESULT {"key":"W7","result":{"na":"resnet18 not exported yet"}}
 *   BENCH_INFO {"label":"Kindling native 1t","threads":1,"info":{…}}
 *
 * Each result is printed as soon as it is measured, so a process killed for time still
 * reports what it finished.
 */

/**
 * A timed workload: the median of `samples` (each the mean over `iters` calls) in `unit`, from
 * wall-clock time; `cpu` is the same from the process's CPU time, which a busy machine
 * disturbs less (the process is not charged while another one holds its core).
 */
export interface Measurement {
  value: number;
  unit: string;
  samples: number[];
  iters: number;
  cpu: number;
  /** How the value was obtained when not as the other systems do (e.g. extrapolated). */
  note?: string;
}

/** A workload this system does not run, with the reason. */
export interface NotApplicable {
  na: string;
}

export type Result = Measurement | NotApplicable;

export interface Workload {
  key: string;
  title: string;
  unit: string;
  higherIsBetter: boolean;
  /** Issue 4's target for Kindling time ÷ PyTorch time at the same thread count. */
  target?: number;
  /** Issue 4 also asks for ≥ 10× the speed of the faster TF.js backend here. */
  vsTfjs?: boolean;
}

/** The workloads of issue 4, in table order. */
export const WORKLOADS: readonly Workload[] = [
  { key: "W1", title: "W1 seed micro-graph, x 2×2", unit: "µs/iter", higherIsBetter: false, target: 0.2 },
  { key: "W2", title: "W2 TinyModel step, 16×1000→100→10", unit: "µs/step", higherIsBetter: false, target: 0.5, vsTfjs: true },
  { key: "W3", title: "W3 MLP step, 128×784→512→512→10", unit: "ms/step", higherIsBetter: false, target: 0.5, vsTfjs: true },
  { key: "W4 n=64", title: "W4 sgemm n=64", unit: "GFLOPS", higherIsBetter: true },
  { key: "W4 n=256", title: "W4 sgemm n=256", unit: "GFLOPS", higherIsBetter: true },
  { key: "W4 n=512", title: "W4 sgemm n=512", unit: "GFLOPS", higherIsBetter: true },
  { key: "W4 n=1024", title: "W4 sgemm n=1024", unit: "GFLOPS", higherIsBetter: true, target: 0.7 },
  { key: "W5", title: "W5 conv2d fwd+bwd, 8×64×32×32, 64×3×3", unit: "ms/iter", higherIsBetter: false, target: 1, vsTfjs: true },
  { key: "W6 add", title: "W6 a+b, 1e6 float32", unit: "ms", higherIsBetter: false, target: 1 },
  { key: "W6 exp", title: "W6 exp(a), 1e6 float32", unit: "ms", higherIsBetter: false, target: 1 },
  { key: "W7", title: "W7 resnet18 fwd+bwd, 8×3×64×64", unit: "ms/iter", higherIsBetter: false, target: 1 },
  { key: "W8", title: "W8 MNIST model, one epoch", unit: "s", higherIsBetter: false, target: 1 },
];

/** Sizes every system uses. */
export const SIZES = {
  gemm: [64, 256, 512, 1024],
  conv: { n: 8, c: 64, h: 32, w: 32, out: 64, k: 3, padding: 1 },
  elementwise: 1_000_000,
  resnet: { n: 8, c: 3, h: 64, w: 64 },
} as const;

/** Whether workload `key` is selected by `--only` workload ids (a prefix: "W4" selects every W4 row). */
export function selected(key: string, only: readonly string[] | null): boolean {
  return !only || only.some((o) => key === o || key.startsWith(`${o} `));
}

/** Per-call ms of each sample, by wall clock and by the process's CPU time. */
export interface Timing {
  samples: number[];
  cpuSamples: number[];
  iters: number;
}

/**
 * Times `fn` and returns the per-call ms of each sample. The first call sizes the rest:
 *  - over 10 budgets (a JS backend on a big workload): that call is the only sample;
 *  - over one budget: up to 3 single-call samples, as many as fit in 2 s;
 *  - otherwise warm-up for one budget (at least 300 ms, at most 1 s) — the JIT takes a few
 *    thousand calls to settle — then samples of ~1/10 budget each until the budget is spent
 *    (5 to 20 samples).
 */
export function timeIt(fn: () => void, budgetMs: number): Timing {
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  const sample = (iters: number): void => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) fn();
    samples.push((performance.now() - t0) / iters);
    const c = process.cpuUsage(c0);
    cpuSamples.push((c.user + c.system) / 1000 / iters);
  };
  sample(1);
  const first = samples[0];
  if (first > 10 * budgetMs) return { samples, cpuSamples, iters: 1 };
  samples.length = cpuSamples.length = 0;
  if (first > budgetMs) {
    do sample(1);
    while (samples.length < 3 && (samples.length + 1) * first < 2000);
    return { samples, cpuSamples, iters: 1 };
  }
  const warmEnd = performance.now() + Math.min(1000, Math.max(300, budgetMs));
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() < warmEnd || calls === 0) {
    fn();
    calls++;
  }
  const steady = (performance.now() - t0) / calls;
  const iters = Math.max(1, Math.round(budgetMs / 10 / Math.max(steady, 1e-4)));
  const end = performance.now() + budgetMs;
  while (samples.length < 20 && (samples.length < 5 || performance.now() < end)) sample(iters);
  return { samples, cpuSamples, iters };
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Turns per-call ms into `unit`: µs…, ms…, s, or GFLOPS for `flops` per call. */
export function toMeasurement(t: Timing, unit: string, flops = 0): Measurement {
  const conv = (ms: number): number =>
    unit === "GFLOPS" ? flops / (ms * 1e6) : unit.startsWith("µs") ? ms * 1000 : unit === "s" ? ms / 1000 : ms;
  const samples = t.samples.map(conv);
  return { value: median(samples), unit, samples, iters: t.iters, cpu: median(t.cpuSamples.map(conv)) };
}

/** Parses `--name=value` arguments (a bare `--name` is "true"). */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (match) m.set(match[1], match[2] ?? "true");
  }
  return m;
}

/** One bench process's side of the protocol: measures selected workloads and prints them. */
export class BenchProcess {
  readonly budgetMs: number;
  private readonly only: string[] | null;

  constructor(argv: readonly string[]) {
    const args = parseArgs(argv);
    this.budgetMs = Number(args.get("budget") ?? 500);
    this.only = args.get("only")?.split(",") ?? null;
  }

  /** Runs workload `key` if selected; an exception becomes a "failed: …" entry, not a lost run. */
  async run(key: string, f: () => Result | Promise<Result>): Promise<void> {
    if (!selected(key, this.only)) return;
    let r: Result;
    try {
      r = await f();
    } catch (e) {
      r = { na: `failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
    }
    process.stderr.write(`  ${key}: ${"na" in r ? r.na : `${r.value.toPrecision(4)} ${r.unit}`}\n`);
    process.stdout.write(`BENCH_RESULT ${JSON.stringify({ key, result: r })}\n`);
  }

  /** Times `fn` under this process's budget. */
  time(fn: () => void, unit: string, flops = 0): Measurement {
    return toMeasurement(timeIt(fn, this.budgetMs), unit, flops);
  }

  /** Prints what the table needs to know about this system. */
  info(label: string, threads: number, info: Record<string, string | number>): void {
    process.stdout.write(`BENCH_INFO ${JSON.stringify({ label, threads, info })}\n`);
  }
}
