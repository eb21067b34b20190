/**
 * `kindling/vision`: torchvision's models for Kindling. Importing the namespace mirrors Python's
 * `torchvision.models.resnet18()`; the builders are also exported by name.
 *
 * Nothing here touches the file system, so it runs in browsers too; in Node, read a
 * safetensors file with `readFileSync` (or `load` from `kindling/io/node`) and pass it as
 * `weights`.
 *
 * @example
 * import * as torchvision from "kindling/vision";
 * const model = torchvision.models.resnet18({ numClasses: 10 });
 */
export * as models from "./models/index.js";
export { BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50 } from "./models/index.js";
export type { ResNetBlock, ResNetOptions, ResNetBuilderOptions, ResNetWeights } from "./models/index.js";
