/**
 * Convolution, pooling, normalization and embedding ops (PyTorch's `F.conv2d`,
 * `F.max_pool2d`, `F.batch_norm`, `F.embedding`…). Each op records one node with PyTorch's
 * name, and its backward is written in differentiable tensor ops, so double backward works.
 *
 * A convolution is im2col + one matrix product: the columns of every image sit side by side
 * in one (C·kH·kW, N·L) matrix (L grid positions per image), so each convolution, its input
 * gradient and its weight gradient is a single product per channel group, through the
 * `bmm` op and so `backend().bmm` — deep layers, whose grids are a few positions, still get
 * a product of useful width, and the weight gradient sums over the batch inside the product
 * instead of writing one (O, C·kH·kW) matrix per image. The output gradient is laid out
 * (O, N·L) to match (one copy of the output's size). The input gradient is the transposed
 * convolution (product, then col2im), and 1-D convolutions run as 2-D ones of height 1.
 * Unrecorded passes go to the backend's own `convolution` kernel when it takes the case (the
 * native one runs one image at a time, with no batch-wide column matrix).
 */
import { Tensor } from "../core/tensor.js";
import { type DType, type TypedArray, int32, int64 } from "../core/dtype.js";
import { numelOf, shapeStr } from "../core/shape.js";
import { type OpDef, anyRequiresGrad, anyRequiresGradList, record } from "../autograd/function.js";
import { isGradEnabled, noGrad } from "../autograd/gradMode.js";
import { type AverageWindows, type BatchNormGeometry, type ConvolutionPass, type WindowGeometry, backend } from "../backend/backend.js";
import { bmm } from "./linalg.js";
import { contiguousData } from "./util.js";

/** A size per spatial dim, or one number for all of them (PyTorch's `int or tuple`). */
export type SizeArg = number | readonly number[];

type Pair = [number, number];

/** PyTorch's `expand_param_if_needed`: one value for every dim, or exactly one per dim. */
function expandParam(value: SizeArg, name: string, dims: number): number[] {
  if (typeof value === "number") return new Array<number>(dims).fill(value);
  if (value.length === 1) return new Array<number>(dims).fill(value[0]);
  if (value.length !== dims)
    throw new Error(
      `expected ${name} to be a single integer value or a list of ${dims} values to match the convolution dimensions, but got ${name}=[${value.join(", ")}]`,
    );
  return value.slice();
}

/** A 1-D parameter as the 2-D one of a height-1 image. */
function asPair(values: number[], heightValue: number): Pair {
  return values.length === 1 ? [heightValue, values[0]] : [values[0], values[1]];
}

function typeTitle(t: Tensor): string {
  return `torch.${t.dtype.legacyName}`;
}

// ---------------------------------------------------------------- im2col and col2im as ops

/** The im2col geometry of convolving `image` (N, C, H, W) with a kernel onto a grid. */
function windowGeometry(image: readonly number[], kernel: Pair, p: ConvParams, grid: Pair): WindowGeometry {
  return {
    batch: image[0],
    channels: image[1],
    height: image[2],
    width: image[3],
    kernelH: kernel[0],
    kernelW: kernel[1],
    strideH: p.stride[0],
    strideW: p.stride[1],
    padTop: p.padding[0],
    padLeft: p.padding[1],
    dilationH: p.dilation[0],
    dilationW: p.dilation[1],
    gridH: grid[0],
    gridW: grid[1],
  };
}

/**
 * Column and output-gradient matrices that no graph keeps (the products of an unrecorded convolution read them once)
 * live in one reused buffer per role, as PyTorch's caching allocator reuses freed blocks: a fresh
 * array of up to tens of MB per call would be paged in by the OS and later collected by V8.
 */
type ScratchRole = "columns" | "columnGradient" | "outputMatrix";
const scratch = new Map<ScratchRole, TypedArray>();

/** A contiguous tensor over the `role` buffer (grown when too small); valid until the next call for that role. */
function scratchTensor(role: ScratchRole, shape: number[], dtype: DType): Tensor {
  const n = numelOf(shape);
  let buf = scratch.get(role);
  if (!buf || buf.constructor !== dtype.arrayType || buf.length < n) {
    buf = Tensor._output([n], dtype)._storage.data;
    scratch.set(role, buf);
  }
  return Tensor._fromArray(buf.subarray(0, n), shape, dtype);
}

const Im2ColBackward0: OpDef<WindowGeometry> = { name: "Im2ColBackward0", backward: (ctx, g) => [fold(g, ctx.attrs)] };
/**
 * (N, C, H, W) → the (C·kH·kW, N·L) columns of `im2col`; `transient` when nothing will record
 * the columns (they then live in the scratch buffer).
 */
function unfold(image: Tensor, g: WindowGeometry, transient = false): Tensor {
  const shape = [g.channels * g.kernelH * g.kernelW, g.batch * g.gridH * g.gridW];
  const out = transient ? scratchTensor("columns", shape, image.dtype) : Tensor._output(shape, image.dtype);
  backend().im2col(contiguousData(image), g, out._storage.data);
  if (anyRequiresGrad(image)) record(Im2ColBackward0, [image], out, [], g);
  return out;
}

const Col2ImBackward0: OpDef<WindowGeometry> = { name: "Col2ImBackward0", backward: (ctx, g) => [unfold(g, ctx.attrs)] };
/** The adjoint of `unfold`: columns summed back into an (N, C, H, W) image. */
function fold(cols: Tensor, g: WindowGeometry): Tensor {
  const out = Tensor._output([g.batch, g.channels, g.height, g.width], cols.dtype);
  backend().col2im(contiguousData(cols), g, out._storage.data);
  if (anyRequiresGrad(cols)) record(Col2ImBackward0, [cols], out, [], g);
  return out;
}

// ---------------------------------------------------------------- convolution

