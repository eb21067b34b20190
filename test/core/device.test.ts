/**
 * Devices, `x.T` and iteration as PyTorch has them. Expected strings are PyTorch 1.13's output
 * for the same expressions (`repr(torch.device("cpu"))`, `x.to("cpu") is x`, `list(x)[0]`,
 * `x.T.grad_fn`…); the misuse errors are in test/autograd/errors.test.ts with recorded messages.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { test } from "node:test";

import * as torch from "../../src/index.js";

test("torch.device: repr, str, type and index", () => {
  assert.equal(inspect(torch.device("cpu")), "device(type='cpu')");
  assert.equal(inspect(torch.device("cpu", 0)), "device(type='cpu', index=0)");
  assert.equal(inspect(torch.device("cpu:0")), "device(type='cpu', index=0)");
  assert.equal(String(torch.device("cpu", 0)), "cpu:0");
  assert.equal(inspect(torch.device("cuda")), "device(type='cuda')");
  const d = torch.device("cpu");
  assert.equal(d.type, "cpu");
  assert.equal(d.index, null);
  assert.equal(torch.device(d), d);
});

test("every tensor is on the CPU; to('cpu') and cpu() return the tensor itself", () => {
  const x = torch.ones(2);
  assert.equal(String(x.device), "cpu");
  assert.equal(inspect(x.device), "device(type='cpu')");
  assert.equal(x.to("cpu"), x);
  assert.equal(x.to(torch.device("cpu:0")), x);
  assert.equal(x.cpu(), x);
  const y = x.to("cpu", torch.float64);
  assert.equal(y.dtype, torch.float64);
  assert.deepEqual(y.tolist(), [1, 1]);
  assert.equal(torch.zeros([2], { device: "cpu" }).shape[0], 2);
  assert.equal(torch.onesLike(x, { device: torch.device("cpu") }).device.type, "cpu");
});

test("modules move to the CPU as a no-op, and to a dtype with a device", () => {
  const m = new torch.nn.Linear(2, 2);
  assert.equal(m.to("cpu"), m);
  assert.equal(m.cpu(), m);
  assert.equal(m.to("cpu", torch.float64).weight.dtype, torch.float64);
});

test("x.T transposes a matrix (PermuteBackward0) and leaves a 0-dim tensor as it is", () => {
  const x = torch.arange(6).view(2, 3).requiresGrad_();
  const t = x.T;
  assert.deepEqual(t.tolist(), [[0, 3], [1, 4], [2, 5]]);
  assert.equal(t.gradFn?.name(), "PermuteBackward0");
  t.sum().backward();
  assert.deepEqual(x.grad?.tolist(), [[1, 1, 1], [1, 1, 1]]);
  assert.equal(String(torch.tensor(2).T), "tensor(2.)");
});

test("iterating a tensor walks its first dim as unbind(0) does", () => {
  const x = torch.arange(6).view(2, 3).requiresGrad_();
  const rows = [...x];
  assert.equal(rows.length, 2);
  assert.equal(String(rows[0]), "tensor([0., 1., 2.], grad_fn=<UnbindBackward0>)");
  let n = 0;
  for (const row of torch.zeros(4, 2)) n += row.numel();
  assert.equal(n, 8);
});
