/**
 * `torch.optim`: optimizers, and the learning-rate schedulers under `lr_scheduler`.
 *
 * The scheduler namespace keeps PyTorch's module name, `lr_scheduler`, as DESIGN's namespace
 * list does (`torch.optim.lr_scheduler`); module paths are names, not identifiers we
 * re-case, and there is no `lrScheduler` alias (no aliases). Its source file is
 * `lrScheduler.ts`. Optimizer state dicts keep PyTorch's snake_case keys because they are
 * data in PyTorch's format; see `OptimizerStateDict`.
 *
 * @example
 * import * as torch from "kindling";
 * const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const scheduler = new torch.optim.lr_scheduler.StepLR(opt, 30, { gamma: 0.1 });
 * for (let epoch = 0; epoch < 90; epoch++) {
 *   for (const [x, y] of loader) {
 *     opt.zeroGrad();
 *     torch.nn.functional.crossEntropy(model.forward(x), y).backward();
 *     opt.step();
 *   }
 *   scheduler.step();
 * }
 */
export { Optimizer } from "./optimizer.js";
export type { Hyper, OptimizerStateDict, ParamGroup, ParamGroupInput, Params, ZeroGradOptions } from "./optimizer.js";
export { SGD } from "./sgd.js";
export type { SGDHyper, SGDState } from "./sgd.js";
export { Adam, AdamW } from "./adam.js";
export type { AdamHyper, AdamState } from "./adam.js";
export { RMSprop } from "./rmsprop.js";
export type { RMSpropHyper, RMSpropState } from "./rmsprop.js";
export { Adagrad } from "./adagrad.js";
export type { AdagradHyper, AdagradState } from "./adagrad.js";
export * as lr_scheduler from "./lrScheduler.js";
