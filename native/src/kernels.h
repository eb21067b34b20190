// Kindling native kernels: declarations shared by the kernel files and the Node-API glue.
// Everything here works on raw pointers with element offsets and strides; the glue checks
// bounds before calling in, so kernels trust their arguments.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace kindling {

// ---- CPU features, chosen once at load time -------------------------------------------------

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };
/** The best instruction set this CPU supports (AVX-512 needs F+VL+DQ+BW; AVX2 needs FMA). */
Isa detect_isa();
/** The instruction set the kernels dispatch to (detect_isa() unless lowered for tests). */
Isa active_isa();
/** Whether the CPU is AMD's: a few GEMM paths are chosen by vendor where measurements split. */
bool cpu_is_amd();
/** Lowers (never raises) the dispatch level; used to test every path on one machine. */
void set_isa(Isa isa);
const char* isa_name(Isa isa);

// ---- Thread pool -----------------------------------------------------------------------------

/** Runs fn(ctx, i) for i in [0, ntasks) on the pool (the calling thread takes part). */
void parallel_for(int ntasks, void (*fn)(void* ctx, int task), void* ctx);
int get_num_threads();
void set_num_threads(int n);
/**
 * Puts thread `tid` of this process under Linux's SCHED_IDLE policy: it then runs only on a
 * core no other thread wants and never preempts one. False where that is refused or not Linux.
 */
bool make_thread_idle(int64_t tid);

// ---- Scratch memory ------------------------------------------------------------------------

/**
 * The calling thread's scratch array for `Role` (each caller its own roles: convolution passes
 * 0–1, Winograd 2–4), of at least n elements, 64-byte aligned, kept for the thread's lifetime;
 * null when out of memory.
 */
template <typename T, int Role>
T* thread_scratch(size_t n) {
  struct Scratch {
    T* p = nullptr;
    size_t n = 0;
    ~Scratch() { std::free(p); }
  };
  thread_local Scratch s;
  if (s.n < n) {
    std::free(s.p);
    s.p = static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64));
    s.n = s.p ? n : 0;
  }
  return s.p;
}

// ---- Work split --------------------------------------------------------------------------------

// Cuts `units` equal pieces of work into at most 4 tasks per thread (claimed dynamically, so a
// preempted thread does not hold the others up) and runs body(u0, u1) for each range.
template <typename F>
inline void split_units(int64_t units, int64_t unitCost, int64_t minCost, const F& body) {
  const int threads = get_num_threads();
  const int64_t total = units * unitCost;
  int64_t tasks = std::min<int64_t>(units, std::min<int64_t>(4 * threads, total / std::max<int64_t>(minCost, 1)));
  if (threads == 1 || tasks <= 1) {
    body(int64_t(0), units);
    return;
  }
  struct Ctx {
    const F* body;
    int64_t units, tasks;
  } ctx{&body, units, tasks};
  parallel_for(
      static_cast<int>(tasks),
      [](void* p, int t) {
        const Ctx& c = *static_cast<Ctx*>(p);
        (*c.body)(c.units * t / c.tasks, c.units * (t + 1) / c.tasks);
      },
      &ctx);
}

// ---- GEMM ------------------------------------------------------------------------------------

/**
 * Batched C[g] = A[g] @ B[g]: A is batch×M×K with strides (sag, sam, sak), B is batch×K×N with
 * strides (sbg, sbk, sbn), C is contiguous batch×M×N. Strides are in elements.
 */
void sgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K,
                   const float* A, int64_t sag, int64_t sam, int64_t sak,
                   const float* B, int64_t sbg, int64_t sbk, int64_t sbn, float* C);
void dgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K,
                   const double* A, int64_t sag, int64_t sam, int64_t sak,
                   const double* B, int64_t sbg, int64_t sbk, int64_t sbn, double* C);

/**
 * One product on the calling thread: C (row stride ldc) = A·B, or C += A·B with `accumulate`;
 * A is M×K with strides (sam, sak), B is K×N with strides (sbk, sbn). For kernels that share
 * out their own work (a convolution's images) and run one product per piece.
 */
