/**
 * `nn.Module` and `nn.Parameter`: registration, traversal, modes, state dicts, hooks,
 * conversions and printing. Reprs, state dict keys and error messages come from PyTorch via
 * `/usr/bin/python3 scripts/fixtures/nn.py` (test/fixtures/nn.json); gradients seen by hooks
 * are derived beside each test.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, test } from "node:test";

import { Tensor } from "../../src/core/tensor.js";
import { float32, float64, int64 } from "../../src/core/dtype.js";
import { ones, randn, tensor, zeros } from "../../src/ops/creation.js";
import * as nn from "../../src/nn/index.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/nn.json", import.meta.url), "utf8")) as {
  reprs: Record<string, string>;
  stateDict: Record<string, string[]>;
  loadErrors: Record<string, { error?: string; missingKeys?: string[]; unexpectedKeys?: string[] }>;
  errors: Record<string, string>;
  backwardHooks: {
    w: number[];
    b: number[];
    x: number[];
    g: number[];
    cases: Record<string, { log: HookCall[]; gradFn?: string; xGrad?: number[]; weightGrad?: number[] }>;
  };
};

/** One call of a full backward hook as the fixture records it (tensors flattened, None as null). */
interface HookCall {
  module: string;
  gradInput: (number[] | null)[];
  gradOutput: (number[] | null)[];
}

/** Python's str() of a KeyError quotes its message; the message itself is what we throw. */
function pythonMessage(text: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  return quoted ? quoted[2].replace(/\\'/g, "'") : text;
}

function throwsPyTorch(fn: () => unknown, key: string): void {
  assert.throws(fn, (e: Error) => {
    assert.equal(e.message, pythonMessage(fixture.errors[key]));
    return true;
  });
}

/** Seed 003's model. */
class TinyModel extends nn.Module {
  layer1 = new nn.Linear(1000, 100);
  relu = new nn.ReLU();
  layer2 = new nn.Linear(100, 10);

  override forward(x: Tensor): Tensor {
    return this.layer2.call(this.relu.call(this.layer1.call(x)));
  }
}

/** A ResNet block; fields are assigned in the constructor, in PyTorch's order. */
class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = new nn.Conv2d(inplanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(planes);
    this.relu = new nn.ReLU({ inplace: true });
    this.conv2 = new nn.Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = null;
    if (stride !== 1 || inplanes !== planes)
      this.downsample = new nn.Sequential(new nn.Conv2d(inplanes, planes, 1, { stride, bias: false }), new nn.BatchNorm2d(planes));
  }

  override forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
    return this.relu.call(out.add(identity));
  }
}

/** A small ResNet-shaped model. */
class ResNetish extends nn.Module {
  conv1 = new nn.Conv2d(3, 4, 7, { stride: 2, padding: 3, bias: false });
  bn1 = new nn.BatchNorm2d(4);
  relu = new nn.ReLU({ inplace: true });
  maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  layer1 = new nn.Sequential(new BasicBlock(4, 4), new BasicBlock(4, 8, 2));
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  fc = new nn.Linear(8, 10);

  override forward(x: Tensor): Tensor {
    const y = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    return this.fc.call(this.avgpool.call(this.layer1.call(y)).flatten(1));
  }
}

function convNet(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: "same", bias: false }),
    new nn.AvgPool2d(2),
    new nn.Flatten(),
    new nn.Dropout(0.25),
    new nn.Linear(16 * 4, 10),
  );
}

/** Every container nested in one model, with layers whose reprs carry options. */
class Nested extends nn.Module {
  stem = new nn.Sequential(
    new nn.Conv2d(3, 8, [3, 5], { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 1, bias: false }),
    new nn.BatchNorm2d(8, { eps: 1e-3, momentum: 0.01 }),
    new nn.LeakyReLU(0.1),
  );
  blocks = new nn.ModuleList([
    new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: "same", groups: 4 }), new nn.GroupNorm(2, 8), new nn.GELU()),
    new nn.ModuleDict({ up: new nn.ConvTranspose2d(8, 4, 2, { stride: 2 }), norm: new nn.BatchNorm2d(4, { affine: false }) }),
  ]);
  heads = new nn.ModuleDict({
    cls: new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Dropout(0.1), new nn.Linear(4, 10)),
    emb: new nn.Embedding(5, 4, { paddingIdx: 2 }),
  });
  norm = new nn.LayerNorm(4, { eps: 1e-6 });
  act = new nn.Softmax(-1);
}

