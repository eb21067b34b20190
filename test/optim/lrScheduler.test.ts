/**
 * Learning-rate schedulers against PyTorch 1.13's lr sequences (30 steps each), recorded by
 * `/usr/bin/python3 scripts/fixtures/optim.py` into test/fixtures/optim.json.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import type { Optimizer } from "../../src/optim/index.js";

const { lr_scheduler } = optim;

type Args = Record<string, number | boolean | string | number[] | string[]>;

interface SchedulerCase {
  name: string;
  optimizer: "SGD" | "Adam";
  options: Record<string, number>;
  groupLrs: number[] | null;
  scheduler: "StepLR" | "MultiStepLR" | "ExponentialLR" | "CosineAnnealingLR" | "LambdaLR" | "OneCycleLR" | "ReduceLROnPlateau";
  args: Args;
  lrs: number[][];
  momenta?: number[][];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/optim.json", import.meta.url), "utf8")) as {
  schedulers: SchedulerCase[];
  plateauMetrics: number[];
};

/** The lambdas the fixture script names. */
const LAMBDAS: Record<string, optim.lr_scheduler.LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inverse: (e) => 1.0 / (e + 1),
  warmup5: (e) => Math.min(1.0, (e + 1) / 5),
};

interface Stepper {
  step(): void;
  getLastLr(): number[];
}

function build(c: SchedulerCase): { opt: Optimizer; scheduler: Stepper; params: torch.Tensor[] } {
  const params = [torch.zeros([2], { requiresGrad: true }), torch.zeros([2], { requiresGrad: true })];
  const target = c.groupLrs === null ? params : c.groupLrs.map((lr, i) => ({ params: [params[i]], lr }));
  const opt: Optimizer = c.optimizer === "SGD" ? new optim.SGD(target, c.options) : new optim.Adam(target, c.options);
  const { stepSize, gamma, milestones, tMax, lrLambda, maxLr, ...rest } = c.args;
  const a = c.args;
  let scheduler: Stepper;
  switch (c.scheduler) {
    case "StepLR":
      scheduler = new lr_scheduler.StepLR(opt, stepSize as number, { gamma: gamma as number });
      break;
    case "MultiStepLR":
      scheduler = new lr_scheduler.MultiStepLR(opt, milestones as number[], { gamma: gamma as number });
      break;
    case "ExponentialLR":
      scheduler = new lr_scheduler.ExponentialLR(opt, gamma as number);
      break;
    case "CosineAnnealingLR":
      scheduler = new lr_scheduler.CosineAnnealingLR(opt, tMax as number, { etaMin: a.etaMin as number | undefined });
      break;
    case "LambdaLR": {
      const fns = Array.isArray(lrLambda) ? (lrLambda as string[]).map((n) => LAMBDAS[n]) : LAMBDAS[lrLambda as string];
      scheduler = new lr_scheduler.LambdaLR(opt, fns);
      break;
    }
    case "OneCycleLR":
      scheduler = new lr_scheduler.OneCycleLR(opt, maxLr as number | number[], rest as optim.lr_scheduler.OneCycleLROptions);
      break;
    case "ReduceLROnPlateau": {
      const plateau = new lr_scheduler.ReduceLROnPlateau(opt, c.args as optim.lr_scheduler.ReduceLROnPlateauOptions);
      let epoch = 0;
      scheduler = { step: () => plateau.step(fixture.plateauMetrics[epoch++]), getLastLr: () => plateau.getLastLr() };
      break;
    }
  }
  return { opt, scheduler, params };
}

function momentaOf(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => {
    const group = g as typeof g & { betas?: [number, number]; momentum?: number };
    return group.betas ? group.betas[0] : (group.momentum as number);
  });
}

function assertLrs(actual: number[], expected: number[], where: string): void {
  assert.equal(actual.length, expected.length, where);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) <= 1e-12 * Math.abs(expected[i]) + 1e-15, `${where} group ${i}: got ${v}, PyTorch ${expected[i]}`),
  );
}

describe("lr schedulers follow PyTorch 1.13's sequences", () => {
  for (const c of fixture.schedulers) {
    test(c.name, () => {
      const { opt, scheduler, params } = build(c);
      assertLrs(scheduler.getLastLr(), c.lrs[0], "after construction");
      if (c.momenta) assertLrs(momentaOf(opt), c.momenta[0], "momentum after construction");
      for (let i = 1; i < c.lrs.length; i++) {
        params[0].grad = torch.ones([2]);
        opt.step();
        scheduler.step();
        assertLrs(scheduler.getLastLr(), c.lrs[i], `step ${i}`);
        assertLrs(opt.paramGroups.map((g) => g.lr), c.lrs[i], `groups at step ${i}`);
        if (c.momenta) assertLrs(momentaOf(opt), c.momenta[i], `momentum at step ${i}`);
      }
    });
  }
});

