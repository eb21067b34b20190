/** Shape and stride arithmetic shared by the tensor core, kernels and ops. */

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major (C-contiguous) strides for a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True when a layout is row-major contiguous (size-1 dims may carry any stride, as in PyTorch). */
export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Formats a shape the way PyTorch's messages do: `[2, 3]`. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * NumPy/PyTorch broadcasting of two shapes.
 * @throws PyTorch's "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1".
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  if (sameShape(a, b)) return a.slice();
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  // From the last dim, as PyTorch does, so the reported dimension matches its message.
  for (let i = n - 1; i >= 0; i--) {
    const da = i - (n - a.length);
    const db = i - (n - b.length);
    const sa = da >= 0 ? a[da] : 1;
    const sb = db >= 0 ? b[db] : 1;
    if (sa === sb || sb === 1) out[i] = sa;
    else if (sa === 1) out[i] = sb;
    else
      throw new Error(
        `The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`,
      );
  }
  return out;
}

/**
 * Wraps a possibly negative dim into `[0, ndim)`.
 * @throws PyTorch's "Dimension out of range (expected to be in range of [-2, 1], but got 2)".
 */
export function normalizeDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1); // a scalar accepts dim 0 and -1, like PyTorch
  if (!Number.isInteger(dim) || dim < -n || dim >= n)
    throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  return dim < 0 ? dim + n : dim;
}

/** Normalizes a list of dims and rejects repeats as PyTorch does. */
export function normalizeDims(dims: readonly number[], ndim: number): number[] {
  const out = dims.map((d) => normalizeDim(d, ndim));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw new Error(`dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return out;
}

/**
 * Strides that let `shape` be read from a tensor of `fromShape`/`fromStrides` by broadcasting:
 * broadcast dims get stride 0.
 */
export function broadcastStrides(
  fromShape: readonly number[],
  fromStrides: readonly number[],
  shape: readonly number[],
): number[] {
  const out = new Array<number>(shape.length);
  const off = shape.length - fromShape.length;
  for (let i = 0; i < shape.length; i++) {
    const j = i - off;
    out[i] = j < 0 || fromShape[j] === 1 ? 0 : fromStrides[j];
  }
  return out;
}

/**
 * Strides for viewing a tensor of shape/strides as `newShape` without copying, or null when
 * the memory layout does not allow it (then `reshape` copies and `view` throws).
 */
export function viewStrides(
  shape: readonly number[],
  strides: readonly number[],
  newShape: readonly number[],
): number[] | null {
  const numel = numelOf(shape);
  if (numel === 0 || shape.length === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  // Walk chunks of old dims that are contiguous with each other and match them to new dims.
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

/**
 * Resolves a shape that may contain one `-1`.
 * @throws PyTorch's "shape '[2, 5]' is invalid for input of size 6".
 */
export function inferShape(shape: readonly number[], numel: number): number[] {
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === -1) {
      if (infer >= 0) throw new Error("only one dimension can be inferred");
      infer = i;
    } else if (shape[i] < 0 || !Number.isInteger(shape[i])) {
      throw new Error(`invalid shape dimension ${shape[i]}`);
    } else known *= shape[i];
  }
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new Error(`shape '${shapeStr(shape)}' is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new Error(`shape '${shapeStr(shape)}' is invalid for input of size ${numel}`);
  }
  return out;
}
