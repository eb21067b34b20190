/// <reference types="node" />
/**
 * Kindling's entry point under Node.js (the `node` export condition of `kindling`): everything
 * the portable entry exports, with the kernels switched to the native backend when its addon
 * (`build/kindling.node`, built by `npm install`) loads. `KINDLING_BACKEND=js` keeps the JS
 * kernels, `KINDLING_BACKEND=native` makes a missing addon an error; when the addon cannot load
 * otherwise, one line on stderr says so and Kindling runs on the JS backend.
 * `torch.backends.current()` tells which one runs.
 *
 * With the native backend, importing it also turns off V8's concurrent freeing of array buffers
 * (its `--no-concurrent-array-buffer-sweeping` flag): tensor memory is then returned in the
 * collection that finds it dead rather than by a background thread later, so the memory V8
 * counts as in use stays near what is live and it collects far less often (a loop of
 * 1e6-element adds: 38 full collections → 1 and half the time per add; resnet18 and MNIST
 * training steps ~10% faster). The JS backend keeps V8's defaults: under the flag, its loop of
 * adds kept faulting in fresh pages (1.8 → 12 ms per add). `KINDLING_V8_FLAGS=keep` leaves
 * V8's flags as they are. On Linux it also lets the helper threads Node has started run only on
 * otherwise idle cores (see `lowerHelperThreads`); `KINDLING_THREAD_PRIORITIES=keep` leaves them
 * as they are.
 *
 * @example
 * import * as torch from "kindling";
 * torch.backends.current(); // "native"
 * torch.setNumThreads(1);
 */
import { readFileSync, readdirSync } from "node:fs";
import { setPriority } from "node:os";
import v8 from "node:v8";
import { isMainThread } from "node:worker_threads";
import { setBackend } from "./backend/backend.js";
import { setOutputAllocator } from "./core/storage.js";
import { defaultBackend, idleThread, nativeLoadError } from "./backend/native.js";

export * from "./index.js";

const initial = defaultBackend();
setBackend(initial);
if (initial.name === "native" && process.env.KINDLING_V8_FLAGS !== "keep")
  v8.setFlagsFromString("--no-concurrent-array-buffer-sweeping");
if (initial.name === "native" && process.env.KINDLING_THREAD_PRIORITIES !== "keep") lowerHelperThreads();

/**
 * Puts the helper threads Node started before Kindling loaded (V8's concurrent marking and
 * sweeping, its optimizing compiler; the libuv pool if it has started) under Linux's SCHED_IDLE
 * policy, from the main thread (nice 19 where that is refused). With as many kernel threads as
 * cores, a collector thread at normal priority takes a core from a kernel's thread mid-product,
 * and a parallel kernel waits for its slowest thread: resnet18 training steps on two threads of
 * a 2-core machine were 10–25% faster with them at nice 19. Nice 19 still let them preempt the
 * main thread for a slice now and then (8% of its time in one trace); SCHED_IDLE threads never
 * preempt and wait for a core no other thread wants, and the scheduler wakes a pool thread on
 * the core they hold instead of stacking it on the main thread's: 4–6% faster again. They
 * still have every idle moment of a core (JS between kernels, a step's data loading).
 */
function lowerHelperThreads(): void {
  if (process.platform !== "linux" || !isMainThread) return;
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return;
  }
  for (const tid of tids) {
    if (Number(tid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, "utf8").startsWith("kindling-pool")) continue;
      if (!idleThread(Number(tid))) setPriority(Number(tid), 19);
    } catch {
      // the thread ended meanwhile, or the system refuses: it keeps its priority
    }
  }
}
// Kernel outputs of 16 KiB and more skip V8's zero-fill: Buffer.allocUnsafeSlow gives an
// unpooled, uninitialized ArrayBuffer of exactly that size (smaller ones are cheap either way).
setOutputAllocator((arrayType, length) => {
  const bytes = length * arrayType.BYTES_PER_ELEMENT;
  return bytes < 16384 ? new arrayType(length) : new arrayType(Buffer.allocUnsafeSlow(bytes).buffer, 0, length);
});
const why = nativeLoadError();
if (why !== null) process.stderr.write(`kindling: running on the JS backend (native addon unavailable: ${why})\n`);
