/**
 * The JS matrix-product kernel promises that every output element is the float64 sum of its K
 * products in order k = 0…K−1, rounded once to the output dtype, whatever path (reference loop,
 * matrix-vector, packed GEMM) and whatever blocking or strides. So it must equal, bit for bit,
 * that sum written out here as a plain loop.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { jsBackend } from "../../src/backend/js/index.js";

type Layout = "contiguous" | "transposed" | "strided";

/** A B×R×C operand with the given memory layout and random values. */
function make(shape: [number, number, number], dtype: torch.DType, layout: Layout): Tensor {
  const [B, R, C] = shape;
  if (layout === "transposed") return torch.randn([B, C, R], { dtype }).transpose(1, 2);
  if (layout === "strided") return torch.randn([B, R, 2 * C], { dtype }).index(":", ":", "::2");
  return torch.randn([B, R, C], { dtype });
}

/** The promised result: float64 sums in order k, stored into the output dtype's array. */
function expected(a: Tensor, b: Tensor): number[] {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const A = a.tolist() as number[][][];
  const Bv = b.tolist() as number[][][];
  const store = a.dtype === torch.float32 ? new Float32Array(1) : new Float64Array(1);
  const out: number[] = [];
  for (let bi = 0; bi < B; bi++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[bi][i][k] * Bv[bi][k][j];
        store[0] = s;
        out.push(store[0]);
      }
  return out;
}

function run(a: Tensor, b: Tensor): number[] {
  const out = torch.empty([a.shape[0], a.shape[1], b.shape[2]], { dtype: a.dtype }).fill_(Number.NaN);
  jsBackend.bmm(a, b, out);
  return Array.from(out.numpy());
}

describe("JS bmm kernel", () => {
  // Ragged around the 2×4 tile and the 64 (M), 256 (K) and 256 (N) cache blocks, plus the
  // matrix-vector shapes (M = 1 or N = 1) on both of their loops.
  const shapes: [number, number, number, number][] = [
    [1, 3, 5, 7], [1, 17, 16, 17], [2, 65, 33, 9], [1, 9, 257, 11], [1, 70, 20, 260],
    [1, 1, 300, 50], [1, 50, 300, 1], [3, 1, 7, 6], [1, 130, 3, 5],
  ];
  const layouts: [Layout, Layout][] = [
    ["contiguous", "contiguous"], ["transposed", "contiguous"], ["contiguous", "transposed"],
    ["transposed", "transposed"], ["strided", "strided"],
  ];
  for (const dtype of [torch.float32, torch.float64])
    test(`${dtype.name}: bit-identical to ordered float64 sums on every path`, () => {
      torch.manualSeed(3);
      for (const [B, M, K, N] of shapes)
        for (const [la, lb] of layouts) {
          const a = make([B, M, K], dtype, la);
          const b = make([B, K, N], dtype, lb);
          assert.deepEqual(run(a, b), expected(a, b), `${B}x${M}x${K}x${N} ${la}/${lb}`);
        }
    });

  test("NaN and infinity propagate through the packed path (0 · NaN is NaN)", () => {
    const a = torch.zeros([1, 40, 300]);
    const b = torch.ones([1, 300, 40]);
    b.indexPut_([0, 5, 7], Number.NaN);
    a.indexPut_([0, 3, 9], Number.POSITIVE_INFINITY);
    const got = run(a, b);
    const want = expected(a, b);
    assert.ok(Number.isNaN(got[7]) && Number.isNaN(got[39 * 40 + 7]));
    assert.deepEqual(got, want);
  });

  test("K = 0 gives zeros; integer dtypes take the exact loop", () => {
    assert.deepEqual(run(torch.ones([2, 3, 0]), torch.ones([2, 0, 4])), new Array(24).fill(0));
    const a = torch.arange(2 * 40 * 30, { dtype: torch.int64 }).view(2, 40, 30);
    const b = torch.arange(2 * 30 * 50, { dtype: torch.int64 }).view(2, 30, 50);
    assert.deepEqual(run(a, b), expected(a, b));
  });
});