/** Stride, leading padding, dilation and groups of a 2-D convolution. */
interface ConvParams {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

/**
 * `y` (N, O, gh, gw) as the (G, O/G, N·L) matrices that meet the columns in a product (a copy);
 * in the scratch buffer when nothing records it (the product reads it once).
 */
function outputMatrix(y: Tensor, groups: number): Tensor {
  const [n, o, gh, gw] = y._shape;
  const channelsFirst = y.reshape([n, o, gh * gw]).transpose(0, 1);
  const shape = [groups, o / groups, n * gh * gw];
  if (anyRequiresGrad(y)) return channelsFirst.reshape(shape);
  const out = scratchTensor("outputMatrix", shape, y.dtype);
  backend().copyTo(channelsFirst, out._storage.data, out._offset);
  return out;
}

/** `w` (O, C/G, kH, kW) as (G, O/G, C/G·kH·kW). */
function weightMatrix(w: Tensor, groups: number): Tensor {
  const [o, cg, kh, kw] = w._shape;
  return w.reshape([groups, o / groups, cg * kh * kw]);
}

/** The (C·kH·kW, N·L) columns as (G, C/G·kH·kW, N·L). */
const groupedColumns = (cols: Tensor, groups: number): Tensor => cols.view([groups, cols._shape[0] / groups, cols._shape[1]]);

/**
 * A pass of a one-group convolution through the backend's own kernel (`Backend.convolution`),
 * when nothing records it and the backend takes the case; null otherwise.
 */
function unrecordedPass(pass: ConvolutionPass, a: Tensor, b: Tensor, g: WindowGeometry, outChannels: number, outShape: number[], p: ConvParams): Tensor | null {
  const kernels = backend();
  if (!kernels.convolution || p.groups !== 1 || anyRequiresGrad(a, b)) return null;
  let out: Tensor | null = null;
  const output = (): TypedArray => (out = Tensor._output(outShape, a.dtype))._storage.data;
  return kernels.convolution(pass, contiguousData(a), contiguousData(b), g, outChannels, output) ? out : null;
}

/** Convolution of `x` (N, C, H, W) with `w` (O, C/G, kH, kW) onto a grid (differentiable). */
function convForward(x: Tensor, w: Tensor, p: ConvParams, grid: Pair): Tensor {
  const [n] = x._shape;
  const [o, , kh, kw] = w._shape;
  const g = windowGeometry(x._shape, [kh, kw], p, grid);
  const fused = unrecordedPass("forward", x, w, g, o, [n, o, grid[0], grid[1]], p);
  if (fused) return fused;
  const cols = unfold(x, g, !anyRequiresGrad(x, w));
  if (p.groups === 1 && grid[0] * grid[1] >= 64) {
    // One product per image, each reading its (C·kH·kW, L) block of the columns in place,
    // writes (N, O, L) directly: no (O, N·L) result to transpose. Grids under 64 positions
    // would make products too narrow for the GEMM's tiles (8×512×2×2: 3× slower than folded).
    const [ckk, nl] = cols._shape;
    const perImage = cols.view([ckk, n, nl / n]).transpose(0, 1);
    return bmm(weightMatrix(w, 1).expand([n, o, ckk]), perImage).view([n, o, grid[0], grid[1]]);
  }
  // (G, O/G, N·L) → (O, N, L) → (N, O, gh, gw): the product's rows are channels, not images.
  const y = bmm(weightMatrix(w, p.groups), groupedColumns(cols, p.groups));
  return y.view([o, n, grid[0] * grid[1]]).transpose(0, 1).reshape([n, o, grid[0], grid[1]]);
}

/** The adjoint of `convForward` in `x`: a transposed convolution of `y` (N, O, gh, gw) onto `imageShape`. */
function convAdjoint(y: Tensor, w: Tensor, p: ConvParams, imageShape: readonly number[]): Tensor {
  const [n, o, gh, gw] = y._shape;
  const [, cg, kh, kw] = w._shape;
  const fused = unrecordedPass("inputGrad", y, w, windowGeometry(imageShape, [kh, kw], p, [gh, gw]), o, imageShape.slice(), p);
  if (fused) return fused;
  const wT = weightMatrix(w, p.groups).transpose(1, 2);
  const ym = outputMatrix(y, p.groups);
  let cols: Tensor;
  if (anyRequiresGrad(y, w)) cols = bmm(wT, ym);
  else {
    // Unrecorded: the product goes straight into the scratch buffer, read once by col2im.
    cols = scratchTensor("columnGradient", [p.groups, cg * kh * kw, n * gh * gw], y.dtype);
    backend().bmm(wT, ym, cols);
  }
  return fold(cols.view([cols._shape[0] * cols._shape[1], cols._shape[2]]), windowGeometry(imageShape, [kh, kw], p, [gh, gw]));
}

/** The gradient of `convForward` in `w`, from the image `x` and the output gradient `y`: one product sums over images and positions. */
function convWeightGrad(x: Tensor, y: Tensor, wShape: readonly number[], p: ConvParams): Tensor {
  const [, , gh, gw] = y._shape;
  const g = windowGeometry(x._shape, [wShape[2], wShape[3]], p, [gh, gw]);
  const fused = unrecordedPass("weightGrad", x, y, g, wShape[0], wShape.slice(), p);
  if (fused) return fused;
  const cols = unfold(x, g, !anyRequiresGrad(x, y));
  return bmm(outputMatrix(y, p.groups), groupedColumns(cols, p.groups).transpose(1, 2)).reshape(wShape as number[]);
}

interface ConvAttrs {
  params: ConvParams;
  transposed: boolean;
  /** 1 for conv1d: tensors gain a height-1 dim inside the op. */
  spatial: 1 | 2;
}

const to4d = (t: Tensor, spatial: 1 | 2): Tensor => (spatial === 1 ? t.unsqueeze(2) : t);
const from4d = (t: Tensor, spatial: 1 | 2): Tensor => (spatial === 1 ? t.squeeze(2) : t);

const ConvolutionBackward0: OpDef<ConvAttrs> = {
  name: "ConvolutionBackward0",
  backward: (ctx, g) => {
    const { params, transposed, spatial } = ctx.attrs;
    // Both passes read g as a contiguous array: one copy for both when it is not (the expanded
    // ones of a `.sum()` backward), rather than one in each.
    const both = ctx.needsInputGrad(0) && ctx.needsInputGrad(1);
    const g4 = both ? to4d(g, spatial).contiguous() : to4d(g, spatial);
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (ctx.needsInputGrad(0)) {
      const w4 = to4d(ctx.savedTensor(1), spatial);
      const xShape = spatial === 1 ? [ctx.inputShapes[0][0], ctx.inputShapes[0][1], 1, ctx.inputShapes[0][2]] : ctx.inputShapes[0];
      gx = from4d(transposed ? convForward(g4, w4, params, [xShape[2], xShape[3]]) : convAdjoint(g4, w4, params, xShape), spatial);
    }
    if (ctx.needsInputGrad(1)) {
      const x4 = to4d(ctx.savedTensor(0), spatial);
      const wShape = spatial === 1 ? [ctx.inputShapes[1][0], ctx.inputShapes[1][1], 1, ctx.inputShapes[1][2]] : ctx.inputShapes[1];
      gw = from4d(transposed ? convWeightGrad(g4, x4, wShape, params) : convWeightGrad(x4, g4, wShape, params), spatial);
    }
    // Spatial dims first, then the batch: two sums over contiguous blocks, which backends do fastest.
    const gb = ctx.needsInputGrad(2) ? g.sum(g._shape.slice(2).map((_, i) => i + 2)).sum(0) : null;
    return [gx, gw, gb];
  },
};

/** Options of `conv1d` and `conv2d` (PyTorch's `stride`, `padding`, `dilation`, `groups`). */
export interface ConvOptions {
  /** Step of the kernel, per spatial dim or one for all (default 1). */
  stride?: SizeArg;
  /**
   * Zeros added on both sides, per spatial dim or one for all (default 0); `"valid"` is no
   * padding, `"same"` pads so the output has the input's size (stride 1 only).
   */
  padding?: SizeArg | "same" | "valid";
  /** Spacing between kernel taps (default 1). */
  dilation?: SizeArg;
  /** Channel groups: input and output channels split into `groups` independent convolutions (default 1). */
  groups?: number;
}

/** Options of `convTranspose1d` and `convTranspose2d`. */
export interface ConvTransposeOptions {
  /** Step of the kernel in the output, per spatial dim or one for all (default 1). */
  stride?: SizeArg;
  /** Padding removed from each side of the output: `dilation·(kernel-1) - padding` zeros around the input (default 0). */
  padding?: SizeArg;
  /** Extra size added to one side of the output, to pick among the sizes a strided convolution maps to one size (default 0). */
  outputPadding?: SizeArg;
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: SizeArg;
}

function checkConvArgs(x: Tensor, w: Tensor, b: Tensor | null, spatial: 1 | 2, groups: number, transposed: boolean): void {
  const nd = spatial + 2;
  if (x._shape.length !== nd)
    throw new Error(
      `Expected ${nd - 1}D (unbatched) or ${nd}D (batched) input to conv${transposed ? "_transpose" : ""}${spatial}d, but got input of size: ${shapeStr(x._shape)}`,
    );
  if (w._shape.length !== nd)
    throw new Error(
      `Expected ${w._shape.length}-dimensional input for ${w._shape.length}-dimensional weight ${shapeStr(w._shape)}, but got ${nd}-dimensional input of size ${shapeStr(x._shape)} instead`,
    );
  if (x.dtype !== w.dtype) {
    if (x.dtype.isFloatingPoint && w.dtype.isFloatingPoint)
      throw new Error(
        `Input type (${typeTitle(x)}) and weight type (${typeTitle(w)}) should be the same or input should be a MKLDNN tensor and weight is a dense tensor`,
      );
    throw new Error(`expected scalar type ${w.dtype.name === "float64" ? "Double" : "Float"} but found ${x.dtype.name}`);
  }
  if (!x.dtype.isFloatingPoint) throw new Error(`"slow_conv2d_cpu" not implemented for '${x.dtype.name === "int64" ? "Long" : "Int"}'`);
  if (groups <= 0) throw new Error("non-positive groups is not supported");
  if (w._shape[0] % groups !== 0)
    throw new Error(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${shapeStr(w._shape)}] instead`,
    );
  const expected = transposed ? w._shape[0] : w._shape[1] * groups;
  if (x._shape[1] !== expected)
    throw new Error(
      `Given ${transposed ? "transposed=1" : `groups=${groups}`}, weight of size ${shapeStr(w._shape)}, expected input${shapeStr(x._shape)} to have ${expected} channels, but got ${x._shape[1]} channels instead`,
    );
  const outChannels = transposed ? w._shape[1] * groups : w._shape[0];
  if (b && (b._shape.length !== 1 || b._shape[0] !== outChannels))
    throw new Error(
      `Given weight of size ${shapeStr(w._shape)}, expected bias to be 1-dimensional with ${outChannels} elements, but got bias of size ${shapeStr(b._shape)} instead`,
    );
}

function checkPositive(stride: number[], padding: number[], dilation: number[]): void {
  if (padding.some((v) => v < 0)) throw new Error("negative padding is not supported");
  if (stride.some((v) => v <= 0)) throw new Error("non-positive stride is not supported");
  if (dilation.some((v) => v <= 0)) throw new Error("non-positive dilation is not supported");
}

/** A fresh tensor over `t`'s values with another shape, not a view (callers may modify it in place). */
function owned(t: Tensor, shape: number[]): Tensor {
  return Tensor._fromArray(contiguousData(t), shape, t.dtype);
}

/** Runs a convolution on detached 4-D data, adds the bias, and records ConvolutionBackward0. */
function convolution(x: Tensor, w: Tensor, b: Tensor | null, attrs: ConvAttrs, outShape: number[]): Tensor {
  const { params, transposed, spatial } = attrs;
  const x4 = to4d(x.detach(), spatial);
  const w4 = to4d(w.detach(), spatial);
  const grid: Pair = spatial === 1 ? [1, outShape[2]] : [outShape[2], outShape[3]];
  let out = transposed
    ? convAdjoint(x4, w4, params, [outShape[0], outShape[1], ...grid])
    : convForward(x4, w4, params, grid);
  const result = owned(out, outShape);
  if (b) {
    // out[n][c][…] += bias[c], in place: one broadcast add, which the native backend runs as one call.
    const planes = result.view([outShape[0], outShape[1], numelOf(outShape.slice(2))]);
    backend().binary("add", planes, b.detach().reshape([1, outShape[1], 1]).expand(planes._shape), planes, 1);
  }
  if (anyRequiresGrad(x, w, b))
    record(ConvolutionBackward0, [x, w, b], result, [w.requiresGrad ? x : null, x.requiresGrad ? w : null], attrs);
  return result;
}

/** Leading and trailing padding of `'same'`: the extra odd pad goes after, as in PyTorch. */
function samePadding(kernel: number[], dilation: number[]): { lead: number[]; total: number[] } {
  const total = kernel.map((k, i) => dilation[i] * (k - 1));
  return { lead: total.map((t) => Math.floor(t / 2)), total };
}

function convNd(input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions, spatial: 1 | 2): Tensor {
  const unbatched = input._shape.length === spatial + 1;
  const x = unbatched ? input.unsqueeze(0) : input;
  const groups = options.groups ?? 1;
  checkConvArgs(x, weight, bias, spatial, groups, false);
  const stride = expandParam(options.stride ?? 1, "stride", spatial);
  const dilation = expandParam(options.dilation ?? 1, "dilation", spatial);
  const kernel = weight._shape.slice(2);
  const pad = options.padding ?? 0;
  let lead: number[];
  let total: number[];
  if (typeof pad === "string") {
    if (pad === "valid") lead = total = new Array<number>(spatial).fill(0);
    else if (pad === "same") {
      if (stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      ({ lead, total } = samePadding(kernel, dilation));
    } else throw new Error(`Invalid padding string: '${pad}'`);
  } else {
    lead = expandParam(pad, "padding", spatial);
    total = lead.map((p) => 2 * p);
  }
  checkPositive(stride, lead, dilation);
  const inSize = x._shape.slice(2);
  const padded = inSize.map((s, i) => s + total[i]);
  const effective = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  if (padded.some((s, i) => s < effective[i]))
    throw new Error(
      `Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${effective.join(" x ")}). Kernel size can't be greater than actual input size`,
    );
  const outSize = padded.map((s, i) => Math.floor((s - effective[i]) / stride[i]) + 1);
  const params: ConvParams = { stride: asPair(stride, 1), padding: asPair(lead, 0), dilation: asPair(dilation, 1), groups };
  const out = convolution(x, weight, bias, { params, transposed: false, spatial }, [x._shape[0], weight._shape[0], ...outSize]);
  return unbatched ? out.squeeze(0) : out;
}

