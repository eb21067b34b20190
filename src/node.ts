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
 * V8's flags as they are.
 *
 * @example
 * import * as torch from "kindling";
 * torch.backends.current(); // "native"
 * torch.setNumThreads(1);
 */
import v8 from "node:v8";
import { setBackend } from "./backend/backend.js";
import { setOutputAllocator } from "./core/storage.js";
import { defaultBackend, nativeLoadError } from "./backend/native.js";

export * from "./index.js";

const initial = defaultBackend();
setBackend(initial);
if (initial.name === "native" && process.env.KINDLING_V8_FLAGS !== "keep")
  v8.setFlagsFromString("--no-concurrent-array-buffer-sweeping");
// Kernel outputs of 16 KiB and more skip V8's zero-fill: Buffer.allocUnsafeSlow gives an
// unpooled, uninitialized ArrayBuffer of exactly that size (smaller ones are cheap either way).
setOutputAllocator((arrayType, length) => {
  const bytes = length * arrayType.BYTES_PER_ELEMENT;
  return bytes < 16384 ? new arrayType(length) : new arrayType(Buffer.allocUnsafeSlow(bytes).buffer, 0, length);
});
const why = nativeLoadError();
if (why !== null) process.stderr.write(`kindling: running on the JS backend (native addon unavailable: ${why})\n`);
