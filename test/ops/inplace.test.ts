/**
 * In-place arithmetic outside the graph writes its kernel's output straight into the tensor
 * (src/ops/inplace.ts `writeDirect`); inside the graph, or for views, integer tensors and
 * aliased operands, it takes the general path. Both must give the out-of-place op's values
 * bit for bit and bump the version counter once.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

const values = (t: Tensor): number[] => Array.from(t.contiguous().numpy() as ArrayLike<number>);

function sample(shape: number[], dtype: torch.DType, seed: number): Tensor {
  return torch.randn(shape, { dtype, generator: new torch.Generator().manualSeed(seed) });
}

type Case = { name: string; inplace: (x: Tensor, o: Tensor) => Tensor; outOfPlace: (x: Tensor, o: Tensor) => Tensor };
const CASES: Case[] = [
  { name: "add_", inplace: (x, o) => x.add_(o), outOfPlace: (x, o) => x.add(o) },
  { name: "add_ alpha", inplace: (x, o) => x.add_(o, { alpha: -0.3 }), outOfPlace: (x, o) => x.add(o, { alpha: -0.3 }) },
  { name: "sub_ alpha", inplace: (x, o) => x.sub_(o, { alpha: 2.5 }), outOfPlace: (x, o) => x.sub(o, { alpha: 2.5 }) },
  { name: "mul_", inplace: (x, o) => x.mul_(o), outOfPlace: (x, o) => x.mul(o) },
  { name: "div_", inplace: (x, o) => x.div_(o), outOfPlace: (x, o) => x.div(o) },
];

describe("in-place arithmetic without a graph", () => {
  for (const dtype of [torch.float32, torch.float64])
    for (const c of CASES)
      test(`${c.name}, ${dtype.toString()}: same values as the out-of-place op, one version bump`, () => {
        for (const otherShape of [[3, 5], [5], [1, 5], [3, 1], []]) {
          const x = sample([3, 5], dtype, 1);
          const other = sample(otherShape, dtype, 2);
          const expected = values(c.outOfPlace(x, other));
          const version = x._version;
          assert.equal(c.inplace(x, other), x);
          assert.deepEqual(values(x), expected, `other of shape [${otherShape}]`);
          assert.equal(x._version, version + 1);
        }
      });

  test("a number operand, a view, an operand sharing the storage and an integer tensor", () => {
    const x = sample([4, 4], torch.float32, 3);
    const expected = values(x.mul(0.5));
    x.mul_(0.5);
    assert.deepEqual(values(x), expected);

    const base = sample([4, 4], torch.float32, 4);
    const column = base.select(1, 2);
    const baseExpected = values(base.clone().select(1, 2).add(1));
    column.add_(1);
    assert.deepEqual(values(base.select(1, 2)), baseExpected);

    // x[1:] += x[:-1] reads values the write has not reached yet, as PyTorch's kernel does.
    const y = torch.arange(5, { dtype: torch.float64 });
    y.narrow(0, 1, 4).add_(y.narrow(0, 0, 4).clone());
    assert.deepEqual(values(y), [0, 1, 3, 5, 7]);
    const z = torch.arange(4, { dtype: torch.float64 });
    z.add_(z);
    assert.deepEqual(values(z), [0, 2, 4, 6]);

    const ints = torch.tensor([1n, 2n, 3n]);
    ints.mul_(2);
    assert.deepEqual(ints.tolist(), [2, 4, 6]);
    assert.throws(() => ints.div_(2), /result type Float can't be cast to the desired output type Long/);
  });
});

describe("in-place ops inside the graph", () => {
  type GraphCase = { name: string; node: string; inplace: (y: Tensor) => Tensor; outOfPlace: (y: Tensor) => Tensor };
  const other = () => sample([3, 4], torch.float64, 7);
  // The first seven read `y` through a stand-in sharing its memory (their backward needs no old
  // values); mul_ and div_ read a snapshot (their backward needs y's old values).
  const GRAPH_CASES: GraphCase[] = [
    { name: "add_", node: "AddBackward0", inplace: (y) => y.add_(other(), { alpha: 0.5 }), outOfPlace: (y) => y.add(other(), { alpha: 0.5 }) },
    { name: "sub_", node: "SubBackward0", inplace: (y) => y.sub_(other()), outOfPlace: (y) => y.sub(other()) },
    { name: "neg_", node: "NegBackward0", inplace: (y) => y.neg_(), outOfPlace: (y) => y.neg() },
    { name: "relu_", node: "ReluBackward0", inplace: (y) => y.relu_(), outOfPlace: (y) => y.relu() },
    { name: "exp_", node: "ExpBackward0", inplace: (y) => y.exp_(), outOfPlace: (y) => y.exp() },
    { name: "tanh_", node: "TanhBackward0", inplace: (y) => y.tanh_(), outOfPlace: (y) => y.tanh() },
    { name: "sigmoid_", node: "SigmoidBackward0", inplace: (y) => y.sigmoid_(), outOfPlace: (y) => y.sigmoid() },
    { name: "mul_", node: "MulBackward0", inplace: (y) => y.mul_(other()), outOfPlace: (y) => y.mul(other()) },
    { name: "div_", node: "DivBackward0", inplace: (y) => y.div_(other()), outOfPlace: (y) => y.div(other()) },
  ];
  for (const c of GRAPH_CASES)
    test(`${c.name}: the out-of-place op's values, node and input gradient; y's old node is its input`, () => {
      const run = (inplace: boolean) => {
        const x = sample([3, 4], torch.float64, 5).requiresGrad_();
        const y = x.mul(1.5);
        const out = inplace ? c.inplace(y) : c.outOfPlace(y);
        if (inplace) assert.equal(out, y);
        assert.equal(out.gradFn?.name(), c.node);
        assert.equal(out.gradFn?.nextFunctions[0][0]?.name(), "MulBackward0");
        out.mul(sample([3, 4], torch.float64, 6)).sum().backward();
        return { value: values(out.detach()), grad: values(x.grad!) };
      };
      assert.deepEqual(run(true), run(false));
    });

  test("an operand overlapping the tensor another way, and one cast to its dtype first", () => {
    const x = sample([3, 3], torch.float64, 8).requiresGrad_();
    const y = x.mul(1);
    const expected = values(y.add(y.t()).detach());
    y.add_(y.t()); // reads y transposed while writing it: must not read values already written
    assert.deepEqual(values(y.detach()), expected);
    const z = x.mul(1);
    const ints = torch.tensor([[1n, 2n, 3n], [4n, 5n, 6n], [7n, 8n, 9n]]);
    const castExpected = values(z.add(ints).detach());
    z.add_(ints); // the cast of `ints` has z's shape and dtype: it must not land in z
    assert.deepEqual(values(z.detach()), castExpected);
  });

  test("an operand that is the tensor itself, and a tensor saved before the write", () => {
    const x = torch.tensor([1, -2, 3], { dtype: torch.float64, requiresGrad: true });
    const y = x.mul(2);
    y.add_(y);
    y.sum().backward();
    assert.deepEqual(values(x.grad!), [4, 4, 4]);

    const a = x.mul(2);
    const b = a.mul(a); // saves a
    a.relu_();
    assert.throws(() => b.sum().backward(), /modified by an inplace operation/);
  });
});
