/**
 * The native backend against the JS reference kernels, for every kernel family the CPU can
 * run (AVX-512, AVX2, portable), one and two threads, float32 and float64: random and ragged
 * shapes (sizes that are not multiples of the micro-tiles or cache blocks), transposed,
 * strided, broadcast and empty operands, and special values.
 *
 * Tolerances (JS is the reference; "ulp" is the spacing of floats at the JS result):
 * - add/sub/mul/div, relu, sqrt: bit-identical (a float32 op rounded from double is the float op).
 * - exp/log/tanh/sigmoid, float32: at most 1 ulp (JS evaluates in double and rounds once; the
 *   native kernels do too, except AVX-512 exp, which works in single precision).
 * - exp/log/tanh/sigmoid, float64: at most 4 ulp (the C library's functions vs V8's fdlibm
 *   port; tanh differs by up to 3).
 * - matrix products: |native − js| <= 2·K·u·(|A|·|B|) + 1 ulp, u the unit roundoff (the
 *   standard bound for a K-term dot product; the JS kernel accumulates in double).
 * - sums: |native − js| <= n·2^-52·sum|x| + 1 ulp (both accumulate in double, in another order).
 *
 * Skipped, with a message, when build/kindling.node has not been built.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { Tensor as TensorClass } from "../../src/core/tensor.js";
import type { DType } from "../../src/core/dtype.js";
import { setBackend, backend, getNumThreads, setNumThreads, type Backend, type UnaryKernel } from "../../src/backend/backend.js";
import { jsBackend } from "../../src/backend/js/index.js";
import {
  defaultBackend,
  loadNativeAddon,
  loadNativeBackend,
  nativeLoadError,
  nativeThresholds,
} from "../../src/backend/native.js";

// Before any test switches: the backend the test command selected (through src/node.ts).
const startBackend = backend().name;
const native = loadNativeBackend();
const addon = loadNativeAddon();
const skip = native ? false : `native addon not built (${nativeLoadError()}); run \`node native/build.mjs\``;

const DTYPES: DType[] = [torch.float32, torch.float64];
const ISAS = ["avx512", "avx2", "generic"];

// ---- helpers ---------------------------------------------------------------------------------

function out(shape: number[], dtype: DType): Tensor {
  return TensorClass._empty(shape, dtype);
}

/** Distance in units in the last place between two floats of the dtype (±0 equal; NaN only matches NaN). */
function ulps(a: number, b: number, dtype: DType): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  if (dtype === torch.float32) {
    const i = new Int32Array(new Float32Array([a, b]).buffer);
    const ord = (u: number) => (u >= 0 ? u : -(u & 0x7fffffff));
    return Math.abs(ord(i[0]) - ord(i[1]));
  }
  const i = new BigInt64Array(new Float64Array([a, b]).buffer);
  const ord = (u: bigint) => (u >= 0n ? u : -(u & 0x7fffffffffffffffn));
  const d = ord(i[0]) - ord(i[1]);
  return Number(d < 0n ? -d : d);
}

/** One ulp at x for the dtype. */
function ulpAt(x: number, dtype: DType): number {
  const e = Math.max(Math.floor(Math.log2(Math.abs(x) || Number.MIN_VALUE)), dtype === torch.float32 ? -126 : -1022);
  return 2 ** (e - (dtype === torch.float32 ? 23 : 52));
}

function values(t: Tensor): Float32Array | Float64Array {
  return t.contiguous()._storage.data as Float32Array | Float64Array;
}

/** Runs `f` with the backend's size thresholds at 0 so every call takes the native path. */
function forced<T>(f: () => T): T {
  const saved = { ...nativeThresholds };
  Object.assign(nativeThresholds, { gemm: 0, elementwise: 0, transcendental: 0, reduce: 0, convolutionGrid: 0 });
  try {
    return f();
  } finally {
    Object.assign(nativeThresholds, saved);
  }
}

/** Runs `body` once per kernel family this CPU supports, restoring the best one afterwards. */
function eachIsa(body: (isa: string) => void): void {
  const best = addon!.isa();
  try {
    for (const isa of ISAS.slice(ISAS.indexOf(best))) {
      assert.equal(addon!.setIsa(isa), isa);
      body(isa);
    }
  } finally {
    addon!.setIsa(best);
  }
}

function eachThreads(body: (threads: number) => void): void {
  const saved = getNumThreads();
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      body(t);
    }
  } finally {
    setNumThreads(saved);
  }
}

/** A tensor of `shape` in one of several layouts, all with the same values pattern. */
type Layout = "contiguous" | "transposed" | "strided" | "broadcast";
function make(shape: number[], dtype: DType, layout: Layout, positive = false): Tensor {
  const r = (s: number[]) => {
    const t = torch.randn(s, { dtype });
    return positive ? t.abs().add(0.01) : t;
  };
  const n = shape.length;
  switch (layout) {
    case "contiguous":
      return r(shape);
    case "transposed": {
      const s = shape.slice();
      [s[n - 2], s[n - 1]] = [s[n - 1], s[n - 2]];
      return r(s).transpose(n - 2, n - 1);
    }
    case "strided": {
      // Columns 1.. of a tensor three columns wider: odd row stride and offset.
      const s = shape.slice();
      s[n - 1] += 3;
      return r(s).narrow(n - 1, 1, shape[n - 1]);
    }
    case "broadcast":
      return r([1, ...shape.slice(1)]).expand(shape);
  }
}

function stridedView(t: Tensor): Tensor {
  // Row-strided view: the first `cols` columns of a tensor one column wider.
  const s = t._shape.slice();
  s[s.length - 1] += 3;
  const wide = torch.zeros(s, { dtype: t.dtype });
  const v = wide.narrow(-1, 1, t._shape[t._shape.length - 1]);
  v.copy_(t);
  return v;
}

// ---- tests -----------------------------------------------------------------------------------

