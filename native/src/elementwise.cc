// Elementwise kernels (add/sub/mul/div, exp/log/tanh/sigmoid/relu/sqrt) and sum reductions.
//
// Each is compiled three times (AVX-512, AVX2, x86-64-v2) from the same source and picked at
// run time. Large calls are cut into chunks and run on the thread pool; a chunk's result never
// depends on how the work was cut, so results do not depend on the thread count.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <unistd.h>
#include <type_traits>
#include <vector>

#include "kernels.h"

namespace kindling {
namespace {

// ---- Portable copies ---------------------------------------------------------------------------

namespace generic {
#include "loops.inc"

// The JS kernels' formulas, evaluated in double as JS does.
inline double scalar_unary(int op, double x) {
  switch (op) {
    case kExp: return std::exp(x);
    case kLog: return std::log(x);
    case kTanh: return std::tanh(x);
    default: return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
  }
}

template <typename T>
void unary_row(int op, const T* x, T* out, int64_t n) {
  if (op == kRelu) return relu_row(x, out, n);
  if (op == kSqrt) return sqrt_row(x, out, n);
  for (int64_t j = 0; j < n; j++) out[j] = T(scalar_unary(op, double(x[j])));
}
}  // namespace generic

// ---- AVX2 --------------------------------------------------------------------------------------

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2")
namespace avx2 {
#include "loops.inc"

struct V {
  using D = __m256d;
  using M = __m256d;  // lane masks are all-ones doubles
  static D set(double v) { return _mm256_set1_pd(v); }
  static D add(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D div(D a, D b) { return _mm256_div_pd(a, b); }
  static D fma(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }
  static D fnma(D a, D b, D c) { return _mm256_fnmadd_pd(a, b, c); }
  static D min(D a, D b) { return _mm256_min_pd(a, b); }
  static D max(D a, D b) { return _mm256_max_pd(a, b); }
  static D abs(D a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
  static D copysign(D mag, D sgn) {
    return _mm256_or_pd(_mm256_and_pd(_mm256_set1_pd(-0.0), sgn), _mm256_andnot_pd(_mm256_set1_pd(-0.0), mag));
  }
  static M lt(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  static M gt(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  static M ge(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
  static M eq(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
  static M lt_or_nan(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_NGE_UQ); }
  static D blend(M m, D a, D b) { return _mm256_blendv_pd(a, b, m); }
  // 2^n for t = n + 1.5·2^52: n sits in t's low mantissa bits.
  static D pow2n(D t) {
    const __m256i n = _mm256_castpd_si256(t);
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(n, _mm256_set1_epi64x(1023)), 52));
  }
  // x = m·2^e with m in [1, 2), for positive normal x.
  static void split(D x, D& e, D& m) {
    const __m256i bits = _mm256_castpd_si256(x);
    const __m256i be = _mm256_srli_epi64(bits, 52);  // biased exponent (sign is 0)
    const __m256d two52 = _mm256_set1_pd(4503599627370496.0);
    e = _mm256_sub_pd(_mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(be, _mm256_castpd_si256(two52))), two52),
                      _mm256_set1_pd(1023.0));
    m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL)),
                                            _mm256_set1_epi64x(0x3FF0000000000000LL)));
  }
};
#include "vmath.inc"

template <int OP>
void unary_f32(const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m128 lo = _mm256_cvtpd_ps(v_apply(OP, _mm256_cvtps_pd(_mm256_castps256_ps128(v))));
    const __m128 hi = _mm256_cvtpd_ps(v_apply(OP, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))));
    _mm256_storeu_ps(out + i, _mm256_set_m128(hi, lo));
  }
  if (i < n) {  // tail through a padded buffer
    alignas(32) float buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    std::memcpy(buf, x + i, (n - i) * sizeof(float));
    unary_f32<OP>(buf, buf, 8);
    std::memcpy(out + i, buf, (n - i) * sizeof(float));
  }
}
}  // namespace avx2
#pragma GCC pop_options

