/**
 * Every layer and loss module called as a module, against PyTorch: the module is built with
 * the same options, loaded with the fixture's state dict, called on the fixture's inputs in
 * training or evaluation mode, and backward runs with the fixture's output gradient. Output,
 * printed form, grad_fn, input and parameter gradients and the state afterwards (running
 * statistics) come from `/usr/bin/python3 scripts/fixtures/nnModules.py`
 * (test/fixtures/nnModules.json).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { Tensor } from "../../src/core/tensor.js";
import { float64, int64 } from "../../src/core/dtype.js";
import { tensor } from "../../src/ops/creation.js";
import * as nn from "../../src/nn/index.js";
import { assertValues } from "../helpers/opTable.js";

interface Encoded {
  dtype: "float64" | "int64";
  shape: number[];
  values: number[];
}

interface ModuleCase {
  name: string;
  train: boolean;
  state: Record<string, Encoded>;
  inputs: Encoded[];
  output: Encoded;
  gradFn: string | null;
  gradOutput: Encoded;
  inputGrads: (Encoded | null)[];
  paramGrads: Record<string, Encoded>;
  stateAfter: Record<string, Encoded>;
  repr: string;
}

const cases = JSON.parse(readFileSync(new URL("../fixtures/nnModules.json", import.meta.url), "utf8")) as ModuleCase[];

const classWeights = (): Tensor => tensor([1, 2, 0.5, 1.5]);

/** The modules the fixture script built, under the same names. */
const MODULES: Record<string, () => nn.Module> = {
  Linear: () => new nn.Linear(5, 3),
  "Linear no bias": () => new nn.Linear(5, 3, { bias: false }),
  Conv1d: () => new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, dilation: 1, groups: 2 }),
  Conv2d: () => new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 }),
  "Conv2d same": () => new nn.Conv2d(4, 3, 3, { padding: "same", dilation: 2, bias: false }),
  ConvTranspose2d: () => new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  "ConvTranspose2d dilation": () => new nn.ConvTranspose2d(4, 2, 2, { stride: [1, 2], dilation: 2, bias: false }),
  MaxPool2d: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  AvgPool2d: () => new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }),
  AdaptiveAvgPool2d: () => new nn.AdaptiveAvgPool2d([4, 3]),
  "BatchNorm1d train": () => new nn.BatchNorm1d(4, { momentum: 0.3 }),
  "BatchNorm1d 3d eval": () => new nn.BatchNorm1d(4),
  "BatchNorm2d train": () => new nn.BatchNorm2d(4),
  "BatchNorm2d cumulative": () => new nn.BatchNorm2d(4, { momentum: null, eps: 1e-3 }),
  "BatchNorm2d eval": () => new nn.BatchNorm2d(4),
  "BatchNorm2d no stats eval": () => new nn.BatchNorm2d(4, { trackRunningStats: false, affine: false }),
  LayerNorm: () => new nn.LayerNorm([5, 4], { eps: 1e-3 }),
  GroupNorm: () => new nn.GroupNorm(2, 4),
  "GroupNorm no affine": () => new nn.GroupNorm(4, 4, { affine: false, eps: 0.1 }),
  "Dropout eval": () => new nn.Dropout(0.5),
  Embedding: () => new nn.Embedding(7, 3, { paddingIdx: 2 }),
  Flatten: () => new nn.Flatten(1, 2),
  Identity: () => new nn.Sequential(new nn.Identity()),
  ReLU: () => new nn.ReLU(),
  LeakyReLU: () => new nn.LeakyReLU(0.2),
  ELU: () => new nn.ELU(),
  "ELU alpha": () => new nn.ELU(0.5),
  Hardtanh: () => new nn.Hardtanh(-1.5, 0.5),
  ReLU6: () => new nn.ReLU6(),
  Softplus: () => new nn.Softplus(2, 1),
  Unflatten: () => new nn.Unflatten(1, [2, 3]),
  ZeroPad2d: () => new nn.ZeroPad2d([1, 0, 2, 1]),
  ConstantPad2d: () => new nn.ConstantPad2d(2, 3.5),
  ConstantPad1d: () => new nn.ConstantPad1d([1, 2], -1),
  CosineSimilarity: () => new nn.CosineSimilarity({ dim: 0 }),
  GELU: () => new nn.GELU(),
  SiLU: () => new nn.SiLU(),
  Tanh: () => new nn.Tanh(),
  Sigmoid: () => new nn.Sigmoid(),
  Softmax: () => new nn.Softmax(0),
  LogSoftmax: () => new nn.LogSoftmax(-1),
  MSELoss: () => new nn.MSELoss(),
  "L1Loss sum": () => new nn.L1Loss({ reduction: "sum" }),
  SmoothL1Loss: () => new nn.SmoothL1Loss({ beta: 0.5, reduction: "none" }),
  CrossEntropyLoss: () => new nn.CrossEntropyLoss(),
  "CrossEntropyLoss weight ignore smoothing": () => new nn.CrossEntropyLoss({ weight: classWeights(), ignoreIndex: 3, labelSmoothing: 0.2 }),
  "CrossEntropyLoss probabilities weight smoothing": () => new nn.CrossEntropyLoss({ weight: classWeights(), labelSmoothing: 0.1, reduction: "sum" }),
  "CrossEntropyLoss 4d none": () => new nn.CrossEntropyLoss({ reduction: "none", ignoreIndex: 1 }),
  NLLLoss: () => new nn.NLLLoss({ weight: tensor([0.5, 1, 2, 1]), ignoreIndex: 0 }),
  BCELoss: () => new nn.BCELoss({ weight: tensor([1, 2, 0.5, 1]) }),
  BCEWithLogitsLoss: () => new nn.BCEWithLogitsLoss({ posWeight: tensor([3, 1, 0.5, 2]), reduction: "sum" }),
};

