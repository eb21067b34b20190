// GEMM: packed, cache-blocked, register-blocked (Goto/BLIS loop order).
//
//   for jc (NC cols of C)  for pc (KC of K)  [pack B panel]  for ic (MC rows)  [pack A block]
//     for jr (NR)  for ir (MR)  micro-kernel: MR×NR block of C += A panel · B panel
//
// Operands are read through their strides during packing, so transposed views cost nothing
// extra. A row-major B (unit column stride) is read in place, skipping its packing: for the
// small-M products of training steps, packing B would cost as much as the arithmetic. For the
// same reason the AVX-512 float kernel reads A in place in products of a few columns.
// Micro-kernels exist for AVX-512 (float 14×32, double 14×16), AVX2+FMA (6×16, 6×8) and
// portable C++ (4×8); the widest one the CPU supports is picked at run time. Float products
// with a few outputs over a long K contiguous in both operands take dot products instead, and
// on AMD products of a few columns from a column-major A are computed transposed (see gemm_one).
// Each is compiled with GCC target pragmas so the rest of the addon runs on any x86-64-v2 CPU.
#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "kernels.h"
#include "transpose.h"

namespace kindling {
namespace {

// Computes C[0:mr, 0:nr] (+)= Apanel · Bpanel over kc steps. `pa` holds MR values per k step;
// `pb` holds one row of (at least nr, padded to the kernel width) values per k step, `ldb` apart.
template <typename T>
using Ukr = void (*)(int64_t kc, const T* pa, const T* pb, int64_t ldb, T* c, int64_t ldc, int mr, int nr,
                     bool accumulate);

// The same on an A read in place (row- or column-major), `lda` apart.
template <typename T>
using UkrInPlace = void (*)(int64_t kc, const T* a, int64_t lda, const T* pb, int64_t ldb, T* c, int64_t ldc, int mr,
                         int nr, bool accumulate);

template <typename T>
struct Kernel {
  int MR, NR, KC, MC, NC;
  Ukr<T> ukr;
  // Blocking for products at least kLargeProduct in M, N and K: a deeper K block halves how
  // often each C tile is reloaded and stored (C rows a power of two apart conflict in L1), at
  // the cost of a B micro-panel that no longer fits L1, which only large products repay.
  int KCLarge = KC, MCLarge = MC;
  UkrInPlace<T> ukrRows = nullptr;
  UkrInPlace<T> ukrCols = nullptr;
};

constexpr int64_t kLargeProduct = 512;
// K blocks of at most this many steps are short: a C tile then costs about as much to store as
// to compute (weight gradients summed over a small batch of positions, 512×32×4608 in resnet18),
// so gemm_one walks each row panel across all column panels: every C row is written in one
// sequential sweep the prefetcher follows, where tiles column panel by column panel store to 14
// rows at a time far apart (34 → 75–90 GFLOPS at that shape on one core; Emerald Rapids). The
// packed B block (at most kShortProduct × NC) stays in L2 meanwhile. Longer K blocks are swept
// the same way while the packed B block stays within kSweepBytes (256×128×2304, a layer-3 weight
// gradient: 85 → 103 GFLOPS; 512×512×511: 115 → 132); larger ones lose when every row panel
// reads B from L3 (200×256×4096: 151 → 136), so they go column panel by column panel.
constexpr int64_t kShortProduct = 64;
constexpr int64_t kSweepBytes = 3 << 19;  // 1.5 MiB
// The K block of a product whose column-major A is read in place (see gemm_one).
constexpr int64_t kColumnMajorKC = 32;

// ---- Portable micro-kernel -------------------------------------------------------------------

template <typename T, int MR, int NR>
void ukr_generic(int64_t kc, const T* pa, const T* pb, int64_t ldb, T* c, int64_t ldc, int mr, int nr,
                 bool accumulate) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++, pa += MR, pb += ldb)
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] += pa[i] * pb[j];
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

// Instantiates one kernel per row count so edge tiles do no wasted row work.
#define KINDLING_ROWS6(CALL) \
  case 1: CALL(1); break;    \
  case 2: CALL(2); break;    \
  case 3: CALL(3); break;    \
  case 4: CALL(4); break;    \
  case 5: CALL(5); break;
#define KINDLING_ROWS_SWITCH6(CALL) \
  switch (mr) {                     \
    KINDLING_ROWS6(CALL)            \
    default: CALL(6); break;        \
  }