/**
 * 2-D convolution (cross-correlation) of `input` (N, C, H, W) or (C, H, W) with `weight`
 * (O, C/groups, kH, kW), plus `bias` (O) (PyTorch's `F.conv2d`; node ConvolutionBackward0).
 * @throws PyTorch's errors for channel, size, bias and option mismatches.
 * @example
 * const x = torch.ones([1, 1, 3, 3]);
 * F.conv2d(x, torch.ones([1, 1, 2, 2]), null, { padding: 1 }).shape; // torch.Size([1, 1, 4, 4])
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return convNd(input, weight, bias, options, 2);
}

/**
 * 1-D convolution of `input` (N, C, L) or (C, L) with `weight` (O, C/groups, k)
 * (PyTorch's `F.conv1d`; node ConvolutionBackward0).
 * @throws PyTorch's errors for channel, size, bias and option mismatches.
 * @example
 * F.conv1d(torch.ones([1, 1, 5]), torch.ones([1, 1, 3])); // tensor([[[3., 3., 3.]]])
 */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  return convNd(input, weight, bias, options, 1);
}

function convTransposeNd(input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvTransposeOptions, spatial: 1 | 2): Tensor {
  const unbatched = input._shape.length === spatial + 1;
  const x = unbatched ? input.unsqueeze(0) : input;
  const groups = options.groups ?? 1;
  checkConvArgs(x, weight, bias, spatial, groups, true);
  const stride = expandParam(options.stride ?? 1, "stride", spatial);
  const padding = expandParam(options.padding ?? 0, "padding", spatial);
  const dilation = expandParam(options.dilation ?? 1, "dilation", spatial);
  const outputPadding = expandParam(options.outputPadding ?? 0, "output_padding", spatial);
  checkPositive(stride, padding, dilation);
  if (outputPadding.some((op, i) => op >= stride[i] && op >= dilation[i])) {
    const names = spatial === 1 ? ["width"] : ["height", "width"];
    const part = (label: string, values: number[]): string => names.map((n, i) => `${label}_${n}: ${values[i]}`).join(" ");
    throw new Error(
      `output padding must be smaller than either stride or dilation, but got ${part("output_padding", outputPadding)} ${part("stride", stride)} ${part("dilation", dilation)}`,
    );
  }
  const kernel = weight._shape.slice(2);
  const outSize = x._shape.slice(2).map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  if (outSize.some((s) => s <= 0))
    throw new Error(`Given input size per channel: (${x._shape.slice(2).join(" x ")}). Calculated output size per channel: (${outSize.join(" x ")}). Output size is too small`);
  const params: ConvParams = { stride: asPair(stride, 1), padding: asPair(padding, 0), dilation: asPair(dilation, 1), groups };
  const out = convolution(x, weight, bias, { params, transposed: true, spatial }, [x._shape[0], weight._shape[1] * groups, ...outSize]);
  return unbatched ? out.squeeze(0) : out;
}

