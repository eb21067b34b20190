// Convolution and pooling kernels: im2col / col2im (which turn a convolution into one GEMM), the
// three passes of a convolution run one image at a time, and max pooling with its gradient.
// Memory-bound loops: rows are copied with memcpy where the stride allows, and work is split
// over image planes, which no two tasks share.
#include <immintrin.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "transpose.h"

namespace kindling {
namespace {

// ceil(a / b) for b > 0 and any sign of a.
inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Grid positions [first, last) whose tap offset + o·stride falls inside [0, size).
inline void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t grid, int64_t& first, int64_t& last) {
  first = offset >= 0 ? 0 : std::min(grid, ceil_div(-offset, stride));
  last = std::max(first, std::min(grid, ceil_div(size - offset, stride)));
}

// Elements per task below which threading does not pay.
constexpr int64_t kMinWork = 1 << 15;

// Calls body(plane, tap, col, y0, y1, x0, x1, dy, dx) for each kernel tap and (n·C + c) plane of
// one task's channels: tap counts the channel's taps, cols + col is where the tap's L values for
// image n sit (row (c·kH + i)·kW + j of the channels·kH·kW × batch·L column matrix, rows `ld`
// apart, from n·L).
// A channel's taps are visited in order, each over every image: one task owns a channel's image
// planes and column rows, and a tap's valid ranges are worked out once for all images.
template <typename F>
void for_each_tap(const Window& g, int64_t ld, const F& body) {
  const int64_t taps = g.kernelH * g.kernelW, L = g.gridH * g.gridW;
  split_units(g.channels, taps * g.batch * L, kMinWork, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++)
      for (int64_t i = 0; i < g.kernelH; i++) {
        const int64_t dy = i * g.dilationH - g.padTop;
        int64_t y0, y1;
        valid_range(dy, g.strideH, g.height, g.gridH, y0, y1);
        for (int64_t j = 0; j < g.kernelW; j++) {
          const int64_t dx = j * g.dilationW - g.padLeft;
          int64_t x0, x1;
          valid_range(dx, g.strideW, g.width, g.gridW, x0, x1);
          const int64_t tap = i * g.kernelW + j, row = (c * taps + tap) * ld;
          for (int64_t n = 0; n < g.batch; n++) body(n * g.channels + c, tap, row + n * L, y0, y1, x0, x1, dy, dx);
        }
      }
  });
}

// Short runs (deep layers' grids are a few positions wide) as plain loops, long ones as memset/memcpy.
template <typename T>
inline void zero(T* p, int64_t n) {
  if (n >= 16) std::memset(static_cast<void*>(p), 0, size_t(n) * sizeof(T));
  else
    for (int64_t k = 0; k < n; k++) p[k] = T(0);
}

}  // namespace

