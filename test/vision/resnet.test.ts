/**
 * kindling/vision's ResNets against PyTorch: test/fixtures/resnet.json, written by
 * `/usr/bin/python3 scripts/fixtures/resnet.py` (torchvision's architecture; see the script).
 *
 * Structure: parameter counts, state-dict keys and shapes, and reprs equal torchvision's.
 * Numbers: resnet18 (1×3×64×64, train and eval mode) and resnet50 (1×3×32×32, eval mode) with
 * the formula weights of test/vision/formula.ts: the output, and the gradients of
 * `(out * gOut).sum()` for the input and a few parameters (summaries and 16 values each).
 *
 * Tolerances, float32 against PyTorch's float32 (accumulation orders differ): every compared
 * value within `tol · max|expected|` of PyTorch's, sums within `tol · Σ|expected|`, with tol
 * 5e-4 in train mode and 2e-5 in eval mode. Train mode is the loose one because BatchNorm
 * normalizes layer4's 2×2 maps of a single image over 4 values per channel, which amplifies
 * rounding: PyTorch's own float32 gradients differ from its float64 ones by up to 7e-5 of their
 * largest value there (the fixture records this per tensor), against 1.5e-6 in eval mode.
 * Kindling's worst errors, JS and native backends: 6e-5 in train mode, 7e-7 in eval mode.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import type { Tensor } from "../../src/core/tensor.js";
import { int64 } from "../../src/core/dtype.js";
import { tensor } from "../../src/ops/creation.js";
import { serialize } from "../../src/io/safetensors.js";
import { Conv2d } from "../../src/nn/layers/conv.js";
import { BatchNorm2d } from "../../src/nn/layers/normalization.js";
import type { StateDict } from "../../src/nn/module.js";
import { BasicBlock, Bottleneck, ResNet, models, resnet18, resnet34, resnet50 } from "../../src/vision/index.js";
import { GRAD_STREAM, INPUT_STREAM, formulaStateDict, signedFormula } from "./formula.js";

interface Summary {
  shape: number[];
  sum: number;
  absSum: number;
  maxAbs: number;
  indices: number[];
  values: number[];
}

interface Run {
  inputSize: number;
  output: number[];
  grads: Record<string, Summary>;
  buffers: Record<string, Summary>;
  float32VsFloat64: Record<string, number>;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/resnet.json", import.meta.url), "utf8")) as {
  paramCounts: Record<string, number>;
  stateDicts: Record<string, [string, number[]][]>;
  reprs: Record<string, string>;
  runs: Record<string, Run>;
};

const TOLERANCE = { train: 5e-4, eval: 2e-5 };

function parameterCount(model: ResNet): number {
  return model.parameters().reduce((n, p) => n + p.numel(), 0);
}

function stateDictShapes(model: ResNet): [string, number[]][] {
  return [...model.stateDict()].map(([key, t]) => [key, [...t.shape]]);
}

function assertNear(actual: number, expected: number, scale: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * scale, `${what}: ${actual} vs PyTorch's ${expected} (tolerance ${tol} × ${scale})`);
}

/** Compares a tensor with a fixture summary; `what` names it in failures. */
function assertMatches(actual: Tensor, expected: Summary, tol: number, what: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const values = actual.detach().contiguous().numpy();
  let sum = 0;
  let absSum = 0;
  for (const v of values) {
    sum += v;
    absSum += Math.abs(v);
  }
  assertNear(sum, expected.sum, expected.absSum, tol, `${what} sum`);
  assertNear(absSum, expected.absSum, expected.absSum, tol, `${what} sum of |x|`);
  expected.indices.forEach((i, k) => assertNear(values[i], expected.values[k], expected.maxAbs, tol, `${what}[${i}]`));
}

/** The fixture's forward and backward pass on `model` (formula weights loaded), in `mode`. */
function checkRun(model: ResNet, weights: StateDict, key: string, mode: "train" | "eval"): void {
  const run = fixture.runs[key];
  const tol = TOLERANCE[mode];
  model.loadStateDict(weights);
  model.zeroGrad();
  model.train(mode === "train");
  const x = signedFormula([1, 3, run.inputSize, run.inputSize], INPUT_STREAM).requiresGrad_();
  const out = model.call(x);
  assert.deepEqual([...out.shape], [1, run.output.length]);
  const outValues = out.detach().numpy();
  const outScale = Math.max(...run.output.map(Math.abs));
  run.output.forEach((v, i) => assertNear(outValues[i], v, outScale, tol, `output[${i}]`));
  out.mul(signedFormula([...out.shape], GRAD_STREAM)).sum().backward();
  const params = new Map(model.namedParameters());
  for (const [name, expected] of Object.entries(run.grads)) {
    const grad = name === "input" ? x.grad : params.get(name)?.grad;
    assert.ok(grad, `${name} has a gradient`);
    assertMatches(grad, expected, tol, `${name}.grad`);
  }
  const buffers = new Map(model.namedBuffers());
  for (const [name, expected] of Object.entries(run.buffers)) assertMatches(buffers.get(name) as Tensor, expected, tol, name);
}