const reprCases: Record<string, () => nn.Module> = {
  TinyModel: () => new TinyModel(),
  convNet,
  ResNetish: () => new ResNetish(),
  "Linear no bias": () => new nn.Linear(3, 2, { bias: false }),
  Conv1d: () => new nn.Conv1d(16, 33, 3, { stride: 2 }),
  "Conv2d full": () => new nn.Conv2d(4, 6, [3, 5], { stride: [2, 1], padding: [4, 2], dilation: [3, 1], groups: 2, bias: false }),
  "Conv2d same": () => new nn.Conv2d(3, 3, 3, { padding: "same" }),
  ConvTranspose2d: () => new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  "MaxPool2d tuple": () => new nn.MaxPool2d([3, 2], { stride: [2, 1], padding: 1, dilation: 2, ceilMode: true }),
  AvgPool2d: () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }),
  AdaptiveAvgPool2d: () => new nn.AdaptiveAvgPool2d([null, 7]),
  "AdaptiveAvgPool2d int": () => new nn.AdaptiveAvgPool2d(5),
  BatchNorm1d: () => new nn.BatchNorm1d(100, { eps: 0.001, momentum: null, affine: false, trackRunningStats: false }),
  LayerNorm: () => new nn.LayerNorm([3, 4], { elementwiseAffine: false }),
  GroupNorm: () => new nn.GroupNorm(2, 6, { eps: 1e-3 }),
  Dropout: () => new nn.Dropout(),
  Embedding: () => new nn.Embedding(10, 3, { paddingIdx: 0, maxNorm: 1.0, scaleGradByFreq: true }),
  Identity: () => new nn.Identity(),
  "ReLU inplace": () => new nn.ReLU({ inplace: true }),
  LeakyReLU: () => new nn.LeakyReLU(0.2, { inplace: true }),
  GELU: () => new nn.GELU(),
  SiLU: () => new nn.SiLU(),
  Tanh: () => new nn.Tanh(),
  Sigmoid: () => new nn.Sigmoid(),
  Softmax: () => new nn.Softmax(1),
  LogSoftmax: () => new nn.LogSoftmax(),
  losses: () =>
    new nn.ModuleList([new nn.MSELoss(), new nn.L1Loss(), new nn.SmoothL1Loss(), new nn.CrossEntropyLoss(), new nn.NLLLoss(), new nn.BCELoss(), new nn.BCEWithLogitsLoss()]),
  ModuleDict: () => new nn.ModuleDict({ act: new nn.ReLU(), fc: new nn.Linear(2, 2) }),
  "empty Sequential": () => new nn.Sequential(),
  Nested: () => new Nested(),
};

describe("module reprs match PyTorch", () => {
  for (const [name, make] of Object.entries(reprCases))
    test(name, () => {
      const m = make();
      assert.equal(m.toString(), fixture.reprs[name]);
      assert.equal(inspect(m), fixture.reprs[name]);
    });
});

