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
  ];
  return ops.map((t) => Array.from(t.contiguous().numpy() as ArrayLike<number>, Number));
}

test("elementwise kernels write every element of their output", () => {
  const expected = results();
  const previous = setOutputAllocator(poisoned);
  try {
    assert.deepEqual(results(), expected);
  } finally {
    setOutputAllocator(previous);
  }
});