// ---- AVX-512 -----------------------------------------------------------------------------------

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi,bmi2")
namespace avx512 {
#include "loops.inc"

struct V {
  using D = __m512d;
  using M = __mmask8;
  static D set(double v) { return _mm512_set1_pd(v); }
  static D add(D a, D b) { return _mm512_add_pd(a, b); }
  static D sub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D div(D a, D b) { return _mm512_div_pd(a, b); }
  static D fma(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  static D fnma(D a, D b, D c) { return _mm512_fnmadd_pd(a, b, c); }
  static D min(D a, D b) { return _mm512_min_pd(a, b); }
  static D max(D a, D b) { return _mm512_max_pd(a, b); }
  static D abs(D a) { return _mm512_abs_pd(a); }
  static D copysign(D mag, D sgn) {
    return _mm512_or_pd(_mm512_and_pd(_mm512_set1_pd(-0.0), sgn), _mm512_andnot_pd(_mm512_set1_pd(-0.0), mag));
  }
  static M lt(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static M gt(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  static M ge(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static M eq(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static M lt_or_nan(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_NGE_UQ); }
  static D blend(M m, D a, D b) { return _mm512_mask_blend_pd(m, a, b); }
  static D pow2n(D t) {
    const __m512i n = _mm512_castpd_si512(t);
    return _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_add_epi64(n, _mm512_set1_epi64(1023)), 52));
  }
  static void split(D x, D& e, D& m) {
    e = _mm512_getexp_pd(x);
    m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  }
};
#include "vmath.inc"

// exp in single precision, three times cheaper than the double path: Cody-Waite reduction
// x = n·ln2 + r (ln2's high part has 9 bits, so n·hi is exact), the Taylor series of e^r to r^7
// (|r| <= ln2/2: truncation below 0.05 ulp), and scalef for 2^n, which rounds subnormal results
// and overflows to inf. Checked on every float: at most 1 ulp from the double exp rounded to
// float, as the JS kernel computes it.
inline __m512 exp_ps(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(89.0f), x));  // NaN passes
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);  // p(r) = (e^r - 1 - r) / r^2
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(y, n);
}

template <int OP>
void unary_f32(const float* x, float* out, int64_t n) {
  int64_t i = 0;
  if constexpr (OP == kExp)
    // Two independent vectors per step: each exp is a chain of ~15 dependent instructions
    // (1e6 floats on one core: 470-500 -> 375-405 us; four per step measured no better).
    for (; i + 32 <= n; i += 32) {
      const __m512 a = exp_ps(_mm512_loadu_ps(x + i)), b = exp_ps(_mm512_loadu_ps(x + i + 16));
      _mm512_storeu_ps(out + i, a);
      _mm512_storeu_ps(out + i + 16, b);
    }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
    // Masked-off lanes read as 1 so the tail does no slow special-case arithmetic.
    const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, x + i);
    if constexpr (OP == kExp) {
      _mm512_mask_storeu_ps(out + i, m, exp_ps(v));
    } else {
      const __m256 lo = _mm512_cvtpd_ps(v_apply(OP, _mm512_cvtps_pd(_mm512_castps512_ps256(v))));
      const __m256 hi = _mm512_cvtpd_ps(v_apply(OP, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1))));
      _mm512_mask_storeu_ps(out + i, m, _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1));
    }
  }
}