describe("registration and traversal", () => {
  test("fields register parameters and submodules in assignment order", () => {
    const model = new TinyModel();
    assert.deepEqual(model.namedParameters().map(([n]) => n), ["layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"]);
    assert.deepEqual(model.parameters().map((p) => [...p.shape]), [[100, 1000], [100], [10, 100], [10]]);
    assert.deepEqual(model.namedChildren().map(([n]) => n), ["layer1", "relu", "layer2"]);
    assert.deepEqual(model.namedModules().map(([n]) => n), ["", "layer1", "relu", "layer2"]);
    assert.equal(model.modules()[1], model.layer1);
    assert.ok(model.parameters().every((p) => p instanceof nn.Parameter && p.isLeaf && p.requiresGrad));
  });

  test("state dict keys match PyTorch's, buffers included", () => {
    assert.deepEqual([...new TinyModel().stateDict().keys()], fixture.stateDict.TinyModel);
    assert.deepEqual([...convNet().stateDict().keys()], fixture.stateDict.convNet);
    const resnet = new ResNetish();
    assert.deepEqual([...resnet.stateDict().keys()], fixture.stateDict.ResNetish);
    assert.deepEqual([...new Nested().stateDict().keys()], fixture.stateDict.Nested);
    const count = resnet.stateDict().get("layer1.1.downsample.1.num_batches_tracked") as Tensor;
    assert.equal(count.dtype, int64);
    assert.deepEqual([...count.shape], []);
    assert.equal(resnet.stateDict().get("fc.weight")?.requiresGrad, false);
    assert.equal(resnet.stateDict({ keepVars: true }).get("fc.weight"), resnet.fc.weight);
  });

  test("a shared submodule or parameter is listed once, but stored under each name", () => {
    const shared = new nn.Linear(2, 2);
    const seq = new nn.Sequential(shared, new nn.ReLU(), shared);
    assert.equal(seq.parameters().length, 2);
    assert.equal(seq.modules().length, 3);
    assert.equal(seq.namedModules({ removeDuplicate: false }).length, 4);
    assert.deepEqual([...seq.stateDict().keys()], ["0.weight", "0.bias", "2.weight", "2.bias"]);
  });

  test("buffers: registered, in the state dict unless non-persistent, replaced by assignment", () => {
    class WithBuffers extends nn.Module {
      scale!: Tensor;
      constructor() {
        super();
        this.registerBuffer("scale", ones([2]));
        this.registerBuffer("cache", zeros([1]), { persistent: false });
      }
    }
    const m = new WithBuffers();
    assert.deepEqual(m.namedBuffers().map(([n]) => n), ["scale", "cache"]);
    assert.deepEqual([...m.stateDict().keys()], ["scale"]);
    m.scale = tensor([3, 4]);
    assert.deepEqual(m.buffers()[0].tolist(), [3, 4]);
    assert.throws(() => ((m as unknown as Record<string, unknown>).scale = 3), /cannot assign 'int' as buffer 'scale'/);
  });

  test("reassigning changes the registry; null keeps the name registered; delete removes it", () => {
    const fc = new nn.Linear(2, 3);
    const swapped = new nn.Parameter(zeros([3, 2]));
    fc.weight = swapped;
    assert.equal(fc.parameters()[0], swapped);
    fc.bias = null;
    assert.deepEqual(fc.namedParameters().map(([n]) => n), ["weight"]);
    assert.equal(fc.toString(), "Linear(in_features=2, out_features=3, bias=False)");
    const model = new TinyModel();
    delete (model as unknown as Record<string, unknown>).relu;
    assert.deepEqual(model.namedChildren().map(([n]) => n), ["layer1", "layer2"]);
  });

  test("assignment and registration errors match PyTorch", () => {
    throwsPyTorch(() => ((new nn.Linear(2, 2) as unknown as Record<string, unknown>).weight = zeros([2, 2])), "assignTensorToParameter");
    throwsPyTorch(() => ((new TinyModel() as unknown as Record<string, unknown>).relu = 3), "assignIntToModule");
    throwsPyTorch(() => new nn.Linear(2, 2).registerBuffer("forward", zeros([1])), "registerExisting");
    throwsPyTorch(() => new nn.Linear(2, 2).registerParameter("a.b", null), "parameterDot");
    throwsPyTorch(() => new nn.ModuleDict({ training: new nn.ReLU() }), "moduleDictKey");
    throwsPyTorch(() => new nn.Module().call(zeros([1])), "noForward");
  });
});

