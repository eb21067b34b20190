/** Matrix products with PyTorch's shape rules; all run on the backend's batched kernel. */
import { type ReduceOptions, Tensor } from "../core/tensor.js";
import { promoteTypes } from "../core/dtype.js";
import { broadcastShapes, normalizeDim, shapeStr } from "../core/shape.js";
import { backend } from "../backend/backend.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { squeezeIntermediate, stack, unsafeView } from "./shape.js";
import { amaxDims, aminDims, vectorNorm } from "./reduce.js";

function checkSameDtype(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype)
    throw new Error(`expected m1 and m2 to have the same dtype, but got: ${dtypeWord(a)} != ${dtypeWord(b)}`);
}

function dtypeWord(t: Tensor): string {
  return { float32: "float", float64: "double", int64: "long int", int32: "int", bool: "bool" }[t.dtype.name];
}

/** Raw 2-D product without recording (operands of any strides). */
function mmData(a: Tensor, b: Tensor): Tensor {
  const out = Tensor._output([a._shape[0], b._shape[1]], promoteTypes(a.dtype, b.dtype));
  backend().bmm(a.unsqueeze(0).detach(), b.unsqueeze(0).detach(), out._view([1, a._shape[0], b._shape[1]], [0, b._shape[1], 1], 0));
  return out;
}

/** Whether a matrix is the transpose of a contiguous one (e.g. a `Linear` weight's `w.t()`). */
function columnMajor(t: Tensor): boolean {
  return t._shape[0] > 1 && t._shape[1] > 1 && t._strides[0] === 1 && t._strides[1] === t._shape[0];
}

/**
 * Gradients of `mat1 @ mat2` for the output gradient `g`. An operand stored column-major gets
 * its gradient as the transpose of a contiguous product, so after the operand's own transpose
 * backward it is contiguous again and can become `.grad` without a copy (as PyTorch lays out
 * `mm`'s gradients). `layout` records, at forward time, which operands were column-major.
 */
function mat1Grad(g: Tensor, mat2: Tensor, layout: MmLayout): Tensor {
  return layout[0] ? mat2.mm(g.t()).t() : g.mm(mat2.t());
}
function mat2Grad(g: Tensor, mat1: Tensor, layout: MmLayout): Tensor {
  return layout[1] ? g.t().mm(mat1).t() : mat1.t().mm(g);
}
type MmLayout = [boolean, boolean];

