/**
 * Learning-rate schedulers (PyTorch's `torch.optim.lr_scheduler`). Each follows PyTorch 1.13's
 * recursive ("chainable") formulas, so the lr sequences match PyTorch's step for step.
 * Call `scheduler.step()` after `optimizer.step()`.
 */
import type { Tensor } from "../core/tensor.js";
import { warnOnce } from "../utils/warn.js";
import { type ParamGroup, Optimizer, toCamelCase, toSnakeCase } from "./optimizer.js";

/**
 * Options every epoch-based scheduler takes.
 * @example
 * new torch.optim.lr_scheduler.StepLR(opt, 10, { lastEpoch: 19 }); // resume after epoch 19
 */
export interface SchedulerOptions {
  /** The index of the last epoch when resuming (default -1: start afresh). */
  lastEpoch?: number;
}

/**
 * A scheduler's state: its fields under PyTorch's snake_case names (`last_epoch`, `base_lrs`…).
 * @example
 * scheduler.stateDict().last_epoch;
 */
export type SchedulerStateDict = Record<string, unknown>;

/** Fields of `obj` as a state dict, deep-copied, without the optimizer and functions. */
function fieldsToStateDict(obj: object): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [key, value] of Object.entries(obj))
    if (key !== "optimizer" && typeof value !== "function" && !(Array.isArray(value) && value.some((v) => typeof v === "function")))
      out[toSnakeCase(key)] = structuredClone(value);
  return out;
}

/** Assigns the state dict's entries back onto `obj`'s fields (PyTorch's `__dict__.update`). */
function loadFields(obj: object, stateDict: SchedulerStateDict): void {
  const fields = obj as Record<string, unknown>;
  for (const [key, value] of Object.entries(stateDict)) fields[toCamelCase(key)] = structuredClone(value);
}