#define KINDLING_ROWS_SWITCH14(CALL) \
  switch (mr) {                      \
    KINDLING_ROWS6(CALL)             \
    case 6: CALL(6); break;          \
    case 7: CALL(7); break;          \
    case 8: CALL(8); break;          \
    case 9: CALL(9); break;          \
    case 10: CALL(10); break;        \
    case 11: CALL(11); break;        \
    case 12: CALL(12); break;        \
    case 13: CALL(13); break;        \
    default: CALL(14); break;        \
  }

// ---- AVX-512 micro-kernels -------------------------------------------------------------------

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi,bmi2")

// float: R rows × (16·NV) columns; 14×32 uses 28 of the 32 zmm registers for accumulators.
// A is a packed panel (pa[k·14 + i]) or, with InPlace, read where it lies: row-major (1,
// pa[i·lda + k]) or column-major (2, pa[k·lda + i]).
template <int R, int NV, int InPlace = 0>
void s512(int64_t kc, const float* pa, const float* pb, int64_t ldb, float* c, int64_t ldc, int nr,
          bool accumulate, int64_t lda = 0) {
  __m512 acc[R][NV];
#pragma GCC unroll 14
  for (int i = 0; i < R; i++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    __m512 b[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) b[v] = _mm512_loadu_ps(pb + 16 * v);
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
      const __m512 a = _mm512_set1_ps(InPlace == 1 ? pa[i * lda] : pa[i]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(a, b[v], acc[i][v]);
    }
    pa += InPlace == 1 ? 1 : InPlace == 2 ? lda : 14;
    pb += ldb;
  }
  __mmask16 m[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; v++) {
    const int left = nr - 16 * v;
    m[v] = left >= 16 ? __mmask16(0xffff) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
  }
#pragma GCC unroll 14
  for (int i = 0; i < R; i++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
      float* p = c + i * ldc + 16 * v;
      __m512 r = acc[i][v];
      if (accumulate) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m[v], p));
      _mm512_mask_storeu_ps(p, m[v], r);
    }
}

// The 14×32 kernel with A packed (InPlace 0) or read in place, rows `lda` apart (1: row-major,
// 2: column-major; see s512).
template <int InPlace>
void ukr_s512_at(int64_t kc, const float* a, int64_t lda, const float* pb, int64_t ldb, float* c, int64_t ldc, int mr,
                 int nr, bool accumulate) {
  if (nr > 16) {
#define CALL(R) s512<R, 2, InPlace>(kc, a, pb, ldb, c, ldc, nr, accumulate, lda)
    KINDLING_ROWS_SWITCH14(CALL)
#undef CALL
  } else {
#define CALL(R) s512<R, 1, InPlace>(kc, a, pb, ldb, c, ldc, nr, accumulate, lda)
    KINDLING_ROWS_SWITCH14(CALL)
#undef CALL
  }
}

void ukr_s512(int64_t kc, const float* pa, const float* pb, int64_t ldb, float* c, int64_t ldc, int mr, int nr,
              bool accumulate) {
  ukr_s512_at<0>(kc, pa, 0, pb, ldb, c, ldc, mr, nr, accumulate);
}

template <int R, int NV>
void d512(int64_t kc, const double* pa, const double* pb, int64_t ldb, double* c, int64_t ldc, int nr,
          bool accumulate) {
  __m512d acc[R][NV];
#pragma GCC unroll 14
  for (int i = 0; i < R; i++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_pd();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    __m512d b[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) b[v] = _mm512_loadu_pd(pb + 8 * v);
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
      const __m512d a = _mm512_set1_pd(pa[i]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_pd(a, b[v], acc[i][v]);
    }
    pa += 14;
    pb += ldb;
  }
  __mmask8 m[NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; v++) {
    const int left = nr - 8 * v;
    m[v] = left >= 8 ? __mmask8(0xff) : left <= 0 ? __mmask8(0) : __mmask8((1u << left) - 1);
  }
#pragma GCC unroll 14
  for (int i = 0; i < R; i++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
      double* p = c + i * ldc + 8 * v;
      __m512d r = acc[i][v];
      if (accumulate) r = _mm512_add_pd(r, _mm512_maskz_loadu_pd(m[v], p));
      _mm512_mask_storeu_pd(p, m[v], r);
    }
}

