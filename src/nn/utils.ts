/**
 * `torch.nn.utils`: clipping gradients before an optimizer step (PyTorch's
 * `clip_grad_norm_` and `clip_grad_value_`).
 */
import { Tensor } from "../core/tensor.js";
import { formatPythonFloat } from "../core/format.js";
import { noGrad } from "../autograd/gradMode.js";
import { vectorNorm } from "../ops/reduce.js";
import { stack } from "../ops/shape.js";
import { tensor } from "../ops/creation.js";

/** Parameters as PyTorch's utilities take them: one tensor or several. */
export type ParameterList = Tensor | Iterable<Tensor>;

function gradients(parameters: ParameterList): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** The norm's order: 2 (default), any p, or `Infinity` for the largest magnitude. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it. */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `parameters` in place so that their total norm (the norm of all of
 * them as one vector) is at most `maxNorm`, and returns that total norm before clipping.
 * Gradients are scaled by `maxNorm / (total + 1e-6)` when that is below 1, as PyTorch does.
 * @example
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * @throws "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it
 * cannot be clipped…" with `errorIfNonfinite`.
 */
export function clipGradNorm_(parameters: ParameterList, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const normType = options.normType ?? 2;
  const grads = gradients(parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const total = vectorNorm(stack(grads.map((g) => vectorNorm(g, normType))), normType);
    if (options.errorIfNonfinite && !Number.isFinite(total.item()))
      throw new Error(
        `The total norm of order ${formatPythonFloat(normType)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`error_if_nonfinite=False\``,
      );
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
    for (const g of grads) g.mul_(coef.to(g.dtype));
    return total;
  });
}

/**
 * Clamps every gradient of `parameters` into [-clipValue, clipValue] in place.
 * @example
 * nn.utils.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: ParameterList, clipValue: number): void {
  noGrad(() => {
    for (const g of gradients(parameters)) g.clamp_(-clipValue, clipValue);
  });
}
