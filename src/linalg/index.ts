/**
 * `torch.linalg`: norms and linear algebra, with PyTorch's names in TypeScript's casing
 * (`vector_norm` is `vectorNorm`). The ops themselves live in `src/ops`.
 *
 * @example
 * import * as torch from "kindling";
 * const A = torch.tensor([[1, -2], [3, 4]], { requiresGrad: true });
 * const n = torch.linalg.matrixNorm(A);
 * n.backward();
 * console.log(n.gradFn?.name()); // LinalgVectorNormBackward0
 */
export { vectorNorm } from "../ops/reduce.js";
export { matrixNorm, linalgNorm as norm, linalgCross as cross, matmul } from "../ops/linalg.js";
export type { MatrixNormOrd } from "../ops/linalg.js";
