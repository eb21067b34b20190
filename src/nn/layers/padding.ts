/** Constant padding layers: `nn.ZeroPad2d`, `nn.ConstantPad1d`, `nn.ConstantPad2d`. */
import type { Tensor } from "../../core/tensor.js";
import { pad } from "../functional.js";
import { Module } from "../module.js";
import { pyFloat, pyInts } from "./repr.js";

/** The (left, right[, top, bottom]) amounts of a padding given as one number or a tuple. */
function amounts(padding: number | readonly number[], dims: number): number[] {
  return typeof padding === "number" ? new Array<number>(2 * dims).fill(padding) : padding.slice();
}

/**
 * Pads the last dims with a constant (PyTorch's `nn.ConstantPad1d`/`2d`): `padding` is one
 * amount for every side or (left, right[, top, bottom]).
 */
abstract class ConstantPadNd extends Module {
  /** (left, right[, top, bottom]). */
  readonly padding: readonly number[];
  /** The fill value. */
  readonly value: number;

  constructor(padding: number | readonly number[], value: number, dims: number) {
    super();
    this.padding = amounts(padding, dims);
    this.value = value;
  }

  override forward(input: Tensor): Tensor {
    return pad(input, this.padding, { value: this.value });
  }

  override extraRepr(): string {
    return `padding=${pyInts(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/**
 * Pads the last dim with a constant.
 * @example
 * String(new nn.ConstantPad1d([1, 2], -1)); // "ConstantPad1d(padding=(1, 2), value=-1.0)"
 */
export class ConstantPad1d extends ConstantPadNd {
  constructor(padding: number | readonly [number, number], value: number) {
    super(padding, value, 1);
  }
}

/**
 * Pads the last two dims with a constant.
 * @example
 * String(new nn.ConstantPad2d(2, 3.5)); // "ConstantPad2d(padding=(2, 2, 2, 2), value=3.5)"
 */
export class ConstantPad2d extends ConstantPadNd {
  constructor(padding: number | readonly [number, number, number, number], value: number) {
    super(padding, value, 2);
  }
}

/**
 * Pads the last two dims with zeros (PyTorch's `nn.ZeroPad2d`).
 * @example
 * new nn.ZeroPad2d(1).call(torch.ones([1, 1, 2, 2])).shape; // torch.Size([1, 1, 4, 4])
 * String(new nn.ZeroPad2d([1, 0, 2, 1])); // "ZeroPad2d((1, 0, 2, 1))"
 */
export class ZeroPad2d extends ConstantPadNd {
  constructor(padding: number | readonly [number, number, number, number]) {
    super(padding, 0, 2);
  }

  override extraRepr(): string {
    return pyInts(this.padding);
  }
}