describe("lr scheduler bookkeeping", () => {
  const sgd = (lr = 0.1): optim.SGD => new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr, momentum: 0.9 });

  test("schedulers record initialLr, and resuming requires it", () => {
    const opt = sgd();
    const s = new lr_scheduler.ExponentialLR(opt, 0.5);
    assert.equal(opt.paramGroups[0].initialLr, 0.1);
    assert.deepEqual(s.baseLrs, [0.1]);
    assert.equal(opt.stateDict().param_groups[0].initial_lr, 0.1, "initial_lr travels in the optimizer's state dict");
    assert.throws(() => new lr_scheduler.StepLR(sgd(), 3, { lastEpoch: 5 }), /param 'initial_lr' is not specified in param_groups\[0\] when resuming an optimizer/);
  });

  test("a scheduler's stateDict resumes the schedule", () => {
    const opt = sgd();
    const s = new lr_scheduler.CosineAnnealingLR(opt, 10, { etaMin: 0.01 });
    for (let i = 0; i < 4; i++) {
      opt.step();
      s.step();
    }
    const saved = s.stateDict();
    const savedOpt = opt.stateDict();
    assert.equal(saved.last_epoch, 4);
    assert.deepEqual(saved.base_lrs, [0.1]);
    assert.equal(saved.t_max, 10);
    assert.equal(saved._step_count, 5);
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) {
      s.step();
      expected.push(s.getLastLr()[0]);
    }
    const opt2 = sgd();
    opt2.loadStateDict(savedOpt);
    const s2 = new lr_scheduler.CosineAnnealingLR(opt2, 99);
    s2.loadStateDict(saved);
    assert.equal(s2.tMax, 10);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      s2.step();
      got.push(s2.getLastLr()[0]);
    }
    assert.deepEqual(got, expected);
  });

  test("ReduceLROnPlateau takes tensors and keeps its state in a state dict", () => {
    const opt = sgd();
    const s = new lr_scheduler.ReduceLROnPlateau(opt, { patience: 0 });
    s.step(torch.tensor(1));
    s.step(torch.tensor([2]));
    assert.deepEqual(s.getLastLr(), [0.010000000000000002]);
    const sd = s.stateDict();
    assert.equal(sd.best, 1);
    assert.equal(sd.num_bad_epochs, 0);
    assert.equal(sd.last_epoch, 2);
    assert.equal(sd.mode_worse, Infinity);
    assert.throws(() => s.step(torch.tensor([1, 2])), /a Tensor with 2 elements cannot be converted to Scalar/);
  });

  test("warns when the scheduler steps before the optimizer", (t) => {
    const warn = t.mock.method(console, "warn", () => undefined);
    const s = new lr_scheduler.StepLR(sgd(), 2);
    s.step();
    assert.equal(warn.mock.callCount(), 1);
    assert.match(String(warn.mock.calls[0].arguments[0]), /^UserWarning: Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`/);
  });

  test("PyTorch's errors", () => {
    assert.throws(() => new lr_scheduler.ReduceLROnPlateau(sgd(), { factor: 1 }), /Factor should be < 1.0./);
    assert.throws(() => new lr_scheduler.ReduceLROnPlateau(sgd(), { minLr: [0, 1] }), /expected 1 min_lrs, got 2/);
    assert.throws(() => new lr_scheduler.LambdaLR(sgd(), [(e) => e, (e) => e]), /Expected 1 lr_lambdas, but got 2/);
    assert.throws(() => new lr_scheduler.OneCycleLR(sgd(), 0.1), /You must define either total_steps OR \(epochs AND steps_per_epoch\)/);
    assert.throws(() => new lr_scheduler.OneCycleLR(sgd(), 0.1, { totalSteps: 2.5 }), /Expected positive integer total_steps, but got 2.5/);
    assert.throws(() => new lr_scheduler.OneCycleLR(sgd(), 0.1, { totalSteps: 10, pctStart: 1.5 }), /pct_start/);
    assert.throws(() => new lr_scheduler.OneCycleLR(sgd(), [0.1, 0.2], { totalSteps: 10 }), /expected 1 values for max_lr, got 2/);
    const adagrad = new optim.Adagrad([torch.zeros([1], { requiresGrad: true })]);
    assert.throws(() => new lr_scheduler.OneCycleLR(adagrad, 0.1, { totalSteps: 10 }), /optimizer must support momentum with `cycle_momentum` option enabled/);
    const opt = sgd();
    const s = new lr_scheduler.OneCycleLR(opt, 0.1, { totalSteps: 2 });
    for (let i = 0; i < 2; i++) {
      opt.step();
      s.step();
    }
    assert.throws(() => s.step(), /Tried to step 4 times. The specified number of total steps is 2/);
    assert.throws(() => new lr_scheduler.StepLR({} as Optimizer, 1), /Object is not an Optimizer/);
  });
});
