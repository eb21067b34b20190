/**
 * Batched matrix product `C[b] = A[b] @ B[b]` in plain JavaScript, for operands of any strides.
 *
 * Every output element is the float64 sum of its K products taken in order k = 0, 1, …, K−1
 * and rounded once to the output dtype, on every path below. So results do not depend on the
 * path, the blocking or the operands' strides, and float32 products are as accurate as a
 * double dot product. No zero entries are skipped: 0 * NaN must stay NaN.
 *
 * Float products of more than {@link SMALL} multiply-adds run a packed, cache-blocked GEMM:
 * blocks of A and B are copied (from any strides, converting float32 exactly) into contiguous
 * float64 micro-panels, and a 2×4 register tile of accumulators walks them. Matrix-vector
 * shapes (M or N = 1) get dot-product or axpy loops instead, since a tile would be 3/4 padding.
 */
import type { Tensor } from "../../core/tensor.js";
import type { TypedArray } from "../../core/dtype.js";

type FloatArray = Float32Array | Float64Array;

/** Micro-tile rows and columns: 8 accumulators and 6 operands fit V8's 16 double registers on x64. */
const MR = 2;
const NR = 4;
/** Cache blocks: a KC×NR panel of B (8 KB) stays in L1 while the MC×KC block of A (128 KB) sits in L2. */
const KC = 256;
const MC = 64;
const NC = 256;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL = 4096;

/**
 * One scratch array holds the packed A block at 0, the packed B block at B_AT and the float64
 * accumulator block at C_AT, so the tile's loads share one typed-array check. Allocated on
 * first use.
 */
const B_AT = MC * KC;
const C_AT = B_AT + KC * NC;
let work: number[] | null = null;

/** `out[b] = a[b] @ bm[b]` for 3-D operands of any strides; `out` is contiguous B×M×N. */
export function bmm(a: Tensor, bm: Tensor, out: Tensor): void {
  const [B, M, K] = a._shape;
  const N = bm._shape[2];
  const C = out._storage.data;
  if (B * M * N === 0) return;
  if (K === 0) {
    C.fill(0, out._offset, out._offset + B * M * N);
    return;
  }
  if (!out.dtype.isFloatingPoint || M * N * K <= SMALL) return simpleBmm(a, bm, C, out._offset);
  const A = a._storage.data as FloatArray;
  const Bd = bm._storage.data as FloatArray;
  const [asb, asm, ask] = a._strides;
  const [bsb, bsk, bsn] = bm._strides;
  for (let b = 0; b < B; b++) {
    const aOff = a._offset + b * asb;
    const bOff = bm._offset + b * bsb;
    const cOff = out._offset + b * M * N;
    // The (1×K)(K×N) row and (M×K)(K×1) column are the same product with the roles swapped.
    if (M === 1) gemv(Bd, bOff, bsn, bsk, A, aOff, ask, N, K, C as FloatArray, cOff);
    else if (N === 1) gemv(A, aOff, asm, ask, Bd, bOff, bsk, M, K, C as FloatArray, cOff);
    else gemm(A, aOff, asm, ask, Bd, bOff, bsk, bsn, M, N, K, C as FloatArray, cOff);
  }
}

/** The reference loop (exact for integer dtypes within 2^53): one float64 row of C at a time. */
function simpleBmm(a: Tensor, bm: Tensor, C: TypedArray, cOff: number): void {
  const [B, M, K] = a._shape;
  const N = bm._shape[2];
  const A = a._storage.data;
  const Bd = bm._storage.data;
  const [asb, asm, ask] = a._strides;
  const [bsb, bsk, bsn] = bm._strides;
  const row = new Float64Array(N);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < M; i++) {
      row.fill(0);
      const aRow = a._offset + b * asb + i * asm;
      const bBase = bm._offset + b * bsb;
      for (let k = 0; k < K; k++) {
        const av = A[aRow + k * ask];
        let p = bBase + k * bsk;
        if (bsn === 1) for (let j = 0; j < N; j++) row[j] += av * Bd[p + j];
        else for (let j = 0; j < N; j++, p += bsn) row[j] += av * Bd[p];
      }
      C.set(row, cOff + (b * M + i) * N);
    }
  }
}

/**
 * `out[i] = Σₖ mat[i, k]·vec[k]` for i < L: `mat` has strides `si` (along i) and `sk`, `vec`
 * stride `sv`; `out` is contiguous.
 */
function gemv(
  mat: FloatArray, mOff: number, si: number, sk: number,
  vec: FloatArray, vOff: number, sv: number,
  L: number, K: number, out: FloatArray, oOff: number,
): void {
  if (Math.abs(sk) <= Math.abs(si)) {
    // Dot products along the rows of `mat`, four at once so the four sums run in parallel.
    let i = 0;
    for (; i + 4 <= L; i += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = mOff + i * si;
      for (let k = 0, q = vOff; k < K; k++, p += sk, q += sv) {
        const v = vec[q];
        s0 += mat[p] * v;
        s1 += mat[p + si] * v;
        s2 += mat[p + 2 * si] * v;
        s3 += mat[p + 3 * si] * v;
      }
      out[oOff + i] = s0;
      out[oOff + i + 1] = s1;
      out[oOff + i + 2] = s2;
      out[oOff + i + 3] = s3;
    }
    for (; i < L; i++) {
      let s = 0;
      for (let k = 0, p = mOff + i * si, q = vOff; k < K; k++, p += sk, q += sv) s += mat[p] * vec[q];
      out[oOff + i] = s;
    }
    return;
  }
  // Outputs are contiguous in `mat`: add one scaled column at a time into float64 sums.
  const sums = new Float64Array(L);
  for (let k = 0; k < K; k++) {
    const v = vec[vOff + k * sv];
    for (let i = 0, p = mOff + k * sk; i < L; i++, p += si) sums[i] += mat[p] * v;
  }
  out.set(sums, oOff);
}