void ukr_d512(int64_t kc, const double* pa, const double* pb, int64_t ldb, double* c, int64_t ldc, int mr, int nr,
              bool accumulate) {
  if (nr > 8) {
#define CALL(R) d512<R, 2>(kc, pa, pb, ldb, c, ldc, nr, accumulate)
    KINDLING_ROWS_SWITCH14(CALL)
#undef CALL
  } else {
#define CALL(R) d512<R, 1>(kc, pa, pb, ldb, c, ldc, nr, accumulate)
    KINDLING_ROWS_SWITCH14(CALL)
#undef CALL
  }
}

// ---- Thin float products: a few outputs, each a long dot product ----------------------------
// C (M×N, at most kThinOutputs values) = A·B with both operands contiguous along a long K: the
// weight gradient of a layer with few channels, summed over every position of a batch. Packing
// would pad N up to the tile width and copy all of K, so instead each block of up to 4×3
// outputs keeps 12 vector dot products over K in registers. K is walked in chunks that stay in
// L2 while every block of C reads them; partial vectors carry over between chunks.
constexpr int64_t kThinOutputs = 256, kThinChunk = 2048;

template <int RI, int RJ>
void thin_block_s512(int64_t kc, const float* a, int64_t sam, const float* b, int64_t sbn, __m512* part, int64_t ldp) {
  __m512 acc[RI][RJ];
  for (int r = 0; r < RI; r++)
    for (int c = 0; c < RJ; c++) acc[r][c] = part[r * ldp + c];
  const auto step = [&](int64_t k, __mmask16 m) {
    __m512 bv[RJ];
    for (int c = 0; c < RJ; c++) bv[c] = _mm512_maskz_loadu_ps(m, b + c * sbn + k);
    for (int r = 0; r < RI; r++) {
      const __m512 av = _mm512_maskz_loadu_ps(m, a + r * sam + k);
      for (int c = 0; c < RJ; c++) acc[r][c] = _mm512_fmadd_ps(av, bv[c], acc[r][c]);
    }
  };
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16) step(k, 0xffff);
  if (k < kc) step(k, __mmask16((1u << (kc - k)) - 1));  // masked-off lanes add 0·0
  for (int r = 0; r < RI; r++)
    for (int c = 0; c < RJ; c++) part[r * ldp + c] = acc[r][c];
}

using ThinBlock = void (*)(int64_t, const float*, int64_t, const float*, int64_t, __m512*, int64_t);
const ThinBlock kThinBlocks[4][3] = {
    {thin_block_s512<1, 1>, thin_block_s512<1, 2>, thin_block_s512<1, 3>},
    {thin_block_s512<2, 1>, thin_block_s512<2, 2>, thin_block_s512<2, 3>},
    {thin_block_s512<3, 1>, thin_block_s512<3, 2>, thin_block_s512<3, 3>},
    {thin_block_s512<4, 1>, thin_block_s512<4, 2>, thin_block_s512<4, 3>},
};

void thin_gemm_s512(int64_t M, int64_t N, int64_t K, const float* A, int64_t sam, const float* B, int64_t sbn,
                    float* C) {
  const int64_t rowBlocks = (M + 3) / 4, colBlocks = (N + 2) / 3;
  split_units(rowBlocks * colBlocks, 12 * K, 1 << 16, [&](int64_t t0, int64_t t1) {
    __m512 part[kThinOutputs];  // the partial vector of C(i, j) at i·N + j
    for (int64_t i = 0; i < M * N; i++) part[i] = _mm512_setzero_ps();
    for (int64_t k0 = 0; k0 < K; k0 += kThinChunk) {
      const int64_t kc = std::min(kThinChunk, K - k0);
      for (int64_t t = t0; t < t1; t++) {
        const int64_t i0 = t / colBlocks * 4, j0 = t % colBlocks * 3;
        const int64_t ri = std::min<int64_t>(4, M - i0), rj = std::min<int64_t>(3, N - j0);
        kThinBlocks[ri - 1][rj - 1](kc, A + i0 * sam + k0, sam, B + j0 * sbn + k0, sbn, part + i0 * N + j0, N);
      }
    }
    for (int64_t t = t0; t < t1; t++) {
      const int64_t i0 = t / colBlocks * 4, j0 = t % colBlocks * 3;
      for (int64_t i = i0; i < std::min(M, i0 + 4); i++)
        for (int64_t j = j0; j < std::min(N, j0 + 3); j++) C[i * N + j] = _mm512_reduce_add_ps(part[i * N + j]);
    }
  });
}

