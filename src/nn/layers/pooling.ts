/** Pooling layers: `nn.MaxPool2d`, `nn.AvgPool2d`, `nn.AdaptiveAvgPool2d`. */
import type { Tensor } from "../../core/tensor.js";
import { type AvgPool2dOptions, type MaxPool2dOptions, type SizeArg, adaptiveAvgPool2d, avgPool2d, maxPool2d } from "../../ops/conv.js";
import { Module } from "../module.js";
import { pyBool, pyInts } from "./repr.js";

/**
 * 2-D max pooling (PyTorch's `nn.MaxPool2d`). The stride defaults to the kernel size. With
 * `returnIndices: true`, `call` returns `[output, indices]`.
 * @example
 * const pool = new nn.MaxPool2d(2);
 * pool.call(torch.randn([1, 3, 8, 8])).shape; // torch.Size([1, 3, 4, 4])
 * String(pool); // "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
 */
export class MaxPool2d<R extends boolean = false> extends Module {
  /** Window size. */
  readonly kernelSize: SizeArg;
  /** Window step. */
  readonly stride: SizeArg;
  /** Implicit -inf padding. */
  readonly padding: SizeArg;
  /** Spacing between window taps. */
  readonly dilation: SizeArg;
  /** Also return the indices of the maxima. */
  readonly returnIndices: R;
  /** Round output sizes up. */
  readonly ceilMode: boolean;

  constructor(kernelSize: SizeArg, options: Omit<MaxPool2dOptions, "returnIndices"> & { returnIndices?: R } = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.returnIndices = (options.returnIndices ?? false) as R;
    this.ceilMode = options.ceilMode ?? false;
  }

  override forward(input: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    return (this.returnIndices ? maxPool2d(input, this.kernelSize, { ...options, returnIndices: true }) : maxPool2d(input, this.kernelSize, options)) as R extends true
      ? [Tensor, Tensor]
      : Tensor;
  }

  override extraRepr(): string {
    return `kernel_size=${pyInts(this.kernelSize)}, stride=${pyInts(this.stride)}, padding=${pyInts(this.padding)}, dilation=${pyInts(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/**
 * 2-D average pooling (PyTorch's `nn.AvgPool2d`). The stride defaults to the kernel size.
 * @example
 * const pool = new nn.AvgPool2d(2);
 * String(pool); // "AvgPool2d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool2d extends Module {
  /** Window size. */
  readonly kernelSize: SizeArg;
  /** Window step. */
  readonly stride: SizeArg;
  /** Implicit zero padding. */
  readonly padding: SizeArg;
  /** Round output sizes up. */
  readonly ceilMode: boolean;
  /** Count the padding in the divisor. */
  readonly countIncludePad: boolean;
  /** Fixed divisor instead of the window size, or null. */
  readonly divisorOverride: number | null;

  constructor(kernelSize: SizeArg, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${pyInts(this.kernelSize)}, stride=${pyInts(this.stride)}, padding=${pyInts(this.padding)}`;
  }
}

/**
 * Average pooling to a fixed output size, whatever the input size (PyTorch's
 * `nn.AdaptiveAvgPool2d`); `null` keeps that dim's input size.
 * @example
 * const gap = new nn.AdaptiveAvgPool2d([1, 1]);
 * gap.call(torch.randn([2, 512, 7, 7])).shape; // torch.Size([2, 512, 1, 1])
 * String(gap); // "AdaptiveAvgPool2d(output_size=(1, 1))"
 */
export class AdaptiveAvgPool2d extends Module {
  /** The output size (H, W), or one number for both. */
  readonly outputSize: number | readonly (number | null)[];

  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    this.outputSize = outputSize;
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${pyInts(this.outputSize)}`;
  }
}
