// Bernoulli draws from an MT19937 state owned by JavaScript (the Generator's Uint32Array), made
// exactly as the JS kernel and PyTorch's CPU generator make them: one 53-bit double per element
// from two tempered words, compared with p. Dropout draws one per activation, which is this
// file's reason to exist.
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

}  // namespace

template <typename T>
int64_t bernoulli_fill(uint32_t* mt, int64_t index, T* out, int64_t n, double p, T value) {
  // u = (hi·2³² + lo) / 2⁵³ < p exactly when hi·2³² + lo < p·2⁵³ (both exact in doubles).
  const double bound = p * 9007199254740992.0;
  for (int64_t i = 0; i < n; i++) {
    if (index >= kN) {
      twist(mt);
      index = 0;
    }
    const uint32_t hi = temper(mt[index++]) & 0x1fffffu;
    if (index >= kN) {
      twist(mt);
      index = 0;
    }
    const uint32_t lo = temper(mt[index++]);
    out[i] = double(hi) * 4294967296.0 + double(lo) < bound ? value : T(0);
  }
  return index;
}

template int64_t bernoulli_fill<float>(uint32_t*, int64_t, float*, int64_t, double, float);
template int64_t bernoulli_fill<double>(uint32_t*, int64_t, double*, int64_t, double, double);

}  // namespace kindling
