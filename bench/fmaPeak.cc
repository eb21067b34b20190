// Measures this CPU's float32 FMA peak, the yardstick for W4's "% of peak" (bench/run.ts
// compiles and runs it). A VM's /proc/cpuinfo shows neither the turbo clock nor the number of
// FMA units, so both are measured:
//  - clock: a chain of dependent register adds retires one add per cycle;
//  - FMA issue rate: 16 independent AVX-512 (else AVX2) FMA chains cover the FMA latency
//    (4 cycles) on two ports, so FMAs per cycle tells whether the core has 1 or 2 FMA units.
// Each is the best of many ~0.5 ms chunks, so another process taking the core now and then
// does not lower it. Prints one JSON line.
#include <immintrin.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Fastest of `reps` runs of f(), which returns the work it did; result in work per second.
template <typename F>
static double bestRate(int reps, F f) {
  double best = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    double work = f();
    best = std::max(best, work / (now() - t0));
  }
  return best;
}

// Cycles per second: 100 dependent adds per iteration (the loop counter runs alongside).
// Register operands: newer cores fold chains of add-immediate at rename.
static double clockHz() {
  return bestRate(300, [] {
    const long iters = 20'000;
    long x = 0, one = 1;
    for (long i = 0; i < iters; i++) asm volatile(".rept 100\n\taddq %1, %0\n\t.endr" : "+r"(x) : "r"(one));
    return iters * 100.0;
  });
}

static volatile float sink;  // keeps the accumulators alive

// One chunk of FMAs (returns how many). A macro: intrinsics inline only inside a function
// compiled for their target, and a lambda does not inherit its function's target.
#define FMA_CHUNK(V, SET, FMA)                                                            \
  const long iters = 100'000;                                                             \
  V acc[16];                                                                              \
  for (int k = 0; k < 16; k++) acc[k] = SET(1.0f + k * 1e-3f);                            \
  const V a = SET(0.999999f), b = SET(1e-7f);                                             \
  for (long i = 0; i < iters; i++) {                                                      \
    _Pragma("GCC unroll 16") for (int k = 0; k < 16; k++) acc[k] = FMA(acc[k], a, b);     \
  }                                                                                       \
  float sum = 0;                                                                          \
  for (int k = 0; k < 16; k++) sum += reinterpret_cast<float*>(&acc[k])[0];               \
  sink = sum;                                                                             \
  return iters * 16.0;

__attribute__((target("avx512f"))) static double fma512Chunk() { FMA_CHUNK(__m512, _mm512_set1_ps, _mm512_fmadd_ps) }
__attribute__((target("avx2,fma"))) static double fma256Chunk() { FMA_CHUNK(__m256, _mm256_set1_ps, _mm256_fmadd_ps) }

int main() {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !__builtin_cpu_supports("fma")) {
    std::printf("{\"error\":\"no FMA instructions\"}\n");
    return 0;
  }
  const int lanes = avx512 ? 16 : 8;
  auto rate = [&] { return bestRate(300, avx512 ? fma512Chunk : fma256Chunk); };
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  rate();  // warm-up: lets the clock settle at its vector licence level
  const double clock = clockHz();
  const double fma1 = rate();
  std::vector<double> rates(cores);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < cores; t++) threads.emplace_back([&, t] { rates[t] = rate(); });
  for (auto& t : threads) t.join();
  double fmaAll = 0;
  for (double r : rates) fmaAll += r;
  std::printf(
      "{\"isa\":\"%s\",\"lanes\":%d,\"clockGHz\":%.3f,\"fmaPerCycle\":%.2f,\"cores\":%u,"
      "\"peak1tGflops\":%.1f,\"peakAllGflops\":%.1f}\n",
      avx512 ? "avx512" : "avx2", lanes, clock / 1e9, fma1 / clock, cores, fma1 * lanes * 2 / 1e9,
      fmaAll * lanes * 2 / 1e9);
  return 0;
}
