/**
 * `torch.nn.functional` against PyTorch, recorded by `/usr/bin/python3 scripts/fixtures/losses.py`
 * into test/fixtures/losses.json: outputs, grad_fn names, gradients and Hessian-vector products
 * of every loss and activation in float64 and float32, error messages, warnings, dropout masks
 * and the seed notebook's `binary_cross_entropy_with_logits` cell. Float64 gradients are also
 * checked by central differences, and second derivatives by central differences of the first.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, mock, test } from "node:test";

import { Tensor } from "../../src/core/tensor.js";
import { type DType, type DTypeName, bool, float32, float64, int32, int64 } from "../../src/core/dtype.js";
import { manualSeed } from "../../src/core/random.js";
import { grad } from "../../src/autograd/engine.js";
import { noGrad } from "../../src/autograd/gradMode.js";
import { ones, tensor, zeros } from "../../src/ops/creation.js";
import { matmul } from "../../src/ops/linalg.js";
import * as F from "../../src/nn/functional.js";

// ---------------------------------------------------------------- the fixture

/** A float as the fixture stores it: JSON has no nan or infinities, so those are strings. */
type EncodedFloat = number | "nan" | "inf" | "-inf";

interface EncodedTensor {
  dtype: DTypeName;
  shape: number[];
  values: EncodedFloat[];
  requiresGrad: boolean;
}

type EncodedOptions = Record<string, EncodedTensor | number | string | boolean>;

interface Case {
  name: string;
  fn: string;
  dtype: DTypeName;
  args: EncodedTensor[];
  options: EncodedOptions;
  output: EncodedTensor;
  gradFn: string | null;
  fd: boolean;
  gradOutput?: EncodedTensor;
  grads?: EncodedTensor[];
  second?: { v: EncodedTensor[]; grads: (EncodedTensor | null)[] };
}

interface ErrorCase {
  fn: string;
  args: EncodedTensor[];
  options: EncodedOptions;
  type: string;
  message: string;
}

interface WarningCase {
  fn: string;
  args: EncodedTensor[];
  options: EncodedOptions;
  message: string;
}

interface DropoutCase {
  seed: number;
  p: number;
  input: EncodedTensor;
  output: EncodedTensor;
  gradFn: string;
  gradOutput: EncodedTensor;
  grad: EncodedTensor;
}

interface SeedCell {
  w: EncodedTensor;
  b: EncodedTensor;
  z: EncodedTensor;
  zGradFn: string;
  loss: EncodedTensor;
  lossGradFn: string;
  wGrad: EncodedTensor;
  bGrad: EncodedTensor;
  wGradRepr: string;
  bGradRepr: string;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/losses.json", import.meta.url), "utf8")) as {
  cases: Case[];
  errors: ErrorCase[];
  warnings: WarningCase[];
  dropout: DropoutCase[];
  seed: SeedCell;
};

const DTYPES: Record<DTypeName, DType> = { float32, float64, int64, int32, bool };

function decodeFloat(v: EncodedFloat): number {
  if (typeof v === "number") return v;
  return { nan: NaN, inf: Infinity, "-inf": -Infinity }[v];
}

/** A fresh contiguous leaf holding the fixture's values. */
function decode(e: EncodedTensor): Tensor {
  const dtype = DTYPES[e.dtype];
  const t = Tensor._fromArray(dtype.arrayType.from(e.values.map(decodeFloat)), e.shape.slice(), dtype);
  return e.requiresGrad ? t.requiresGrad_() : t;
}

/** The options as F takes them (the fixture writes F's own option names). */
interface Options {
  reduction?: F.Reduction;
  weight?: Tensor;
  posWeight?: Tensor;
  ignoreIndex?: number;
  labelSmoothing?: number;
  beta?: number;
  threshold?: number;
  dim?: number;
  negativeSlope?: number;
  p?: number;
  training?: boolean;
}

function decodeOptions(o: EncodedOptions): Options {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === "object" ? decode(v) : v;
  return out as Options;
}

