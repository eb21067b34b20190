/**
 * Optimizers against PyTorch 1.13's trajectories, recorded by
 * `/usr/bin/python3 scripts/fixtures/optim.py` into test/fixtures/optim.json, plus the base
 * class's bookkeeping: groups, defaults, zeroGrad, closures, state dicts and errors.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import type { Optimizer } from "../../src/optim/index.js";

interface FlatTensor {
  shape: number[];
  values: number[];
}

interface OptimizerCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, number | boolean | number[]>;
  groups: Array<{ params: number[] } & Record<string, number | boolean>> | null;
  float64: number[][][];
  float32: number[][][];
}

/** A state value as the fixture writes it: tensors as dtype, shape and values; the rest as JSON. */
type StateValue = { dtype: "float32" | "float64"; shape: number[]; values: number[] } | number | boolean | null | number[];

interface StateDictCase {
  name: string;
  optimizer: OptimizerCase["optimizer"];
  options: Record<string, number | boolean>;
  state: Record<string, Record<string, StateValue>>;
  paramGroups: Record<string, StateValue>[];
  paramsAt: number[][];
  paramsAfter: number[][];
}

interface ReprCase {
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, number | boolean>;
  repr: string;
}

interface Fixture {
  reprs: ReprCase[];
  steps: number;
  params: FlatTensor[];
  coefs: FlatTensor[];
  optimizers: OptimizerCase[];
  stateDicts: StateDictCase[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/optim.json", import.meta.url), "utf8")) as Fixture;

function makeParams(dtype: DType): Tensor[] {
  return fixture.params.map((p) => torch.tensor(p.values, { dtype }).reshape(p.shape).requiresGrad_());
}

/** sum((p * c)^2) + sum(sin(p)) over the parameters that have a coefficient. */
function loss(params: Tensor[], coefs: Tensor[]): Tensor {
  let total: Tensor | null = null;
  coefs.forEach((c, i) => {
    const term = params[i].mul(c).pow(2).sum().add(params[i].sin().sum());
    total = total === null ? term : total.add(term);
  });
  return total as unknown as Tensor;
}

function build(c: OptimizerCase, params: Tensor[]): Optimizer {
  const target = c.groups === null ? params : c.groups.map(({ params: idx, ...rest }) => ({ params: idx.map((i) => params[i]), ...rest }));
  const Ctor = optim[c.optimizer] as unknown as new (p: unknown, o: unknown) => Optimizer;
  return new Ctor(target, c.options);
}

function assertClose(actual: number[], expected: number[], rtol: number, atol: number, where: string): void {
  assert.equal(actual.length, expected.length, where);
  for (let i = 0; i < actual.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(diff <= atol + rtol * Math.abs(expected[i]), `${where}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (diff ${diff})`);
  }
}

describe("optimizers follow PyTorch 1.13's trajectories", () => {
  for (const c of fixture.optimizers) {
    for (const [dtype, key, rtol, atol] of [
      [torch.float64, "float64", 1e-12, 1e-14],
      [torch.float32, "float32", 1e-6, 1e-7],
    ] as const) {
      test(`${c.name} (${key})`, () => {
        const params = makeParams(dtype);
        const coefs = fixture.coefs.map((x) => torch.tensor(x.values, { dtype }).reshape(x.shape));
        const opt = build(c, params);
        const expected = c[key];
        for (let step = 1; step <= fixture.steps; step++) {
          opt.zeroGrad();
          loss(params, coefs).backward();
          opt.step();
          params.forEach((p, i) =>
            assertClose(Array.from(p.detach().numpy()), expected[step][i], rtol, atol, `step ${step} param ${i}`),
          );
        }
        assert.equal(params[2].grad, null, "the unused parameter never gets a gradient");
        assert.equal(opt.state.has(params[2]), c.optimizer === "Adagrad", "only Adagrad creates state up front");
      });
    }
  }
});

describe("Optimizer bookkeeping", () => {
  const fresh = (): Tensor[] => makeParams(torch.float64);
  const coefsOf = (): Tensor[] => fixture.coefs.map((x) => torch.tensor(x.values, { dtype: torch.float64 }).reshape(x.shape));

  test("groups get every default, and their own values win", () => {
    const [a, b] = fresh();
    const opt = new optim.SGD([{ params: [a] }, { params: b, lr: 0.5, weightDecay: 0.1 }], { lr: 0.1, momentum: 0.9 });
    assert.deepEqual(
      opt.paramGroups.map(({ params, ...h }) => [params.length, h]),
      [
        [1, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }],
        [1, { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0.1, nesterov: false, maximize: false }],
      ],
    );
    const adam = new optim.Adam([{ params: [a] }, { params: [b] }]);
    assert.notEqual(adam.paramGroups[0].betas, adam.paramGroups[1].betas, "betas are copied per group");
  });

  test("PyTorch's errors", () => {
    const [a, b] = fresh();
    assert.throws(() => new optim.SGD([a], { lr: 0.1, nesterov: true }), /^Error: Nesterov momentum requires a momentum and zero dampening$/);
    assert.throws(() => new optim.SGD([a], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /Nesterov momentum requires/);
    assert.throws(() => new optim.SGD([{ params: [a] }]), /parameter group didn't specify a value of required optimization parameter lr/);
    assert.throws(() => new optim.SGD([], { lr: 0.1 }), /optimizer got an empty parameter list/);
    assert.throws(() => new optim.SGD(a as unknown as Tensor[], { lr: 0.1 }), {
      name: "TypeError",
      message: "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.DoubleTensor",
    });
    assert.throws(() => new optim.SGD([a.mul(2)], { lr: 0.1 }), /can't optimize a non-leaf Tensor/);
    assert.throws(() => new optim.SGD([{ params: new Set([a]) }], { lr: 0.1 }), /ordered collections/);
    assert.throws(() => new optim.SGD([a, 3 as unknown as Tensor], { lr: 0.1 }), /optimizer can only optimize Tensors, but one of the params is number/);
    assert.throws(() => new optim.SGD([{ params: [a] }, { params: [a, b] }], { lr: 0.1 }), /some parameters appear in more than one parameter group/);
    assert.throws(() => new optim.SGD([a], { lr: -1 }), /Invalid learning rate: -1/);
    assert.throws(() => new optim.Adam([a], { betas: [1, 0.9] }), /Invalid beta parameter at index 0: 1/);
    assert.throws(() => new optim.AdamW([a], { eps: -1 }), /Invalid epsilon value: -1/);
    assert.throws(() => new optim.RMSprop([a], { alpha: -1 }), /Invalid alpha value: -1/);
    assert.throws(() => new optim.Adagrad([a], { lrDecay: -1 }), /Invalid lr_decay value: -1/);
  });

  test("zeroGrad sets grads to null by default, or zero-fills them", () => {
    const params = fresh();
    const opt = new optim.SGD(params, { lr: 0.1 });
    loss(params, coefsOf()).backward();
    const grad = params[0].grad as Tensor;
    opt.zeroGrad({ setToNone: false });
    assert.equal(params[0].grad, grad, "the same tensor, zero-filled");
    assert.deepEqual(Array.from(grad.numpy()), [0, 0, 0]);
    opt.zeroGrad();
    assert.equal(params[0].grad, null);
  });

  test("step runs the closure with grad on, updates with grad off, and returns the loss", () => {
    const params = fresh();
    const coefs = coefsOf();
    const opt = new optim.SGD(params, { lr: 0.1 });
    const value = torch.noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = loss(params, coefs);
        l.backward();
        return l;
      }),
    );
    assert.ok(value !== null && value.requiresGrad, "the closure ran with grad enabled");
    assert.ok(params[0].isLeaf && params[0].gradFn === null, "the update recorded no graph");
    assertClose(Array.from(params[0].detach().numpy()), fixture.optimizers[0].float64[1][0], 1e-12, 0, "after the closure step");
    assert.equal(opt.step(), null);
  });

  test("addParamGroup adds a group that the next step updates", () => {
    const [a, b] = fresh();
    const opt = new optim.Adagrad([a], { lr: 0.1, initialAccumulatorValue: 0.5 });
    opt.addParamGroup({ params: [b], lr: 0.2 });
    assert.equal(opt.paramGroups[1].lr, 0.2);
    assert.equal(opt.paramGroups[1].initialAccumulatorValue, 0.5);
    assert.equal(opt.state.has(b), false, "a later group's state starts at its first step");
    b.grad = torch.onesLike(b);
    opt.step();
    assert.deepEqual(Array.from((opt.state.get(b) as optim.AdagradState).sum.numpy()), [1.5, 1.5, 1.5, 1.5]);
    assert.ok(b.detach().lt(torch.tensor(fixture.params[1].values, { dtype: torch.float64 }).reshape(2, 2)).all().item());
  });

  test("stateDict has PyTorch's structure and snake_case keys", () => {
    const params = fresh();
    const coefs = coefsOf();
    const opt = new optim.Adam([{ params: [params[0]] }, { params: [params[1], params[2]], weightDecay: 0.1 }], { lr: 0.05, amsgrad: true });
    opt.zeroGrad();
    loss(params, coefs).backward();
    opt.step();
    const sd = opt.stateDict();
    assert.deepEqual(sd.param_groups, [
      { params: [0], lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false },
      { params: [1, 2], lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, maximize: false },
    ]);
    assert.deepEqual(Object.keys(sd.state), ["0", "1"], "the parameter without a gradient has no state");
    assert.deepEqual(Object.keys(sd.state[0]), ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
    const step = sd.state[0].step as Tensor;
    assert.equal(step.dtype, torch.float32);
    assert.equal(step.dim(), 0);
    assert.equal(step.item(), 1);
    assert.equal(sd.state[1].exp_avg, (opt.state.get(params[1]) as optim.AdamState).expAvg, "tensors are shared, as in PyTorch");
  });

  test("loadStateDict resumes training exactly", () => {
    const c = fixture.optimizers.find((x) => x.name === "Adam amsgrad") as OptimizerCase;
    const coefs = coefsOf();
    const first = fresh();
    const opt = build(c, first);
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      loss(first, coefs).backward();
      opt.step();
    }
    const second = first.map((p) => p.detach().clone().requiresGrad_());
    const resumed = new optim.Adam(second, { lr: 123 });
    resumed.loadStateDict(opt.stateDict());
    assert.equal(resumed.paramGroups[0].lr, 0.1);
    assert.equal(resumed.paramGroups[0].params[0], second[0]);
    const state = resumed.state.get(second[0]) as optim.AdamState;
    assert.notEqual(state.expAvg, (opt.state.get(first[0]) as optim.AdamState).expAvg, "state tensors are copied");
    for (let i = 0; i < 2; i++) {
      resumed.zeroGrad();
      loss(second, coefs).backward();
      resumed.step();
    }
    second.forEach((p, i) => assertClose(Array.from(p.detach().numpy()), c.float64[5][i], 1e-12, 1e-14, `resumed param ${i}`));
  });

  test("loadStateDict casts floating state to the parameter's dtype, but not step", () => {
    const [a] = fresh();
    const opt = new optim.Adam([a]);
    a.grad = torch.onesLike(a);
    opt.step();
    const b = torch.zeros([3], { requiresGrad: true });
    const other = new optim.Adam([b]);
    other.loadStateDict(opt.stateDict());
    const s = other.state.get(b) as optim.AdamState;
    assert.equal(s.expAvg.dtype, torch.float32);
    assert.equal(s.step.dtype, torch.float32);
  });

  test("loadStateDict rejects a mismatched structure", () => {
    const [a, b] = fresh();
    const sd = new optim.SGD([a, b], { lr: 0.1 }).stateDict();
    assert.throws(() => new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 }).loadStateDict(sd), /different number of parameter groups/);
    assert.throws(() => new optim.SGD([a], { lr: 0.1 }).loadStateDict(sd), /doesn't match the size of optimizer's group/);
    const bad = { state: { 7: { momentum_buffer: null } }, param_groups: sd.param_groups };
    assert.throws(() => new optim.SGD([a, b], { lr: 0.1 }).loadStateDict(bad), /state for parameter 7/);
  });
});