const MmBackward0: OpDef<MmLayout> = {
  name: "MmBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? mat1Grad(g, ctx.savedTensor(1), ctx.attrs) : null,
    ctx.needsInputGrad(1) ? mat2Grad(g, ctx.savedTensor(0), ctx.attrs) : null,
  ],
};
/**
 * 2-D matrix product.
 * @throws "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)".
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a._shape.length !== 2) throw new Error("self must be a matrix");
  if (b._shape.length !== 2) throw new Error("mat2 must be a matrix");
  if (a._shape[1] !== b._shape[0])
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${a._shape[0]}x${a._shape[1]} and ${b._shape[0]}x${b._shape[1]})`);
  checkSameDtype(a, b);
  const out = mmData(a, b);
  if (anyRequiresGrad(a, b))
    record(MmBackward0, [a, b], out, [b.requiresGrad ? a : null, a.requiresGrad ? b : null], [columnMajor(a), columnMajor(b)]);
  return out;
}

const BmmBackward0: OpDef = {
  name: "BmmBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? g.bmm(ctx.savedTensor(1).transpose(1, 2)) : null,
    ctx.needsInputGrad(1) ? ctx.savedTensor(0).transpose(1, 2).bmm(g) : null,
  ],
};
/**
 * Batched product of 3-D tensors (B×M×K @ B×K×N).
 * @throws when batch or inner sizes differ.
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a._shape.length !== 3) throw new Error(`batch1 must be a 3D tensor`);
  if (b._shape.length !== 3) throw new Error(`batch2 must be a 3D tensor`);
  if (a._shape[0] !== b._shape[0] || a._shape[2] !== b._shape[1])
    throw new Error(
      `Expected size for first two dimensions of batch2 tensor to be: [${a._shape[0]}, ${a._shape[2]}] but got: [${b._shape[0]}, ${b._shape[1]}].`,
    );
  checkSameDtype(a, b);
  const out = Tensor._output([a._shape[0], a._shape[1], b._shape[2]], a.dtype);
  backend().bmm(a, b, out);
  if (anyRequiresGrad(a, b)) record(BmmBackward0, [a, b], out, [b.requiresGrad ? a : null, a.requiresGrad ? b : null], undefined);
  return out;
}

const DotBackward0: OpDef = {
  name: "DotBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? ctx.savedTensor(1).mul(g) : null,
    ctx.needsInputGrad(1) ? ctx.savedTensor(0).mul(g) : null,
  ],
};
/**
 * Dot product of two 1-D tensors of equal length.
 * @throws "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively".
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a._shape.length !== 1 || b._shape.length !== 1)
    throw new Error(`1D tensors expected, but got ${a._shape.length}D and ${b._shape.length}D tensors`);
  if (a._shape[0] !== b._shape[0])
    throw new Error(
      `inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`,
    );
  if (a.dtype !== b.dtype)
    throw new Error(`dot : expected both vectors to have same dtype, but found ${a.dtype.scalarType} and ${b.dtype.scalarType}`);
  const out = mmData(a.unsqueeze(0), b.unsqueeze(1)).reshape([]);
  if (anyRequiresGrad(a, b)) record(DotBackward0, [a, b], out, [b.requiresGrad ? a : null, a.requiresGrad ? b : null], undefined);
  return out;
}


const MvBackward0: OpDef = {
  name: "MvBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? g.unsqueeze(1).mul(ctx.savedTensor(1).unsqueeze(0)) : null,
    ctx.needsInputGrad(1) ? ctx.savedTensor(0).t().mv(g) : null,
  ],
};
/** Matrix-vector product. */
export function mv(m: Tensor, v: Tensor): Tensor {
  if (m._shape.length !== 2 || v._shape.length !== 1)
    throw new Error(`vector + matrix @ vector expected, got ${m._shape.length}, ${v._shape.length}`);
  if (m._shape[1] !== v._shape[0])
    throw new Error(`size mismatch, got input (${m._shape[0]}), mat (${m._shape[0]}x${m._shape[1]}), vec (${v._shape[0]})`);
  checkSameDtype(m, v);
  const out = mmData(m, v.unsqueeze(1)).reshape([m._shape[0]]);
  if (anyRequiresGrad(m, v)) record(MvBackward0, [m, v], out, [v.requiresGrad ? m : null, m.requiresGrad ? v : null], undefined);
  return out;
}

/** Outer product of two 1-D tensors (composite: broadcasting multiply). */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a._shape.length !== 1 || b._shape.length !== 1)
    throw new Error(`outer: expected 1D tensors, but got ${a._shape.length}D and ${b._shape.length}D tensors`);
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}