#pragma GCC pop_options

// ---- AVX2 micro-kernels ----------------------------------------------------------------------

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")

// Lane j of the mask is set when j < left (AVX2 has no mask registers).
inline __m256i lanes_below(int left) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), iota);
}
inline __m256i lanes_below_pd(int left) {
  const __m256i iota = _mm256_setr_epi64x(0, 1, 2, 3);
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(left), iota);
}

// float: R rows × 16 columns (12 accumulators + 2 B + 1 broadcast = 15 of 16 ymm).
template <int R>
void s256(int64_t kc, const float* pa, const float* pb, int64_t ldb, float* c, int64_t ldc, int nr,
          bool accumulate) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
      const __m256 a = _mm256_broadcast_ss(pa + i);
      acc[i][0] = _mm256_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(a, b1, acc[i][1]);
    }
    pa += 6;
    pb += ldb;
  }
  if (nr == 16) {
#pragma GCC unroll 6
    for (int i = 0; i < R; i++)
      for (int v = 0; v < 2; v++) {
        float* p = c + i * ldc + 8 * v;
        __m256 r = acc[i][v];
        if (accumulate) r = _mm256_add_ps(r, _mm256_loadu_ps(p));
        _mm256_storeu_ps(p, r);
      }
    return;
  }
  const __m256i m0 = lanes_below(nr), m1 = lanes_below(nr - 8);
#pragma GCC unroll 6
  for (int i = 0; i < R; i++) {
    float* p = c + i * ldc;
    __m256 r0 = acc[i][0], r1 = acc[i][1];
    if (accumulate) {
      r0 = _mm256_add_ps(r0, _mm256_maskload_ps(p, m0));
      r1 = _mm256_add_ps(r1, _mm256_maskload_ps(p + 8, m1));
    }
    _mm256_maskstore_ps(p, m0, r0);
    _mm256_maskstore_ps(p + 8, m1, r1);
  }
}

void ukr_s256(int64_t kc, const float* pa, const float* pb, int64_t ldb, float* c, int64_t ldc, int mr, int nr,
              bool accumulate) {
#define CALL(R) s256<R>(kc, pa, pb, ldb, c, ldc, nr, accumulate)
  KINDLING_ROWS_SWITCH6(CALL)
#undef CALL
}

template <int R>
void d256(int64_t kc, const double* pa, const double* pb, int64_t ldb, double* c, int64_t ldc, int nr,
          bool accumulate) {
  __m256d acc[R][2];
#pragma GCC unroll 6
  for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = _mm256_setzero_pd();
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; k++) {
    const __m256d b0 = _mm256_loadu_pd(pb), b1 = _mm256_loadu_pd(pb + 4);
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
      const __m256d a = _mm256_broadcast_sd(pa + i);
      acc[i][0] = _mm256_fmadd_pd(a, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_pd(a, b1, acc[i][1]);
    }
    pa += 6;
    pb += ldb;
  }
  const __m256i m0 = lanes_below_pd(nr), m1 = lanes_below_pd(nr - 4);
#pragma GCC unroll 6
  for (int i = 0; i < R; i++) {
    double* p = c + i * ldc;
    __m256d r0 = acc[i][0], r1 = acc[i][1];
    if (accumulate) {
      r0 = _mm256_add_pd(r0, _mm256_maskload_pd(p, m0));
      r1 = _mm256_add_pd(r1, _mm256_maskload_pd(p + 4, m1));
    }
    _mm256_maskstore_pd(p, m0, r0);
    _mm256_maskstore_pd(p + 4, m1, r1);
  }
}

void ukr_d256(int64_t kc, const double* pa, const double* pb, int64_t ldb, double* c, int64_t ldc, int mr, int nr,
              bool accumulate) {
#define CALL(R) d256<R>(kc, pa, pb, ldb, c, ldc, nr, accumulate)
  KINDLING_ROWS_SWITCH6(CALL)
#undef CALL
}

#pragma GCC pop_options

// ---- Kernel tables ---------------------------------------------------------------------------
// KC·NR·sizeof(T) ≈ 32 KiB keeps the B panel in L1; MC·KC·sizeof(T) stays well inside L2.
// Float AVX-512 products of 512 and more in every dim: KC 512, MC 84 measured 156 → 178–190
// GFLOPS at n = 1024 on one core (and a few percent better at 256 and 512), and no better for
// the thin products of training steps, which keep KC 256.