// Rows of n ≤ 64 bytes, contiguous in source and output: one masked load and store each, where
// the plain loop copies element by element with its loop overhead per row (the (O, N, L) ↔
// (N, O, L) permutes of a convolution on a 2×2 or 4×4 grid: 512·8 rows of 4 floats, ~32 → ~10 µs).
template <typename T>
void copy_short_rows(const T* x, int64_t xrs, T* out, int64_t r0, int64_t r1, int64_t j0, int64_t n, int64_t inner) {
  constexpr int64_t kLanes = 64 / sizeof(T);
  const uint32_t mask = n >= kLanes ? (1u << kLanes) - 1 : (1u << n) - 1;
  for (int64_t r = r0; r < r1; r++) {
    const T* src = x + r * xrs + j0;
    T* dst = out + r * inner + j0;
    if constexpr (std::is_same_v<T, float>)
      _mm512_mask_storeu_ps(dst, __mmask16(mask), _mm512_maskz_loadu_ps(__mmask16(mask), src));
    else
      _mm512_mask_storeu_pd(dst, __mmask8(mask), _mm512_maskz_loadu_pd(__mmask8(mask), src));
  }
}
}  // namespace avx512
#pragma GCC pop_options

// ---- Dispatch ----------------------------------------------------------------------------------

template <typename T>
void binary_block(int op, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs, T* out,
                  int64_t r0, int64_t r1, int64_t j0, int64_t j1, int64_t inner, double p0) {
  switch (active_isa()) {
    case Isa::Avx512: return avx512::binary_block(op, a, ars, acs, b, brs, bcs, out, r0, r1, j0, j1, inner, p0);
    case Isa::Avx2: return avx2::binary_block(op, a, ars, acs, b, brs, bcs, out, r0, r1, j0, j1, inner, p0);
    default: return generic::binary_block(op, a, ars, acs, b, brs, bcs, out, r0, r1, j0, j1, inner, p0);
  }
}

template <typename T>
void unary_row(int op, const T* x, T* out, int64_t n) {
  const Isa isa = active_isa();
  if (op == kRelu) {
    if (isa == Isa::Avx512) return avx512::relu_row(x, out, n);
    if (isa == Isa::Avx2) return avx2::relu_row(x, out, n);
    return generic::relu_row(x, out, n);
  }
  if (op == kSqrt) {
    if (isa == Isa::Avx512) return avx512::sqrt_row(x, out, n);
    if (isa == Isa::Avx2) return avx2::sqrt_row(x, out, n);
    return generic::sqrt_row(x, out, n);
  }
  if constexpr (std::is_same_v<T, float>) {
#define KINDLING_UNARY(NS)                              \
  switch (op) {                                         \
    case kExp: return NS::unary_f32<kExp>(x, out, n);   \
    case kLog: return NS::unary_f32<kLog>(x, out, n);   \
    case kTanh: return NS::unary_f32<kTanh>(x, out, n); \
    default: return NS::unary_f32<kSigmoid>(x, out, n); \
  }
    if (isa == Isa::Avx512) KINDLING_UNARY(avx512)
    if (isa == Isa::Avx2) KINDLING_UNARY(avx2)
#undef KINDLING_UNARY
  }
  // float64 keeps the C library's exp/log/tanh (within an ulp of JS's Math functions).
  generic::unary_row(op, x, out, n);
}

template <typename T>
void copy_rows(const T* x, int64_t xrs, int64_t xcs, T* out, int64_t r0, int64_t r1, int64_t j0, int64_t j1,
               int64_t inner) {
  switch (active_isa()) {
    case Isa::Avx512:
      if (xcs == 1 && (j1 - j0) * int64_t(sizeof(T)) <= 64)
        return avx512::copy_short_rows(x, xrs, out, r0, r1, j0, j1 - j0, inner);
      return avx512::copy_rows(x, xrs, xcs, out, r0, r1, j0, j1, inner);
    case Isa::Avx2: return avx2::copy_rows(x, xrs, xcs, out, r0, r1, j0, j1, inner);
    default: return generic::copy_rows(x, xrs, xcs, out, r0, r1, j0, j1, inner);
  }
}

template <typename T>
double sum_row(const T* x, int64_t n) {
  switch (active_isa()) {
    case Isa::Avx512: return avx512::sum_row(x, n);
    case Isa::Avx2: return avx2::sum_row(x, n);
    default: return generic::sum_row(x, n);
  }
}

