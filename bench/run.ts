/**
 * `npm run bench`: runs every system in its own process — Kindling (JS backend; native backend
 * with 1 and 2 threads), TensorFlow.js (cpu, wasm), PyTorch (1 and 2 threads) — on the same
 * workloads, prints a table of medians with speed ratios against PyTorch at the same thread
 * count, and writes bench/results/latest.json.
 *
 *   npm run bench [-- --only=kindling-js,torch-1t] [--budget=800]
 *
 * --budget is the measuring time per workload in ms (default 700); the whole run takes about
 * three to four minutes on a 2-core machine.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKLOADS, median, parseArgs, type Result, type SystemReport } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = parseArgs(process.argv.slice(2));
const budget = args.get("budget") ?? "700";
const only = args.get("only")?.split(",");

interface System {
  id: string;
  cmd: string;
  argv: string[];
  env?: Record<string, string>;
  /** Thread count of the PyTorch run to compare with. */
  compareThreads: number;
}

const tsx = ["--conditions=source", "--import", "tsx"];
const threadEnv = (n: number) => ({
  OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), MKL_NUM_THREADS: String(n),
});
const SYSTEMS: System[] = [
  { id: "kindling-js", cmd: process.execPath, argv: [...tsx, "bench/kindling.ts", "--backend=js"], compareThreads: 1 },
  { id: "kindling-native-1t", cmd: process.execPath, argv: [...tsx, "bench/kindling.ts", "--backend=native", "--threads=1"], compareThreads: 1 },
  { id: "kindling-native-2t", cmd: process.execPath, argv: [...tsx, "bench/kindling.ts", "--backend=native", "--threads=2"], compareThreads: 2 },
  { id: "tfjs-cpu", cmd: process.execPath, argv: [...tsx, "bench/tfjs.ts", "--backend=cpu"], compareThreads: 1 },
  { id: "tfjs-wasm", cmd: process.execPath, argv: [...tsx, "bench/tfjs.ts", "--backend=wasm"], compareThreads: 1 },
  { id: "torch-1t", cmd: "/usr/bin/python3", argv: ["bench/torch_bench.py", "--threads=1"], env: threadEnv(1), compareThreads: 1 },
  { id: "torch-2t", cmd: "/usr/bin/python3", argv: ["bench/torch_bench.py", "--threads=2"], env: threadEnv(2), compareThreads: 2 },
];

interface Outcome {
  id: string;
  report: SystemReport | null;
  error: string | null;
  seconds: number;
}

/** Runs one system's process, echoing its progress, and parses its BENCH_RESULT line. */
function runSystem(s: System): Promise<Outcome> {
  const t0 = performance.now();
  process.stderr.write(`\n[${s.id}]\n`);
  return new Promise((resolve) => {
    const child = spawn(s.cmd, [...s.argv, `--budget=${budget}`], {
      cwd: root,
      env: { ...process.env, ...s.env, KINDLING_BACKEND: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => {
      err += d;
      process.stderr.write(d);
    });
    const done = (error: string | null) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      const report = line ? (JSON.parse(line.slice("BENCH_RESULT ".length)) as SystemReport) : null;
      const lastErr = err.trim().split("\n").filter(Boolean).pop() ?? "";
      resolve({
        id: s.id,
        report,
        error: report ? null : (error ?? (lastErr || "no result")),
        seconds: (performance.now() - t0) / 1000,
      });
    };
    child.on("error", (e) => done(`${s.cmd}: ${e.message}`));
    child.on("close", (code, signal) => done(signal ? `killed (${signal})` : code === 0 ? null : `exit code ${code}`));
  });
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

/** Relative spread of a measurement's samples: (max − min) / median. */
function spread(r: Result): number | null {
  if ("na" in r || r.samples.length < 2) return null;
  return (Math.max(...r.samples) - Math.min(...r.samples)) / median(r.samples);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(" | ");
    return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("-|-")}` : line;
  }).join("\n");
}

const systems = SYSTEMS.filter((s) => !only || only.includes(s.id));
const started = new Date();
const outcomes: Outcome[] = [];
for (const s of systems) outcomes.push(await runSystem(s));

const byId = new Map(outcomes.filter((o) => o.report).map((o) => [o.id, o.report as SystemReport]));
const ran = systems.filter((s) => byId.has(s.id));

// Table: one column per system that ran; each cell "value (ratio)", ratio = speed vs PyTorch
// with the same thread count (>1 means faster than PyTorch).
const header = ["workload (unit)", ...ran.map((s) => byId.get(s.id)!.label)];
const rows: string[][] = [header];
for (const w of WORKLOADS) {
  const row = [`${w.title} (${w.unit})`];
  for (const s of ran) {
    const r = byId.get(s.id)!.results[w.key];
    if (!r) row.push("–");
    else if ("na" in r) row.push(r.na.startsWith("n/a") ? "n/a" : "failed");
    else {
      const ref = byId.get(`torch-${s.compareThreads}t`)?.results[w.key];
      let ratio = "";
      if (ref && !("na" in ref) && !s.id.startsWith("torch")) {
        const x = w.higherIsBetter ? r.value / ref.value : ref.value / r.value;
        ratio = ` (${fmt(x)}×)`;
      }
      row.push(`${fmt(r.value)}${ratio}`);
    }
  }
  rows.push(row);
}

const notes: string[] = [];
for (const o of outcomes) if (!o.report) notes.push(`${o.id}: not run (${o.error})`);
for (const s of ran)
  for (const w of WORKLOADS) {
    const r = byId.get(s.id)!.results[w.key];
    if (r && "na" in r && !r.na.startsWith("n/a (not run")) notes.push(`${s.id} ${w.key}: ${r.na}`);
  }
const noise = ran.map((s) => {
  const sp = WORKLOADS.map((w) => byId.get(s.id)!.results[w.key]).filter(Boolean).map((r) => spread(r)).filter((x): x is number => x !== null);
  return sp.length ? `${s.id} median ${(100 * median(sp)).toFixed(0)}%, max ${(100 * Math.max(...sp)).toFixed(0)}%` : `${s.id} –`;
});

const cpu = cpus()[0]?.model ?? "unknown CPU";
let commit = "";
try {
  const head = readFileSync(join(root, ".git", "HEAD"), "utf8").trim();
  commit = head.startsWith("ref: ") ? readFileSync(join(root, ".git", head.slice(5)), "utf8").trim().slice(0, 12) : head.slice(0, 12);
} catch {
  commit = "unknown";
}

process.stdout.write(
  `\nKindling bench — ${started.toISOString()} — ${cpu}, ${cpus().length} cores, Node ${process.version}, commit ${commit}\n` +
    `Medians; (n×) = speed relative to PyTorch with the same thread count (>1: faster than PyTorch).\n\n` +
    `${table(rows)}\n\n` +
    (notes.length ? `Notes:\n${notes.map((n) => `  ${n}`).join("\n")}\n` : "") +
    `Noise (spread (max−min)/median of each workload's samples): ${noise.join("; ")}\n` +
    `Run time: ${outcomes.map((o) => `${o.id} ${o.seconds.toFixed(0)}s`).join(", ")}\n`,
);

const outDir = join(here, "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, "latest.json"),
  JSON.stringify(
    {
      date: started.toISOString(),
      machine: { cpu, cores: cpus().length, node: process.version },
      commit,
      budgetMs: Number(budget),
      systems: outcomes.map((o) => ({ id: o.id, seconds: o.seconds, error: o.error, ...(o.report ?? {}) })),
    },
    null,
    2,
  ),
);
process.stdout.write(`Wrote ${join("bench", "results", "latest.json")}\n`);