describe("state dicts have PyTorch's layout, and PyTorch's load into Kindling", () => {
  /** PyTorch's implementation switches, which Kindling's optimizers do not have. */
  const FLAGS = new Set(["foreach", "capturable", "differentiable", "fused"]);
  const isTensor = (v: unknown): v is { dtype: string; shape: number[]; values: number[] } => typeof v === "object" && v !== null && "dtype" in v;
  const decodeState = (v: StateValue): unknown =>
    isTensor(v) ? torch.tensor(v.values, { dtype: v.dtype === "float64" ? torch.float64 : torch.float32 }).reshape(v.shape) : v;
  const flatOf = (params: Tensor[]): number[][] => params.map((p) => Array.from(p.detach().numpy()));

  /** The case's optimizer, two groups (the second at half the lr), on float32 parameters with these values. */
  function setUp(c: StateDictCase, values: number[][]): { params: Tensor[]; opt: Optimizer; step: () => void } {
    const params = fixture.params.map((p, i) => torch.tensor(values[i]).reshape(p.shape).requiresGrad_());
    const coefs = fixture.coefs.map((co) => torch.tensor(co.values).reshape(co.shape));
    const Ctor = optim[c.optimizer] as unknown as new (p: unknown, o: unknown) => Optimizer;
    const opt = new Ctor([{ params: [params[0]] }, { params: params.slice(1), lr: (c.options.lr as number) / 2 }], c.options);
    const step = (): void => {
      opt.zeroGrad();
      loss(params, coefs).backward();
      opt.step();
    };
    return { params, opt, step };
  }

  for (const c of fixture.stateDicts) {
    test(`${c.name}: stateDict() after two steps`, () => {
      const { opt, step } = setUp(c, fixture.params.map((p) => p.values));
      step();
      step();
      const sd = opt.stateDict();
      assert.deepEqual(Object.keys(sd.state), Object.keys(c.state), "parameters with state");
      for (const [i, expected] of Object.entries(c.state)) {
        const got = sd.state[Number(i)];
        assert.deepEqual(Object.keys(got), Object.keys(expected), `state ${i} keys`);
        for (const [k, v] of Object.entries(expected)) {
          const value = got[k];
          if (!isTensor(v)) {
            assert.deepEqual(value, v, `state ${i}.${k}`);
            continue;
          }
          assert.ok(value instanceof torch.Tensor, `state ${i}.${k} is a tensor`);
          assert.equal(value.dtype.name, v.dtype, `state ${i}.${k} dtype`);
          assert.deepEqual([...value.shape], v.shape, `state ${i}.${k} shape`);
          assertClose(Array.from(value.numpy()), v.values, 1e-5, 1e-6, `state ${i}.${k}`);
        }
      }
      c.paramGroups.forEach((expected, g) => {
        const keys = Object.keys(expected).filter((k) => !FLAGS.has(k));
        assert.deepEqual(Object.keys(sd.param_groups[g]), keys, `group ${g} keys, in PyTorch's order`);
        for (const k of keys) assert.deepEqual(sd.param_groups[g][k], expected[k], `group ${g}.${k}`);
      });
    });

    test(`${c.name}: PyTorch's state dict resumes training`, () => {
      const { params, opt, step } = setUp(c, c.paramsAt);
      const state = Object.fromEntries(
        Object.entries(c.state).map(([i, s]) => [i, Object.fromEntries(Object.entries(s).map(([k, v]) => [k, decodeState(v)]))]),
      );
      opt.loadStateDict({ state, param_groups: c.paramGroups as unknown as optim.OptimizerStateDict["param_groups"] });
      for (let i = 0; i < 3; i++) step();
      flatOf(params).forEach((p, i) => assertClose(p, c.paramsAfter[i], 1e-5, 1e-6, `param ${i}`));
    });
  }
});

describe("printed form", () => {
  // PyTorch's repr without its implementation switches (foreach, fused…), which Kindling lacks.
  for (const c of fixture.reprs)
    test(`${c.optimizer} ${JSON.stringify(c.options)}`, () => {
      const Optim = torch.optim[c.optimizer] as new (params: Tensor[], options: Record<string, number | boolean>) => torch.optim.Optimizer;
      const opt = new Optim([torch.zeros([2], { requiresGrad: true })], c.options);
      assert.equal(String(opt), c.repr);
      assert.equal(inspect(opt), c.repr);
    });
});