template <typename T>
void sum_cols(const T* x, double* acc, int64_t R, int64_t Q, int64_t q0, int64_t q1) {
  switch (active_isa()) {
    case Isa::Avx512: return avx512::sum_cols(x, acc, R, Q, q0, q1);
    case Isa::Avx2: return avx2::sum_cols(x, acc, R, Q, q0, q1);
    default: return generic::sum_cols(x, acc, R, Q, q0, q1);
  }
}

// Elements per task below which threading does not pay (pool hand-off costs a few µs).
constexpr int64_t kMinCheap = 1 << 15;      // add, mul, relu, sqrt, sum
constexpr int64_t kMinTranscend = 1 << 12;  // exp, log, tanh, sigmoid
constexpr int64_t kColChunk = 512;          // column-sum accumulators per unit (4 KiB)
constexpr int64_t kRowChunk = 1 << 16;      // full-sum partials: fixed, so sums are reproducible

// Outputs larger than a core's L2 cache cannot stay there for whoever reads them next, and
// under V8 a fresh output is cold memory (its buffer was last used several collections ago), so
// plain stores would first read every line in from DRAM. Such outputs are computed in blocks
// into an L1-resident buffer and stored non-temporally (1e6-float add, one thread: 1.1 → 0.5 ms
// into cold buffers; 0.6 → 0.5 ms into a warm one).
int64_t stream_threshold_bytes() {
  static const int64_t bytes = [] {
    const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l2 > 0 ? int64_t(l2) : int64_t(2) << 20;
  }();
  return bytes;
}

// Non-temporal copy of whole 64-byte lines, both ends 64-byte aligned, in the widest stores the
// CPU has (128-bit ones reach ~20% less bandwidth on AVX-512 machines).
__attribute__((target("avx512f"))) void stream_lines_avx512(const void* src, void* dst, size_t lines) {
  for (size_t k = 0; k < lines; k++)
    _mm512_stream_si512(static_cast<__m512i*>(dst) + k, _mm512_load_si512(static_cast<const __m512i*>(src) + k));
}
__attribute__((target("avx"))) void stream_lines_avx(const void* src, void* dst, size_t lines) {
  for (size_t k = 0; k < 2 * lines; k++)
    _mm256_stream_si256(static_cast<__m256i*>(dst) + k, _mm256_load_si256(static_cast<const __m256i*>(src) + k));
}
void stream_lines(const void* src, void* dst, size_t lines) {
  switch (active_isa()) {
    case Isa::Avx512: return stream_lines_avx512(src, dst, lines);
    case Isa::Avx2: return stream_lines_avx(src, dst, lines);
    default:
      for (size_t k = 0; k < 4 * lines; k++)
        _mm_stream_si128(static_cast<__m128i*>(dst) + k, _mm_load_si128(static_cast<const __m128i*>(src) + k));
  }
}

// out[0..n) = what fill(dst, j, m) writes to dst[0..m) for elements j..j+m, through the buffer.
template <typename T, typename Fill>
void streamed(T* out, int64_t n, const Fill& fill) {
  constexpr int64_t kBlock = 4096 / sizeof(T);
  alignas(64) T block[kBlock];
  const int64_t head = std::min<int64_t>(n, int64_t((64 - reinterpret_cast<uintptr_t>(out) % 64) % 64) / int64_t(sizeof(T)));
  if (head > 0) fill(out, 0, head);
  int64_t j = head;
  for (; j + kBlock <= n; j += kBlock) {
    fill(block, j, kBlock);
    stream_lines(block, out + j, sizeof(block) / 64);
  }
  if (j < n) fill(out + j, j, n - j);
  _mm_sfence();
}

}  // namespace

