/** `torch.autograd`: the engine's entry points and gradient checking. */
export { backward, grad } from "./engine.js";
export type { BackwardOptions, GradOptions } from "./engine.js";
export { Node, AccumulateGrad } from "./node.js";
export { gradcheck, gradgradcheck, GradcheckError } from "./gradcheck.js";
export { Function, FunctionCtx } from "./customFunction.js";
export type { FunctionClass, FunctionGradients } from "./customFunction.js";
export * as functional from "./functional.js";
