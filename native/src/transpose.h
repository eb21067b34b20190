// Strided 2-D block copies with in-register transposes, shared by GEMM packing (a row-major A
// or a transposed B panel is a transpose) and the elementwise kernels (transposed operands).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "kernels.h"

namespace kindling {
namespace {

// dst[r*ldd + c] = x[r*xrs + c*xcs] for r < rows, c < cols: the portable version.
template <typename T>
void gather_tile_generic(const T* x, int64_t xrs, int64_t xcs, int64_t rows, int64_t cols, T* dst, int64_t ldd) {
  if (xcs == 1) {
    for (int64_t r = 0; r < rows; r++)
      for (int64_t c = 0; c < cols; c++) dst[r * ldd + c] = x[r * xrs + c];
    return;
  }
  // Walk the source contiguously when its rows are (xrs == 1): the writes stride instead.
  if (xrs == 1) {
    for (int64_t c = 0; c < cols; c++)
      for (int64_t r = 0; r < rows; r++) dst[r * ldd + c] = x[r + c * xcs];
    return;
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++) dst[r * ldd + c] = x[r * xrs + c * xcs];
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")

// Transposes 16 vectors of 16 floats: afterwards r[i][j] holds the old r[j][i].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) {
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 4; j++) {
      t[8 * i + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + j + 4], 0x88);
      t[8 * i + j + 4] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + j + 4], 0xdd);
    }
  for (int j = 0; j < 8; j++) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
  }
}

// Transposes 8 vectors of 8 doubles.
inline void transpose8(__m512d r[8]) {
  __m512d t[8];
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      r[4 * i + j] = _mm512_shuffle_f64x2(t[4 * i + j], t[4 * i + j + 2], 0x88);
      r[4 * i + j + 2] = _mm512_shuffle_f64x2(t[4 * i + j], t[4 * i + j + 2], 0xdd);
    }
  for (int j = 0; j < 4; j++) {
    t[j] = _mm512_shuffle_f64x2(r[j], r[j + 4], 0x88);
    t[j + 4] = _mm512_shuffle_f64x2(r[j], r[j + 4], 0xdd);
  }
  for (int j = 0; j < 8; j++) r[j] = t[j];
}

inline __mmask16 lanes16(int64_t n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }
inline __mmask8 lanes8(int64_t n) { return n >= 8 ? __mmask8(0xff) : __mmask8((1u << n) - 1); }

// AVX-512 version: a source whose rows are contiguous along r (xrs == 1, the transposed case)
// goes through 16×16 (float) or 8×8 (double) register transposes.
// One W×W block: W source rows (stride xcs) of rn values each (masked when rn < W) into
// rn destination rows of cn values each.
inline void tile16(const float* x, int64_t xcs, int64_t rn, int64_t cn, float* dst, int64_t ldd) {
  __m512 v[16];
  if (rn == 16 && cn == 16) {
    for (int c = 0; c < 16; c++) v[c] = _mm512_loadu_ps(x + c * xcs);
    transpose16(v);
    for (int r = 0; r < 16; r++) _mm512_storeu_ps(dst + r * ldd, v[r]);
    return;
  }
  const __mmask16 lm = lanes16(rn), sm = lanes16(cn);
  for (int c = 0; c < 16; c++) v[c] = c < cn ? _mm512_maskz_loadu_ps(lm, x + c * xcs) : _mm512_setzero_ps();
  transpose16(v);
  for (int r = 0; r < rn; r++) _mm512_mask_storeu_ps(dst + r * ldd, sm, v[r]);
}

// Rows of up to 32 floats (a GEMM panel of a row-major operand), each one or two masked
// 16-lane moves: twice as fast as the portable loop's 4-lane ones.
inline void copy_rows_512(const float* x, int64_t xrs, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  const __mmask16 m0 = lanes16(cols), m1 = cols > 16 ? lanes16(cols - 16) : 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* src = x + r * xrs;
    _mm512_mask_storeu_ps(dst + r * ldd, m0, _mm512_maskz_loadu_ps(m0, src));
    if (cols > 16) _mm512_mask_storeu_ps(dst + r * ldd + 16, m1, _mm512_maskz_loadu_ps(m1, src + 16));
  }
}

