/**
 * `torch.autograd.Function` and `torch.autograd.functional`. Expected values are mathematics
 * written beside each check (d/dx eˣ = eˣ, d/dx x² = 2x…); node names and the printed form of
 * `nextFunctions` are PyTorch's for the same custom op (`ExpBackward`, one edge per tensor
 * argument). Misuse errors are recorded from PyTorch in test/autograd/errors.test.ts.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { gradcheck, gradgradcheck } from "../../src/autograd/gradcheck.js";

const { Function, functional } = torch.autograd;
const f64 = { dtype: torch.float64 };

/** k·eˣ, with a backward written in tensor ops (so it is differentiable again). */
class ScaledExp extends Function {
  static override forward(ctx: torch.autograd.FunctionCtx, x: Tensor, k: number): Tensor {
    const result = x.exp().mul(k);
    ctx.saveForBackward(result);
    return result;
  }
  static override backward(ctx: torch.autograd.FunctionCtx, grad: Tensor): (Tensor | null)[] {
    const [result] = ctx.savedTensors;
    return [grad.mul(result), null];
  }
}

/** What the last ProductAndSum forward saw as `needsInputGrad`. */
let seenNeeds: readonly boolean[] = [];

/** (a·b, a + b): two outputs, backward sees both gradients (zeros for an unused one). */
class ProductAndSum extends Function {
  static override forward(ctx: torch.autograd.FunctionCtx, a: Tensor, b: Tensor): Tensor[] {
    ctx.saveForBackward(a, b);
    seenNeeds = ctx.needsInputGrad;
    return [a.mul(b), a.add(b)];
  }
  static override backward(ctx: torch.autograd.FunctionCtx, gProduct: Tensor, gSum: Tensor): Tensor[] {
    const [a, b] = ctx.savedTensors;
    return [gProduct.mul(b).add(gSum), gProduct.mul(a).add(gSum)];
  }
}

describe("torch.autograd.Function", () => {
  test("forward runs without recording; the output's node is <Name>Backward with one edge per tensor argument", () => {
    const x = torch.tensor([0, 1], { requiresGrad: true });
    const y = ScaledExp.apply(x, 2);
    assert.equal(y.gradFn?.name(), "ScaledExpBackward");
    assert.equal(String(y), "tensor([2.0000, 5.4366], grad_fn=<ScaledExpBackward>)");
    assert.match(inspect(y.gradFn?.nextFunctions), /^\(\(<AccumulateGrad object at 0x[0-9a-f]+>, 0\),\)$/);
    y.sum().backward();
    // d/dx 2eˣ = 2eˣ
    assert.deepEqual(x.grad?.tolist(), [2, 2 * Math.fround(Math.E)].map(Math.fround));
  });

  test("no node without an input that requires grad, or under noGrad", () => {
    assert.equal(ScaledExp.apply(torch.ones(2), 1).gradFn, null);
    const x = torch.ones(2, { requiresGrad: true });
    assert.equal(torch.noGrad(() => ScaledExp.apply(x, 1)).gradFn, null);
  });

  test("several outputs: needsInputGrad, and zeros for the output that got no gradient", () => {
    const a = torch.tensor([1, 2], { requiresGrad: true });
    const b = torch.tensor([3, 4]);
    const [p, s] = ProductAndSum.apply(a, b);
    assert.equal(p.gradFn, s.gradFn);
    assert.equal(s._outputNr, 1);
    p.sum().backward();
    assert.deepEqual(a.grad?.tolist(), [3, 4]); // ∂(a·b)/∂a = b
    assert.deepEqual(seenNeeds, [true, false]);
  });

  test("an input returned unchanged gets a new alias with the node", () => {
    class Identity extends Function {
      static override forward(_ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
        return x;
      }
      static override backward(_ctx: torch.autograd.FunctionCtx, g: Tensor): Tensor {
        return g.mul(3);
      }
    }
    const x = torch.ones(2, { requiresGrad: true });
    const y = Identity.apply(x);
    assert.notEqual(y, x);
    assert.equal(y.gradFn?.name(), "IdentityBackward");
    y.sum().backward();
    assert.deepEqual(x.grad?.tolist(), [3, 3]);
  });

  test("gradcheck and gradgradcheck pass through a custom op written in tensor ops", () => {
    const x = torch.tensor([0.3, -0.7, 1.1], { ...f64, requiresGrad: true });
    assert.equal(gradcheck((t: Tensor) => ScaledExp.apply(t, 1.5), [x]), true);
    assert.equal(gradgradcheck((t: Tensor) => ScaledExp.apply(t, 1.5), [x]), true);
  });

  test("a saved tensor modified in place is refused, as for built-in ops", () => {
    const x = torch.ones(2, { requiresGrad: true });
    const y = ScaledExp.apply(x, 1);
    y.add_(1);
    assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
  });
});

describe("torch.autograd.functional", () => {
  test("jacobian of x² is diag(2x)", () => {
    const j = functional.jacobian((x) => x.pow(2) as Tensor, torch.tensor([1, 2])) as Tensor;
    assert.deepEqual(j.tolist(), [[2, 0], [0, 4]]);
    assert.equal(j.requiresGrad, false);
  });

  test("several inputs and outputs nest as outputs × inputs, zeros where nothing depends", () => {
    const j = functional.jacobian((a, b) => [a.mul(b), a.sum()], [torch.tensor([1, 2]), torch.tensor([3, 4])]) as Tensor[][];
    // ∂(a·b)/∂a = diag(b), ∂(a·b)/∂b = diag(a), ∂Σa/∂a = 1, ∂Σa/∂b = 0
    assert.deepEqual(j.map((row) => row.map((t) => t.tolist())), [
      [[[3, 0], [0, 4]], [[1, 0], [0, 2]]],
      [[1, 1], [0, 0]],
    ]);
  });

  test("jacobian shape is output shape + input shape", () => {
    const w = torch.arange(6).view(2, 3);
    const j = functional.jacobian((x) => w.matmul(x), torch.ones(3, 1)) as Tensor;
    assert.deepEqual([...j.shape], [2, 1, 3, 1]);
    // ∂(Wx)[i]/∂x[k] = W[i, k]
    assert.deepEqual(j.reshape(2, 3).tolist(), w.tolist());
  });

  test("hessian of Σx³ is diag(6x), and createGraph makes it differentiable", () => {
    const h = functional.hessian((x) => x.pow(3).sum(), torch.tensor([1, 2])) as Tensor;
    assert.deepEqual(h.tolist(), [[6, 0], [0, 12]]);
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const hg = functional.hessian((t) => t.pow(3).sum(), x, { createGraph: true }) as Tensor;
    hg.sum().backward();
    // ∂/∂x Σ diag(6x) = 6
    assert.deepEqual(x.grad?.tolist(), [6, 6]);
  });
});