const AddmmBackward0: OpDef<[number, number, MmLayout]> = {
  name: "AddmmBackward0",
  backward: (ctx, g) => {
    const [beta, alpha, layout] = ctx.attrs;
    const ga = alpha === 1 ? g : g.mul(alpha);
    return [
      ctx.needsInputGrad(0) ? (beta === 1 ? g : g.mul(beta)) : null,
      ctx.needsInputGrad(1) ? mat1Grad(ga, ctx.savedTensor(1), layout) : null,
      ctx.needsInputGrad(2) ? mat2Grad(ga, ctx.savedTensor(0), layout) : null,
    ];
  },
};
/** `beta * input + alpha * (mat1 @ mat2)`, with `input` broadcast to the product's shape. */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options?: { beta?: number; alpha?: number }): Tensor {
  const beta = options?.beta ?? 1;
  const alpha = options?.alpha ?? 1;
  const prod = mm(mat1.detach(), mat2.detach());
  const shape = broadcastShapes(input._shape, prod._shape);
  if (shape.length !== 2 || shape[0] !== prod._shape[0] || shape[1] !== prod._shape[1])
    throw new Error(`The expanded size of the tensor (${prod._shape[1]}) must match the existing size (${input._shape[input._shape.length - 1]}) at non-singleton dimension 1.  Target sizes: ${shapeStr(prod._shape)}.  Tensor sizes: ${shapeStr(input._shape)}`);
  const out = Tensor._output(prod._shape, prod.dtype);
  backend().binary("addScaled", input.detach().mul(beta), prod, out, alpha);
  if (anyRequiresGrad(input, mat1, mat2))
    record(AddmmBackward0, [input, mat1, mat2], out, [mat2.requiresGrad ? mat1 : null, mat1.requiresGrad ? mat2 : null], [
      beta,
      alpha,
      [columnMajor(mat1), columnMajor(mat2)],
    ]);
  return out;
}

/**
 * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, 2-D·2-D is `mm`, 1-D operands
 * gain and lose a dim, and leading (batch) dims broadcast.
 * @throws "mat1 and mat2 shapes cannot be multiplied (…)" and dim errors as PyTorch.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const da = a._shape.length;
  const db = b._shape.length;
  if (da === 0 || db === 0)
    throw new Error(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  if (da === 1 && db === 2) return squeezeIntermediate(mm(a.unsqueeze(0), b), 0);
  if (da === 2 && db === 2) return mm(a, b);
  if (da >= 3 && db <= 2) return foldedMatmul(a, b, false);
  if (da <= 2 && db >= 3) return foldedMatmul(b.mT, da === 2 ? a.t() : a, true);
  // General batched case with broadcasting of batch dims.
  const a3 = da === 1 ? a.unsqueeze(0) : a;
  const b3 = db === 1 ? b.unsqueeze(1) : b;
  const n = a3._shape[a3._shape.length - 2];
  const k = a3._shape[a3._shape.length - 1];
  const k2 = b3._shape[b3._shape.length - 2];
  const m = b3._shape[b3._shape.length - 1];
  if (k !== k2)
    throw new Error(
      `Expected size for first two dimensions of batch2 tensor to be: [${numelBatch(a3)}, ${k}] but got: [${numelBatch(b3)}, ${k2}].`,
    );
  const batch = broadcastShapes(a3._shape.slice(0, -2), b3._shape.slice(0, -2));
  const bn = batch.reduce((x, y) => x * y, 1);
  const ae = a3.expand([...batch, n, k]).reshape([bn, n, k]);
  const be = b3.expand([...batch, k, m]).reshape([bn, k, m]);
  let out = unsafeView(bmm(ae, be), [...batch, n, m]);
  if (da === 1) out = out.squeeze(-2);
  if (db === 1) out = out.squeeze(-1);
  return out;
}

/**
 * A batched operand times a matrix or vector as one `mm`/`mv`: the batch dims fold into rows, as
 * PyTorch does. With `transposed`, `big` is the transposed right operand and the result is
 * transposed back (and made contiguous).
 */
function foldedMatmul(big: Tensor, small: Tensor, transposed: boolean): Tensor {
  const k = big._shape[big._shape.length - 1];
  const rows = big._shape.slice(0, -1);
  // A size mismatch surfaces from mm/mv with the folded shapes, as in PyTorch's message.
  const folded = big.reshape([-1, k]);
  if (small._shape.length === 1) return unsafeView(mv(folded, small), rows);
  const out = unsafeView(mm(folded, small), [...rows, small._shape[1]]);
  return transposed ? out.mT.contiguous() : out;
}

function numelBatch(t: Tensor): number {
  return t._shape.slice(0, -2).reduce((x, y) => x * y, 1);
}

/** A matrix norm's `ord`: a number (±1, ±Infinity; ±2 need singular values) or a name. */
export type MatrixNormOrd = number | "fro" | "nuc";

