/**
 * torchvision's ResNets: `BasicBlock`, `Bottleneck`, `ResNet` and the `resnet18`, `resnet34`,
 * `resnet50` builders, with torchvision's architecture (ResNet v1.5: a bottleneck strides in
 * its 3×3 convolution), module names, state-dict keys, initialization and printed form, so that
 * torchvision checkpoints (converted to safetensors) load unchanged.
 */
import type { Tensor } from "../../core/tensor.js";
import { Module, type StateDict } from "../../nn/module.js";
import { Conv2d } from "../../nn/layers/conv.js";
import { BatchNorm2d } from "../../nn/layers/normalization.js";
import { ReLU } from "../../nn/layers/activation.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../../nn/layers/pooling.js";
import { Linear } from "../../nn/layers/linear.js";
import { Sequential } from "../../nn/layers/container.js";
import { constant_, kaimingNormal_ } from "../../nn/init.js";
import { deserialize } from "../../io/safetensors.js";

/** 3×3 convolution, padding 1, no bias: the spatial convolution of every block. */
function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

/** 1×1 convolution, no bias: channel projections and the downsampling shortcut. */
function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/**
 * The two-convolution residual block of ResNet-18 and -34 (torchvision's `BasicBlock`):
 * `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, where the shortcut is `downsample`
 * when given (it must match a strided or widening block) and the identity otherwise.
 * @example
 * const block = new BasicBlock(64, 64);
 * block.call(torch.randn([1, 64, 8, 8])).shape; // torch.Size([1, 64, 8, 8])
 */
export class BasicBlock extends Module {
  /** Output channels per `planes` (1). */
  static readonly expansion = 1;
  /** 3×3 convolution, carrying the block's stride. */
  conv1: Conv2d;
  /** Normalization after `conv1`. */
  bn1: BatchNorm2d;
  /** In-place ReLU, shared by both activations. */
  relu: ReLU;
  /** Second 3×3 convolution. */
  conv2: Conv2d;
  /** Normalization after `conv2`; zero-initialized with `zeroInitResidual`. */
  bn2: BatchNorm2d;
  /** The shortcut projection (1×1 convolution and BatchNorm), or null for the identity. */
  downsample: Sequential | null;
  /** The block's stride. */
  readonly stride: number;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU({ inplace: true });
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    const identity = this.downsample ? this.downsample.call(x) : x;
    return this.relu.call(out.add_(identity));
  }
}

/**
 * The 1×1 → 3×3 → 1×1 residual block of ResNet-50 and deeper (torchvision's `Bottleneck`),
 * widening `planes` channels to `4·planes`. The stride sits on the 3×3 convolution (ResNet
 * v1.5, as torchvision).
 * @example
 * const block = new Bottleneck(256, 64);
 * block.call(torch.randn([1, 256, 8, 8])).shape; // torch.Size([1, 256, 8, 8])
 */
export class Bottleneck extends Module {
  /** Output channels per `planes` (4). */
  static readonly expansion = 4;
  /** 1×1 reduction to `planes` channels. */
  conv1: Conv2d;
  /** Normalization after `conv1`. */
  bn1: BatchNorm2d;
  /** 3×3 convolution, carrying the block's stride. */
  conv2: Conv2d;
  /** Normalization after `conv2`. */
  bn2: BatchNorm2d;
  /** 1×1 expansion to `4·planes` channels. */
  conv3: Conv2d;
  /** Normalization after `conv3`; zero-initialized with `zeroInitResidual`. */
  bn3: BatchNorm2d;
  /** In-place ReLU, shared by the three activations. */
  relu: ReLU;
  /** The shortcut projection (1×1 convolution and BatchNorm), or null for the identity. */
  downsample: Sequential | null;
  /** The block's stride. */
  readonly stride: number;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = conv1x1(inplanes, planes);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU({ inplace: true });
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.relu.call(this.bn2.call(this.conv2.call(out)));
    out = this.bn3.call(this.conv3.call(out));
    const identity = this.downsample ? this.downsample.call(x) : x;
    return this.relu.call(out.add_(identity));
  }
}

