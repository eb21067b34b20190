/**
 * Tensor printing against PyTorch's own output, recorded by
 * `/usr/bin/python3 scripts/fixtures/printing.py` into test/fixtures/printing.json.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, describe, test } from "node:test";

import {
  bool,
  float32,
  float64,
  int32,
  int64,
  type DType,
  type DTypeName,
} from "../../src/core/dtype.js";
import {
  formatPythonFloat,
  formatTensor,
  getPrintoptions,
  setPrintoptions,
  type PrintOptions,
} from "../../src/core/format.js";

/** A float as the fixture stores it: JSON has no nan or infinities, so those are strings. */
type EncodedFloat = number | "nan" | "inf" | "-inf";

interface TensorCase {
  name: string;
  values: EncodedFloat[];
  shape: number[];
  dtype: DTypeName;
  requiresGrad: boolean;
  gradFn: string | null;
  prefix?: string;
  options?: Partial<Omit<PrintOptions, "threshold">> & {
    threshold?: EncodedFloat;
    profile?: "default" | "short" | "full";
  };
  expected: string;
}

interface FloatCase {
  value: EncodedFloat;
  expected: string;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/printing.json", import.meta.url), "utf8"),
) as { tensors: TensorCase[]; floats: FloatCase[] };

const DTYPES: Record<DTypeName, DType> = { float32, float64, int64, int32, bool };

function decode(v: EncodedFloat): number {
  if (typeof v === "number") return v;
  return { nan: NaN, inf: Infinity, "-inf": -Infinity }[v];
}

describe("formatTensor matches PyTorch's repr", () => {
  afterEach(() => setPrintoptions({ profile: "default" }));

  for (const c of fixture.tensors) {
    test(c.name, () => {
      if (c.options) {
        const { threshold, ...rest } = c.options;
        setPrintoptions(threshold === undefined ? rest : { ...rest, threshold: decode(threshold) });
      }
      const actual = formatTensor({
        values: c.values.map(decode),
        shape: c.shape,
        dtype: DTYPES[c.dtype],
        requiresGrad: c.requiresGrad,
        gradFnName: c.gradFn,
        ...(c.prefix === undefined ? {} : { prefix: c.prefix }),
      });
      assert.equal(actual, c.expected);
    });
  }

  test("typed-array values print like plain arrays", () => {
    const values = new Float32Array([102.4, 1024, 0.1024]);
    const input = { shape: [3], dtype: float32, requiresGrad: false, gradFnName: null };
    const expected = "tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])";
    assert.equal(formatTensor({ ...input, values }), expected);
  });
});

describe("edgeitems 0 (PyTorch 2.x; 1.13 cannot print these)", () => {
  afterEach(() => setPrintoptions({ profile: "default" }));
  const input = { dtype: float32, requiresGrad: false, gradFnName: null };

  test("a summary shows only the ellipsis and the size", () => {
    setPrintoptions({ edgeitems: 0, threshold: 3 });
    const values = [1, 2, 3, 4, 5, 6];
    assert.equal(formatTensor({ ...input, values, shape: [6] }), "tensor([...], size=(6,))");
    assert.equal(formatTensor({ ...input, values, shape: [2, 3] }), "tensor([...], size=(2, 3))");
  });

  test("an unsummarised tensor still gets the size", () => {
    setPrintoptions({ edgeitems: 0 });
    const t = { ...input, values: [1.5, 2], shape: [2], dtype: float64 };
    assert.equal(formatTensor(t), "tensor([1.5000, 2.0000], size=(2,), dtype=torch.float64)");
  });
});

describe("print options", () => {
  afterEach(() => setPrintoptions({ profile: "default" }));

  test("defaults", () => {
    assert.deepEqual(getPrintoptions(), {
      precision: 4,
      threshold: 1000,
      edgeitems: 3,
      linewidth: 80,
      sciMode: null,
    });
  });

  test("a profile is applied before explicit options", () => {
    setPrintoptions({ profile: "full", precision: 2 });
    assert.deepEqual(getPrintoptions(), {
      precision: 2,
      threshold: Infinity,
      edgeitems: 3,
      linewidth: 80,
      sciMode: null,
    });
  });

  test("sciMode returns to automatic when not given, as in PyTorch", () => {
    setPrintoptions({ sciMode: true });
    assert.equal(getPrintoptions().sciMode, true);
    setPrintoptions({ precision: 3 });
    assert.equal(getPrintoptions().sciMode, null);
  });
});

describe("formatPythonFloat matches Python's repr(float)", () => {
  for (const c of fixture.floats) {
    test(c.expected, () => assert.equal(formatPythonFloat(decode(c.value)), c.expected));
  }
});
