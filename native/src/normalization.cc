// Batch normalization's passes over a contiguous A×C×R activation (batch, channels, positions),
// fused. Each rounds every intermediate to T exactly as the tensor-op composite it replaces
// (the addon is built with -ffp-contract=off, so no step is fused into an FMA), and sums in
// double. Work is split over channels for sums (each channel's sum is one task's) and over
// (batch, channel) planes for the elementwise passes.
#include <algorithm>
#include <type_traits>

#include "kernels.h"

namespace kindling {
namespace {

// Elements per task below which threading does not pay.
constexpr int64_t kMinWork = 1 << 15;

}  // namespace

template <typename T>
void batch_norm_apply(const T* x, int64_t A, int64_t C, int64_t R, const T* mean, const T* invstd, const T* weight,
                      const T* bias, T* out) {
  split_units(A * C, R, kMinWork, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t c = p % C;
      const T m = mean[c], s = invstd[c];
      const T* xp = x + p * R;
      T* op = out + p * R;
      for (int64_t r = 0; r < R; r++) {
        const T d = xp[r] - m;
        op[r] = d * s;
      }
      if (weight) {
        const T w = weight[c];
        for (int64_t r = 0; r < R; r++) op[r] = op[r] * w;
      }
      if (bias) {
        const T b = bias[c];
        for (int64_t r = 0; r < R; r++) op[r] = op[r] + b;
      }
    }
  });
}

// Partial sums per lane: independent double accumulators per quantity break the add latency
// chain (and vectorize); lanes are added in a fixed order, so results do not depend on threads.
// 8 lanes each; the gradient's four sums run their lane loop with a run-time length, which
// measured faster than the unrolled form (32 accumulators spill).
constexpr int kLanes = 8;

// Calls f(r0, n) for runs of n = kLanes positions (n a compile-time constant, so the lane loop
// unrolls and vectorizes), then once for the shorter tail.
template <typename F>
inline void by_lanes(int64_t R, const F& f) {
  int64_t r0 = 0;
  for (; r0 + kLanes <= R; r0 += kLanes) f(r0, std::integral_constant<int, kLanes>());
  if (r0 < R) f(r0, int(R - r0));
}

template <typename T>
void batch_norm_sums(const T* x, const T* grad, int64_t A, int64_t C, int64_t R, const T* mean, const T* invstd,
                     const T* weight, double* sums) {
  split_units(C, A * R, kMinWork, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const T m = mean[c];
      if (!grad) {
        double acc[kLanes] = {};
        for (int64_t a = 0; a < A; a++) {
          const T* xp = x + (a * C + c) * R;
          by_lanes(R, [&](int64_t r0, auto n) {
            for (int l = 0; l < n; l++) {
              const T d = xp[r0 + l] - m;
              const T sq = d * d;
              acc[l] += double(sq);
            }
          });
        }
        double s = 0;
        for (int l = 0; l < kLanes; l++) s += acc[l];
        sums[c] = s;
        continue;
      }
      const T is = invstd[c];
      const T w = weight ? weight[c] : T(1);
      double s0[kLanes] = {}, s1[kLanes] = {}, s2[kLanes] = {}, s3[kLanes] = {};
      for (int64_t a = 0; a < A; a++) {
        const T* xp = x + (a * C + c) * R;
        const T* gp = grad + (a * C + c) * R;
        for (int64_t r0 = 0; r0 < R; r0 += kLanes) {
          const int n = int(std::min<int64_t>(kLanes, R - r0));
          for (int l = 0; l < n; l++) {
            const T d = xp[r0 + l] - m;
            const T xhat = d * is;
            const T gv = gp[r0 + l];
            const T gxhat = weight ? T(gv * w) : gv;
            const T p1 = gxhat * xhat, p2 = gv * xhat;
            s0[l] += double(gxhat);
            s1[l] += double(p1);
            s2[l] += double(p2);
            s3[l] += double(gv);
          }
        }
      }
      double* const acc[4] = {s0, s1, s2, s3};
      for (int q = 0; q < 4; q++) {
        double s = 0;
        for (int l = 0; l < kLanes; l++) s += acc[q][l];
        sums[4 * c + q] = s;
      }
    }
  });
}

template <typename T>
void batch_norm_backward(const T* x, const T* grad, int64_t A, int64_t C, int64_t R, const T* mean, const T* invstd,
                         const T* weight, const T* m1, const T* m2, T* out) {
  split_units(A * C, R, kMinWork, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t c = p % C;
      const T m = mean[c], is = invstd[c], w = weight ? weight[c] : T(1), u = m1[c], v = m2[c];
      const T* xp = x + p * R;
      const T* gp = grad + p * R;
      T* op = out + p * R;
      for (int64_t r = 0; r < R; r++) {
        const T d = xp[r] - m;
        const T xhat = d * is;
        const T gxhat = weight ? T(gp[r] * w) : gp[r];
        const T e = gxhat - u, f = xhat * v;
        const T h = e - f;
        op[r] = h * is;
      }
    }
  });
}

template void batch_norm_apply<float>(const float*, int64_t, int64_t, int64_t, const float*, const float*,
                                      const float*, const float*, float*);
template void batch_norm_apply<double>(const double*, int64_t, int64_t, int64_t, const double*, const double*,
                                       const double*, const double*, double*);
template void batch_norm_sums<float>(const float*, const float*, int64_t, int64_t, int64_t, const float*,
                                     const float*, const float*, double*);
template void batch_norm_sums<double>(const double*, const double*, int64_t, int64_t, int64_t, const double*,
                                      const double*, const double*, double*);
template void batch_norm_backward<float>(const float*, const float*, int64_t, int64_t, int64_t, const float*,
                                         const float*, const float*, const float*, const float*, float*);
template void batch_norm_backward<double>(const double*, const double*, int64_t, int64_t, int64_t, const double*,
                                          const double*, const double*, const double*, const double*, double*);

}  // namespace kindling
