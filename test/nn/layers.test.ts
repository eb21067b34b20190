/**
 * The layers and `nn.init`: PyTorch's default initialization after the same seed, BatchNorm's
 * running statistics over two training steps and its evaluation output (from
 * `/usr/bin/python3 scripts/fixtures/nn.py`, test/fixtures/nn.json), containers, loss modules,
 * activations, and a small model trained end to end.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { Tensor } from "../../src/core/tensor.js";
import { float64, int64 } from "../../src/core/dtype.js";
import { manualSeed } from "../../src/core/random.js";
import { noGrad } from "../../src/autograd/gradMode.js";
import { empty, ones, rand, randn, tensor, zeros } from "../../src/ops/creation.js";
import * as nn from "../../src/nn/index.js";
import * as F from "../../src/nn/functional.js";
import { layerNorm } from "../../src/ops/conv.js";
import { assertValues } from "../helpers/opTable.js";

interface BatchNormCase {
  name: string;
  momentum: number | null;
  weight: number[];
  bias: number[];
  shape: number[];
  steps: number[][];
  trainOutputs: number[][];
  runningMean: number[];
  runningVar: number[];
  numBatchesTracked: number;
  test: number[];
  evalOutput: number[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/nn.json", import.meta.url), "utf8")) as {
  init: Record<string, number[]>;
  initFunctions: { values: Record<string, number[]>; normal: Record<string, number[]>; gains: Record<string, number> };
  batchNorm: BatchNormCase[];
};

const TOL32 = { rtol: 1e-5, atol: 1e-5 };

describe("default initialization draws PyTorch's numbers from the same seed", () => {
  test("Linear, Conv2d, ConvTranspose2d, Conv1d after manualSeed(0)", () => {
    manualSeed(0);
    const linear = new nn.Linear(5, 3);
    const conv = new nn.Conv2d(2, 4, 3);
    const transposed = new nn.ConvTranspose2d(2, 3, 2);
    const conv1 = new nn.Conv1d(3, 2, 2, { bias: false });
    const got: Record<string, Tensor | null> = {
      "linear.weight": linear.weight,
      "linear.bias": linear.bias,
      "conv.weight": conv.weight,
      "conv.bias": conv.bias,
      "transposed.weight": transposed.weight,
      "transposed.bias": transposed.bias,
      "conv1.weight": conv1.weight,
    };
    for (const [name, values] of Object.entries(fixture.init)) assert.deepEqual(Array.from((got[name] as Tensor).detach().numpy()), values, name);
  });
});

describe("nn.init", () => {
  test("uniform_ in float64 draws PyTorch's numbers", () => {
    manualSeed(1);
    // The float32 calls before it in the fixture consume one draw per element: replay as many.
    for (const [name, values] of Object.entries(fixture.initFunctions.values)) {
      const t = empty([values.length], { dtype: name.endsWith("float64") ? float64 : undefined });
      nn.init.uniform_(t, -1, 0.5);
      // Within an ulp: PyTorch's compiler may fuse `u * (to - from) + from` into one FMA.
      if (name.endsWith("float64")) assertValues(t, [values.length], values, { rtol: 1e-15, atol: 0 }, name);
    }
  });

  test("normal initializers and Embedding's default draw PyTorch's numbers after manualSeed(2)", () => {
    manualSeed(2);
    const got: Record<string, Tensor> = {
      Embedding: new nn.Embedding(10, 3).weight,
      "kaimingNormal_ fan_out": nn.init.kaimingNormal_(empty([4, 5]), { mode: "fan_out" }),
      xavierNormal_: nn.init.xavierNormal_(empty([3, 2])),
      "normal_ float64": nn.init.normal_(empty([20], { dtype: float64 }), 1, 2),
    };
    // Within float32 rounding: PyTorch's vectorized kernel computes log/sin/cos with SIMD
    // approximations that may differ from correctly rounded ones in the last bit.
    for (const [name, values] of Object.entries(fixture.initFunctions.normal))
      assertValues(got[name], [...got[name].shape], values, { rtol: 1e-6, atol: 1e-6 }, name);
  });

  test("uniform initializers draw PyTorch's numbers after manualSeed(1); gains are PyTorch's", () => {
    manualSeed(1);
    const got: Record<string, Tensor> = {
      "kaimingUniform_ fan_out relu": nn.init.kaimingUniform_(empty([4, 3, 2]), { mode: "fan_out", nonlinearity: "relu" }),
      "kaimingUniform_ a": nn.init.kaimingUniform_(empty([3, 5]), { a: 0.2 }),
      "xavierUniform_ tanh gain": nn.init.xavierUniform_(empty([5, 2, 3]), nn.init.calculateGain("tanh")),
      uniform_: nn.init.uniform_(empty([6]), -2, 3),
      "uniform_ float64": nn.init.uniform_(empty([4], { dtype: float64 }), -1, 0.5),
    };
    for (const [name, values] of Object.entries(fixture.initFunctions.values))
      if (name !== "uniform_ float64") assert.deepEqual(Array.from(got[name].numpy()), values, name);
    for (const [name, gain] of Object.entries(fixture.initFunctions.gains)) {
      const [nonlinearity, param] = name.split(" ");
      assert.equal(nn.init.calculateGain(nonlinearity as nn.init.Nonlinearity, param === undefined ? null : Number(param)), gain, name);
    }
  });

  test("gains and fans", () => {
    assert.equal(nn.init.calculateGain("relu"), Math.SQRT2);
    assert.equal(nn.init.calculateGain("tanh"), 5 / 3);
    assert.equal(nn.init.calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
    assert.deepEqual(nn.init.calculateFanInAndFanOut(empty([16, 3, 5, 5])), { fanIn: 75, fanOut: 400 });
    assert.throws(() => nn.init.calculateFanInAndFanOut(empty([3])), /fewer than 2 dimensions/);
  });

  test("uniform initializers stay within their bounds; constants fill; gradients are not recorded", () => {
    const w = new nn.Parameter(empty([40, 60]));
    // Xavier: a = √(6 / (40 + 60)); Kaiming (fan_in, ReLU): bound = √2 · √(3 / 60).
    nn.init.xavierUniform_(w);
    assert.ok(w.abs().max().item() <= Math.sqrt(6 / 100));
    nn.init.kaimingUniform_(w, { nonlinearity: "relu" });
    assert.ok(w.abs().max().item() <= Math.sqrt(2) * Math.sqrt(3 / 60));
    assert.ok(w.abs().max().item() > 0.9 * Math.sqrt(2) * Math.sqrt(3 / 60));
    nn.init.constant_(w, 0.5);
    assert.equal(w.mean().item(), 0.5);
    nn.init.zeros_(w);
    nn.init.ones_(w);
    assert.equal(w.sum().item(), 2400);
    assert.ok(w.isLeaf && w.gradFn === null);
  });

  test("normal initializers have the requested spread", () => {
    manualSeed(3);
    const w = empty([200, 300]);
    // Kaiming normal, fan_out: std = √2 / √200; Xavier normal: std = √(2 / 500).
    nn.init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" });
    assert.ok(Math.abs(w.std().item() / (Math.SQRT2 / Math.sqrt(200)) - 1) < 0.02);
    nn.init.xavierNormal_(w);
    assert.ok(Math.abs(w.std().item() / Math.sqrt(2 / 500) - 1) < 0.02);
    nn.init.normal_(w, 3, 0.5);
    assert.ok(Math.abs(w.mean().item() - 3) < 0.01);
  });
});

describe("BatchNorm modules: running statistics and evaluation", () => {
  for (const c of fixture.batchNorm) {
    test(c.name, () => {
      const features = c.weight.length;
      const bn = c.shape.length === 4 ? new nn.BatchNorm2d(features, { momentum: c.momentum }) : new nn.BatchNorm1d(features, { momentum: c.momentum });
      noGrad(() => {
        bn.weight?.copy_(tensor(c.weight));
        bn.bias?.copy_(tensor(c.bias));
      });
      c.steps.forEach((values, i) => {
        const out = bn.call(tensor(values).reshape(c.shape));
        assertValues(out, c.shape, c.trainOutputs[i], TOL32, `training output ${i}`);
      });
      assertValues(bn.runningMean as Tensor, [features], c.runningMean, TOL32, "running mean");
      assertValues(bn.runningVar as Tensor, [features], c.runningVar, TOL32, "running var");
      assert.equal(bn.numBatchesTracked?.item(), c.numBatchesTracked);
      bn.eval();
      assertValues(bn.call(tensor(c.test).reshape(c.shape)), c.shape, c.evalOutput, TOL32, "evaluation output");
    });
  }

  test("rank checks and untracked statistics", () => {
    assert.throws(() => new nn.BatchNorm2d(3).call(zeros([2, 3])), /expected 4D input \(got 2D input\)/);
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false });
    assert.deepEqual(bn.namedBuffers(), []);
    assert.deepEqual(bn.parameters(), []);
    // Without running statistics, evaluation still normalizes with the batch's.
    assert.deepEqual(Array.from(bn.eval().call(tensor([[1, 2], [3, 4]])).numpy(), Math.round), [-1, -1, 1, 1]);
  });
});

describe("containers", () => {
  test("Sequential: positions, names from a Map, append and iteration", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    assert.equal(seq.length, 2);
    assert.ok(seq.at(-1) instanceof nn.ReLU);
    assert.throws(() => seq.at(2), /index 2 is out of range/);
    seq.append(new nn.Linear(3, 1));
    assert.deepEqual([...seq].map((m) => m._getName()), ["Linear", "ReLU", "Linear"]);
    assert.deepEqual([...seq.call(zeros([4, 2])).shape], [4, 1]);
    const named = new nn.Sequential(new Map<string, nn.Module>([["fc", new nn.Linear(1, 1)], ["act", new nn.Tanh()]]));
    assert.deepEqual([...named.stateDict().keys()], ["fc.weight", "fc.bias"]);
    assert.equal(named.toString(), "Sequential(\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n  (act): Tanh()\n)");
  });

  test("ModuleList: registered items, insert renumbers", () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
    list.insert(0, new nn.Identity());
    list.extend([new nn.ReLU()]);
    assert.deepEqual([...list].map((m) => m._getName()), ["Identity", "Linear", "Linear", "ReLU"]);
    assert.deepEqual(list.namedParameters().map(([n]) => n), ["1.weight", "1.bias", "2.weight", "2.bias"]);
    assert.ok(list.at(-1) instanceof nn.ReLU);
  });

  test("ModuleDict: get, set, has, pop, keys in order", () => {
    const heads = new nn.ModuleDict({ cls: new nn.Linear(4, 3) });
    heads.set("box", new nn.Linear(4, 2));
    assert.deepEqual(heads.keys(), ["cls", "box"]);
    assert.deepEqual([...heads], ["cls", "box"]);
    assert.ok(heads.has("box"));
    assert.ok(heads.pop("cls") instanceof nn.Linear);
    assert.deepEqual(heads.namedParameters().map(([n]) => n), ["box.weight", "box.bias"]);
    assert.throws(() => heads.get("cls"), /KeyError: 'cls'/);
  });
});

describe("layers", () => {
  test("loss modules give their functional form's value; weights are buffers", () => {
    manualSeed(1);
    const x = randn([4, 3]);
    const y = randn([4, 3]);
    const labels = tensor([0n, 2n, 1n, 2n]);
    const w = tensor([1, 2, 0.5]);
    const close = (a: Tensor, b: Tensor): void => assert.ok(a.allclose(b), `${a} vs ${b}`);
    close(new nn.MSELoss({ reduction: "sum" }).call(x, y), F.mseLoss(x, y, { reduction: "sum" }));
    close(new nn.L1Loss().call(x, y), F.l1Loss(x, y));
    close(new nn.SmoothL1Loss({ beta: 0.5 }).call(x, y), F.smoothL1Loss(x, y, { beta: 0.5 }));
    const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 });
    close(ce.call(x, labels), F.crossEntropy(x, labels, { weight: w, labelSmoothing: 0.1 }));
    assert.deepEqual([...ce.stateDict().keys()], ["weight"]);
    close(new nn.NLLLoss({ ignoreIndex: 2 }).call(x.logSoftmax(1), labels), F.nllLoss(x.logSoftmax(1), labels, { ignoreIndex: 2 }));
    const p = x.sigmoid();
    const t = rand([4, 3]);
    close(new nn.BCELoss().call(p, t), F.binaryCrossEntropy(p, t));
    const bce = new nn.BCEWithLogitsLoss({ posWeight: tensor([2, 1, 1]) });
    close(bce.call(x, t), F.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor([2, 1, 1]) }));
    assert.deepEqual([...bce.stateDict().keys()], ["pos_weight"]);
  });

  test("activations, in place or not", () => {
    const x = tensor([-2, 0, 3]);
    assert.deepEqual(new nn.LeakyReLU(0.5).call(x).tolist(), [-1, 0, 3]);
    assert.deepEqual(new nn.Softmax(0).call(tensor([0, 0])).tolist(), [0.5, 0.5]);
    const y = x.clone();
    assert.equal(new nn.ReLU({ inplace: true }).call(y), y);
    assert.deepEqual(y.tolist(), [0, 0, 3]);
    const z = x.clone();
    new nn.LeakyReLU(0.5, { inplace: true }).call(z);
    assert.deepEqual(z.tolist(), [-1, 0, 3]);
    assert.ok(new nn.GELU().call(x).allclose(F.gelu(x)));
    assert.ok(new nn.SiLU().call(x).allclose(F.silu(x)));
    assert.ok(new nn.LogSoftmax(0).call(x).allclose(x.logSoftmax(0)));
  });

  test("Dropout is the identity in evaluation mode and scales kept values in training", () => {
    const drop = new nn.Dropout(0.5);
    const x = ones([1000]);
    const out = drop.call(x);
    assert.ok(out.numpy().every((v) => v === 0 || v === 2));
    assert.equal(drop.eval().call(x), x);
    assert.throws(() => new nn.Dropout(1.5), /dropout probability has to be between 0 and 1, but got 1.5/);
  });

  test("Embedding: padding row starts at zero and gets no gradient", () => {
    const emb = new nn.Embedding(5, 2, { paddingIdx: -1 });
    assert.equal(emb.paddingIdx, 4);
    assert.deepEqual(emb.weight.index(4).tolist(), [0, 0]);
    emb.call(tensor([[4n, 1n]])).sum().backward();
    assert.deepEqual(emb.weight.grad?.tolist(), [[0, 0], [1, 1], [0, 0], [0, 0], [0, 0]]);
    assert.equal(emb.call(tensor([0n])).gradFn?.name(), "EmbeddingBackward0");
  });

  test("LayerNorm, GroupNorm, pooling and Flatten modules run their ops", () => {
    const x = randn([2, 4, 6, 6]);
    assert.ok(new nn.LayerNorm([6, 6]).call(x).allclose(layerNorm(x, [6, 6])));
    assert.deepEqual([...new nn.GroupNorm(2, 4).call(x).shape], [2, 4, 6, 6]);
    const [values, indices] = new nn.MaxPool2d(2, { returnIndices: true }).call(x);
    assert.deepEqual([...values.shape], [2, 4, 3, 3]);
    assert.equal(indices.dtype, int64);
    assert.deepEqual([...new nn.AvgPool2d(3, { stride: 3 }).call(x).shape], [2, 4, 2, 2]);
    assert.deepEqual([...new nn.AdaptiveAvgPool2d([1, 1]).call(x).shape], [2, 4, 1, 1]);
    assert.deepEqual([...new nn.Flatten(0, 1).call(x).shape], [8, 6, 6]);
    assert.deepEqual([...new nn.ConvTranspose2d(4, 2, 2, { stride: 2 }).call(x).shape], [2, 2, 12, 12]);
  });
});

describe("training", () => {
  test("a small CNN fits a batch (float64, plain SGD)", () => {
    manualSeed(0);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(4 * 4 * 4, 2),
    ).to(float64);
    const x = randn([8, 1, 8, 8], { dtype: float64 });
    const labels = tensor([0n, 1n, 0n, 1n, 1n, 0n, 1n, 0n]);
    const lossFn = new nn.CrossEntropyLoss();
    let first = 0;
    let last = 0;
    for (let step = 0; step < 30; step++) {
      model.zeroGrad();
      const loss = lossFn.call(model.call(x), labels);
      loss.backward();
      noGrad(() => {
        for (const p of model.parameters()) p.sub_((p.grad as Tensor).mul(0.1));
      });
      if (step === 0) first = loss.item();
      last = loss.item();
    }
    assert.ok(last < first / 4, `loss went from ${first} to ${last}`);
  });
});