#ifndef KINDLING_S512_KC
#define KINDLING_S512_KC 256
#define KINDLING_S512_MC 168
#endif
const Kernel<float> kS512{14, 32, KINDLING_S512_KC, KINDLING_S512_MC, 4096, ukr_s512, 512, 84, ukr_s512_at<1>, ukr_s512_at<2>};
const Kernel<double> kD512{14, 16, 256, 112, 4096, ukr_d512};
const Kernel<float> kS256{6, 16, 256, 96, 4096, ukr_s256};
const Kernel<double> kD256{6, 8, 256, 96, 4096, ukr_d256};
const Kernel<float> kSGen{4, 8, 256, 64, 4096, ukr_generic<float, 4, 8>};
const Kernel<double> kDGen{4, 8, 256, 64, 4096, ukr_generic<double, 4, 8>};

const Kernel<float>& kernel_for(float*) {
  switch (active_isa()) {
    case Isa::Avx512: return kS512;
    case Isa::Avx2: return kS256;
    default: return kSGen;
  }
}
const Kernel<double>& kernel_for(double*) {
  switch (active_isa()) {
    case Isa::Avx512: return kD512;
    case Isa::Avx2: return kD256;
    default: return kDGen;
  }
}

// ---- Packing ---------------------------------------------------------------------------------

// pa[p][k][i] = A(row0 + p·MR + i, col0 + k) for the mc×kc block, MR rows per panel
// (zero-padded: the portable kernel reads all MR rows). A row-major A is a transpose here.
template <typename T>
void pack_a(int MR, int64_t mc, int64_t kc, const T* A, int64_t sam, int64_t sak, T* pa) {
  for (int64_t ir = 0; ir < mc; ir += MR, pa += MR * kc) {
    const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
    if (mr < MR)
      for (int64_t k = 0; k < kc; k++)
        for (int i = mr; i < MR; i++) pa[k * MR + i] = T(0);
    gather_tile(A + ir * sam, sak, sam, kc, mr, pa, MR);
  }
}

// pb[p][k][j] = B(row0 + k, col0 + p·NR + j), zero-padded to NR columns. A transposed B is a
// transpose here.
template <typename T>
void pack_b(int NR, int64_t kc, int64_t nc, const T* B, int64_t sbk, int64_t sbn, T* pb) {
  if constexpr (std::is_same_v<T, float>)
    if (sbn == 1 && NR == 32 && active_isa() == Isa::Avx512) return pack_rows_32(kc, nc, B, sbk, pb);
  for (int64_t jr = 0; jr < nc; jr += NR, pb += NR * kc) {
    const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
    if (nr < NR)
      for (int64_t k = 0; k < kc; k++)
        for (int j = nr; j < NR; j++) pb[k * NR + j] = T(0);
    gather_tile(B + jr * sbn, sbk, sbn, kc, nr, pb, NR);
  }
}

// Per-thread packing buffers, grown on demand and kept for the thread's lifetime.
template <typename T>
struct Buffers {
  T* a = nullptr;
  T* b = nullptr;
  size_t na = 0, nb = 0;
  // Null (and `have` 0) when out of memory.
  static T* grow(T* p, size_t& have, size_t want) {
    if (have >= want) return p;
    std::free(p);
    T* q = static_cast<T*>(std::aligned_alloc(64, ((want * sizeof(T) + 63) / 64) * 64));
    have = q ? want : 0;
    return q;
  }
  ~Buffers() {
    std::free(a);
    std::free(b);
  }
};

template <typename T>
Buffers<T>& buffers() {
  thread_local Buffers<T> buf;
  return buf;
}

// K and M block sizes for an M×K by K×N product.
struct Blocking {
  int64_t KC, MC;
};
inline bool large_product(int64_t M, int64_t N, int64_t K) {
  return M >= kLargeProduct && N >= kLargeProduct && K >= kLargeProduct;
}
template <typename T>
Blocking blocking_for(const Kernel<T>& kn, int64_t M, int64_t N, int64_t K) {
  return large_product(M, N, K) ? Blocking{kn.KCLarge, kn.MCLarge} : Blocking{kn.KC, kn.MC};
}