describe("native backend", { skip }, () => {
  const previous = backend();
  before(() => setBackend(native!));
  after(() => setBackend(previous));

  test("reports its kernel family and thread count", () => {
    assert.ok(ISAS.includes(addon!.isa()), addon!.isa());
    assert.ok(getNumThreads() >= 1, String(getNumThreads()));
    assert.equal(native!.name, "native");
  });

  describe("bmm (GEMM)", () => {
    // Ragged around the AVX-512 (14×32 float, 14×16 double), AVX2 (6×16, 6×8) and portable
    // (4×8) tiles, the K block (256; 512 for large float products), the M block (84–168) and the
    // thin products' 4×3 blocks and K chunk (2048).
    const shapes: [number, number, number, number][] = [
      [1, 1, 1, 1], [1, 1, 37, 1], [1, 5, 1, 9], [1, 13, 17, 15], [1, 14, 32, 16], [1, 15, 33, 17],
      [1, 29, 7, 31], [2, 6, 8, 16], [3, 7, 255, 9], [1, 20, 257, 40], [1, 200, 70, 50], [5, 30, 12, 33],
      [1, 2, 3, 4100], [1, 100, 300, 70],
      // A few outputs over a long K (the float32 dot-product path when both are K-contiguous).
      [1, 16, 5000, 9], [2, 7, 1037, 16], [1, 5, 2049, 3],
      // A few columns of many rows: A read in place, row-major or column-major (on AMD a
      // column-major A is read as Aᵀ, row-major, and Cᵀ transposed).
      [1, 450, 37, 20], [2, 130, 300, 13], [1, 600, 40, 56],
    ];
    const layouts: [Layout, Layout][] = [
      ["contiguous", "contiguous"], ["transposed", "contiguous"], ["contiguous", "transposed"],
      ["transposed", "transposed"], ["strided", "strided"], ["broadcast", "contiguous"], ["contiguous", "broadcast"],
    ];

    /**
     * Checks the native product against the JS one. `part` ([first row, rows, first column,
     * columns]) limits the comparison, and the JS side's work, to that block of the output.
     */
    function check(a: Tensor, b: Tensor, label: string, part?: [number, number, number, number]): void {
      const [B, M, K] = a._shape;
      const N = b._shape[2];
      const got = out([B, M, N], a.dtype).fill_(Number.NaN); // every element must be written
      forced(() => native!.bmm(a, b, got));
      const [r0, h, c0, w] = part ?? [0, M, 0, N];
      const ap = a.narrow(1, r0, h), bp = b.narrow(2, c0, w);
      const ref = out([B, h, w], a.dtype);
      jsBackend.bmm(ap, bp, ref);
      const bound = out([B, h, w], a.dtype);
      jsBackend.bmm(ap.abs(), bp.abs(), bound);
      const u = a.dtype === torch.float32 ? 2 ** -24 : 2 ** -53;
      const r = values(ref), g = values(got.narrow(1, r0, h).narrow(2, c0, w)), bd = values(bound);
      for (let i = 0; i < r.length; i++) {
        const tol = 2 * K * u * bd[i] + ulpAt(r[i], a.dtype);
        if (!(Math.abs(g[i] - r[i]) <= tol))
          assert.fail(`${label}: element ${i}: native ${g[i]} vs js ${r[i]} (tolerance ${tol})`);
      }
    }

    for (const dtype of DTYPES)
      test(`${dtype.name}: ragged shapes × layouts × kernel families`, () => {
        torch.manualSeed(1);
        eachIsa((isa) => {
          for (const [B, M, K, N] of shapes)
            for (const [la, lb] of layouts) {
              if ((la === "broadcast" || lb === "broadcast") && B === 1) continue;
              check(make([B, M, K], dtype, la), make([B, K, N], dtype, lb), `${isa} ${B}x${M}x${K}x${N} ${la}/${lb}`);
            }
        });
      });

    for (const dtype of DTYPES)
      test(`${dtype.name}: one and two threads, batches that do and do not share out evenly`, () => {
        torch.manualSeed(2);
        eachThreads((threads) => {
          for (const [B, M, K, N] of [[1, 150, 200, 90], [2, 64, 128, 64], [3, 50, 100, 70], [1, 9, 300, 400], [1, 300, 40, 9], [1, 16, 4099, 9], [1, 100, 16, 1000]])
            for (const [la, lb] of layouts.slice(0, 4))
              check(make([B, M, K], dtype, la), make([B, K, N], dtype, lb), `${threads} threads ${B}x${M}x${K}x${N} ${la}/${lb}`);
        });
      });

    test("float32 products of 512+ in every dim (the deeper K block): ragged sizes, layouts, 1 and 2 threads", () => {
      torch.manualSeed(3);
      eachThreads((threads) => {
        for (const [la, lb] of layouts.slice(0, 4))
          check(make([1, 527, 1031], torch.float32, la), make([1, 1031, 515], torch.float32, lb), `${threads} threads 527x1031x515 ${la}/${lb}`);
      });
    });

    test("products past the 4096-column block, one thread and two (a large product cut along N), both dtypes, transposed B", () => {
      // At one thread the product has a second column block; at two each thread takes half of
      // the columns. The JS side checks corners of the output.
      torch.manualSeed(4);
      eachThreads(() => {
        for (const dtype of DTYPES)
          for (const lb of ["contiguous", "transposed"] as const) {
            const a = make([1, 4110, 515], dtype, "contiguous"), b = make([1, 515, 4101], dtype, lb);
            const corners: [number, number, number, number][] = [[0, 30, 0, 40], [0, 30, 4061, 40], [4080, 30, 4061, 40], [2040, 40, 4090, 11]];
            for (const part of corners) check(a, b, `${dtype.name} 4110x515x4101 ${lb} block ${part}`, part);
          }
      });
    });

    test("empty operands: zero-size dims write nothing, K = 0 writes zeros", () => {
      for (const dtype of DTYPES) {
        forced(() => {
          for (const [B, M, K, N] of [[0, 3, 4, 5], [2, 0, 4, 5], [2, 3, 4, 0]]) {
            const o = out([B, M, N], dtype);
            native!.bmm(torch.randn([B, M, K], { dtype }), torch.randn([B, K, N], { dtype }), o);
            assert.equal(o.numel(), 0);
          }
          const o = out([2, 3, 5], dtype).fill_(Number.NaN);
          native!.bmm(torch.randn([2, 3, 0], { dtype }), torch.randn([2, 0, 5], { dtype }), o);
          assert.deepEqual(Array.from(values(o)), new Array(30).fill(0));
        });
      }
    });

    test("NaN and infinity propagate as in the JS kernel (0·NaN stays NaN)", () => {
      for (const dtype of DTYPES) {
        const a = torch.randn([20, 30], { dtype });
        const b = torch.randn([30, 40], { dtype });
        a._storage.data[5 * 30 + 7] = Number.NaN; // row 5 of the product becomes NaN
        a._storage.data[2 * 30 + 10] = Number.NaN;
        b._storage.data.fill(0, 10 * 40, 11 * 40); // ...and row 2 too, although it meets zeros
        b._storage.data[3 * 40 + 9] = Number.POSITIVE_INFINITY; // column 9 becomes ±inf
        const ref = out([1, 20, 40], dtype);
        const got = out([1, 20, 40], dtype);
        jsBackend.bmm(a.unsqueeze(0), b.unsqueeze(0), ref);
        forced(() => native!.bmm(a.unsqueeze(0), b.unsqueeze(0), got));
        const r = values(ref), g = values(got);
        for (let i = 0; i < r.length; i++) {
          assert.equal(Number.isNaN(g[i]), Number.isNaN(r[i]), `element ${i}`);
          if (!Number.isFinite(r[i]) && !Number.isNaN(r[i])) assert.equal(g[i], r[i], `element ${i}`);
        }
      }
    });

    test("matmul, mm, bmm and Linear-style products through the public API", () => {
      torch.manualSeed(3);
      for (const dtype of DTYPES) {
        const x = torch.randn([16, 100], { dtype });
        const w = torch.randn([30, 100], { dtype });
        const g = torch.randn([16, 8], { dtype });
        const a3 = torch.randn([4, 20, 30], { dtype });
        const cases = [() => x.matmul(w.t()), () => x.t().mm(g), () => a3.bmm(a3.transpose(1, 2))];
        for (const f of cases) {
          setBackend(jsBackend);
          const ref = f();
          setBackend(native!);
          const got = f();
          assert.ok(torch.allclose(got, ref, { rtol: 1e-4, atol: 1e-4 }), `${dtype.name}: ${f.toString()}`);
        }
      }
    });
  });

  describe("binary add/sub/mul/div/addScaled/thresholdGrad", () => {
    const ops = ["add", "sub", "mul", "div", "addScaled", "thresholdGrad"] as const;
    // [a shape, b shape, a layout]; broadcasting patterns the kernel runs natively and some it hands back.
    const cases: [number[], number[], "plain" | "strided" | "transposed"][] = [
      [[1000], [1000], "plain"], [[37, 29], [37, 29], "plain"], [[37, 29], [], "plain"], [[], [37, 29], "plain"],
      [[37, 29], [29], "plain"], [[29], [37, 29], "plain"], [[37, 29], [37, 1], "plain"], [[37, 1], [37, 29], "plain"],
      [[37, 29], [37, 29], "strided"], [[37, 29], [29], "strided"], [[37, 29], [37, 29], "transposed"],
      [[37, 29], [29], "transposed"], [[300, 200], [300, 200], "transposed"],
      [[3, 5, 7], [5, 1], "plain"], [[1, 5, 1], [4, 1, 6], "plain"], [[3, 0, 4], [4], "plain"], [[0], [], "plain"],
      [[300, 400], [400], "plain"], [[3, 50000], [3, 50000], "plain"],
      // 3+ dims after merging: one native call per grid (large grids), JS for small ones.
      [[4, 37, 64], [37, 1], "plain"], [[3, 5, 70, 40], [5, 1, 1], "plain"], [[2, 3, 40, 33], [1, 3, 40, 33], "transposed"],
      [[6, 7, 5, 3], [7, 1, 1], "plain"],
    ];

    for (const dtype of DTYPES)
      test(`${dtype.name}: bit-identical to JS across broadcasting patterns, layouts, kernel families and threads`, () => {
        torch.manualSeed(4);
        eachIsa((isa) =>
          eachThreads((threads) => {
            for (const [sa, sb, layout] of cases) {
              let a = torch.randn(sa, { dtype });
              if (layout === "strided") a = stridedView(a);
              if (layout === "transposed") a = torch.randn(sa.slice().reverse(), { dtype }).permute(sa.map((_, i) => sa.length - 1 - i));
              const b = torch.randn(sb, { dtype }).add(0.5);
              const outShape = a.add(b)._shape; // broadcast shape (computed with the current backend; only its shape is used)
              for (const op of ops) {
                const ref = out(outShape, dtype);
                const got = out(outShape, dtype);
                jsBackend.binary(op, a, b, ref, -0.37);
                forced(() => native!.binary(op, a, b, got, -0.37));
                assert.deepEqual(values(got), values(ref), `${isa} ${threads}t ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)} ${layout}`);
                if (op === "thresholdGrad" || op === "addScaled") {
                  // the transposed-b case too (b read with a large column stride)
                  if (outShape.length === 2) {
                    const bt = torch.randn(outShape.slice().reverse(), { dtype }).t();
                    jsBackend.binary(op, a, bt, ref, 3.1);
                    forced(() => native!.binary(op, a, bt, got, 3.1));
                    assert.deepEqual(values(got), values(ref), `${isa} ${op} transposed b`);
                  }
                }
              }
            }
          }),
        );
      });

    test("special values: NaN, ±inf, ±0, division by zero", () => {
      const specials = [0, -0, 1, -1, Number.NaN, Infinity, -Infinity, 1e-40, 3e38, -3e38];
      for (const dtype of DTYPES) {
        const a = torch.tensor(specials.flatMap((x) => specials.map(() => x)), { dtype });
        const b = torch.tensor(specials.flatMap(() => specials), { dtype });
        for (const op of ops) {
          const ref = out(a._shape, dtype);
          const got = out(a._shape, dtype);
          jsBackend.binary(op, a, b, ref, 0.1);
          forced(() => native!.binary(op, a, b, got, 0.1));
          for (let i = 0; i < ref.numel(); i++) assert.equal(ulps(values(got)[i], values(ref)[i], dtype), 0, `${op} ${i}`);
        }
      }
    });
  });

  describe("unary exp/log/tanh/sigmoid/relu/sqrt", () => {
    const ops: UnaryKernel[] = ["exp", "log", "tanh", "sigmoid", "relu", "sqrt"];
    const maxUlps = (op: UnaryKernel, dtype: DType) => (op === "relu" || op === "sqrt" ? 0 : dtype === torch.float32 ? 1 : 4);

    function compare(op: UnaryKernel, x: Tensor, label: string): number {
      const ref = out(x._shape, x.dtype);
      const got = out(x._shape, x.dtype);
      jsBackend.unary(op, x, ref, 0, 0);
      forced(() => native!.unary(op, x, got, 0, 0));
      const r = values(ref), g = values(got);
      let worst = 0;
      for (let i = 0; i < r.length; i++) {
        const d = ulps(g[i], r[i], x.dtype);
        if (d > maxUlps(op, x.dtype)) assert.fail(`${label}: ${op}(${values(x)[i]}) native ${g[i]} vs js ${r[i]} (${d} ulp)`);
        worst = Math.max(worst, d);
      }
      return worst;
    }

    // Values spread over the whole useful range of each function.
    function sample(n: number, dtype: DType, op: UnaryKernel): Tensor {
      const u = torch.rand([n], { dtype });
      if (op === "log" || op === "sqrt") return u.mul(60).sub(40).exp(); // e^-40 .. e^20
      if (op === "exp") return u.mul(200).sub(110); // crosses under- and overflow of float32
      return torch.randn([n], { dtype }).mul(u.mul(8).sub(4).exp()); // magnitudes e^-4 .. e^4 times a normal
    }

    for (const dtype of DTYPES)
      test(`${dtype.name}: within ${dtype === torch.float32 ? 1 : 4} ulp of JS (relu and sqrt equal) on random values, all kernel families`, () => {
        torch.manualSeed(5);
        eachIsa((isa) => {
          for (const op of ops) compare(op, sample(5003, dtype, op), `${isa} ${dtype.name}`);
        });
      });

    test("float32 exp: every 2053rd float from -104 (result underflows to 0) to 89 (overflows to inf)", () => {
      // Walks float32 bit patterns, so every binade of the input is covered, subnormal results too.
      const asBits = (f: number) => new Int32Array(new Float32Array([f]).buffer)[0];
      const bits: number[] = [];
      for (let b = asBits(-104) >>> 0; b >= 0x80000000; b -= 2053) bits.push(b | 0);
      for (let b = 0; b <= asBits(89); b += 2053) bits.push(b);
      const x = torch.tensor(new Float32Array(new Int32Array(bits).buffer));
      eachIsa((isa) => compare("exp", x, `${isa} sweep`));
    });

    test("special values: NaN, ±inf, ±0, subnormals, negatives, overflow and underflow edges", () => {
      const specials = [
        0, -0, 1, -1, Number.NaN, Infinity, -Infinity, 1e-45, -1e-45, 1e-40, 1.1754943508222875e-38, 3.4e38, -3.4e38,
        88.72, 88.73, -87.3, -103.9, -104, 709.8, -745.2, 0.1, -0.1, 0.09999, 20, -20, 1e-8, -1e-8, 0.5, 1e300, -1e300,
      ];
      for (const dtype of DTYPES)
        eachIsa((isa) => {
          const x = torch.tensor(specials, { dtype });
          for (const op of ops) compare(op, x, `${isa} specials`);
        });
    });

    test("row-strided, transposed, broadcast and permuted inputs; empty tensors", () => {
      torch.manualSeed(6);
      for (const dtype of DTYPES)
        eachIsa((isa) => {
          for (const op of ops) {
            compare(op, stridedView(torch.rand([40, 33], { dtype }).add(0.1)), `${isa} strided`);
            compare(op, torch.rand([33, 40], { dtype }).add(0.1).t(), `${isa} transposed`);
            compare(op, torch.rand([1, 40], { dtype }).add(0.1).expand([30, 40]), `${isa} broadcast`);
            compare(op, torch.rand([3, 4, 5], { dtype }).add(0.1).permute([2, 0, 1]), `${isa} permuted`);
            compare(op, torch.rand([40, 3, 50], { dtype }).add(0.1).permute([1, 0, 2]), `${isa} permuted, grids of 2000`);
            compare(op, torch.rand([7, 0, 3], { dtype }), `${isa} empty`);
          }
        });
    });

    test("large inputs split across threads give the same values", () => {
      torch.manualSeed(7);
      const x = torch.randn([3, 70001]);
      eachThreads(() => {
        for (const op of ops) compare(op, x, "threads");
      });
    });
  });

  describe("copyTo", () => {
    test("any layout, into an offset of a contiguous array, bit-exact", () => {
      torch.manualSeed(9);
      const layouts = (dtype: DType): Tensor[] => [
        torch.randn([50, 60], { dtype }),
        torch.randn([60, 50], { dtype }).t(),
        stridedView(torch.randn([50, 60], { dtype })),
        torch.randn([1, 60], { dtype }).expand([50, 60]),
        torch.randn([50, 1], { dtype }).expand([50, 60]),
        torch.randn([], { dtype }).expand([6, 50, 60]),
        torch.randn([5, 6, 70], { dtype }).permute([2, 0, 1]),
        torch.randn([64, 8, 40], { dtype }).transpose(0, 1),
        torch.randn([3, 64, 5, 40], { dtype }).permute([1, 2, 0, 3]).narrow(3, 1, 33),
        // short contiguous runs (one masked vector per row): 4, 3, 8 and 16 values
        torch.randn([300, 8, 4], { dtype }).transpose(0, 1),
        torch.randn([70, 9, 3], { dtype }).transpose(0, 1),
        torch.randn([60, 8, 8], { dtype }).transpose(0, 1),
        torch.randn([40, 8, 16], { dtype }).transpose(0, 1),
        torch.randn([4, 0], { dtype }),
      ];
      for (const dtype of [...DTYPES, torch.int64, torch.int32])
        eachIsa((isa) => {
          for (const x of layouts(dtype)) {
            const n = x.numel();
            const ref = new dtype.arrayType(n + 7);
            const got = new dtype.arrayType(n + 7);
            jsBackend.copyTo(x, ref, 5);
            forced(() => native!.copyTo(x, got, 5));
            assert.deepEqual(got, ref, `${isa} ${dtype.name} ${JSON.stringify(x._shape)} ${JSON.stringify(x._strides)}`);
          }
        });
    });
  });

  describe("outputs larger than a core's L2 cache (stored non-temporally through a small buffer)", () => {
    // 8.4 MB and more, past any L2 cache, at an output offset that is not 64-byte aligned and a
    // length that leaves a ragged tail; one long row and many rows, with a broadcast operand.
    const cases = (dtype: DType): [number[], number[]][] => [
      [[(dtype === torch.float32 ? 2_100_003 : 1_050_001)], []],
      [[20, 110_003], [110_003]],
    ];
    for (const dtype of DTYPES)
      test(`${dtype.name}: binary, unary and copies equal the JS kernels, every kernel family, 1 and 2 threads`, () => {
        torch.manualSeed(10);
        for (const [sa, sb] of cases(dtype)) {
          const a = torch.rand(sa, { dtype }).add(0.1), b = torch.randn(sb, { dtype });
          const n = a.numel();
          const offsetOut = () => torch.empty([n + 5], { dtype }).narrow(0, 5, n).view(sa);
          const written = (t: Tensor) => (t._storage.data as Float32Array | Float64Array).subarray(t._offset, t._offset + n);
          const refs = new Map<string, Float32Array | Float64Array>();
          for (const op of ["add", "thresholdGrad"] as const) {
            const ref = out(sa, dtype);
            jsBackend.binary(op, a, b, ref, 0);
            refs.set(op, values(ref));
          }
          for (const op of ["exp", "relu"] as const) {
            const ref = out(sa, dtype);
            jsBackend.unary(op, a, ref, 0, 0);
            refs.set(op, values(ref));
          }
          eachIsa((isa) =>
            eachThreads((threads) => {
              const label = `${isa} ${threads}t ${JSON.stringify(sa)}`;
              for (const op of ["add", "thresholdGrad"] as const) {
                const got = offsetOut();
                forced(() => native!.binary(op, a, b, got, 0));
                assert.deepEqual(written(got), refs.get(op), `${label} ${op}`);
              }
              for (const op of ["exp", "relu"] as const) {
                const got = offsetOut();
                forced(() => native!.unary(op, a, got, 0, 0));
                const g = written(got), r = refs.get(op)!;
                for (let i = 0; i < r.length; i++)
                  if (ulps(g[i], r[i], dtype) > (op === "exp" && dtype === torch.float32 ? 1 : op === "exp" ? 4 : 0))
                    assert.fail(`${label} ${op}: element ${i} native ${g[i]} vs js ${r[i]}`);
              }
              const copied = new dtype.arrayType(n + 7);
              forced(() => native!.copyTo(a, copied, 5));
              assert.deepEqual(copied.subarray(5, 5 + n), values(a), `${label} copy`);
              assert.deepEqual([...copied.subarray(0, 5), copied[n + 5], copied[n + 6]], [0, 0, 0, 0, 0, 0, 0], `${label} copy bounds`);
            }),
          );
        }
      });
  });

  describe("sum", () => {
    /** Checks the sum into x's dtype and, for float32, into float64 (mean's sum). */
    function check(x: Tensor, dims: number[], label: string): void {
      checkInto(x, dims, x.dtype, label);
      if (x.dtype === torch.float32) checkInto(x, dims, torch.float64, `${label} into float64`);
    }

    function checkInto(x: Tensor, dims: number[], dtype: DType, label: string): void {
      const shape = x._shape.map((s, d) => (dims.includes(d) ? 1 : s));
      const ref = out(shape, dtype);
      const got = out(shape, dtype);
      jsBackend.reduce("sum", x, dims, ref, 0);
      forced(() => native!.reduce("sum", x, dims, got, 0));
      const absSum = out(shape, dtype);
      jsBackend.reduce("sum", x.abs(), dims, absSum, 0);
      const n = x.numel() / Math.max(1, ref.numel());
      const r = values(ref), g = values(got), s = values(absSum);
      for (let i = 0; i < r.length; i++) {
        const tol = n * 2 ** -52 * s[i] + ulpAt(r[i], dtype);
        if (!(Math.abs(g[i] - r[i]) <= tol) && !Object.is(g[i], r[i])) assert.fail(`${label}: element ${i}: native ${g[i]} vs js ${r[i]}`);
        if (Object.is(r[i], 0) !== Object.is(g[i], 0) && r[i] === 0) assert.fail(`${label}: element ${i}: sign of zero`);
      }
    }

    for (const dtype of DTYPES)
      test(`${dtype.name}: all, leading, trailing and middle dims; size-1 dims; ragged and large sizes`, () => {
        torch.manualSeed(8);
        eachIsa((isa) =>
          eachThreads((threads) => {
            const label = `${isa} ${threads}t`;
            check(torch.randn([1001], { dtype }), [0], label);
            check(torch.randn([300000], { dtype }), [0], label);
            check(torch.randn([37, 29], { dtype }), [0, 1], label);
            check(torch.randn([37, 29], { dtype }), [1], label);
            check(torch.randn([37, 29], { dtype }), [0], label);
            check(torch.randn([5, 1, 7, 9], { dtype }), [2], label);
            check(torch.randn([5, 6, 7, 9], { dtype }), [1, 2], label);
            check(torch.randn([5, 6, 7, 9], { dtype }), [0, 2], label); // reduced, kept, reduced, kept: JS
            check(torch.randn([5, 6, 7, 9], { dtype }), [0, 2, 3], label); // per-channel statistics
            check(torch.randn([8, 64, 1, 3], { dtype }), [0, 2, 3], label);
            check(torch.randn([3, 5, 2, 4, 6], { dtype }), [0, 1, 3, 4], label);
            check(torch.randn([7, 2, 130000], { dtype }), [0, 2], label);
            check(torch.randn([2, 3, 0, 4], { dtype }), [0, 3], label);
            check(torch.randn([3, 300, 700], { dtype }), [1], label);
            check(torch.randn([3, 140000], { dtype }), [1], label);
            check(torch.randn([2000, 3], { dtype }), [1], label);
            check(torch.randn([3, 0, 4], { dtype }), [1], label);
            check(torch.randn([3, 4], { dtype }).t(), [1], label); // non-contiguous: JS
            // Broadcast inputs (gradients of sum and mean): stride-0 reduced dims are scaled.
            check(torch.randn([1, 70, 1], { dtype }).expand([50, 70, 90]), [0, 2], label);
            check(torch.randn([1, 70, 90], { dtype }).expand([50, 70, 90]), [0], label);
            check(torch.randn([1, 70, 1], { dtype }).expand([50, 70, 90]), [0], label); // stride-0 kept dim: JS
            for (const v of [1.5, -0, Number.NaN, -Infinity])
              for (const dims of [[2, 3], [0, 1, 2, 3], [0]])
                check(torch.tensor(v, { dtype }).expand([8, 16, 32, 32]), dims, `${label} ${v} ${dims}`);
          }),
        );
      });
  });

  describe("softmax and log-softmax along the last dim", () => {
    // exp within 1 ulp and the sum (in double) in another order, a relative change of at most
    // n·2^-52: softmax within 4 ulp + n·2^-52 relative of JS; log-softmax = shifted − log Σ, so
    // also within 4 ulp of log Σ + n·2^-52 absolute (where the two terms cancel).
    function check(x: Tensor, dim: number, log: boolean, label: string): void {
      const ref = out(x._shape, x.dtype);
      const got = out(x._shape, x.dtype).fill_(Number.NaN);
      jsBackend.softmax(x, dim, ref, log);
      forced(() => native!.softmax(x, dim, got, log));
      const r = values(ref), g = values(got);
      const n = x._shape[dim] ?? 1;
      for (let i = 0; i < r.length; i++) {
        const order = n * 2 ** -52;
        const tol = 4 * ulpAt(r[i], x.dtype) + (log ? 4 * ulpAt(Math.log(n) + 1, x.dtype) + order : order * Math.abs(r[i]));
        if (!(Math.abs(g[i] - r[i]) <= tol) && g[i] !== r[i] && !(Number.isNaN(g[i]) && Number.isNaN(r[i])))
          assert.fail(`${label} ${log ? "log" : ""}softmax ${JSON.stringify(x._shape)} element ${i}: native ${g[i]} vs js ${r[i]} ${values(x).slice(0, 8)}`);
      }
    }

    for (const dtype of DTYPES)
      test(`${dtype.name}: random and ragged rows, kernel families, threads; other dims and layouts fall back`, () => {
        torch.manualSeed(10);
        eachIsa((isa) =>
          eachThreads((threads) => {
            for (const log of [false, true]) {
              const label = `${isa} ${threads}t ${dtype.name}`;
              for (const shape of [[1, 1], [3, 7], [17, 33], [64, 1000], [5, 4099], [2, 3, 129]])
                check(torch.randn(shape, { dtype }).mul(5), shape.length - 1, log, label);
              check(torch.randn([7, 0], { dtype }), 1, log, `${label} empty`);
              check(torch.randn([0, 7], { dtype }), 1, log, `${label} empty`);
              check(torch.randn([33, 40], { dtype }), 0, log, `${label} dim 0`);
              check(torch.randn([40, 33], { dtype }).t(), 1, log, `${label} transposed`);
            }
          }),
        );
      });

    test("NaN, ±inf and huge values in a row", () => {
      for (const dtype of DTYPES)
        for (const log of [false, true]) {
          const x = torch.tensor([[1, 2, Number.NaN, 3], [1, Infinity, 2, 3], [-Infinity, -Infinity, 0, 1], [3e38, -3e38, 0, 1], [-1e30, -1e30, -1e30, -1e30]], { dtype });
          check(x, 1, log, `${dtype.name} specials`);
        }
    });
  });

  describe("batch normalization passes", () => {
    // [outer, channels, inner]: ragged, 1-position (BatchNorm1d), large (threads), empty.
    const shapes = [[3, 5, 7], [8, 64, 4], [2, 3, 1], [5, 1, 300], [4, 16, 1500], [0, 3, 4], [2, 3, 0]];

    for (const dtype of DTYPES)
      test(`${dtype.name}: output and gradient bit-identical to JS, sums within summation error; with and without weight and bias; 1 and 2 threads`, () => {
        torch.manualSeed(11);
        eachThreads((threads) => {
          for (const [outer, channels, inner] of shapes) {
            const g = { outer, channels, inner };
            const size = outer * channels * inner;
            const arr = (n: number, scale = 1, shift = 0) => values(torch.randn([n], { dtype }).mul(scale).add(shift));
            const x = arr(size, 3, 1), grad = arr(size), mean = arr(channels), invstd = values(torch.rand([channels], { dtype }).add(0.5));
            const m1 = arr(channels), m2 = arr(channels);
            for (const [weight, bias] of [[arr(channels), arr(channels)], [null, null], [arr(channels), null]]) {
              const label = `${threads}t ${outer}×${channels}×${inner} weight ${weight !== null} bias ${bias !== null}`;
              const ref = new dtype.arrayType(size), got = new dtype.arrayType(size);
              jsBackend.batchNormApply(x, g, mean, invstd, weight, bias, ref);
              forced(() => native!.batchNormApply(x, g, mean, invstd, weight, bias, got));
              assert.deepEqual(got, ref, `apply ${label}`);
              jsBackend.batchNormBackward(x, grad, g, mean, invstd, weight, m1, m2, ref);
              forced(() => native!.batchNormBackward(x, grad, g, mean, invstd, weight, m1, m2, got));
              assert.deepEqual(got, ref, `backward ${label}`);
              for (const gr of [null, grad]) {
                const n = gr ? 4 * channels : channels;
                const sRef = new Float64Array(n), sGot = new Float64Array(n).fill(Number.NaN);
                jsBackend.batchNormSums(x, gr, g, mean, invstd, weight, sRef);
                forced(() => native!.batchNormSums(x, gr, g, mean, invstd, weight, sGot));
                // Terms are at most ~(|x| + |mean|)²·invstd² in size: bound each sum by count·2^-52·Σ|term| via a generous scale.
                for (let i = 0; i < n; i++) {
                  const tol = outer * inner * 2 ** -52 * (Math.abs(sRef[i]) + outer * inner * 100) + 1e-300;
                  assert.ok(Math.abs(sGot[i] - sRef[i]) <= tol, `sums ${gr ? "grad" : "variance"} ${label} [${i}]: ${sGot[i]} vs ${sRef[i]}`);
                }
              }
            }
          }
        });
      });
  });

  describe("im2col, col2im, max pooling and its gradient", () => {
    // Copies and in-order sums: bit-identical to the JS kernels.
    interface Geo {
      batch: number; channels: number; height: number; width: number; kernelH: number; kernelW: number; strideH: number;
      strideW: number; padTop: number; padLeft: number; dilationH: number; dilationW: number; gridH: number; gridW: number;
    }
    /** A random window geometry; `pool` keeps padding within half the kernel and can add a ceil-mode row. */
    function geometry(rnd: () => number, pool: boolean): Geo {
      const pick = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
      const kernelH = pick(1, 5), kernelW = pick(1, 5);
      const g = {
        batch: pick(0, 3) || 1, channels: pick(1, 5), height: pick(1, 19), width: pick(1, 37), kernelH, kernelW,
        strideH: pick(1, 3), strideW: pick(1, 3), padTop: pick(0, Math.floor(kernelH / 2)), padLeft: pick(0, Math.floor(kernelW / 2)),
        dilationH: pool ? pick(1, 2) : pick(1, 3), dilationW: pick(1, 2), gridH: 0, gridW: 0,
      };
      const grid = (size: number, k: number, s: number, p: number, d: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
      g.gridH = grid(g.height, kernelH, g.strideH, g.padTop, g.dilationH) + (pool ? 0 : pick(0, 1));
      g.gridW = grid(g.width, kernelW, g.strideW, g.padLeft, g.dilationW);
      return g;
    }
    const fill = (a: Float32Array | Float64Array) => {
      for (let i = 0; i < a.length; i++) a[i] = Math.round((Math.random() * 2 - 1) * 1e4) / 1e3;
      return a;
    };
    const arrayOf = (dtype: DType, n: number) => (dtype === torch.float32 ? new Float32Array(n) : new Float64Array(n));
    /** Runs `body` on 60 seeded random geometries with a non-empty grid, on every kernel family at 1 and 2 threads. */
    function eachGeometry(seed: number, pool: boolean, body: (g: Geo, label: string, rnd: () => number, trial: number) => void): void {
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      eachIsa((isa) =>
        eachThreads((threads) => {
          for (let trial = 0; trial < 60; trial++) {
            const g = geometry(rnd, pool);
            if (g.gridH >= 1 && g.gridW >= 1) body(g, `${isa} ${threads}t ${JSON.stringify(g)}`, rnd, trial);
          }
        }),
      );
    }

    for (const dtype of DTYPES)
      test(`${dtype.name}: im2col and col2im on random geometries, every kernel family, 1 and 2 threads`, () => {
        eachGeometry(11, false, (g, label) => {
          const image = fill(arrayOf(dtype, g.batch * g.channels * g.height * g.width));
          const L = g.gridH * g.gridW;
          const colsRef = arrayOf(dtype, g.batch * g.channels * g.kernelH * g.kernelW * L);
          const colsGot = arrayOf(dtype, colsRef.length).fill(Number.NaN);
          jsBackend.im2col(image, g, colsRef);
          forced(() => native!.im2col(image, g, colsGot));
          assert.deepEqual(colsGot, colsRef, `im2col ${label}`);
          const cols = fill(arrayOf(dtype, colsRef.length));
          const imRef = arrayOf(dtype, image.length);
          const imGot = arrayOf(dtype, image.length).fill(Number.NaN);
          jsBackend.col2im(cols, g, imRef);
          forced(() => native!.col2im(cols, g, imGot));
          assert.deepEqual(imGot, imRef, `col2im ${label}`);
        });
      });

    /** native/src/winograd.cc's rule for float32 passes that run as Winograd F(2×2, 3×3) products. */
    const runsWinograd = (dtype: DType, g: Geo, O: number): boolean =>
      dtype === torch.float32 && addon!.isa() === "avx512" && g.kernelH === 3 && g.kernelW === 3 && g.strideH === 1 &&
      g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 && g.channels >= 16 && O >= 16 &&
      Math.min(g.gridH, g.height) * Math.min(g.gridW, g.width) >= 64;

    /**
     * The magnitudes that bound Winograd F(2×2, 3×3)'s rounding for each output of a 3×3
     * stride-1 convolution of `ci` input planes (inH×inW) into `co` output planes (outH×outW),
     * output (r, c) reading input rows r − padTop + 0..2 and columns c − padLeft + 0..2, with
     * filter taps `tap(o, i, ky, kx)`: each output is Aᵀ[Σ_i (G g_i Gᵀ) ⊙ (Bᵀ d_i B)]A for the
     * 4×4 input patch d_i of its 2×2 tile, and the computed one is within γ_{ci+11} of the same
     * expression with every entry (of A, B, G, g, d) replaced by its absolute value (≤ 4
     * roundings for G g Gᵀ, 2 for Bᵀ d B, 1 for the product, ci − 1 for the sum over inputs, 4
     * for Aᵀ·A).
     */
    function winogradMagnitudes(
      x: ArrayLike<number>, tap: (o: number, i: number, ky: number, kx: number) => number, batch: number, ci: number, co: number,
      inH: number, inW: number, outH: number, outW: number, padTop: number, padLeft: number,
    ): Float64Array {
      const absG = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0, 0, 1]];
      const absBt = [[1, 0, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 0, 1]];
      const absAt = [[1, 1, 1, 0], [0, 1, 1, 1]];
      const U = new Float64Array(co * ci * 16); // |G||g||Gᵀ|
      for (let o = 0; o < co; o++)
        for (let i = 0; i < ci; i++)
          for (let r = 0; r < 4; r++)
            for (let c = 0; c < 4; c++) {
              let s = 0;
              for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) s += absG[r][ky] * absG[c][kx] * Math.abs(tap(o, i, ky, kx));
              U[(o * ci + i) * 16 + r * 4 + c] = s;
            }
      const TH = Math.ceil(outH / 2), TW = Math.ceil(outW / 2);
      const out = new Float64Array(batch * co * outH * outW);
      const V = new Float64Array(ci * 16);
      for (let n = 0; n < batch; n++)
        for (let ty = 0; ty < TH; ty++)
          for (let tx = 0; tx < TW; tx++) {
            for (let i = 0; i < ci; i++) // |Bᵀ||d||B| of this tile's patch of input i
              for (let r = 0; r < 4; r++)
                for (let c = 0; c < 4; c++) {
                  let s = 0;
                  for (let p = 0; p < 4; p++)
                    for (let q = 0; q < 4; q++) {
                      const row = 2 * ty + p - padTop, col = 2 * tx + q - padLeft;
                      if (row >= 0 && row < inH && col >= 0 && col < inW) s += absBt[r][p] * absBt[c][q] * Math.abs(x[((n * ci + i) * inH + row) * inW + col]);
                    }
                  V[i * 16 + r * 4 + c] = s;
                }
            for (let o = 0; o < co; o++)
              for (let a = 0; a < 2; a++)
                for (let b = 0; b < 2; b++) {
                  const row = 2 * ty + a, col = 2 * tx + b;
                  if (row >= outH || col >= outW) continue;
                  let s = 0;
                  for (let r = 0; r < 4; r++)
                    for (let c = 0; c < 4; c++) {
                      if (absAt[a][r] * absAt[b][c] === 0) continue;
                      let m = 0;
                      for (let i = 0; i < ci; i++) m += U[(o * ci + i) * 16 + r * 4 + c] * V[i * 16 + r * 4 + c];
                      s += m;
                    }
                  out[((n * co + o) * outH + row) * outW + col] = s;
                }
          }
      return out;
    }

    /**
     * The convolution passes run one image at a time against im2col (JS) and products summed in
     * double, within the product bound 2·K·u·(|a|·|b|) + 1 ulp (K the terms of each sum; col2im's
     * sum over taps counts in K for the input gradient); passes that run as Winograd products,
     * within 1.01·(C + 11)·u·(winogradMagnitudes) + 1 ulp, C the channels summed.
     */
    function checkConvolutionPasses(dtype: DType, g: Geo, O: number, label: string): void {
      const L = g.gridH * g.gridW, ckk = g.channels * g.kernelH * g.kernelW, NL = g.batch * L;
      const x = fill(arrayOf(dtype, g.batch * g.channels * g.height * g.width));
      const w = fill(arrayOf(dtype, O * ckk));
      const gy = fill(arrayOf(dtype, g.batch * O * L));
      const cols = arrayOf(dtype, ckk * NL);
      jsBackend.im2col(x, g, cols);
      const u = dtype === torch.float32 ? 2 ** -24 : 2 ** -53;
      const compare = (pass: string, got: Float32Array | Float64Array, ref: number[], bound: number[], K: number) => {
        for (let i = 0; i < ref.length; i++) {
          const tol = 2 * K * u * bound[i] + ulpAt(ref[i], dtype);
          if (!(Math.abs(got[i] - ref[i]) <= tol)) assert.fail(`${pass} ${label} O=${O}: element ${i}: native ${got[i]} vs ${ref[i]} (tolerance ${tol})`);
        }
      };
      const run = (pass: "forward" | "inputGrad" | "weightGrad", a: Float32Array | Float64Array, b: Float32Array | Float64Array, size: number) => {
        const got = arrayOf(dtype, size).fill(Number.NaN);
        assert.ok(forced(() => native!.convolution!(pass, a, b, g, O, () => got)), `${pass} ${label}`);
        return got;
      };
      // y[n][o][l] = Σ_k w[o][k]·cols[k][n·L + l]
      const y = [], yb = [];
      for (let n = 0; n < g.batch; n++)
        for (let o = 0; o < O; o++)
          for (let l = 0; l < L; l++) {
            let s = 0, b = 0;
            for (let k = 0; k < ckk; k++) (s += w[o * ckk + k] * cols[k * NL + n * L + l]), (b += Math.abs(w[o * ckk + k] * cols[k * NL + n * L + l]));
            y.push(s), yb.push(b);
          }
      const winograd = runsWinograd(dtype, g, O);
      const k = g.kernelH * g.kernelW;
      if (winograd) {
        // Bounds with factor 2·K·u, as compare scales them: (C + 11)·1.01/2 for K.
        const wf = winogradMagnitudes(x, (o, i, ky, kx) => w[(o * g.channels + i) * 9 + ky * 3 + kx], g.batch, g.channels, O, g.height, g.width, g.gridH, g.gridW, g.padTop, g.padLeft);
        compare("forward (Winograd)", run("forward", x, w, y.length), y, [...wf], (1.01 * (g.channels + 11)) / 2);
      } else compare("forward", run("forward", x, w, y.length), y, yb, ckk);
      // gw[o][k] = Σ_{n,l} gy[n][o][l]·cols[k][n·L + l]
      const gw = [], gwb = [];
      for (let o = 0; o < O; o++)
        for (let k = 0; k < ckk; k++) {
          let s = 0, b = 0;
          for (let n = 0; n < g.batch; n++)
            for (let l = 0; l < L; l++) (s += gy[(n * O + o) * L + l] * cols[k * NL + n * L + l]), (b += Math.abs(gy[(n * O + o) * L + l] * cols[k * NL + n * L + l]));
          gw.push(s), gwb.push(b);
        }
      compare("weightGrad", run("weightGrad", x, gy, gw.length), gw, gwb, NL);
      // gx = col2im(wᵀ·gy), in double, and the same with |w|·|gy| for the bound.
      const dcols = new Float64Array(ckk * NL), dbound = new Float64Array(ckk * NL);
      for (let k = 0; k < ckk; k++)
        for (let n = 0; n < g.batch; n++)
          for (let l = 0; l < L; l++)
            for (let o = 0; o < O; o++) {
              const t = w[o * ckk + k] * gy[(n * O + o) * L + l];
              dcols[k * NL + n * L + l] += t;
              dbound[k * NL + n * L + l] += Math.abs(t);
            }
      const gx = new Float64Array(x.length), gxb = new Float64Array(x.length);
      jsBackend.col2im(dcols, g, gx);
      jsBackend.col2im(dbound, g, gxb);
      if (winograd) {
        // The input gradient is the 3×3 convolution of gy with the flipped, transposed filters.
        const wg = winogradMagnitudes(gy, (c, o, ky, kx) => w[(o * g.channels + c) * 9 + (2 - ky) * 3 + (2 - kx)], g.batch, O, g.channels, g.gridH, g.gridW, g.height, g.width, 2 - g.padTop, 2 - g.padLeft);
        compare("inputGrad (Winograd)", run("inputGrad", gy, w, x.length), [...gx], [...wg], (1.01 * (O + 11)) / 2);
      } else compare("inputGrad", run("inputGrad", gy, w, x.length), [...gx], [...gxb], O + k);
    }

    for (const dtype of DTYPES)
      test(`${dtype.name}: convolution passes one image at a time on random geometries, every kernel family, 1 and 2 threads`, () => {
        eachGeometry(29, false, (g, label, rnd, trial) => checkConvolutionPasses(dtype, g, 1 + Math.floor(rnd() * 7) + (trial % 5 === 0 ? 30 : 0), label));
      });

    test("convolution passes large enough to share images out over two threads (and im2col inside each image)", () => {
      // The weight gradient is computed transposed on the wide grids (more positions than output
      // channels) and directly on the narrow one. Grids over 256 positions run in blocks of
      // grid rows (the strided, dilated one: blocks of 12 and 11 rows).
      eachThreads((threads) => {
        const wide: Geo = { batch: 5, channels: 16, height: 21, width: 23, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, gridH: 21, gridW: 23 };
        const narrow: Geo = { ...wide, batch: 6, height: 5, width: 5, gridH: 5, gridW: 5 };
        const strided: Geo = { ...wide, batch: 3, channels: 4, height: 45, width: 40, strideH: 2, strideW: 2, padTop: 2, padLeft: 2, dilationH: 2, dilationW: 2, gridH: 23, gridW: 20 };
        for (const dtype of DTYPES) {
          checkConvolutionPasses(dtype, wide, 24, `${threads}t ${dtype.name} ${JSON.stringify(wide)}`);
          checkConvolutionPasses(dtype, narrow, 40, `${threads}t ${dtype.name} ${JSON.stringify(narrow)}`);
          checkConvolutionPasses(dtype, strided, 8, `${threads}t ${dtype.name} ${JSON.stringify(strided)}`);
        }
      });
    });

    test("float32 3×3 stride-1 passes on grids of 64+ positions run as Winograd products, within its rounding bound", () => {
      // Odd and even sizes, paddings 0–3 on each side (the bottom and right ones through the
      // grid), 1 and 2 threads; grids of 16+ tile columns (32+ positions wide) and narrower ones
      // (tiles across rows, several images a product). checkConvolutionPasses applies the
      // Winograd bound to them.
      let seed = 7;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
      eachThreads((threads) => {
        for (let trial = 0; trial < 6; trial++) {
          const size = () => (trial % 2 === 0 ? 34 + rnd(6) : 10 + rnd(12));
          const height = size(), width = size(), padTop = rnd(4), padLeft = rnd(4);
          const g: Geo = {
            batch: 1 + rnd(4), channels: 16 + rnd(9), height, width, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop, padLeft,
            dilationH: 1, dilationW: 1, gridH: height + padTop + rnd(4) - 2, gridW: width + padLeft + rnd(4) - 2,
          };
          const O = 16 + rnd(9);
          assert.ok(runsWinograd(torch.float32, g, O) || addon!.isa() !== "avx512", JSON.stringify(g));
          checkConvolutionPasses(torch.float32, g, O, `${threads}t ${JSON.stringify(g)} O=${O}`);
        }
      });
    });

    test("convolution passes: an empty batch writes nothing but a zero weight gradient; narrow grids are declined", () => {
      const g: Geo = { batch: 0, channels: 2, height: 4, width: 4, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, gridH: 4, gridW: 4 };
      const gw = new Float32Array(3 * 18).fill(Number.NaN);
      assert.ok(forced(() => native!.convolution!("weightGrad", new Float32Array(0), new Float32Array(0), g, 3, () => gw)));
      assert.deepEqual(gw, new Float32Array(3 * 18));
      const y = new Float32Array(0);
      assert.ok(forced(() => native!.convolution!("forward", new Float32Array(0), new Float32Array(3 * 18), g, 3, () => y)));
      // Under the default threshold a 4×4 grid takes the whole-batch product: declined before any output is made.
      let made = false;
      assert.equal(native!.convolution!("forward", new Float32Array(32), new Float32Array(54), { ...g, batch: 1 }, 3, () => ((made = true), new Float32Array(48))), false);
      assert.equal(made, false);
    });

    for (const dtype of DTYPES)
      test(`${dtype.name}: bernoulli draws equal JS on every kernel family: values, next index and the twisted state`, () => {
        const seeded = new torch.Generator().manualSeed(42);
        const start = new Uint32Array(624);
        seeded._drawBulk((state, index) => {
          start.set(state);
          return index;
        });
        // From a fresh state (index 624: twist first), mid-state, odd and last-word starts; p at its ends too.
        eachIsa((isa) => {
          for (const index of [624, 0, 311, 622, 623])
            for (const n of [1, 300, 313, 5000])
              for (const p of n === 300 ? [0.3, 0, 1] : [0.3]) {
                const refState = start.slice(), gotState = start.slice();
                const ref = arrayOf(dtype, n), got = arrayOf(dtype, n).fill(Number.NaN);
                const refNext = jsBackend.bernoulli(refState, index, ref, p, 2.5);
                const gotNext = forced(() => native!.bernoulli(gotState, index, got, p, 2.5));
                const label = `${isa}: from ${index}, ${n} draws, p ${p}`;
                assert.equal(gotNext, refNext, `next index ${label}`);
                assert.deepEqual(got, ref, `values ${label}`);
                assert.deepEqual(gotState, refState, `state ${label}`);
              }
        });
      });

    for (const dtype of DTYPES)
      test(`${dtype.name}: max pooling's 2×2 stride-2 path (odd and wide sizes, ties, NaN) equals JS on every kernel family`, () => {
        for (const [batch, channels, height, width] of [[3, 5, 7, 9], [2, 4, 28, 28], [1, 1, 2, 2], [2, 3, 5, 71]]) {
          const g = {
            batch, channels, height, width, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0,
            dilationH: 1, dilationW: 1, gridH: Math.floor(height / 2), gridW: Math.floor(width / 2),
          };
          const image = fill(arrayOf(dtype, batch * channels * height * width)).map((v) => Math.round(v)); // ties
          image[3] = Number.NaN;
          image[image.length - 1] = Number.NaN;
          const n = batch * channels * g.gridH * g.gridW;
          const outRef = arrayOf(dtype, n), outGot = arrayOf(dtype, n).fill(Number.NaN);
          const idxRef = new Float64Array(n), idxGot = new Float64Array(n).fill(-1);
          jsBackend.maxPool2d(image, g, outRef, idxRef);
          eachIsa((isa) => {
            for (const threads of [1, 2]) {
              setNumThreads(threads);
              outGot.fill(Number.NaN);
              idxGot.fill(-1);
              forced(() => native!.maxPool2d(image, g, outGot, idxGot));
              const label = `${batch}x${channels}x${height}x${width}, ${isa}, ${threads} threads`;
              assert.deepEqual(outGot, outRef, `values ${label}`);
              assert.deepEqual(idxGot, idxRef, `indices ${label}`);
            }
          });
        }
      });

    for (const dtype of DTYPES)
      test(`${dtype.name}: max pooling, its gradient, NaN and ties, every kernel family, 1 and 2 threads`, () => {
        eachGeometry(12, true, (g, label, rnd, trial) => {
          const image = fill(arrayOf(dtype, g.batch * g.channels * g.height * g.width)).map((v) => Math.round(v)); // ties
          if (trial % 5 === 0) image[Math.floor(rnd() * image.length)] = Number.NaN;
          const planes = g.batch * g.channels, perPlane = g.gridH * g.gridW, planeSize = g.height * g.width;
          const outRef = arrayOf(dtype, planes * perPlane), outGot = arrayOf(dtype, outRef.length);
          const idxRef = new Float64Array(outRef.length), idxGot = new Float64Array(outRef.length);
          jsBackend.maxPool2d(image, g, outRef, idxRef);
          forced(() => native!.maxPool2d(image, g, outGot, idxGot));
          assert.deepEqual(outGot, outRef, `maxPool2d values ${label}`);
          assert.deepEqual(idxGot, idxRef, `maxPool2d indices ${label}`);
          const grad = fill(arrayOf(dtype, outRef.length));
          const tRef = arrayOf(dtype, image.length), tGot = arrayOf(dtype, image.length).fill(Number.NaN);
          jsBackend.scatterAddPlanes(grad, idxRef, planes, perPlane, planeSize, tRef);
          // A dilated window can miss the image (taps only in the padding): its index then points
          // outside the plane, as in PyTorch, and the native scatter refuses it rather than write there.
          if (idxRef.some((v) => v >= planeSize)) {
            assert.throws(() => forced(() => native!.scatterAddPlanes(grad, idxRef, planes, perPlane, planeSize, tGot)), RangeError);
            return;
          }
          forced(() => native!.scatterAddPlanes(grad, idxRef, planes, perPlane, planeSize, tGot));
          assert.deepEqual(tGot, tRef, `scatterAddPlanes ${label}`);
        });
      });

    test("conv2d, max and average pooling through the public API match the JS backend", () => {
      torch.manualSeed(13);
      for (const dtype of DTYPES) {
        const x = torch.randn([3, 4, 11, 13], { dtype, requiresGrad: true });
        const w = torch.randn([6, 2, 3, 2], { dtype, requiresGrad: true });
        const run = () => {
          const y = torch.F.conv2d(x, w, null, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 });
          const z = torch.F.maxPool2d(y, 2, { ceilMode: true }).sum().add(torch.F.avgPool2d(y, 3, { padding: 1 }).sum());
          const [gx, gw] = torch.autograd.grad(z, [x, w]);
          return [y, gx as Tensor, gw as Tensor];
        };
        setBackend(jsBackend);
        const ref = run();
        setBackend(native!);
        const got = forced(run);
        for (let i = 0; i < ref.length; i++) assert.ok(torch.allclose(got[i], ref[i], { rtol: 1e-4, atol: 1e-4 }), `${dtype.name} output ${i}`);
      }
    });
  });

  test("the thread pool blocks when idle instead of spinning", async () => {
    const saved = getNumThreads();
    setNumThreads(2);
    try {
      const a = torch.randn([300, 300]);
      for (let i = 0; i < 5; i++) a.matmul(a); // wakes the workers
      const before = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, 400));
      const used = process.cpuUsage(before);
      // A worker that kept spinning would burn about 400 ms; the pool spins ~0.2 ms, then sleeps.
      assert.ok((used.user + used.system) / 1000 < 150, `${(used.user + used.system) / 1000} ms of CPU while idle`);
    } finally {
      setNumThreads(saved);
    }
  });

  test("the addon rejects out-of-range offsets, strides and sizes instead of touching memory", () => {
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    const c = new Float32Array(16);
    assert.throws(() => addon!.gemm(a, 1, 0, 4, 1, b, 0, 0, 4, 1, c, 0, 1, 4, 4, 4), RangeError);
    assert.throws(() => addon!.gemm(a, 0, 0, 4, 1, b, 0, 0, 4, 1, c, 1, 1, 4, 4, 4), RangeError);
    assert.throws(() => addon!.gemm(a, 0, 0, 4, 1, b, 0, 0, 4, 1, new Float64Array(16), 0, 1, 4, 4, 4), RangeError);
    assert.throws(() => addon!.binary(0, a, 0, 0, 8, 1, b, 0, 0, 8, 1, c, 0, 1, 2, 9, 0), RangeError);
    assert.throws(() => addon!.binary(0, a, 0, 0, 8, 2, b, 0, 0, 8, 1, c, 0, 1, 2, 8, 0), RangeError);
    assert.throws(() => addon!.binary(9, a, 0, 0, 8, 1, b, 0, 0, 8, 1, c, 0, 1, 2, 8, 0), RangeError);
    assert.throws(() => addon!.binary(0, a, 0, 8, 4, 1, b, 0, 0, 4, 1, c, 0, 3, 2, 4, 0), RangeError); // third plane of a
    assert.throws(() => addon!.unary(0, a, -1, 0, 0, 1, c, 0, 1, 1, 4), RangeError);
    assert.throws(() => addon!.unary(5, a, 0, 0, 1, 4, c, 0, 1, 4, 5), RangeError);
    assert.throws(() => addon!.unary(5, a, 0, 4, 1, 1, c, 0, 5, 1, 4), RangeError); // 5 planes of 4 into 16
    assert.throws(() => addon!.sum(a, 0, c, 0, 2, 3, 3, 1), RangeError);
    assert.throws(() => addon!.sumOuterInner(a, 0, c, 0, 2, 3, 3, 1), RangeError);
    assert.throws(() => addon!.sumOuterInner(a, 0, new Float32Array(2), 0, 1, 3, 1, 1), RangeError);
    const ch = new Float32Array(4);
    assert.throws(() => addon!.batchNormApply(a, c, ch, ch, null, null, 2, 4, 3), RangeError); // 24 values in 16
    assert.throws(() => addon!.batchNormApply(a, c, ch, new Float32Array(3), null, null, 1, 4, 4), RangeError); // 3 channels of 4
    assert.throws(() => addon!.batchNormSums(a, a, ch, ch, ch, new Float64Array(4), 1, 4, 4), RangeError); // needs 4 sums per channel
    assert.throws(() => addon!.batchNormBackward(a, a, ch, ch, null, ch, new Float64Array(4), c, 1, 4, 4), RangeError); // mixed types
    assert.throws(() => addon!.setNumThreads(0), RangeError);
    assert.throws(() => addon!.softmax(a, 1, c, 0, 4, 4, false), RangeError);
    const geo = [1, 1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, 4]; // 9·16 columns do not fit in 16
    assert.throws(() => addon!.im2col(a, c, ...geo), RangeError);
    assert.throws(() => addon!.col2im(c, a, ...geo), RangeError);
    assert.throws(() => addon!.im2col(a, new Float32Array(144), 1, 1, 4, 4, 3, 3, 0, 1, 1, 1, 1, 1, 4, 4), RangeError); // stride 0
    assert.throws(() => addon!.maxPool2d(a, c, new Float64Array(15), 1, 1, 4, 4, 1, 1, 1, 1, 0, 0, 1, 1, 4, 4), RangeError);
    assert.throws(() => addon!.scatterAddPlanes(a, new Float64Array(16).fill(16), c, 1, 16, 16), /index out of range/);
    assert.throws(() => addon!.scatterAddPlanes(a, new Float64Array(16).fill(0.5), c, 1, 16, 16), /index out of range/);
    addon!.gemm(a, 0, 0, 4, 1, b, 0, 0, 4, 1, c, 0, 1, 4, 4, 4); // in range: fine
  });
});

