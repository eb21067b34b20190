/** Bulk random draws on a Generator's raw MT19937 state. */
import type { TypedArray } from "../../core/dtype.js";
import { STATE_WORDS, temper, twistState } from "../../core/random.js";

/**
 * `out[i] = value` with probability `p`, else 0: one 53-bit double per element, from two
 * tempered words of `state` starting at `index`, as `Generator.nextDouble` draws it (PyTorch's
 * `bernoulli_(p)` on the CPU). Returns the next unused index.
 */
export function bernoulli(state: Uint32Array, index: number, out: TypedArray, p: number, value: number): number {
  // u = (hi·2³² + lo) / 2⁵³ < p exactly when hi·2³² + lo < p·2⁵³ (both exact in doubles).
  const bound = p * 9007199254740992;
  let k = index;
  for (let i = 0; i < out.length; i++) {
    if (k >= STATE_WORDS) {
      twistState(state);
      k = 0;
    }
    const hi = temper(state[k++]) & 0x1fffff;
    if (k >= STATE_WORDS) {
      twistState(state);
      k = 0;
    }
    out[i] = hi * 4294967296 + temper(state[k++]) < bound ? value : 0;
  }
  return k;
}
