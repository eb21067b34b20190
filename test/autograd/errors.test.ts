/**
 * Misuse errors with PyTorch's exact messages (recorded by
 * `/usr/bin/python3 scripts/fixtures/errors.py` into test/fixtures/errors.json, 2.x wording
 * where it differs from 1.13), autograd semantics (leaf and non-leaf gradients, accumulation,
 * retained graphs, hooks, higher-order gradients, grad modes, very deep graphs), and
 * gradcheck's own errors.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, mock, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { GradcheckError, gradcheck, gradgradcheck } from "../../src/autograd/gradcheck.js";

interface ErrorCase {
  type: string;
  message: string;
  /** 1.13's wording, where the fixture records 2.x's instead. */
  torch113?: string;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/errors.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: Record<string, ErrorCase>;
  warnings: Record<string, string>;
};

const f64 = { dtype: torch.float64 };
const leaf = (...shape: number[]): Tensor => torch.ones(shape, { requiresGrad: true });
const long = (...shape: number[]): Tensor => torch.ones(shape, { dtype: torch.int64 });
const bools = (...shape: number[]): Tensor => torch.ones(shape, { dtype: torch.bool });
/** `t.grad` as nested arrays (a function call, so TypeScript keeps no narrowing of `.grad`). */
const gradList = (t: Tensor): unknown => t.grad?.tolist();

type Answer = (g: Tensor) => (Tensor | null)[];

/** A custom op whose backward returns what each misuse case asks for. */
class Doubler extends torch.autograd.Function {
  static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor, _k: number, answer: Answer): Tensor {
    ctx.answer = answer;
    return x.mul(2);
  }
  static override backward(ctx: torch.autograd.FunctionCtx, g: Tensor): (Tensor | null)[] {
    return (ctx.answer as Answer)(g);
  }
}
const customBackward = (answer: Answer): void => Doubler.apply(leaf(2), 2, answer).sum().backward();
class NoForward extends torch.autograd.Function {}
class NoBackward extends torch.autograd.Function {
  static override forward(_ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
    return x.mul(2);
  }
}

