/** `nn.Identity` and `nn.Linear`. */
import type { Tensor } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import { empty } from "../../ops/creation.js";
import { linear } from "../functional.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "../init.js";
import { pyBool } from "./repr.js";

/**
 * Returns its input unchanged; a placeholder where a layer is optional (PyTorch's
 * `nn.Identity`).
 * @example
 * new nn.Identity().call(x) === x; // true
 */
export class Identity extends Module {
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** dtype of the parameters (default float32). */
  dtype?: DType;
}

/**
 * `y = x Wᵀ + b` over the last dim (PyTorch's `nn.Linear`). The weight (out × in) starts as
 * `kaimingUniform_(w, { a: √5 })` and the bias as U(-1/√in, 1/√in), PyTorch's defaults, so a
 * seeded model starts with PyTorch's numbers.
 * @example
 * const fc = new nn.Linear(1000, 100);
 * fc.call(torch.randn([16, 1000])).shape; // torch.Size([16, 100])
 * String(fc); // "Linear(in_features=1000, out_features=100, bias=True)"
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** The (outFeatures × inFeatures) weight. */
  weight: Parameter;
  /** The (outFeatures) bias, or null. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype;
    this.weight = new Parameter(empty([outFeatures, inFeatures], { dtype }));
    if (options.bias ?? true) this.bias = new Parameter(empty([outFeatures], { dtype }));
    else {
      this.registerParameter("bias", null);
      this.bias = null;
    }
    this.resetParameters();
  }

  /**
   * Redraws the weight and bias with PyTorch's default initialization.
   * @example
   * fc.resetParameters();
   */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
