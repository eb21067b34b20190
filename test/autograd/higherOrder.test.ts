/**
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
