/**
 * Ops that move or mask elements without arithmetic, each a copy (never a view, as in
 * PyTorch) with its own node: `flip`, `roll`, `repeat`, `tril`, `triu`, and constant padding. Each gradient is the same op
 * applied to the incoming gradient (reversed for `roll`), so it is differentiable again.
 */
import type { Tensor } from "../core/tensor.js";
import { int64 } from "../core/dtype.js";
import { normalizeDim, normalizeDims } from "../core/shape.js";
import { type OpDef, anyRequiresGrad, record } from "../autograd/function.js";
import { noGrad } from "../autograd/gradMode.js";
import { arange, full, zerosLike } from "./creation.js";
import { indexSelect } from "./indexing.js";
import { cat, narrow } from "./shape.js";
import { where } from "./elementwise.js";

const FlipBackward0: OpDef<number[]> = {
  name: "FlipBackward0",
  backward: (ctx, g) => [flip(g, ctx.attrs)],
};

/**
 * Reverses the order of elements along `dims` (a copy).
 * @example
 * torch.arange(4).flip(0); // tensor([3., 2., 1., 0.])
 * @throws "dim 0 appears multiple times in the list of dims".
 */
export function flip(x: Tensor, dims: number | number[]): Tensor {
  const ds = normalizeDims(typeof dims === "number" ? [dims] : dims, x._shape.length);
  const out = noGrad(() => {
    let y = x.clone();
    for (const d of ds) if (x._shape.length > 0) y = indexSelect(y, d, arange(x._shape[d] - 1, -1, -1, { dtype: int64 }));
    return y;
  });
  if (anyRequiresGrad(x)) record(FlipBackward0, [x], out, [], ds);
  return out;
}

interface RollAttrs {
  shifts: number[];
  dims: number[] | null;
}

const RollBackward0: OpDef<RollAttrs> = {
  name: "RollBackward0",
  backward: (ctx, g) => [roll(g, ctx.attrs.shifts.map((s) => -s), ctx.attrs.dims ?? undefined)],
};

/**
 * Shifts elements along `dims` by `shifts`, wrapping around (a copy); without dims, rolls the
 * flattened tensor and restores its shape.
 * @example
 * torch.arange(5).roll(2); // tensor([3., 4., 0., 1., 2.])
 * x.roll([1, -1], [0, 1]);
 * @throws "shifts and dimensions must align. shifts: 2, dims:1".
 */
export function roll(x: Tensor, shifts: number | number[], dims?: number | number[]): Tensor {
  const s = typeof shifts === "number" ? [shifts] : shifts;
  const ds = dims === undefined ? null : typeof dims === "number" ? [dims] : dims;
  if (ds === null ? s.length !== 1 : ds.length !== s.length)
    throw new Error(`shifts and dimensions must align. shifts: ${s.length}, dims:${ds?.length ?? 0}`);
  const out = noGrad(() => {
    let y: Tensor;
    if (ds === null) y = rollDim(x.reshape([-1]), s[0], 0).view(x._shape);
    else {
      y = x;
      ds.forEach((d, i) => (y = rollDim(y, s[i], normalizeDim(d, x._shape.length))));
    }
    return y._storage === x._storage ? y.clone() : y;
  });
  if (anyRequiresGrad(x)) record(RollBackward0, [x], out, [], { shifts: s, dims: ds });
  return out;
}

function rollDim(x: Tensor, shift: number, dim: number): Tensor {
  const n = x._shape.length === 0 ? 1 : x._shape[dim];
  const k = n === 0 ? 0 : ((shift % n) + n) % n;
  if (k === 0) return x;
  return cat([narrow(x, dim, n - k, k), narrow(x, dim, 0, n - k)], dim);
}

/** Which elements of the last two dims a triangle keeps: column − row ≤ (tril) or ≥ (triu) `diagonal`. */
function triangleMask(x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x._shape.length < 2) throw new Error(`${lower ? "tril" : "triu"}: input tensor must have at least 2 dimensions`);
  const rows = x._shape[x._shape.length - 2];
  const cols = x._shape[x._shape.length - 1];
  const offset = arange(cols, { dtype: int64 }).unsqueeze(0).sub(arange(rows, { dtype: int64 }).unsqueeze(1));
  return lower ? offset.le(diagonal) : offset.ge(diagonal);
}

const TrilBackward0: OpDef<number> = { name: "TrilBackward0", backward: (ctx, g) => [tril(g, ctx.attrs)] };
const TriuBackward0: OpDef<number> = { name: "TriuBackward0", backward: (ctx, g) => [triu(g, ctx.attrs)] };

function triangle(def: OpDef<number>, x: Tensor, diagonal: number, lower: boolean): Tensor {
  const out = noGrad(() => where(triangleMask(x, diagonal, lower), x, zerosLike(x)));
  if (anyRequiresGrad(x)) record(def, [x], out, [], diagonal);
  return out;
}

