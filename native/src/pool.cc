// CPU feature detection and the thread pool.
//
// The pool spins briefly after each job and then sleeps on a condition variable: on small
// virtual machines pure spinning collapses throughput whenever another process holds a core,
// while sleeping immediately costs a futex wake-up (tens of µs) per kernel call.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <immintrin.h>
#include <pthread.h>
#ifdef __linux__
#include <sched.h>
#endif

#include "kernels.h"

namespace kindling {

// ---- CPU features ----------------------------------------------------------------------------

Isa detect_isa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
  return Isa::Generic;
}

bool cpu_is_amd() {
  static const bool amd = [] {
    __builtin_cpu_init();
    return __builtin_cpu_is("amd") != 0;
  }();
  return amd;
}

static std::atomic<int> g_isa{-1};

Isa active_isa() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v < 0) {
    v = static_cast<int>(detect_isa());
    g_isa.store(v, std::memory_order_relaxed);
  }
  return static_cast<Isa>(v);
}

void set_isa(Isa isa) {
  int best = static_cast<int>(detect_isa());
  g_isa.store(std::min(best, static_cast<int>(isa)), std::memory_order_relaxed);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

// ---- Thread pool -----------------------------------------------------------------------------

namespace {

// Set on pool threads, and on the calling thread while it runs a job's tasks: a kernel that
// shares out its own work (a convolution's images) calls others that would share out theirs,
// and those then run on the thread they are called from.
thread_local bool in_pool_task = false;

// How long an idle worker polls for new work before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    start(threads);
  }

  // Tasks are claimed through one 64-bit word: generation in the high half, next task index in
  // the low half. A worker that wakes late can then never claim a task of a newer job with the
  // function pointer of an older one.
  void run(int ntasks, void (*fn)(void*, int), void* ctx) {
    fn_ = fn;
    ctx_ = ctx;
    ntasks_ = ntasks;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t gen = ++gen_;
    claim_.store(gen << 32, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lk(m_);
    }
    wake_.notify_all();
    work(gen);
    // Wait for tasks other threads claimed: spin first, then sleep.
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; done_.load(std::memory_order_acquire) < ntasks; i++) {
      _mm_pause();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - t0 > kSpin) {
        std::unique_lock<std::mutex> lk(m_);
        finished_.wait(lk, [&] { return done_.load(std::memory_order_acquire) >= ntasks; });
        break;
      }
    }
  }

 private:
  // Claims and runs tasks of generation `gen` until none is left.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t c = claim_.load(std::memory_order_acquire);
      for (;;) {
        if ((c >> 32) != gen || static_cast<int>(c & 0xffffffffu) >= ntasks_) return;
        if (claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) break;
      }
      // Read the job before reporting done: once all tasks are done the next job may replace it.
      const int n = ntasks_;
      fn_(ctx_, static_cast<int>(c & 0xffffffffu));
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
        std::lock_guard<std::mutex> lk(m_);
        finished_.notify_all();
      }
    }
  }

  void loop() {
    in_pool_task = true;
    uint64_t seen = claim_.load(std::memory_order_acquire) >> 32;
    for (;;) {
      const auto t0 = std::chrono::steady_clock::now();
      uint64_t g;
      for (int i = 0; (g = claim_.load(std::memory_order_acquire) >> 32) == seen && !quit_; i++) {
        _mm_pause();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() - t0 > kSpin) {
          std::unique_lock<std::mutex> lk(m_);
          wake_.wait(lk, [&] { return (claim_.load(std::memory_order_acquire) >> 32) != seen || quit_; });
        }
      }
      if (quit_) return;
      seen = g;
      work(g);
    }
  }

  void start(int threads) {
    quit_ = false;
    for (int i = 1; i < threads; i++)
      workers_.emplace_back([this] {
        pthread_setname_np(pthread_self(), "kindling-pool");  // as top and perf show it
        loop();
      });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable wake_, finished_;
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> quit_{false};
  uint64_t gen_ = 0;  // written only by the thread that holds run_mutex
  void (*fn_)(void*, int) = nullptr;
  void* ctx_ = nullptr;
  int ntasks_ = 0;
};

int default_threads() {
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min(hc, 64u));
}

// Leaked on purpose: destroying joinable threads at process exit would abort.
Pool* g_pool = nullptr;
int g_threads = 0;
std::mutex run_mutex;  // one job at a time (Node worker threads may share the addon)

}  // namespace

int get_num_threads() {
  if (in_pool_task) return 1;  // work split inside a task runs on its thread (and run_mutex is held)
  std::lock_guard<std::mutex> lk(run_mutex);
  if (g_threads == 0) g_threads = default_threads();
  return g_threads;
}

void set_num_threads(int n) {
  std::lock_guard<std::mutex> lk(run_mutex);
  g_threads = std::max(1, std::min(n, 256));
  if (g_pool && g_pool->threads() != g_threads) g_pool->resize(g_threads);
}

bool make_thread_idle(int64_t tid) {
#ifdef __linux__
  sched_param param{};
  return sched_setscheduler(static_cast<pid_t>(tid), SCHED_IDLE, &param) == 0;
#else
  (void)tid;
  return false;
#endif
}

void parallel_for(int ntasks, void (*fn)(void*, int), void* ctx) {
  if (ntasks <= 0) return;
  if (in_pool_task) {
    for (int i = 0; i < ntasks; i++) fn(ctx, i);
    return;
  }
  std::unique_lock<std::mutex> lk(run_mutex, std::try_to_lock);
  // Busy (another Node thread is in a kernel) or nothing to share: run here.
  if (!lk.owns_lock() || ntasks == 1) {
    for (int i = 0; i < ntasks; i++) fn(ctx, i);
    return;
  }
  if (g_threads == 0) g_threads = default_threads();
  if (g_threads == 1) {
    for (int i = 0; i < ntasks; i++) fn(ctx, i);
    return;
  }
  if (!g_pool) g_pool = new Pool(g_threads);
  in_pool_task = true;
  g_pool->run(ntasks, fn, ctx);
  in_pool_task = false;
}

}  // namespace kindling
