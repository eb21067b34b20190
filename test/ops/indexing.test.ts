/**
 * Indexing ops against PyTorch, recorded by `/usr/bin/python3 scripts/fixtures/indexing.py` into
 * test/fixtures/indexing.json: outputs, grad_fn names, gradients of `(out * w).sum()` and error
 * messages. Then views, in-place behaviour, and finite-difference checks of first and second
 * derivatives in float64.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import { Tensor } from "../../src/core/tensor.js";
import { type DTypeName, bool, float32, float64, int32, int64 } from "../../src/core/dtype.js";
import {
  type IndexItem,
  gather,
  index,
  indexPut_,
  indexSelect,
  maskedFill,
  scatter,
  scatterAdd,
  sliceSpec,
} from "../../src/ops/indexing.js";

// ---------------------------------------------------------------- fixture format

interface Encoded {
  values: (number | boolean)[];
  shape: number[];
  dtype: DTypeName;
}

type EncodedItem =
  | number
  | string
  | null
  | { slice: [number | null, number | null, number | null] }
  | { list: number[] }
  | { long: unknown; shape: number[] }
  | { int32: unknown; shape: number[] }
  | { bool: unknown; shape: number[] }
  | { float64: unknown; shape: number[] };

interface Case {
  name: string;
  op: "index" | "indexPut_" | "indexSelect" | "gather" | "scatter" | "scatterAdd" | "maskedFill";
  input: Encoded;
  items?: EncodedItem[];
  value?: number | Encoded;
  valueRequiresGrad?: boolean;
  dim?: number | null;
  index?: Encoded;
  mask?: Encoded;
  src?: Encoded;
  output: Encoded;
  gradFn: string | null;
  weight: Encoded | null;
  grad: Encoded | null;
  valueGrad?: Encoded | null;
  srcGrad?: Encoded | null;
}

interface ErrorCase {
  name: string;
  op: Case["op"];
  shape: number[];
  items?: EncodedItem[];
  value?: Encoded;
  dim?: number;
  index?: Encoded;
  mask?: Encoded;
  src?: Encoded;
  message: string;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/indexing.json", import.meta.url), "utf8")) as {
  cases: Case[];
  errors: ErrorCase[];
};

const DTYPES = { float32, float64, int64, int32, bool };

function decode(e: Encoded): Tensor {
  const dtype = DTYPES[e.dtype];
  const data = new dtype.arrayType(e.values.map((v) => (typeof v === "boolean" ? (v ? 1 : 0) : v)));
  return Tensor._fromArray(data, e.shape, dtype);
}

function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [typeof v === "boolean" ? (v ? 1 : 0) : (v as number)];
}

function decodeItem(item: EncodedItem): IndexItem {
  if (item === null || typeof item === "number" || typeof item === "string") return item;
  if ("slice" in item) return sliceSpec(...item.slice);
  if ("list" in item) return item.list;
  const [values, dtype] =
    "long" in item ? [item.long, int64] : "int32" in item ? [item.int32, int32] : "bool" in item ? [item.bool, bool] : [item.float64, float64];
  return Tensor._fromArray(new dtype.arrayType(flat(values)), item.shape, dtype);
}

/** Shape, dtype and values within 1e-12 (float64 results here are exact or nearly so). */
function assertTensor(actual: Tensor | null, expected: Encoded, what: string): void {
  assert.ok(actual !== null, `${what}: missing`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  assert.equal(actual.dtype.name, expected.dtype, `${what}: dtype`);
  const got = flat(actual.tolist());
  const want = flat(expected.values);
  assert.equal(got.length, want.length, `${what}: numel`);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-12, `${what}: element ${i} is ${v}, expected ${want[i]}`));
}

/** Runs a fixture case's op on Kindling tensors. */
function run(c: Case | ErrorCase, x: Tensor, value: Tensor | number | null, src: Tensor | null): Tensor {
  const items = (c.items ?? []).map(decodeItem);
  switch (c.op) {
    case "index":
      return index(x, items);
    case "indexPut_":
      return indexPut_(x, items, value as Tensor | number);
    case "indexSelect":
      return indexSelect(x, c.dim as number, decode(c.index as Encoded));
    case "gather":
      return gather(x, c.dim as number, decode(c.index as Encoded));
    case "scatter":
      return scatter(x, c.dim as number, decode(c.index as Encoded), src ?? (value as number));
    case "scatterAdd":
      return scatterAdd(x, c.dim as number, decode(c.index as Encoded), src as Tensor);
    case "maskedFill":
      return maskedFill(x, decode(c.mask as Encoded), typeof value === "number" ? value : 0);
  }
}