// Packs kc rows of a row-major matrix (nc floats each, `rs` apart) into 32-column panels
// (panel p holds its kc rows of 32, zero-padded, at dst + p·kc·32), reading each source row
// once from start to end: the hardware prefetcher follows one row at a time, where panel by
// panel every row is a separate stream.
inline void pack_rows_32(int64_t kc, int64_t nc, const float* x, int64_t rs, float* dst) {
  const int64_t full = nc / 32, tail = nc - full * 32;
  const __mmask16 m0 = lanes16(tail), m1 = tail > 16 ? lanes16(tail - 16) : 0;
  for (int64_t k = 0; k < kc; k++) {
    const float* src = x + k * rs;
    float* d = dst + k * 32;
    for (int64_t p = 0; p < full; p++, src += 32, d += kc * 32) {
      _mm512_storeu_ps(d, _mm512_loadu_ps(src));
      _mm512_storeu_ps(d + 16, _mm512_loadu_ps(src + 16));
    }
    if (tail) {
      _mm512_storeu_ps(d, _mm512_maskz_loadu_ps(m0, src));
      _mm512_storeu_ps(d + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
  }
}

// AVX-512 version: a source whose rows are contiguous along r (xrs == 1, the transposed case)
// goes through 16×16 (float) or 8×8 (double) register transposes.
inline void gather_tile_512(const float* x, int64_t xrs, int64_t xcs, int64_t rows, int64_t cols, float* dst,
                            int64_t ldd) {
  if (xcs == 1 && cols <= 32) return copy_rows_512(x, xrs, rows, cols, dst, ldd);
  if (xrs != 1 || xcs == 1) return gather_tile_generic(x, xrs, xcs, rows, cols, dst, ldd);
  for (int64_t c0 = 0; c0 < cols; c0 += 16) {
    const int64_t cn = cols - c0 < 16 ? cols - c0 : 16;
    for (int64_t r0 = 0; r0 < rows; r0 += 16)
      tile16(x + c0 * xcs + r0, xcs, rows - r0 < 16 ? rows - r0 : 16, cn, dst + r0 * ldd + c0, ldd);
  }
}

inline void tile8(const double* x, int64_t xcs, int64_t rn, int64_t cn, double* dst, int64_t ldd) {
  __m512d v[8];
  if (rn == 8 && cn == 8) {
    for (int c = 0; c < 8; c++) v[c] = _mm512_loadu_pd(x + c * xcs);
    transpose8(v);
    for (int r = 0; r < 8; r++) _mm512_storeu_pd(dst + r * ldd, v[r]);
    return;
  }
  const __mmask8 lm = lanes8(rn), sm = lanes8(cn);
  for (int c = 0; c < 8; c++) v[c] = c < cn ? _mm512_maskz_loadu_pd(lm, x + c * xcs) : _mm512_setzero_pd();
  transpose8(v);
  for (int r = 0; r < rn; r++) _mm512_mask_storeu_pd(dst + r * ldd, sm, v[r]);
}

inline void gather_tile_512(const double* x, int64_t xrs, int64_t xcs, int64_t rows, int64_t cols, double* dst,
                            int64_t ldd) {
  if (xrs != 1 || xcs == 1) return gather_tile_generic(x, xrs, xcs, rows, cols, dst, ldd);
  for (int64_t c0 = 0; c0 < cols; c0 += 8) {
    const int64_t cn = cols - c0 < 8 ? cols - c0 : 8;
    for (int64_t r0 = 0; r0 < rows; r0 += 8)
      tile8(x + c0 * xcs + r0, xcs, rows - r0 < 8 ? rows - r0 : 8, cn, dst + r0 * ldd + c0, ldd);
  }
}

#pragma GCC pop_options

/** dst[r*ldd + c] = x[r*xrs + c*xcs] for r < rows, c < cols, with the best kernel for this CPU. */
template <typename T>
void gather_tile(const T* x, int64_t xrs, int64_t xcs, int64_t rows, int64_t cols, T* dst, int64_t ldd) {
  if (active_isa() == Isa::Avx512) return gather_tile_512(x, xrs, xcs, rows, cols, dst, ldd);
  gather_tile_generic(x, xrs, xcs, rows, cols, dst, ldd);
}

}  // namespace
}  // namespace kindling