/**
 * A matrix norm of `A`, or of each matrix in a batch, with the matrices spanning the two dims of
 * `dim` (the last two by default). `ord` chooses the norm:
 * - `"fro"` (default): the Frobenius norm, sqrt of the sum of squared entries;
 * - `1` / `-1`: the largest / smallest column sum of absolute values;
 * - `Infinity` / `-Infinity`: the largest / smallest row sum of absolute values.
 *
 * `"nuc"` and `±2` (sums and extremes of singular values) need a singular value decomposition,
 * which Kindling does not have yet: they throw. This is `torch.linalg.matrix_norm`.
 *
 * @param A - a floating-point tensor with at least 2 dims.
 * @param ord - which norm; `"fro"` by default.
 * @param dim - the two dims that hold the matrices; `[-2, -1]` by default.
 * @param options - `keepdim`: keep the two reduced dims with size 1.
 * @throws for fewer than 2 dims, a `dim` that is not two different dims, or an unsupported `ord`.
 * @example
 * const A = torch.tensor([[1, -2], [3, 4]]);
 * torch.linalg.matrixNorm(A);           // tensor(5.4772)
 * torch.linalg.matrixNorm(A, 1);        // tensor(6.)  (column sums 4 and 6)
 * torch.linalg.matrixNorm(A, Infinity); // tensor(7.)  (row sums 3 and 7)
 */