describe("indexing against PyTorch", () => {
  for (const c of fixture.cases) {
    test(`${c.op}: ${c.name}`, () => {
      const x = decode(c.input);
      if (x.isFloatingPoint()) x.requiresGrad_();
      let value: Tensor | number | null = null;
      if (typeof c.value === "number") value = c.value;
      else if (c.value) value = decode(c.value).requiresGrad_(c.valueRequiresGrad ?? false);
      const src = c.src ? decode(c.src).requiresGrad_() : null;
      // Setitem works on a clone, as the fixture does, so the leaf stays untouched.
      const out = c.op === "indexPut_" ? run(c, x.clone(), value, null) : run(c, x, value, src);
      assertTensor(out, c.output, "output");
      assert.equal(out.gradFn?.name() ?? null, c.gradFn, "grad_fn");
      if (c.weight === null) return;
      out.mul(decode(c.weight)).sum().backward();
      if (c.grad) assertTensor(x.grad, c.grad, "input grad");
      if (c.valueGrad) assertTensor((value as Tensor).grad, c.valueGrad, "value grad");
      if (c.srcGrad) assertTensor((src as Tensor).grad, c.srcGrad, "src grad");
    });
  }
});

describe("indexing errors against PyTorch", () => {
  for (const e of fixture.errors) {
    test(`${e.op}: ${e.name}`, () => {
      const x = torch.zeros(e.shape, { dtype: float64 });
      const src = e.src ? decode(e.src) : null;
      const value = e.value ? decode(e.value) : null;
      assert.throws(() => run(e, x, value, src), { message: e.message });
    });
  }
});

// ---------------------------------------------------------------- views and in-place

describe("basic indexing gives views", () => {
  test("ints, slices, None and ... share storage, and writes reach the base", () => {
    const x = torch.arange(24, { dtype: float64 }).reshape(2, 3, 4);
    const v = x.index(1, null, "::2", "1:");
    assert.equal(v._storage, x._storage);
    assert.deepEqual([...v.shape], [1, 2, 3]);
    v.fill_(-7);
    assert.deepEqual(x.index(1).tolist(), [
      [12, -7, -7, -7],
      [16, 17, 18, 19],
      [20, -7, -7, -7],
    ]);
    assert.equal(x.index("...")._storage, x._storage);
  });

  test("advanced indexing copies", () => {
    const x = torch.arange(6, { dtype: float64 }).reshape(2, 3);
    const c = x.index([1, 0]);
    assert.notEqual(c._storage, x._storage);
    c.fill_(0);
    assert.equal(x.sum().item(), 15);
  });

  test("the view's grad_fn chain is PyTorch's", () => {
    const x = torch.ones([2, 3, 4], { dtype: float64, requiresGrad: true });
    const names: string[] = [];
    for (let n = x.index(0, null, "1:").gradFn; n && n.name() !== "AccumulateGrad"; n = n.nextFunctions[0][0]) names.push(n.name());
    assert.deepEqual(names, ["SliceBackward0", "UnsqueezeBackward0", "SelectBackward0"]);
  });
});

describe("layouts", () => {
  test("advanced indexing reads and writes non-contiguous tensors", () => {
    const base = torch.arange(24, { dtype: float64 }).reshape(4, 6);
    const x = base.index("::2", "1::2").t(); // 3×2, strided and transposed
    const dense = x.contiguous();
    const items: IndexItem[] = [[2, 0, 2], torch.tensor([1n, 0n, 0n])];
    assert.deepEqual(x.index(...items).tolist(), dense.index(...items).tolist());
    assert.deepEqual(x.index(x.gt(10)).tolist(), dense.index(dense.gt(10)).tolist());
    x.indexPut_([x.gt(10)], 0);
    assert.deepEqual(base.index("::2", "1::2").tolist(), [
      [1, 3, 5],
      [0, 0, 0],
    ]);
  });
});

describe("indexPut_", () => {
  test("returns the tensor itself and bumps its version", () => {
    const x = torch.zeros(3, 4);
    const before = x._version;
    assert.equal(x.indexPut_([[0, 2], "1:3"], 1), x);
    assert.equal(x.indexPut_([x.gt(0)], 2), x);
    assert.ok(x._version > before);
    assert.deepEqual(x.tolist(), [
      [0, 2, 2, 0],
      [0, 0, 0, 0],
      [0, 2, 2, 0],
    ]);
  });

  test("writes through a non-contiguous view", () => {
    const x = torch.zeros(3, 4);
    x.t().indexPut_([[1, 3], 2], torch.tensor([5, 6]));
    assert.deepEqual(x.index(2).tolist(), [0, 5, 0, 6]);
  });

  test("refuses a leaf that requires grad, except under noGrad", () => {
    const x = torch.zeros([3], { requiresGrad: true });
    assert.throws(() => x.indexPut_([[0]], 1), { message: "a leaf Variable that requires grad is being used in an in-place operation." });
    assert.throws(() => x.indexPut_([0], 1), {
      message: "a view of a leaf Variable that requires grad is being used in an in-place operation.",
    });
    torch.noGrad(() => x.indexPut_([[0, 2]], 1));
    assert.deepEqual(x.tolist(), [1, 0, 1]);
  });

  test("a boolean value fills a bool tensor", () => {
    const m = torch.zeros([4], { dtype: bool });
    m.indexPut_([[1, 3]], true);
    assert.deepEqual(m.tolist(), [false, true, false, true]);
  });
});

