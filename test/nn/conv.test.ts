/**
 * Convolution, pooling, normalization and embedding ops against PyTorch, recorded by
 * `/usr/bin/python3 scripts/fixtures/nn.py` into test/fixtures/nn.json: outputs, grad_fn
 * names and input gradients in float32 and float64, and error messages. Gradients and second
 * derivatives are also checked by central differences in float64 on tiny shapes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { Tensor } from "../../src/core/tensor.js";
import { type DType, float32, float64, int64 } from "../../src/core/dtype.js";
import { manualSeed } from "../../src/core/random.js";
import { rand, tensor, zeros, ones } from "../../src/ops/creation.js";
import { gradcheck, gradgradcheck } from "../../src/autograd/gradcheck.js";
import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
  embedding,
  groupNorm,
  layerNorm,
  maxPool2d,
} from "../../src/ops/conv.js";
import { assertValues, type Tolerance } from "../helpers/opTable.js";

interface StoredInput {
  role: string;
  shape: number[];
  values: number[];
  kind: "float" | "int" | "const";
}

interface Run {
  shape: number[];
  values: number[];
  gradFn: string;
  grads: Record<string, number[]>;
  indices?: number[];
  runningMean?: number[];
  runningVar?: number[];
}

interface OpCase {
  name: string;
  op: string;
  args: { kernelSize?: number | number[]; outputSize?: number | (number | null)[]; normalizedShape?: number[]; numGroups?: number };
  options: Record<string, unknown>;
  inputs: StoredInput[];
  gradOut: number[];
  runs: { float32: Run; float64: Run };
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/nn.json", import.meta.url), "utf8")) as {
  ops: OpCase[];
  errors: Record<string, string>;
};

const TOLERANCE: Record<string, Tolerance> = {
  float32: { rtol: 1e-5, atol: 1e-5 },
  float64: { rtol: 1e-10, atol: 1e-12 },
};

function leafOf(input: StoredInput, dtype: DType): Tensor {
  const t = tensor(input.values, { dtype: input.kind === "int" ? int64 : dtype }).reshape(input.shape);
  return input.kind === "float" ? t.requiresGrad_() : t;
}

/** Runs a fixture case's op in Kindling. */
function run(c: OpCase, t: Record<string, Tensor>): Tensor | [Tensor, Tensor] {
  const o = c.options as never;
  const b = t.b ?? null;
  switch (c.op) {
    case "conv2d":
      return conv2d(t.x, t.w, b, o);
    case "conv1d":
      return conv1d(t.x, t.w, b, o);
    case "convTranspose2d":
      return convTranspose2d(t.x, t.w, b, o);
    case "maxPool2d":
      return maxPool2d(t.x, c.args.kernelSize as number, o);
    case "avgPool2d":
      return avgPool2d(t.x, c.args.kernelSize as number, o);
    case "adaptiveAvgPool2d":
      return adaptiveAvgPool2d(t.x, c.args.outputSize as number);
    case "batchNorm":
      return batchNorm(t.x, t.runningMean ?? null, t.runningVar ?? null, { ...(c.options as object), weight: t.weight, bias: t.bias });
    case "layerNorm":
      return layerNorm(t.x, c.args.normalizedShape as number[], { ...(c.options as object), weight: t.weight, bias: t.bias });
    case "groupNorm":
      return groupNorm(t.x, c.args.numGroups as number, { ...(c.options as object), weight: t.weight, bias: t.bias });
    case "embedding":
      return embedding(t.indices, t.weight, o);
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

describe("conv, pooling, normalization and embedding ops match PyTorch", () => {
  for (const c of fixture.ops) {
    for (const [name, dtype] of [["float32", float32], ["float64", float64]] as const) {
      test(`${c.name} (${name})`, () => {
        const expected = c.runs[name];
        const tol = TOLERANCE[name];
        const leaves: Record<string, Tensor> = {};
        for (const input of c.inputs) leaves[input.role] = leafOf(input, dtype);
        const result = run(c, leaves);
        const [out, indices] = Array.isArray(result) ? result : [result, null];
        assertValues(out, expected.shape, expected.values, tol, "output");
        assert.equal(out.gradFn?.name(), expected.gradFn);
        if (expected.indices) {
          assert.ok(indices);
          assert.equal(indices.dtype, int64);
          assert.deepEqual(Array.from(indices.numpy()), expected.indices);
        }
        if (expected.runningMean) {
          assertValues(leaves.runningMean, [expected.runningMean.length], expected.runningMean, tol, "running mean");
          assertValues(leaves.runningVar, [expected.runningVar!.length], expected.runningVar!, tol, "running var");
        }
        out.backward(tensor(c.gradOut, { dtype }).reshape(expected.shape));
        for (const [role, grad] of Object.entries(expected.grads)) {
          const leaf = leaves[role];
          assert.ok(leaf.grad, `${role} has a gradient`);
          assertValues(leaf.grad, leaf.shape, grad, tol, `grad of ${role}`);
        }
      });
    }
  }
});

/** Uniform float64 leaves in [-1, 1). */
function leaf(...shape: number[]): Tensor {
  return rand(shape, { dtype: float64 }).mul(2).sub(1).requiresGrad_();
}

describe("gradients by central differences (float64)", () => {
  manualSeed(7);
  test("conv2d: stride, padding, dilation, groups, bias; and second order", () => {
    const x = leaf(1, 4, 5, 6);
    const w = leaf(4, 2, 2, 3);
    const b = leaf(4);
    assert.ok(gradcheck((x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 }), [x, w, b]));
    assert.ok(gradgradcheck((x, w) => conv2d(x, w, null, { padding: "same", groups: 2 }), [leaf(1, 4, 3, 3), leaf(2, 2, 2, 2)]));
  });

  test("conv1d and transposed convolutions; second order", () => {
    assert.ok(gradcheck((x, w, b) => conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2 }), [leaf(2, 2, 7), leaf(3, 2, 2), leaf(3)]));
    const opts = { stride: 2, padding: 1, outputPadding: 1, groups: 2 };
    assert.ok(gradcheck((x, w, b) => convTranspose2d(x, w, b, opts), [leaf(1, 4, 3, 2), leaf(4, 1, 3, 2), leaf(2)]));
    assert.ok(gradcheck((x, w) => convTranspose1d(x, w, null, { stride: 3 }), [leaf(2, 2, 3), leaf(2, 3, 2)]));
    assert.ok(gradgradcheck((x, w) => convTranspose2d(x, w, null, { stride: 2 }), [leaf(1, 2, 2, 2), leaf(2, 1, 2, 2)]));
  });

  test("pooling; second order", () => {
    const x = leaf(1, 2, 5, 6);
    assert.ok(gradcheck((x) => maxPool2d(x, 3, { stride: 2, padding: 1, dilation: [1, 2] }), [x]));
    assert.ok(gradcheck((x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [x]));
    assert.ok(gradcheck((x) => adaptiveAvgPool2d(x, [2, 4]), [x]));
    const y = leaf(1, 1, 4, 4);
    assert.ok(gradgradcheck((y) => maxPool2d(y, 2).square(), [y]));
    assert.ok(gradgradcheck((y) => avgPool2d(y, 2, { stride: 1 }).square(), [y]));
    assert.ok(gradgradcheck((y) => adaptiveAvgPool2d(y, 3).square(), [y]));
  });

  test("batch, layer and group normalization; second order", () => {
    const w = leaf(4);
    const b = leaf(4);
    assert.ok(gradcheck((x, w, b) => batchNorm(x, null, null, { weight: w, bias: b, training: true }), [leaf(3, 4, 2), w, b]));
    const stats = { weight: w, bias: b, training: false, eps: 0.1 };
    assert.ok(gradcheck((x, w, b) => batchNorm(x, zeros([4], { dtype: float64 }), ones([4], { dtype: float64 }), { ...stats, weight: w, bias: b }), [leaf(3, 4), w, b]));
    assert.ok(gradgradcheck((x, w) => batchNorm(x, null, null, { weight: w, training: true }), [leaf(3, 4), w]));
    assert.ok(gradcheck((x, w, b) => layerNorm(x, [2, 4], { weight: w, bias: b }), [leaf(3, 2, 4), leaf(2, 4), leaf(2, 4)]));
    assert.ok(gradgradcheck((x, w) => layerNorm(x, 4, { weight: w }), [leaf(2, 4), w]));
    assert.ok(gradcheck((x, w, b) => groupNorm(x, 2, { weight: w, bias: b }), [leaf(2, 4, 3), w, b]));
    assert.ok(gradgradcheck((x) => groupNorm(x, 2), [leaf(2, 4, 2)]));
  });

  test("embedding; its backward differentiated in the output gradient", () => {
    const idx = tensor([[1n, 3n], [3n, 0n]]);
    assert.ok(gradcheck((w) => embedding(idx, w), [leaf(4, 2)]));
    // With padding and frequency scaling the weight gradient is by design not the derivative
    // of the output, so only the (linear) map from output gradient to weight gradient is checked.
    assert.ok(gradgradcheck((w) => embedding(idx, w, { scaleGradByFreq: true, paddingIdx: 0 }), [leaf(4, 2)]));
  });
});

