/**
 * The backward engine: node names of second-order graphs, and how gradients become `.grad`.
 *
 * Second-order graphs keep PyTorch's node names. Expected values from PyTorch 1.13:
 *   x = tensor([-1., 0., 2., nan], requires_grad=True)
 *   g, = torch.autograd.grad(torch.relu(x).sum(), x, create_graph=True)
 *   g  →  tensor([0., 0., 1., 1.], grad_fn=<ThresholdBackwardBackward0>)
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import * as torch from "../../src/index.js";

test("relu's gradient with createGraph is a ThresholdBackwardBackward0 node; NaN passes the gradient", () => {
  const x = torch.tensor([-1, 0, 2, NaN], { requiresGrad: true });
  const [g] = torch.autograd.grad([torch.relu(x).sum()], [x], { createGraph: true });
  assert.equal(String(g), "tensor([0., 0., 1., 1.], grad_fn=<ThresholdBackwardBackward0>)");
});

// The engine hands a first gradient over as `.grad` without a copy when nothing else can see
// it; everything else must still get a `.grad` of its own.
test("a first .grad is never shared with another .grad, the caller's gradient or a hook's tensor", () => {
  const x = torch.ones([2], { requiresGrad: true });
  const y = torch.ones([2], { requiresGrad: true });
  x.add(y).sum().backward(); // one gradient tensor reaches both leaves
  (x.grad as torch.Tensor).add_(1);
  assert.deepEqual(y.grad?.tolist(), [1, 1]);

  const a = torch.ones([2], { requiresGrad: true });
  const v = torch.tensor([3, 4]);
  a.add(2).backward(v); // AddBackward0 passes the caller's tensor through
  v.add_(1);
  assert.deepEqual(a.grad?.tolist(), [3, 4]);

  const b = torch.ones([2], { requiresGrad: true });
  const mid = b.add(2);
  let seen: torch.Tensor | null = null;
  mid.registerHook((g) => {
    seen = g;
  });
  mid.mul(5).sum().backward();
  (b.grad as torch.Tensor).add_(1);
  assert.deepEqual((seen as torch.Tensor | null)?.tolist(), [5, 5]);

  b.mul(5).sum().backward(); // accumulates into the stolen buffer
  assert.deepEqual(b.grad?.tolist(), [11, 11]);
});

test("a Linear weight's gradient arrives contiguous, as PyTorch lays it out, and is the product's own buffer", () => {
  const layer = new torch.nn.Linear(3, 2);
  const x = torch.tensor([[1, 2, 3], [4, 5, 6]]);
  (layer.call(x) as torch.Tensor).sum().backward();
  const grad = layer.weight.grad as torch.Tensor;
  assert.equal(grad.isContiguous(), true);
  assert.deepEqual(grad.tolist(), [[5, 7, 9], [5, 7, 9]]);
  const mm = torch.ones([2, 3], { requiresGrad: true });
  torch.mm(x.t(), mm).sum().backward();
  assert.deepEqual(mm.grad?.tolist(), [[6, 6, 6], [15, 15, 15]]);
});
