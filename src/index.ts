/**
 * Kindling: PyTorch's tensors and dynamic reverse-mode autograd, in TypeScript.
 *
 * @example
 * import * as torch from "kindling";
 * const x = torch.ones([2, 2], { requiresGrad: true });
 * const out = x.add(2).pow(2).mul(3).mean();
 * out.backward();
 * console.log(x.grad); // tensor([[4.5000, 4.5000],
 *                      //         [4.5000, 4.5000]])
 */
export { Tensor, Size } from "./core/tensor.js";
export type { Scalar, TensorOrScalar, Nested, ValuesIndices, ReduceOptions, VarOptions } from "./core/tensor.js";
export { DType, float32, float64, int64, int32, bool, float, double, long, int, promoteTypes, getDefaultDtype } from "./core/dtype.js";
export { Generator, manualSeed, initialSeed, defaultGenerator } from "./core/random.js";
export { Device, device } from "./core/device.js";
export type { DeviceLike } from "./core/device.js";
export { setPrintoptions, getPrintoptions } from "./core/format.js";
export type { PrintOptions } from "./core/format.js";
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, inferenceMode, isInferenceModeEnabled, withGradEnabled } from "./autograd/gradMode.js";
export { Node, AccumulateGrad } from "./autograd/node.js";
export type { Edge, RemovableHandle } from "./autograd/node.js";
export * as autograd from "./autograd/index.js";
export * as linalg from "./linalg/index.js";
export {
  tensor, zeros, ones, empty, full, eye, arange, linspace, rand, randn, randint, randperm,
  zerosLike, onesLike, fullLike, emptyLike, randLike, randnLike, randintLike,
} from "./ops/creation.js";
export type { CreationOptions, RandomOptions, TensorData } from "./ops/creation.js";
export {
  add, sub, mul, div, pow, ldexp, maximum, minimum, neg, exp, log, log1p, expm1, sin, cos, tan, tanh, sigmoid, relu,
  sqrt, rsqrt, abs, sign, square, reciprocal, clamp, floor, ceil, round, trunc, isnan, where, floorDivide, remainder,
  sinh, cosh, asin, acos, atan, atan2, erf, log2, log10, isinf, isfinite,
  eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, logicalNot, equal, allclose,
} from "./ops/elementwise.js";
export { sum, mean, prod, max, min, argmax, argmin, all, any, norm, std, logsumexp, cumsum, softmax, logSoftmax, variance as var } from "./ops/reduce.js";
export { clone, view, reshape, flatten, squeeze, unsqueeze, transpose, t, permute, select, narrow, split, chunk, unbind, cat, stack } from "./ops/shape.js";
export { matmul, mm, bmm, dot, mv, outer, addmm } from "./ops/linalg.js";
export { index, indexPut_, indexSelect, gather, scatter, scatterAdd, maskedFill, nonzero, sliceSpec as slice } from "./ops/indexing.js";
export { sort, argsort, topk } from "./ops/sorting.js";
export type { SortOptions, TopkOptions } from "./ops/sorting.js";
export { flip, roll, repeat, tril, triu } from "./ops/rearrange.js";
export type { IndexItem, SliceSpec } from "./ops/indexing.js";
export { f } from "./utils/fstring.js";
export { help } from "./docs/help.js";
export type { HelpOptions } from "./docs/help.js";
export { setNumThreads, getNumThreads } from "./backend/backend.js";
export * as backends from "./backend/backends.js";
export * as F from "./nn/functional.js";
export * as optim from "./optim/index.js";
export * as io from "./io/index.js";
export * as utils from "./utils/index.js";
export * as nn from "./nn/index.js";
