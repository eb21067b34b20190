/**
 * The MNIST example's pipeline (examples/mnist/mnist.ts): the digits load with the `mnist`
 * package's counts, the held-out split is disjoint from training and covers every digit once,
 * and a short run of its training loop learns (loss down from ln 10, held-out digits recognized).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import { TEST_SIZE, accuracy, loadDigits, makeTrainer, splitDigits, trainEpoch } from "../../examples/mnist/mnist.js";

const digits = loadDigits();
const split = splitDigits(digits);

describe("MNIST data", () => {
  test("10,000 standardized 28×28 images with the package's count of each digit", () => {
    assert.deepEqual([...digits.images.shape], [10000, 1, 28, 28]);
    assert.equal(digits.labels.dtype, torch.int64);
    // The mnist package's 0.json … 9.json hold these many images.
    const counts = Array.from({ length: 10 }, (_, d) => digits.labels.eq(d).sum().item());
    assert.deepEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Blank paper (0) standardized with MNIST's mean 0.1307 and std 0.3081.
    assert.ok(Math.abs(digits.images.min().item() - -0.1307 / 0.3081) < 1e-6);
  });

  test("the test digits are held out: disjoint from training, together every digit once", () => {
    assert.equal(split.testIndices.size(0), TEST_SIZE);
    assert.equal(split.trainIndices.size(0), 10000 - TEST_SIZE);
    const all = torch.cat([split.trainIndices, split.testIndices]).sort().values;
    assert.ok(all.equal(torch.arange(10000, { dtype: torch.int64 })));
    assert.ok(split.test.labels.equal(digits.labels.indexSelect(0, split.testIndices)));
    assert.ok(split.train.images.index(5).equal(digits.images.index(split.trainIndices.index(5).item())));
  });

  test("the split is PyTorch's randperm(10000) with seed 0", () => {
    // torch.randperm(10000, generator=torch.Generator().manual_seed(0))[:5] in PyTorch 1.13
    assert.deepEqual(split.testIndices.index("0:5").tolist(), [6044, 2890, 9399, 1917, 4919]);
  });
});

describe("MNIST training", () => {
  test("a short run lowers the loss from ln 10 and recognizes held-out digits", () => {
    const subset = (count: number, from: typeof split.train) => ({
      images: from.images.narrow(0, 0, count),
      labels: from.labels.narrow(0, 0, count),
    });
    const epochs = 10;
    const trainer = makeTrainer(subset(512, split.train), epochs); // 8 batches an epoch: 80 steps
    const losses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) trainEpoch(trainer, ({ loss }) => losses.push(loss));
    assert.equal(losses.length, 80);
    // An untrained network predicts about uniformly: cross-entropy ln 10 ≈ 2.303.
    assert.ok(Math.abs(losses[0] - Math.log(10)) < 0.2, `first loss ${losses[0]}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-10)) < 0.2 * mean(losses.slice(0, 10)), `losses ${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
    const heldOut = accuracy(trainer.model, subset(500, split.test));
    assert.ok(heldOut > 0.8, `held-out accuracy ${heldOut}`);
  });
});
