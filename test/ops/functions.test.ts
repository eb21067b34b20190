/**
 * `torch.max` and `torch.min` as functions, in their three forms (all elements, along a dim,
 * elementwise with a second tensor). Expected values and node names are PyTorch 1.13's output
 * for the same calls (`torch.max(x)`, `torch.max(x, 1)`, `torch.max(x, y)`, and `torch.min`
 * with `keepdim=True`).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import * as torch from "../../src/index.js";

const x = () => torch.tensor([[1, 5], [7, 2]], { requiresGrad: true });
const y = torch.full([2, 2], 3);

test("torch.max: all elements, along a dim, elementwise", () => {
  const all = torch.max(x());
  assert.equal(all.item(), 7);
  assert.equal(all.gradFn?.name(), "MaxBackward1");
  const { values, indices } = torch.max(x(), 1);
  assert.deepEqual(values.tolist(), [5, 7]);
  assert.deepEqual(indices.tolist(), [1, 0]);
  assert.equal(indices.dtype, torch.int64);
  assert.equal(values.gradFn?.name(), "MaxBackward0");
  const pair = torch.max(x(), y);
  assert.deepEqual(pair.tolist(), [[3, 5], [7, 3]]);
  assert.equal(pair.gradFn?.name(), "MaximumBackward0");
});

test("torch.min: all elements, along a dim with keepdim, elementwise", () => {
  const all = torch.min(x());
  assert.equal(all.item(), 1);
  assert.equal(all.gradFn?.name(), "MinBackward1");
  const { values, indices } = torch.min(x(), 0, { keepdim: true });
  assert.deepEqual(values.tolist(), [[1, 2]]);
  assert.deepEqual(indices.tolist(), [[0, 1]]);
  assert.equal(values.gradFn?.name(), "MinBackward0");
  const pair = torch.min(x(), y);
  assert.deepEqual(pair.tolist(), [[1, 3], [3, 2]]);
  assert.equal(pair.gradFn?.name(), "MinimumBackward0");
});
