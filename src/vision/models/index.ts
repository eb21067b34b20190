/**
 * torchvision's `models`: the ResNets.
 * @example
 * import { models } from "kindling/vision";
 * const model = models.resnet50();
 */
export { BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50 } from "./resnet.js";
export type { ResNetBlock, ResNetOptions, ResNetBuilderOptions, ResNetWeights } from "./resnet.js";
