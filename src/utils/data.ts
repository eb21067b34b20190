/**
 * `torch.utils.data`: datasets, batching with `DataLoader`, and `randomSplit`.
 *
 * Python's `__getitem__` and `__len__` become `getItem(index)` and a `length` property, the
 * JavaScript word for a size; a `DataLoader` is iterable with `for..of`.
 */
import { Tensor } from "../core/tensor.js";
import { Generator, defaultGenerator } from "../core/random.js";
import { randperm, tensor } from "../ops/creation.js";
import { stack } from "../ops/shape.js";
import { warnOnce } from "./warn.js";

/**
 * A map-style dataset (PyTorch's `torch.utils.data.Dataset`): samples by index. Extend it, or
 * pass any object with `getItem` and `length`.
 *
 * @example
 * class Squares extends Dataset<[Tensor, Tensor]> {
 *   get length() { return 100; }
 *   getItem(i: number): [Tensor, Tensor] { return [torch.tensor([i]), torch.tensor([i * i])]; }
 * }
 */
export abstract class Dataset<T> {
  /** The sample at `index` (PyTorch's `__getitem__`). */
  abstract getItem(index: number): T;
  /** The number of samples (PyTorch's `__len__`). */
  abstract get length(): number;
}

/**
 * A dataset of tensors sliced along their first dim: sample `i` is `[t0[i], t1[i], ...]`
 * (views, not copies), as PyTorch's `TensorDataset`.
 *
 * @example
 * const ds = new TensorDataset(torch.randn(100, 3), torch.randint(0, 2, [100]));
 * const [x, y] = ds.getItem(0); // x: shape [3], y: 0-dim int64
 * @throws "Size mismatch between tensors" when the first dims differ.
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors, all with the same first dim. */
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0 || tensors.some((t) => t.dim() === 0 || t.size(0) !== tensors[0].size(0)))
      throw new Error("Size mismatch between tensors");
    this.tensors = tensors;
  }

  getItem(index: number): Tensor[] {
    return this.tensors.map((t) => t.select(0, index));
  }

  get length(): number {
    return this.tensors[0].size(0);
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (PyTorch's `Subset`).
 * @example
 * const firstTen = new Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T> extends Dataset<T> {
  constructor(
    /** The whole dataset. */
    readonly dataset: Dataset<T>,
    /** Positions in `dataset` of this subset's samples. */
    readonly indices: readonly number[],
  ) {
    super();
  }

  getItem(index: number): T {
    return this.dataset.getItem(this.indices[index]);
  }

  get length(): number {
    return this.indices.length;
  }
}

/**
 * What `defaultCollate` makes of a batch of samples of type `T`: tensors and numbers stack
 * into one tensor, strings stay a list, and arrays and objects are collated field by field.
 * @example
 * type Batch = Collated<{ image: Tensor; label: bigint; id: string }>;
 * // { image: Tensor; label: Tensor; id: string[] }
 */
export type Collated<T> = T extends Tensor | number | bigint | boolean
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[] | object
      ? { [K in keyof T]: Collated<T[K]> }
      : never;

/**
 * Puts a list of samples into a batch, as PyTorch's `default_collate`: tensors are stacked
 * along a new first dim; numbers, bigints and booleans become a 1-D tensor with
 * `torch.tensor`'s rule (numbers float32, bigints int64, booleans bool); strings stay a
 * list; arrays (tuples) and plain objects are collated per position or key.
 *
 * @example
 * defaultCollate([[torch.ones(2), 1n], [torch.zeros(2), 0n]]);
 * // [tensor([[1., 1.], [0., 0.]]), tensor([1, 0])]
 * @throws for samples of different structure or unsupported types.
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  return collate(batch) as Collated<T>;
}

function collate(batch: readonly unknown[]): unknown {
  const first = batch[0];
  if (first instanceof Tensor) {
    if (!batch.every((s) => s instanceof Tensor)) throw collateError(batch.find((s) => !(s instanceof Tensor)));
    return stack(batch as Tensor[], 0);
  }
  if (typeof first === "number" || typeof first === "bigint" || typeof first === "boolean") {
    if (!batch.every((s) => typeof s === typeof first)) throw collateError(batch.find((s) => typeof s !== typeof first));
    return tensor(batch as number[] | bigint[] | boolean[]);
  }
  if (typeof first === "string") return [...(batch as string[])];
  if (Array.isArray(first)) {
    if (!batch.every((s) => Array.isArray(s) && s.length === first.length))
      throw new Error("each element in list of batch should be of equal size");
    return first.map((_, i) => collate(batch.map((s) => (s as unknown[])[i])));
  }
  if (first !== null && typeof first === "object" && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = collate(batch.map((s) => (s as Record<string, unknown>)[key]));
    return out;
  }
  throw collateError(first);
}

function collateError(sample: unknown): Error {
  const kind = sample === null ? "null" : typeof sample === "object" ? sample.constructor.name : typeof sample;
  return new TypeError(`default_collate: batch must contain tensors, numbers, strings, objects or arrays; found ${kind}`);
}

/**
 * Options of `DataLoader`.
 * @example
 * new DataLoader(ds, { batchSize: 64, shuffle: true, dropLast: true, generator: new torch.Generator().manualSeed(1) });
 */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order every epoch (default false). */
  shuffle?: boolean;
  /** The generator shuffling draws from (default: a fresh one each epoch, seeded from the global one, as in PyTorch). */
  generator?: Generator | null;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default `defaultCollate`). */
  collateFn?: (samples: T[]) => B;
}

