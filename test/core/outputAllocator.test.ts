/**
 * Kernel outputs may start uninitialized (the Node entry skips V8's zero-fill), so every
 * kernel that writes into `Tensor._output` must write every element. A poisoned allocator
 * (NaN everywhere) makes any element a kernel skips visible.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { setOutputAllocator } from "../../src/core/storage.js";

const poisoned: Parameters<typeof setOutputAllocator>[0] = (arrayType, length) =>
  new arrayType(length).fill(arrayType === Uint8Array ? 7 : NaN);

function results(): number[][] {
  const g = new torch.Generator().manualSeed(3);
  const a = torch.randn([5, 300], { generator: g });
  const b = torch.randn([300], { generator: g });
  const ops: Tensor[] = [
    a.add(b), a.sub(b.narrow(0, 0, 1)), a.t().mul(a.t()), a.div(2), a.exp(), a.relu(), a.tanh(), a.sigmoid(),
    a.gt(b), a.clamp(-0.5, 0.5), a.select(0, 1).abs(), torch.where(a.gt(0), a, b),
    a.to(torch.float64).sqrt().abs(), a.pow(2),
    a.t().clone(), a.t().reshape([-1]), a.t().contiguous(),
  ];
  return ops.map((t) => Array.from(t.contiguous().numpy() as ArrayLike<number>, Number));
}

function convResults(): number[][] {
  const g = new torch.Generator().manualSeed(4);
  // Large enough for the native kernels where the native backend runs.
  const x = torch.randn([2, 3, 40, 36], { generator: g });
  const w = torch.randn([4, 3, 3, 3], { generator: g });
  const m = torch.randn([2, 20, 30], { generator: g });
  const n = torch.randn([2, 30, 40], { generator: g });
  const [pooled, indices] = torch.nn.functional.maxPool2d(x, 3, { stride: 2, padding: 1, returnIndices: true });
  const outs: Tensor[] = [
    torch.nn.functional.conv2d(x, w, null, { padding: 2, stride: [2, 1] }),
    torch.nn.functional.convTranspose2d(x, w.transpose(0, 1).contiguous(), null, { stride: 2 }),
    pooled, indices,
    torch.nn.functional.avgPool2d(x, 2, { padding: 1 }),
    torch.nn.functional.adaptiveAvgPool2d(x, [2, 3]),
    torch.nn.functional.embedding(torch.tensor([3n, 0n, 3n]), m.select(0, 0)),
    torch.bmm(m, n), torch.mm(m.select(0, 1), n.select(0, 0)), torch.addmm(n.select(0, 1).select(0, 0), m.select(0, 0), n.select(0, 1)),
    x.sum([0, 2, 3]), x.mean([1, 3]), x.max(2).values, x.sum(), torch.empty([0, 3]).sum(0),
  ];
  // Gradients: col2im, max pooling's scatter, the average pooling adjoint, the embedding scatter.
  const xg = x.clone().requiresGrad_(true);
  const emb = m.select(0, 0).clone().requiresGrad_(true);
  const loss = torch.nn.functional.conv2d(xg, w, null, { padding: 1 }).sum()
    .add(torch.nn.functional.maxPool2d(xg, 2).sum()).add(torch.nn.functional.avgPool2d(xg, 3, { stride: 2 }).sum())
    .add(torch.nn.functional.embedding(torch.tensor([1n, 1n]), emb).sum());
  loss.backward();
  outs.push(xg.grad as Tensor, emb.grad as Tensor);
  return outs.map((t) => Array.from(t.contiguous().numpy() as ArrayLike<number>, Number));
}

/** `run` gives the same values with the poisoned allocator as with the real one. */
function assertWritesEverything(run: () => number[][]): void {
  const expected = run();
  const previous = setOutputAllocator(poisoned);
  try {
    assert.deepEqual(run(), expected);
  } finally {
    setOutputAllocator(previous);
  }
}

test("convolution, pooling, embedding, matrix product and reduction kernels write every element of their output", () => {
  assertWritesEverything(convResults);
});

test("elementwise and copy kernels write every element of their output", () => {
  assertWritesEverything(results);
});