/**
 * 2-D transposed convolution ("deconvolution"), the gradient of `conv2d` with respect to its
 * input: `input` (N, Cin, H, W) with `weight` (Cin, Cout/groups, kH, kW) gives
 * (N, Cout, (H-1)·stride - 2·padding + dilation·(kH-1) + outputPadding + 1, …)
 * (PyTorch's `F.conv_transpose2d`; node ConvolutionBackward0).
 * @example
 * F.convTranspose2d(torch.ones([1, 1, 2, 2]), torch.ones([1, 1, 2, 2]), null, { stride: 2 }).shape;
 * // torch.Size([1, 1, 4, 4])
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd(input, weight, bias, options, 2);
}

/**
 * 1-D transposed convolution: `input` (N, Cin, L) with `weight` (Cin, Cout/groups, k)
 * (PyTorch's `F.conv_transpose1d`; node ConvolutionBackward0).
 * @example
 * F.convTranspose1d(torch.ones([1, 1, 2]), torch.ones([1, 1, 2])); // tensor([[[1., 2., 1.]]])
 */
export function convTranspose1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd(input, weight, bias, options, 1);
}

// ---------------------------------------------------------------- pooling

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Step of the window (default: the kernel size). */
  stride?: SizeArg | null;
  /** Implicit -inf padding on both sides (default 0; at most half the kernel). */
  padding?: SizeArg;
  /** Spacing between window taps (default 1). */
  dilation?: SizeArg;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Also return the flat index (in each input plane) of every maximum (default false). */
  returnIndices?: boolean;
}

/** PyTorch's `pooling_output_shape`. */
function poolOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // The last window must start inside the input or its leading padding.
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Resolved window parameters of a 2-D pooling call. */
interface PoolParams {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  /** The input as (N·C planes, H, W) and the output grid. */
  planes: number;
  height: number;
  width: number;
  grid: Pair;
}

function poolParams(
  x: Tensor,
  kernelSize: SizeArg,
  stride: SizeArg | null | undefined,
  padding: SizeArg,
  dilation: SizeArg,
  ceilMode: boolean,
): PoolParams {
  const nd = x._shape.length;
  if ((nd !== 3 && nd !== 4) || x.numel() === 0) throw new Error("non-empty 3D or 4D (batch mode) tensor expected for input");
  const kernel = expandParam(kernelSize, "kernel_size", 2) as Pair;
  const s = (stride === null || stride === undefined || (Array.isArray(stride) && stride.length === 0) ? kernel : expandParam(stride, "stride", 2)) as Pair;
  const p = expandParam(padding, "padding", 2) as Pair;
  const d = expandParam(dilation, "dilation", 2) as Pair;
  for (let i = 0; i < 2; i++)
    if (p[i] > Math.floor(kernel[i] / 2))
      throw new Error(`pad should be at most half of kernel size, but got pad=${p[i]} and kernel_size=${kernel[i]}`);
  const [h, w] = x._shape.slice(-2);
  const grid: Pair = [poolOutputSize(h, kernel[0], p[0], s[0], d[0], ceilMode), poolOutputSize(w, kernel[1], p[1], s[1], d[1], ceilMode)];
  const channels = x._shape[nd - 3];
  if (grid[0] < 1 || grid[1] < 1)
    throw new Error(`Given input size: (${channels}x${h}x${w}). Calculated output size: (${channels}x${grid[0]}x${grid[1]}). Output size is too small`);
  return { kernel, stride: s, padding: p, dilation: d, planes: numelOf(x._shape.slice(0, -2)), height: h, width: w, grid };
}

/** Shape attributes shared by the pooling gradients: planes, plane size, output size. */
interface PlaneAttrs {
  planes: number;
  planeSize: number;
  perPlane: number;
}

const GatherBackward0: OpDef<PlaneAttrs> = {
  name: "GatherBackward0",
  backward: (ctx, g) => [scatterPlanes(g, ctx.savedTensor(0), ctx.inputShapes[0], ctx.attrs)],
};
/** `out[p][k] = source[p][indices[p][k]]`, `source` of any shape whose last two dims form the planes. */
function gatherByIndices(source: Tensor, indices: Tensor, a: PlaneAttrs): Tensor {
  const out = Tensor._output(indices._shape, source.dtype);
  backend().gatherPlanes(contiguousData(source), contiguousData(indices), a.planes, a.perPlane, a.planeSize, out._storage.data);
  if (anyRequiresGrad(source)) record(GatherBackward0, [source], out, [indices], a);
  return out;
}

const MaxPool2DWithIndicesBackwardBackward0: OpDef<PlaneAttrs> = {
  name: "MaxPool2DWithIndicesBackwardBackward0",
  backward: (ctx, g) => [gatherByIndices(g, ctx.savedTensor(0), ctx.attrs)],
};
/** The gradient of max pooling: each output gradient added at its maximum's position. */
function scatterPlanes(grad: Tensor, indices: Tensor, inputShape: readonly number[], a: PlaneAttrs): Tensor {
  const out = Tensor._output(inputShape as number[], grad.dtype);
  backend().scatterAddPlanes(contiguousData(grad), contiguousData(indices), a.planes, a.perPlane, a.planeSize, out._storage.data);
  if (anyRequiresGrad(grad)) record(MaxPool2DWithIndicesBackwardBackward0, [grad], out, [indices], a);
  return out;
}