describe("modes, gradients and conversions", () => {
  test("train() and eval() set the flag on every submodule", () => {
    const model = new ResNetish();
    model.eval();
    assert.ok(model.modules().every((m) => !m.training));
    assert.equal(model.train(), model);
    assert.ok(model.modules().every((m) => m.training));
    assert.throws(() => model.train("yes" as unknown as boolean), /training mode is expected to be boolean/);
  });

  test("zeroGrad sets gradients to null, or to zeros with setToNone: false", () => {
    const model = new TinyModel();
    model.call(randn([2, 1000])).sum().backward();
    assert.ok(model.layer2.bias?.grad);
    model.zeroGrad({ setToNone: false });
    assert.deepEqual(model.layer2.bias?.grad?.tolist(), new Array(10).fill(0));
    model.zeroGrad();
    assert.equal(model.layer2.bias?.grad, null);
  });

  test("requiresGrad_(false) freezes parameters; apply visits children first", () => {
    const model = new TinyModel();
    model.layer1.requiresGrad_(false);
    assert.deepEqual(model.parameters().map((p) => p.requiresGrad), [false, false, true, true]);
    const seen: string[] = [];
    model.apply((m) => seen.push(m._getName()));
    assert.deepEqual(seen, ["Linear", "ReLU", "Linear", "TinyModel"]);
  });

  test("to(float64) converts parameters in place and floating buffers only", () => {
    const net = convNet();
    const weight = (net.at(0) as nn.Conv2d).weight;
    net.to(float64);
    assert.equal((net.at(0) as nn.Conv2d).weight, weight);
    assert.equal(weight.dtype, float64);
    const bn = net.at(1) as nn.BatchNorm2d;
    assert.equal(bn.runningMean?.dtype, float64);
    assert.equal(bn.numBatchesTracked?.dtype, int64);
    assert.equal(net.call(randn([2, 1, 8, 8], { dtype: float64 })).dtype, float64);
    net.float();
    assert.equal(weight.dtype, float32);
    assert.throws(() => net.to(int64), /nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int64/);
  });
});

describe("state dicts", () => {
  test("loadStateDict copies values (a Map or an object) without touching autograd", () => {
    const a = new TinyModel();
    const b = new TinyModel();
    const result = b.loadStateDict(a.stateDict());
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    assert.ok(b.layer1.weight.equal(a.layer1.weight));
    assert.ok(b.layer1.weight.isLeaf && b.layer1.weight.requiresGrad);
    const c = new nn.Linear(2, 1);
    c.loadStateDict({ weight: tensor([[1, 2]]), bias: tensor([3]) });
    assert.deepEqual(c.call(tensor([[1, 1]])).tolist(), [[6]]);
  });

  test("errors and non-strict results match PyTorch", () => {
    const sd = new TinyModel().stateDict();
    const without = (...keys: string[]) => new Map([...sd].filter(([k]) => !keys.includes(k)));
    const expectError = (state: Map<string, Tensor>, key: string): void =>
      assert.throws(() => new TinyModel().loadStateDict(state), (e: Error) => {
        assert.equal(e.message, fixture.loadErrors[key].error);
        return true;
      });
    expectError(without("layer2.bias"), "missing");
    expectError(new Map([...sd, ["layer3.weight", zeros([1])], ["layer1.scale", zeros([1])]]), "unexpected");
    expectError(new Map([...sd, ["layer1.weight", zeros([100, 999])]]), "sizeMismatch");
    const both = new Map([...without("layer2.weight", "layer2.bias"), ["layer1.weight", zeros([100, 999])], ["head.bias", zeros([2])]]);
    expectError(both, "all");
    const nonStrict = new Map([...both, ["layer1.weight", sd.get("layer1.weight") as Tensor]]);
    const { missingKeys, unexpectedKeys } = fixture.loadErrors.nonStrict;
    assert.deepEqual(new TinyModel().loadStateDict(nonStrict, { strict: false }), { missingKeys, unexpectedKeys });
  });

  test("a failed load leaves every parameter and buffer as it was", () => {
    const model = convNet();
    const before = [...model.stateDict()].map(([k, v]) => [k, v.clone()] as const);
    const other = new Map([...convNet().stateDict()].map(([k, v]) => [k, v.add(1)]));
    other.set("8.bias", zeros([3]));
    assert.throws(() => model.loadStateDict(other), /size mismatch for 8.bias/);
    other.delete("8.bias");
    assert.throws(() => model.loadStateDict(other), /Missing key\(s\) in state_dict: "8.bias"/);
    for (const [k, v] of before) assert.ok((model.stateDict().get(k) as Tensor).equal(v), k);
    assert.deepEqual(model.loadStateDict(other, { strict: false }).missingKeys, ["8.bias"]);
    assert.ok((model.stateDict().get("0.weight") as Tensor).equal(other.get("0.weight") as Tensor));
  });

  test("a state dict without num_batches_tracked loads, as PyTorch loads one without version metadata", () => {
    const sd = new Map([...convNet().stateDict()].filter(([k]) => !k.endsWith("num_batches_tracked")));
    assert.deepEqual(convNet().loadStateDict(sd), { missingKeys: fixture.loadErrors.batchCountMissing.missingKeys, unexpectedKeys: [] });
  });
});

