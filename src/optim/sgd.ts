/** Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay. */
import type { Tensor } from "../core/tensor.js";
import { type ParamGroup, type Params, Optimizer } from "./optimizer.js";

/**
 * SGD's hyper-parameters (PyTorch's `torch.optim.SGD` arguments), as options and on each group.
 * @example
 * new torch.optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 */
export interface SGDHyper {
  /** Learning rate (required: in the options or in every group). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Use Nesterov momentum (default false). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * SGD's per-parameter state: the momentum buffer (null while momentum is 0, as in PyTorch).
 * @example
 * opt.state.get(w)?.momentumBuffer; // a Tensor after the first step with momentum
 */
export interface SGDState {
  /** Velocity, `b_t = momentum * b_{t-1} + (1 - dampening) * g_t`. */
  momentumBuffer: Tensor | null;
}

/**
 * Stochastic gradient descent (PyTorch's `torch.optim.SGD`), with PyTorch's update:
 * `g += weightDecay * p; b = momentum * b + (1 - dampening) * g` (`b = g` at the first step);
 * `g = nesterov ? g + momentum * b : b; p -= lr * g`.
 *
 * @example
 * const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * lossFn(model.forward(x), y).backward();
 * opt.step();
 * @throws "Nesterov momentum requires a momentum and zero dampening", and PyTorch's errors for negative values.
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  constructor(params: Params<SGDHyper>, options: Partial<SGDHyper> = {}) {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = options;
    if (lr !== undefined && lr < 0) throw new Error(`Invalid learning rate: ${lr}`);
    if (momentum < 0) throw new Error(`Invalid momentum value: ${momentum}`);
    if (weightDecay < 0) throw new Error(`Invalid weight_decay value: ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new Error("Nesterov momentum requires a momentum and zero dampening");
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize });
  }

  protected updateGroup(group: ParamGroup & SGDHyper): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      let d = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) d = d.add(p, { alpha: weightDecay });
      let buf = this.state.get(p)?.momentumBuffer ?? null;
      if (momentum !== 0) {
        if (buf === null) buf = d.clone();
        else buf.mul_(momentum).add_(d, { alpha: 1 - dampening });
        d = nesterov ? d.add(buf, { alpha: momentum }) : buf;
      }
      this.state.set(p, { momentumBuffer: buf });
      p.add_(d, { alpha: -lr });
    }
  }
}
