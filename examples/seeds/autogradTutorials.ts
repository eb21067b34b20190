/**
 * Seed 004: "2.5. Automatic Differentiation" (d2l, then the Korean PyTorch tutorials) — dot
 * products, detach, external gradients, binary cross-entropy with logits, accumulation with
 * retain_graph.
 *
 * Cells keep the notebook's labels, in the notebook's order (it ran `In [40]`, `In [41]`
 * before `In [38]`).
 *
 * Exceptions to a verbatim port (also listed in test/seeds.test.ts):
 * - `In [11]` builds `torchvision.models.resnet18(pretrained=True)`: Kindling downloads no
 *   weights, so the model keeps torchvision's random initialization (`resnet18()` from
 *   `kindling/vision`; `resnet18({ weights })` loads a converted checkpoint). Its `torch.rand`
 *   inputs stay random: these cells print nothing, so their numbers never reach the comparison.
 * - `In [27]` draws `w = torch.randn(5, 3)` and `b = torch.randn(3)`; the port and the fixture
 *   script both use fixed values, so outputs compare exactly.
 * - Object addresses differ from run to run; the test compares them normalized.
 */
import * as torch from "kindling";
import type { Tensor } from "kindling";
import { type ResNet, resnet18 } from "kindling/vision";
import type { Seed } from "./print.js";

interface State {
  x: Tensor;
  y: Tensor;
  u: Tensor;
  model: ResNet;
  data: Tensor;
  labels: Tensor;
  prediction: Tensor;
  optim: torch.optim.SGD;
  a: Tensor;
  b: Tensor;
  Q: Tensor;
  externalGrad: Tensor;
  w: Tensor;
  z: Tensor;
  loss: Tensor;
  inp: Tensor;
  out: Tensor;
}

