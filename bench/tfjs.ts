/**
 * TensorFlow.js's side of the bench, one process per backend (bench/run.ts starts them):
 *   node --import tsx bench/tfjs.ts --backend=cpu|wasm [--budget=ms] [--only=W2,W5]
 * Same workloads as bench/kindling.ts in TF.js's idioms: NHWC convolution, weights [in, out],
 * gradients of a closure, tidy() for memory. Under Node both backends run on one thread (TF.js
 * turns wasm threads off there). The wasm backend reads its .wasm from the npm package, no
 * network. W7/W8 are not run: issue 4 compares TF.js on W2, W3 and W5 only.
 * Protocol: bench/harness.ts.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { BenchProcess, SIZES, parseArgs } from "./harness.js";

const which = parseArgs(process.argv.slice(2)).get("backend") ?? "cpu";
const bench = new BenchProcess(process.argv.slice(2));

// TF.js greets Node users on stdout (advice to install tfjs-node); keep stdout for the protocol.
const log = console.log;
console.log = () => {};
const tf = await import("@tensorflow/tfjs");
if (which === "wasm") {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(`${dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"))}/`);
}
let ok = false;
try {
  ok = await tf.setBackend(which);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : JSON.stringify(e)}\n`);
}
if (!ok) {
  process.stderr.write(`tfjs backend ${which} failed to initialize${which === "wasm" ? " (could not load its .wasm from node_modules)" : ""}\n`);
  process.exit(2);
}
console.log = log;

type Tensor = ReturnType<typeof tf.tensor>;
type Scalar = ReturnType<typeof tf.scalar>;
type Variable = ReturnType<typeof tf.variable>;

/** A Linear layer initialized as PyTorch does, U(±1/√in); weight [in, out] as TF.js lays it out. */
function linear(inF: number, outF: number): [Variable, Variable] {
  const bound = 1 / Math.sqrt(inF);
  return [tf.variable(tf.randomUniform([inF, outF], -bound, bound)), tf.variable(tf.randomUniform([outF], -bound, bound))];
}
const dense = (x: Tensor, [w, b]: [Variable, Variable]): Tensor => tf.add(tf.matMul(x, w), b);

/** One step: gradients of `loss` with respect to every variable, applied by SGD. */
function trainStep(loss: () => Scalar, lr: number): () => void {
  const opt = tf.train.sgd(lr);
  return () => tf.tidy(() => void opt.minimize(loss));
}

await bench.run("W1", () => {
  const x = tf.variable(tf.ones([2, 2]));
  const f = (): Scalar => {
    const y = tf.add(x, 2);
    return tf.mean(tf.mul(tf.mul(y, y), 3)) as Scalar;
  };
  return bench.time(() => tf.tidy(() => void tf.variableGrads(f, [x])), "µs/iter");
});

await bench.run("W2", () => {
  const l1 = linear(1000, 100), l2 = linear(100, 10);
  const x = tf.randomNormal([16, 1000]), t = tf.randomNormal([16, 10]);
  const loss = () => tf.sum(tf.square(tf.sub(t, dense(tf.relu(dense(x, l1)), l2)))) as Scalar;
  return bench.time(trainStep(loss, 1e-3), "µs/step");
});

await bench.run("W3", () => {
  const l1 = linear(784, 512), l2 = linear(512, 512), l3 = linear(512, 10);
  const x = tf.randomNormal([128, 784]);
  const onehot = tf.oneHot(tf.randomUniform([128], 0, 10, "int32"), 10);
  const loss = () => tf.losses.softmaxCrossEntropy(onehot, dense(tf.relu(dense(tf.relu(dense(x, l1)), l2)), l3)) as Scalar;
  return bench.time(trainStep(loss, 1e-2), "ms/step");
});

for (const n of SIZES.gemm)
  await bench.run(`W4 n=${n}`, () => {
    const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    return bench.time(() => tf.matMul(a, b).dispose(), "GFLOPS", 2 * n ** 3);
  });

await bench.run("W5", () => {
  const { n, c, h, w, out, k } = SIZES.conv;
  const bound = 1 / Math.sqrt(c * k * k);
  const filter = tf.randomUniform([k, k, c, out], -bound, bound) as ReturnType<typeof tf.tensor4d>;
  const bias = tf.randomUniform([out], -bound, bound) as ReturnType<typeof tf.tensor1d>;
  // "same" with stride 1 and a 3×3 kernel is padding 1.
  const g = tf.grads((xi, fi, bi) => tf.sum(tf.add(tf.conv2d(xi as typeof filter, fi as typeof filter, 1, "same"), bi)));
  const step = (batch: number) => {
    const x = tf.randomNormal([batch, h, w, c]);
    return () => tf.tidy(() => void g([x, filter, bias]));
  };
  // TF.js cpu needs ~1 min per full-batch call here: when the full batch would take over 20
  // budgets, time batch 1 and scale by the batch (the work is linear in it).
  const one = step(1);
  const t0 = performance.now();
  one();
  if (n * (performance.now() - t0) <= 20 * bench.budgetMs) return bench.time(step(n), "ms/iter");
  const m = bench.time(one, "ms/iter");
  const scale = (xs: number[]) => xs.map((x) => x * n);
  return { ...m, value: m.value * n, cpu: m.cpu * n, samples: scale(m.samples), note: `batch 1 timed and scaled ×${n} (a full batch would take over 20 budgets)` };
});

{
  const a = tf.randomNormal([SIZES.elementwise]), b = tf.randomNormal([SIZES.elementwise]);
  await bench.run("W6 add", () => bench.time(() => tf.add(a, b).dispose(), "ms"));
  await bench.run("W6 exp", () => bench.time(() => tf.exp(a).dispose(), "ms"));
}
await bench.run("W7", () => ({ na: "not run for TF.js (issue 4 compares TF.js on W2, W3, W5)" }));

bench.info(`TF.js ${tf.version.tfjs} ${which}`, 1, { tfjs: tf.version.tfjs, backend: which });
