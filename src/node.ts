/// <reference types="node" />
/**
 * Kindling's entry point under Node.js (the `node` export condition of `kindling`): everything
 * the portable entry exports, with the kernels switched to the native backend when its addon
 * (`build/kindling.node`, built by `npm install`) loads. `KINDLING_BACKEND=js` keeps the JS
 * kernels, `KINDLING_BACKEND=native` makes a missing addon an error; when the addon cannot load
 * otherwise, one line on stderr says so and Kindling runs on the JS backend.
 * `torch.backends.current()` tells which one runs.
 *
 * @example
 * import * as torch from "kindling";
 * torch.backends.current(); // "native"
 * torch.setNumThreads(1);
 */
import { setBackend } from "./backend/backend.js";
import { defaultBackend, nativeLoadError } from "./backend/native.js";

export * from "./index.js";

setBackend(defaultBackend());
const why = nativeLoadError();
if (why !== null) process.stderr.write(`kindling: running on the JS backend (native addon unavailable: ${why})\n`);
