/** `nn.CosineSimilarity`. */
import type { Tensor } from "../../core/tensor.js";
import { cosineSimilarity } from "../functional.js";
import { Module } from "../module.js";

/**
 * Cosine of the angle between two inputs along `dim` (PyTorch's `nn.CosineSimilarity`).
 * @example
 * new nn.CosineSimilarity().call(torch.randn([4, 8]), torch.randn([4, 8])).shape; // torch.Size([4])
 */
export class CosineSimilarity extends Module {
  /** The dim of the vectors. */
  readonly dim: number;
  /** Smallest norm, against division by zero. */
  readonly eps: number;

  constructor(options: { dim?: number; eps?: number } = {}) {
    super();
    this.dim = options.dim ?? 1;
    this.eps = options.eps ?? 1e-8;
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineSimilarity(x1, x2, { dim: this.dim, eps: this.eps });
  }
}