const MaxPool2DWithIndicesBackward0: OpDef<PlaneAttrs> = {
  name: "MaxPool2DWithIndicesBackward0",
  backward: (ctx, g) => [scatterPlanes(g, ctx.savedTensor(0), ctx.inputShapes[0], ctx.attrs)],
};

/**
 * 2-D max pooling over `input` (N, C, H, W) or (C, H, W) (PyTorch's `F.max_pool2d`; node
 * MaxPool2DWithIndicesBackward0). With `returnIndices: true`, returns `[output, indices]`,
 * the indices (int64) being flat positions in each input plane.
 * @throws "pad should be at most half of kernel size, …" and "… Output size is too small".
 * @example
 * const x = torch.arange(16).view(1, 1, 4, 4);
 * F.maxPool2d(x, 2); // tensor([[[[ 5.,  7.], [13., 15.]]]])
 */
export function maxPool2d(input: Tensor, kernelSize: SizeArg, options?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: SizeArg, options: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: SizeArg, options: MaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  const p = poolParams(input, kernelSize, options.stride, options.padding ?? 0, options.dilation ?? 1, options.ceilMode ?? false);
  const shape = [...input._shape.slice(0, -2), ...p.grid];
  const out = Tensor._output(shape, input.dtype);
  const indices = Tensor._output(shape, int64);
  const g: WindowGeometry = {
    batch: p.planes,
    channels: 1,
    height: p.height,
    width: p.width,
    kernelH: p.kernel[0],
    kernelW: p.kernel[1],
    strideH: p.stride[0],
    strideW: p.stride[1],
    padTop: p.padding[0],
    padLeft: p.padding[1],
    dilationH: p.dilation[0],
    dilationW: p.dilation[1],
    gridH: p.grid[0],
    gridW: p.grid[1],
  };
  backend().maxPool2d(contiguousData(input), g, out._storage.data, indices._storage.data);
  const attrs: PlaneAttrs = { planes: p.planes, planeSize: p.height * p.width, perPlane: p.grid[0] * p.grid[1] };
  if (anyRequiresGrad(input)) record(MaxPool2DWithIndicesBackward0, [input], out, [indices], attrs);
  return options.returnIndices ? [out, indices] : out;
}

/** The forward and backward node names of an averaging op. */
interface AverageAttrs {
  windows: AverageWindows;
  forward: OpDef<AverageAttrs>;
  backward: OpDef<AverageAttrs>;
}

/** Averages over each window: input (…, H, W) → output (…, gh, gw); recorded as `attrs.forward`. */
function averageWindows(x: Tensor, attrs: AverageAttrs): Tensor {
  const w = attrs.windows;
  const out = Tensor._output([...x._shape.slice(0, -2), w.rowStart.length, w.colStart.length], x.dtype);
  backend().windowAverage(contiguousData(x), w, out._storage.data);
  if (anyRequiresGrad(x)) record(attrs.forward, [x], out, [], attrs);
  return out;
}

/** The adjoint of `averageWindows`; recorded as `attrs.backward`. */
function averageWindowsBackward(g: Tensor, inputShape: readonly number[], attrs: AverageAttrs): Tensor {
  const out = Tensor._output(inputShape as number[], g.dtype);
  backend().windowAverageBackward(contiguousData(g), attrs.windows, out._storage.data);
  if (anyRequiresGrad(g)) record(attrs.backward, [g], out, [], attrs);
  return out;
}

function averageDefs(name: string): [OpDef<AverageAttrs>, OpDef<AverageAttrs>] {
  const forward: OpDef<AverageAttrs> = {
    name: `${name}Backward0`,
    backward: (ctx, g) => [averageWindowsBackward(g, ctx.inputShapes[0], ctx.attrs)],
  };
  const backward: OpDef<AverageAttrs> = {
    name: `${name}BackwardBackward0`,
    backward: (ctx, g) => [averageWindows(g, ctx.attrs)],
  };
  return [forward, backward];
}
const [AvgPool2DBackward0, AvgPool2DBackwardBackward0] = averageDefs("AvgPool2D");
const [AdaptiveAvgPool2DBackward0, AdaptiveAvgPool2DBackwardBackward0] = averageDefs("AdaptiveAvgPool2D");

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Step of the window (default: the kernel size). */
  stride?: SizeArg | null;
  /** Implicit zero padding on both sides (default 0; at most half the kernel). */
  padding?: SizeArg;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}

/**
 * 2-D average pooling over `input` (N, C, H, W) or (C, H, W) (PyTorch's `F.avg_pool2d`; node
 * AvgPool2DBackward0).
 * @throws "pad should be at most half of kernel size, …" and "… Output size is too small".
 * @example
 * F.avgPool2d(torch.arange(16).view(1, 1, 4, 4), 2); // tensor([[[[ 2.5000,  4.5000], [10.5000, 12.5000]]]])
 */
export function avgPool2d(input: Tensor, kernelSize: SizeArg, options: AvgPool2dOptions = {}): Tensor {
  const p = poolParams(input, kernelSize, options.stride, options.padding ?? 0, 1, options.ceilMode ?? false);
  const includePad = options.countIncludePad ?? true;
  const divisorOverride = options.divisorOverride ?? null;
  if (divisorOverride === 0) throw new Error("divisor must be not zero");
  // Each window's extent along one axis, clipped to the input; its size counts the padding
  // it covers when `countIncludePad`.
  const axis = (n: number, size: number, k: number, s: number, pad: number): [Int32Array, Int32Array, Float64Array] => {
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    const count = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      const a = o * s - pad;
      const b = Math.min(a + k, size + pad);
      start[o] = Math.max(a, 0);
      end[o] = Math.min(b, size);
      count[o] = includePad ? b - a : end[o] - start[o];
    }
    return [start, end, count];
  };
  const [rowStart, rowEnd, rows] = axis(p.grid[0], p.height, p.kernel[0], p.stride[0], p.padding[0]);
  const [colStart, colEnd, cols] = axis(p.grid[1], p.width, p.kernel[1], p.stride[1], p.padding[1]);
  const divisor = new Float64Array(p.grid[0] * p.grid[1]);
  for (let i = 0; i < p.grid[0]; i++)
    for (let j = 0; j < p.grid[1]; j++) divisor[i * p.grid[1] + j] = divisorOverride ?? rows[i] * cols[j];
  const windows: AverageWindows = { planes: p.planes, height: p.height, width: p.width, rowStart, rowEnd, colStart, colEnd, divisor };
  return averageWindows(input, { windows, forward: AvgPool2DBackward0, backward: AvgPool2DBackwardBackward0 });
}

