/** Activation layers: `nn.ReLU`, `nn.LeakyReLU`, `nn.GELU`, `nn.SiLU`, `nn.Tanh`, `nn.Sigmoid`, `nn.Softmax`, `nn.LogSoftmax`. */
import type { Tensor } from "../../core/tensor.js";
import { relu, sigmoid, tanh } from "../../ops/elementwise.js";
import { inplace } from "../../ops/inplace.js";
import { elu, gelu, hardtanh, leakyRelu, logSoftmax, silu, softmax, softplus } from "../functional.js";
import { warnOnce } from "../../utils/warn.js";
import { Module } from "../module.js";
import { pyFloat } from "./repr.js";

/** Options of the activations that can overwrite their input. */
export interface InplaceOptions {
  /** Write the result into the input tensor (default false). */
  inplace?: boolean;
}

/**
 * `max(x, 0)` (PyTorch's `nn.ReLU`).
 * @example
 * new nn.ReLU().call(torch.tensor([-1, 2])); // tensor([0., 2.])
 * String(new nn.ReLU({ inplace: true })); // "ReLU(inplace=True)"
 */
export class ReLU extends Module {
  /** Overwrite the input. */
  readonly inplace: boolean;

  constructor(options: InplaceOptions = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : relu(input);
  }

  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/**
 * `x` where positive, `negativeSlope·x` elsewhere (PyTorch's `nn.LeakyReLU`).
 * @example
 * String(new nn.LeakyReLU(0.2)); // "LeakyReLU(negative_slope=0.2)"
 */
export class LeakyReLU extends Module {
  /** Slope for negative inputs. */
  readonly negativeSlope: number;
  /** Overwrite the input. */
  readonly inplace: boolean;

  constructor(negativeSlope = 0.01, options: InplaceOptions = {}) {
    super();
    this.negativeSlope = negativeSlope;
    this.inplace = options.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return this.inplace ? inplace(input, leakyRelu, this.negativeSlope) : leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ", inplace=True" : ""}`;
  }
}

/**
 * Gaussian error linear unit `x·Φ(x)`, the exact form (PyTorch's `nn.GELU`).
 * @example
 * String(new nn.GELU()); // "GELU(approximate='none')"
 */
export class GELU extends Module {
  override forward(input: Tensor): Tensor {
    return gelu(input);
  }

  override extraRepr(): string {
    return "approximate='none'";
  }
}

/**
 * `x·σ(x)`, also called swish (PyTorch's `nn.SiLU`).
 * @example
 * new nn.SiLU().call(torch.tensor([0])); // tensor([0.])
 */
export class SiLU extends Module {
  /** Overwrite the input. */
  readonly inplace: boolean;

  constructor(options: InplaceOptions = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return this.inplace ? inplace(input, silu) : silu(input);
  }

  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/**
 * Hyperbolic tangent (PyTorch's `nn.Tanh`).
 * @example
 * new nn.Tanh().call(torch.tensor([0])); // tensor([0.])
 */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/**
 * Logistic sigmoid (PyTorch's `nn.Sigmoid`).
 * @example
 * new nn.Sigmoid().call(torch.tensor([0])); // tensor([0.5000])
 */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

/** PyTorch's legacy choice of dim when none is given: 0 for 0-, 1- and 3-dim inputs, else 1, with a warning. */
function implicitDim(name: string, ndim: number): number {
  warnOnce(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * Softmax along `dim` (PyTorch's `nn.Softmax`).
 * @example
 * new nn.Softmax(1).call(torch.tensor([[1, 1]])); // tensor([[0.5000, 0.5000]])
 * String(new nn.Softmax(1)); // "Softmax(dim=1)"
 */
export class Softmax extends Module {
  /** The dim that sums to 1, or null for PyTorch's legacy implicit choice. */
  readonly dim: number | null;

  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }

  override forward(input: Tensor): Tensor {
    return softmax(input, this.dim ?? implicitDim("softmax", input.dim()));
  }

  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

/**
 * Log-softmax along `dim` (PyTorch's `nn.LogSoftmax`).
 * @example
 * String(new nn.LogSoftmax(1)); // "LogSoftmax(dim=1)"
 */
export class LogSoftmax extends Module {
  /** The dim normalized over, or null for PyTorch's legacy implicit choice. */
  readonly dim: number | null;

  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }

  override forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim ?? implicitDim("log_softmax", input.dim()));
  }

  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

/**
 * Exponential linear unit, `alpha · (eˣ − 1)` below zero (PyTorch's `nn.ELU`).
 * @example
 * String(new nn.ELU()); // "ELU(alpha=1.0)"
 */
export class ELU extends Module {
  /** Scale of the negative part. */
  readonly alpha: number;

  constructor(alpha = 1) {
    super();
    this.alpha = alpha;
  }

  override forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * Clamps into [minVal, maxVal] with a zero gradient at the bounds (PyTorch's `nn.Hardtanh`).
 * @example
 * String(new nn.Hardtanh()); // "Hardtanh(min_val=-1.0, max_val=1.0)"
 */
export class Hardtanh extends Module {
  /** Lower bound. */
  readonly minVal: number;
  /** Upper bound. */
  readonly maxVal: number;

  constructor(minVal = -1, maxVal = 1) {
    super();
    if (maxVal <= minVal) throw new Error("max_val must be greater than min_val");
    this.minVal = minVal;
    this.maxVal = maxVal;
  }

  override forward(input: Tensor): Tensor {
    return hardtanh(input, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/**
 * `min(max(x, 0), 6)` (PyTorch's `nn.ReLU6`).
 * @example
 * String(new nn.ReLU6()); // "ReLU6()"
 */
export class ReLU6 extends Hardtanh {
  constructor() {
    super(0, 6);
  }

  override extraRepr(): string {
    return "";
  }
}

/**
 * Smooth ReLU `log(1 + exp(beta·x)) / beta`, linear above `threshold` (PyTorch's `nn.Softplus`).
 * @example
 * String(new nn.Softplus()); // "Softplus(beta=1, threshold=20)"
 */
export class Softplus extends Module {
  /** Sharpness. */
  readonly beta: number;
  /** Where it turns linear. */
  readonly threshold: number;

  constructor(beta = 1, threshold = 20) {
    super();
    this.beta = beta;
    this.threshold = threshold;
  }

  override forward(input: Tensor): Tensor {
    return softplus(input, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}