export const seed: Seed<State> = {
  name: "004_9c66c86ad8bcd270",
  title: "2.5. Automatic Differentiation (d2l and the PyTorch tutorials)",
  newState: () => ({}) as State,
  cells: [
    {
      id: "In [1]",
      run: ({ display }, s) => {
        s.x = torch.arange(4);
        display(s.x);
      },
    },
    {
      id: "In [2]",
      run: ({ display }, s) => {
        s.x.requiresGrad_(true); // Same as `x = torch.arange(4, { requiresGrad: true })`
        display(s.x.grad); // The default value is None
      },
    },
    {
      id: "In [3]",
      run: ({ display }, s) => {
        s.y = torch.dot(s.x, s.x).mul(2);
        display(s.y);
      },
    },
    {
      id: "In [4]",
      run: ({ display }, s) => {
        s.y.backward();
        display(s.x.grad); // y = 2 xᵀx, so dy/dx = 4x
      },
    },
    {
      id: "In [5]",
      run: ({ display }, s) => {
        display(s.x.grad!.eq(s.x.mul(4)));
      },
    },
    {
      id: "In [6]",
      run: ({ display }, s) => {
        // PyTorch accumulates the gradient by default, so clear the previous values
        s.x.grad!.zero_();
        s.y = s.x.sum();
        s.y.backward();
        display(s.x.grad);
      },
    },
    {
      id: "In [7]",
      run: ({ display }, s) => {
        // Backward of a non-scalar needs a `gradient` argument; summing first is the same as
        // passing ones: s.y.backward(torch.ones(s.x.shape[0]))
        s.x.grad!.zero_();
        s.y = s.x.mul(s.x);
        s.y.sum().backward();
        display(s.x.grad);
      },
    },
    {
      id: "In [8]",
      run: ({ display }, s) => {
        s.x.grad!.zero_();
        const z = s.x.mul(s.x).mul(s.x);
        z.sum().backward();
        display(s.x.grad); // d(x³)/dx = 3x²
      },
    },
    {
      id: "In [9]",
      run: ({ display }, s) => {
        s.x.grad!.zero_();
        s.y = s.x.mul(s.x);
        s.u = s.y.detach();
        const z = s.u.mul(s.x);
        z.sum().backward();
        display(s.x.grad); // u is a constant, so dz/dx = u
      },
    },
    {
      id: "In [10]",
      run: ({ display }, s) => {
        display(s.u);
      },
    },
    {
      id: "In [11]",
      exception: "resnet18 keeps its random initialization: pretrained weights are not downloaded",
      run: (_, s) => {
        s.model = resnet18();
        s.data = torch.rand([1, 3, 64, 64]);
        s.labels = torch.rand([1, 1000]);
      },
    },
    {
      id: "In [12]",
      run: (_, s) => {
        s.prediction = s.model.call(s.data); // forward pass
      },
    },
    {
      id: "In [13]",
      run: (_, s) => {
        s.loss = s.prediction.sub(s.labels).sum();
        s.loss.backward(); // backward pass
      },
    },
    {
      id: "In [14]",
      run: (_, s) => {
        s.optim = new torch.optim.SGD(s.model.parameters(), { lr: 1e-2, momentum: 0.9 });
      },
    },
    {
      id: "In [15]",
      run: (_, s) => {
        s.optim.step(); // gradient descent
      },
    },
    {
      id: "In [16]",
      run: (_, s) => {
        s.a = torch.tensor([2, 3], { requiresGrad: true });
        s.b = torch.tensor([6, 4], { requiresGrad: true });
      },
    },
    {
      id: "In [17]",
      run: (_, s) => {
        s.Q = s.a.pow(3).mul(3).sub(s.b.pow(2));
      },
    },
    {
      id: "In [18]",
      run: ({ display }, s) => {
        display(s.Q);
      },
    },
    {
      id: "In [19]",
      run: (_, s) => {
        // The gradient of l(Q) = Q.sum() with respect to Q: ones.
        s.externalGrad = torch.tensor([1, 1]);
      },
    },
    {
      id: "In [20]",
      run: (_, s) => {
        s.Q.backward(s.externalGrad); // the same as Q.sum().backward()
      },
    },
    {
      id: "In [21]",
      run: ({ display }, s) => {
        display(s.a.grad);
      },
    },
    {
      id: "In [22]",
      run: ({ display }, s) => {
        display(s.b.grad);
      },
    },
    {
      id: "In [23]",
      run: ({ display }, s) => {
        display(s.a.pow(2).mul(9)); // dQ/da = 9a²
      },
    },
    {
      id: "In [24]",
      run: ({ display }, s) => {
        display(s.b.mul(-2)); // dQ/db = -2b
      },
    },
    {
      id: "In [27]",
      run: (_, s) => {
        s.x = torch.ones(5); // input tensor
        s.y = torch.zeros(3); // expected output

        // fixed in place of torch.randn(5, 3) and torch.randn(3)
        s.w = torch.tensor(
          [
            [1.5410, -0.2934, -2.1788],
            [0.5684, -1.0845, -1.3986],
            [0.4033, 0.8380, -0.7193],
            [-0.4033, -0.5966, 0.1820],
            [-0.8567, 1.1006, -1.0712],
          ],
          { requiresGrad: true },
        );
        s.b = torch.tensor([0.1227, -0.5663, 0.3731], { requiresGrad: true });

        s.z = torch.matmul(s.x, s.w).add(s.b); // z = xW + b
        s.loss = torch.nn.functional.binaryCrossEntropyWithLogits(s.z, s.y);
      },
    },
    {
      id: "In [28]",
      run: ({ print }, s) => {
        print("Gradient function for z =", s.z.gradFn);
        print("Gradient function for loss =", s.loss.gradFn);
      },
    },
    {
      id: "In [31]",
      run: ({ print }, s) => {
        s.loss.backward();
        print(s.w.grad);
        print(s.b.grad);
      },
    },
    {
      id: "In [32]",
      run: ({ print }, s) => {
        s.z = torch.matmul(s.x, s.w).add(s.b);
        print(s.z.requiresGrad);

        // A forward pass only: no need to track gradients
        s.z = torch.noGrad(() => torch.matmul(s.x, s.w).add(s.b));
        print(s.z.requiresGrad);
      },
    },
    {
      id: "In [33]",
      run: ({ print }, s) => {
        s.z = torch.matmul(s.x, s.w).add(s.b);
        const zDet = s.z.detach();
        print(zDet.requiresGrad);
      },
    },
    {
      id: "In [37]",
      run: (_, s) => {
        s.inp = torch.eye(5, { requiresGrad: true });
        s.out = s.inp.add(1).pow(2);
      },
    },
    {
      id: "In [40]",
      run: ({ display }, s) => {
        display(s.inp);
      },
    },
    {
      id: "In [41]",
      run: ({ display }, s) => {
        display(s.out);
      },
    },
    {
      id: "In [38]",
      run: ({ print }, s) => {
        // out = (inp + 1)², so d(out)/d(inp) = 2 (inp + 1): 4 on the diagonal, 2 elsewhere
        s.out.backward(torch.onesLike(s.inp), { retainGraph: true });
        print("First call\n", s.inp.grad);
        s.out.backward(torch.onesLike(s.inp), { retainGraph: true });
        print("\nSecond call\n", s.inp.grad); // gradients accumulate
      },
    },
    {
      id: "In [39]",
      run: ({ print }, s) => {
        s.inp.grad!.zero_(); // zero the gradient before backward so that it does not accumulate
        s.out.backward(torch.onesLike(s.inp), { retainGraph: true });
        print("\nCall after zeroing gradients\n", s.inp.grad);
      },
    },
  ],
};
