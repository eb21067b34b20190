// Winograd F(2×2, 3×3) for float32 3×3 stride-1 convolutions on AVX-512 (the forward pass,
// and the input gradient, which is the same kind of convolution of the output gradient with
// the weights flipped and transposed).
//
// Each 2×2 block of outputs (a tile) comes from a 4×4 patch d of the input: y = Aᵀ[U ⊙ V]A,
// summed over input channels, with U = G g Gᵀ the 4×4 transform of a 3×3 filter g and
// V = Bᵀ d B that of the patch. The sum over channels is 16 products U_ξ (O×C) · V_ξ (C×tiles),
// one per position ξ of the 4×4 transforms: 16 multiply-adds a tile per channel pair where the
// direct convolution takes 36 (2.25× fewer). Transforms use only ±1 and ½, so they add a few
// roundings; the rounding bound the tests check is in test/backend/native.test.ts.
//
// Per image: the input planes are copied into a zero-bordered buffer (no edge cases in the
// transforms), then blocks of tile rows are transformed 16 tiles at a time (one vector per
// transform position), multiplied, and transformed back into the output.
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels.h"

namespace kindling {
namespace {

// Tiles per product, about: the block's V and M (16·C and 16·O rows of this many floats) stay
// in L2 between the transforms and the products.
constexpr int64_t kBlockTiles = 128;

// Grid positions an image needs, both ways, for the transforms to pay (the per-image passes
// start at 64 anyway). Fwd+bwd of one layer at batch 8 (Winograd on / off): one thread, 64
// channels on 16×16 2.83–2.87 / 3.22 ms, 128 on 8×8 2.85–2.94 / 3.15–3.20, 64 on 32×32
// 9.1–9.8 / 12.4–12.5; two threads 1.50–2.04 / 2.01–2.06, 1.57–1.78 / 1.82–1.91, 4.85–5.39 /
// 6.91–7.15.
constexpr int64_t kMinPositions = 8 * 8;

// The geometry of one Winograd convolution of Ci input planes (inH × inW) into Co output planes
// (outH × outW): output (i, j) reads input rows i − padTop + 0..2 and columns j − padLeft + 0..2.
struct Plan {
  int64_t Ci, Co, inH, inW, outH, outW, padTop, padLeft;
  int64_t TH, TW;  // tile rows and columns
  int64_t PH, PW;  // rows and row stride of the zero-bordered input planes
};

Plan make_plan(int64_t Ci, int64_t Co, int64_t inH, int64_t inW, int64_t outH, int64_t outW, int64_t padTop,
               int64_t padLeft) {
  Plan p{Ci, Co, inH, inW, outH, outW, padTop, padLeft, (outH + 1) / 2, (outW + 1) / 2, 0, 0};
  p.PH = 2 * p.TH + 2;
  // A row is read 32 + 2 floats past each group of 16 tiles' first column: slack for the last group.
  p.PW = (2 * p.TW + 2 + 15) / 16 * 16 + 32;
  return p;
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")

// U[ξ][o][i] = (G g Gᵀ)[ξ] for the 3×3 filters g of outputs o in [o0, o1), G = [1 0 0; ½ ½ ½;
// ½ −½ ½; 0 0 1], 16 inputs i at a time. flipped: g[ky][kx] = w[i][o][2 − ky][2 − kx] (the input
// gradient's filters), else w[o][i][ky][kx].
void transform_filters(const float* w, const Plan& p, bool flipped, int64_t o0, int64_t o1, float* U) {
  const int64_t plane = p.Co * p.Ci;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // Element (ky, kx) of lane l's filter sits at base + l·step + tap(ky, kx).
  const __m512i step = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(flipped ? 9 * p.Co : 9)));
  const __m512 half = _mm512_set1_ps(0.5f);
  for (int64_t o = o0; o < o1; o++)
    for (int64_t i0 = 0; i0 < p.Ci; i0 += 16) {
      const int64_t left = std::min<int64_t>(16, p.Ci - i0);
      const __mmask16 m = left == 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
      const float* base = flipped ? w + (i0 * p.Co + o) * 9 : w + (o * p.Ci + i0) * 9;
      __m512 g[3][3];
      for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++) {
          const int tap = flipped ? (2 - ky) * 3 + (2 - kx) : ky * 3 + kx;
          g[ky][kx] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, step, base + tap, 4);
        }
      __m512 t[4][3];  // G g
      for (int c = 0; c < 3; c++) {
        t[0][c] = g[0][c];
        t[1][c] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(g[0][c], g[1][c]), g[2][c]));
        t[2][c] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(g[0][c], g[1][c]), g[2][c]));
        t[3][c] = g[2][c];
      }
      float* out = U + o * p.Ci + i0;
      for (int r = 0; r < 4; r++) {  // (G g) Gᵀ
        _mm512_mask_storeu_ps(out + (4 * r + 0) * plane, m, t[r][0]);
        _mm512_mask_storeu_ps(out + (4 * r + 1) * plane, m, _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(t[r][0], t[r][1]), t[r][2])));
        _mm512_mask_storeu_ps(out + (4 * r + 2) * plane, m, _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(t[r][0], t[r][1]), t[r][2])));
        _mm512_mask_storeu_ps(out + (4 * r + 3) * plane, m, t[r][2]);
      }
    }
}