// AVX-512 rows for float32 at stride 1: each 16-wide chunk of a grid row is one masked load
// (lanes outside [x0, x1) read as the padding's 0 and touch no memory) and one masked store.
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi,bmi2")
inline __mmask16 lanes_between(int64_t lo, int64_t hi) {  // lanes lo..hi-1 of 0..15, clamped
  lo = std::max<int64_t>(lo, 0);
  hi = std::min<int64_t>(hi, 16);
  return hi <= lo ? 0 : __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// Rows are contiguous in the tap's block, so when a row is one chunk its store may take all 16
// lanes: those past the row's end are rewritten by the next row (masked stores are slower).
void im2col_tap_f32_avx512(const float* plane, int64_t W, int64_t strideH, int64_t gridH, int64_t gw, int64_t y0,
                           int64_t y1, int64_t x0, int64_t x1, int64_t dy, int64_t dx, float* q) {
  const int64_t L = gridH * gw;
  const __m512 zeros = _mm512_setzero_ps();
  for (int64_t c = 0; c < gw; c += 16) {  // chunk by chunk: a chunk's lanes are the same in every row
    const __mmask16 valid = lanes_between(x0 - c, x1 - c);
    for (int64_t oy = 0; oy < gridH; oy++) {
      const int64_t at = oy * gw + c;
      const __m512 v = oy >= y0 && oy < y1 ? _mm512_maskz_loadu_ps(valid, plane + (oy * strideH + dy) * W + dx + c) : zeros;
      // Past the row's end only when the next row is written later (one chunk a row).
      if (c + 16 <= gw || (gw <= 16 && at + 16 <= L)) _mm512_storeu_ps(q + at, v);
      else _mm512_mask_storeu_ps(q + at, lanes_between(0, gw - c), v);
    }
  }
}

// Grids under 8 positions wide (a deep layer's 2×2 or 4×4): a tap's row of the column matrix
// holds every image's grid, N·L values, gathered 16 at a time through offsets worked out once
// per call (into channel 0 of each image; -1 in the padding). Copying such rows one grid row
// at a time spends the time on bookkeeping for 2–4 values.
void im2col_f32_gather(const float* image, const Window& g, const int32_t* offsets, int64_t c0, int64_t c1,
                       float* cols, int64_t ld) {
  const int64_t taps = g.kernelH * g.kernelW, nl = g.batch * g.gridH * g.gridW, hw = g.height * g.width;
  for (int64_t c = c0; c < c1; c++) {
    const __m512i plane = _mm512_set1_epi32(int32_t(c * hw));
    for (int64_t tap = 0; tap < taps; tap++) {
      float* row = cols + (c * taps + tap) * ld;
      const int32_t* off = offsets + tap * nl;
      for (int64_t q = 0; q < nl; q += 16) {
        const __mmask16 lanes = lanes_between(0, nl - q);
        const __m512i at = _mm512_maskz_loadu_epi32(lanes, off + q);
        const __mmask16 inside = _mm512_mask_cmpge_epi32_mask(lanes, at, _mm512_setzero_si512());
        const __m512 v =
            _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, _mm512_add_epi32(at, plane), image, 4);
        _mm512_mask_storeu_ps(row + q, lanes, v);
      }
    }
  }
}

// col2im at stride 1 along rows, for the planes of channels c0..c1: each 16-wide chunk of an
// image row sums its taps' column entries in tap order in a register (the order the JS kernel
// adds them in, from 0), then is stored once. Which taps reach a row, and each tap's lanes in a
// chunk, are worked out once per call.
void col2im_f32_avx512(const float* cols, const Window& g, int64_t ld, int64_t c0, int64_t c1, float* image) {
  const int64_t H = g.height, W = g.width, gw = g.gridW, L = g.gridH * gw, kh = g.kernelH, kw = g.kernelW;
  const int64_t chunks = (W + 15) / 16, tapStride = ld;
  std::vector<int64_t> rowOf(size_t(H * kh));  // grid row of kernel row i over image row y, or -1
  for (int64_t y = 0; y < H; y++)
    for (int64_t i = 0; i < kh; i++) {
      const int64_t t = y + g.padTop - i * g.dilationH;  // oy·strideH
      rowOf[size_t(y * kh + i)] = t >= 0 && t % g.strideH == 0 && t / g.strideH < g.gridH ? t / g.strideH : -1;
    }
  std::vector<__mmask16> lanes(size_t(chunks * kw));  // lanes of chunk x/16 that tap column j reaches
  for (int64_t k = 0; k < chunks; k++)
    for (int64_t j = 0; j < kw; j++) {
      const int64_t dx = j * g.dilationW - g.padLeft, x = 16 * k;  // ox = x - dx
      lanes[size_t(k * kw + j)] = lanes_between(dx - x, std::min(W, gw + dx) - x);
    }
  for (int64_t c = c0; c < c1; c++)
    for (int64_t n = 0; n < g.batch; n++) {
      float* plane = image + (n * g.channels + c) * H * W;
      const float* block = cols + c * kh * kw * ld + n * L;  // tap 0's entries for image n
      for (int64_t y = 0; y < H; y++)
        for (int64_t k = 0; k < chunks; k++) {
          const int64_t x = 16 * k;
          __m512 sum = _mm512_setzero_ps();
          for (int64_t i = 0; i < kh; i++) {
            const int64_t oy = rowOf[size_t(y * kh + i)];
            if (oy < 0) continue;
            const float* row = block + i * kw * tapStride + oy * gw + x + g.padLeft;
            for (int64_t j = 0; j < kw; j++, row += tapStride - g.dilationW) {
              const __mmask16 m = lanes[size_t(k * kw + j)];
              if (m) sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(m, row));
            }
          }
          const int64_t at = y * W + x;
          if (at + 16 <= H * W) _mm512_storeu_ps(plane + at, sum);
          else _mm512_mask_storeu_ps(plane + at, lanes_between(0, H * W - at), sum);
        }
    }
}
#pragma GCC pop_options

