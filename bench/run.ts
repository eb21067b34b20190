/**
 * `npm run bench`: runs each system in its own process — Kindling (JS backend; native backend
 * on 1 and 2 threads), TensorFlow.js (cpu, wasm), PyTorch through /usr/bin/python3 (1 and 2
 * threads) — on the workloads of bench/harness.ts, then prints a markdown report (medians,
 * ratios against PyTorch at the same thread count and against the faster TF.js backend, the
 * FMA peak, the noise) and writes it to bench/results/latest.{md,json}.
 *
 *   npm run bench [-- --only=W1,W4,kindling-native-1t,torch-1t] [--budget=500] [--rounds=1]
 *
 * --only takes system ids and workload ids (W4 selects every W4 row); --budget is the sampling
 * time per workload in ms (default 500; about three minutes in all on a 2-core machine);
 * --rounds runs every system that many times, in turn, and reports each workload's median
 * over the rounds (a busy minute on a shared machine then skews one round, not the ratio).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { buildSync } from "esbuild";
import { cpus, loadavg, tmpdir } from "node:os";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKLOADS, median, parseArgs, selected, type Measurement, type Result } from "./harness.js";
import { markdown, targetRows, type FmaPeak, type SystemRun } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = parseArgs(process.argv.slice(2));
const budget = args.get("budget") ?? "500";
const rounds = Math.max(1, Math.floor(Number(args.get("rounds") ?? 1)) || 1);
const onlyTokens = args.get("only")?.split(",").filter(Boolean) ?? [];
const onlyWorkloads = onlyTokens.filter((t) => /^W\d/.test(t));
const onlySystems = onlyTokens.filter((t) => !/^W\d/.test(t));
const workloadArg = onlyWorkloads.length ? [`--only=${onlyWorkloads.join(",")}`] : [];
const wants = (key: string) => selected(key, onlyWorkloads.length ? onlyWorkloads : null);

/** Debian's python3 with its PyTorch package; KINDLING_BENCH_PYTHON points elsewhere (a venv). */
const PYTHON = process.env.KINDLING_BENCH_PYTHON ?? "/usr/bin/python3";
/**
 * The JS systems run as compiled JavaScript under plain `node`, as an installed package runs:
 * each bench script is bundled by esbuild into bench/.build/ with packages left out, so that
 * `kindling` resolves through the package's exports to dist/ (rebuilt below by tsc, so it
 * matches src/). Under tsx, whose loader adds ~2.5 MB to the heap that every collection marks,
 * resnet18 steps (W7) were ~5% slower.
 */
const buildDir = join(here, ".build");
const node = (script: string, ...argv: string[]) => ({
  cmd: process.execPath,
  argv: [join(buildDir, basename(script).replace(/\.ts$/, ".mjs")), ...argv],
  source: script,
});
/** Every thread knob PyTorch's libraries read, so "1 thread" means one thread throughout. */
const threadEnv = (n: number) => ({ OMP_NUM_THREADS: `${n}`, OPENBLAS_NUM_THREADS: `${n}`, MKL_NUM_THREADS: `${n}` });

interface System {
  id: string;
  cmd: string;
  argv: string[];
  /** The bench script that `argv` runs compiled, for the JS systems. */
  source?: string;
  env: Record<string, string>;
  /** How this system runs W8 (one MNIST epoch), when it does: a script of the MNIST example's. */
  w8?: { cmd: string; argv: string[]; script: string };
}

const kindlingNative = (n: number): System => ({
  id: `kindling-native-${n}t`,
  ...node("bench/kindling.ts", "--backend=native", `--threads=${n}`),
  env: { KINDLING_NUM_THREADS: `${n}` },
  w8: { ...node("bench/mnist_kindling.ts", `--threads=${n}`), script: "bench/mnist_kindling.ts" },
});
const pytorch = (n: number): System => ({
  id: `torch-${n}t`,
  cmd: PYTHON,
  argv: ["bench/torch_bench.py", `--threads=${n}`],
  env: threadEnv(n),
  w8: { cmd: PYTHON, argv: ["bench/mnist_torch.py", `--threads=${n}`], script: "bench/mnist_torch.py" },
});
// Each Kindling configuration runs next to PyTorch at its thread count, so that a change in the
// machine's load between systems skews their ratio as little as possible.
const SYSTEMS: System[] = [
  kindlingNative(1),
  pytorch(1),
  kindlingNative(2),
  pytorch(2),
  { id: "kindling-js", ...node("bench/kindling.ts", "--backend=js"), env: { KINDLING_BACKEND: "js" } },
  { id: "tfjs-wasm", ...node("bench/tfjs.ts", "--backend=wasm"), env: {} },
  { id: "tfjs-cpu", ...node("bench/tfjs.ts", "--backend=cpu"), env: {} },
];