describe("hooks", () => {
  test("forward pre-hooks replace arguments, forward hooks replace outputs, handles remove them", () => {
    const relu = new nn.ReLU();
    const pre = relu.registerForwardPreHook((_m, inputs) => [(inputs[0] as Tensor).neg()]);
    const post = relu.registerForwardHook((_m, _inputs, output) => (output as Tensor).mul(10));
    assert.deepEqual(relu.call(tensor([-1, 2])).tolist(), [10, 0]);
    pre.remove();
    post.remove();
    assert.deepEqual(relu.call(tensor([-1, 2])).tolist(), [0, 2]);
    assert.deepEqual(relu.forward(tensor([-1, 2])).tolist(), [0, 2]);
  });

  test("full backward hooks see dL/dx and dL/dy and may replace dL/dx", () => {
    // y = x Wᵀ + b, L = sum(y · g): dL/dy = g, dL/dx = g W.
    const fc = new nn.Linear(2, 2);
    fc.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([0, 0]) });
    const seen: (Tensor | null)[][] = [];
    fc.registerFullBackwardHook((_m, gradInput, gradOutput) => {
      seen.push(gradInput, gradOutput);
      return [(gradInput[0] as Tensor).mul(2)];
    });
    const x = tensor([[1, 1]], { requiresGrad: true });
    const y = fc.call(x);
    assert.equal(y.gradFn?.name(), "BackwardHookFunctionBackward");
    y.backward(tensor([[1, 10]]));
    assert.deepEqual(seen[1][0]?.tolist(), [[1, 10]]);
    assert.deepEqual(seen[0][0]?.tolist(), [[31, 42]]);
    assert.deepEqual(x.grad?.tolist(), [[62, 84]]);
    assert.deepEqual(fc.weight.grad?.tolist(), [[1, 1], [10, 10]]);
  });

  test("a full backward hook on a module whose input needs no gradient gets null for it", () => {
    const fc = new nn.Linear(2, 1);
    let gradInput: (Tensor | null)[] = [];
    fc.registerFullBackwardHook((_m, gi) => {
      gradInput = gi;
    });
    fc.call(ones([3, 2])).sum().backward();
    assert.deepEqual(gradInput, [null]);
  });
});