/**
 * The lower triangle of the last two dims (elements with column − row ≤ `diagonal`), zeros
 * elsewhere (a copy).
 * @example
 * torch.ones(3, 3).tril(); // ones on and below the diagonal
 * @throws "tril: input tensor must have at least 2 dimensions".
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle(TrilBackward0, x, diagonal, true);
}

/**
 * The upper triangle of the last two dims (elements with column − row ≥ `diagonal`), zeros
 * elsewhere (a copy).
 * @example
 * torch.ones(3, 3).triu(1); // ones above the diagonal
 * @throws "triu: input tensor must have at least 2 dimensions".
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle(TriuBackward0, x, diagonal, false);
}

const ConstantPadNdBackward0: OpDef<number[]> = {
  name: "ConstantPadNdBackward0",
  backward: (ctx, g) => [constantPad(g, ctx.attrs.map((p) => -p))],
};

/**
 * Pads (or, with negative amounts, crops) the last dims with `value`: `pad` lists
 * (before, after) amounts from the last dim backwards, as PyTorch's `F.pad` in constant mode.
 * @example
 * constantPad(torch.ones(2, 2), [1, 1]); // 2×4, a zero column on each side
 * @throws "Padding length must be divisible by 2", "Padding length too large", and PyTorch's
 * message for a padding that leaves a negative size.
 */
export function constantPad(x: Tensor, pad: readonly number[], value = 0): Tensor {
  if (pad.length % 2 !== 0) throw new Error("Padding length must be divisible by 2");
  const nd = x._shape.length;
  if (pad.length / 2 > nd) throw new Error("Padding length too large");
  const shape = x._shape.slice();
  for (let k = 0; k < pad.length / 2; k++) {
    const d = nd - 1 - k;
    const size = x._shape[d] + pad[2 * k] + pad[2 * k + 1];
    if (size < 0)
      throw new Error(
        `The input size ${x._shape[d]}, plus negative padding ${pad[2 * k]} and ${pad[2 * k + 1]} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`,
      );
    shape[d] = size;
  }
  const out = noGrad(() => {
    const y = full(shape, value, { dtype: x.dtype });
    let src = x;
    let dst = y;
    for (let k = 0; k < pad.length / 2; k++) {
      const d = nd - 1 - k;
      const [before, after] = [pad[2 * k], pad[2 * k + 1]];
      const length = x._shape[d] - Math.max(0, -before) - Math.max(0, -after);
      if (length <= 0) return y;
      src = narrow(src, d, Math.max(0, -before), length);
      dst = narrow(dst, d, Math.max(0, before), length);
    }
    dst.copy_(src);
    return y;
  });
  if (anyRequiresGrad(x)) record(ConstantPadNdBackward0, [x], out, [], pad.slice());
  return out;
}

const RepeatBackward0: OpDef<number[]> = {
  name: "RepeatBackward0",
  backward: (ctx, g) => {
    // Each output dim of size r·s is (r copies) × (s elements): sum over the copies.
    const reps = ctx.attrs;
    const shape = ctx.inputShapes[0];
    const lead = reps.length - shape.length;
    const split: number[] = [];
    const copies: number[] = [];
    reps.forEach((r, i) => {
      if (i < lead) {
        copies.push(split.length);
        split.push(r);
      } else {
        copies.push(split.length);
        split.push(r, shape[i - lead]);
      }
    });
    return [g.reshape(split).sum(copies).reshape(shape as number[])];
  },
};

/**
 * Tiles the tensor: `repeats[i]` copies along dim i, with leading repeats adding new dims (a
 * copy, PyTorch's `repeat`; numpy's `tile`).
 * @example
 * torch.tensor([1, 2]).repeat(2, 2); // tensor([[1., 2., 1., 2.], [1., 2., 1., 2.]])
 * @throws "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor".
 */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  const nd = x._shape.length;
  if (repeats.length < nd)
    throw new Error("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const lead = repeats.length - nd;
  const out = noGrad(() => {
    // View x as (1, s0, 1, s1, …), expand the 1s to the repeats, then copy into the tiled shape.
    const interleaved: number[] = [];
    const expanded: number[] = [];
    const final: number[] = [];
    repeats.forEach((r, i) => {
      if (i < lead) {
        interleaved.push(1);
        expanded.push(r);
        final.push(r);
      } else {
        const s = x._shape[i - lead];
        interleaved.push(1, s);
        expanded.push(r, s);
        final.push(r * s);
      }
    });
    return x.reshape(interleaved).expand(expanded).contiguous().view(final);
  });
  if (anyRequiresGrad(x)) record(RepeatBackward0, [x], out, [], repeats.slice());
  return out;
}