/**
 * Average pooling to a fixed output size: output cell `i` of a dim of size `n` averages input
 * `[floor(i·size/n), ceil((i+1)·size/n))` (PyTorch's `F.adaptive_avg_pool2d`; node
 * AdaptiveAvgPool2DBackward0, or MeanBackward1 for a 1×1 output, as in PyTorch). A `null`
 * size keeps the input's.
 * @example
 * F.adaptiveAvgPool2d(torch.arange(16).view(1, 1, 4, 4), [1, 2]); // tensor([[[[ 6.5000,  8.5000]]]])
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const nd = input._shape.length;
  if (nd !== 3 && nd !== 4) throw new Error(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${shapeStr(input._shape)}`);
  const sizes = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  if (sizes.length !== 2) throw new Error("adaptive_avg_pool2d: output_size must be 2");
  const [h, w] = input._shape.slice(-2);
  const [gh, gw] = [sizes[0] ?? h, sizes[1] ?? w];
  if (gh === 1 && gw === 1) return input.mean([-2, -1], { keepdim: true });
  const axis = (n: number, size: number): [Int32Array, Int32Array, Float64Array] => {
    const start = new Int32Array(n);
    const end = new Int32Array(n);
    const count = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      start[o] = Math.floor((o * size) / n);
      end[o] = Math.ceil(((o + 1) * size) / n);
      count[o] = end[o] - start[o];
    }
    return [start, end, count];
  };
  const [rowStart, rowEnd, rows] = axis(gh, h);
  const [colStart, colEnd, cols] = axis(gw, w);
  const divisor = new Float64Array(gh * gw);
  for (let i = 0; i < gh; i++) for (let j = 0; j < gw; j++) divisor[i * gw + j] = rows[i] * cols[j];
  const windows: AverageWindows = { planes: numelOf(input._shape.slice(0, -2)), height: h, width: w, rowStart, rowEnd, colStart, colEnd, divisor };
  return averageWindows(input, { windows, forward: AdaptiveAvgPool2DBackward0, backward: AdaptiveAvgPool2DBackwardBackward0 });
}

// ---------------------------------------------------------------- normalization

/**
 * The input gradient of `xhat = (x - mean)·invstd` with batch statistics over `dims`, given
 * the gradient `gxhat` of `xhat`: `invstd·(gxhat - mean(gxhat) - xhat·mean(gxhat·xhat))`.
 */
function normalizedInputGrad(gxhat: Tensor, xhat: Tensor, invstd: Tensor, dims: number[]): Tensor {
  const m1 = gxhat.mean(dims, { keepdim: true });
  const m2 = gxhat.mul(xhat).mean(dims, { keepdim: true });
  return gxhat.sub(m1).sub(xhat.mul(m2)).mul(invstd);
}

/** `{ xhat, invstd }` of `x` normalized by its own mean and biased variance over `dims`. */
function standardize(x: Tensor, dims: number[], eps: number): { xhat: Tensor; invstd: Tensor; mean: Tensor; variance: Tensor } {
  const mean = x.mean(dims, { keepdim: true });
  const centered = x.sub(mean);
  const variance = centered.square().mean(dims, { keepdim: true });
  const invstd = variance.add(eps).rsqrt();
  return { xhat: centered.mul(invstd), invstd, mean, variance };
}

/** Sums over `dims`, or returns `t` itself when there are none (a sum over no dims would sum all). */
function sumOver(t: Tensor, dims: number[]): Tensor {
  return dims.length ? t.sum(dims) : t;
}

interface BatchNormAttrs {
  training: boolean;
  eps: number;
  dims: number[];
  /** (1, C, 1, …): how per-channel tensors broadcast against the input. */
  channelShape: number[];
}

/**
 * `x` (N, C, …) as the batch × channels × positions array of the fused batch-norm kernels, or
 * null when it has no elements, no float dtype, or a per-channel tensor of another dtype (the
 * composite then promotes).
 */
function batchNormGeometry(x: Tensor, ...perChannel: (Tensor | null)[]): BatchNormGeometry | null {
  const n = x.numel();
  if (n === 0 || !x.dtype.isFloatingPoint || perChannel.some((t) => t && t.dtype !== x.dtype)) return null;
  const [outer, channels] = x._shape;
  return { outer, channels, inner: n / (outer * channels) };
}

/** Values in `x`'s dtype (rounded once) from float64 `sums[stride·c + at]`, each over `divisor` (as `mean` divides), as a (channels) tensor. */
function channelValues(x: Tensor, sums: Float64Array, channels: number, stride: number, at: number, divisor: number): Tensor {
  const out = Tensor._output([channels], x.dtype);
  const o = out._storage.data;
  for (let c = 0; c < channels; c++) o[c] = sums[stride * c + at] / divisor;
  return out;
}

/**
 * The batch statistics of `standardize` for batch norm, with the squared deviations summed in
 * one fused pass: the same values (mean and variance rounded once from float64 sums, then
 * `rsqrt(variance + eps)` as tensor ops).
 */
function batchStatistics(x: Tensor, geo: BatchNormGeometry, dims: number[], eps: number): { mean: Tensor; variance: Tensor; invstd: Tensor } {
  const mean = x.mean(dims, { keepdim: true });
  const meanData = contiguousData(mean);
  const sums = new Float64Array(geo.channels);
  backend().batchNormSums(contiguousData(x), null, geo, meanData, meanData, null, sums);
  const variance = channelValues(x, sums, geo.channels, 1, 0, geo.outer * geo.inner).view(mean._shape);
  return { mean, variance, invstd: variance.add(eps).rsqrt() };
}

/**
 * Training-mode gradients of batch norm in two fused passes over x and g, from the batch
 * statistics the forward computed (the values of the tensor-op formula, which runs instead
 * whenever the backward pass is itself recorded).
 */
function batchNormTrainingGrads(x: Tensor, g: Tensor, weight: Tensor | null, geo: BatchNormGeometry, mean: Tensor, invstd: Tensor, needX: boolean): [Tensor | null, Tensor, Tensor] {
  const xd = contiguousData(x), gd = contiguousData(g), meanData = contiguousData(mean), invstdData = contiguousData(invstd);
  const wd = weight ? contiguousData(weight) : null;
  const C = geo.channels;
  const sums = new Float64Array(4 * C);
  backend().batchNormSums(xd, gd, geo, meanData, invstdData, wd, sums);
  let gx: Tensor | null = null;
  if (needX) {
    const count = geo.outer * geo.inner;
    const m1 = channelValues(x, sums, C, 4, 0, count), m2 = channelValues(x, sums, C, 4, 1, count);
    gx = Tensor._output(x._shape.slice(), x.dtype);
    backend().batchNormBackward(xd, gd, geo, meanData, invstdData, wd, m1._storage.data, m2._storage.data, gx._storage.data);
  }
  return [gx, channelValues(x, sums, C, 4, 2, 1), channelValues(x, sums, C, 4, 3, 1)];
}