describe("resnet18", () => {
  const model = resnet18();
  const weights = formulaStateDict(model);

  test("has torchvision's 11,689,512 parameters", () => {
    assert.equal(parameterCount(model), 11_689_512);
    assert.equal(fixture.paramCounts.resnet18, 11_689_512);
  });

  test("state dict keys and shapes are torchvision's, in order", () => {
    assert.deepEqual(stateDictShapes(model), fixture.stateDicts.resnet18);
  });

  test("prints as torchvision's ResNet", () => {
    assert.equal(String(model), fixture.reprs.resnet18);
  });

  test("torchvision's initialization: He-normal (fan_out) convolutions, BatchNorm weight 1 and bias 0", () => {
    for (const m of model.modules()) {
      if (m instanceof Conv2d) {
        const w = m.weight.detach();
        // std = √2 / √fan_out; the sample std of the smallest conv (3·64·49 = 9408 values) is
        // within a few percent.
        const fanOut = w.shape[0] * w.shape[2] * w.shape[3];
        const std = w.std().item();
        assert.ok(Math.abs(std / Math.sqrt(2 / fanOut) - 1) < 0.05, `conv std ${std}`);
        assert.ok(Math.abs(w.mean().item()) < 0.05 * std, "conv mean near 0");
      } else if (m instanceof BatchNorm2d) {
        assert.ok(m.weight?.detach().eq(1).all().item(), "BatchNorm weight 1");
        assert.ok(m.bias?.detach().eq(0).all().item(), "BatchNorm bias 0");
      }
    }
  });

  test("forward and backward in train mode match PyTorch (float32)", () => {
    checkRun(model, weights, "resnet18/train", "train");
    // One training-mode pass counted by every BatchNorm.
    for (const m of model.modules()) if (m instanceof BatchNorm2d) assert.equal(m.numBatchesTracked?.item(), 1);
  });

  test("forward and backward in eval mode match PyTorch (float32)", () => {
    checkRun(model, weights, "resnet18/eval", "eval");
  });

  test("weights load from safetensors bytes, every entry exactly; numClasses follows fc.weight", () => {
    // The trained model's entries (running statistics moved, batch counts 1), with 7 classes.
    const stateDict = model.stateDict();
    stateDict.set("fc.weight", model.fc.weight.detach().narrow(0, 0, 7));
    stateDict.set("fc.bias", (model.fc.bias as Tensor).detach().narrow(0, 0, 7));
    const loaded = resnet18({ weights: serialize(stateDict, { format: "pt" }) });
    assert.equal(loaded.fc.outFeatures, 7);
    for (const [key, t] of loaded.stateDict()) assert.ok(t.equal(stateDict.get(key) as Tensor), key);
    assert.equal(loaded.bn1.numBatchesTracked?.dtype, int64);
  });

  test("weights with other keys are refused with PyTorch's error", () => {
    const stateDict = Object.fromEntries(model.stateDict());
    delete stateDict["layer4.1.bn2.bias"];
    assert.throws(
      () => resnet18({ weights: { ...stateDict, extra: tensor([1]) } }),
      /^Error: Error\(s\) in loading state_dict for ResNet:\n\tMissing key\(s\) in state_dict: "layer4\.1\.bn2\.bias"\. \n\tUnexpected key\(s\) in state_dict: "extra"\. $/,
    );
  });
});

describe("resnet34 and resnet50", () => {
  // zeroInitResidual rides along: resnet34 zeroes BasicBlock.bn2, resnet50 Bottleneck.bn3.
  const r34 = resnet34({ zeroInitResidual: true });
  const r50 = resnet50({ zeroInitResidual: true });

  test("have torchvision's parameter counts (21,797,672 and 25,557,032)", () => {
    assert.equal(parameterCount(r34), 21_797_672);
    assert.equal(parameterCount(r50), 25_557_032);
    assert.deepEqual([fixture.paramCounts.resnet34, fixture.paramCounts.resnet50], [21_797_672, 25_557_032]);
  });

  test("state dict keys and shapes are torchvision's", () => {
    assert.deepEqual(stateDictShapes(r34), fixture.stateDicts.resnet34);
    assert.deepEqual(stateDictShapes(r50), fixture.stateDicts.resnet50);
  });

  test("print as torchvision's", () => {
    assert.equal(String(r34), fixture.reprs.resnet34);
    assert.equal(String(r50), fixture.reprs.resnet50);
  });

  test("zeroInitResidual zeroes the last BatchNorm weight of each residual branch, and only it", () => {
    for (const m of r34.modules())
      if (m instanceof BasicBlock) {
        assert.ok(m.bn2.weight?.detach().eq(0).all().item());
        assert.ok(m.bn1.weight?.detach().eq(1).all().item());
      }
    for (const m of r50.modules())
      if (m instanceof Bottleneck) {
        assert.ok(m.bn3.weight?.detach().eq(0).all().item());
        assert.ok(m.bn2.weight?.detach().eq(1).all().item());
      }
  });

  test("resnet50 forward and backward in eval mode match PyTorch (float32)", () => {
    checkRun(r50, formulaStateDict(r50), "resnet50/eval", "eval");
  });
});

describe("options and weights", () => {
  test("numClasses sizes the classifier", () => {
    const model = new ResNet(BasicBlock, [1, 1, 1, 1], { numClasses: 10 });
    assert.equal(String(model.fc), "Linear(in_features=512, out_features=10, bias=True)");
    assert.deepEqual([...model.call(signedFormula([2, 3, 32, 32], INPUT_STREAM)).shape], [2, 10]);
  });

  test("the models namespace mirrors torchvision.models", () => {
    assert.equal(models.resnet18, resnet18);
    assert.equal(models.ResNet, ResNet);
  });
});
