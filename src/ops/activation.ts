/**
 * Activation ops with their own autograd nodes: leaky ReLU, GELU, SiLU, softplus,
 * log-sigmoid, ELU and hardtanh (ReLU6). Each op's node (PyTorch's name + backward in differentiable tensor ops) sits
 * right above its forward; relu, sigmoid and tanh live with the elementwise ops.
 */
import type { Tensor } from "../core/tensor.js";
import { backend, type UnaryKernel } from "../backend/backend.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { empty } from "./util.js";
import { sub, where } from "./elementwise.js";
import { noGrad } from "../autograd/gradMode.js";

/** Runs a float-only kernel, refusing other dtypes with PyTorch's dispatch message. */
function runFloatKernel(kernel: UnaryKernel, cpuName: string, x: Tensor, p0 = 0, p1 = 0): Tensor {
  if (!x.dtype.isFloatingPoint) throw new Error(`"${cpuName}" not implemented for '${x.dtype.scalarType}'`);
  const out = empty(x._shape, x.dtype);
  backend().unary(kernel, x, out, p0, p1);
  return out;
}

const LeakyReluBackward0: OpDef<number> = {
  name: "LeakyReluBackward0",
  // NOTE: at exactly 0 the slope applies, as in PyTorch (`x > 0 ? g : g * slope`).
  backward: (ctx, g) => [where(ctx.savedTensor(0).gt(0), g, g.mul(ctx.attrs))],
};
/**
 * `x` where positive, `negativeSlope * x` elsewhere (PyTorch's `F.leaky_relu`).
 * @example
 * F.leakyRelu(torch.tensor([-2, 3]), 0.1); // tensor([-0.2000,  3.0000])
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const out = runFloatKernel("leakyRelu", "leaky_relu_cpu", x, negativeSlope);
  if (anyRequiresGrad(x)) record(LeakyReluBackward0, [x], out, [x], negativeSlope);
  return out;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const GeluBackwardBackward0: OpDef = {
  name: "GeluBackwardBackward0",
  backward: (ctx, gg) => {
    const x = ctx.savedTensor(1);
    return [
      ctx.needsInputGrad(0) ? geluBackward(gg, x) : null,
      // gelu''(x) = φ(x) (2 - x²), with φ the standard normal density.
      ctx.needsInputGrad(1)
        ? gg.mul(ctx.savedTensor(0)).mul(x.square().mul(-0.5).exp().mul(INV_SQRT_2PI)).mul(sub(2, x.square()))
        : null,
    ];
  },
};
/** `grad * gelu'(x)`, an op of its own so that GELU's gradient is differentiable again. */
function geluBackward(grad: Tensor, x: Tensor): Tensor {
  const out = runFloatKernel("geluGrad", "GeluKernelImpl", x.detach()).mul(grad.detach());
  if (anyRequiresGrad(grad, x)) record(GeluBackwardBackward0, [grad, x], out, [x.requiresGrad ? grad : null, x], undefined);
  return out;
}

const GeluBackward0: OpDef = {
  name: "GeluBackward0",
  backward: (ctx, g) => [geluBackward(g, ctx.savedTensor(0))],
};
/**
 * Gaussian error linear unit, exact form `x · Φ(x)` (PyTorch's `F.gelu` with
 * `approximate='none'`).
 * @example
 * F.gelu(torch.tensor([-1, 0, 1])); // tensor([-0.1587,  0.0000,  0.8413])
 */
export function gelu(x: Tensor): Tensor {
  const out = runFloatKernel("gelu", "GeluKernelImpl", x);
  if (anyRequiresGrad(x)) record(GeluBackward0, [x], out, [x], undefined);
  return out;
}

const SiluBackward0: OpDef = {
  name: "SiluBackward0",
  backward: (ctx, g) => {
    const x = ctx.savedTensor(0);
    const s = x.sigmoid();
    // d/dx x·σ(x) = σ(x) (1 + x (1 - σ(x)))
    return [g.mul(s.mul(x.mul(sub(1, s)).add(1)))];
  },
};
/**
 * Sigmoid linear unit `x · σ(x)`, also called swish (PyTorch's `F.silu`).
 * @example
 * F.silu(torch.tensor([-1, 0, 1])); // tensor([-0.2689,  0.0000,  0.7311])
 */
export function silu(x: Tensor): Tensor {
  const out = runFloatKernel("silu", "silu_cpu", x);
  if (anyRequiresGrad(x)) record(SiluBackward0, [x], out, [x], undefined);
  return out;
}

