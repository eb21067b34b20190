/** `nn.Flatten`. */
import type { Tensor } from "../../core/tensor.js";
import { Module } from "../module.js";

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