// The gather offsets of im2col_f32_gather: tap-major, then image, then grid position.
std::vector<int32_t> gather_offsets(const Window& g) {
  const int64_t nl = g.batch * g.gridH * g.gridW;
  std::vector<int32_t> offsets(size_t(g.kernelH * g.kernelW * nl));
  int32_t* o = offsets.data();
  for (int64_t i = 0; i < g.kernelH; i++)
    for (int64_t j = 0; j < g.kernelW; j++)
      for (int64_t n = 0; n < g.batch; n++)
        for (int64_t oy = 0; oy < g.gridH; oy++)
          for (int64_t ox = 0; ox < g.gridW; ox++) {
            const int64_t y = oy * g.strideH + i * g.dilationH - g.padTop;
            const int64_t x = ox * g.strideW + j * g.dilationW - g.padLeft;
            const bool inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
            *o++ = inside ? int32_t((n * g.channels * g.height + y) * g.width + x) : -1;
          }
  return offsets;
}

template <typename T>
void im2col(const T* image, const Window& g, T* cols, int64_t ld) {
  const int64_t H = g.height, W = g.width, gw = g.gridW, L = g.gridH * g.gridW, sw = g.strideW;
  if (ld == 0) ld = g.batch * L;
  if constexpr (std::is_same<T, float>::value)
    if (gw < 8 && active_isa() == Isa::Avx512 && g.kernelH * g.kernelW * g.batch * L <= (1 << 20) &&
        g.batch * g.channels * H * W <= INT32_MAX) {
      const std::vector<int32_t> offsets = gather_offsets(g);
      return split_units(g.channels, g.kernelH * g.kernelW * g.batch * L, kMinWork,
                         [&](int64_t c0, int64_t c1) { im2col_f32_gather(image, g, offsets.data(), c0, c1, cols, ld); });
    }
  const bool avx512 = std::is_same<T, float>::value && sw == 1 && active_isa() == Isa::Avx512;
  for_each_tap(g, ld, [&](int64_t p, int64_t, int64_t col, int64_t y0, int64_t y1, int64_t x0, int64_t x1, int64_t dy,
                      int64_t dx) {
    T* q = cols + col;
    const T* plane = image + p * H * W;
    if constexpr (std::is_same<T, float>::value)
      if (avx512) return im2col_tap_f32_avx512(plane, W, g.strideH, g.gridH, gw, y0, y1, x0, x1, dy, dx, q);
    zero(q, y0 * gw);
    for (int64_t oy = y0; oy < y1; oy++) {
      T* row = q + oy * gw;
      const T* line = plane + (oy * g.strideH + dy) * W + dx;
      zero(row, x0);
      if (sw == 1 && x1 - x0 >= 16) std::memcpy(row + x0, line + x0, size_t(x1 - x0) * sizeof(T));
      else
        for (int64_t ox = x0; ox < x1; ox++) row[ox] = line[ox * sw];
      zero(row + x1, gw - x1);
    }
    zero(q + y1 * gw, L - y1 * gw);
  });
}

