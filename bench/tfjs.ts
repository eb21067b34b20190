/**
 * TensorFlow.js's side of the bench, one process per backend:
 *   node --import tsx bench/tfjs.ts --backend=cpu|wasm
 * The wasm backend loads its .wasm files from the npm package (no network). Layouts follow
 * TF.js conventions (NHWC convolution, weights [in, out] with transposeB for PyTorch's
 * [out, in]). Prints `BENCH_RESULT <json>` (see bench/harness.ts).
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { SIZES, attempt, emit, parseArgs, timeIt, toMeasurement, type Result } from "./harness.js";

const args = parseArgs(process.argv.slice(2));
const which = args.get("backend") ?? "cpu";
const budgetMs = Number(args.get("budget") ?? 1000);

// TF.js greets Node users on the console; keep stdout for the result line.
const log = console.log;
console.log = (...a: unknown[]) => process.stderr.write(`${a.map(String).join(" ")}\n`);
const tf = await import("@tensorflow/tfjs");
if (which === "wasm") {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dir = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
  wasm.setWasmPaths(`${dir}/`);
}
if (!(await tf.setBackend(which))) {
  process.stderr.write(`tfjs backend ${which} failed to initialize\n`);
  process.exit(2);
}
await tf.ready();
console.log = log;

type Tensor = ReturnType<typeof tf.tensor>;
type Scalar = ReturnType<typeof tf.scalar>;
type Variable = ReturnType<typeof tf.variable>;
const results: Record<string, Result> = {};
const opts = { budgetMs };

function linear(inF: number, outF: number): [Variable, Variable] {
  const bound = 1 / Math.sqrt(inF);
  return [tf.variable(tf.randomUniform([outF, inF], -bound, bound)), tf.variable(tf.randomUniform([outF], -bound, bound))];
}
const dense = (x: Tensor, [w, b]: [Variable, Variable]): Tensor => tf.add(tf.matMul(x, w, false, true), b);

/** One SGD step on `params` for `loss` (TF.js computes gradients of a closure). */
function step(loss: () => Tensor, params: Variable[], lr: number): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(loss as () => Scalar, params);
    for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name], lr)));
  });
}

attempt(results, "W1", () => {
  const x = tf.variable(tf.ones([2, 2]));
  const f = (): Scalar => {
    const y = tf.add(x, 2);
    return tf.mean(tf.mul(tf.mul(y, y), 3)) as Scalar;
  };
  return toMeasurement(timeIt(() => tf.tidy(() => void tf.variableGrads(f, [x])), opts), "µs/iter");
});

attempt(results, "W2", () => {
  const l1 = linear(1000, 100), l2 = linear(100, 10);
  const x = tf.randomNormal([16, 1000]), t = tf.randomNormal([16, 10]);
  const loss = () => tf.sum(tf.square(tf.sub(t, dense(tf.relu(dense(x, l1)), l2))));
  return toMeasurement(timeIt(() => step(loss, [...l1, ...l2], 1e-3), opts), "µs/step");
});

attempt(results, "W3", () => {
  const l1 = linear(784, 512), l2 = linear(512, 512), l3 = linear(512, 10);
  const x = tf.randomNormal([128, 784]);
  const onehot = tf.oneHot(tf.randomUniform([128], 0, 10, "int32"), 10);
  const loss = () => tf.losses.softmaxCrossEntropy(onehot, dense(tf.relu(dense(tf.relu(dense(x, l1)), l2)), l3));
  return toMeasurement(timeIt(() => step(loss, [...l1, ...l2, ...l3], 1e-2), opts), "ms/step");
});

for (const n of SIZES.gemm)
  attempt(results, `W4 n=${n}`, () => {
    const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    const t = timeIt(() => tf.matMul(a, b).dispose(), opts);
    return toMeasurement(t, "GFLOPS", 2 * n ** 3);
  });

attempt(results, "W5", () => {
  const { n, c, h, w, k } = SIZES.conv;
  const x = tf.randomNormal([n, h, w, c]);
  const filter = tf.mul(tf.randomNormal([k, k, c, c]), 0.1);
  const g = tf.grads((xi: Tensor, fi: Tensor) => tf.sum(tf.conv2d(xi as never, fi as never, 1, "same")));
  return toMeasurement(timeIt(() => tf.tidy(() => void g([x, filter])), opts), "ms/iter");
});

{
  const a = tf.randomNormal([SIZES.elementwise]), b = tf.randomNormal([SIZES.elementwise]);
  attempt(results, "W6 add", () => toMeasurement(timeIt(() => tf.add(a, b).dispose(), opts), "ms"));
  attempt(results, "W6 exp", () => toMeasurement(timeIt(() => tf.exp(a).dispose(), opts), "ms"));
}
results.W7 = { na: "n/a (not run: no Kindling counterpart yet)" };
results.W8 = { na: "n/a (not run: no Kindling counterpart yet)" };

emit({
  system: `tfjs-${which}`,
  label: `TF.js ${tf.version.tfjs} ${which}`,
  threads: 1,
  info: { tfjs: tf.version.tfjs, backend: which },
  results,
});
