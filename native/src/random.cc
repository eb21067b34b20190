// Bernoulli draws from an MT19937 state owned by JavaScript (the Generator's Uint32Array), made
// exactly as the JS kernel and PyTorch's CPU generator make them: one 53-bit double per element
// from two tempered words, compared with p. Dropout draws one per activation, which is this
// file's reason to exist.
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace kindling {
namespace {

constexpr int64_t kN = 624;
constexpr int64_t kM = 397;

inline uint32_t mix(uint32_t a, uint32_t b, uint32_t c) {
  const uint32_t y = (a & 0x80000000u) | (b & 0x7fffffffu);
  return c ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
}

void twist(uint32_t* mt) {
  int64_t i = 0;
  for (; i < kN - kM; i++) mt[i] = mix(mt[i], mt[i + 1], mt[i + kM]);
  for (; i < kN - 1; i++) mt[i] = mix(mt[i], mt[i + 1], mt[i + kM - kN]);
  mt[kN - 1] = mix(mt[kN - 1], mt[0], mt[kM - 1]);
}

inline uint32_t temper(uint32_t y) {
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

// Draws from the tempered words t[0..2·count) in pairs: hi·2³² + lo < p·2⁵³ exactly when the
// 53-bit integer is below ceil(p·2⁵³) (the integer `limit`), a compare GCC vectorizes.
template <typename T>
inline void draw_pairs(const uint32_t* __restrict t, int64_t count, uint64_t limit, T value, T* __restrict out) {
  for (int64_t q = 0; q < count; q++) {
    const uint64_t x = (uint64_t(t[2 * q] & 0x1fffffu) << 32) | t[2 * q + 1];
    out[q] = x < limit ? value : T(0);
  }
}

// Whole runs of the state: temper every word still unused, then draw pairs from them.
template <typename T>
inline int64_t fill_runs(uint32_t* mt, int64_t index, T* out, int64_t n, uint64_t limit, T value) {
  uint32_t t[kN];
  int64_t i = 0;
  while (i < n) {
    if (index >= kN) {
      twist(mt);
      index = 0;
    }
    if (index == kN - 1) {  // a pair across the twist
      const uint32_t hi = temper(mt[index]);
      twist(mt);
      index = 0;
      const uint32_t pair[2] = {hi, temper(mt[index++])};
      draw_pairs(pair, 1, limit, value, out + i++);
      continue;
    }
    const int64_t count = std::min(n - i, (kN - index) / 2);
    for (int64_t w = 0; w < 2 * count; w++) t[w] = temper(mt[index + w]);
    draw_pairs(t, count, limit, value, out + i);
    i += count;
    index += 2 * count;
  }
  return index;
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi,bmi2")
template <typename T>
int64_t fill_runs_avx512(uint32_t* mt, int64_t index, T* out, int64_t n, uint64_t limit, T value) {
  return fill_runs(mt, index, out, n, limit, value);
}
#pragma GCC pop_options

}  // namespace

template <typename T>
int64_t bernoulli_fill(uint32_t* mt, int64_t index, T* out, int64_t n, double p, T value) {
  // p·2⁵³ is exact in a double. No draw is below a limit of 0 (p <= 0 or NaN), every one below 2⁵³ (p >= 1).
  const double two53 = 9007199254740992.0;
  const uint64_t limit = p > 0 ? uint64_t(p >= 1 ? two53 : std::ceil(p * two53)) : 0;
  if (active_isa() == Isa::Avx512) return fill_runs_avx512(mt, index, out, n, limit, value);
  return fill_runs(mt, index, out, n, limit, value);
}

template int64_t bernoulli_fill<float>(uint32_t*, int64_t, float*, int64_t, double, float);
template int64_t bernoulli_fill<double>(uint32_t*, int64_t, double*, int64_t, double, double);

}  // namespace kindling