template <typename T>
void col2im(const T* cols, const Window& g, T* image, int64_t ld) {
  const int64_t H = g.height, W = g.width, gw = g.gridW, sw = g.strideW;
  if (ld == 0) ld = g.batch * g.gridH * gw;
  if constexpr (std::is_same<T, float>::value)
    if (sw == 1 && active_isa() == Isa::Avx512)
      return split_units(g.channels, g.kernelH * g.kernelW * g.batch * H * W, kMinWork,
                         [&](int64_t c0, int64_t c1) { col2im_f32_avx512(cols, g, ld, c0, c1, image); });
  if (g.kernelH * g.kernelW == 0) std::fill(image, image + g.batch * g.channels * H * W, T(0));
  for_each_tap(g, ld, [&](int64_t p, int64_t tap, int64_t col, int64_t y0, int64_t y1, int64_t x0, int64_t x1, int64_t dy,
                      int64_t dx) {
    T* plane = image + p * H * W;
    if (tap == 0) std::fill(plane, plane + H * W, T(0));  // the plane's first tap: taps add in order, as in JS
    const T* q = cols + col;
    for (int64_t oy = y0; oy < y1; oy++) {
      const T* row = q + oy * gw;
      T* line = plane + (oy * g.strideH + dy) * W + dx;
      if (sw == 1)
        for (int64_t ox = x0; ox < x1; ox++) line[ox] += row[ox];
      else
        for (int64_t ox = x0; ox < x1; ox++) line[ox * sw] += row[ox];
    }
  });
}

// One tap of a max-pooling window: NaN wins, a later NaN takes over, ties keep the first.
template <typename T>
__attribute__((always_inline)) inline void pool_tap(T v, int64_t at, T& best, int64_t& bestIndex) {
  const bool take = (v > best) | (v != v);
  best = take ? v : best;
  bestIndex = take ? at : bestIndex;
}

// Planes p0..p1 of the 2×2, stride-2 window pooling (every tap inside the image).
template <typename T>
void max_pool_2x2(const T* image, int64_t H, int64_t W, int64_t gridH, int64_t gridW, int64_t p0, int64_t p1, T* out,
                  double* indices) {
  const int64_t perPlane = gridH * gridW;
  for (int64_t p = p0; p < p1; p++) {
    const T* plane = image + p * H * W;
    int64_t q = p * perPlane;
    for (int64_t oy = 0; oy < gridH; oy++) {
      const int64_t top = 2 * oy * W;
      for (int64_t ox = 0; ox < gridW; ox++, q++) {
        const int64_t a = top + 2 * ox;
        T best = -std::numeric_limits<T>::infinity();
        int64_t bestIndex = a;
        pool_tap(plane[a], a, best, bestIndex);
        pool_tap(plane[a + 1], a + 1, best, bestIndex);
        pool_tap(plane[a + W], a + W, best, bestIndex);
        pool_tap(plane[a + W + 1], a + W + 1, best, bestIndex);
        out[q] = best;
        indices[q] = double(bestIndex);
      }
    }
  }
}

// The float32 loop in AVX-512, 16 outputs at a time: a row pair's 32 values are loaded (masked
// at the row's end) and split into the left and right taps, which then go through pool_tap's
// rule lane by lane in the same tap order, so values and indices equal the scalar loop's.
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi,bmi2")
// pool_tap's rule in the lanes of `lanes`.
inline void pool_tap_x16(__m512 v, __m512i at, __m512& best, __m512i& bestIndex, __mmask16 lanes = 0xffff) {
  const __mmask16 take = lanes & (_mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
  best = _mm512_mask_mov_ps(best, take, v);
  bestIndex = _mm512_mask_mov_epi32(bestIndex, take, at);
}

// The `outs` lanes of 16 outputs at q: values, and indices as doubles.
inline void store_pool_x16(float* out, double* indices, int64_t q, __mmask16 outs, __m512 best, __m512i bestIndex) {
  _mm512_mask_storeu_ps(out + q, outs, best);
  _mm512_mask_storeu_pd(indices + q, __mmask8(outs), _mm512_cvtepi32_pd(_mm512_castsi512_si256(bestIndex)));
  _mm512_mask_storeu_pd(indices + q + 8, __mmask8(outs >> 8), _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(bestIndex, 1)));
}

