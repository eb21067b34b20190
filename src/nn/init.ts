/**
 * `torch.nn.init`: in-place initializers for weights, run without recording gradients. With
 * the same seed they draw the same numbers as PyTorch (the uniform ones bit for bit).
 */
import type { Tensor } from "../core/tensor.js";
import { float32 } from "../core/dtype.js";
import { noGrad } from "../autograd/gradMode.js";
import { warnOnce } from "../utils/warn.js";

/** A nonlinearity `calculateGain` knows (PyTorch's names). */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** Which fan `kaimingUniform_`/`kaimingNormal_` preserve the variance of. */
export type FanMode = "fan_in" | "fan_out";

/** Options of `kaimingUniform_` and `kaimingNormal_`. */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** `'fan_in'` (default) keeps the forward pass's variance, `'fan_out'` the backward pass's. */
  mode?: FanMode;
  /** The nonlinearity that follows (default `'leaky_relu'`). */
  nonlinearity?: Nonlinearity;
}

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for linear and
 * convolutions and sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU
 * (slope default 0.01), 3/4 for SELU.
 * @throws "Unsupported nonlinearity foo".
 * @example
 * nn.init.calculateGain("relu"); // 1.4142135623730951
 */
export function calculateGain(nonlinearity: Nonlinearity, param: number | null = null): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d":
    case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d": case "sigmoid":
      return 1;
    case "tanh":
      return 5.0 / 3;
    case "relu":
      return Math.sqrt(2.0);
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case "selu":
      return 3.0 / 4;
    default:
      throw new Error(`Unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * `{ fanIn, fanOut }` of a weight: dim 1 and dim 0 sizes, times the receptive field (the
 * product of the remaining dims) — PyTorch's `_calculate_fan_in_and_fan_out`.
 * @throws "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions".
 * @example
 * nn.init.calculateFanInAndFanOut(torch.empty([16, 3, 5, 5])); // { fanIn: 75, fanOut: 400 }
 */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  if (tensor.dim() < 2) throw new Error("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  const receptive = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: tensor.size(1) * receptive, fanOut: tensor.size(0) * receptive };
}

/**
 * Fills with samples of U(a, b), in place.
 * @example
 * nn.init.uniform_(torch.empty([3, 5]), -0.1, 0.1);
 */
export function uniform_<T extends Tensor>(tensor: T, a = 0, b = 1): T {
  // PyTorch casts the bounds to the tensor's dtype before sampling; doing the same keeps the
  // samples bit-identical to PyTorch's.
  const round = tensor.dtype === float32 ? Math.fround : (v: number) => v;
  return noGrad(() => tensor.uniform_(round(a), round(b)));
}

/**
 * Fills with samples of N(mean, std²), in place.
 * @example
 * nn.init.normal_(torch.empty([3, 5]), 0, 0.02);
 */
export function normal_<T extends Tensor>(tensor: T, mean = 0, std = 1): T {
  return noGrad(() => tensor.normal_(mean, std));
}

/**
 * Fills with `val`, in place.
 * @example
 * nn.init.constant_(torch.empty([3]), 0.3);
 */
export function constant_<T extends Tensor>(tensor: T, val: number): T {
  return noGrad(() => tensor.fill_(val));
}

/**
 * Fills with ones, in place.
 * @example
 * nn.init.ones_(bn.weight!);
 */
export function ones_<T extends Tensor>(tensor: T): T {
  return constant_(tensor, 1);
}

/**
 * Fills with zeros, in place.
 * @example
 * nn.init.zeros_(linear.bias!);
 */
export function zeros_<T extends Tensor>(tensor: T): T {
  return constant_(tensor, 0);
}

/**
 * Glorot/Xavier uniform: U(-a, a) with `a = gain·√(6 / (fanIn + fanOut))`.
 * @example
 * nn.init.xavierUniform_(torch.empty([3, 5]), nn.init.calculateGain("relu"));
 */
export function xavierUniform_<T extends Tensor>(tensor: T, gain = 1): T {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/**
 * Glorot/Xavier normal: N(0, std²) with `std = gain·√(2 / (fanIn + fanOut))`.
 * @example
 * nn.init.xavierNormal_(torch.empty([3, 5]));
 */
export function xavierNormal_<T extends Tensor>(tensor: T, gain = 1): T {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2.0 / (fanIn + fanOut)));
}

/** The standard deviation He initialization uses, or null (with PyTorch's warning) for an empty tensor. */
function kaimingStd(tensor: Tensor, options: KaimingOptions): number | null {
  if (tensor.numel() === 0) {
    warnOnce("Initializing zero-element tensors is a no-op");
    return null;
  }
  const mode = options.mode ?? "fan_in";
  if (mode !== "fan_in" && mode !== "fan_out") throw new Error(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  const fans = calculateFanInAndFanOut(tensor);
  const gain = calculateGain(options.nonlinearity ?? "leaky_relu", options.a ?? 0);
  return gain / Math.sqrt(mode === "fan_in" ? fans.fanIn : fans.fanOut);
}

/**
 * He/Kaiming uniform: U(-bound, bound) with `bound = gain·√(3 / fan)`. Linear and convolution
 * layers use it with `a: Math.sqrt(5)`.
 * @example
 * nn.init.kaimingUniform_(torch.empty([3, 5]), { mode: "fan_in", nonlinearity: "relu" });
 */
export function kaimingUniform_<T extends Tensor>(tensor: T, options: KaimingOptions = {}): T {
  const std = kaimingStd(tensor, options);
  if (std === null) return tensor;
  const bound = Math.sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

/**
 * He/Kaiming normal: N(0, std²) with `std = gain / √fan`.
 * @example
 * nn.init.kaimingNormal_(torch.empty([3, 5]), { mode: "fan_out", nonlinearity: "relu" });
 */
export function kaimingNormal_<T extends Tensor>(tensor: T, options: KaimingOptions = {}): T {
  const std = kaimingStd(tensor, options);
  if (std === null) return tensor;
  return normal_(tensor, 0, std);
}
