/** `nn.Embedding`. */
import type { Tensor } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import { empty } from "../../ops/creation.js";
import { embedding } from "../../ops/conv.js";
import { noGrad } from "../../autograd/gradMode.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { normal_ } from "../init.js";
import { pyBool, pyFloat } from "./repr.js";

/** Options of `Embedding`. */
export interface EmbeddingLayerOptions {
  /** This index's row starts at zero and gets no gradient (negative values count from the end). */
  paddingIdx?: number | null;
  /** Rows looked up are first rescaled in place to at most this norm. */
  maxNorm?: number | null;
  /** The p of the norm for `maxNorm` (default 2). */
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the batch (default false). */
  scaleGradByFreq?: boolean;
  /** dtype of the weight (default float32). */
  dtype?: DType;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, indexed by integer
 * tensors (PyTorch's `nn.Embedding`). The weight starts as N(0, 1) samples.
 * @throws "Padding_idx must be within num_embeddings".
 * @example
 * const emb = new nn.Embedding(10, 3);
 * emb.call(torch.tensor([[1n, 2n], [4n, 5n]])).shape; // torch.Size([2, 2, 3])
 * String(new nn.Embedding(10, 3, { paddingIdx: 0 })); // "Embedding(10, 3, padding_idx=0)"
 */
export class Embedding extends Module {
  /** Number of rows. */
  readonly numEmbeddings: number;
  /** Size of each row. */
  readonly embeddingDim: number;
  /** The padding row, made non-negative, or null. */
  readonly paddingIdx: number | null;
  /** Renormalization bound, or null. */
  readonly maxNorm: number | null;
  /** p of the renormalization norm. */
  readonly normType: number;
  /** Scale gradients by inverse index frequency. */
  readonly scaleGradByFreq: boolean;
  /** The (numEmbeddings × embeddingDim) table. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingLayerOptions = {}) {
    super();
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) throw new Error("Padding_idx must be within num_embeddings");
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx;
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: options.dtype }));
    this.resetParameters();
  }

  /**
   * Redraws the table from N(0, 1) and zeroes the padding row.
   * @example
   * emb.resetParameters();
   */
  resetParameters(): void {
    normal_(this.weight);
    const padding = this.paddingIdx;
    if (padding !== null) noGrad(() => this.weight.select(0, padding).fill_(0));
  }

  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += `, scale_grad_by_freq=${pyBool(true)}`;
    return s;
  }
}