void max_pool_2x2_f32_avx512(const float* image, int64_t H, int64_t W, int64_t gridH, int64_t gridW, int64_t p0,
                             int64_t p1, float* out, double* indices) {
  const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
  const __m512i one = _mm512_set1_epi32(1), down = _mm512_set1_epi32(int32_t(W));
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = image + p * H * W;
    for (int64_t oy = 0; oy < gridH; oy++) {
      const int64_t rowStart = (p * gridH + oy) * gridW;
      for (int64_t ox = 0; ox < gridW; ox += 16) {
        const int64_t n = std::min<int64_t>(16, gridW - ox);
        const __mmask16 outs = lanes_between(0, n), lo = lanes_between(0, 2 * n), hi = lanes_between(0, 2 * n - 16);
        const int64_t a = 2 * oy * W + 2 * ox;  // the first window's top-left tap
        const float* top = plane + a;
        const float* bottom = top + W;
        const __m512 t0 = _mm512_maskz_loadu_ps(lo, top), t1 = _mm512_maskz_loadu_ps(hi, top + 16);
        const __m512 b0 = _mm512_maskz_loadu_ps(lo, bottom), b1 = _mm512_maskz_loadu_ps(hi, bottom + 16);
        const __m512i at = _mm512_add_epi32(_mm512_set1_epi32(int32_t(a)), evens);
        __m512 best = _mm512_permutex2var_ps(t0, evens, t1);
        __m512i bestIndex = at;
        pool_tap_x16(_mm512_permutex2var_ps(t0, odds, t1), _mm512_add_epi32(at, one), best, bestIndex);
        pool_tap_x16(_mm512_permutex2var_ps(b0, evens, b1), _mm512_add_epi32(at, down), best, bestIndex);
        pool_tap_x16(_mm512_permutex2var_ps(b0, odds, b1), _mm512_add_epi32(_mm512_add_epi32(at, down), one), best,
                     bestIndex);
        store_pool_x16(out, indices, rowStart + ox, outs, best, bestIndex);
      }
    }
  }
}

// Any other float32 window at dilation 1: 16 outputs of a row at a time, each tap gathered.
// Lanes whose tap lies in the padding skip it, as the scalar loop does, and taps come in the
// same order, so values and indices equal the scalar loop's.
void max_pool_f32_avx512(const float* image, const Window& g, int64_t p0, int64_t p1, float* out, double* indices) {
  const int64_t H = g.height, W = g.width;
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i zero = _mm512_setzero_si512(), width = _mm512_set1_epi32(int32_t(W));
  for (int64_t p = p0; p < p1; p++) {
    const float* plane = image + p * H * W;
    for (int64_t oy = 0; oy < g.gridH; oy++) {
      const int64_t ys = oy * g.strideH - g.padTop, y0 = std::max<int64_t>(ys, 0);
      const int64_t y1 = std::min(ys + g.kernelH, H);
      for (int64_t ox = 0; ox < g.gridW; ox += 16) {
        const __mmask16 outs = lanes_between(0, g.gridW - ox);
        const __m512i xs = _mm512_sub_epi32(_mm512_mullo_epi32(_mm512_add_epi32(_mm512_set1_epi32(int32_t(ox)), iota),
                                                                _mm512_set1_epi32(int32_t(g.strideW))),
                                            _mm512_set1_epi32(int32_t(g.padLeft)));
        __m512 best = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
        __m512i bestIndex = _mm512_add_epi32(_mm512_set1_epi32(int32_t(y0 * W)), _mm512_max_epi32(xs, zero));
        for (int64_t y = y0; y < y1; y++) {
          const __m512i row = _mm512_set1_epi32(int32_t(y * W));
          for (int64_t j = 0; j < g.kernelW; j++) {
            const __m512i x = _mm512_add_epi32(xs, _mm512_set1_epi32(int32_t(j)));
            const __mmask16 inside =
                outs & _mm512_cmpge_epi32_mask(x, zero) & _mm512_cmplt_epi32_mask(x, width);
            const __m512i at = _mm512_add_epi32(row, x);
            pool_tap_x16(_mm512_mask_i32gather_ps(best, inside, at, plane, 4), at, best, bestIndex, inside);
          }
        }
        store_pool_x16(out, indices, (p * g.gridH + oy) * g.gridW + ox, outs, best, bestIndex);
      }
    }
  }
}
#pragma GCC pop_options