/**
 * Iterates over a dataset in batches (PyTorch's `DataLoader`, single process): each epoch is
 * one `for..of`, in order or, with `shuffle`, in a fresh permutation. Random numbers are drawn
 * as PyTorch draws them: each epoch takes a 64-bit base seed from `generator` (or the global
 * generator), shuffled or not; a shuffled epoch without `generator` then seeds a fresh
 * generator from the global one; the order is `torch.randperm(n, { generator })`.
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), {
 *   batchSize: 32, shuffle: true, generator: new torch.Generator().manualSeed(0),
 * });
 * for (const [xb, yb] of loader) { ... }
 * loader.length; // number of batches per epoch
 * @throws when `batchSize` is not a positive integer.
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  /** The dataset batches are drawn from. */
  readonly dataset: Dataset<T>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** Whether a short last batch is dropped. */
  readonly dropLast: boolean;
  /** The generator shuffling draws from, or null for one seeded from the global generator each epoch. */
  readonly generator: Generator | null;
  /** Turns a list of samples into a batch. */
  readonly collateFn: (samples: T[]) => B;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new Error(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = options.generator ?? null;
    this.collateFn = options.collateFn ?? ((samples: T[]) => collate(samples) as B);
  }

  /** Batches per epoch (PyTorch's `len(loader)`). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches. */
  *[Symbol.iterator](): Iterator<B> {
    const n = this.dataset.length;
    // PyTorch draws a base seed for worker processes at each epoch; drawing it too keeps the
    // random streams in step with PyTorch's.
    randomInt64(this.generator ?? defaultGenerator);
    const generator = this.shuffle ? this.generator ?? new Generator().manualSeed(randomInt64(defaultGenerator)) : null;
    const order = generator ? Array.from(randperm(n, { generator }).numpy()) : null;
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const samples: T[] = [];
      for (let i = b * this.batchSize; i < Math.min(n, (b + 1) * this.batchSize); i++)
        samples.push(this.dataset.getItem(order === null ? i : order[i]));
      yield this.collateFn(samples);
    }
    // PyTorch's RandomSampler, once exhausted, draws one more permutation for a remainder it
    // then leaves empty; a seeded generator's next epochs depend on that draw.
    if (generator) randperm(n, { generator });
  }
}

/** `torch.empty((), dtype=torch.int64).random_(generator=g)`: 64 random bits modulo 2^63. */
function randomInt64(g: Generator): bigint {
  const hi = g.nextUint32();
  const lo = g.nextUint32();
  return (BigInt(hi & 0x7fffffff) << 32n) | BigInt(lo);
}

/**
 * Splits a dataset into non-overlapping random subsets (PyTorch's `random_split`). `lengths`
 * are sizes, or fractions summing to 1: each subset gets `floor(fraction * n)` and the
 * remainder is dealt one by one, round-robin.
 *
 * @example
 * const [train, val] = randomSplit(ds, [0.8, 0.2], { generator: new torch.Generator().manualSeed(42) });
 * @throws when the lengths do not add up to the dataset's length.
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: { generator?: Generator } = {}): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  // Python's math.isclose(total, 1) and total <= 1.
  if (Math.abs(total - 1) <= 1e-9 * Math.max(Math.abs(total), 1) && total <= 1) {
    sizes.forEach((frac, i) => {
      if (frac < 0 || frac > 1) throw new Error(`Fraction at index ${i} is not between 0 and 1`);
    });
    sizes = sizes.map((frac) => Math.floor(n * frac));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
    sizes.forEach((size, i) => {
      if (size === 0) warnOnce(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  }
  if (sizes.reduce((a, b) => a + b, 0) !== n) throw new Error("Sum of input lengths does not equal the length of the input dataset!");
  const perm = Array.from(randperm(n, { generator: options.generator ?? defaultGenerator }).numpy());
  let offset = 0;
  return sizes.map((size) => {
    const indices = perm.slice(offset, offset + size);
    offset += size;
    return new Subset(dataset, indices);
  });
}