/**
 * A residual block class `ResNet` can stack: `BasicBlock` or `Bottleneck`.
 * @example
 * const block: ResNetBlock = Bottleneck;
 */
export interface ResNetBlock {
  /** Builds a block from `inplanes` to `planes·expansion` channels. */
  new (inplanes: number, planes: number, stride?: number, downsample?: Sequential | null): BasicBlock | Bottleneck;
  /** Output channels per `planes`. */
  readonly expansion: number;
}

/** Options of `ResNet`. */
export interface ResNetOptions {
  /** Outputs of the final `fc` layer (default 1000, ImageNet's classes). */
  numClasses?: number;
  /**
   * Start the last BatchNorm of each residual branch at zero weight, so that every block
   * starts as the identity (default false; https://arxiv.org/abs/1706.02677 reports +0.2–0.3%).
   */
  zeroInitResidual?: boolean;
}

/**
 * torchvision's `ResNet`: a 7×7 stride-2 stem (`conv1`, `bn1`, `relu`, `maxpool`), four stages
 * `layer1`…`layer4` of residual blocks (64, 128, 256, 512 planes; stages 2–4 halve the
 * resolution), global average pooling (`avgpool`) and a linear classifier (`fc`).
 *
 * Initialization is torchvision's: convolutions He-normal (`fan_out`, ReLU gain), BatchNorm
 * weight 1 and bias 0, `fc` PyTorch's `Linear` default.
 * @example
 * const model = new ResNet(BasicBlock, [2, 2, 2, 2], { numClasses: 10 }); // resnet18's shape
 * model.call(torch.randn([1, 3, 64, 64])).shape; // torch.Size([1, 10])
 */
export class ResNet extends Module {
  /** Stem: 7×7 convolution, stride 2, 3 → 64 channels. */
  conv1: Conv2d;
  /** Stem normalization. */
  bn1: BatchNorm2d;
  /** Stem activation (in place). */
  relu: ReLU;
  /** Stem 3×3 max pooling, stride 2. */
  maxpool: MaxPool2d;
  /** Stage 1: 64 planes, stride 1. */
  layer1: Sequential;
  /** Stage 2: 128 planes, stride 2. */
  layer2: Sequential;
  /** Stage 3: 256 planes, stride 2. */
  layer3: Sequential;
  /** Stage 4: 512 planes, stride 2. */
  layer4: Sequential;
  /** Global average pooling to 1×1. */
  avgpool: AdaptiveAvgPool2d;
  /** Classifier: `512·expansion` → `numClasses`. */
  fc: Linear;

  /**
   * @param block the residual block class.
   * @param layers the number of blocks in each of the four stages (`[2, 2, 2, 2]` for ResNet-18).
   */
  constructor(block: ResNetBlock, layers: readonly [number, number, number, number], options: ResNetOptions = {}) {
    super();
    let inplanes = 64;
    // One stage: the first block may stride and widen, so its shortcut gets a projection.
    const makeLayer = (planes: number, blocks: number, stride: number): Sequential => {
      const outplanes = planes * block.expansion;
      const downsample = stride !== 1 || inplanes !== outplanes ? new Sequential(conv1x1(inplanes, outplanes, stride), new BatchNorm2d(outplanes)) : null;
      const stage = [new block(inplanes, planes, stride, downsample)];
      inplanes = outplanes;
      for (let i = 1; i < blocks; i++) stage.push(new block(inplanes, planes));
      return new Sequential(...stage);
    };
    this.conv1 = new Conv2d(3, inplanes, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(inplanes);
    this.relu = new ReLU({ inplace: true });
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = makeLayer(64, layers[0], 1);
    this.layer2 = makeLayer(128, layers[1], 2);
    this.layer3 = makeLayer(256, layers[2], 2);
    this.layer4 = makeLayer(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * block.expansion, options.numClasses ?? 1000);

    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
      else if (m instanceof BatchNorm2d) {
        constant_(m.weight!, 1);
        constant_(m.bias!, 0);
      }
    }
    if (options.zeroInitResidual)
      for (const m of this.modules()) {
        if (m instanceof Bottleneck) constant_(m.bn3.weight!, 0);
        else if (m instanceof BasicBlock) constant_(m.bn2.weight!, 0);
      }
  }

