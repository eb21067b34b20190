/** `nn.Flatten` and `nn.Unflatten`. */
import type { Tensor } from "../../core/tensor.js";
import { Module } from "../module.js";
import { pyInts } from "./repr.js";

/**
 * Flattens dims `startDim..endDim` into one, by default all but the batch dim (PyTorch's
 * `nn.Flatten`).
 * @example
 * new nn.Flatten().call(torch.zeros([32, 1, 5, 5])).shape; // torch.Size([32, 25])
 * String(new nn.Flatten()); // "Flatten(start_dim=1, end_dim=-1)"
 */
export class Flatten extends Module {
  /** First dim flattened. */
  readonly startDim: number;
  /** Last dim flattened. */
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize` (PyTorch's `nn.Unflatten`, the inverse of `Flatten`).
 * @example
 * new nn.Unflatten(1, [2, 3]).call(torch.zeros([4, 6])).shape; // torch.Size([4, 2, 3])
 * String(new nn.Unflatten(1, [2, 3])); // "Unflatten(dim=1, unflattened_size=(2, 3))"
 */
export class Unflatten extends Module {
  /** The dim that is split. */
  readonly dim: number;
  /** The sizes it is split into (one may be -1). */
  readonly unflattenedSize: readonly number[];

  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    this.dim = dim;
    this.unflattenedSize = unflattenedSize.slice();
  }

  override forward(input: Tensor): Tensor {
    const shape = input.shape.slice();
    const d = this.dim < 0 ? this.dim + shape.length : this.dim;
    shape.splice(d, 1, ...this.unflattenedSize);
    return input.view(shape);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyInts(this.unflattenedSize)}`;
  }
}