/**
 * Base class of the epoch-based schedulers (PyTorch's `_LRScheduler`). A subclass sets its
 * fields, then calls `initialStep()`, which applies the schedule's first lr. Subclasses
 * implement `getLr()`, the lrs of the epoch just reached.
 *
 * @example
 * class HalvingLR extends LRScheduler {
 *   constructor(optimizer: Optimizer) { super(optimizer); this.initialStep(); }
 *   protected getLr() { return this.baseLrs.map((lr) => lr * 0.5 ** this.lastEpoch); }
 * }
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' lrs this scheduler sets. */
  readonly optimizer: Optimizer;
  /** The epoch (or batch) index of the last `step()`; -1 before the first. */
  lastEpoch: number;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** @internal How many times `step()` ran (PyTorch's `_step_count`). */
  _stepCount = 0;
  /** @internal The lrs after the last `step()`. */
  _lastLr: number[] = [];

  /**
   * Records each group's starting lr as `initialLr` (kept if already there); when resuming
   * (`lastEpoch` ≥ 0) every group must already have one.
   */
  constructor(optimizer: Optimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${typeNameOf(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined)
        throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Resets the step counters and takes the first step; subclasses call it last in their constructor. */
  protected initialStep(): void {
    this.optimizer._stepCount = 0;
    this._stepCount = 0;
    this.step();
  }

  /** The lrs of epoch `lastEpoch`, one per group (PyTorch's `get_lr`); called by `step()`. */
  protected abstract getLr(): number[];

  /**
   * Advances one epoch and writes the new lrs into the optimizer's groups. (PyTorch's deprecated
   * `step(epoch)` form is not offered.)
   * @example
   * for (let epoch = 0; epoch < 100; epoch++) { train(); scheduler.step(); }
   */
  step(): void {
    if (this._stepCount === 1 && this.optimizer._stepCount < 1)
      warnOnce(
        "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
      );
    this._stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = lrs[i]));
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The lrs the last `step()` set, one per group (PyTorch's `get_last_lr`).
   * @example
   * scheduler.getLastLr(); // [0.05]
   */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /**
   * The scheduler's state (PyTorch's `state_dict`: every field but the optimizer, under
   * snake_case names); lr functions are not included, as in PyTorch.
   * @example
   * const saved = scheduler.stateDict(); // { last_epoch: 3, base_lrs: [0.1], ... }
   */
  stateDict(): SchedulerStateDict {
    return fieldsToStateDict(this);
  }

  /**
   * Restores a state from `stateDict()`.
   * @example
   * scheduler.loadStateDict(saved);
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadFields(this, stateDict);
  }
}

function typeNameOf(v: unknown): string {
  return typeof v === "object" && v !== null ? v.constructor.name : typeof v;
}

function groupLrs(optimizer: Optimizer): number[] {
  return optimizer.paramGroups.map((g) => g.lr);
}

/** One value per group: a list (checked against the group count) or one value for all. */
function perGroup<T>(optimizer: Optimizer, name: string, value: T | readonly T[]): T[] {
  const n = optimizer.paramGroups.length;
  if (!Array.isArray(value)) return new Array<T>(n).fill(value as T);
  if (value.length !== n) throw new Error(`expected ${n} values for ${name}, got ${value.length}`);
  return [...value];
}

/**
 * Multiplies the lr by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
 * @example
 * const scheduler = new torch.optim.lr_scheduler.StepLR(opt, 30, { gamma: 0.1 });
 * // lr = 0.05 for epochs 0..29, 0.005 for 30..59, ...
 */
export class StepLR extends LRScheduler {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** Multiplicative factor (default 0.1). */
  gamma: number;

  constructor(optimizer: Optimizer, stepSize: number, options: SchedulerOptions & { gamma?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.stepSize = stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = groupLrs(this.optimizer);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Multiplies the lr by `gamma` at each milestone epoch (a milestone listed twice applies
 * `gamma` twice), as PyTorch's `MultiStepLR`.
 * @example
 * const scheduler = new torch.optim.lr_scheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Epochs at which the lr decays, sorted. */
  milestones: number[];
  /** Multiplicative factor (default 0.1). */
  gamma: number;

  constructor(optimizer: Optimizer, milestones: readonly number[], options: SchedulerOptions & { gamma?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = groupLrs(this.optimizer);
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return lrs;
    return lrs.map((lr) => lr * this.gamma ** count);
  }
}

/**
 * Multiplies the lr by `gamma` every epoch (PyTorch's `ExponentialLR`).
 * @example
 * const scheduler = new torch.optim.lr_scheduler.ExponentialLR(opt, 0.9);
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor per epoch. */
  gamma: number;

  constructor(optimizer: Optimizer, gamma: number, options: SchedulerOptions = {}) {
    super(optimizer, options.lastEpoch);
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = groupLrs(this.optimizer);
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }
}

/**
 * Cosine annealing from the initial lr down to `etaMin` over `tMax` epochs, and back up over
 * the next `tMax` (PyTorch's `CosineAnnealingLR`, SGDR without restarts). `tMax` is PyTorch's `T_max`.
 * @example
 * const scheduler = new torch.optim.lr_scheduler.CosineAnnealingLR(opt, 100, { etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period of the cosine, in epochs. */
  tMax: number;
  /** Minimum lr (default 0). */
  etaMin: number;

  constructor(optimizer: Optimizer, tMax: number, options: SchedulerOptions & { etaMin?: number } = {}) {
    super(optimizer, options.lastEpoch);
    this.tMax = tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return groupLrs(this.optimizer);
    // Resuming: the recursive form has no previous lr to build on, so use the closed form.
    if (this._stepCount === 1 && e > 0)
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2);
    // The trough: the recursive formula would divide by zero here.
    if ((e - 1 - tMax) % (2 * tMax) === 0)
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
}

/**
 * A function of the epoch giving a factor of the initial lr.
 * @example
 * const decay: LrLambda = (epoch) => 0.95 ** epoch;
 */
export type LrLambda = (epoch: number) => number;

/**
 * Sets the lr to the initial lr times `lrLambda(epoch)`, one function for all groups or one
 * per group (PyTorch's `LambdaLR`).
 * @example
 * const warmup = new torch.optim.lr_scheduler.LambdaLR(opt, (epoch) => Math.min(1, (epoch + 1) / 5));
 * @throws when a list of functions does not have one per group.
 */
export class LambdaLR extends LRScheduler {
  /** One function per group. */
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, lrLambda: LrLambda | readonly LrLambda[], options: SchedulerOptions = {}) {
    super(optimizer, options.lastEpoch);
    const n = optimizer.paramGroups.length;
    if (typeof lrLambda === "function") this.lrLambdas = new Array<LrLambda>(n).fill(lrLambda);
    else {
      if (lrLambda.length !== n) throw new Error(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    }
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}

/**
 * Options of `OneCycleLR`; give `totalSteps`, or `epochs` and `stepsPerEpoch`.
 * @example
 * new torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, { totalSteps: 1000, annealStrategy: "linear" });
 */
export interface OneCycleLROptions extends SchedulerOptions {
  /** Steps in the cycle. */
  totalSteps?: number;
  /** Epochs to train for (with `stepsPerEpoch`, when `totalSteps` is not given). */
  epochs?: number;
  /** Steps per epoch (with `epochs`). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear" annealing. */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the peak lr, per group or for all (default 0.85). */
  baseMomentum?: number | number[];
  /** Momentum at the start and end, per group or for all (default 0.95). */
  maxMomentum?: number | number[];
  /** The initial lr is `maxLr / divFactor` (default 25). */
  divFactor?: number;
  /** The final lr is `initialLr / finalDivFactor` (default 1e4). */
  finalDivFactor?: number;
  /** Use three phases (up, down to the initial lr, then annihilate) instead of two (default false). */
  threePhase?: boolean;
}

type LrField = "initialLr" | "maxLr" | "minLr";
type MomentumField = "maxMomentum" | "baseMomentum";

/** One phase of the cycle: until `endStep`, anneal from the `start*` fields to the `end*` fields. */
interface Phase {
  endStep: number;
  startLr: LrField;
  endLr: LrField;
  startMomentum: MomentumField;
  endMomentum: MomentumField;
}

/** A group of an optimizer with momentum (SGD, RMSprop) or betas (Adam, AdamW). */
type MomentumGroup = ParamGroup & { momentum?: number; betas?: [number, number] };

/**
 * The 1cycle policy (PyTorch's `OneCycleLR`): the lr rises from `maxLr / divFactor` to `maxLr`
 * over `pctStart` of the cycle, then anneals to `initialLr / finalDivFactor`, while the momentum
 * (or beta1) moves the opposite way. Step it after every batch.
 * @example
 * const scheduler = new torch.optim.lr_scheduler.OneCycleLR(opt, 0.01, { stepsPerEpoch: loader.length, epochs: 10 });
 * @throws PyTorch's errors for a missing cycle length, bad options, and stepping past the cycle.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  totalSteps: number;
  /** The phases of the cycle. */
  schedulePhases: Phase[];
  /** "cos" or "linear". */
  annealStrategy: "cos" | "linear";
  /** Whether momentum is cycled. */
  cycleMomentum: boolean;
  /** Whether the cycled momentum is Adam's beta1. */
  useBeta1: boolean;

  constructor(optimizer: Optimizer, maxLr: number | number[], options: OneCycleLROptions = {}) {
    const { totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = "cos", cycleMomentum = true } = options;
    const { divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1 } = options;
    super(optimizer, lastEpoch);
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined)
      throw new Error("You must define either total_steps OR (epochs AND steps_per_epoch)");
    if (totalSteps !== undefined) {
      if (!(Number.isInteger(totalSteps) && totalSteps > 0)) throw new Error(`Expected positive integer total_steps, but got ${totalSteps}`);
      this.totalSteps = totalSteps;
    } else {
      if (!(Number.isInteger(epochs) && (epochs as number) > 0)) throw new Error(`Expected positive integer epochs, but got ${epochs}`);
      if (!(Number.isInteger(stepsPerEpoch) && (stepsPerEpoch as number) > 0))
        throw new Error(`Expected positive integer steps_per_epoch, but got ${stepsPerEpoch}`);
      this.totalSteps = (epochs as number) * (stepsPerEpoch as number);
    }
    const up = pctStart * this.totalSteps - 1;
    this.schedulePhases = threePhase
      ? [
          { endStep: up, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * pctStart * this.totalSteps - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: this.totalSteps - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: up, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: this.totalSteps - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    if (!(pctStart >= 0 && pctStart <= 1)) throw new Error(`Expected float between 0 and 1 pct_start, but got ${pctStart}`);
    if (annealStrategy !== "cos" && annealStrategy !== "linear")
      throw new Error(`anneal_strategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    this.annealStrategy = annealStrategy;

    const groups = optimizer.paramGroups as MomentumGroup[];
    const maxLrs = perGroup(optimizer, "max_lr", maxLr);
    if (lastEpoch === -1)
      groups.forEach((group, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        group.maxLr = maxLrs[i];
        group.minLr = group.initialLr / finalDivFactor;
      });
    // PyTorch sets initial_lr before its base constructor reads it; ours ran first, so re-read.
    this.baseLrs = groups.map((g) => g.initialLr as number);

    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = "betas" in optimizer.defaults;
    if (cycleMomentum) {
      if (!("momentum" in optimizer.defaults) && !this.useBeta1)
        throw new Error("optimizer must support momentum with `cycle_momentum` option enabled");
      const maxMomentums = perGroup(optimizer, "max_momentum", options.maxMomentum ?? 0.95);
      const baseMomentums = perGroup(optimizer, "base_momentum", options.baseMomentum ?? 0.85);
      if (lastEpoch === -1)
        groups.forEach((group, i) => {
          this.setMomentum(group, maxMomentums[i]);
          group.maxMomentum = maxMomentums[i];
          group.baseMomentum = baseMomentums[i];
        });
    }
    this.initialStep();
  }

  private setMomentum(group: MomentumGroup, value: number): void {
    if (this.useBeta1) group.betas = [value, (group.betas as [number, number])[1]];
    else group.momentum = value;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new Error(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    const phases = this.schedulePhases;
    // The phase holding this step (the last one also takes any step past its end).
    let i = 0;
    let startStep = 0;
    while (i < phases.length - 1 && stepNum > phases[i].endStep) startStep = phases[i++].endStep;
    const phase = phases[i];
    const pct = (stepNum - startStep) / (phase.endStep - startStep);
    return (this.optimizer.paramGroups as MomentumGroup[]).map((group) => {
      if (this.cycleMomentum)
        this.setMomentum(group, this.anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct));
      return this.anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
    });
  }
}

/**
 * Options of `ReduceLROnPlateau`.
 * @example
 * new torch.optim.lr_scheduler.ReduceLROnPlateau(opt, { mode: "max", factor: 0.5, patience: 3 });
 */
export interface ReduceLROnPlateauOptions {
  /** "min" (default): the metric should decrease; "max": it should increase. */
  mode?: "min" | "max";
  /** Factor the lr is multiplied by (default 0.1); must be below 1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /** "rel" (default): relative to the best value; "abs": an absolute margin. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr, for all groups or per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the lr by `factor` when a metric has stopped improving for `patience` epochs
 * (PyTorch's `ReduceLROnPlateau`). Pass the metric to `step`.
 * @example
 * const scheduler = new torch.optim.lr_scheduler.ReduceLROnPlateau(opt, { patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); scheduler.step(validationLoss()); }
 * @throws for `factor >= 1`, unknown modes, and a `minLr` list of the wrong length.
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' lrs this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Multiplicative factor of a reduction. */
  factor: number;
  /** Per-group lower bounds of the lr. */
  minLrs: number[];
  /** Epochs without improvement tolerated. */
  patience: number;
  /** Epochs to wait after a reduction. */
  cooldown: number;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** "min" or "max". */
  mode: "min" | "max";
  /** Improvement threshold. */
  threshold: number;
  /** "rel" or "abs". */
  thresholdMode: "rel" | "abs";
  /** The best metric so far. */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** The worst value in this mode (the start of `best`). */
  modeWorse: number;
  /** Minimal decay applied to the lr. */
  eps: number;
  /** Epochs stepped so far. */
  lastEpoch = 0;
  /** @internal The lrs after the last `step()`. */
  _lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = "rel", cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    if (factor >= 1) throw new Error("Factor should be < 1.0.");
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${typeNameOf(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    if (Array.isArray(minLr) && minLr.length !== n) throw new Error(`expected ${n} min_lrs, got ${minLr.length}`);
    this.minLrs = perGroup(optimizer, "min_lr", minLr);
    this.factor = factor;
    this.patience = patience;
    this.cooldown = cooldown;
    if (mode !== "min" && mode !== "max") throw new Error(`mode ${mode} is unknown!`);
    if (thresholdMode !== "rel" && thresholdMode !== "abs") throw new Error(`threshold mode ${thresholdMode} is unknown!`);
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.eps = eps;
    this._lastLr = groupLrs(optimizer);
  }

  /**
   * Records one epoch's metric (a number or a one-element tensor) and reduces the lrs if it
   * has not improved for more than `patience` epochs.
   * @example
   * scheduler.step(valLoss);
   */
  step(metrics: number | Tensor): void {
    const current = Number(metrics);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const newLr = Math.max(group.lr * this.factor, this.minLrs[i]);
        if (group.lr - newLr > this.eps) group.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = groupLrs(this.optimizer);
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === "rel" ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /**
   * The groups' lrs after the last `step()`.
   * @example
   * scheduler.getLastLr(); // [0.01]
   */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /**
   * The scheduler's state, under PyTorch's snake_case names (`best`, `num_bad_epochs`…).
   * @example
   * const saved = scheduler.stateDict();
   */
  stateDict(): SchedulerStateDict {
    return fieldsToStateDict(this);
  }

  /**
   * Restores a state from `stateDict()`.
   * @example
   * scheduler.loadStateDict(saved);
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadFields(this, stateDict);
  }
}