/** Each misuse as PyTorch's script runs it, under the same name. */
const CASES: Record<string, () => unknown> = {
  broadcastMismatch: () => torch.ones(2, 3).add(torch.ones(4)),
  broadcastMismatchLeading: () => torch.ones(5, 2, 3).mul(torch.ones(4, 1, 3)),
  broadcastMismatchTwoDims: () => torch.ones(2, 3).add(torch.ones(3, 4)),
  matmulMismatch: () => torch.ones(2, 3).matmul(torch.ones(4, 5)),
  mmMismatch: () => torch.mm(torch.ones(2, 3), torch.ones(4, 5)),
  matmul1dMismatch: () => torch.matmul(torch.ones(3), torch.ones(4)),
  matmulBatchedMismatch: () => torch.matmul(torch.ones(2, 2, 3), torch.ones(2, 4, 5)),
  matmul0d: () => torch.matmul(torch.tensor(1), torch.ones(3)),
  viewIncompatible: () => torch.ones(2, 3).t().view(6),
  viewInvalidSize: () => torch.ones(2, 3).view(4),
  viewInvalidSizeInfer: () => torch.ones(2, 3).view(-1, 4),
  viewTwoInferred: () => torch.ones(2, 3).view(-1, -1),
  reshapeInvalidSize: () => torch.ones(2, 3).reshape(4, 2),
  catSizeMismatch: () => torch.cat([torch.ones(2, 3), torch.ones(2, 4)], 0),
  catDimsMismatch: () => torch.cat([torch.ones(2, 3), torch.ones(3)], 0),
  catEmptyList: () => torch.cat([]),
  catZeroDim: () => torch.cat([torch.tensor(1), torch.tensor(2)]),
  backwardNonScalar: () => leaf(3).mul(2).backward(),
  backwardTwice: () => {
    const x = leaf(3);
    const y = x.mul(x).sum();
    y.backward();
    y.backward();
  },
  backwardNotRequiringGrad: () => torch.ones(3).sum().backward(),
  backwardNonScalarNotRequiringGrad: () => torch.ones(3).backward(),
  inplaceBroadcastGrows: () => torch.zeros(3).add_(torch.ones(2, 3)),
  requiresGradOnInteger: () => long(2).requiresGrad_(),
  changeRequiresGradNonLeaf: () => leaf(2).mul(2).requiresGrad_(false),
  inplaceOnLeaf: () => leaf(2).add_(1),
  inplaceOnViewOfLeaf: () => leaf(2, 3).select(0, 0).add_(1),
  modifiedSavedOutput: () => {
    const y = leaf(3).exp();
    y.add_(1);
    y.sum().backward();
  },
  modifiedSavedLeaf: () => {
    const w = torch.ones(3);
    const y = leaf(3).mul(w);
    w.add_(1);
    y.sum().backward();
  },
  modifiedSavedViewOutput: () => {
    const y = leaf(2, 3).sigmoid();
    y.select(0, 0).mul_(2);
    y.sum().backward();
  },
  modifiedInplaceResult: () => {
    const y = leaf(3).mul(2);
    y.relu_();
    y.mul_(3);
    y.sum().backward();
  },
  modifiedInplaceExpResult: () => {
    const y = leaf(2, 2).mul(2);
    y.exp_();
    y.add_(1);
    y.sum().backward();
  },
  gradientWrongShape: () => leaf(3).mul(2).backward(torch.ones(2)),
  gradWrongShape: () => {
    const x = leaf(3);
    torch.autograd.grad(x.mul(2), x, { gradOutputs: torch.ones(2, 2) });
  },
  gradUnused: () => {
    const x = leaf(3);
    torch.autograd.grad(x.mul(2).sum(), [x, leaf(3)]);
  },
  gradNotRequiring: () => torch.autograd.grad(leaf(3).mul(2).sum(), [torch.ones(3)]),
  backwardInputsEmpty: () => leaf(3).mul(2).sum().backward(null, { inputs: [] }),
  retainGradNotRequiring: () => torch.ones(2).retainGrad(),
  hookNotRequiring: () => torch.ones(2).registerHook((g) => g),
  numpyRequiresGrad: () => leaf(2).numpy(),
  itemManyElements: () => torch.ones(2, 3).item(),
  dimOutOfRange: () => torch.ones(2, 3).sum(2),
  dimOutOfRangeNegative: () => torch.ones(2, 3).softmax(-3),
  dimOutOfRange0d: () => torch.tensor(1).unsqueeze(2),
  transposeDimOutOfRange: () => torch.ones(2, 3).transpose(0, 2),
  selectIndexOutOfRange: () => torch.ones(3, 4).select(0, 5),
  selectNegativeIndexOutOfRange: () => torch.ones(3, 4).select(1, -5),
  select0d: () => torch.tensor(1).select(0, 0),
  narrowOutOfRange: () => torch.ones(3, 4).narrow(1, 2, 3),
  stackSizeMismatch: () => torch.stack([torch.ones(2), torch.ones(3)]),
  stackEmptyList: () => torch.stack([]),
  meanOfInteger: () => long(3).mean(),
  expandMismatch: () => torch.ones(2, 3).expand(4, 4),
  expandFewerDims: () => torch.ones(2, 3).expand(3),
  tOf3d: () => torch.ones(2, 3, 4).t(),
  permuteWrongLength: () => torch.ones(2, 3).permute(0),
  permuteRepeatedDim: () => torch.ones(2, 3).permute(0, 0),
  sumRepeatedDim: () => torch.ones(2, 3).sum([1, 1]),
  splitSizesMismatch: () => torch.ones(5).split([2, 2]),
  maxOfEmpty: () => torch.ones(0).max(),
  maxDimOfEmpty: () => torch.ones(0, 3).max(0),
  argmaxOfEmpty: () => torch.ones(0).argmax(),
  clampWithoutBounds: () => torch.ones(2).clamp(),
  subBool: () => bools(2).sub(bools(2)),
  subOneBool: () => torch.ones(2).sub(bools(2)),
  negBool: () => bools(2).neg(),
  whereNonBoolCondition: () => torch.where(torch.ones(2), torch.ones(2), torch.zeros(2)),
  mmDtypeMismatch: () => torch.mm(torch.ones(2, 2), torch.ones([2, 2], f64)),
  intNegativePower: () => long(2).pow(-1),
  inplaceResultTypeCast: () => long(2).mul_(1.5),
  deviceUnknownType: () => torch.device("foo:1"),
  deviceInvalidString: () => torch.device("cpu:x"),
  toCuda: () => torch.ones(2).to("cuda"),
  toMps: () => torch.ones(2).to("mps"),
  zerosOnCuda: () => torch.zeros([2], { device: "cuda" }),
  moduleToCuda: () => new torch.nn.Linear(2, 2).to("cuda"),
  iterate0d: () => [...torch.tensor(1)],
  transposeT3d: () => torch.ones(2, 3, 4).T,
  topkOutOfRange: () => torch.ones(3).topk(5),
  sortDimOutOfRange: () => torch.ones(3).sort(2),
  flipRepeatedDim: () => torch.ones(3).flip(0, 0),
  rollMisaligned: () => torch.ones(2, 3).roll([1, 2], [0]),
  rollShiftsWithoutDims: () => torch.ones(3).roll([1, 2]),
  customGradientCount: () => customBackward((g) => [g]),
  customGradientForNonTensor: () => customBackward((g) => [g, g, null]),
  customGradientShape: () => customBackward(() => [torch.ones(5), null, null]),
  customNoForward: () => NoForward.apply(...([leaf(2)] as never[])),
  customNoBackward: () => NoBackward.apply(leaf(2)).sum().backward(),
  hessianNotScalar: () => torch.autograd.functional.hessian((x) => x.mul(2), torch.ones(2)),
  padOddLength: () => torch.F.pad(torch.ones(2, 3), [1]),
  padTooLong: () => torch.F.pad(torch.ones(2, 3), [1, 1, 1, 1, 1, 1]),
  padNegativeSize: () => torch.F.pad(torch.ones(2, 3), [-2, -2]),
  oneHotFloat: () => torch.F.oneHot(torch.tensor([1, 2])),
  oneHotNegative: () => torch.F.oneHot(torch.tensor([-1n, 2n])),
  oneHotTooLarge: () => torch.F.oneHot(torch.tensor([1n, 2n]), 2),
  oneHotEmpty: () => torch.F.oneHot(torch.tensor([], { dtype: torch.int64 })),
  repeatFewerDims: () => torch.ones(2, 3).repeat(2),
  rnnInputSize: () => new torch.nn.LSTM(3, 2).call(torch.ones(4, 1, 5)),
  lstmHiddenSize: () => new torch.nn.LSTM(3, 2).call(torch.ones(4, 1, 3), [torch.zeros(1, 1, 2), torch.zeros(2, 1, 2)]),
  gruHiddenSize: () => new torch.nn.GRU(3, 2).call(torch.ones(4, 1, 3), torch.zeros(2, 1, 2)),
  rnnInputDims: () => new torch.nn.GRU(3, 2).call(torch.ones(4, 1, 3, 2)),
  gruUnbatchedHidden: () => new torch.nn.GRU(3, 2).call(torch.ones(4, 3), torch.zeros(1, 1, 2)),
  clipGradNormNonfinite: () => {
    const p = new torch.nn.Parameter(torch.ones(2));
    p.grad = torch.tensor([Infinity, 1]);
    torch.nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true });
  },
  lstmUnbatchedHidden: () => new torch.nn.LSTM(3, 2).call(torch.ones(4, 3), [torch.zeros(1, 1, 2), torch.zeros(1, 1, 2)]),
};