describe("full backward hooks receive PyTorch's grad_input and grad_output", () => {
  const h = fixture.backwardHooks;
  const x = (): Tensor => tensor(h.x).reshape([2, 3]);
  const g = tensor(h.g).reshape([2, 2]);
  const flat = (t: Tensor | null): number[] | null => (t === null ? null : Array.from(t.detach().contiguous().numpy()));

  function linear(): nn.Linear {
    const fc = new nn.Linear(3, 2);
    fc.loadStateDict({ weight: tensor(h.w).reshape([2, 3]), bias: tensor(h.b) });
    return fc;
  }

  /** Registers a hook that logs what it receives, and optionally scales grad_input. */
  function record(m: nn.Module, log: HookCall[], name: string, replace?: number): void {
    m.registerFullBackwardHook((_m, gradInput, gradOutput) => {
      log.push({ module: name, gradInput: gradInput.map(flat), gradOutput: gradOutput.map(flat) });
      if (replace !== undefined) return gradInput.map((t) => (t === null ? null : t.mul(replace)));
    });
  }

  function check(name: string, log: HookCall[], xGrad?: Tensor | null): void {
    const expected = h.cases[name];
    assert.deepEqual(log, expected.log);
    if (expected.xGrad) assert.deepEqual(flat(xGrad ?? null), expected.xGrad);
  }

  test("a Linear whose hook doubles grad_input", () => {
    const log: HookCall[] = [];
    const fc = linear();
    record(fc, log, "fc", 2);
    const xi = x().requiresGrad_();
    const y = fc.call(xi);
    assert.equal(y.gradFn?.name(), h.cases.linear.gradFn);
    y.backward(g);
    check("linear", log, xi.grad);
    assert.deepEqual(flat(fc.weight.grad), h.cases.linear.weightGrad);
  });

  test("an input that needs no gradient gets null", () => {
    const log: HookCall[] = [];
    const fc = linear();
    record(fc, log, "fc");
    fc.call(x()).backward(g);
    check("inputWithoutGrad", log);
    assert.deepEqual(flat(fc.weight.grad), h.cases.inputWithoutGrad.weightGrad);
  });

  test("one entry per argument: zeros for a tensor without grad, null for a number", () => {
    class Mix extends nn.Module {
      override forward(a: Tensor, b: Tensor, scale: number): Tensor {
        return a.mul(b).sum(1).mul(scale).add(a.select(1, 0));
      }
    }
    const log: HookCall[] = [];
    const mix = new Mix();
    record(mix, log, "mix");
    const xi = x().requiresGrad_();
    mix.call(xi, tensor([...h.x.slice(3), ...h.x.slice(0, 3)]).reshape([2, 3]), 3).backward(tensor([1, -1]));
    check("mix", log, xi.grad);
  });

  for (const used of ["both", "first"] as const)
    test(`a module with two outputs, ${used} used`, () => {
      class Pair extends nn.Module {
        override forward(a: Tensor): [Tensor, Tensor] {
          return [a.mul(2), a.sin()];
        }
      }
      const log: HookCall[] = [];
      const pair = new Pair();
      record(pair, log, "pair");
      const xi = x().requiresGrad_();
      const [a, s] = pair.call(xi);
      const loss = used === "both" ? a.sum().add(s.mul(3).sum()) : a.mul(g.sum()).sum();
      loss.backward();
      const expected = h.cases[`pair ${used}`];
      assert.equal(log.length, 1);
      assert.deepEqual(log[0].gradOutput[1] === null, expected.log[0].gradOutput[1] === null);
      const close = (got: number[] | null, want: number[] | null): void =>
        assert.ok(got !== null && want !== null && got.every((v, i) => Math.abs(v - want[i]) < 1e-6), `${got} vs ${want}`);
      close(log[0].gradInput[0], expected.log[0].gradInput[0]);
      close(log[0].gradOutput[0], expected.log[0].gradOutput[0]);
      close(flat(xi.grad), expected.xGrad ?? null);
    });

  test("hooks on a Sequential and its children fire in PyTorch's order", () => {
    const log: HookCall[] = [];
    const head = new nn.Linear(2, 1);
    head.loadStateDict({ weight: tensor([[1.5, -1]]), bias: tensor([0.25]) });
    const seq = new nn.Sequential(linear(), new nn.ReLU(), head);
    record(seq, log, "seq");
    [...seq].forEach((m, i) => record(m, log, String(i)));
    const xi = x().requiresGrad_();
    seq.call(xi).sum().backward();
    check("sequential", log, xi.grad);
  });
});

describe("Parameter", () => {
  test("prints as PyTorch, is a leaf requiring grad, and ops on it give plain tensors", () => {
    const p = new nn.Parameter(tensor([[1, 2], [3, 4]]));
    assert.equal(String(p), "Parameter containing:\ntensor([[1., 2.],\n        [3., 4.]], requires_grad=True)");
    assert.equal(inspect(p), String(p));
    assert.ok(p.isLeaf && p.requiresGrad);
    const q = p.mul(2);
    assert.ok(!(q instanceof nn.Parameter));
    assert.equal(String(q), "tensor([[2., 4.],\n        [6., 8.]], grad_fn=<MulBackward0>)");
    assert.equal(String(new nn.Parameter(zeros([2]), false)), "Parameter containing:\ntensor([0., 0.])");
    assert.equal(String(new nn.Parameter(zeros([1], { dtype: float64 }))), "Parameter containing:\ntensor([0.], dtype=torch.float64, requires_grad=True)");
  });

  test("shares the data's storage", () => {
    const data = zeros([2]);
    const p = new nn.Parameter(data);
    data.fill_(5);
    assert.deepEqual(p.tolist(), [5, 5]);
  });
});