/** Each function called as the fixture script calls PyTorch's. */
const FNS: Record<string, (args: Tensor[], o: Options) => Tensor> = {
  mseLoss: ([x, t], o) => F.mseLoss(x, t, o),
  l1Loss: ([x, t], o) => F.l1Loss(x, t, o),
  smoothL1Loss: ([x, t], o) => F.smoothL1Loss(x, t, o),
  binaryCrossEntropy: ([x, t], o) => F.binaryCrossEntropy(x, t, o),
  binaryCrossEntropyWithLogits: ([x, t], o) => F.binaryCrossEntropyWithLogits(x, t, o),
  nllLoss: ([x, t], o) => F.nllLoss(x, t, o),
  crossEntropy: ([x, t], o) => F.crossEntropy(x, t, o),
  relu: ([x]) => F.relu(x),
  sigmoid: ([x]) => F.sigmoid(x),
  tanh: ([x]) => F.tanh(x),
  softmax: ([x], o) => F.softmax(x, o.dim as number),
  logSoftmax: ([x], o) => F.logSoftmax(x, o.dim as number),
  leakyRelu: ([x], o) => F.leakyRelu(x, o.negativeSlope),
  gelu: ([x]) => F.gelu(x),
  silu: ([x]) => F.silu(x),
  softplus: ([x], o) => F.softplus(x, o),
  logsigmoid: ([x]) => F.logsigmoid(x),
  linear: ([x, w, b]) => F.linear(x, w, b ?? null),
  dropout: ([x], o) => F.dropout(x, o.p, o.training),
};

// ---------------------------------------------------------------- comparisons

/** Tolerances: float64 results agree with PyTorch to 1e-10, float32 ones to 1e-5. */
const RTOL: Record<string, number> = { float64: 1e-10, float32: 1e-5 };

/**
 * Elementwise `|a - e| <= rtol (|e| + max|e|)`: relative, with the tensor's largest magnitude
 * as a floor, since a sum's rounding error scales with its largest terms, not with the result.
 */
function assertClose(actual: Tensor | null, expected: EncodedTensor | null, rtol: number, what: string): void {
  // An undefined gradient (null) and a zero one say the same thing.
  if (expected === null) {
    if (actual !== null) assertAllZero(actual, what);
    return;
  }
  if (actual === null) {
    assert.ok(expected.values.every((v) => v === 0), `${what}: missing`);
    return;
  }
  assert.deepEqual(actual._shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype.name, expected.dtype, `${what}: dtype`);
  const a = actual.contiguous()._storage.data;
  const e = expected.values.map(decodeFloat);
  const scale = e.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  e.forEach((ev, i) => {
    const av = a[i];
    if (!Number.isFinite(ev)) assert.ok(Object.is(av, ev) || (Number.isNaN(ev) && Number.isNaN(av)), `${what}[${i}]: ${av} vs ${ev}`);
    else assert.ok(Math.abs(av - ev) <= rtol * (Math.abs(ev) + scale), `${what}[${i}]: ${av} vs ${ev}`);
  });
}

function assertAllZero(t: Tensor, what: string): void {
  const d = t.contiguous()._storage.data;
  for (let i = 0; i < d.length; i++) assert.equal(d[i], 0, `${what}[${i}]`);
}

/** Mixed tolerance for finite differences: `|n - a| <= atol + rtol |n|`. */
function assertNear(actual: ArrayLike<number>, numeric: Float64Array, atol: number, rtol: number, what: string): void {
  for (let i = 0; i < numeric.length; i++)
    assert.ok(Math.abs(actual[i] - numeric[i]) <= atol + rtol * Math.abs(numeric[i]), `${what}[${i}]: ${actual[i]} vs numeric ${numeric[i]}`);
}

/**
 * Central differences `(f(x + εe_i) - f(x - εe_i)) / 2ε` of a scalar function over every element
 * of `t`, a contiguous leaf whose storage is perturbed in place (and restored).
 */
function finiteDifferences(f: () => number, t: Tensor, eps = 1e-6): Float64Array {
  const d = t._storage.data;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const orig = d[i];
    d[i] = orig + eps;
    const fp = f();
    d[i] = orig - eps;
    const fm = f();
    d[i] = orig;
    out[i] = (fp - fm) / (2 * eps);
  }
  return out;
}