template <typename T>
void binary_2d(int op, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs, T* out,
               int64_t rows, int64_t inner, double p0) {
  if (rows <= 0 || inner <= 0) return;
  // Units: whole rows when there are enough of them, else column chunks of single rows.
  const int64_t colParts = rows >= 16 ? 1 : std::max<int64_t>(1, inner / kMinCheap);
  const int64_t chunk = (inner + colParts - 1) / colParts;
  const bool stream = acs <= 1 && bcs <= 1 && rows * inner * int64_t(sizeof(T)) > stream_threshold_bytes();
  split_units(rows * colParts, chunk, kMinCheap, [&](int64_t u0, int64_t u1) {
    if (colParts == 1 && !stream) return binary_block(op, a, ars, acs, b, brs, bcs, out, u0, u1, 0, inner, inner, p0);
    for (int64_t u = u0; u < u1; u++) {
      const int64_t r = u / colParts, j0 = (u % colParts) * chunk, j1 = std::min(inner, j0 + chunk);
      if (!stream) {
        binary_block(op, a, ars, acs, b, brs, bcs, out, r, r + 1, j0, j1, inner, p0);
        continue;
      }
      const T* pa = a + r * ars + j0 * acs;
      const T* pb = b + r * brs + j0 * bcs;
      streamed(out + r * inner + j0, j1 - j0, [&](T* dst, int64_t j, int64_t m) {
        binary_block(op, pa + j * acs, ars, acs, pb + j * bcs, brs, bcs, dst, 0, 1, 0, m, m, p0);
      });
    }
  });
}

template <typename T>
void unary_2d(int op, const T* x, int64_t xrs, int64_t xcs, T* out, int64_t rows, int64_t inner) {
  if (rows <= 0 || inner <= 0) return;
  const int64_t minCost = op == kRelu || op == kCopy || op == kSqrt ? kMinCheap : kMinTranscend;
  // Units of 16 rows when rows are many (a strided copy tiles 16 rows), else column chunks.
  const int64_t rowUnit = rows >= 16 ? 16 : 1;
  const int64_t rowUnits = (rows + rowUnit - 1) / rowUnit;
  const int64_t colParts = rows >= 16 ? 1 : std::max<int64_t>(1, inner / minCost);
  const int64_t chunk = (inner + colParts - 1) / colParts;
  const bool stream = rows * inner * int64_t(sizeof(T)) > stream_threshold_bytes();
  split_units(rowUnits * colParts, chunk * rowUnit, minCost, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; u++) {
      const int64_t r0 = (u / colParts) * rowUnit, r1 = std::min(rows, r0 + rowUnit);
      const int64_t j0 = (u % colParts) * chunk, j1 = std::min(inner, j0 + chunk);
      if (xcs != 1 || (op == kCopy && !stream)) {
        copy_rows(x, xrs, xcs, out, r0, r1, j0, j1, inner);
        if (op != kCopy)  // then apply f in place on the contiguous copy
          for (int64_t r = r0; r < r1; r++) unary_row(op, out + r * inner + j0, out + r * inner + j0, j1 - j0);
      } else if (stream) {
        for (int64_t r = r0; r < r1; r++)
          streamed(out + r * inner + j0, j1 - j0,
                   [&](T* dst, int64_t j, int64_t m) {
                     const T* src = x + r * xrs + j0 + j;
                     if (op == kCopy) std::memcpy(dst, src, size_t(m) * sizeof(T));
                     else unary_row(op, src, dst, m);
                   });
      } else {
        for (int64_t r = r0; r < r1; r++) unary_row(op, x + r * xrs + j0, out + r * inner + j0, j1 - j0);
      }
    }
  });
}

