/**
 * Property tests (fast-check): broadcasting, view/stride algebra, and gradients of random
 * compositions of elementwise ops. Every expected value is computed beside the property from
 * its definition (NumPy's broadcasting rule, index arithmetic on nested arrays, central
 * differences), never by the code under test. Run counts stay small: the file runs in seconds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { broadcastShapes } from "../../src/core/shape.js";
import { sumTo } from "../../src/ops/shape.js";
import { gradcheck } from "../../src/autograd/gradcheck.js";

const RUNS = { numRuns: 150 };
const VIEW_MESSAGE =
  "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.";

// ---------------------------------------------------------------- reference helpers

type Nested = number | Nested[];

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** NumPy's rule: align right; sizes equal, or one of them 1 (missing dims count as 1). */
function referenceBroadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const sa = a[a.length - n + i] ?? 1;
    const sb = b[b.length - n + i] ?? 1;
    if (sa !== sb && sa !== 1 && sb !== 1) return null;
    out.push(sa === 1 ? sb : sa);
  }
  return out;
}

/** Row-major flat position of a multi-index. */
function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + idx[d];
  return flat;
}

/** Nested arrays of `shape` whose element at `idx` is `value(idx)`. */
function build(shape: readonly number[], value: (idx: number[]) => number, prefix: number[] = []): Nested {
  if (prefix.length === shape.length) return value(prefix);
  const out: Nested[] = [];
  for (let i = 0; i < shape[prefix.length]; i++) out.push(build(shape, value, [...prefix, i]));
  return out;
}

/** The flat values 0, 1, 2, … of `shape`, as float64 (exact). */
const iota = (shape: readonly number[]): Tensor => torch.arange(numel(shape), { dtype: torch.float64 }).reshape([...shape]);

/** All values of nested arrays in row-major order. */
function flatten(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v as number];
}

// ---------------------------------------------------------------- arbitraries

/** Shapes of up to 4 dims with sizes 0..4 (0 rarely), so empty tensors appear too. */
const dimSize = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) });
const shapeArb = fc.array(dimSize, { maxLength: 4 });
const nonEmptyShapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 });

/** A shape that broadcasts to `target`: a suffix of it with some dims set to 1. */
function broadcastableTo(target: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: target.length }), fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }))
    .map(([drop, ones]) => target.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s)));
}

/** A target shape with two shapes that broadcast to it. */
const compatiblePair = shapeArb.chain((target) => fc.tuple(fc.constant(target), broadcastableTo(target), broadcastableTo(target)));

/** A permutation of 0..n-1. */
const permutationOf = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

/** A shape and a permutation of its dims. */
const shapeAndPerm = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), permutationOf(shape.length)));

/**
 * Another shape with the same number of elements: the dims (split into prime factors for
 * more variety) shuffled and regrouped into products.
 */
function regroupedShape(shape: readonly number[]): fc.Arbitrary<number[]> {
  const factors = shape.flatMap((s) => (s === 4 ? [2, 2] : [s]));
  return fc
    .tuple(fc.shuffledSubarray(factors, { minLength: factors.length, maxLength: factors.length }), fc.array(fc.boolean(), { minLength: factors.length, maxLength: factors.length }))
    .map(([order, cuts]) => {
      const out: number[] = [];
      order.forEach((f, i) => {
        if (i === 0 || cuts[i]) out.push(f);
        else out[out.length - 1] *= f;
      });
      return out;
    });
}

// ---------------------------------------------------------------- broadcasting