// One product C = A·B (C += A·B with `accumulate`; M×K times K×N), C row-major with row stride
// ldc.
template <typename T>
void gemm_one(const Kernel<T>& kn, Blocking bl, int64_t M, int64_t N, int64_t K, const T* A, int64_t sam,
              int64_t sak, const T* B, int64_t sbk, int64_t sbn, T* C, int64_t ldc,
              bool accumulate = false) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, T(0));
    return;
  }
  const int MR = kn.MR, NR = kn.NR;
  // A few columns from a column-major A (a transposed weight, as in a convolution's input
  // gradient): Cᵀ = Bᵀ·Aᵀ reads Aᵀ, row-major, in place where C = A·B would pack all of A, and
  // the thin Cᵀ is transposed into C afterwards. Zen 4 gains (resnet18's layer-4 product
  // 4608×512×32: 120 → 166–180 GFLOPS on one core); Emerald Rapids loses (60 → 38 GFLOPS: the
  // in-place rows, 18 KiB apart, share a few L1 sets, and each of the three row panels of Cᵀ
  // fetches them again from L2), so it packs A there.
  if (cpu_is_amd() && !accumulate && sam == 1 && sak != 1 && N <= 4 * MR && M >= 8 * N) {
    thread_local Buffers<T> swapped;
    swapped.a = Buffers<T>::grow(swapped.a, swapped.na, size_t(M) * size_t(N));
    if (swapped.a) {
      gemm_one<T>(kn, blocking_for(kn, N, M, K), N, M, K, B, sbn, sbk, A, sak, sam, swapped.a, M);
      gather_tile(swapped.a, 1, M, M, N, C, ldc);
      return;
    }
  }
  Buffers<T>& buf = buffers<T>();
  // Products of a few columns use each value of A only a few times, so packing A costs about as
  // much as the arithmetic: the kernel reads it in place instead. Row-major, each row streams
  // along K. Column-major (a transposed weight), a K step reads MR adjacent values of one row of
  // the source, rows ~lda apart; a K block of kColumnMajorKC rows keeps the lines they share with
  // the next row panel in L1 (they map to few sets), and one M block sweeps every row panel.
  // resnet18's layer-4 products on one core, Emerald Rapids: 512×4608×32 75–80 → 97–104 GFLOPS,
  // 4608×512×32 (A column-major) 61–83 → 93–124.
  const bool inPlaceRows = kn.ukrRows && sak == 1 && N <= 4 * NR;
  const bool inPlaceCols = kn.ukrCols && sam == 1 && sak != 1 && N <= NR;
  const bool packA = !inPlaceRows && !inPlaceCols;
  const int64_t KC = inPlaceCols ? kColumnMajorKC : bl.KC, MC = inPlaceCols ? M : bl.MC;
  const int64_t kcMax = std::min<int64_t>(K, KC);
  const int64_t mcMax = std::min<int64_t>(M, MC);
  const int64_t ncMax = std::min<int64_t>(N, kn.NC);
  if (packA) buf.a = Buffers<T>::grow(buf.a, buf.na, size_t((mcMax + MR - 1) / MR * MR) * kcMax);
  buf.b = Buffers<T>::grow(buf.b, buf.nb, size_t((ncMax + NR - 1) / NR * NR) * kcMax);
  if ((packA && !buf.a) || !buf.b) {  // out of memory for packing: unblocked loops, no allocation
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        T s = 0;
        for (int64_t k = 0; k < K; k++) s += A[i * sam + k * sak] * B[k * sbk + j * sbn];
        C[i * ldc + j] = accumulate ? C[i * ldc + j] + s : s;
      }
    return;
  }
  // Packing B pays for itself when many row panels reuse it; for a few rows, read a row-major
  // B in place. (Reading it in place for large M loses: rows 4 KiB apart thrash L1 sets.)
  const bool directB = sbn == 1 && M <= 4 * MR;
  for (int64_t jc = 0; jc < N; jc += kn.NC) {
    const int64_t nc = std::min<int64_t>(kn.NC, N - jc);
    const int64_t ncFull = nc / NR * NR;  // columns read in place when directB
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min<int64_t>(KC, K - pc);
      const T* Bblk = B + pc * sbk + jc * sbn;
      if (!directB)
        pack_b(NR, kc, nc, Bblk, sbk, sbn, buf.b);
      else if (ncFull < nc)
        pack_b(NR, kc, nc - ncFull, Bblk + ncFull, sbk, sbn, buf.b);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min<int64_t>(MC, M - ic);
        if (packA) pack_a(MR, mc, kc, A + ic * sam + pc * sak, sam, sak, buf.a);
        const auto tile = [&](int64_t ir, int64_t jr) {
          const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
          const T* pb;
          int64_t ldb;
          if (!directB) {
            pb = buf.b + (jr / NR) * kc * NR;
            ldb = NR;
          } else if (jr < ncFull) {
            pb = Bblk + jr;
            ldb = sbk;
          } else {
            pb = buf.b;
            ldb = NR;
          }
          if (inPlaceCols)
            kn.ukrCols(kc, A + (ic + ir) + pc * sak, sak, pb, ldb, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr,
                       accumulate || pc > 0);
          else if (inPlaceRows)
            kn.ukrRows(kc, A + (ic + ir) * sam + pc, sam, pb, ldb, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr,
                       accumulate || pc > 0);
          else
            kn.ukr(kc, buf.a + (ir / MR) * kc * MR, pb, ldb, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr,
                   accumulate || pc > 0);
        };
        if (kc <= kShortProduct || kc * nc * int64_t(sizeof(T)) <= kSweepBytes) {
          for (int64_t ir = 0; ir < mc; ir += MR)
            for (int64_t jr = 0; jr < nc; jr += NR) tile(ir, jr);
        } else {
          for (int64_t jr = 0; jr < nc; jr += NR)
            for (int64_t ir = 0; ir < mc; ir += MR) tile(ir, jr);
        }
      }
    }
  }
}

