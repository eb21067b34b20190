/**
 * The MNIST example's data, model and training loop, shared by `npm start`
 * (examples/mnist/train.ts) and the benchmark's W8 (bench/mnist_kindling.ts; PyTorch's side,
 * bench/mnist_torch.py, mirrors this file).
 *
 * The data are the 10,000 digits of the `mnist` npm package (28×28 grey levels in [0, 1],
 * stored digit by digit); a seeded permutation holds out `TEST_SIZE` of them, which training
 * never sees.
 */
import { createRequire } from "node:module";
import * as torch from "kindling";
import type { Tensor } from "kindling";

const { nn, optim } = torch;

/** Digits held out for testing; the other 8,000 are for training. */
export const TEST_SIZE = 2000;
/** The permutation that splits the digits (PyTorch's `randperm` gives the same one). */
export const SPLIT_SEED = 0;
/** Seeds the weights' initialization and dropout. */
export const MODEL_SEED = 0;
/** Seeds the order of the training batches. */
export const SHUFFLE_SEED = 1;
export const BATCH_SIZE = 64;
export const EPOCHS = 8;
/** The one-cycle schedule's peak learning rate. */
export const MAX_LR = 3e-3;
/**
 * MNIST's pixel mean and standard deviation (those of torchvision's MNIST example): inputs are
 * standardized with them so that the first layer starts in a well-scaled regime.
 */
const PIXEL_MEAN = 0.1307;
const PIXEL_STD = 0.3081;

/** Images `[n, 1, 28, 28]` (float32, standardized) and their digits `[n]` (int64). */
export interface Digits {
  images: Tensor;
  labels: Tensor;
}

/** One digit class of the `mnist` package: its images, 784 values each, concatenated. */
interface MnistClass {
  raw: number[];
  length: number;
}

/** The package's 10,000 digits in its order: every 0, then every 1, … */
export function loadDigits(): Digits {
  const classes = createRequire(import.meta.url)("mnist") as MnistClass[];
  const count = classes.reduce((n, c) => n + c.length, 0);
  const pixels = new Float32Array(count * 784);
  const labels = new Float64Array(count);
  let offset = 0;
  classes.forEach((c, digit) => {
    pixels.set(c.raw, offset * 784);
    labels.fill(digit, offset, offset + c.length);
    offset += c.length;
  });
  return {
    images: torch.tensor(pixels).view(count, 1, 28, 28).sub(PIXEL_MEAN).div(PIXEL_STD),
    labels: torch.tensor(labels, { dtype: torch.int64 }),
  };
}

/** The held-out test digits and the training digits, with their indices into `loadDigits()`. */
export interface Split {
  train: Digits;
  test: Digits;
  trainIndices: Tensor;
  testIndices: Tensor;
}

/** Splits the digits by a seeded permutation: its first `testSize` indices are the test set. */
export function splitDigits(digits: Digits, testSize = TEST_SIZE, seed = SPLIT_SEED): Split {
  const count = digits.labels.size(0);
  const order = torch.randperm(count, { generator: new torch.Generator().manualSeed(seed) });
  const testIndices = order.narrow(0, 0, testSize);
  const trainIndices = order.narrow(0, testSize, count - testSize);
  const pick = (indices: Tensor): Digits => ({
    images: digits.images.indexSelect(0, indices),
    labels: digits.labels.indexSelect(0, indices),
  });
  return { train: pick(trainIndices), test: pick(testIndices), trainIndices, testIndices };
}

/**
 * A small convolutional network: two 3×3 convolutions (16 and 32 channels), each followed by
 * ReLU and 2×2 max pooling, then dropout and two linear layers (a hidden layer of 128).
 */
export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3, { padding: 1 });
  conv2 = new nn.Conv2d(16, 32, 3, { padding: 1 });
  pool = new nn.MaxPool2d(2);
  relu = new nn.ReLU();
  dropout = new nn.Dropout(0.25);
  fc1 = new nn.Linear(32 * 7 * 7, 128);
  fc2 = new nn.Linear(128, 10);

  override forward(x: Tensor): Tensor {
    x = this.pool.call(this.relu.call(this.conv1.call(x)));
    x = this.pool.call(this.relu.call(this.conv2.call(x)));
    x = this.dropout.call(x.flatten(1));
    return this.fc2.call(this.relu.call(this.fc1.call(x)));
  }
}

/** What training needs: the model, Adam under a one-cycle schedule, the batches, the loss. */
export interface Trainer {
  model: Net;
  optimizer: torch.optim.Adam;
  scheduler: torch.optim.lr_scheduler.OneCycleLR;
  loader: torch.utils.data.DataLoader<Tensor[]>;
  lossFn: torch.nn.CrossEntropyLoss;
}

/** A freshly initialized (seeded) model and its optimizer, scheduled over `epochs` epochs of `train`. */
export function makeTrainer(train: Digits, epochs = EPOCHS): Trainer {
  torch.manualSeed(MODEL_SEED);
  const model = new Net();
  const optimizer = new optim.Adam(model.parameters(), { lr: MAX_LR });
  const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(train.images, train.labels), {
    batchSize: BATCH_SIZE,
    shuffle: true,
    generator: new torch.Generator().manualSeed(SHUFFLE_SEED),
  });
  const scheduler = new optim.lr_scheduler.OneCycleLR(optimizer, MAX_LR, { stepsPerEpoch: loader.length, epochs });
  return { model, optimizer, scheduler, loader, lossFn: new nn.CrossEntropyLoss() };
}

/** One step's report: the batch's index in the epoch, its loss and its size. */
export interface StepReport {
  step: number;
  loss: number;
  batchSize: number;
}

/** Trains one epoch; calls `onStep` after each batch. Returns the batches' mean loss. */
export function trainEpoch(trainer: Trainer, onStep?: (report: StepReport) => void): number {
  const { model, optimizer, scheduler, loader, lossFn } = trainer;
  model.train();
  let total = 0;
  let step = 0;
  for (const [images, labels] of loader) {
    optimizer.zeroGrad();
    const loss = lossFn.call(model.call(images), labels);
    loss.backward();
    optimizer.step();
    scheduler.step();
    const value = loss.item();
    total += value;
    onStep?.({ step, loss: value, batchSize: images.size(0) });
    step++;
  }
  return total / step;
}

/** The fraction of `digits` the model classifies correctly (in eval mode, without grad). */
export function accuracy(model: Net, digits: Digits, batchSize = 500): number {
  model.eval();
  return torch.noGrad(() => {
    let correct = 0;
    const count = digits.labels.size(0);
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const predicted = model.call(digits.images.narrow(0, start, size)).argmax(1);
      correct += predicted.eq(digits.labels.narrow(0, start, size)).sum().item();
    }
    return correct / count;
  });
}