export function matrixNorm(A: Tensor, ord: MatrixNormOrd = "fro", dim: readonly number[] = [-2, -1], options?: ReduceOptions): Tensor {
  const keepdim = options?.keepdim ?? false;
  if (A._shape.length < 2) throw new Error("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  if (!A.dtype.isFloatingPoint)
    throw new Error(`linalg.matrix_norm: Expected a floating point or complex tensor as input. Got ${A.dtype.scalarType}`);
  if (dim.length !== 2) throw new Error(`linalg.matrix_norm: dim must be a 2-tuple. Got ${dim.join(" ")}`);
  const [d0, d1] = dim.map((d) => normalizeDim(d, A._shape.length));
  if (d0 === d1) throw new Error(`linalg.matrix_norm: dims must be different. Got (${dim[0]}, ${dim[1]})`);
  if (ord === "fro") return vectorNorm(A, 2, [d0, d1], { keepdim });
  if (ord === "nuc" || ord === 2 || ord === -2)
    throw new Error(`linalg.matrix_norm: ord=${ord} needs singular values, which Kindling does not compute yet`);
  if (Math.abs(ord) !== 1 && Math.abs(ord) !== Infinity) throw new Error(`linalg.matrix_norm: Order ${ord} not supported.`);
  // Column sums for ±1 (summing over rows, d0); the ±Infinity norms are those of the transpose.
  let [sumDim, extremeDim] = Math.abs(ord) === 1 ? [d0, d1] : [d1, d0];
  if (!keepdim && sumDim < extremeDim) extremeDim--;
  const sums = vectorNorm(A, 1, sumDim, { keepdim });
  return ord > 0 ? amaxDims(sums, extremeDim, { keepdim }) : aminDims(sums, extremeDim, { keepdim });
}

/**
 * A vector or matrix norm, picked as `torch.linalg.norm` picks it:
 * - no `ord` and no `dim`: the 2-norm of all elements (the Frobenius norm of a matrix);
 * - `dim` a number or one dim: a vector norm along it (`vectorNorm`);
 * - `dim` two dims, or no `dim` and a 2-D `A` with an `ord`: a matrix norm (`matrixNorm`);
 * - no `dim`, a 1-D `A` and a numeric `ord`: a vector norm.
 *
 * @param A - a floating-point tensor; it must be 1-D or 2-D when `ord` is given without `dim`.
 * @param ord - the norm's order (see `vectorNorm` and `matrixNorm`); null or missing for 2 / `"fro"`.
 * @param dim - one dim (vector norm) or two (matrix norm); null or missing as described above.
 * @param options - `keepdim`: keep the reduced dims with size 1.
 * @throws for a `dim` of another length, or an `ord` without `dim` on a tensor that is not 1-D or 2-D.
 * @example
 * const A = torch.tensor([[1, -2], [3, 4]]);
 * torch.linalg.norm(A);              // tensor(5.4772)
 * torch.linalg.norm(A, Infinity);    // tensor(7.)  (matrix norm: largest row sum)
 * torch.linalg.norm(A, Infinity, 1); // tensor([2., 4.])  (vector norm of each row)
 */
export function linalgNorm(A: Tensor, ord?: MatrixNormOrd | null, dim?: number | readonly number[] | null, options?: ReduceOptions): Tensor {
  const dims = dim === null || dim === undefined ? null : typeof dim === "number" ? [dim] : dim;
  if (dims !== null && dims.length !== 1 && dims.length !== 2)
    throw new Error(`linalg.norm: If dim is specified, it must be of length 1 or 2. Got [${dims.join(", ")}]`);
  if (dims === null && ord !== null && ord !== undefined && A._shape.length !== 1 && A._shape.length !== 2)
    throw new Error(`linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A._shape.length}D.`);
  if (ord === null || ord === undefined) return vectorNorm(A, 2, dims as number[] | null, options);
  if (typeof ord === "string" || (dims === null ? A._shape.length === 2 : dims.length === 2))
    return matrixNorm(A, ord, dims ?? [0, 1], options);
  return vectorNorm(A, ord, dims as number[] | null, options);
}

const LinalgCrossBackward0: OpDef<number> = {
  name: "LinalgCrossBackward0",
  backward: (ctx, g) => [
    ctx.needsInputGrad(0) ? linalgCross(ctx.savedTensor(1), g, { dim: ctx.attrs }) : null,
    ctx.needsInputGrad(1) ? linalgCross(g, ctx.savedTensor(0), { dim: ctx.attrs }) : null,
  ],
};
/**
 * The cross product of 3-vectors: `out = a × b` along `dim` (the last by default), which must
 * have size 3 in both; the other dims broadcast. `a × b` is perpendicular to both and
 * `b × a = -(a × b)`. This is `torch.linalg.cross`.
 *
 * @param a - the left vectors.
 * @param b - the right vectors, with `a`'s number of dims and dtype.
 * @param options - `dim`: the dim that holds the vectors' 3 components; -1 by default.
 * @throws when the dims differ in number or `dim` is not of size 3 in both.
 * @example
 * torch.linalg.cross(torch.tensor([1, 0, 0]), torch.tensor([0, 1, 0])); // tensor([0., 0., 1.])
 */
export function linalgCross(a: Tensor, b: Tensor, options?: { dim?: number }): Tensor {
  const dim = options?.dim ?? -1;
  if (a._shape.length !== b._shape.length) throw new Error("linalg.cross: inputs must have the same number of dimensions.");
  if (a.dtype !== b.dtype) throw new Error(`expected scalar type ${a.dtype.scalarType} but found ${b.dtype.scalarType}`);
  const d = normalizeDim(dim, a._shape.length);
  if (a._shape[d] !== 3 || b._shape[d] !== 3)
    throw new Error(`linalg.cross: inputs dimension ${dim} must have length 3. Got ${a._shape[d]} and ${b._shape[d]}`);
  const [x, y] = [a.detach(), b.detach()];
  const part = (t: Tensor, i: number): Tensor => t.select(d, i);
  const component = (i: number, j: number): Tensor => part(x, i).mul(part(y, j)).sub(part(x, j).mul(part(y, i)));
  const out = stack([component(1, 2), component(2, 0), component(0, 1)], d);
  if (anyRequiresGrad(a, b)) record(LinalgCrossBackward0, [a, b], out, [b.requiresGrad ? a : null, a.requiresGrad ? b : null], d);
  return out;
}