function dataOf(t: Tensor | null, numel: number): ArrayLike<number> {
  return t === null ? new Float64Array(numel) : t.contiguous()._storage.data;
}

// ---------------------------------------------------------------- replaying the cases

/** The case's inputs, options, output and the inputs that require grad. */
function run(c: Case): { args: Tensor[]; options: Options; out: Tensor; diff: Tensor[] } {
  const args = c.args.map(decode);
  const options = decodeOptions(c.options);
  return { args, options, out: FNS[c.fn](args, options), diff: args.filter((a) => a.requiresGrad) };
}

/** `Σ_i (∂/∂a_i (out · gradOutput).sum()) · v_i`, summed: a scalar whose gradient is a Hessian-vector product. */
function gradDotV(out: Tensor, diff: Tensor[], gradOutput: Tensor, vs: Tensor[], createGraph: boolean): Tensor {
  const grads = grad(out, diff, { gradOutputs: gradOutput, createGraph, allowUnused: true });
  return grads.reduce<Tensor>((s, g, i) => (g === null ? s : s.add(g.mul(vs[i]).sum())), zeros([], { dtype: out.dtype }));
}

describe("warnings as PyTorch gives them", () => {
  test("F.sigmoid and F.tanh are deprecated", (t) => {
    const warn = t.mock.method(console, "warn", () => undefined);
    F.sigmoid(zeros([1]));
    F.tanh(zeros([1]));
    assert.deepEqual(
      warn.mock.calls.map((c) => c.arguments[0]),
      [
        "UserWarning: nn.functional.sigmoid is deprecated. Use torch.sigmoid instead.",
        "UserWarning: nn.functional.tanh is deprecated. Use torch.tanh instead.",
      ],
    );
  });

  for (const w of fixture.warnings) {
    test(`${w.fn}: ${w.message.slice(0, 60)}`, (t) => {
      const warn = t.mock.method(console, "warn", () => undefined);
      FNS[w.fn](w.args.map(decode), decodeOptions(w.options));
      assert.deepEqual(warn.mock.calls.map((c) => c.arguments[0]), [`UserWarning: ${w.message}`]);
    });
  }
});

describe("outputs, grad_fn and gradients match PyTorch", () => {
  // The broadcasting cases warn; the warnings themselves are tested above.
  let restore = (): void => undefined;
  before(() => {
    const warn = mock.method(console, "warn", () => undefined);
    restore = () => warn.mock.restore();
  });
  after(() => restore());

  for (const c of fixture.cases) {
    test(c.name, () => {
      const { out, diff } = run(c);
      const rtol = RTOL[c.dtype];
      assertClose(out, c.output, rtol, "output");
      assert.equal(out.gradFn?.name() ?? null, c.gradFn);
      if (!c.grads || !c.gradOutput) return;
      const grads = grad(out, diff, { gradOutputs: decode(c.gradOutput) });
      c.grads.forEach((g, i) => assertClose(grads[i], g, rtol, `grad ${i}`));
    });
  }
});

describe("gradients agree with central differences (float64)", () => {
  for (const c of fixture.cases.filter((k) => k.fd && k.gradOutput)) {
    test(c.name, () => {
      const { args, options, out, diff } = run(c);
      const gradOutput = decode(c.gradOutput as EncodedTensor);
      const grads = grad(out, diff, { gradOutputs: gradOutput });
      const f = (): number => noGrad(() => FNS[c.fn](args, options).mul(gradOutput).sum().item());
      diff.forEach((t, i) => assertNear(dataOf(grads[i], t.numel()), finiteDifferences(f, t), 1e-6, 1e-5, `grad ${i}`));
    });
  }
});

