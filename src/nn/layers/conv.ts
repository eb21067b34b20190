/** Convolution layers: `nn.Conv1d`, `nn.Conv2d`, `nn.ConvTranspose2d`. */
import type { Tensor } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import { empty } from "../../ops/creation.js";
import { type SizeArg, conv1d, conv2d, convTranspose2d } from "../../ops/conv.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "../init.js";
import { pyInts } from "./repr.js";

/** Options of `Conv1d` and `Conv2d`. */
export interface ConvLayerOptions {
  /** Step of the kernel (default 1). */
  stride?: SizeArg;
  /** Zero padding on both sides (default 0), or `"valid"` (none) or `"same"` (output size = input size; stride 1). */
  padding?: SizeArg | "same" | "valid";
  /** Spacing between kernel taps (default 1). */
  dilation?: SizeArg;
  /** Channel groups (default 1); both channel counts must divide by it. */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** dtype of the parameters (default float32). */
  dtype?: DType;
}

/** Options of `ConvTranspose2d`. */
export interface ConvTransposeLayerOptions {
  /** Step of the kernel in the output (default 1). */
  stride?: SizeArg;
  /** `dilation·(kernel-1) - padding` zeros around the input (default 0). */
  padding?: SizeArg;
  /** Extra size added to one side of the output (default 0). */
  outputPadding?: SizeArg;
  /** Channel groups (default 1). */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Spacing between kernel taps (default 1). */
  dilation?: SizeArg;
  /** dtype of the parameters (default float32). */
  dtype?: DType;
}

function tuple(value: SizeArg, dims: number): number[] {
  return typeof value === "number" ? new Array<number>(dims).fill(value) : value.length === 1 ? new Array<number>(dims).fill(value[0]) : value.slice();
}

const VALID_PADDING = new Set(["same", "valid"]);

/**
 * What every convolution layer shares (PyTorch's `_ConvNd`): the settings, the weight
 * (`out × in/groups × kernel` or, transposed, `in × out/groups × kernel`), the bias, PyTorch's
 * default initialization and extra repr.
 * @example
 * const convs = model.modules().filter((m): m is nn._ConvNd => m instanceof nn._ConvNd);
 */
export abstract class _ConvNd extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Padding per spatial dim, or `"same"` / `"valid"`. */
  readonly padding: number[] | "same" | "valid";
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Whether this is a transposed convolution. */
  readonly transposed: boolean;
  /** Output padding per spatial dim (transposed convolutions). */
  readonly outputPadding: number[];
  /** Channel groups. */
  readonly groups: number;
  /** The convolution kernel. */
  weight: Parameter;
  /** The per-output-channel bias, or null. */
  bias: Parameter | null;

  /**
   * @throws PyTorch's errors: "groups must be a positive integer", "in_channels must be
   * divisible by groups", "out_channels must be divisible by groups", invalid padding strings,
   * "padding='same' is not supported for strided convolutions".
   */
  constructor(
    dims: number,
    inChannels: number,
    outChannels: number,
    kernelSize: SizeArg,
    settings: { stride: SizeArg; padding: SizeArg | "same" | "valid"; dilation: SizeArg; transposed: boolean; outputPadding: SizeArg; groups: number },
    options: { bias?: boolean; dtype?: DType },
  ) {
    super();
    const { groups, padding } = settings;
    if (groups <= 0) throw new Error("groups must be a positive integer");
    if (inChannels % groups !== 0) throw new Error("in_channels must be divisible by groups");
    if (outChannels % groups !== 0) throw new Error("out_channels must be divisible by groups");
    const stride = tuple(settings.stride, dims);
    if (typeof padding === "string") {
      if (!VALID_PADDING.has(padding)) throw new Error(`Invalid padding string '${padding}', should be one of {'valid', 'same'}`);
      if (padding === "same" && stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = tuple(kernelSize, dims);
    this.stride = stride;
    this.padding = typeof padding === "string" ? padding : tuple(padding, dims);
    this.dilation = tuple(settings.dilation, dims);
    this.transposed = settings.transposed;
    this.outputPadding = tuple(settings.outputPadding, dims);
    this.groups = groups;
    const dtype = options.dtype;
    const channels = settings.transposed ? [inChannels, outChannels / groups] : [outChannels, inChannels / groups];
    this.weight = new Parameter(empty([...channels, ...this.kernelSize], { dtype }));
    if (options.bias ?? true) this.bias = new Parameter(empty([outChannels], { dtype }));
    else {
      this.registerParameter("bias", null);
      this.bias = null;
    }
    this.resetParameters();
  }

  /**
   * Redraws the weight (`kaimingUniform_` with `a: √5`) and the bias (U(-1/√fanIn, 1/√fanIn)),
   * PyTorch's defaults.
   * @example
   * conv.resetParameters();
   */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        uniform_(this.bias, -bound, bound);
      }
    }
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyInts(this.kernelSize)}, stride=${pyInts(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyInts(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyInts(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyInts(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    return s;
  }
}

/**
 * 1-D convolution over (N, C, L) or (C, L) inputs (PyTorch's `nn.Conv1d`).
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 * conv.call(torch.randn([20, 16, 50])).shape; // torch.Size([20, 33, 24])
 * String(conv); // "Conv1d(16, 33, kernel_size=(3,), stride=(2,))"
 */
export class Conv1d extends _ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options: ConvLayerOptions = {}) {
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
    super(1, inChannels, outChannels, kernelSize, { stride, padding, dilation, transposed: false, outputPadding: 0, groups }, options);
  }

  override forward(input: Tensor): Tensor {
    return conv1d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * 2-D convolution over (N, C, H, W) or (C, H, W) inputs (PyTorch's `nn.Conv2d`).
 * @example
 * const conv = new nn.Conv2d(3, 16, 3, { padding: 1 });
 * conv.call(torch.randn([8, 3, 32, 32])).shape; // torch.Size([8, 16, 32, 32])
 * String(conv); // "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
 */
export class Conv2d extends _ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options: ConvLayerOptions = {}) {
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
    super(2, inChannels, outChannels, kernelSize, { stride, padding, dilation, transposed: false, outputPadding: 0, groups }, options);
  }

  override forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * 2-D transposed convolution, the gradient of `Conv2d` with respect to its input, used to
 * upsample (PyTorch's `nn.ConvTranspose2d`).
 * @example
 * const up = new nn.ConvTranspose2d(16, 8, 2, { stride: 2 });
 * up.call(torch.randn([1, 16, 7, 7])).shape; // torch.Size([1, 8, 14, 14])
 */
export class ConvTranspose2d extends _ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options: ConvTransposeLayerOptions = {}) {
    const { stride = 1, padding = 0, dilation = 1, groups = 1, outputPadding = 0 } = options;
    super(2, inChannels, outChannels, kernelSize, { stride, padding, dilation, transposed: true, outputPadding, groups }, options);
  }

  override forward(input: Tensor): Tensor {
    return convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding as number[],
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}