const NativeBatchNormBackward0: OpDef<BatchNormAttrs> = {
  name: "NativeBatchNormBackward0",
  backward: (ctx, g) => {
    const { training, eps, dims, channelShape } = ctx.attrs;
    const x = ctx.savedTensor(0);
    const weight = ctx.needsInputGrad(0) && ctx.inputShapes[1].length ? ctx.savedTensor(1) : null;
    const geo = batchNormGeometry(x, weight, g);
    if (training && geo && !isGradEnabled()) {
      const [gx, gw, gb] = batchNormTrainingGrads(x, g, weight, geo, ctx.savedTensor(2), ctx.savedTensor(3), ctx.needsInputGrad(0));
      return [gx, ctx.needsInputGrad(1) ? gw : null, ctx.needsInputGrad(2) ? gb : null];
    }
    // Statistics are recomputed from x, so that the gradient is itself differentiable in x.
    let xhat: Tensor;
    let invstd: Tensor;
    if (training) ({ xhat, invstd } = standardize(x, dims, eps));
    else {
      invstd = ctx.savedTensor(3);
      xhat = x.sub(ctx.savedTensor(2)).mul(invstd);
    }
    let gx: Tensor | null = null;
    if (ctx.needsInputGrad(0)) {
      const gxhat = weight ? g.mul(weight.view(channelShape)) : g;
      gx = training ? normalizedInputGrad(gxhat, xhat, invstd, dims) : gxhat.mul(invstd);
    }
    return [gx, ctx.needsInputGrad(1) ? g.mul(xhat).sum(dims) : null, ctx.needsInputGrad(2) ? g.sum(dims) : null];
  },
};

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Per-channel scale γ (default none). */
  weight?: Tensor | null;
  /** Per-channel shift β (default none). */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Weight of the batch statistics in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalization over all dims but the channel dim 1 of `input` (N, C, …):
 * `(x - mean) / sqrt(var + eps) · weight + bias`. In training it uses the batch's mean and
 * biased variance and updates `runningMean`/`runningVar` in place (the running variance with
 * the unbiased batch variance); otherwise it uses the running statistics
 * (PyTorch's `F.batch_norm`; node NativeBatchNormBackward0).
 * @throws "Expected more than 1 value per channel when training, …", "running_mean must be defined in evaluation mode".
 * @example
 * const x = torch.tensor([[1, 2], [3, 6]]);
 * F.batchNorm(x, null, null, { training: true }); // tensor([[-1.0000, -1.0000], [ 1.0000,  1.0000]])
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  const shape = input._shape;
  if (shape.length < 2) throw new Error(`batch_norm(): expected at least 2D input (got ${shape.length}D input)`);
  const channels = shape[1];
  const dims = shape.map((_, i) => i).filter((i) => i !== 1);
  const count = numelOf(shape) / channels;
  if (training && count === 1) throw new Error(`Expected more than 1 value per channel when training, got input size ${input.shape}`);
  if (!training && (runningMean === null || runningVar === null))
    throw new Error(`running_${runningMean === null ? "mean" : "var"} must be defined in evaluation mode`);
  for (const [name, t] of [["running_mean", runningMean], ["running_var", runningVar], ["weight", weight], ["bias", bias]] as const)
    if (t && t.numel() !== channels) throw new Error(`${name} should contain ${channels} elements not ${t.numel()}`);
  const channelShape = shape.map((s, i) => (i === 1 ? s : 1));
  const x = input.detach();
  const geo = batchNormGeometry(x, weight, bias, training ? null : runningMean, training ? null : runningVar);
  let mean: Tensor;
  let invstd: Tensor;
  if (training) {
    const stats = geo ? batchStatistics(x, geo, dims, eps) : standardize(x, dims, eps);
    mean = stats.mean;
    invstd = stats.invstd;
    noGrad(() => {
      if (runningMean) runningMean.mul_(1 - momentum).add_(stats.mean.view([channels]).mul(momentum));
      if (runningVar) runningVar.mul_(1 - momentum).add_(stats.variance.view([channels]).mul((momentum * count) / (count - 1)));
    });
  } else {
    mean = (runningMean as Tensor).detach().view(channelShape);
    invstd = (runningVar as Tensor).detach().view(channelShape).add(eps).rsqrt();
  }
  let out: Tensor;
  if (geo) {
    out = Tensor._output(shape.slice(), x.dtype);
    const param = (t: Tensor | null) => (t ? contiguousData(t.detach()) : null);
    backend().batchNormApply(contiguousData(x), geo, contiguousData(mean), contiguousData(invstd), param(weight), param(bias), out._storage.data);
  } else {
    out = x.sub(mean).mul(invstd);
    if (weight) out = out.mul(weight.detach().view(channelShape));
    if (bias) out = out.add(bias.detach().view(channelShape));
  }
  if (anyRequiresGradList([input, weight, bias]))
    record(NativeBatchNormBackward0, [input, weight, bias], out, [input, weight, mean, invstd], {
      training,
      eps,
      dims,
      channelShape,
    });
  return out;
}

interface LayerNormAttrs {
  eps: number;
  /** The normalized (trailing) dims. */
  dims: number[];
  /** The leading dims, over which weight and bias gradients are summed. */
  batchDims: number[];
}

const NativeLayerNormBackward0: OpDef<LayerNormAttrs> = {
  name: "NativeLayerNormBackward0",
  backward: (ctx, g) => {
    const { eps, dims, batchDims } = ctx.attrs;
    const { xhat, invstd } = standardize(ctx.savedTensor(0), dims, eps);
    const weight = ctx.needsInputGrad(0) && ctx.inputShapes[1].length ? ctx.savedTensor(1) : null;
    return [
      ctx.needsInputGrad(0) ? normalizedInputGrad(weight ? g.mul(weight) : g, xhat, invstd, dims) : null,
      ctx.needsInputGrad(1) ? sumOver(g.mul(xhat), batchDims) : null,
      ctx.needsInputGrad(2) ? sumOver(g, batchDims) : null,
    ];
  },
};

/** Options of `layerNorm` and `groupNorm`. */
export interface NormOptions {
  /** Elementwise scale γ (default none). */
  weight?: Tensor | null;
  /** Elementwise shift β (default none). */
  bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Layer normalization over the trailing `normalizedShape` dims: each sample is standardized by
 * its own mean and biased variance, then scaled by `weight` and shifted by `bias` (both of
 * `normalizedShape`) (PyTorch's `F.layer_norm`; node NativeLayerNormBackward0).
 * @throws "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]".
 * @example
 * F.layerNorm(torch.tensor([[1, 3]]), [2]); // tensor([[-1.0000,  1.0000]])
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], options: NormOptions = {}): Tensor {
  const norm = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
  const eps = options.eps ?? 1e-5;
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  const shape = input._shape;
  const lead = shape.length - norm.length;
  if (lead < 0 || norm.some((s, i) => shape[lead + i] !== s))
    throw new Error(`Given normalized_shape=${shapeStr(norm)}, expected input with shape [*, ${norm.join(", ")}], but got input of size${shapeStr(shape)}`);
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const)
    if (t && (t._shape.length !== norm.length || t._shape.some((s, i) => s !== norm[i])))
      throw new Error(`Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${shapeStr(t._shape)} and normalized_shape = ${shapeStr(norm)}`);
  const dims = norm.map((_, i) => lead + i);
  const batchDims = shape.slice(0, lead).map((_, i) => i);
  let out = standardize(input.detach(), dims, eps).xhat;
  if (weight) out = out.mul(weight.detach());
  if (bias) out = out.add(bias.detach());
  if (anyRequiresGradList([input, weight, bias])) record(NativeLayerNormBackward0, [input, weight, bias], out, [input, weight], { eps, dims, batchDims });
  return out;
}

interface GroupNormAttrs {
  eps: number;
  groups: number;
  /** All dims but the channel dim, over which weight and bias gradients are summed. */
  sumDims: number[];
  channelShape: number[];
}

/** `t` (N, C, …) viewed as (N, G, C/G·…), normalization groups in the last dim. */
function grouped(t: Tensor, groups: number): Tensor {
  return t.reshape([t._shape[0], groups, -1]);
}

