/**
 * Datasets, collation, DataLoader batching and shuffling, and randomSplit; the orders and the
 * random numbers they draw against PyTorch (`/usr/bin/python3 scripts/fixtures/data.py`,
 * test/fixtures/data.json).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { DataLoader, type DataLoaderOptions, Dataset, Subset, TensorDataset, defaultCollate, randomSplit } from "../../src/utils/data.js";

const xs = torch.arange(20, { dtype: torch.float64 }).reshape(10, 2);
const ys = torch.arange(10, { dtype: torch.int64 });
const ds = new TensorDataset(xs, ys);

/** The label values of a batch of (x, y) pairs. */
const labels = (batch: Tensor[]): number[] => Array.from(batch[1].numpy());

describe("datasets", () => {
  test("TensorDataset slices its tensors along the first dim", () => {
    assert.equal(ds.length, 10);
    const [x, y] = ds.getItem(3);
    assert.deepEqual(x.tolist(), [6, 7]);
    assert.equal(y.dim(), 0);
    assert.equal(y.dtype, torch.int64);
    assert.equal(y.item(), 3);
    assert.throws(() => new TensorDataset(xs, torch.zeros(9)), /Size mismatch between tensors/);
  });

  test("Subset and user datasets", () => {
    const sub = new Subset(ds, [9, 0]);
    assert.equal(sub.length, 2);
    assert.equal(sub.getItem(0)[1].item(), 9);
    class Squares extends Dataset<{ n: number; sq: number }> {
      get length(): number {
        return 4;
      }
      getItem(i: number): { n: number; sq: number } {
        return { n: i, sq: i * i };
      }
    }
    const batches = [...new DataLoader(new Squares(), { batchSize: 3 })];
    assert.equal(batches.length, 2);
    assert.deepEqual(batches[0].sq.tolist(), [0, 1, 4]);
    assert.equal(batches[0].sq.dtype, torch.float32, "numbers collate with torch.tensor's rule");
    assert.deepEqual(batches[1].n.tolist(), [3]);
  });
});

describe("defaultCollate", () => {
  test("stacks tensors, converts scalars, recurses into arrays and objects", () => {
    const batch = defaultCollate([
      { x: torch.ones(2), label: 1n, flag: true, name: "a", pair: [1.5, torch.zeros(1)] as [number, Tensor] },
      { x: torch.zeros(2), label: 0n, flag: false, name: "b", pair: [2.5, torch.ones(1)] as [number, Tensor] },
    ]);
    assert.deepEqual([...batch.x.shape], [2, 2]);
    assert.deepEqual(batch.x.tolist(), [[1, 1], [0, 0]]);
    assert.equal(batch.label.dtype, torch.int64);
    assert.deepEqual(batch.label.tolist(), [1, 0]);
    assert.equal(batch.flag.dtype, torch.bool);
    assert.deepEqual(batch.name, ["a", "b"]);
    assert.deepEqual(batch.pair[0].tolist(), [1.5, 2.5]);
    assert.deepEqual(batch.pair[1].tolist(), [[0], [1]]);
  });

  test("rejects ragged or unsupported batches", () => {
    assert.throws(() => defaultCollate([[1, 2], [3]]), /each element in list of batch should be of equal size/);
    assert.throws(() => defaultCollate([null]), /default_collate: batch must contain .*; found null/);
    assert.throws(() => defaultCollate([torch.ones(2), 1]), /found number/);
    assert.throws(() => defaultCollate([torch.ones(2), torch.ones(3)]), /stack expects each tensor to be equal size/);
  });
});