template <typename T>
void max_pool2d(const T* image, const Window& g, T* out, double* indices) {
  const int64_t H = g.height, W = g.width, perPlane = g.gridH * g.gridW;
  if (g.kernelH == 2 && g.kernelW == 2 && g.strideH == 2 && g.strideW == 2 && g.padTop == 0 && g.padLeft == 0 &&
      g.dilationH == 1 && g.dilationW == 1 && 2 * g.gridH <= H && 2 * g.gridW <= W) {
    // The common 2×2, stride-2 window with every tap inside the image: four taps, no bounds.
    const bool fast = active_isa() == Isa::Avx512 && H * W <= INT32_MAX;  // int32 index lanes
    split_units(g.batch * g.channels, perPlane * 4, kMinWork, [&](int64_t p0, int64_t p1) {
      if constexpr (std::is_same<T, float>::value)
        if (fast) return max_pool_2x2_f32_avx512(image, H, W, g.gridH, g.gridW, p0, p1, out, indices);
      max_pool_2x2(image, H, W, g.gridH, g.gridW, p0, p1, out, indices);
    });
    return;
  }
  // int32 lanes: plane indices, and grid positions times the stride, padding and kernel added.
  const bool gathered = std::is_same<T, float>::value && active_isa() == Isa::Avx512 && g.dilationH == 1 &&
                        g.dilationW == 1 && H * W <= INT32_MAX && g.gridW * g.strideW + g.kernelW + W <= INT32_MAX;
  split_units(g.batch * g.channels, perPlane * g.kernelH * g.kernelW, kMinWork, [&](int64_t p0, int64_t p1) {
    if constexpr (std::is_same<T, float>::value)
      if (gathered) return max_pool_f32_avx512(image, g, p0, p1, out, indices);
    for (int64_t p = p0; p < p1; p++) {
      const T* plane = image + p * H * W;
      int64_t q = p * perPlane;
      for (int64_t oy = 0; oy < g.gridH; oy++) {
        int64_t y0 = oy * g.strideH - g.padTop;
        const int64_t y1 = std::min(y0 + (g.kernelH - 1) * g.dilationH + 1, H);
        if (y0 < 0) y0 += ceil_div(-y0, g.dilationH) * g.dilationH;  // first tap inside the image
        for (int64_t ox = 0; ox < g.gridW; ox++, q++) {
          int64_t x0 = ox * g.strideW - g.padLeft;
          const int64_t x1 = std::min(x0 + (g.kernelW - 1) * g.dilationW + 1, W);
          if (x0 < 0) x0 += ceil_div(-x0, g.dilationW) * g.dilationW;
          T best = -std::numeric_limits<T>::infinity();
          int64_t bestIndex = y0 * W + x0;
          for (int64_t y = y0; y < y1; y += g.dilationH)
            for (int64_t x = x0; x < x1; x += g.dilationW) {
              pool_tap(plane[y * W + x], y * W + x, best, bestIndex);
            }
          out[q] = best;
          indices[q] = double(bestIndex);
        }
      }
    }
  });
}

template <typename T>
bool scatter_add_planes(const T* values, const double* indices, int64_t planes, int64_t perPlane, int64_t planeSize,
                        T* target) {
  std::atomic<bool> ok{true};
  split_units(planes, perPlane + planeSize, kMinWork, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      T* t = target + p * planeSize;
      std::fill(t, t + planeSize, T(0));
      for (int64_t k = p * perPlane; k < (p + 1) * perPlane; k++) {
        const double i = indices[k];
        if (!(i >= 0 && i < double(planeSize) && i == std::floor(i))) {
          ok = false;
          return;
        }
        t[int64_t(i)] += values[k];
      }
    }
  });
  return ok.load();
}

// ---- Convolution passes, one image at a time ----------------------------------------------
//
// Each image's columns (C·kH·kW × L) are built in a per-thread buffer small enough to stay in
// cache and meet the weight in one product on that thread; images are shared out over the
// pool. Unlike im2col of the whole batch and one product, the batch's columns (tens of MB in
// early layers) never travel through memory, and each thread's piece is whole products.

