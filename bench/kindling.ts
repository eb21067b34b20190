/**
 * Kindling's side of the bench, one process per configuration:
 *   node --conditions=source --import tsx bench/kindling.ts --backend=js|native [--threads=N]
 * Prints `BENCH_RESULT <json>` (see bench/harness.ts).
 */
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { setBackend } from "../src/backend/backend.js";
import { jsBackend } from "../src/backend/js/index.js";
import { getNumThreads, loadNativeAddon, loadNativeBackend, nativeLoadError, setNumThreads } from "../src/backend/native.js";
import { SIZES, attempt, emit, parseArgs, timeIt, toMeasurement, type Result } from "./harness.js";

const args = parseArgs(process.argv.slice(2));
const which = args.get("backend") ?? "js";
const threads = Number(args.get("threads") ?? 1);
const budgetMs = Number(args.get("budget") ?? 1000);

if (which === "native") {
  const nb = loadNativeBackend();
  if (!nb) {
    process.stderr.write(`native backend unavailable: ${nativeLoadError()}\n`);
    process.exit(2);
  }
  setNumThreads(threads);
  setBackend(nb);
} else setBackend(jsBackend);

// Optional parts of the API, looked up at run time so the bench runs while they are written.
type Fn<A extends unknown[]> = ((...args: A) => Tensor) | null;
const lib = torch as unknown as Record<string, unknown>;
const F = (lib.F ?? {}) as Record<string, unknown>;
const fn = <A extends unknown[]>(...cands: unknown[]): Fn<A> =>
  (cands.find((c) => typeof c === "function") as ((...args: A) => Tensor) | undefined) ?? null;
const crossEntropy = fn<[Tensor, Tensor]>(F.crossEntropy, lib.crossEntropy);
const conv2d = fn<[Tensor, Tensor, Tensor | null, { padding: number }]>(F.conv2d, lib.conv2d);

const results: Record<string, Result> = {};
const opts = { budgetMs };

/** A Linear layer's parameters as PyTorch initializes them: U(-1/√in, 1/√in). */
function linear(inF: number, outF: number): [Tensor, Tensor] {
  const bound = 1 / Math.sqrt(inF);
  const w = torch.rand([outF, inF]).mul(2 * bound).sub(bound).requiresGrad_();
  const b = torch.rand([outF]).mul(2 * bound).sub(bound).requiresGrad_();
  return [w, b];
}
const dense = (x: Tensor, [w, b]: [Tensor, Tensor]): Tensor => x.matmul(w.t()).add(b);

function sgdStep(params: Tensor[], lr: number): void {
  torch.noGrad(() => {
    for (const p of params) p.sub_(p.grad!.mul(lr));
  });
  for (const p of params) p.grad!.zero_();
}

torch.manualSeed(0);

attempt(results, "W1", () => {
  const x = torch.ones([2, 2], { requiresGrad: true });
  const t = timeIt(() => {
    const y = x.add(2);
    const z = y.mul(y).mul(3);
    const out = z.mean();
    out.backward();
    x.grad!.zero_();
  }, opts);
  return toMeasurement(t, "µs/iter");
});

attempt(results, "W2", () => {
  const l1 = linear(1000, 100), l2 = linear(100, 10);
  const params = [...l1, ...l2];
  const x = torch.randn([16, 1000]), target = torch.randn([16, 10]);
  const t = timeIt(() => {
    const p = dense(torch.relu(dense(x, l1)), l2);
    const loss = target.sub(p).pow(2).sum();
    loss.backward();
    sgdStep(params, 1e-3);
  }, opts);
  return toMeasurement(t, "µs/step");
});

attempt(results, "W3", () => {
  const l1 = linear(784, 512), l2 = linear(512, 512), l3 = linear(512, 10);
  const params = [...l1, ...l2, ...l3];
  const x = torch.randn([128, 784]);
  const labels = torch.randint(0, 10, [128]);
  // Without F.crossEntropy: log-softmax and a one-hot mask give the same mean NLL.
  const onehot = torch.zeros([128, 10]);
  for (let i = 0; i < 128; i++) onehot._storage.data[i * 10 + Number(labels._storage.data[i])] = 1;
  const loss = (logits: Tensor): Tensor =>
    crossEntropy ? crossEntropy(logits, labels) : torch.logSoftmax(logits, 1).mul(onehot).sum().div(-128);
  const t = timeIt(() => {
    const h1 = torch.relu(dense(x, l1));
    const h2 = torch.relu(dense(h1, l2));
    loss(dense(h2, l3)).backward();
    sgdStep(params, 1e-2);
  }, opts);
  return toMeasurement(t, "ms/step");
});

for (const n of SIZES.gemm)
  attempt(results, `W4 n=${n}`, () => {
    const a = torch.randn([n, n]), b = torch.randn([n, n]);
    return toMeasurement(timeIt(() => void a.mm(b), opts), "GFLOPS", 2 * n ** 3);
  });

attempt(results, "W5", () => {
  if (!conv2d) return { na: "n/a (conv2d not implemented)" };
  const { n, c, h, w, k } = SIZES.conv;
  const x = torch.randn([n, c, h, w], { requiresGrad: true });
  const weight = torch.randn([c, c, k, k]).mul(0.1).requiresGrad_();
  const t = timeIt(() => {
    conv2d(x, weight, null, { padding: 1 }).sum().backward();
    x.grad!.zero_();
    weight.grad!.zero_();
  }, opts);
  return toMeasurement(t, "ms/iter");
});

{
  const a = torch.randn([SIZES.elementwise]), b = torch.randn([SIZES.elementwise]);
  attempt(results, "W6 add", () => toMeasurement(timeIt(() => void a.add(b), opts), "ms"));
  attempt(results, "W6 exp", () => toMeasurement(timeIt(() => void a.exp(), opts), "ms"));
}
results.W7 = { na: "n/a (no ResNet model yet)" };
results.W8 = { na: "n/a (no training workload yet)" };

const addon = which === "native" ? loadNativeAddon() : null;
emit({
  system: which === "native" ? `kindling-native-${threads}t` : "kindling-js",
  label: which === "native" ? `Kindling native ${threads}t` : "Kindling JS",
  threads: which === "native" ? getNumThreads() : 1,
  info: {
    node: process.version,
    ...(addon ? { isa: addon.isa() } : {}),
    crossEntropy: crossEntropy ? "F.crossEntropy" : "logSoftmax + one-hot",
  },
  results,
});