describe("index items", () => {
  test("sliceSpec defaults to the whole dim", () => {
    assert.deepEqual(sliceSpec(), { start: null, stop: null, step: null });
    assert.deepEqual(torch.arange(5).index(sliceSpec(null, -2)).tolist(), [0, 1, 2]);
  });

  test("slice strings accept spaces and signs", () => {
    assert.deepEqual(torch.arange(6).index(" +1 : -1 : 2 ").tolist(), [1, 3]);
  });

  test("misuse is refused", () => {
    const x = torch.zeros(2, 3);
    assert.throws(() => x.index("...", 0, "..."), { message: "an index can only have a single ellipsis ('...')" });
    assert.throws(() => x.index(0.5), {
      message: "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)",
    });
    assert.throws(() => x.index("1-2"), /a string index must be a slice/);
    assert.throws(() => x.index([0.5]), { message: "tensors used as indices must be long, int, byte or bool tensors" });
    assert.throws(() => torch.tensor(1).index(":"), { message: "slice() cannot be applied to a 0-dim tensor." });
  });
});

// ---------------------------------------------------------------- finite differences

/** d/dx of sum(f(x) * w) by central differences, one element of x at a time. */
function numericGrad(f: (x: Tensor) => Tensor, x: Tensor, w: Tensor, eps = 1e-6): number[] {
  const data = x._storage.data;
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const keep = data[i];
    data[i] = keep + eps;
    const up = f(x).mul(w).sum().item();
    data[i] = keep - eps;
    const down = f(x).mul(w).sum().item();
    data[i] = keep;
    out.push((up - down) / (2 * eps));
  }
  return out;
}

function randomLike(shape: readonly number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 1.3);
  return Tensor._fromArray(data, shape.slice(), float64);
}

function assertNear(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-7, `${what}[${i}]: ${v} vs ${expected[i]}`));
}

/**
 * First derivatives against finite differences, then second order: the gradient as a function
 * of the incoming gradient `go`, differentiated through the recorded backward graph.
 */
function check(name: string, shape: number[], f: (x: Tensor) => Tensor): void {
  test(name, () => {
    const x = randomLike(shape, 1).requiresGrad_();
    const out = f(x);
    const w = randomLike(out._shape, 2);
    const [g] = torch.autograd.grad(out.mul(w).sum(), x);
    assertNear(flat((g as Tensor).tolist()), numericGrad(f, x.detach(), w), "grad");

    const go = randomLike(out._shape, 3).requiresGrad_();
    const v = randomLike(shape, 4);
    const h = (gOut: Tensor): Tensor => torch.autograd.grad(f(x), x, { gradOutputs: gOut, createGraph: true })[0] as Tensor;
    const [gg] = torch.autograd.grad(h(go).mul(v).sum(), go);
    assertNear(flat((gg as Tensor).tolist()), numericGrad(h, go.detach(), v), "grad of grad");
  });
}

describe("gradients by finite differences (float64)", () => {
  const m = torch.tensor([
    [true, false, true, false],
    [false, true, true, true],
  ]);
  const idx = torch.tensor([
    [2n, 0n, 1n, 2n],
    [0n, 0n, 2n, 1n],
  ]);
  // Scatter without accumulation gives every src element a gradient, so its indices must not repeat.
  const unique = torch.tensor([
    [2n, 0n, 1n, 2n],
    [0n, 1n, 2n, 1n],
  ]);
  check("advanced index with repeats", [3, 4], (x) => x.index([2, 0, 2], "1:"));
  check("separated advanced indices", [2, 3, 4], (x) => x.index([1, 0], ":", torch.tensor([[3n], [0n]])));
  check("mask", [2, 4], (x) => x.index(m));
  check("indexSelect", [3, 4], (x) => x.indexSelect(1, torch.tensor([3n, 3n, 0n])));
  check("gather", [3, 4], (x) => x.gather(0, idx));
  check("scatter into x", [3, 4], (x) => x.scatter(0, idx.index("...", "1:3"), 0.5));
  check("scatter of src", [2, 4], (s) => torch.ones([3, 4], { dtype: float64 }).scatter(0, unique, s));
  check("scatterAdd of src", [2, 4], (s) => torch.zeros([3, 4], { dtype: float64 }).scatterAdd(0, idx, s));
  check("scatter of a larger src", [3, 5], (s) => torch.zeros([3, 4], { dtype: float64 }).scatter(0, unique, s));
  check("maskedFill", [2, 4], (x) => x.maskedFill(m, 3));
  check("setitem with a tensor value", [4], (v) => {
    const y = torch.zeros([2, 3, 4], { dtype: float64 });
    y.indexPut_([[0, 1], ":", [1, 2]], v.index("1:"));
    return y;
  });
  check("setitem of x", [2, 3], (x) => {
    const y = x.mul(1);
    y.indexPut_([[1, 0], [2, 2]], torch.tensor([5, 6], { dtype: float64 }));
    return y;
  });
});
