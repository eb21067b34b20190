/** `nn.Dropout`. */
import type { Tensor } from "../../core/tensor.js";
import { inplace } from "../../ops/inplace.js";
import { dropout } from "../functional.js";
import { Module } from "../module.js";
import { pyBool, pyFloat } from "./repr.js";

/**
 * In training mode, zeroes each element with probability `p` and scales the rest by
 * `1/(1-p)`; in evaluation mode, the identity (PyTorch's `nn.Dropout`).
 * @throws "dropout probability has to be between 0 and 1, but got 1.5".
 * @example
 * const drop = new nn.Dropout(0.2);
 * String(drop); // "Dropout(p=0.2, inplace=False)"
 * drop.eval().call(x) === x; // true
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Overwrite the input. */
  readonly inplace: boolean;

  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    if (p < 0 || p > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = options.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    if (this.inplace && this.training && this.p > 0) return inplace(input, dropout, this.p, true);
    return dropout(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