template <typename T, typename O>
void sum_3d(const T* x, O* out, int64_t P, int64_t R, int64_t Q, double scale) {
  if (P <= 0 || Q <= 0) return;
  if (R <= 0) {
    std::fill(out, out + P * Q, O(0));
    return;
  }
  if (Q == 1) {
    // Row sums: each row in fixed blocks of kRowChunk whose partial sums are added in order.
    const int64_t blocks = (R + kRowChunk - 1) / kRowChunk;
    std::vector<double> partial(size_t(P * blocks));
    split_units(P * blocks, std::min(R, kRowChunk), kMinCheap, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; u++) {
        const int64_t p = u / blocks, k0 = (u % blocks) * kRowChunk;
        partial[size_t(u)] = sum_row(x + p * R + k0, std::min(kRowChunk, R - k0));
      }
    });
    for (int64_t p = 0; p < P; p++) {
      double s = 0;
      for (int64_t k = 0; k < blocks; k++) s += partial[size_t(p * blocks + k)];
      out[p] = O(s * scale);
    }
    return;
  }
  // Column sums over R for each of P slabs, in chunks of kColChunk columns.
  const int64_t chunks = (Q + kColChunk - 1) / kColChunk;
  split_units(P * chunks, R * std::min(Q, kColChunk), kMinCheap, [&](int64_t u0, int64_t u1) {
    double acc[kColChunk];
    for (int64_t u = u0; u < u1; u++) {
      const int64_t p = u / chunks, q0 = (u % chunks) * kColChunk, q1 = std::min(Q, q0 + kColChunk);
      std::fill(acc, acc + (q1 - q0), 0.0);
      sum_cols(x + p * R * Q, acc, R, Q, q0, q1);
      for (int64_t q = q0; q < q1; q++) out[p * Q + q] = O(acc[q - q0] * scale);
    }
  });
}

template <typename T, typename O>
void sum_outer_inner(const T* x, O* out, int64_t A, int64_t Q, int64_t R, double scale) {
  if (Q <= 0) return;
  split_units(Q, std::max<int64_t>(1, A * R), kMinCheap, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      double s = 0;
      for (int64_t a = 0; a < A; a++) s += sum_row(x + (a * Q + q) * R, R);
      out[q] = O(s * scale);
    }
  });
}

template <typename T>
void softmax_rows(const T* x, T* out, int64_t rows, int64_t n, bool log) {
  if (rows <= 0 || n <= 0) return;
  split_units(rows, n, kMinTranscend, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * n;
      T* o = out + r * n;
      T m = xr[0];
      bool nan = false;
      for (int64_t j = 0; j < n; j++) {
        m = xr[j] > m ? xr[j] : m;
        nan |= xr[j] != xr[j];
      }
      if (nan || !std::isfinite(m)) m = T(0);
      for (int64_t j = 0; j < n; j++) o[j] = xr[j] - m;
      unary_row(kExp, o, o, n);
      const T s = T(sum_row(o, n));
      if (log) {
        const T ls = T(std::log(double(s)));
        for (int64_t j = 0; j < n; j++) o[j] = (xr[j] - m) - ls;
      } else {
        for (int64_t j = 0; j < n; j++) o[j] = o[j] / s;
      }
    }
  });
}

template void binary_2d<float>(int, const float*, int64_t, int64_t, const float*, int64_t, int64_t, float*, int64_t,
                               int64_t, double);
template void binary_2d<double>(int, const double*, int64_t, int64_t, const double*, int64_t, int64_t, double*,
                                int64_t, int64_t, double);
template void unary_2d<float>(int, const float*, int64_t, int64_t, float*, int64_t, int64_t);
template void unary_2d<double>(int, const double*, int64_t, int64_t, double*, int64_t, int64_t);
template void sum_3d<float, float>(const float*, float*, int64_t, int64_t, int64_t, double);
template void sum_3d<float, double>(const float*, double*, int64_t, int64_t, int64_t, double);
template void sum_3d<double, double>(const double*, double*, int64_t, int64_t, int64_t, double);
template void sum_outer_inner<float, float>(const float*, float*, int64_t, int64_t, int64_t, double);
template void sum_outer_inner<float, double>(const float*, double*, int64_t, int64_t, int64_t, double);
template void sum_outer_inner<double, double>(const double*, double*, int64_t, int64_t, int64_t, double);
template void softmax_rows<float>(const float*, float*, int64_t, int64_t, bool);
template void softmax_rows<double>(const double*, double*, int64_t, int64_t, bool);

}  // namespace kindling