describe("broadcasting", () => {
  test("broadcastShapes is symmetric and follows NumPy's rule", () => {
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        const expected = referenceBroadcast(a, b);
        if (expected === null) {
          assert.throws(() => broadcastShapes(a, b), /^Error: The size of tensor a \(\d+\) must match the size of tensor b \(\d+\) at non-singleton dimension \d+$/);
          assert.throws(() => broadcastShapes(b, a));
        } else {
          assert.deepEqual(broadcastShapes(a, b), expected);
          assert.deepEqual(broadcastShapes(b, a), expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("an incompatible pair's error names a dim where the sizes really conflict", () => {
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        fc.pre(referenceBroadcast(a, b) === null);
        const m = /tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)/.exec(
          (() => {
            try {
              broadcastShapes(a, b);
            } catch (e) {
              return (e as Error).message;
            }
            return "";
          })(),
        );
        assert.ok(m);
        const n = Math.max(a.length, b.length);
        const dim = Number(m[3]);
        assert.equal(Number(m[1]), a[a.length - n + dim] ?? 1);
        assert.equal(Number(m[2]), b[b.length - n + dim] ?? 1);
      }),
      RUNS,
    );
  });

  test("an elementwise op's result has the broadcast shape and the broadcast values", () => {
    fc.assert(
      fc.property(compatiblePair, ([, a, b]) => {
        const x = iota(a);
        const y = iota(b).mul(1000);
        const out = x.add(y);
        const shape = referenceBroadcast(a, b) as number[];
        assert.deepEqual([...out.shape], shape);
        assert.deepEqual([...torch.mul(x, y).shape], shape);
        // Element idx reads x and y at idx aligned right, with broadcast dims pinned to 0.
        const at = (idx: number[], s: readonly number[]): number =>
          ravel(s.map((size, d) => (size === 1 ? 0 : idx[idx.length - s.length + d])), s);
        assert.deepEqual(out.tolist(), build(shape, (idx) => at(idx, a) + 1000 * at(idx, b)));
      }),
      RUNS,
    );
  });

  test("summing to a shape inverts expand: sumTo(x.expand(T), shape) = x * (number of copies)", () => {
    fc.assert(
      fc.property(
        shapeArb.chain((target) => fc.tuple(fc.constant(target), broadcastableTo(target))),
        ([target, shape]) => {
          const x = iota(shape).add(1).requiresGrad_();
          // Copies: the sizes of the new leading dims and of the dims expanded from 1.
          const lead = target.length - shape.length;
          const copies = numel(target.filter((size, d) => d < lead || shape[d - lead] === 1));
          const expanded = x.expand(target);
          const summed = sumTo(expanded.detach(), shape);
          assert.deepEqual([...summed.shape], shape);
          assert.deepEqual(summed.tolist(), x.detach().mul(copies).tolist());
          // The gradient of expand is that same sum.
          expanded.sum().backward();
          assert.deepEqual(x.grad?.tolist(), torch.full(shape, copies, { dtype: torch.float64 }).tolist());
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- views and strides

describe("view and stride algebra", () => {
  test("view round-trips through another shape and shares storage", () => {
    fc.assert(
      fc.property(
        nonEmptyShapeArb.chain((s) => fc.tuple(fc.constant(s), regroupedShape(s), fc.nat())),
        ([shape, other, inferAt]) => {
          const x = iota(shape);
          const spec = other.slice();
          if (spec.length > 0) spec[inferAt % spec.length] = -1;
          const y = x.view(spec);
          assert.deepEqual([...y.shape], other);
          assert.deepEqual(y.view(shape).tolist(), x.tolist());
          assert.deepEqual(flatten(y.tolist()), flatten(x.tolist()));
          assert.equal(y._storage, x._storage);
          // A write through the view shows in the base.
          y.fill_(-1);
          assert.ok(flatten(x.tolist()).every((v) => v === -1));
          assert.equal(x._version, y._version);
        },
      ),
      RUNS,
    );
  });

  test("on a permuted tensor, view either refuses with PyTorch's message or reads the right values; reshape always does", () => {
    fc.assert(
      fc.property(
        shapeAndPerm.chain(([s, p]) => fc.tuple(fc.constant(s), fc.constant(p), regroupedShape(s.map((_, i) => s[p[i]])))),
        ([shape, perm, other]) => {
          const v = iota(shape).permute(perm);
          const expected = flatten(v.tolist());
          const r = v.reshape(other);
          assert.deepEqual([...r.shape], other);
          assert.deepEqual(flatten(r.tolist()), expected);
          let viewed: Tensor | null = null;
          try {
            viewed = v.view(other);
          } catch (e) {
            assert.equal((e as Error).message, VIEW_MESSAGE);
          }
          if (viewed) {
            assert.equal(viewed._storage, v._storage);
            assert.deepEqual(flatten(viewed.tolist()), expected);
          } else assert.equal(v.isContiguous(), false, "a contiguous tensor can always be viewed");
        },
      ),
      RUNS,
    );
  });

  test("tolist() of a permuted view is the permuted nested array; permuting back restores the layout", () => {
    fc.assert(
      fc.property(shapeAndPerm, ([shape, perm]) => {
        const x = iota(shape);
        const y = x.permute(perm);
        const pshape = perm.map((p) => shape[p]);
        assert.deepEqual([...y.shape], pshape);
        // out[i_0, …, i_n] = x[j] with j[perm[d]] = i_d.
        const expected = build(pshape, (idx) => {
          const j = new Array<number>(shape.length);
          perm.forEach((p, d) => (j[p] = idx[d]));
          return ravel(j, shape);
        });
        assert.deepEqual(y.tolist(), expected);
        const inverse = new Array<number>(perm.length);
        perm.forEach((p, d) => (inverse[p] = d));
        const back = y.permute(inverse);
        assert.deepEqual([...back.shape], shape);
        assert.deepEqual(back.stride(), x.stride());
        assert.deepEqual(back.tolist(), x.tolist());
        assert.equal(y._storage, x._storage);
      }),
      RUNS,
    );
  });

  test("transposing twice is the identity; transpose equals the matching permute", () => {
    fc.assert(
      fc.property(
        nonEmptyShapeArb.filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.nat(s.length - 1), fc.nat(s.length - 1))),
        ([shape, i, j]) => {
          const x = iota(shape);
          const t = x.transpose(i, j);
          const perm = shape.map((_, d) => (d === i ? j : d === j ? i : d));
          assert.deepEqual(t.tolist(), x.permute(perm).tolist());
          assert.deepEqual(t.stride(), x.permute(perm).stride());
          const back = t.transpose(j, i);
          assert.deepEqual(back.stride(), x.stride());
          assert.deepEqual(back.tolist(), x.tolist());
        },
      ),
      RUNS,
    );
  });

  test("expand reads every copy from the same storage (stride 0) with the broadcast values", () => {
    fc.assert(
      fc.property(
        shapeArb.chain((target) => fc.tuple(fc.constant(target), broadcastableTo(target))),
        ([target, shape]) => {
          const x = iota(shape);
          const e = x.expand(target);
          assert.deepEqual([...e.shape], target);
          assert.equal(e._storage, x._storage);
          const lead = target.length - shape.length;
          target.forEach((size, d) => {
            if (d < lead || (shape[d - lead] === 1 && size !== 1)) assert.equal(e.stride(d), 0);
          });
          const at = (idx: number[]): number => ravel(shape.map((s, d) => (s === 1 ? 0 : idx[lead + d])), shape);
          assert.deepEqual(e.contiguous().tolist(), build(target, at));
        },
      ),
      RUNS,
    );
  });

  test("contiguous() keeps the values of any view and returns contiguous tensors as they are", () => {
    const viewArb = shapeAndPerm.chain(([shape, perm]) =>
      fc.tuple(fc.constant(shape), fc.constant(perm), fc.nat(), fc.nat(), fc.boolean()),
    );
    fc.assert(
      fc.property(viewArb, ([shape, perm, a, b, doSelect]) => {
        let v = iota(shape).permute(perm);
        if (v.ndim > 0 && v.shape[0] > 0) {
          const size = v.shape[0];
          if (doSelect) v = v.select(0, a % size);
          else {
            const start = a % size;
            v = v.narrow(0, start, b % (size - start + 1));
          }
        }
        const c = v.contiguous();
        assert.equal(c.isContiguous(), true);
        assert.deepEqual(c.tolist(), v.tolist());
        if (v.isContiguous()) assert.equal(c, v);
        else assert.notEqual(c._storage, v._storage);
      }),
      RUNS,
    );
  });

  test("select and narrow are views: writes through them reach the base", () => {
    fc.assert(
      fc.property(
        nonEmptyShapeArb.filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.nat(s.length - 1), fc.nat())),
        ([shape, dim, k]) => {
          const x = iota(shape);
          const i = k % shape[dim];
          x.select(dim, i).fill_(-1);
          assert.deepEqual(x.tolist(), build(shape, (idx) => (idx[dim] === i ? -1 : ravel(idx, shape))));
          x.narrow(dim, i, shape[dim] - i).fill_(-2);
          assert.deepEqual(x.tolist(), build(shape, (idx) => (idx[dim] >= i ? -2 : ravel(idx, shape))));
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- gradients of random compositions

/** Smooth unary steps, bounded on bounded inputs so chains of them stay finite. */
const UNARY: Record<string, (x: Tensor) => Tensor> = {
  sin: (x) => x.sin(),
  cos: (x) => x.cos(),
  tanh: (x) => x.tanh(),
  sigmoid: (x) => x.sigmoid(),
  neg: (x) => x.neg(),
  square: (x) => x.square(),
  scale: (x) => x.mul(1.5),
  shift: (x) => x.add(-0.25),
  rsub: (x) => torch.sub(0.5, x),
  expOfTanh: (x) => x.tanh().exp(),
  logOfSigmoid: (x) => x.sigmoid().log(),
  sqrtOfSquarePlus1: (x) => x.square().add(1).sqrt(),
  reciprocalOf2PlusSin: (x) => x.sin().add(2).reciprocal(),
  powOfSigmoid: (x) => x.sigmoid().pow(1.5),
  // Steps that mix elements along the last dim but keep the shape.
  softmax: (x) => x.softmax(-1),
  logSoftmax: (x) => x.logSoftmax(-1),
  cumsum: (x) => x.cumsum(-1),
  centered: (x) => x.sub(x.mean(-1, { keepdim: true })),
  scaledBySum: (x) => x.mul(x.sum(-1, { keepdim: true }).tanh()),
  minusLogsumexp: (x) => x.sub(x.logsumexp(-1, { keepdim: true })),
};

/** Smooth binary steps combining the running value with the second input (broadcast). */
const BINARY: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
  add: (x, y) => x.add(y),
  sub: (x, y) => x.sub(y, { alpha: 0.5 }),
  mul: (x, y) => x.mul(y),
  divBySquarePlus1: (x, y) => x.div(y.square().add(1)),
  powOfSigmoid: (x, y) => x.sigmoid().pow(y),
};

const stepArb = fc.oneof(
  fc.constantFrom(...Object.keys(UNARY)).map((name) => ({ name, binary: false })),
  fc.constantFrom(...Object.keys(BINARY)).map((name) => ({ name, binary: true })),
);

const valuesOf = (shape: readonly number[]): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: numel(shape), maxLength: numel(shape) });

const smallShape = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 });

describe("random compositions of elementwise ops", () => {
  test("autograd's gradient matches central differences in float64", () => {
    const arb = smallShape
      .chain((target) => fc.tuple(fc.constant(target), broadcastableTo(target)))
      .chain(([xs, ys]) => fc.tuple(fc.constant(xs), fc.constant(ys), valuesOf(xs), valuesOf(ys), fc.array(stepArb, { minLength: 1, maxLength: 5 })));
    fc.assert(
      fc.property(arb, ([xShape, yShape, xv, yv, steps]) => {
        const x = torch.tensor(xv, { dtype: torch.float64 }).reshape(xShape).clone().requiresGrad_();
        const y = torch.tensor(yv, { dtype: torch.float64 }).reshape(yShape).clone().requiresGrad_();
        const f = (a: Tensor, b: Tensor): Tensor =>
          steps.reduce((acc, s) => (s.binary ? BINARY[s.name](acc, b) : UNARY[s.name](acc)), a);
        assert.equal(gradcheck(f, [x, y]), true);
      }),
      { numRuns: 150 },
    );
  });
});
