/**
 * Grad mode: whether operations record the autograd graph. A module-level flag changed only
 * through functions that restore the previous value, even when the body throws.
 */

let gradEnabled = true;
let inferenceEnabled = false;

/** True when operations currently record the autograd graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** True inside `inferenceMode`. */
export function isInferenceModeEnabled(): boolean {
  return inferenceEnabled;
}

/**
 * Sets grad mode globally (PyTorch's `torch.set_grad_enabled(mode)` used as a function).
 * Prefer `noGrad`/`enableGrad`, which restore the previous mode.
 */
export function setGradEnabled(mode: boolean): void {
  gradEnabled = mode;
}

function withMode<R>(mode: boolean, inference: boolean, fn: () => R): R {
  const prev = gradEnabled;
  const prevInference = inferenceEnabled;
  gradEnabled = mode;
  inferenceEnabled = inference;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
    inferenceEnabled = prevInference;
  }
}

type AnyFn = (...args: never[]) => unknown;

/** Wraps a function so each call runs in the given grad mode. */
function decorate<F extends AnyFn>(mode: boolean, inference: boolean, fn: F): F {
  return function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return withMode(mode, inference, () => fn.apply(this, args) as ReturnType<F>);
  } as F;
}

/**
 * Runs `fn` with gradient recording off (PyTorch's `with torch.no_grad():`), or, given a
 * function to wrap, returns a version of it that always runs that way (`@torch.no_grad()`).
 *
 * @example
 * const y = torch.noGrad(() => x.mul(2));   // y.requiresGrad === false
 * const addNoGrad = torch.noGrad.wrap((a: Tensor, b: Tensor) => a.add(b));
 */
export function noGrad<R>(fn: () => R): R {
  return withMode(false, inferenceEnabled, fn);
}
/** Returns `fn` wrapped so that it always runs with grad mode off (the decorator form). */
noGrad.wrap = <F extends AnyFn>(fn: F): F => decorate(false, false, fn);

/**
 * Runs `fn` with gradient recording on, e.g. inside `noGrad` (PyTorch's `torch.enable_grad()`).
 * @example
 * torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad // true
 */
export function enableGrad<R>(fn: () => R): R {
  return withMode(true, false, fn);
}
/** Returns `fn` wrapped so that it always runs with grad mode on (the decorator form). */
enableGrad.wrap = <F extends AnyFn>(fn: F): F => decorate(true, false, fn);

/**
 * Runs `fn` with grad mode set to `mode` (PyTorch's `with torch.set_grad_enabled(mode):`).
 */
export function withGradEnabled<R>(mode: boolean, fn: () => R): R {
  return withMode(mode, inferenceEnabled && !mode, fn);
}

/**
 * Runs `fn` in inference mode: no graph is recorded (PyTorch's `torch.inference_mode()`).
 * @example
 * const y = torch.inferenceMode(() => model.forward(x));
 */
export function inferenceMode<R>(fn: () => R): R {
  return withMode(false, true, fn);
}
/** Returns `fn` wrapped so that it always runs in inference mode (the decorator form). */
inferenceMode.wrap = <F extends AnyFn>(fn: F): F => decorate(false, true, fn);
