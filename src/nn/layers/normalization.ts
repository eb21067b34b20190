/** Normalization layers: `nn.BatchNorm1d`, `nn.BatchNorm2d`, `nn.LayerNorm`, `nn.GroupNorm`. */
import type { Tensor } from "../../core/tensor.js";
import { type DType, int64 } from "../../core/dtype.js";
import { empty, ones, tensor, zeros } from "../../ops/creation.js";
import { batchNorm, groupNorm, layerNorm } from "../../ops/conv.js";
import { type LoadResult, Module, type StateDict } from "../module.js";
import { Parameter } from "../parameter.js";
import { ones_, zeros_ } from "../init.js";
import { pyBool, pyFloat, pyInts } from "./repr.js";

/** Options of `BatchNorm1d` and `BatchNorm2d`. */
export interface BatchNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running statistics (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them, batch statistics are always used. */
  trackRunningStats?: boolean;
  /** dtype of the parameters and running statistics (default float32). */
  dtype?: DType;
}

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): the affine parameters and
 * the buffers `running_mean`, `running_var` and `num_batches_tracked` (int64) — stored under
 * PyTorch's names, so state dicts have PyTorch's keys, and read as `runningMean`, `runningVar`,
 * `numBatchesTracked`.
 * @example
 * for (const m of model.modules()) if (m instanceof nn._BatchNorm) m.momentum = 0.01;
 */
export abstract class _BatchNorm extends Module {
  /** Channels (C of an (N, C, …) input). */
  readonly numFeatures: number;
  /** Added to the variance before the square root. */
  eps: number;
  /** Weight of each batch in the running statistics; null: a cumulative average. */
  momentum: number | null;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** Per-channel scale γ (ones at first), or null. */
  weight: Parameter | null;
  /** Per-channel shift β (zeros at first), or null. */
  bias: Parameter | null;

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype;
    if (this.affine) {
      this.weight = new Parameter(empty([numFeatures], { dtype }));
      this.bias = new Parameter(empty([numFeatures], { dtype }));
    } else {
      this.registerParameter("weight", null);
      this.registerParameter("bias", null);
      this.weight = null;
      this.bias = null;
    }
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures], { dtype }));
      this.registerBuffer("running_var", ones([numFeatures], { dtype }));
      this.registerBuffer("num_batches_tracked", tensor(0n));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }

  /** The running mean per channel (buffer `running_mean`), or null. */
  get runningMean(): Tensor | null {
    return this._buffers.get("running_mean") ?? null;
  }
  set runningMean(value: Tensor | null) {
    this.setBuffer("running_mean", value);
  }

  /** The running (unbiased) variance per channel (buffer `running_var`), or null. */
  get runningVar(): Tensor | null {
    return this._buffers.get("running_var") ?? null;
  }
  set runningVar(value: Tensor | null) {
    this.setBuffer("running_var", value);
  }

  /** How many training batches updated the running statistics (int64 buffer `num_batches_tracked`), or null. */
  get numBatchesTracked(): Tensor | null {
    return this._buffers.get("num_batches_tracked") ?? null;
  }
  set numBatchesTracked(value: Tensor | null) {
    this.setBuffer("num_batches_tracked", value);
  }

  private setBuffer(name: string, value: Tensor | null): void {
    // Through the Proxy, so the buffer registry checks and records the new tensor.
    (this as unknown as Record<string, Tensor | null>)[name] = value;
  }

  /**
   * Running mean to 0, running variance to 1, batch count to 0.
   * @example
   * bn.resetRunningStats();
   */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    this.runningMean?.zero_();
    this.runningVar?.fill_(1);
    this.numBatchesTracked?.zero_();
  }

  /**
   * Resets the running statistics, the weight to ones and the bias to zeros.
   * @example
   * bn.resetParameters();
   */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  /** @internal Throws PyTorch's message for an input of the wrong rank. */
  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      this.numBatchesTracked.add_(1);
      factor = this.momentum ?? 1 / this.numBatchesTracked.item();
    }
    const bnTraining = this.training || (this.runningMean === null && this.runningVar === null);
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(input, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: bnTraining,
      momentum: factor,
      eps: this.eps,
    });
  }

  /**
   * @internal As PyTorch does for state dicts without version metadata (checkpoints older than
   * the `num_batches_tracked` buffer), a missing batch count loads as 0.
   */
  override _loadFromStateDict(stateDict: StateDict, prefix: string, result: LoadResult): void {
    const key = `${prefix}num_batches_tracked`;
    if (this.trackRunningStats && !stateDict.has(key)) stateDict.set(key, tensor(0n, { dtype: int64 }));
    super._loadFromStateDict(stateDict, prefix, result);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalization of (N, C) or (N, C, L) inputs over the batch (and length) per channel
 * (PyTorch's `nn.BatchNorm1d`). Training mode normalizes with batch statistics and updates the
 * running ones; evaluation mode uses the running ones.
 * @example
 * const bn = new nn.BatchNorm1d(100);
 * String(bn); // "BatchNorm1d(100, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
 */
export class BatchNorm1d extends _BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    if (input.dim() !== 2 && input.dim() !== 3) throw new Error(`expected 2D or 3D input (got ${input.dim()}D input)`);
  }
}

