/**
 * Batch normalization runs as fused backend passes (batchNormApply, batchNormSums,
 * batchNormBackward) unless its backward pass is itself recorded. On the JS reference kernels
 * the fused passes must give exactly the values of the tensor-op formula they replace, which is
 * written out here; and the recorded (double-backward) formula must agree with the fused one.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import type { DType } from "../../src/core/dtype.js";
import { backend, setBackend, type Backend } from "../../src/backend/backend.js";
import { jsBackend } from "../../src/backend/js/index.js";

const F = torch.nn.functional;

/** The formulas the fused passes replace: the output, and PyTorch's batch-norm gradient in training mode. */
function composite(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number, g: Tensor) {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const channelShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const mean = x.mean(dims, { keepdim: true });
  const centered = x.sub(mean);
  const variance = centered.square().mean(dims, { keepdim: true });
  const invstd = variance.add(eps).rsqrt();
  const xhat = centered.mul(invstd);
  let out = xhat;
  if (weight) out = out.mul(weight.view(channelShape));
  if (bias) out = out.add(bias.view(channelShape));
  const gxhat = weight ? g.mul(weight.view(channelShape)) : g;
  const m1 = gxhat.mean(dims, { keepdim: true });
  const m2 = gxhat.mul(xhat).mean(dims, { keepdim: true });
  const gx = gxhat.sub(m1).sub(xhat.mul(m2)).mul(invstd);
  return { out, gx, gw: g.mul(xhat).sum(dims), gb: g.sum(dims), variance: variance.view([-1]), mean: mean.view([-1]) };
}

function bits(t: Tensor | null): number[] {
  return Array.from((t as Tensor).detach().contiguous().numpy() as ArrayLike<number>, Number);
}

describe("batch norm: fused passes equal the tensor-op formula on the JS kernels", () => {
  let saved: Backend;
  before(() => {
    saved = backend();
    setBackend(jsBackend);
  });
  after(() => setBackend(saved));

  const cases: [number[], boolean][] = [[[4, 3, 5, 6], true], [[6, 5], true], [[3, 4, 7], false], [[2, 8, 3, 3], true]];
  for (const dtype of [torch.float32, torch.float64] as DType[])
    for (const [shape, affine] of cases)
      test(`${dtype.name} ${JSON.stringify(shape)} affine ${affine}: output, running statistics, and gradients of x, weight and bias`, () => {
        torch.manualSeed(21);
        const channels = shape[1];
        const x = torch.randn(shape, { dtype }).mul(2).add(0.3).requiresGrad_(true);
        const w = affine ? torch.randn([channels], { dtype }).requiresGrad_(true) : null;
        const b = affine ? torch.randn([channels], { dtype }).requiresGrad_(true) : null;
        const g = torch.randn(shape, { dtype });
        const rm = torch.zeros([channels], { dtype }), rv = torch.ones([channels], { dtype });
        const out = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true, eps: 1e-3 });
        const ref = composite(x.detach(), w?.detach() ?? null, b?.detach() ?? null, 1e-3, g);
        assert.deepEqual(bits(out), bits(ref.out), "output");
        const count = x.numel() / channels;
        assert.deepEqual(bits(rm), bits(torch.zeros([channels], { dtype }).mul_(0.9).add_(ref.mean.mul(0.1))), "running mean");
        assert.deepEqual(bits(rv), bits(torch.ones([channels], { dtype }).mul_(0.9).add_(ref.variance.mul((0.1 * count) / (count - 1)))), "running variance");

        out.backward(g);
        assert.deepEqual(bits(x.grad), bits(ref.gx), "input gradient");
        if (affine) {
          assert.deepEqual(bits((w as Tensor).grad), bits(ref.gw), "weight gradient");
          assert.deepEqual(bits((b as Tensor).grad), bits(ref.gb), "bias gradient");
        }

        // The recorded backward (createGraph) gives the fused values too, and stays differentiable.
        const [gx] = torch.autograd.grad(F.batchNorm(x, null, null, { weight: w, bias: b, training: true, eps: 1e-3 }), [x], {
          gradOutputs: g,
          createGraph: true,
        });
        assert.deepEqual(bits(gx), bits(x.grad), "createGraph input gradient");
        assert.ok((gx as Tensor).gradFn !== null, "the recorded gradient has a graph");
      });

  test("eval mode uses the running statistics through the fused output pass", () => {
    torch.manualSeed(22);
    const x = torch.randn([5, 4, 3, 3]);
    const rm = torch.randn([4]), rv = torch.rand([4]).add(0.5), w = torch.randn([4]), b = torch.randn([4]);
    const out = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false });
    const shape = [1, 4, 1, 1];
    const ref = x.sub(rm.view(shape)).mul(rv.view(shape).add(1e-5).rsqrt()).mul(w.view(shape)).add(b.view(shape));
    assert.deepEqual(bits(out), bits(ref));
  });
});