describe("op errors match PyTorch", () => {
  const x = zeros([2, 3, 6, 6]);
  const w = zeros([4, 3, 3, 3]);
  const calls: Record<string, () => unknown> = {
    channels: () => conv2d(zeros([2, 5, 6, 6]), w),
    groupsChannels: () => conv2d(x, w, null, { groups: 2 }),
    groupsWeight: () => conv2d(zeros([2, 6, 5, 5]), zeros([3, 3, 3, 3]), null, { groups: 2 }),
    dtypes: () => conv2d(x, w.double()),
    bias: () => conv2d(x, w, zeros([3])),
    kernelTooBig: () => conv2d(zeros([2, 3, 2, 2]), w),
    kernelTooBig1d: () => conv1d(zeros([2, 3, 2]), zeros([4, 3, 3])),
    sameStrided: () => conv2d(x, w, null, { stride: 2, padding: "same" }),
    badPadding: () => conv2d(x, w, null, { padding: "foo" as "same" }),
    negativePadding: () => conv2d(x, w, null, { padding: -1 }),
    inputRank: () => conv2d(zeros([3, 6]), w),
    transposedChannels: () => convTranspose2d(zeros([2, 5, 4, 4]), zeros([3, 4, 3, 3])),
    outputPadding: () => convTranspose2d(zeros([2, 3, 4, 4]), zeros([3, 4, 3, 3]), null, { stride: 2, outputPadding: 2 }),
    poolPad: () => maxPool2d(x, 3, { padding: 2 }),
    poolTooSmall: () => maxPool2d(zeros([1, 3, 2, 2]), 3),
    poolRank: () => maxPool2d(zeros([3, 3]), 2),
    bnOneValue: () => batchNorm(zeros([1, 3]), zeros([3]), ones([3]), { training: true }),
    bnEvalNoStats: () => batchNorm(zeros([4, 3]), null, null),
    bnStatsSize: () => batchNorm(zeros([4, 3]), zeros([4]), ones([4])),
    layerNormShape: () => layerNorm(zeros([2, 3]), [4]),
    groupNormGroups: () => groupNorm(zeros([2, 6, 4]), 4),
    embeddingRange: () => embedding(tensor([5n]), zeros([5, 3])),
    embeddingDtype: () => embedding(tensor([1]), zeros([5, 3])),
  };
  for (const [name, fn] of Object.entries(calls))
    test(name, () => assert.throws(fn, (e: Error) => {
      assert.equal(e.message, fixture.errors[name]);
      return true;
    }));
});

