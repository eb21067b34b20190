/** Adagrad: per-coordinate learning rates from the sum of squared gradients. */
import type { Tensor } from "../core/tensor.js";
import { fullLike, tensor } from "../ops/creation.js";
import { type ParamGroup, type Params, Optimizer } from "./optimizer.js";

/**
 * Adagrad's hyper-parameters, as options and on each group.
 * @example
 * new torch.optim.Adagrad(params, { lr: 0.1, initialAccumulatorValue: 0.1 });
 */
export interface AdagradHyper {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step t uses `lr / (1 + (t - 1) * lrDecay)` (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adagrad's per-parameter state, created with the optimizer (later groups: at their first step).
 * @example
 * opt.state.get(w)?.sum; // sum of squared gradients
 */
export interface AdagradState {
  /** Steps taken, as a 0-dim float32 tensor (as in PyTorch 1.13). */
  step: Tensor;
  /** Sum of squared gradients (PyTorch's `sum`). */
  sum: Tensor;
}

/**
 * Adagrad (PyTorch's `torch.optim.Adagrad`), with PyTorch's update:
 * `s += g²; p -= lr / (1 + (t - 1) * lrDecay) * g / (sqrt(s) + eps)`.
 *
 * @example
 * const opt = new torch.optim.Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 * opt.step();
 * @throws PyTorch's "Invalid ..." errors for negative hyper-parameters.
 */
export class Adagrad extends Optimizer<AdagradHyper, AdagradState> {
  constructor(params: Params<AdagradHyper>, options: Partial<AdagradHyper> = {}) {
    // PyTorch's order, which its state dicts list the hyper-parameters in.
    const hyper: AdagradHyper = { lr: 1e-2, lrDecay: 0, eps: 1e-10, weightDecay: 0, initialAccumulatorValue: 0, maximize: false, ...options };
    if (!(hyper.lr >= 0)) throw new Error(`Invalid learning rate: ${hyper.lr}`);
    if (!(hyper.lrDecay >= 0)) throw new Error(`Invalid lr_decay value: ${hyper.lrDecay}`);
    if (!(hyper.weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${hyper.weightDecay}`);
    if (!(hyper.initialAccumulatorValue >= 0))
      throw new Error(`Invalid initial_accumulator_value value: ${hyper.initialAccumulatorValue}`);
    if (!(hyper.eps >= 0)) throw new Error(`Invalid epsilon value: ${hyper.eps}`);
    super(params, hyper);
    // PyTorch creates the state up front, so it is in a state dict before the first step.
    for (const group of this.paramGroups) for (const p of group.params) this.initState(p, group);
  }

  private initState(p: Tensor, group: ParamGroup & AdagradHyper): AdagradState {
    const s = { step: tensor(0), sum: fullLike(p, group.initialAccumulatorValue) };
    this.state.set(p, s);
    return s;
  }

  protected updateGroup(group: ParamGroup & AdagradHyper): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const p of group.params) {
      const g = p.grad;
      if (g === null) continue;
      // Groups added after construction get their state at their first step.
      const s = this.state.get(p) ?? this.initState(p, group);
      s.step.add_(1);
      const step = s.step.item();
      let grad = maximize ? g.neg() : g;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      s.sum.add_(grad.mul(grad));
      const std = s.sum.sqrt().add_(eps);
      p.add_(grad.div(std), { alpha: -clr });
    }
  }
}