describe("second derivatives (createGraph) match PyTorch and central differences of the first", () => {
  for (const c of fixture.cases.filter((k) => k.second)) {
    const second = c.second as NonNullable<Case["second"]>;
    test(c.name, () => {
      const { args, options, out, diff } = run(c);
      const gradOutput = decode(c.gradOutput as EncodedTensor);
      const vs = second.v.map(decode);
      const s = gradDotV(out, diff, gradOutput, vs, true);
      // A gradient that no longer depends on the inputs (leaky ReLU's) is constant: zero second derivative.
      const seconds = s.requiresGrad ? grad(s, diff, { allowUnused: true }) : diff.map(() => null);
      second.grads.forEach((g, i) => assertClose(seconds[i], g, RTOL[c.dtype], `second ${i}`));
      if (c.dtype !== "float64" || !c.fd) return;
      const f = (): number => gradDotV(FNS[c.fn](args, options), diff, gradOutput, vs, false).item();
      diff.forEach((t, i) => assertNear(dataOf(seconds[i], t.numel()), finiteDifferences(f, t), 1e-5, 1e-4, `second ${i}`));
    });
  }
});

// ---------------------------------------------------------------- errors

describe("errors in PyTorch's words", () => {
  for (const e of fixture.errors) {
    test(`${e.fn}: ${e.message}`, (t) => {
      t.mock.method(console, "warn", () => undefined); // mseLoss warns before it fails to broadcast
      const args = e.args.map(decode);
      const options = decodeOptions(e.options);
      assert.throws(
        () => FNS[e.fn](args, options),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.equal(err.message, e.message);
          // Python's IndexError is a RangeError here.
          if (e.type === "IndexError") assert.ok(err instanceof RangeError, "expected a RangeError");
          return true;
        },
      );
    });
  }

  test("a 1-D input with a 1-D target (PyTorch 2.x's check; 1.13 has none)", () => {
    // Text from aten/src/ATen/native/LossNLL.cpp, TORCH_META_FUNC(nll_loss_forward).
    assert.throws(() => F.nllLoss(zeros([3]), tensor([0n, 1n, 2n])), {
      message: "Expected target to be 0D when input is 1D, but got target.dim =1",
    });
  });
});

// ---------------------------------------------------------------- dropout

describe("dropout", () => {
  for (const d of fixture.dropout) {
    test(`after torch.manual_seed(${d.seed}), p = ${d.p}: PyTorch's mask`, () => {
      const x = decode(d.input);
      manualSeed(d.seed);
      const y = F.dropout(x, d.p);
      assertClose(y, d.output, RTOL[d.input.dtype], "output");
      assert.equal(y.gradFn?.name(), d.gradFn);
      y.backward(decode(d.gradOutput));
      assertClose(x.grad, d.grad, RTOL[d.input.dtype], "grad");
    });
  }

  test("the identity when p is 0, when not training, and on empty tensors", () => {
    const x = ones([3], { requiresGrad: true });
    assert.equal(F.dropout(x, 0), x);
    assert.equal(F.dropout(x, 0.5, false), x);
    const empty = zeros([0]);
    assert.equal(F.dropout(empty, 0.5), empty);
  });

  test("p = 1 zeroes everything, through MulBackward0", () => {
    const x = ones([3], { requiresGrad: true });
    const y = F.dropout(x, 1);
    assert.deepEqual(y.tolist(), [0, 0, 0]);
    assert.equal(y.gradFn?.name(), "MulBackward0");
    y.sum().backward();
    assert.deepEqual(x.grad?.tolist(), [0, 0, 0]);
  });
});

// ---------------------------------------------------------------- the seed notebook

describe("seed cell: z = matmul(x, w) + b; loss = F.binary_cross_entropy_with_logits(z, y)", () => {
  const s = fixture.seed;

  test("loss, grad_fn names and the printed gradients", () => {
    const x = ones(5);
    const y = zeros(3);
    const w = decode(s.w);
    const b = decode(s.b);
    const z = matmul(x, w).add(b);
    const loss = F.binaryCrossEntropyWithLogits(z, y);
    assertClose(z, s.z, 1e-6, "z");
    assertClose(loss, s.loss, 1e-6, "loss");
    assert.equal(z.gradFn?.name(), s.zGradFn);
    assert.equal(loss.gradFn?.name(), s.lossGradFn);
    loss.backward();
    assertClose(w.grad, s.wGrad, 1e-6, "w.grad");
    assertClose(b.grad, s.bGrad, 1e-6, "b.grad");
    assert.equal(String(w.grad), s.wGradRepr);
    assert.equal(String(b.grad), s.bGradRepr);
  });
});