/**
 * Where Kindling's node name is not PyTorch 1.13's: 1.13 records `flatten` of a contiguous
 * tensor as `_reshape_alias` (ReshapeAliasBackward0); PyTorch 2 names it ViewBackward0, as we do.
 */
const GRAD_FN_OVERRIDES: Record<string, string> = { Flatten: "ViewBackward0" };

const TOL = { rtol: 1e-10, atol: 1e-12 };

function decode(e: Encoded): Tensor {
  return tensor(e.values, { dtype: e.dtype === "int64" ? int64 : float64 }).reshape(e.shape);
}

describe("layer and loss modules match PyTorch (float64, forward and backward)", () => {
  for (const c of cases)
    test(c.name, () => {
      const make = MODULES[c.name];
      assert.ok(make, `no module for case ${c.name}`);
      const m = make().to(float64);
      assert.equal(String(m), c.repr, "printed form");
      m.loadStateDict(new Map(Object.entries(c.state).map(([k, v]) => [k, decode(v)])));
      m.train(c.train);
      const inputs = c.inputs.map((e) => (e.dtype === "float64" ? decode(e).requiresGrad_() : decode(e)));
      const out = m.call(...(inputs as [Tensor, Tensor])) as Tensor;
      assertValues(out, c.output.shape, c.output.values, TOL, "output");
      assert.equal(out.gradFn?.name() ?? null, GRAD_FN_OVERRIDES[c.name] ?? c.gradFn, "grad_fn");
      out.backward(decode(c.gradOutput));
      c.inputGrads.forEach((g, i) => {
        if (g) assertValues(inputs[i].grad as Tensor, g.shape, g.values, TOL, `input ${i} gradient`);
      });
      const params = new Map(m.namedParameters());
      assert.deepEqual([...params.keys()].filter((k) => params.get(k)?.grad), Object.keys(c.paramGrads), "parameters with gradients");
      for (const [k, g] of Object.entries(c.paramGrads)) assertValues(params.get(k)?.grad as Tensor, g.shape, g.values, TOL, `${k} gradient`);
      const after = m.stateDict();
      assert.deepEqual([...after.keys()], Object.keys(c.stateAfter), "state dict keys");
      for (const [k, v] of Object.entries(c.stateAfter)) assertValues(after.get(k) as Tensor, v.shape, v.values, TOL, `${k} after the call`);
    });
});
