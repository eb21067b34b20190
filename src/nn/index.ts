/**
 * `torch.nn`: modules and layers, `Parameter`, `functional` (also exported as `F` from the
 * package root) and `init`.
 *
 * @example
 * import * as torch from "kindling";
 * const { nn } = torch;
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * const loss = new nn.MSELoss().call(model.call(torch.randn([16, 4])), torch.zeros([16, 1]));
 * loss.backward();
 */
export { Module } from "./module.js";
export type {
  ForwardPreHook, ForwardHook, FullBackwardHook, StateDict, StateDictOptions, IncompatibleKeys, NamedOptions,
} from "./module.js";
export { Parameter } from "./parameter.js";
export { Identity, Linear } from "./layers/linear.js";
export type { LinearOptions } from "./layers/linear.js";
export { _ConvNd, Conv1d, Conv2d, ConvTranspose2d } from "./layers/conv.js";
export type { ConvLayerOptions, ConvTransposeLayerOptions } from "./layers/conv.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "./layers/pooling.js";
export { _BatchNorm, BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from "./layers/normalization.js";
export type { BatchNormLayerOptions, LayerNormLayerOptions, GroupNormLayerOptions } from "./layers/normalization.js";
export { ReLU, LeakyReLU, GELU, SiLU, Tanh, Sigmoid, Softmax, LogSoftmax, ELU, Hardtanh, ReLU6, Softplus } from "./layers/activation.js";
export type { InplaceOptions } from "./layers/activation.js";
export { Dropout } from "./layers/dropout.js";
export { Flatten, Unflatten } from "./layers/flatten.js";
export { ZeroPad2d, ConstantPad1d, ConstantPad2d } from "./layers/padding.js";
export { CosineSimilarity } from "./layers/distance.js";
export { Embedding } from "./layers/embedding.js";
export { RNN, LSTM, GRU } from "./layers/rnn.js";
export type { RNNOptions, SimpleRNNOptions } from "./layers/rnn.js";
export type { EmbeddingLayerOptions } from "./layers/embedding.js";
export { Sequential, ModuleList, ModuleDict } from "./layers/container.js";
export {
  _Loss, _WeightedLoss, MSELoss, L1Loss, SmoothL1Loss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss,
} from "./layers/loss.js";
export type { ClassificationLossOptions } from "./layers/loss.js";
export * as functional from "./functional.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