  override forward(x: Tensor): Tensor {
    x = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    x = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(x))));
    return this.fc.call(this.avgpool.call(x).flatten(1));
  }
}

/**
 * Weights for a model: a state dict (`Map` or object, e.g. from `kindling/io/node`'s `load`),
 * or the bytes of a safetensors file.
 * @example
 * const weights: ResNetWeights = readFileSync("resnet18.safetensors");
 */
export type ResNetWeights = StateDict | Record<string, Tensor> | Uint8Array;

/** Options of `resnet18`, `resnet34` and `resnet50`. */
export interface ResNetBuilderOptions extends ResNetOptions {
  /**
   * Weights to load (strictly: every key of torchvision's state dict, nothing else), in place
   * of torchvision's `weights=` enum, since Kindling downloads nothing. Without `numClasses`,
   * the classifier is sized from the weights' `fc.weight`.
   */
  weights?: ResNetWeights;
}

/** The weights as a state dict, decoding safetensors bytes. */
function asStateDict(weights: ResNetWeights): StateDict {
  if (weights instanceof Uint8Array) return new Map(Object.entries(deserialize(weights)));
  return weights instanceof Map ? weights : new Map(Object.entries(weights));
}

function build(block: ResNetBlock, layers: readonly [number, number, number, number], options: ResNetBuilderOptions): ResNet {
  const { weights, ...rest } = options;
  if (weights === undefined) return new ResNet(block, layers, rest);
  const stateDict = asStateDict(weights);
  const numClasses = rest.numClasses ?? stateDict.get("fc.weight")?.shape[0];
  const model = new ResNet(block, layers, { ...rest, numClasses });
  model.loadStateDict(stateDict);
  return model;
}

/**
 * ResNet-18 (torchvision's `resnet18`): `BasicBlock`s `[2, 2, 2, 2]`, 11,689,512 parameters
 * with 1000 classes.
 *
 * Pretrained weights are not downloaded: convert a checkpoint to safetensors once in Python
 * (`safetensors.torch.save_file(torchvision.models.resnet18(weights="DEFAULT").state_dict(),
 * "resnet18.safetensors")`), then pass its bytes or its state dict as `weights`.
 * @example
 * import { readFileSync } from "node:fs";
 * import { resnet18 } from "kindling/vision";
 * const model = resnet18({ weights: readFileSync("resnet18.safetensors") }).eval();
 * const logits = torch.noGrad(() => model.call(images));
 * @throws loadStateDict's "Error(s) in loading state_dict for ResNet" when the weights'
 * keys or shapes differ; safetensors decoding errors for damaged bytes.
 */
export function resnet18(options: ResNetBuilderOptions = {}): ResNet {
  return build(BasicBlock, [2, 2, 2, 2], options);
}

/**
 * ResNet-34 (torchvision's `resnet34`): `BasicBlock`s `[3, 4, 6, 3]`, 21,797,672 parameters
 * with 1000 classes. Weights as for `resnet18`.
 * @example
 * const model = resnet34({ numClasses: 10 });
 */
export function resnet34(options: ResNetBuilderOptions = {}): ResNet {
  return build(BasicBlock, [3, 4, 6, 3], options);
}

/**
 * ResNet-50 (torchvision's `resnet50`): `Bottleneck`s `[3, 4, 6, 3]`, 25,557,032 parameters
 * with 1000 classes. Weights as for `resnet18`.
 * @example
 * const model = resnet50({ zeroInitResidual: true });
 */
export function resnet50(options: ResNetBuilderOptions = {}): ResNet {
  return build(Bottleneck, [3, 4, 6, 3], options);
}