void sgemm_serial(int64_t M, int64_t N, int64_t K, const float* A, int64_t sam, int64_t sak, const float* B,
                  int64_t sbk, int64_t sbn, float* C, int64_t ldc, bool accumulate);
void dgemm_serial(int64_t M, int64_t N, int64_t K, const double* A, int64_t sam, int64_t sak, const double* B,
                  int64_t sbk, int64_t sbn, double* C, int64_t ldc, bool accumulate);
inline void gemm_serial(int64_t M, int64_t N, int64_t K, const float* A, int64_t sam, int64_t sak, const float* B,
                        int64_t sbk, int64_t sbn, float* C, int64_t ldc, bool accumulate) {
  sgemm_serial(M, N, K, A, sam, sak, B, sbk, sbn, C, ldc, accumulate);
}
inline void gemm_serial(int64_t M, int64_t N, int64_t K, const double* A, int64_t sam, int64_t sak, const double* B,
                        int64_t sbk, int64_t sbn, double* C, int64_t ldc, bool accumulate) {
  dgemm_serial(M, N, K, A, sam, sak, B, sbk, sbn, C, ldc, accumulate);
}

// ---- Elementwise and reductions --------------------------------------------------------------

// kAddScaled: a + p0·b; kThresholdGrad: b > 0 ? a : 0 (relu's backward).
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kAddScaled = 4, kThresholdGrad = 5 };
enum UnaryOp { kExp = 0, kLog = 1, kTanh = 2, kSigmoid = 3, kRelu = 4, kCopy = 5, kSqrt = 6 };

/**
 * out[r*inner + j] = a[r*ars + j*acs] op b[r*brs + j*bcs] for a rows×inner grid. Column strides
 * 0 (broadcast) and 1 (contiguous) take vectorized loops; others (transposed) a tiled loop.
 */
template <typename T>
void binary_2d(int op, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs,
               T* out, int64_t rows, int64_t inner, double p0);
/** out[r*inner + j] = f(x[r*xrs + j*xcs]) (strided x is first copied into out). */
template <typename T>
void unary_2d(int op, const T* x, int64_t xrs, int64_t xcs, T* out, int64_t rows, int64_t inner);
/**
 * out[p*Q + q] = scale · sum_r x[(p*R + r)*Q + q] for contiguous x of shape P×R×Q (double
 * accumulation; `scale` counts repeats of a broadcast input, applied before rounding). The
 * output type O is T, or double for a float sum kept in double (mean rounds once after dividing).
 */
template <typename T, typename O>
void sum_3d(const T* x, O* out, int64_t P, int64_t R, int64_t Q, double scale);

/**
 * out[q] = scale · sum_a sum_r x[(a*Q + q)*R + r] for contiguous x of shape A×Q×R: the sum over
 * all dims but a middle run (per-channel statistics of N×C×H×W), in double.
 */
template <typename T, typename O>
void sum_outer_inner(const T* x, O* out, int64_t A, int64_t Q, int64_t R, double scale);

/**
 * Softmax (log-softmax with `log`) of each row of contiguous rows×n `x` into `out`:
 * exp(x - max) / Σ, a non-finite max taken as 0, the sum accumulated in double.
 */
template <typename T>
void softmax_rows(const T* x, T* out, int64_t rows, int64_t n, bool log);

// ---- Convolution and pooling -------------------------------------------------------------------

/** A kernel window over images (see WindowGeometry in src/backend/backend.ts); all sizes >= 0, steps >= 1. */
struct Window {
  int64_t batch, channels, height, width, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW,
      gridH, gridW;
};

/**
 * im2col, batch folded into the columns: cols is channels·kH·kW × batch·gridH·gridW, row
 * (c·kH + i)·kW + j holding tap (i, j) of channel c for image 0's grid, then image 1's…; 0 in the padding.
 * Rows are `ld` apart (0: batch·gridH·gridW, packed).
 */
