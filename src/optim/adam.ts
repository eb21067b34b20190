/** Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay. */
import type { Tensor } from "../core/tensor.js";
import { tensor, zerosLike } from "../ops/creation.js";
import { maximum } from "../ops/elementwise.js";
import { type ParamGroup, type Params, Optimizer } from "./optimizer.js";

/**
 * Adam's and AdamW's hyper-parameters, as options and on each group.
 * @example
 * new torch.optim.Adam(params, { lr: 3e-4, betas: [0.9, 0.98], eps: 1e-9, amsgrad: true });
 */
export interface AdamHyper {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the AMSGrad variant: normalize by the running maximum of the second moment (default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adam's and AdamW's per-parameter state.
 * @example
 * opt.state.get(w)?.step.item(); // steps taken so far
 */
export interface AdamState {
  /** Steps taken, as a 0-dim float32 tensor (PyTorch 1.13 keeps it as a tensor). */
  step: Tensor;
  /** First moment estimate (running average of the gradient). */
  expAvg: Tensor;
  /** Second moment estimate (running average of the squared gradient). */
  expAvgSq: Tensor;
  /** Running maximum of `expAvgSq` (AMSGrad only). */
  maxExpAvgSq?: Tensor;
}

function checkHyper(options: AdamHyper): void {
  const { lr, eps, betas, weightDecay } = options;
  if (!(lr >= 0)) throw new Error(`Invalid learning rate: ${lr}`);
  if (!(eps >= 0)) throw new Error(`Invalid epsilon value: ${eps}`);
  if (!(betas[0] >= 0 && betas[0] < 1)) throw new Error(`Invalid beta parameter at index 0: ${betas[0]}`);
  if (!(betas[1] >= 0 && betas[1] < 1)) throw new Error(`Invalid beta parameter at index 1: ${betas[1]}`);
  if (!(weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${weightDecay}`);
}

/** The shared update; `decoupled` selects AdamW's weight decay (`p *= 1 - lr * weightDecay`). */
function adamUpdate(state: Map<Tensor, AdamState>, group: ParamGroup & AdamHyper, decoupled: boolean): void {
  const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = betas;
  for (const p of group.params) {
    const g = p.grad;
    if (g === null) continue;
    let grad = maximize ? g.neg() : g;
    let s = state.get(p);
    if (s === undefined) {
      s = { step: tensor(0), expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
      if (amsgrad) s.maxExpAvgSq = zerosLike(p);
      state.set(p, s);
    }
    s.step.add_(1);
    if (decoupled) {
      if (weightDecay !== 0) p.mul_(1 - lr * weightDecay);
    } else if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
    s.expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
    s.expAvgSq.mul_(beta2).add_(grad.mul(grad), { alpha: 1 - beta2 });
    const step = s.step.item();
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / (1 - beta1 ** step);
    let second = s.expAvgSq;
    if (amsgrad) {
      // A group switched to AMSGrad after its first step starts its maximum here.
      const max = (s.maxExpAvgSq ??= zerosLike(p));
      max.copy_(maximum(max, s.expAvgSq));
      second = max;
    }
    const denom = second.sqrt().div(biasCorrection2Sqrt).add_(eps);
    p.add_(s.expAvg.div(denom), { alpha: -stepSize });
  }
}

/**
 * Adam (PyTorch's `torch.optim.Adam`), with PyTorch 1.13's update: L2 weight decay added to
 * the gradient, bias-corrected moments, `p -= lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + eps)`.
 *
 * @example
 * const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * opt.zeroGrad();
 * lossFn(model.forward(x), y).backward();
 * opt.step();
 * @throws PyTorch's "Invalid ..." errors for out-of-range hyper-parameters.
 */
export class Adam extends Optimizer<AdamHyper, AdamState> {
  constructor(params: Params<AdamHyper>, options: Partial<AdamHyper> = {}) {
    const hyper: AdamHyper = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options };
    checkHyper(hyper);
    super(params, hyper);
  }

  protected updateGroup(group: ParamGroup & AdamHyper): void {
    adamUpdate(this.state, group, false);
  }
}

/**
 * AdamW (PyTorch's `torch.optim.AdamW`): Adam with decoupled weight decay — the parameter is
 * scaled by `1 - lr * weightDecay` before the Adam update instead of the decay entering the
 * gradient. `weightDecay` defaults to 1e-2.
 *
 * @example
 * const opt = new torch.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * opt.step();
 * @throws PyTorch's "Invalid ..." errors for out-of-range hyper-parameters.
 */
export class AdamW extends Optimizer<AdamHyper, AdamState> {
  constructor(params: Params<AdamHyper>, options: Partial<AdamHyper> = {}) {
    const hyper: AdamHyper = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...options };
    checkHyper(hyper);
    super(params, hyper);
  }

  protected updateGroup(group: ParamGroup & AdamHyper): void {
    adamUpdate(this.state, group, true);
  }
}