describe("DataLoader", () => {
  test("batches in order, with a short last batch unless dropLast", () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    assert.equal(loader.length, 3);
    const batches = [...loader];
    assert.deepEqual(batches.map(labels), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    assert.deepEqual([...batches[0][0].shape], [4, 2]);
    assert.equal(batches[0][0].dtype, torch.float64);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    assert.equal(dropped.length, 2);
    assert.deepEqual([...dropped].map(labels), [[0, 1, 2, 3], [4, 5, 6, 7]]);
    assert.deepEqual([...new DataLoader(ds)].length, 10, "batchSize defaults to 1");
  });

  test("shuffles reproducibly from a seeded generator, with a new order each epoch", () => {
    const epochs = (seed: number): number[][] => {
      const loader = new DataLoader(ds, { batchSize: 10, shuffle: true, generator: new torch.Generator().manualSeed(seed) });
      return [0, 1, 2].map(() => labels([...loader][0]));
    };
    const a = epochs(0);
    assert.deepEqual(epochs(0), a, "the same seed gives the same epochs");
    assert.notDeepEqual(epochs(1), a);
    assert.notDeepEqual(a[0], a[1], "each epoch is a fresh permutation");
    for (const order of a) assert.deepEqual([...order].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    torch.manualSeed(5);
    const global1 = labels([...new DataLoader(ds, { batchSize: 10, shuffle: true })][0]);
    torch.manualSeed(5);
    assert.deepEqual(labels([...new DataLoader(ds, { batchSize: 10, shuffle: true })][0]), global1, "the global seed works too");
  });

  test("a custom collateFn decides the batch type", () => {
    const loader = new DataLoader(ds, { batchSize: 3, collateFn: (samples) => samples.map(([, y]) => y.item()) });
    const first: number[] = [...loader][0];
    assert.deepEqual(first, [0, 1, 2]);
  });

  test("rejects a bad batch size", () => {
    assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /batch_size should be a positive integer value, but got batch_size=0/);
  });
});

describe("randomSplit", () => {
  const all = (parts: Subset<Tensor[]>[]): number[] => parts.flatMap((p) => [...p.indices]).sort((a, b) => a - b);

  test("splits by lengths into disjoint subsets, reproducibly", () => {
    const parts = randomSplit(ds, [7, 3], { generator: new torch.Generator().manualSeed(42) });
    assert.deepEqual(parts.map((p) => p.length), [7, 3]);
    assert.deepEqual(all(parts), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = randomSplit(ds, [7, 3], { generator: new torch.Generator().manualSeed(42) });
    assert.deepEqual(again.map((p) => p.indices), parts.map((p) => p.indices));
    assert.equal(parts[1].getItem(0)[1].item(), parts[1].indices[0]);
  });

  test("splits by fractions, dealing the remainder round-robin", () => {
    const parts = randomSplit(ds, [0.45, 0.45, 0.1], { generator: new torch.Generator().manualSeed(0) });
    assert.deepEqual(parts.map((p) => p.length), [5, 4, 1], "floor gives 4, 4, 1; the one left over goes to the first");
    assert.deepEqual(all(parts), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("rejects lengths that do not add up", () => {
    assert.throws(() => randomSplit(ds, [5, 4]), /Sum of input lengths does not equal the length of the input dataset!/);
    assert.throws(() => randomSplit(ds, [1.5, -0.5]), /Fraction at index 0 is not between 0 and 1/);
  });
});

describe("random numbers drawn as PyTorch draws them", () => {
  const fixture = JSON.parse(readFileSync(new URL("../fixtures/data.json", import.meta.url), "utf8")) as {
    randperm: Record<string, number[]>;
    loaders: { name: string; seed: number; generatorSeed: number | null; options: DataLoaderOptions<Tensor[], Tensor[]>; epochs: number[][][]; randAfter: number[] }[];
    splits: { name: string; seed: number; generatorSeed: number | null; lengths: number[]; indices: number[][]; randAfter: number[] }[];
  };
  const dataset = new TensorDataset(torch.arange(10, { dtype: torch.int64 }));
  const generatorOf = (seed: number | null): torch.Generator | undefined => (seed === null ? undefined : new torch.Generator().manualSeed(seed));
  const randAfter = (): number[] => Array.from(torch.rand([3]).numpy());
  test("randperm", () => {
    for (const [seed, perm] of Object.entries(fixture.randperm))
      assert.deepEqual(Array.from(torch.randperm(perm.length, { generator: new torch.Generator().manualSeed(Number(seed)) }).numpy()), perm);
  });

  for (const c of fixture.loaders)
    test(`DataLoader, ${c.name}`, () => {
      torch.manualSeed(c.seed);
      const loader = new DataLoader(dataset, { ...c.options, generator: generatorOf(c.generatorSeed) });
      const epochs = [0, 1].map(() => [...loader].map((batch) => Array.from(batch[0].numpy())));
      assert.deepEqual(epochs, c.epochs);
      assert.deepEqual(randAfter(), c.randAfter, "the global generator afterwards");
    });

  for (const c of fixture.splits)
    test(`randomSplit, ${c.name}`, () => {
      torch.manualSeed(c.seed);
      const parts = randomSplit(dataset, c.lengths, { generator: generatorOf(c.generatorSeed) });
      assert.deepEqual(parts.map((p) => [...p.indices]), c.indices);
      assert.deepEqual(randAfter(), c.randAfter, "the global generator afterwards");
    });
});