// ---- Batched driver and work split -----------------------------------------------------------

template <typename T>
struct BatchJob {
  const Kernel<T>* kn;
  int64_t M, N, K;
  const T* A;
  int64_t sag, sam, sak;
  const T* B;
  int64_t sbg, sbk, sbn;
  T* C;
  int64_t parts;   // pieces each product is cut into
  bool splitRows;  // cut along M (else along N)
  Blocking whole;  // blocking of the whole product
};

template <typename T>
void run_task(void* ctx, int task) {
  const BatchJob<T>& j = *static_cast<BatchJob<T>*>(ctx);
  const int64_t g = task / j.parts, part = task % j.parts;
  const T* A = j.A + g * j.sag;
  const T* B = j.B + g * j.sbg;
  T* C = j.C + g * j.M * j.N;
  if (j.parts == 1) {
    gemm_one<T>(*j.kn, j.whole, j.M, j.N, j.K, A, j.sam, j.sak, B, j.sbk, j.sbn, C, j.N);
    return;
  }
  // Cut on micro-tile boundaries so every piece but the last runs full tiles.
  const int64_t unit = j.splitRows ? j.kn->MR : j.kn->NR;
  const int64_t len = j.splitRows ? j.M : j.N;
  const int64_t tiles = (len + unit - 1) / unit;
  const int64_t t0 = tiles * part / j.parts, t1 = tiles * (part + 1) / j.parts;
  const int64_t lo = t0 * unit, hi = std::min(len, t1 * unit);
  if (lo >= hi) return;
  if (j.splitRows)
    gemm_one<T>(*j.kn, blocking_for(*j.kn, hi - lo, j.N, j.K), hi - lo, j.N, j.K, A + lo * j.sam, j.sam, j.sak, B,
                j.sbk, j.sbn, C + lo * j.N, j.N);
  else
    gemm_one<T>(*j.kn, blocking_for(*j.kn, j.M, hi - lo, j.K), j.M, hi - lo, j.K, A, j.sam, j.sak, B + lo * j.sbn,
             j.sbk, j.sbn, C + lo, j.N);
}

// Below this many multiply-adds a product runs on the calling thread alone: waking a worker
// costs a few µs.
constexpr double kParallelMacs = 96.0 * 1024;

// The largest B that a two-thread product cut along M packs once per piece (see gemm_batched).
constexpr int64_t kRowSplitBytes = 256 * 1024;