namespace {

struct ConvShape {
  int64_t image, ckk, L, O;  // elements per image, rows of one image's columns, grid positions, output channels
  int64_t ld;                // row stride of an image's columns (see conv_shape)
  Window one;                // the geometry of a single image
};

// The row stride of column rows of `positions` values: padded to a 64-byte multiple that is not
// one of 4 KiB, since rows a power of two apart map to the same L1 sets and alias in the
// load/store units when the GEMM packs or reads them (64×576×1024, a forward: 99 → 117 GFLOPS;
// Emerald Rapids).
inline int64_t column_stride(int64_t positions) { return (positions + 15) / 16 * 16 + 16; }

ConvShape conv_shape(const Window& g, int64_t O) {
  Window one = g;
  one.batch = 1;
  const int64_t L = g.gridH * g.gridW;
  return {g.channels * g.height * g.width, g.channels * g.kernelH * g.kernelW, L, O, column_stride(L), one};
}

// Grid positions per block of for_grid_blocks.
constexpr int64_t kBlockPositions = 256;

// Calls body(block, first, positions, ld) for blocks of whole grid rows of one image, about
// kBlockPositions positions each: `block` is the single-image window of those rows (the padding
// shifted), `first` the block's first position, `ld` the row stride for its columns. A block's
// columns stay in L2 between im2col and the product that reads them, where a large grid's
// (576 rows × 1024 positions, 2.4 MB) do not (W5's forward ~15% faster, its whole step ~8%, at
// one and two threads).
template <typename F>
void for_grid_blocks(const ConvShape& s, const F& body) {
  const Window& g = s.one;
  const int64_t rows = std::max<int64_t>(1, kBlockPositions / g.gridW);
  for (int64_t oy = 0; oy < g.gridH; oy += rows) {
    Window block = g;
    block.gridH = std::min(rows, g.gridH - oy);
    block.padTop = g.padTop - oy * g.strideH;
    const int64_t positions = block.gridH * g.gridW;
    body(block, oy * g.gridW, positions, column_stride(positions));
  }
}

// Runs body(n0, n1, cols) over ranges of the batch's images on the pool, cols being the
// running thread's column buffer; false if one could not be allocated.
template <typename T, typename F>
bool for_image_ranges(const Window& g, const ConvShape& s, const F& body) {
  std::atomic<bool> ok{true};
  split_units(g.batch, s.O * s.ckk * s.L, kMinWork, [&](int64_t n0, int64_t n1) {
    T* cols = thread_scratch<T, 0>(size_t(s.ckk * s.ld));
    if (!cols) ok = false;
    else body(n0, n1, cols);
  });
  return ok.load();
}

}  // namespace

template <typename T>
bool conv2d_forward(const T* x, const T* w, const Window& g, int64_t O, T* out) {
  if constexpr (std::is_same_v<T, float>)
    if (winograd_applies(g, O)) return winograd_forward(x, w, g, O, out);
  const ConvShape s = conv_shape(g, O);
  return for_image_ranges<T>(g, s, [&](int64_t n0, int64_t n1, T* cols) {
    for (int64_t n = n0; n < n1; n++)
      for_grid_blocks(s, [&](const Window& block, int64_t first, int64_t positions, int64_t ld) {
        im2col(x + n * s.image, block, cols, ld);
        gemm_serial(O, positions, s.ckk, w, s.ckk, 1, cols, ld, 1, out + n * O * s.L + first, s.L, false);
      });
  });
}

template <typename T>
bool conv2d_input_grad(const T* gy, const T* w, const Window& g, int64_t O, T* gx) {
  if constexpr (std::is_same_v<T, float>)
    if (winograd_applies(g, O)) return winograd_input_grad(gy, w, g, O, gx);
  const ConvShape s = conv_shape(g, O);
  return for_image_ranges<T>(g, s, [&](int64_t n0, int64_t n1, T* cols) {
    for (int64_t n = n0; n < n1; n++) {
      gemm_serial(s.ckk, s.L, O, w, 1, s.ckk, gy + n * O * s.L, s.L, 1, cols, s.ld, false);
      col2im(cols, s.one, gx + n * s.image, s.ld);
    }
  });
}

