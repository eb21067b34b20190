/** Matrix-product kernel: strided operands (transposed views need no copy), float64 accumulation per row.
// No skipping of zero entries: 0 * NaN must stay NaN. */
import type { Tensor } from "../../core/tensor.js";

/** `out[b] = a[b] @ bm[b]` for 3-D operands of any strides; `out` is contiguous B×M×N. */
export function bmm(a: Tensor, bm: Tensor, out: Tensor): void {
  const [B, M, K] = a._shape;
  const N = bm._shape[2];
  const A = a._storage.data;
  const Bd = bm._storage.data;
  const C = out._storage.data;
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
      C.set(row, (b * M + i) * N);
    }
  }
}