template <typename T>
void gemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const T* A, int64_t sag, int64_t sam,
                  int64_t sak, const T* B, int64_t sbg, int64_t sbk, int64_t sbn, T* C) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if constexpr (std::is_same_v<T, float>)
    if (active_isa() == Isa::Avx512 && sak == 1 && sbk == 1 && M * N <= kThinOutputs && K >= 1024) {
      for (int64_t g = 0; g < batch; g++) thin_gemm_s512(M, N, K, A + g * sag, sam, B + g * sbg, sbn, C + g * M * N);
      return;
    }
  const Kernel<T>& kn = kernel_for(static_cast<T*>(nullptr));
  const Blocking whole = blocking_for(kn, M, N, K);
  BatchJob<T> job{&kn, M, N, K, A, sag, sam, sak, B, sbg, sbk, sbn, C, 1, false, whole};
  const int threads = get_num_threads();
  const double macs = double(batch) * double(M) * double(N) * double(K);
  if (threads == 1 || macs < kParallelMacs) {
    for (int64_t g = 0; g < batch; g++)
      gemm_one<T>(kn, whole, M, N, K, A + g * sag, sam, sak, B + g * sbg, sbk, sbn, C + g * M * N, N);
    return;
  }
  // Whole products per task when the batch shares out evenly (or is large); otherwise also
  // cut each product, along M when that repacks the smaller operand (B), else along N.
  if (batch % threads != 0 && batch < 8 * threads) {
    // Large products are cut along N: each thread packs its own part of B, which stays in its
    // L2, where a shared packing of B is read from the other core's (1024³ at two threads,
    // Emerald Rapids: ~5% faster).
    // A B of at most kRowSplitBytes is cheap to pack once per piece, and cutting along M gives
    // each thread whole rows of C: cut along N, threads write neighbouring columns of the same
    // rows, sharing the cache lines at the cuts (a Linear layer's weight gradient, 100×1000×16:
    // 47 → 20 µs at two threads; 64×1000×64: 43 → 35 µs).
    job.splitRows = (M >= N || K * N * int64_t(sizeof(T)) <= kRowSplitBytes) && !large_product(M, N, K);
    const int64_t unit = job.splitRows ? kn.MR : kn.NR;
    const int64_t tiles = ((job.splitRows ? M : N) + unit - 1) / unit;
    // Up to 4 pieces a thread, claimed as the threads come free (as split_units does): a thread
    // that the OS or V8's collector preempts then holds the others up less (resnet18 steps at two
    // threads ~3% faster). Large products take one piece a thread: each piece packs all of A, so
    // more pieces pack it more often (1024³ at two threads: medians of five alternated runs
    // 299–323 → 291–348 GFLOPS, ~7% better on average).
    const int64_t perThread = large_product(M, N, K) ? 1 : 4;
    job.parts = std::max<int64_t>(1, std::min<int64_t>(perThread * threads, tiles));
  }
  const int64_t ntasks = batch * job.parts;
  if (ntasks > 0x7fffffff) {
    for (int64_t g = 0; g < batch; g++)  // parts == 1 here
      gemm_one<T>(kn, whole, M, N, K, A + g * sag, sam, sak, B + g * sbg, sbk, sbn, C + g * M * N, N);
    return;
  }
  parallel_for(static_cast<int>(ntasks), run_task<T>, &job);
}

}  // namespace

void sgemm_serial(int64_t M, int64_t N, int64_t K, const float* A, int64_t sam, int64_t sak, const float* B,
                  int64_t sbk, int64_t sbn, float* C, int64_t ldc, bool accumulate) {
  const Kernel<float>& kn = kernel_for(static_cast<float*>(nullptr));
  gemm_one<float>(kn, blocking_for(kn, M, N, K), M, N, K, A, sam, sak, B, sbk, sbn, C, ldc, accumulate);
}

void dgemm_serial(int64_t M, int64_t N, int64_t K, const double* A, int64_t sam, int64_t sak, const double* B,
                  int64_t sbk, int64_t sbn, double* C, int64_t ldc, bool accumulate) {
  const Kernel<double>& kn = kernel_for(static_cast<double*>(nullptr));
  gemm_one<double>(kn, blocking_for(kn, M, N, K), M, N, K, A, sam, sak, B, sbk, sbn, C, ldc, accumulate);
}

void sgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const float* A, int64_t sag, int64_t sam,
                   int64_t sak, const float* B, int64_t sbg, int64_t sbk, int64_t sbn, float* C) {
  gemm_batched<float>(batch, M, N, K, A, sag, sam, sak, B, sbg, sbk, sbn, C);
}

void dgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const double* A, int64_t sag, int64_t sam,
                   int64_t sak, const double* B, int64_t sbg, int64_t sbk, int64_t sbn, double* C) {
  gemm_batched<double>(batch, M, N, K, A, sag, sam, sak, B, sbg, sbk, sbn, C);
}

}  // namespace kindling