/**
 * Batch normalization of (N, C, H, W) inputs per channel (PyTorch's `nn.BatchNorm2d`).
 * @example
 * const bn = new nn.BatchNorm2d(16);
 * bn.call(torch.randn([8, 16, 4, 4])).shape; // torch.Size([8, 16, 4, 4])
 * bn.eval(); // now uses bn.runningMean and bn.runningVar
 */
export class BatchNorm2d extends _BatchNorm {
  protected override checkInputDim(input: Tensor): void {
    if (input.dim() !== 4) throw new Error(`expected 4D input (got ${input.dim()}D input)`);
  }
}

/** Options of `LayerNorm`. */
export interface LayerNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn an elementwise scale and shift of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
  /** dtype of the parameters (default float32). */
  dtype?: DType;
}

/**
 * Layer normalization over the trailing `normalizedShape` dims of each sample (PyTorch's
 * `nn.LayerNorm`).
 * @example
 * const ln = new nn.LayerNorm(10);
 * String(ln); // "LayerNorm((10,), eps=1e-05, elementwise_affine=True)"
 */
export class LayerNorm extends Module {
  /** The normalized trailing dims. */
  readonly normalizedShape: number[];
  /** Added to the variance before the square root. */
  eps: number;
  /** Whether `weight` and `bias` exist. */
  readonly elementwiseAffine: boolean;
  /** Elementwise scale (ones at first), or null. */
  weight: Parameter | null;
  /** Elementwise shift (zeros at first), or null. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormLayerOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    if (this.elementwiseAffine) {
      this.weight = new Parameter(ones(this.normalizedShape, { dtype: options.dtype }));
      this.bias = new Parameter(zeros(this.normalizedShape, { dtype: options.dtype }));
    } else {
      this.registerParameter("weight", null);
      this.registerParameter("bias", null);
      this.weight = null;
      this.bias = null;
    }
  }

  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${pyInts(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormLayerOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** dtype of the parameters (default float32). */
  dtype?: DType;
}

/**
 * Group normalization: the channels of each sample split into `numGroups` groups, each
 * normalized on its own (PyTorch's `nn.GroupNorm`).
 * @throws "num_channels must be divisible by num_groups".
 * @example
 * const gn = new nn.GroupNorm(2, 6);
 * String(gn); // "GroupNorm(2, 6, eps=1e-05, affine=True)"
 */
export class GroupNorm extends Module {
  /** Number of channel groups. */
  readonly numGroups: number;
  /** Number of channels. */
  readonly numChannels: number;
  /** Added to the variance before the square root. */
  eps: number;
  /** Whether `weight` and `bias` exist. */
  readonly affine: boolean;
  /** Per-channel scale (ones at first), or null. */
  weight: Parameter | null;
  /** Per-channel shift (zeros at first), or null. */
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormLayerOptions = {}) {
    super();
    if (numChannels % numGroups !== 0) throw new Error("num_channels must be divisible by num_groups");
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    if (this.affine) {
      this.weight = new Parameter(ones([numChannels], { dtype: options.dtype }));
      this.bias = new Parameter(zeros([numChannels], { dtype: options.dtype }));
    } else {
      this.registerParameter("weight", null);
      this.registerParameter("bias", null);
      this.weight = null;
      this.bias = null;
    }
  }

  override forward(input: Tensor): Tensor {
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}