/**
 * `C = A @ B` for one M×K by K×N pair (strides `asm, ask` and `bsk, bsn`), C contiguous M×N.
 * Blocks of C (MC×NC) accumulate in float64 over KC-deep slices of A and B, then are rounded
 * into C once.
 */
function gemm(
  A: FloatArray, aOff: number, asm: number, ask: number,
  Bd: FloatArray, bOff: number, bsk: number, bsn: number,
  M: number, N: number, K: number, C: FloatArray, cOff: number,
): void {
  // A plain array filled with a fraction holds unboxed doubles, and V8 reads it faster than a typed array.
  work ??= Array.from({ length: C_AT + MC * NC }, () => 0.5);
  const w = work;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    const ncPad = Math.ceil(nc / NR) * NR;
    for (let ic = 0; ic < M; ic += MC) {
      const mc = Math.min(MC, M - ic);
      const mcPad = Math.ceil(mc / MR) * MR;
      w.fill(0, C_AT, C_AT + mcPad * ncPad);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        pack(A, aOff + ic * asm + pc * ask, asm, ask, mc, kc, MR, w, 0);
        pack(Bd, bOff + pc * bsk + jc * bsn, bsn, bsk, nc, kc, NR, w, B_AT);
        for (let jr = 0; jr < ncPad; jr += NR)
          for (let ir = 0; ir < mcPad; ir += MR) tile(w, ir * kc, B_AT + jr * kc, kc, C_AT + ir * ncPad + jr, ncPad);
      }
      for (let i = 0; i < mc; i++) {
        const row = cOff + (ic + i) * N + jc;
        for (let j = 0, q = C_AT + i * ncPad; j < nc; j++, q++) C[row + j] = w[q];
      }
    }
  }
}

function pack(src: FloatArray, off: number, sLine: number, sElem: number, n: number, kc: number, width: number, dst: number[], at: number): void {
  let d = at, i0 = 0;
  const full = n - (n % width);
  if (width === 4)
    for (; i0 < full; i0 += 4)
      for (let p = 0, s = off + i0 * sLine; p < kc; p++, s += sElem, d += 4) {
        dst[d] = src[s];
        dst[d + 1] = src[s + sLine];
        dst[d + 2] = src[s + 2 * sLine];
        dst[d + 3] = src[s + 3 * sLine];
      }
  else
    for (; i0 < full; i0 += 2)
      for (let p = 0, s = off + i0 * sLine; p < kc; p++, s += sElem, d += 2) {
        dst[d] = src[s];
        dst[d + 1] = src[s + sLine];
      }
  if (i0 === n) return;
  const lines = n - i0;
  for (let p = 0, s0 = off + i0 * sLine; p < kc; p++, s0 += sElem, d += width)
    for (let r = 0; r < width; r++) dst[d + r] = r < lines ? src[s0 + r * sLine] : 0;
}

/** The 2×4 register tile: `w[ci + r·ldc + j] += Σₚ w[ai + 2p + r]·w[bi + 4p + j]` over kc steps. */
function tile(w: number[], ai: number, bi: number, kc: number, ci: number, ldc: number): void {
  // Masks tell V8's optimizer these are small integers, so index arithmetic stays untagged.
  ai &= 0xfffffff; bi &= 0xfffffff; kc &= 0xffff;
  let c00 = w[ci + 0 * ldc + 0], c01 = w[ci + 0 * ldc + 1], c02 = w[ci + 0 * ldc + 2], c03 = w[ci + 0 * ldc + 3];
  let c10 = w[ci + 1 * ldc + 0], c11 = w[ci + 1 * ldc + 1], c12 = w[ci + 1 * ldc + 2], c13 = w[ci + 1 * ldc + 3];
  for (let p = 0; p < kc; p++) {
    const i = ai + 2 * p, j = bi + 4 * p;
    const a0 = w[i + 0], a1 = w[i + 1];
    const b0 = w[j + 0], b1 = w[j + 1], b2 = w[j + 2], b3 = w[j + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
  }
  w[ci + 0 * ldc + 0] = c00; w[ci + 0 * ldc + 1] = c01; w[ci + 0 * ldc + 2] = c02; w[ci + 0 * ldc + 3] = c03;
  w[ci + 1 * ldc + 0] = c10; w[ci + 1 * ldc + 1] = c11; w[ci + 1 * ldc + 2] = c12; w[ci + 1 * ldc + 3] = c13;
}