describe("backend selection", () => {
  test("KINDLING_BACKEND picks the JS kernels, the native ones, or fails clearly", () => {
    assert.equal(defaultBackend({ KINDLING_BACKEND: "js" }), jsBackend);
    assert.throws(() => defaultBackend({ KINDLING_BACKEND: "gpu" }), /KINDLING_BACKEND/);
    const auto: Backend = defaultBackend({});
    assert.equal(auto.name, native ? "native" : "js");
    if (native) assert.equal(defaultBackend({ KINDLING_BACKEND: "native" }), native);
    else assert.throws(() => defaultBackend({ KINDLING_BACKEND: "native" }), /did not load/);
  });
});

describe("torch.backends and thread counts", () => {
  test("the test command runs on native when it is built, on JS with KINDLING_BACKEND=js", () => {
    const forcedJs = process.env.KINDLING_BACKEND === "js";
    assert.equal(startBackend, forcedJs || !native ? "js" : "native");
  });

  test("current, isa, available and use", () => {
    const previous = backend();
    try {
      torch.backends.use("js");
      assert.equal(torch.backends.current(), "js");
      assert.equal(torch.backends.isa(), null);
      assert.equal(torch.getNumThreads(), 1);
      assert.throws(() => torch.backends.use("gpu"), /no backend named "gpu"/);
      if (native) {
        setBackend(native);
        assert.deepEqual(torch.backends.available(), ["js", "native"]);
        torch.backends.use("native");
        assert.equal(torch.backends.current(), "native");
        assert.ok(ISAS.includes(torch.backends.isa() ?? ""));
      }
    } finally {
      setBackend(previous);
    }
  });

  test("setNumThreads: validated, reported by native, kept for a backend selected later", () => {
    const previous = backend();
    const saved = torch.getNumThreads();
    try {
      assert.throws(() => torch.setNumThreads(0), RangeError);
      assert.throws(() => torch.setNumThreads(1.5), RangeError);
      setBackend(jsBackend);
      torch.setNumThreads(1);
      assert.equal(torch.getNumThreads(), 1);
      if (native) {
        setBackend(native); // takes the value set while JS was active
        assert.equal(torch.getNumThreads(), 1);
        torch.setNumThreads(2);
        assert.equal(torch.getNumThreads(), 2);
      }
    } finally {
      setBackend(previous);
      torch.setNumThreads(saved);
    }
  });
});