template <typename T>
void im2col(const T* image, const Window& g, T* cols, int64_t ld = 0);
/** col2im, the adjoint of im2col: image (overwritten) gets the sum of the column entries over each position. */
template <typename T>
void col2im(const T* cols, const Window& g, T* image, int64_t ld = 0);
/**
 * Whether the float32 passes of a 3×3, stride-1, undilated convolution with geometry g and O
 * output channels run as Winograd F(2×2, 3×3) products (winograd.cc): AVX-512, at least 16
 * channels each way, grids and images of at least 64 positions.
 */
bool winograd_applies(const Window& g, int64_t O);
/** The forward pass as Winograd products (x, w, y as in conv2d_forward); false when out of memory. */
bool winograd_forward(const float* x, const float* w, const Window& g, int64_t O, float* y);
/** The input gradient as Winograd products (gy, w, gx as in conv2d_input_grad); false when out of memory. */
bool winograd_input_grad(const float* gy, const float* w, const Window& g, int64_t O, float* gx);
/**
 * The passes of a convolution with one channel group, run one image at a time (columns built
 * per image in a per-thread buffer, images shared out over the pool). x is the batch×C×H×W
 * input, w the O×(C·kH·kW) weight, y and its gradient gy batch×O×(gridH·gridW). Forward:
 * out = y; input gradient: gx (overwritten); weight gradient: gw (overwritten). Each returns
 * false, its output partly written, when a column buffer cannot be allocated.
 */
template <typename T>
bool conv2d_forward(const T* x, const T* w, const Window& g, int64_t O, T* out);
template <typename T>
bool conv2d_input_grad(const T* gy, const T* w, const Window& g, int64_t O, T* gx);
template <typename T>
bool conv2d_weight_grad(const T* x, const T* gy, const Window& g, int64_t O, T* gw);
/** Max over each window of batch·channels planes, and its index y·width + x in the plane (stored as double). */
template <typename T>
void max_pool2d(const T* image, const Window& g, T* out, double* indices);
/**
 * target[p][indices[p][k]] += values[p][k] (target zeroed first). Returns false, leaving target
 * partly written, if an index is not an integer in [0, planeSize).
 */
template <typename T>
bool scatter_add_planes(const T* values, const double* indices, int64_t planes, int64_t perPlane, int64_t planeSize,
                        T* target);

// ---- Batch normalization -------------------------------------------------------------------------
// x (and grad) are contiguous A×C×R; per-channel arrays hold C values; null weight/bias skip their
// step. Every intermediate is rounded to T as the tensor-op composite rounds it.

/** out = ((x - mean)·invstd)·weight + bias. */
template <typename T>
void batch_norm_apply(const T* x, int64_t A, int64_t C, int64_t R, const T* mean, const T* invstd, const T* weight,
                      const T* bias, T* out);
/**
 * Without grad: sums[c] = Σ (x - mean)². With grad, xhat = (x - mean)·invstd and gxhat = grad·weight:
 * sums[4c..4c+3] = Σ gxhat, Σ gxhat·xhat, Σ grad·xhat, Σ grad. All in double.
 */
template <typename T>
void batch_norm_sums(const T* x, const T* grad, int64_t A, int64_t C, int64_t R, const T* mean, const T* invstd,
                     const T* weight, double* sums);
/** out = ((gxhat - m1) - xhat·m2)·invstd: the input gradient in training mode. */
template <typename T>
void batch_norm_backward(const T* x, const T* grad, int64_t A, int64_t C, int64_t R, const T* mean, const T* invstd,
                         const T* weight, const T* m1, const T* m2, T* out);

// ---- Random draws ------------------------------------------------------------------------------

/**
 * out[i] = value with probability p, else 0, for i < n: one 53-bit double per element from the
 * MT19937 state `mt` (624 words, twisted in place when used up) starting at word `index`.
 * Returns the index of the next unused word.
 */
template <typename T>
int64_t bernoulli_fill(uint32_t* mt, int64_t index, T* out, int64_t n, double p, T value);

}  // namespace kindling