template <typename T>
bool conv2d_weight_grad(const T* x, const T* gy, const Window& g, int64_t O, T* gw) {
  const ConvShape s = conv_shape(g, O);
  const int64_t size = O * s.ckk;
  if (g.batch == 0) {
    std::fill(gw, gw + size, T(0));
    return true;
  }
  // For wide grids the transposed product gwᵀ = cols · gyᵀ runs faster: the GEMM reads the columns
  // in place (a few output channels: see gemm_one) and packs only gyᵀ, O × L, where gw = gy · colsᵀ
  // transposes all C·kH·kW × L columns into its packing (W5, 64 channels on a 32×32 grid: ~7%).
  // Narrow grids keep gw = gy · colsᵀ (8×8 grids, 128 channels: ~3% slower transposed).
  const bool transposed = O <= 128 && s.L >= O;
  // The batch is cut into a fixed number of parts, each summed into its own array (part 0 into
  // gw when not transposed), and the parts are added in order: the result does not depend on
  // which thread ran what.
  const int threads = get_num_threads();
  const bool shared = threads > 1 && g.batch * size * s.L >= 2 * kMinWork;
  const int64_t parts = shared ? std::min<int64_t>(g.batch, 2 * threads) : 1;
  const int64_t scratchParts = transposed ? parts : parts - 1;
  T* partial = scratchParts > 0 ? thread_scratch<T, 1>(size_t(scratchParts * size)) : nullptr;
  if (scratchParts > 0 && !partial) return false;
  std::atomic<bool> ok{true};
  split_units(parts, 1, 1, [&](int64_t p0, int64_t p1) {
    T* cols = thread_scratch<T, 0>(size_t(s.ckk * s.ld));
    if (!cols) {
      ok = false;
      return;
    }
    for (int64_t p = p0; p < p1; p++) {
      T* sum = transposed ? partial + p * size : p == 0 ? gw : partial + (p - 1) * size;
      const int64_t n0 = g.batch * p / parts, n1 = g.batch * (p + 1) / parts;
      for (int64_t n = n0; n < n1; n++) {
        const T* gyn = gy + n * O * s.L;
        if (transposed)
          for_grid_blocks(s, [&](const Window& block, int64_t first, int64_t positions, int64_t ld) {
            im2col(x + n * s.image, block, cols, ld);
            gemm_serial(s.ckk, O, positions, cols, ld, 1, gyn + first, 1, s.L, sum, O, n > n0 || first > 0);
          });
        else {
          im2col(x + n * s.image, s.one, cols, s.ld);
          gemm_serial(O, s.ckk, s.L, gyn, s.L, 1, cols, 1, s.ld, sum, s.ckk, n > n0);
        }
      }
    }
  });
  if (!ok.load()) return false;
  if (transposed) {
    for (int64_t p = 1; p < parts; p++) {
      const T* part = partial + p * size;
      for (int64_t i = 0; i < size; i++) partial[i] += part[i];
    }
    gather_tile(partial, 1, O, O, s.ckk, gw, s.ckk);
    return true;
  }
  for (int64_t p = 1; p < parts; p++) {
    const T* part = partial + (p - 1) * size;
    for (int64_t i = 0; i < size; i++) gw[i] += part[i];
  }
  return true;
}

template void im2col<float>(const float*, const Window&, float*, int64_t);
template void im2col<double>(const double*, const Window&, double*, int64_t);
template void col2im<float>(const float*, const Window&, float*, int64_t);
template void col2im<double>(const double*, const Window&, double*, int64_t);
template void max_pool2d<float>(const float*, const Window&, float*, double*);
template void max_pool2d<double>(const double*, const Window&, double*, double*);
template bool scatter_add_planes<float>(const float*, const double*, int64_t, int64_t, int64_t, float*);
template bool scatter_add_planes<double>(const double*, const double*, int64_t, int64_t, int64_t, double*);
template bool conv2d_forward<float>(const float*, const float*, const Window&, int64_t, float*);
template bool conv2d_forward<double>(const double*, const double*, const Window&, int64_t, double*);
template bool conv2d_input_grad<float>(const float*, const float*, const Window&, int64_t, float*);
template bool conv2d_input_grad<double>(const double*, const double*, const Window&, int64_t, double*);
template bool conv2d_weight_grad<float>(const float*, const float*, const Window&, int64_t, float*);
template bool conv2d_weight_grad<double>(const double*, const double*, const Window&, int64_t, double*);

}  // namespace kindling