// Copies input planes into zero-bordered ones: P[i][r][c] = x[i][r − padTop][c − padLeft], 0 outside.
void border_planes(const float* x, const Plan& p, float* P) {
  for (int64_t i = 0; i < p.Ci; i++) {
    float* dst = P + i * p.PH * p.PW;
    const float* src = x + i * p.inH * p.inW;
    const int64_t c0 = std::max<int64_t>(0, p.padLeft), c1 = std::min<int64_t>(p.PW, p.padLeft + p.inW);
    for (int64_t r = 0; r < p.PH; r++) {
      float* row = dst + r * p.PW;
      const int64_t sr = r - p.padTop;
      if (sr < 0 || sr >= p.inH || c1 <= c0) {
        std::memset(row, 0, sizeof(float) * p.PW);
        continue;
      }
      std::memset(row, 0, sizeof(float) * c0);
      std::memcpy(row + c0, src + sr * p.inW + (c0 - p.padLeft), sizeof(float) * (c1 - c0));
      std::memset(row + c1, 0, sizeof(float) * (p.PW - c1));
    }
  }
}

// Calls body(plane, ty, tx0, mask) for each group of up to 16 tiles (tx0 the first, mask its
// lanes) of tile rows [ty0, ty1), for every plane.
template <typename F>
inline void for_tile_groups(int64_t planes, int64_t ty0, int64_t ty1, int64_t TW, const F& body) {
  for (int64_t plane = 0; plane < planes; plane++)
    for (int64_t ty = ty0; ty < ty1; ty++)
      for (int64_t tx0 = 0; tx0 < TW; tx0 += 16) {
        const int64_t left = std::min<int64_t>(16, TW - tx0);
        body(plane, ty, tx0, left == 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1));
      }
}