/** The message `fn` throws (fails if it does not throw). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  assert.fail("no error was thrown");
}

describe("misuse errors, PyTorch's messages", () => {
  test("every recorded case has a Kindling counterpart, and every counterpart a recording", () => {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(fixture.cases).sort());
  });
  for (const [name, expected] of Object.entries(fixture.cases)) {
    const fn = CASES[name];
    if (!fn) continue;
    test(name, () => assert.equal(thrown(fn), expected.message));
  }
});

describe("leaf and non-leaf gradients", () => {
  test("backward fills a leaf's .grad and not a non-leaf's, which warns once on access", () => {
    const warn = mock.method(console, "warn", () => undefined);
    try {
      const x = leaf(2);
      const y = x.mul(3);
      y.sum().backward();
      assert.deepEqual(gradList(x), [3, 3]);
      assert.equal(x.isLeaf, true);
      assert.equal(y.isLeaf, false);
      assert.equal(y.grad, null);
      assert.equal(y.grad, null);
      assert.equal(x.mul(2).grad, null);
      assert.deepEqual(
        warn.mock.calls.map((c) => c.arguments[0]),
        [`UserWarning: ${fixture.warnings.nonLeafGrad}`],
      );
    } finally {
      warn.mock.restore();
    }
  });

  test("a leaf that does not require grad is a leaf without gradient", () => {
    const c = torch.ones(2);
    const x = leaf(2);
    x.mul(c).sum().backward();
    assert.equal(c.isLeaf, true);
    assert.equal(c.grad, null);
  });

  test("gradients accumulate across backward calls until zeroed", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    x.mul(2).sum().backward();
    x.mul(2).sum().backward();
    assert.deepEqual(gradList(x), [4, 4]);
    x.grad?.zero_();
    x.mul(x).sum().backward();
    assert.deepEqual(gradList(x), [2, 4]);
  });

  test("gradients of several paths to one leaf add up", () => {
    const x = torch.tensor([3], { requiresGrad: true });
    x.mul(x).add(x.mul(5)).add(x.exp().log()).sum().backward();
    assert.deepEqual(gradList(x), [2 * 3 + 5 + 1]);
  });

  test("retainGraph lets backward run through the same graph again", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    assert.deepEqual(gradList(x), [4, 8]);
  });

  test("a graph without saved tensors can run backward twice without retainGraph, as in PyTorch", () => {
    const x = leaf(2);
    const y = x.add(1).sum();
    y.backward();
    y.backward();
    assert.deepEqual(gradList(x), [2, 2]);
  });

  test("retainGrad keeps a non-leaf's gradient, without warning", () => {
    const warn = mock.method(console, "warn", () => undefined);
    try {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = x.mul(2);
      y.retainGrad();
      assert.equal(y.retainsGrad, true);
      y.mul(y).sum().backward();
      assert.deepEqual(gradList(y), [4, 8]);
      assert.deepEqual(gradList(x), [8, 16]);
      assert.equal(warn.mock.callCount(), 0);
    } finally {
      warn.mock.restore();
    }
  });
});

describe("hooks", () => {
  test("a hook on a leaf can replace its gradient; removing it restores the plain gradient", () => {
    const x = leaf(2);
    const seen: number[][] = [];
    const handle = x.registerHook((g) => {
      seen.push(g.tolist() as number[]);
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    assert.deepEqual(seen, [[3, 3]]);
    assert.deepEqual(gradList(x), [30, 30]);
    handle.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    assert.deepEqual(gradList(x), [3, 3]);
    assert.equal(seen.length, 1);
  });

  test("a hook on a non-leaf changes the gradient that flows on to the leaves", () => {
    const x = leaf(2);
    const y = x.mul(3);
    const handle = y.registerHook((g) => g.mul(2));
    const loss = y.sum();
    loss.backward(null, { retainGraph: true });
    assert.deepEqual(gradList(x), [6, 6]);
    handle.remove();
    x.grad = null;
    loss.backward();
    assert.deepEqual(gradList(x), [3, 3]);
  });

  test("a node's hook sees null for an output that got no gradient (PyTorch: None)", () => {
    // PyTorch: a, b = arange(4.).split(2); a.grad_fn.register_hook(h); a.sum().backward()
    // calls h((tensor([1., 1., 0., 0.]),), (tensor([1., 1.]), None)).
    const x = torch.arange(4, { requiresGrad: true });
    const [a] = x.split(2);
    const seen: [(number[] | null)[], (number[] | null)[]][] = [];
    (a.gradFn as torch.Node).registerHook((gradInputs, gradOutputs) => {
      const list = (ts: (Tensor | null)[]) => ts.map((t) => (t ? (t.tolist() as number[]) : null));
      seen.push([list(gradInputs), list(gradOutputs)]);
    });
    a.sum().backward();
    assert.deepEqual(seen, [[[[1, 1, 0, 0]], [[1, 1], null]]]);
  });

  test("a hook returning nothing leaves the gradient as it is", () => {
    const x = leaf(2);
    let calls = 0;
    x.registerHook(() => {
      calls++;
    });
    x.mul(2).sum().backward();
    assert.equal(calls, 1);
    assert.deepEqual(gradList(x), [2, 2]);
  });
});

describe("torch.autograd.grad", () => {
  test("createGraph gives differentiable gradients: d/dx x^3 = 3x^2, d2/dx2 = 6x, d3/dx3 = 6", () => {
    const x = torch.tensor([2, -1], { dtype: torch.float64, requiresGrad: true });
    const y = x.pow(3).sum();
    const [dx] = torch.autograd.grad(y, [x], { createGraph: true });
    assert.ok(dx !== null && dx.requiresGrad);
    assert.deepEqual(dx.tolist(), [12, 3]);
    const [d2x] = torch.autograd.grad(dx.sum(), [x], { createGraph: true });
    assert.deepEqual(d2x?.tolist(), [12, -6]);
    const [d3x] = torch.autograd.grad((d2x as Tensor).sum(), [x]);
    assert.deepEqual(d3x?.tolist(), [6, 6]);
    assert.equal(x.grad, null, "grad() does not accumulate into .grad");
  });

  test("without createGraph the gradient is detached", () => {
    const x = leaf(2);
    const [dx] = torch.autograd.grad(x.mul(x).sum(), [x]);
    assert.equal(dx?.requiresGrad, false);
    assert.equal(dx?.gradFn, null);
  });

  test("allowUnused gives null for inputs the outputs do not depend on", () => {
    const x = leaf(2);
    const z = leaf(2);
    const [dx, dz] = torch.autograd.grad(x.mul(2).sum(), [x, z], { allowUnused: true });
    assert.deepEqual(dx?.tolist(), [2, 2]);
    assert.equal(dz, null);
  });

  test("gradOutputs weighs a non-scalar output", () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const [dx] = torch.autograd.grad(x.mul(x), [x], { gradOutputs: torch.tensor([1, 0, -1]) });
    assert.deepEqual(dx?.tolist(), [2, 0, -6]);
  });

  test("gradients with respect to a non-leaf", () => {
    const x = leaf(2);
    const y = x.mul(3);
    const [dy] = torch.autograd.grad(y.mul(y).sum(), [y]);
    assert.deepEqual(dy?.tolist(), [6, 6]);
  });
});

test("backward's inputs option accumulates only into the listed tensors", () => {
  const a = leaf(2);
  const b = leaf(2);
  const loss = a.mul(b).mul(3).sum();
  loss.backward(null, { inputs: [a] });
  assert.deepEqual(gradList(a), [3, 3]);
  assert.equal(b.grad, null);
});

describe("grad modes", () => {
  test("noGrad records nothing and restores the mode, also when its body throws", () => {
    const x = leaf(2);
    assert.equal(torch.noGrad(() => x.mul(2)).requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    assert.throws(() =>
      torch.noGrad(() => {
        assert.equal(torch.isGradEnabled(), false);
        throw new Error("body failed");
      }),
    /body failed/);
    assert.equal(torch.isGradEnabled(), true);
    assert.equal(x.mul(2).requiresGrad, true);
  });

  test("enableGrad inside noGrad records, and both restore when the body throws", () => {
    const x = leaf(2);
    const y = torch.noGrad(() => torch.enableGrad(() => x.mul(2)));
    assert.equal(y.requiresGrad, true);
    torch.noGrad(() => {
      assert.throws(() =>
        torch.enableGrad(() => {
          assert.equal(torch.isGradEnabled(), true);
          throw new Error("inner");
        }),
      );
      assert.equal(torch.isGradEnabled(), false);
    });
    assert.equal(torch.isGradEnabled(), true);
  });

  test("inferenceMode records nothing and restores both flags when the body throws", () => {
    const x = leaf(2);
    assert.equal(torch.inferenceMode(() => x.mul(2)).requiresGrad, false);
    assert.throws(() =>
      torch.inferenceMode(() => {
        assert.equal(torch.isInferenceModeEnabled(), true);
        assert.equal(torch.isGradEnabled(), false);
        throw new Error("inference body");
      }),
    );
    assert.equal(torch.isInferenceModeEnabled(), false);
    assert.equal(torch.isGradEnabled(), true);
  });

  test("the wrapped (decorator) forms restore the mode when the function throws", () => {
    const failing = torch.noGrad.wrap((): Tensor => {
      throw new Error("wrapped");
    });
    assert.throws(failing, /wrapped/);
    assert.equal(torch.isGradEnabled(), true);
    const doubled = torch.noGrad.wrap((t: Tensor) => t.mul(2));
    assert.equal(doubled(leaf(2)).requiresGrad, false);
  });
});

test("backward through a 100,000-deep chain completes (no recursion)", () => {
  const x = torch.tensor([1], { dtype: torch.float64, requiresGrad: true });
  let y = x;
  for (let i = 0; i < 100_000; i++) y = y.mul(1.0000001);
  y.sum().backward();
  const expected = Math.pow(1.0000001, 100_000);
  assert.ok(Math.abs((x.grad as Tensor).item() - expected) < 1e-9 * expected, `${x.grad?.item()} vs ${expected}`);
});

describe("gradcheck", () => {
  const x = (): Tensor => torch.tensor([0.5, -1.25, 2], { dtype: torch.float64, requiresGrad: true });

  test("accepts correct gradients, of several inputs and outputs", () => {
    const w = torch.tensor([[1.5, -0.5, 0.25]], { dtype: torch.float64, requiresGrad: true });
    assert.equal(gradcheck((a, b) => [a.mul(b).tanh(), a.exp().sum()], [x(), w]), true);
    assert.equal(gradgradcheck((a, b) => a.mul(b).sin().sum(1), [x(), w]), true);
  });

  test("a wrong backward is reported with the output, input and entries that differ", () => {
    // a * stopgrad(a) has the value a^2 but the gradient a: the numerical Jacobian is diag(2a).
    const message = thrown(() => gradcheck((a) => a.mul(a.detach()), [x()]));
    assert.match(message, /^Jacobian mismatch for output 0 with respect to input 0,\n/);
    assert.match(message, /first mismatch: d\(output 0\)\[0\] \/ d\(input 0\)\[0\]: numerical (1\.0000|0\.9999)\d*, analytical 0\.5\n/);
    assert.match(message, /numerical:tensor\(\[\[ 1\.0000,  0\.0000,  0\.0000\],/);
    assert.match(message, /analytical:tensor\(\[\[ 0\.5000,  0\.0000,  0\.0000\],/);
  });

  test("throws GradcheckError, or returns false with raiseException: false", () => {
    const wrong = (a: Tensor): Tensor => a.mul(a.detach());
    assert.throws(() => gradcheck(wrong, [x()]), GradcheckError);
    assert.equal(gradcheck(wrong, [x()], { raiseException: false }), false);
  });

  test("a backward that is right but not differentiable is caught by gradgradcheck only", () => {
    // y = a * stopgrad(a) has the value a^2; doubling its gradient by a hook makes the first
    // derivative right (2a), but that gradient does not record its dependence on a.
    const square = (a: Tensor): Tensor => {
      const y = a.mul(a.detach());
      y.registerHook((g) => g.mul(2));
      return y;
    };
    assert.equal(gradcheck(square, [x()]), true);
    assert.equal(gradgradcheck(square, [x()], { raiseException: false }), false);
  });

  test("misuse: float32 inputs, no input requiring grad, overlapping memory", () => {
    assert.equal(
      thrown(() => gradcheck((a) => a.mul(2), [torch.ones([2], { requiresGrad: true })])),
      "Input #0 requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex.",
    );
    assert.equal(
      thrown(() => gradcheck((a) => a.mul(2), [torch.ones([2], f64)])),
      "gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.",
    );
    const expanded = torch.ones([1], { dtype: torch.float64, requiresGrad: true }).expand(3);
    assert.match(thrown(() => gradcheck((a) => a.mul(2), [expanded])), /^The 0th input has a dimension with stride 0\./);
  });

  test("outputs that do not require grad must not depend on the inputs", () => {
    assert.equal(gradcheck((a) => [a.mul(2), torch.ones(2, f64)], [x()]), true);
    assert.match(
      thrown(() => gradcheck((a) => a.detach().mul(2), [x()])),
      /^Numerical gradient for function expected to be zero/,
    );
  });
});