describe("op details", () => {
  test("a 1×1 adaptive average is a mean, as in PyTorch", () => {
    const x = rand([2, 3, 4, 4]).requiresGrad_();
    assert.equal(adaptiveAvgPool2d(x, 1).gradFn?.name(), "MeanBackward1");
  });

  test("max pooling propagates NaN and returns its index", () => {
    // The window [1, NaN, 3, 2] has NaN at index 1 of the 2×2 plane.
    const [out, idx] = maxPool2d(tensor([1, NaN, 3, 2]).view(1, 1, 2, 2), 2, { returnIndices: true });
    assert.ok(Number.isNaN(out.item()));
    assert.equal(idx.item(), 1);
  });

  test("training batch norm updates the running statistics in place, with the unbiased variance", () => {
    // Channel values 1 and 3: mean 2, biased variance 1, unbiased variance 2.
    const rm = zeros([1]);
    const rv = ones([1]);
    batchNorm(tensor([[1], [3]]), rm, rv, { training: true, momentum: 0.5 });
    assert.deepEqual(rm.tolist(), [1]);
    assert.deepEqual(rv.tolist(), [1.5]);
  });

  test("max_norm renormalizes the looked-up rows in place", () => {
    const weight = tensor([[3, 4], [0.3, 0.4]]);
    embedding(tensor([0n]), weight, { maxNorm: 1 });
    // Row 0 had norm 5: scaled by 1 / (5 + 1e-7); row 1 was not looked up.
    assert.ok(Math.abs(weight.index(0, 0).item() - 0.6) < 1e-6);
    assert.ok(Math.abs(weight.index(1, 0).item() - 0.3) < 1e-7);
  });

  test("output of an op is not a view, so in-place ops on it record normally", () => {
    const x = rand([1, 1, 3, 3]).requiresGrad_();
    const y = conv1d(rand([1, 1, 4]), rand([1, 1, 2]).requiresGrad_());
    assert.equal(y._base, null);
    const z = conv2d(x, ones([1, 1, 2, 2])).relu_();
    assert.equal(z.gradFn?.name(), "ReluBackward0");
  });
});