// Stores V = Bᵀ d B of 16 tiles' patches d (one vector per patch entry) at out + ξ·plane,
// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
inline void store_input_transform(const __m512 (&d)[4][4], float* out, int64_t plane, __mmask16 m) {
  __m512 e[4][4];  // Bᵀ d
  for (int j = 0; j < 4; j++) {
    e[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
    e[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
    e[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
    e[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
  }
  for (int r = 0; r < 4; r++) {  // (Bᵀ d) B
    _mm512_mask_storeu_ps(out + (4 * r + 0) * plane, m, _mm512_sub_ps(e[r][0], e[r][2]));
    _mm512_mask_storeu_ps(out + (4 * r + 1) * plane, m, _mm512_add_ps(e[r][1], e[r][2]));
    _mm512_mask_storeu_ps(out + (4 * r + 2) * plane, m, _mm512_sub_ps(e[r][2], e[r][1]));
    _mm512_mask_storeu_ps(out + (4 * r + 3) * plane, m, _mm512_sub_ps(e[r][1], e[r][3]));
  }
}

// y[a][b] = (Aᵀ M A)[a][b] for 16 tiles whose M_ξ sit at in + ξ·plane, Aᵀ = [1 1 1 0; 0 1 −1 −1].
inline void load_output_transform(const float* in, int64_t plane, __m512 (&y)[2][2]) {
  __m512 s[2][4];  // Aᵀ M
  for (int c = 0; c < 4; c++) {
    const __m512 m0 = _mm512_loadu_ps(in + c * plane), m1 = _mm512_loadu_ps(in + (4 + c) * plane);
    const __m512 m2 = _mm512_loadu_ps(in + (8 + c) * plane), m3 = _mm512_loadu_ps(in + (12 + c) * plane);
    s[0][c] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
    s[1][c] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
  }
  for (int a = 0; a < 2; a++) {  // (Aᵀ M) A
    y[a][0] = _mm512_add_ps(_mm512_add_ps(s[a][0], s[a][1]), s[a][2]);
    y[a][1] = _mm512_sub_ps(_mm512_sub_ps(s[a][1], s[a][2]), s[a][3]);
  }
}

// V[ξ][i][t − t0] = (Bᵀ d B)[ξ] for the tiles t of tile rows [ty0, ty1), 16 tiles of a row at a
// time: columns 2·tx + j of a patch row are every other float from 2·tx0 + j, gathered from two
// loads by one permute.
void transform_inputs(const float* P, const Plan& p, int64_t ty0, int64_t ty1, float* V, int64_t ldV) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for_tile_groups(p.Ci, ty0, ty1, p.TW, [&](int64_t i, int64_t ty, int64_t tx0, __mmask16 m) {
    __m512 d[4][4];
    for (int r = 0; r < 4; r++) {
      const float* row = P + (i * p.PH + 2 * ty + r) * p.PW + 2 * tx0;
      const __m512 a = _mm512_loadu_ps(row), b = _mm512_loadu_ps(row + 16);
      const __m512 a2 = _mm512_loadu_ps(row + 2), b2 = _mm512_loadu_ps(row + 18);
      d[r][0] = _mm512_permutex2var_ps(a, even, b);
      d[r][1] = _mm512_permutex2var_ps(a, odd, b);
      d[r][2] = _mm512_permutex2var_ps(a2, even, b2);
      d[r][3] = _mm512_permutex2var_ps(a2, odd, b2);
    }
    store_input_transform(d, V + i * ldV + (ty - ty0) * p.TW + tx0, p.Ci * ldV, m);
  });
}

// out[o][2·ty + a][2·tx + b] = (Aᵀ M A)[a][b] for the tiles of tile rows [ty0, ty1); the two
// columns of 16 tiles are interleaved into 32 consecutive outputs.
void transform_outputs(const float* M, const Plan& p, int64_t ty0, int64_t ty1, int64_t ldM, float* y) {
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
  for_tile_groups(p.Co, ty0, ty1, p.TW, [&](int64_t o, int64_t ty, int64_t tx0, __mmask16) {
    __m512 t[2][2];
    load_output_transform(M + o * ldM + (ty - ty0) * p.TW + tx0, p.Co * ldM, t);
    const int64_t cols = std::min<int64_t>(32, p.outW - 2 * tx0);
    const __mmask32 keep = cols >= 32 ? __mmask32(0xffffffffu) : __mmask32((1u << cols) - 1);
    for (int a = 0; a < 2 && 2 * ty + a < p.outH; a++) {
      float* dst = y + (o * p.outH + 2 * ty + a) * p.outW + 2 * tx0;
      _mm512_mask_storeu_ps(dst, __mmask16(keep), _mm512_permutex2var_ps(t[a][0], lo, t[a][1]));
      _mm512_mask_storeu_ps(dst + 16, __mmask16(keep >> 16), _mm512_permutex2var_ps(t[a][0], hi, t[a][1]));
    }
  });
}

// Grids of fewer than 16 tile columns: each group of 16 lanes takes 16 consecutive tiles in row
// order, across tile rows, so no lane idles but in an image's last group. Lane l of group t0
// reads patch (r, j) at P[r·PW + j + in[l]] and writes output (a, b) at y[a·outW + b + out[l]].
struct TileGroup {
  int32_t in[16], out[16];
  __mmask16 tiles, lastRow, lastColumn;  // lanes with a tile; those whose second output row, column exists
};

TileGroup tile_group(const Plan& p, int64_t t0) {
  TileGroup g{};
  for (int l = 0; l < 16; l++) {
    const int64_t t = std::min(t0 + l, p.TH * p.TW - 1), ty = t / p.TW, tx = t % p.TW;
    g.in[l] = static_cast<int32_t>(2 * ty * p.PW + 2 * tx);
    g.out[l] = static_cast<int32_t>(2 * ty * p.outW + 2 * tx);
    const bool tile = t0 + l < p.TH * p.TW;
    if (tile) g.tiles |= __mmask16(1u << l);
    if (tile && 2 * ty + 1 < p.outH) g.lastRow |= __mmask16(1u << l);
    if (tile && 2 * tx + 1 < p.outW) g.lastColumn |= __mmask16(1u << l);
  }
  return g;
}

// transform_inputs for one whole image of a narrow grid, its tiles at V + first.
void transform_inputs_narrow(const float* P, const Plan& p, const TileGroup* groups, float* V, int64_t ldV) {
  const int64_t T = p.TH * p.TW;
  for (int64_t i = 0; i < p.Ci; i++)
    for (int64_t t0 = 0; t0 < T; t0 += 16) {
      const TileGroup& tg = groups[t0 / 16];
      const __m512i at = _mm512_loadu_si512(tg.in);
      const float* src = P + i * p.PH * p.PW;
      __m512 d[4][4];
      for (int r = 0; r < 4; r++)
        for (int j = 0; j < 4; j++) d[r][j] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), tg.tiles, at, src + r * p.PW + j, 4);
      store_input_transform(d, V + i * ldV + t0, p.Ci * ldV, tg.tiles);
    }
}

// transform_outputs for one whole image of a narrow grid, its tiles at M + first.
void transform_outputs_narrow(const float* M, const Plan& p, const TileGroup* groups, int64_t ldM, float* y) {
  const int64_t T = p.TH * p.TW;
  for (int64_t o = 0; o < p.Co; o++)
    for (int64_t t0 = 0; t0 < T; t0 += 16) {
      const TileGroup& tg = groups[t0 / 16];
      const __m512i at = _mm512_loadu_si512(tg.out);
      __m512 t[2][2];
      load_output_transform(M + o * ldM + t0, p.Co * ldM, t);
      float* dst = y + o * p.outH * p.outW;
      for (int a = 0; a < 2; a++) {
        const __mmask16 rows = a == 0 ? tg.tiles : tg.lastRow;
        _mm512_mask_i32scatter_ps(dst + a * p.outW, rows, at, t[a][0], 4);
        _mm512_mask_i32scatter_ps(dst + a * p.outW + 1, __mmask16(rows & tg.lastColumn), at, t[a][1], 4);
      }
    }
}

#pragma GCC pop_options

// The 16 products M_ξ = U_ξ · V_ξ of one block of `tiles` tiles (V and M rows `ld` apart).
void multiply(const float* U, const float* V, const Plan& p, int64_t tiles, int64_t ld, float* M) {
  for (int xi = 0; xi < 16; xi++)
    sgemm_serial(p.Co, tiles, p.Ci, U + xi * p.Co * p.Ci, p.Ci, 1, V + xi * p.Ci * ld, ld, 1, M + xi * p.Co * ld, ld, false);
}

// Images [n0, n1) of x (Ci planes each) into y (Co planes each), with the filters' transforms U.
// Grids of 16+ tile columns: blocks of about kBlockTiles tiles of one image's tile rows. Narrow
// ones: blocks of `group` whole images, side by side in V and M, so that the products stay wide.
bool winograd_images(const float* x, const float* U, const Plan& p, int64_t n0, int64_t n1, int64_t group, float* y) {
  const int64_t T = p.TH * p.TW, inSize = p.Ci * p.inH * p.inW, outSize = p.Co * p.outH * p.outW;
  const bool narrow = p.TW < 16;
  const int64_t rows = std::max<int64_t>(1, std::min(p.TH, kBlockTiles / p.TW));
  const int64_t ld = ((narrow ? group * T : rows * p.TW) + 15) / 16 * 16;
  float* P = thread_scratch<float, 2>(size_t(p.Ci * p.PH * p.PW));
  float* V = thread_scratch<float, 3>(size_t(16 * p.Ci * ld));
  float* M = thread_scratch<float, 4>(size_t(16 * p.Co * ld + 16));  // + 16: the last group of tiles reads a whole vector
  if (!P || !V || !M) return false;
  if (narrow) {
    std::vector<TileGroup> groups;
    for (int64_t t0 = 0; t0 < T; t0 += 16) groups.push_back(tile_group(p, t0));
    for (int64_t g0 = n0; g0 < n1; g0 += group) {
      const int64_t g1 = std::min(n1, g0 + group);
      for (int64_t n = g0; n < g1; n++) {
        border_planes(x + n * inSize, p, P);
        transform_inputs_narrow(P, p, groups.data(), V + (n - g0) * T, ld);
      }
      multiply(U, V, p, (g1 - g0) * T, ld, M);
      for (int64_t n = g0; n < g1; n++) transform_outputs_narrow(M + (n - g0) * T, p, groups.data(), ld, y + n * outSize);
    }
    return true;
  }
  for (int64_t n = n0; n < n1; n++) {
    border_planes(x + n * inSize, p, P);
    for (int64_t ty0 = 0; ty0 < p.TH; ty0 += rows) {
      const int64_t ty1 = std::min(p.TH, ty0 + rows);
      transform_inputs(P, p, ty0, ty1, V, ld);
      multiply(U, V, p, (ty1 - ty0) * p.TW, ld, M);
      transform_outputs(M, p, ty0, ty1, ld, y + n * outSize);
    }
  }
  return true;
}

// Every image of the batch, shared out over the pool in blocks of whole images (see
// winograd_images), at least one block a thread.
bool winograd_batch(const float* x, const float* w, bool flipped, const Plan& p, int64_t batch, float* y) {
  float* U = static_cast<float*>(std::aligned_alloc(64, (16 * p.Co * p.Ci * sizeof(float) + 63) / 64 * 64));
  if (!U) return false;
  split_units(p.Co, 64 * p.Ci, 1 << 15, [&](int64_t o0, int64_t o1) { transform_filters(w, p, flipped, o0, o1, U); });
  const int64_t threads = get_num_threads(), T = p.TH * p.TW;
  const int64_t group = p.TW < 16 ? std::max<int64_t>(1, std::min(kBlockTiles / T, (batch + threads - 1) / threads)) : 1;
  const int64_t blocks = (batch + group - 1) / group;
  std::atomic<bool> ok{true};
  split_units(blocks, group * p.Co * p.Ci * T * 16, 1 << 15, [&](int64_t b0, int64_t b1) {
    if (ok.load(std::memory_order_relaxed) && !winograd_images(x, U, p, b0 * group, std::min(batch, b1 * group), group, y))
      ok = false;
  });
  std::free(U);
  return ok.load();
}

}  // namespace