/** Options of `softplus`. */
export interface SoftplusOptions {
  /** Sharpness: `log(1 + exp(beta·x)) / beta` (default 1). */
  beta?: number;
  /** Above `beta·x > threshold` the result is `x` itself, for stability (default 20). */
  threshold?: number;
}

const SoftplusBackward0: OpDef<[number, number]> = {
  name: "SoftplusBackward0",
  backward: (ctx, g) => {
    const [beta, threshold] = ctx.attrs;
    const z = ctx.savedTensor(0).mul(beta);
    return [where(z.gt(threshold), g, g.mul(z.sigmoid()))];
  },
};
/**
 * Smooth ReLU `log(1 + exp(beta·x)) / beta`, linear above the threshold (PyTorch's `F.softplus`).
 * @example
 * F.softplus(torch.tensor([0, 30])); // tensor([ 0.6931, 30.0000])
 */
export function softplus(x: Tensor, options?: SoftplusOptions): Tensor {
  const beta = options?.beta ?? 1;
  const threshold = options?.threshold ?? 20;
  const out = runFloatKernel("softplus", "softplus_cpu", x, beta, threshold);
  if (anyRequiresGrad(x)) record(SoftplusBackward0, [x], out, [x], [beta, threshold]);
  return out;
}

const LogSigmoidBackward0: OpDef = {
  name: "LogSigmoidBackward0",
  backward: (ctx, g) => [g.mul(ctx.savedTensor(0).neg().sigmoid())],
};
/**
 * `log(σ(x))`, computed without overflow for large |x| (PyTorch's `F.logsigmoid`).
 * @example
 * F.logsigmoid(torch.tensor([-100, 0])); // tensor([-100.0000,   -0.6931])
 */
export function logsigmoid(x: Tensor): Tensor {
  if (!x.dtype.isFloatingPoint) throw new Error(`"log_sigmoid_cpu" not implemented for '${x.dtype.scalarType}'`);
  // log σ(x) = min(x, 0) - log1p(exp(-|x|)): no exp of a large positive number.
  const xd = x.detach();
  const out = xd.clamp(null, 0).sub(xd.abs().neg().exp().log1p());
  if (anyRequiresGrad(x)) record(LogSigmoidBackward0, [x], out, [x], undefined);
  return out;
}

const EluBackward0: OpDef<number> = {
  name: "EluBackward0",
  // d/dx α(eˣ − 1) = α eˣ at and below zero, 1 above and at NaN (PyTorch's float32 kernel;
  // its float64 kernel gives NaN there).
  backward: (ctx, g) => {
    const x = ctx.savedTensor(0);
    return [where(x.le(0), g.mul(x.exp().mul(ctx.attrs)), g)];
  },
};
/**
 * Exponential linear unit: `x` where positive, `alpha · (eˣ − 1)` elsewhere (PyTorch's `F.elu`).
 * @example
 * F.elu(torch.tensor([-1, 2])); // tensor([-0.6321,  2.0000])
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  if (!x.dtype.isFloatingPoint) throw new Error(`"elu_cpu" not implemented for '${x.dtype.scalarType}'`);
  const out = noGrad(() => where(x.le(0), x.exp().sub(1).mul(alpha), x));
  if (anyRequiresGrad(x)) record(EluBackward0, [x], out, [x], alpha);
  return out;
}

const HardtanhBackward0: OpDef<[number, number]> = {
  name: "HardtanhBackward0",
  // The gradient passes strictly inside (min, max) only; NaN gets none (PyTorch's float64 kernel;
  // its float32 kernel passes it).
  backward: (ctx, g) => {
    const x = ctx.savedTensor(0);
    const [lo, hi] = ctx.attrs;
    return [where(x.gt(lo).logicalAnd(x.lt(hi)), g, 0)];
  },
};
/**
 * Clamps into [minVal, maxVal] (PyTorch's `F.hardtanh`; its gradient is zero at the bounds, where
 * `clamp`'s is not).
 * @example
 * F.hardtanh(torch.tensor([-3, 0.5, 3])); // tensor([-1.0000,  0.5000,  1.0000])
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  const out = noGrad(() => x.clamp(minVal, maxVal));
  if (anyRequiresGrad(x)) record(HardtanhBackward0, [x], out, [x], [minVal, maxVal]);
  return out;
}

/**
 * `min(max(x, 0), 6)`, a hardtanh into [0, 6] (PyTorch's `F.relu6`; the node is
 * HardtanhBackward0).
 * @example
 * F.relu6(torch.tensor([-1, 3, 8])); // tensor([0., 3., 6.])
 */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}
