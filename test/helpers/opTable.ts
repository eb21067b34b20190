/**
 * The op-table machinery: the fixture's types (written by `scripts/fixtures/ops.py`), building
 * a sample's inputs in Kindling exactly as the script built them in PyTorch, and comparing
 * tensors with a tolerance that names the first element that differs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { slice } from "../../src/ops/shape.js";

/** A float as the fixture stores it: JSON has no nan or infinities, so those are strings. */
export type EncodedFloat = number | "nan" | "inf" | "-inf";

/** One stored value: a float, a bool (bool tensors) or an integer (int64 tensors). */
export type EncodedValue = EncodedFloat | boolean;

/** How the op's input is derived from the contiguous leaf that receives the gradient. */
export type Layout = "t" | "step" | "expand";

/** A sample input as stored: the leaf and the layout applied to it. */
export interface FixtureInput {
  /** The leaf's shape. */
  shape: number[];
  /** The leaf's values, row-major. */
  values: EncodedValue[];
  /** float (run in float32 and float64), bool or int64. */
  kind: "float" | "bool" | "int64";
  /** Whether the leaf requires grad. */
  grad: boolean;
  /** "t": transpose(-1, -2); "step": every other element of the last dim; "expand": expand(to). */
  layout?: Layout;
  /** Target shape of the "expand" layout. */
  to?: number[];
}

/** One output as PyTorch gave it. */
export interface FixtureOutput {
  shape: number[];
  dtype: "float32" | "float64" | "int64" | "bool";
  values: EncodedValue[];
  /** PyTorch's grad_fn name (2.x spelling), or null. */
  gradFn: string | null;
}

/** PyTorch's answers for one dtype. */
export interface FixtureRun {
  outputs: FixtureOutput[];
  /** Gradient of sum((out_i * w_i).sum()) for each input's leaf, or null where it has none. */
  grads: (EncodedValue[] | null)[];
}

/** Keyword arguments of a sample, shared by the PyTorch and the Kindling call. */
export interface OpArgs {
  alpha?: number;
  beta?: number;
  scalar?: number;
  exponent?: number;
  base?: number;
  min?: number | null;
  max?: number | null;
  dim?: number | number[];
  keepdim?: boolean;
  correction?: number;
  unbiased?: boolean;
  p?: number | "fro";
  ord?: number | "fro" | "nuc";
  shape?: number[];
  dims?: number[];
  dim0?: number;
  dim1?: number;
  index?: number;
  start?: number;
  length?: number;
  start_dim?: number;
  end_dim?: number;
  split?: number | number[];
  chunks?: number;
  descending?: boolean;
  k?: number;
  largest?: boolean;
  shifts?: number | number[];
  diagonal?: number;
  pad?: number[];
  value?: number;
  eps?: number;
  num_classes?: number;
  repeats?: number[];
}

/** One sample of an op. */
export interface FixtureSample {
  desc: string;
  inputs: FixtureInput[];
  args: OpArgs;
  /** The loss weight of each output (null for outputs without gradient). */
  w: (number[] | null)[];
  float64: FixtureRun;
  float32: FixtureRun;
  /** On a non-differentiable point: gradcheck is skipped. */
  kink?: boolean;
  /** false: the op is not twice differentiable here, gradgradcheck is skipped. */
  smooth?: boolean;
}

/** All samples of one op. */
export interface FixtureOp {
  name: string;
  samples: FixtureSample[];
}

/** Reads `test/fixtures/ops.json`. */
export function loadOpFixture(): { torch: string; ops: FixtureOp[] } {
  return JSON.parse(readFileSync(new URL("../fixtures/ops.json", import.meta.url), "utf8")) as { torch: string; ops: FixtureOp[] };
}

/** A stored value as a number (bools as 1/0). */
export function decode(v: EncodedValue): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  return { nan: NaN, inf: Infinity, "-inf": -Infinity }[v];
}

/** The sample's arguments with "inf" strings turned into numbers. */
export function decodeArgs(args: OpArgs): OpArgs {
  const out: OpArgs = { ...args };
  const p = args.p as EncodedFloat | "fro" | undefined;
  if (p === "inf" || p === "-inf" || p === "nan") out.p = decode(p);
  const ord = args.ord as EncodedFloat | "fro" | "nuc" | undefined;
  if (ord === "inf" || ord === "-inf" || ord === "nan") out.ord = decode(ord);
  return out;
}

/** The leaf tensor of an input, in the dtype of the run for float inputs. */
export function makeLeaf(input: FixtureInput, floatDtype: torch.DType): Tensor {
  const dtype = input.kind === "bool" ? torch.bool : input.kind === "int64" ? torch.int64 : floatDtype;
  const t = torch.tensor(input.values.map(decode), { dtype }).reshape(input.shape).clone();
  return input.grad ? t.requiresGrad_() : t;
}

/** The op's input derived from its leaf by the stored layout. */
export function applyLayout(leaf: Tensor, input: FixtureInput): Tensor {
  switch (input.layout) {
    case "t":
      return leaf.transpose(-1, -2);
    case "step":
      return slice(leaf, -1, 0, null, 2);
    case "expand":
      return leaf.expand(input.to as number[]);
    default:
      return leaf;
  }
}

/** Tolerances of a comparison: pass when |actual - expected| <= atol + rtol * |expected|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** float64 results must agree to about 1e-10 relative. */
export const TOL64: Tolerance = { rtol: 1e-10, atol: 1e-12 };
/** float32 results, computed in another order than PyTorch's, agree to about 1e-5 relative. */
export const TOL32: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/**
 * Asserts that a tensor has the expected shape and values (NaN matches NaN, infinities must be
 * equal), naming the first element that differs.
 */
export function assertValues(actual: Tensor, shape: readonly number[], expected: readonly EncodedValue[], tol: Tolerance, what: string): void {
  assert.deepEqual([...actual.shape], [...shape], `${what}: shape`);
  const values = actual.detach().numpy();
  assert.equal(values.length, expected.length, `${what}: number of elements`);
  for (let i = 0; i < values.length; i++) {
    const a = values[i];
    const e = decode(expected[i]);
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) assert.fail(`${what}: element ${i} (of ${values.length}) is ${a}, PyTorch gives ${e} (rtol ${tol.rtol}, atol ${tol.atol})`);
  }
}