bool winograd_applies(const Window& g, int64_t O) {
  return active_isa() == Isa::Avx512 && g.kernelH == 3 && g.kernelW == 3 && g.strideH == 1 && g.strideW == 1 &&
         g.dilationH == 1 && g.dilationW == 1 && g.channels >= 16 && O >= 16 &&
         std::min(g.gridH, g.height) * std::min(g.gridW, g.width) >= kMinPositions;
}

bool winograd_forward(const float* x, const float* w, const Window& g, int64_t O, float* y) {
  const Plan p = make_plan(g.channels, O, g.height, g.width, g.gridH, g.gridW, g.padTop, g.padLeft);
  return winograd_batch(x, w, false, p, g.batch, y);
}

bool winograd_input_grad(const float* gy, const float* w, const Window& g, int64_t O, float* gx) {
  // gx[i][r][c] = Σ_o Σ_{ky,kx} gy[o][r + padTop − ky][c + padLeft − kx] · w[o][i][ky][kx]: a 3×3
  // convolution of gy with the flipped filters, reading rows r − (2 − padTop) + 0..2.
  const Plan p = make_plan(O, g.channels, g.gridH, g.gridW, g.height, g.width, 2 - g.padTop, 2 - g.padLeft);
  return winograd_batch(gy, w, true, p, g.batch, gx);
}

}  // namespace kindling