/** Kills a system that overruns (a stuck process must not stall the run); its finished workloads still count. */
const SYSTEM_TIMEOUT_MS = 300_000;

/** Runs one process, echoing its stderr, and collects its protocol lines into `run`. */
function runProcess(cmd: string, argv: string[], env: Record<string, string>, run: SystemRun): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let pending = "";
    let lastErr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), SYSTEM_TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => {
      const lines = (pending + d).split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("BENCH_RESULT ")) {
          const { key, result } = JSON.parse(line.slice(13)) as { key: string; result: Result };
          run.results[key] = result;
        } else if (line.startsWith("BENCH_INFO ")) Object.assign(run, JSON.parse(line.slice(11)));
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d);
      lastErr = `${d}`.trim().split("\n").filter(Boolean).pop() ?? lastErr;
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(`${cmd}: ${e.message}`);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(signal ? `killed after ${SYSTEM_TIMEOUT_MS / 1000} s` : code === 0 ? null : lastErr || `exit code ${code}`);
    });
  });
}

/** A fixed single-threaded JS loop (ms): timed between systems, it shows how busy the machine was. */
function reference(): number {
  const times: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    let acc = 0;
    for (let i = 1; i < 20_000_000; i++) acc += Math.sqrt(i) * 1e-9;
    if (acc < 0) throw new Error("unreachable"); // keeps the loop from being dropped
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Compiles and runs bench/fmaPeak.cc; null (with a note) when there is no compiler. */
function fmaPeak(notes: string[]): FmaPeak | null {
  const dir = mkdtempSync(join(tmpdir(), "kindling-bench-"));
  try {
    const exe = join(dir, "fmaPeak");
    const cc = spawnSync(process.env.CXX ?? "g++", ["-O2", "-std=c++17", "-pthread", join(here, "fmaPeak.cc"), "-o", exe], { encoding: "utf8" });
    if (cc.status !== 0) {
      notes.push(`FMA peak not measured: ${cc.error?.message ?? cc.stderr.split("\n")[0]}`);
      return null;
    }
    const out = JSON.parse(spawnSync(exe, { encoding: "utf8" }).stdout) as FmaPeak | { error: string };
    if ("error" in out) {
      notes.push(`FMA peak not measured: ${out.error}`);
      return null;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const started = new Date();
const notes: string[] = [];
const loadBefore = loadavg()[0];

const torchCheck = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
const torchOk = torchCheck.status === 0;
if (!torchOk)
  notes.push(`PyTorch not measured: ${PYTHON} cannot import torch (${torchCheck.error?.message ?? torchCheck.stderr.trim().split("\n").pop()}); ratios against PyTorch are blank.`);
const systems = SYSTEMS.filter((s) => (!onlySystems.length || onlySystems.includes(s.id)) && (torchOk || !s.id.startsWith("torch")));

/** Builds dist/ and bundles the JS systems' scripts into bench/.build/ (see `node`); exits when either fails. */
function compileScripts(scripts: string[]): void {
  if (scripts.length === 0) return;
  process.stderr.write("building dist/ and the bench scripts…\n");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
  if (built.status !== 0) {
    process.stderr.write(`bench: tsc -p tsconfig.build.json failed:\n${built.stdout}${built.stderr}`);
    process.exit(1);
  }
  buildSync({
    entryPoints: scripts.map((s) => join(root, s)),
    outdir: buildDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    logLevel: "warning",
  });
}
compileScripts([...new Set(systems.flatMap((s) => [s.source, wants("W8") ? s.w8?.script : undefined]).filter((f): f is string => f?.endsWith(".ts") === true && existsSync(join(root, f))))]);

process.stderr.write("measuring the FMA peak and the reference workload…\n");
const peak = wants("W4") ? fmaPeak(notes) : null;
const referenceTimes = [reference()];
const roundRuns = new Map<string, SystemRun[]>();
for (let round = 0; round < rounds; round++)
  for (const s of systems) {
    process.stderr.write(`\n[${s.id}${rounds > 1 ? `, round ${round + 1} of ${rounds}` : ""}]\n`);
    const run: SystemRun = { id: s.id, label: s.id, threads: 0, info: {}, results: {}, error: null, seconds: 0 };
    const t0 = performance.now();
    run.error = await runProcess(s.cmd, [...s.argv, `--budget=${budget}`, ...workloadArg], s.env, run);
    if (wants("W8")) {
      if (!s.w8) run.results.W8 = { na: "not run for this system (W8 compares Kindling native with PyTorch)" };
      else if (!existsSync(join(root, s.w8.script))) run.results.W8 = { na: `skipped: ${s.w8.script} does not exist yet` };
      else {
        const why = await runProcess(s.w8.cmd, s.w8.argv, s.env, run);
        if (why !== null && !run.results.W8) run.results.W8 = { na: `failed: ${why}` };
      }
      const w8 = run.results.W8;
      process.stderr.write(`  W8: ${"na" in w8 ? w8.na : `${w8.value.toPrecision(4)} ${w8.unit}`}\n`);
    }
    run.seconds = (performance.now() - t0) / 1000;
    roundRuns.set(s.id, [...(roundRuns.get(s.id) ?? []), run]);
    referenceTimes.push(reference());
  }

/** One system's rounds as one run: each workload's value and CPU time are medians over the rounds that measured it; samples are pooled. */
function combineRounds(all: SystemRun[]): SystemRun {
  const run: SystemRun = { ...all[0], results: {}, seconds: all.reduce((t, r) => t + r.seconds, 0) };
  run.error = all.find((r) => r.error !== null)?.error ?? null;
  for (const key of new Set(all.flatMap((r) => Object.keys(r.results)))) {
    const measured = all.map((r) => r.results[key]).filter((m): m is Measurement => m !== undefined && !("na" in m));
    if (measured.length === 0) {
      run.results[key] = all.map((r) => r.results[key]).find((m) => m !== undefined)!;
      continue;
    }
    const byValue = [...measured].sort((a, b) => a.value - b.value);
    run.results[key] = {
      ...byValue[Math.floor((byValue.length - 1) / 2)],
      value: median(measured.map((m) => m.value)),
      cpu: median(measured.map((m) => m.cpu)),
      samples: measured.flatMap((m) => m.samples),
      ...(measured.length > 1 ? { iters: measured.reduce((n, m) => n + m.iters, 0) } : {}),
    };
  }
  return run;
}
const runs = new Map<string, SystemRun>([...roundRuns].map(([id, all]) => [id, combineRounds(all)]));

for (const r of runs.values()) {
  if (r.error !== null) notes.push(`${r.id}: ${Object.keys(r.results).length ? "stopped early" : "did not run"} (${r.error})`);
  for (const w of WORKLOADS) {
    const res = r.results[w.key];
    if (res && "na" in res) notes.push(`${r.id} ${w.key}: ${res.na}`);
  }
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
const commit = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim() || "unknown";
const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" }).stdout.trim() !== "";
const loadAfter = loadavg()[0];
const header = [
  `## Kindling bench, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
  "",
  `${cpu}, ${cpus().length} cores, Node ${process.version}, commit ${commit}${dirty ? " (with uncommitted changes)" : ""}, ` +
    `budget ${budget} ms per workload${rounds > 1 ? `, ${rounds} rounds (each value the median over the rounds)` : ""}, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after.`,
];
// Columns: Kindling, then PyTorch, then TF.js.
const COLUMNS = ["kindling-native-1t", "kindling-native-2t", "kindling-js", "torch-1t", "torch-2t", "tfjs-wasm", "tfjs-cpu"];
const order = COLUMNS.filter((id) => runs.has(id));
const workloads = WORKLOADS.filter((w) => wants(w.key));
const report = markdown({ header, workloads, order, runs, notes, peak, reference: referenceTimes });
process.stdout.write(`\n${report}`);

const outDir = join(here, "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "latest.md"), report);
writeFileSync(
  join(outDir, "latest.json"),
  `${JSON.stringify(
    {
      date: started.toISOString(),
      machine: { cpu, cores: cpus().length, node: process.version, loadavg: [loadBefore, loadAfter] },
      commit,
      dirty,
      budgetMs: Number(budget),
      rounds,
      fmaPeak: peak,
      referenceMs: referenceTimes,
      systems: order.map((id) => runs.get(id)),
      targets: targetRows(workloads, runs, peak),
      notes,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\nWrote bench/results/latest.md and bench/results/latest.json\n`);