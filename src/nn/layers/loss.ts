/**
 * Loss modules, each a thin wrapper over its functional form (PyTorch's `nn.MSELoss`,
 * `nn.CrossEntropyLoss`…): `loss.call(input, target)`.
 */
import type { Tensor } from "../../core/tensor.js";
import {
  type Reduction,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from "../functional.js";
import { Module } from "../module.js";

/**
 * The base of the loss modules (PyTorch's `_Loss`): the `reduction` they apply.
 * @example
 * class HalfMSE extends nn._Loss {
 *   forward(input: Tensor, target: Tensor): Tensor {
 *     return F.mseLoss(input, target, { reduction: this.reduction }).div(2);
 *   }
 * }
 */
export abstract class _Loss extends Module {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    this.reduction = options.reduction ?? "mean";
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/**
 * The base of losses with per-class weights (PyTorch's `_WeightedLoss`): `weight` is a buffer,
 * so it follows the module's dtype and appears in its state dict.
 * @example
 * new nn.CrossEntropyLoss({ weight: torch.tensor([1, 3]) }).stateDict().has("weight"); // true
 */
export abstract class _WeightedLoss extends _Loss {
  /** The class weights (the buffer `weight`), or null. */
  declare weight: Tensor | null;

  constructor(options: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
  }
}

/**
 * Mean squared error (PyTorch's `nn.MSELoss`).
 * @example
 * const loss = new nn.MSELoss();
 * loss.call(prediction, target).backward();
 */
export class MSELoss extends _Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean absolute error (PyTorch's `nn.L1Loss`).
 * @example
 * new nn.L1Loss().call(torch.tensor([1, 2]), torch.tensor([0, 0])); // tensor(1.5000)
 */
export class L1Loss extends _Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Quadratic below `beta`, linear above (PyTorch's `nn.SmoothL1Loss`).
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 }).call(input, target);
 */
export class SmoothL1Loss extends _Loss {
  /** Where the loss turns from quadratic to linear. */
  readonly beta: number;

  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Options of `NLLLoss` and `CrossEntropyLoss`. */
export interface ClassificationLossOptions {
  /** Weight of each class (C values). */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/**
 * Negative log likelihood of log-probabilities at integer class targets (PyTorch's
 * `nn.NLLLoss`).
 * @example
 * const loss = new nn.NLLLoss();
 * loss.call(logProbs, torch.tensor([1n, 0n, 4n]));
 */
export class NLLLoss extends _WeightedLoss {
  /** Target value ignored. */
  readonly ignoreIndex: number;

  constructor(options: ClassificationLossOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Cross entropy of logits against class indices or class probabilities (PyTorch's
 * `nn.CrossEntropyLoss`).
 * @example
 * const loss = new nn.CrossEntropyLoss();
 * loss.call(model.call(x), labels).backward();
 */
export class CrossEntropyLoss extends _WeightedLoss {
  /** Target value ignored. */
  readonly ignoreIndex: number;
  /** Label smoothing ε. */
  readonly labelSmoothing: number;

  constructor(options: ClassificationLossOptions & { labelSmoothing?: number } = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Binary cross entropy of probabilities (PyTorch's `nn.BCELoss`).
 * @example
 * new nn.BCELoss().call(torch.sigmoid(logits), targets);
 */
export class BCELoss extends _WeightedLoss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Sigmoid and binary cross entropy in one numerically stable step (PyTorch's
 * `nn.BCEWithLogitsLoss`); `posWeight` is a buffer (`pos_weight`) like `weight`.
 * @example
 * new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([3]) }).call(logits, targets);
 */
export class BCEWithLogitsLoss extends _Loss {
  /** The per-element weights (the buffer `weight`), or null. */
  declare weight: Tensor | null;

  constructor(options: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }

  /** The weight of positive examples (the buffer `pos_weight`), or null. */
  get posWeight(): Tensor | null {
    return this._buffers.get("pos_weight") ?? null;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