const NativeGroupNormBackward0: OpDef<GroupNormAttrs> = {
  name: "NativeGroupNormBackward0",
  backward: (ctx, g) => {
    const { eps, groups, sumDims, channelShape } = ctx.attrs;
    const x = ctx.savedTensor(0);
    const { xhat, invstd } = standardize(grouped(x, groups), [2], eps);
    const xhatFull = xhat.reshape(x._shape);
    let gx: Tensor | null = null;
    if (ctx.needsInputGrad(0)) {
      const weight = ctx.inputShapes[1].length ? ctx.savedTensor(1) : null;
      const gxhat = weight ? g.mul(weight.view(channelShape)) : g;
      gx = normalizedInputGrad(grouped(gxhat, groups), xhat, invstd, [2]).reshape(x._shape);
    }
    return [gx, ctx.needsInputGrad(1) ? g.mul(xhatFull).sum(sumDims) : null, ctx.needsInputGrad(2) ? g.sum(sumDims) : null];
  },
};

/**
 * Group normalization of `input` (N, C, …): channels split into `numGroups` groups, each
 * sample's group standardized by its own mean and biased variance, then per-channel `weight`
 * and `bias` (PyTorch's `F.group_norm`; node NativeGroupNormBackward0).
 * @throws "Expected number of channels in input to be divisible by num_groups, …".
 * @example
 * F.groupNorm(torch.tensor([[1, 3, 5, 9]]), 2); // tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
 */
export function groupNorm(input: Tensor, numGroups: number, options: NormOptions = {}): Tensor {
  const eps = options.eps ?? 1e-5;
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  const shape = input._shape;
  if (shape.length < 2) throw new Error(`Expected at least 2 dimensions for input tensor but received ${shape.length}`);
  const channels = shape[1];
  if (channels % numGroups !== 0)
    throw new Error(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeStr(shape)} and num_groups=${numGroups}`);
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const)
    if (t && (t._shape.length !== 1 || t._shape[0] !== channels))
      throw new Error(`Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape ${shapeStr(t._shape)} and input of shape ${shapeStr(shape)}`);
  const channelShape = shape.map((s, i) => (i === 1 ? s : 1));
  let out = standardize(grouped(input.detach(), numGroups), [2], eps).xhat.reshape(shape);
  if (weight) out = out.mul(weight.detach().view(channelShape));
  if (bias) out = out.add(bias.detach().view(channelShape));
  out = owned(out, shape);
  const sumDims = shape.map((_, i) => i).filter((i) => i !== 1);
  if (anyRequiresGradList([input, weight, bias]))
    record(NativeGroupNormBackward0, [input, weight, bias], out, [input, weight], { eps, groups: numGroups, sumDims, channelShape });
  return out;
}

// ---------------------------------------------------------------- embedding

interface EmbeddingAttrs {
  numWeights: number;
  width: number;
  /** Per looked-up index: 0 for the padding index, 1/frequency with `scaleGradByFreq`, else 1; null when all are 1. */
  scale: Float64Array | null;
}

const EmbeddingDenseBackwardBackward0: OpDef<EmbeddingAttrs> = {
  name: "EmbeddingDenseBackwardBackward0",
  backward: (ctx, g) => [gatherEmbedding(g, ctx.savedTensor(0), ctx.attrs, true)],
};
/** The weight gradient of embedding: output rows, scaled, added into the rows they were read from. */
function scatterEmbedding(grad: Tensor, indices: Tensor, a: EmbeddingAttrs): Tensor {
  const out = Tensor._output([a.numWeights, a.width], grad.dtype);
  backend().scatterAddRows(contiguousData(grad), contiguousData(indices), a.width, a.scale, out._storage.data);
  if (anyRequiresGrad(grad)) record(EmbeddingDenseBackwardBackward0, [grad], out, [indices], a);
  return out;
}

const EmbeddingBackward0: OpDef<EmbeddingAttrs> = {
  name: "EmbeddingBackward0",
  backward: (ctx, g) => [scatterEmbedding(g, ctx.savedTensor(0), ctx.attrs)],
};
// The scaled gather is the adjoint of `scatterEmbedding`; PyTorch's double backward is an index_select.
const IndexSelectBackward0: OpDef<EmbeddingAttrs> = {
  name: "IndexSelectBackward0",
  backward: (ctx, g) => [scatterEmbedding(g, ctx.savedTensor(0), ctx.attrs)],
};
/** Rows of `weight` at `indices`; `scaled` multiplies each by its `attrs.scale` (the double backward). */
function gatherEmbedding(weight: Tensor, indices: Tensor, a: EmbeddingAttrs, scaled: boolean): Tensor {
  const out = Tensor._output([...indices._shape, a.width], weight.dtype);
  backend().gatherRows(contiguousData(weight), contiguousData(indices), a.width, scaled ? a.scale : null, out._storage.data);
  if (anyRequiresGrad(weight)) record(scaled ? IndexSelectBackward0 : EmbeddingBackward0, [weight], out, [indices], a);
  return out;
}

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** This index's row gets no gradient (negative values count from the end). */
  paddingIdx?: number | null;
  /** Rows looked up are first rescaled in place to at most this `normType`-norm. */
  maxNorm?: number | null;
  /** The p of the norm for `maxNorm` (default 2). */
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the batch (default false). */
  scaleGradByFreq?: boolean;
}

/**
 * Looks up rows of `weight` (V, D) at the integer `indices` (any shape), giving
 * (…indices.shape, D) (PyTorch's `F.embedding`; node EmbeddingBackward0).
 * @throws "index out of range in self" and PyTorch's dtype error for non-integer indices.
 * @example
 * const table = torch.tensor([[0, 0], [1, 1], [2, 2]]);
 * F.embedding(torch.tensor([2n, 0n]), table); // tensor([[2., 2.], [0., 0.]])
 */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  if (indices.dtype !== int64 && indices.dtype !== int32)
    throw new Error(
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${typeTitle(indices)} instead (while checking arguments for embedding)`,
    );
  if (weight._shape.length !== 2) throw new Error("'weight' must be 2-D");
  const [numWeights, width] = weight._shape;
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (paddingIdx >= numWeights || paddingIdx < -numWeights) throw new Error("Padding_idx must be within num_embeddings");
    if (paddingIdx < 0) paddingIdx += numWeights;
  }
  const idx = contiguousData(indices);
  for (let k = 0; k < idx.length; k++) if (idx[k] < 0 || idx[k] >= numWeights) throw new RangeError("index out of range in self");
  if (options.maxNorm !== undefined && options.maxNorm !== null) renorm(weight, idx, options.maxNorm, options.normType ?? 2);
  let scale: Float64Array | null = null;
  if (paddingIdx !== null || options.scaleGradByFreq) {
    const counts = new Float64Array(numWeights);
    for (let k = 0; k < idx.length; k++) counts[idx[k]]++;
    scale = new Float64Array(idx.length);
    for (let k = 0; k < idx.length; k++)
      scale[k] = idx[k] === paddingIdx ? 0 : options.scaleGradByFreq ? 1 / counts[idx[k]] : 1;
  }
  return gatherEmbedding(weight, indices.contiguous(), { numWeights, width, scale }, false);
}

/** PyTorch's `embedding_renorm_`: rows looked up whose norm exceeds `maxNorm` are scaled down in place. */
function renorm(weight: Tensor, idx: ArrayLike<number>, maxNorm: number, normType: number): void {
  noGrad(() => {
    for (const i of new Set(Array.from(idx))) {
      const row = weight.select(0, i);
      const norm = row.norm(normType).item();
      if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
    }
  });
}
