/** RMSprop: gradients divided by a running root mean square, optionally centered and with momentum. */
import type { Tensor } from "../core/tensor.js";
import { zerosLike } from "../ops/creation.js";
import { type ParamGroup, type Params, Optimizer } from "./optimizer.js";

/**
 * RMSprop's hyper-parameters, as options and on each group.
 * @example
 * new torch.optim.RMSprop(params, { lr: 1e-3, alpha: 0.9, centered: true });
 */
export interface RMSpropHyper {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the running averages (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * RMSprop's per-parameter state.
 * @example
 * opt.state.get(w)?.squareAvg; // running average of squared gradients
 */
export interface RMSpropState {
  /** Steps taken (a plain number, as in PyTorch 1.13). */
  step: number;
  /** Running average of the squared gradient. */
  squareAvg: Tensor;
  /** Momentum buffer (when `momentum > 0`). */
  momentumBuffer?: Tensor;
  /** Running average of the gradient (when `centered`). */
  gradAvg?: Tensor;
}

/**
 * RMSprop (PyTorch's `torch.optim.RMSprop`), with PyTorch's update:
 * `v = α v + (1 - α) g²`; `avg = sqrt(v - ḡ²) + eps` when centered (`ḡ = α ḡ + (1 - α) g`), else
 * `sqrt(v) + eps`; then `b = momentum * b + g / avg; p -= lr * b`, or `p -= lr * g / avg`
 * without momentum.
 *
 * @example
 * const opt = new torch.optim.RMSprop(model.parameters(), { lr: 1e-2, momentum: 0.9, centered: true });
 * opt.step();
 * @throws PyTorch's "Invalid ..." errors for negative hyper-parameters.
 */
export class RMSprop extends Optimizer<RMSpropHyper, RMSpropState> {
  constructor(params: Params<RMSpropHyper>, options: Partial<RMSpropHyper> = {}) {
    // PyTorch's order, which its state dicts list the hyper-parameters in.
    const hyper: RMSpropHyper = { lr: 1e-2, momentum: 0, alpha: 0.99, eps: 1e-8, centered: false, weightDecay: 0, maximize: false, ...options };
    if (!(hyper.lr >= 0)) throw new Error(`Invalid learning rate: ${hyper.lr}`);
    if (!(hyper.eps >= 0)) throw new Error(`Invalid epsilon value: ${hyper.eps}`);
    if (!(hyper.momentum >= 0)) throw new Error(`Invalid momentum value: ${hyper.momentum}`);
    if (!(hyper.weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${hyper.weightDecay}`);
    if (!(hyper.alpha >= 0)) throw new Error(`Invalid alpha value: ${hyper.alpha}`);
    super(params, hyper);
  }

  protected updateGroup(group: ParamGroup & RMSpropHyper): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      const g = p.grad;
      if (g === null) continue;
      let s = this.state.get(p);
      if (s === undefined) {
        // PyTorch's key order: step, square_avg, momentum_buffer, grad_avg.
        s = { step: 0, squareAvg: zerosLike(p) };
        if (momentum > 0) s.momentumBuffer = zerosLike(p);
        if (centered) s.gradAvg = zerosLike(p);
        this.state.set(p, s);
      }
      s.step += 1;
      let grad = maximize ? g.neg() : g;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      s.squareAvg.mul_(alpha).add_(grad.mul(grad), { alpha: 1 - alpha });
      let avg: Tensor;
      if (centered) {
        // Buffers start at zero when an option is switched on after the first step.
        const gradAvg = (s.gradAvg ??= zerosLike(p));
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        avg = s.squareAvg.sub(gradAvg.mul(gradAvg)).sqrt_();
      } else avg = s.squareAvg.sqrt();
      avg.add_(eps);
      if (momentum > 0) {
        const buf = (s.momentumBuffer ??= zerosLike(p));
        buf.mul_(momentum).add_(grad.div(avg));
        p.add_(buf, { alpha: -lr });
      } else p.add_(grad.div(avg), { alpha: -lr });
    }
  }
}