describe("the Node entry and Node's helper threads", () => {
  // A fresh process imports the Node entry and reports each other thread's name, nice value and
  // scheduling policy (fields 19 and 41 of /proc/<pid>/task/<tid>/stat; SCHED_IDLE is 5).
  const probe = [
    'import "./src/node.ts";',
    'import { readdirSync, readFileSync } from "node:fs";',
    "const threads = readdirSync('/proc/self/task').filter((t) => Number(t) !== process.pid).map((t) => {",
    "  const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');",
    "  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');",
    "  return [readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim(), `nice ${fields[16]} policy ${fields[38]}`];",
    "});",
    "console.log(JSON.stringify(threads));",
  ].join("\n");
  const schedulingOfHelpers = (env: Record<string, string>): Set<string> => {
    const out = execFileSync(process.execPath, ["--conditions=source", "--import", "tsx", "--input-type=module", "-e", probe], {
      env: { ...process.env, ...env },
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
    });
    const threads = JSON.parse(out.toString()) as [string, string][];
    return new Set(threads.filter(([name]) => name !== "kindling-pool").map(([, scheduling]) => scheduling));
  };
  test("run under SCHED_IDLE with the native backend on Linux; KINDLING_THREAD_PRIORITIES=keep and the JS backend leave them", { skip: process.platform !== "linux" || !native ? "Linux with the native addon only" : false }, () => {
    const lowered = schedulingOfHelpers({ KINDLING_BACKEND: "native" });
    assert.ok(lowered.size > 0, "Node runs helper threads");
    // SCHED_IDLE where the system allows it (a normal user may always choose it), nice 19 where not.
    assert.ok(lowered.size === 1 && /^nice 0 policy 5$|^nice 19 policy 0$/.test([...lowered][0]), [...lowered].join(", "));
    assert.deepEqual(schedulingOfHelpers({ KINDLING_BACKEND: "native", KINDLING_THREAD_PRIORITIES: "keep" }), new Set(["nice 0 policy 0"]));
    assert.deepEqual(schedulingOfHelpers({ KINDLING_BACKEND: "js" }), new Set(["nice 0 policy 0"]));
  });
});
