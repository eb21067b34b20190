/**
 * Seed 000: "A Simple Example" of autograd — y = 2xᵀx, Python control flow, head gradients.
 *
 * Exceptions to a verbatim port (also listed in test/seeds.test.ts):
 * - `torch.autograd.Variable` is PyTorch-legacy: `Variable(t, requires_grad=True)` gives a tensor
 *   that requires grad, so the port writes `t.requiresGrad_()`, and `Variable(t)` is `t`. Cell
 *   `In [3]`, which displays the `Variable` class itself, is not ported.
 * - `In [14]` draws `a = torch.randn(size=(1,))`; the port and the fixture script both use the
 *   fixed value the notebook printed, `0.1136`, so outputs compare exactly.
 * - Object addresses (`<MulBackward0 object at 0x...>`) differ from run to run; the test
 *   compares them normalized.
 */
import * as torch from "kindling";
import type { Tensor } from "kindling";
import type { Seed } from "./print.js";

interface State {
  x: Tensor;
  y: Tensor;
  f: (a: Tensor) => Tensor;
  a: Tensor;
  d: Tensor;
}

export const seed: Seed<State> = {
  name: "000_2ad9a60a1f9166f6",
  title: "A Simple Example (Variable, control flow, head gradients)",
  newState: () => ({}) as State,
  cells: [
    {
      id: "In [1]",
      // `import torch; from torch.autograd import Variable`: the imports are at the top of this
      // module, and a tensor is its own Variable.
      run: () => {},
    },
    {
      id: "In [2]",
      run: ({ print }, s) => {
        s.x = torch.arange(4, { dtype: torch.float32 }).reshape([4, 1]).requiresGrad_();
        print(s.x); // creates (4X1) vector which elements are Real number
      },
    },
    {
      id: "In [3]",
      exception: "displays the legacy class torch.autograd.Variable, which Kindling does not have (a tensor is its own Variable)",
    },
    {
      id: "In [4]",
      run: ({ print }, s) => {
        s.y = torch.mm(s.x.t(), s.x).mul(2); // y is a scalar
        print(s.y);
      },
    },
    {
      id: "In [5]",
      run: (_, s) => {
        s.y.backward(); // can automatically find the gradient with this function
      },
    },
    {
      id: "In [6]",
      run: ({ print }, s) => {
        print("x.grad:", s.x.grad); // y_gradient = 4x, which makes (0,4,8,12)
        print("x.grad_fn:", s.x.gradFn);
        print("y.grad_fn:", s.y.gradFn);
      },
    },
    {
      id: "In [7]",
      run: ({ print }, s) => {
        print(s.x.grad!.sub(s.x.mul(4)).norm().item() === 0);
        print(s.x.grad); // Note that gradient of y is shown by x.grad
      },
    },
    {
      id: "In [8]",
      run: ({ print }, s) => {
        print(s.x.grad!.sub(s.x.mul(4)));
      },
    },
    {
      id: "In [9]",
      run: ({ print }, s) => {
        print(s.x.grad!.sub(s.x.mul(4)).norm());
      },
    },
    {
      id: "In [10]",
      run: ({ print }, s) => {
        print(s.y);
      },
    },
    {
      id: "In [11]",
      run: ({ print }, s) => {
        s.x = torch.arange(4, { dtype: torch.float32 }).reshape([4, 1]);
        s.y = torch.mm(s.x.t(), s.x).mul(2);
        print(s.y);
        // s.y.backward() would throw: element 0 of tensors does not require grad and does not have a grad_fn
      },
    },
    {
      id: "In [12]",
      run: ({ print }, s) => {
        s.x = torch.arange(4, { dtype: torch.float32 }).reshape([4, 1]).requiresGrad_(false);
        s.y = torch.mm(s.x.t(), s.x).mul(2);
        print(s.y);
      },
    },
    {
      id: "In [13]",
      run: (_, s) => {
        s.f = (a) => {
          let b = a.mul(2);
          while (b.norm().item() < 1000) b = b.mul(2);
          return b.sum().item() > 0 ? b : b.mul(100);
        };
      },
    },
    {
      id: "In [14]",
      run: ({ print }, s) => {
        // Fixed in place of torch.randn(size=(1,)), the value the notebook drew.
        s.a = torch.tensor([0.1136]);
        print(s.a);
        s.a.requiresGrad = true; // to use Autograd
        s.d = s.f(s.a);
        s.d.backward();
      },
    },
    {
      id: "In [15]",
      run: ({ print }, s) => {
        print("a.grad:", s.a.grad);
        print("a.grad_fn:", s.a.gradFn);
        print("d.grad_fn:", s.d.gradFn);
      },
    },
    {
      id: "In [16]",
      run: ({ print }, s) => {
        print(s.a.grad!.eq(s.d.div(s.a)));
      },
    },
    {
      id: "In [17]",
      run: ({ print }, s) => {
        s.x = torch.tensor([[0], [1], [2], [3]], { requiresGrad: true });
        s.y = s.x.mul(2);
        const z = s.y.mul(s.x);
        const headGradient = torch.tensor([[10], [1], [0.1], [0.01]]);
        z.backward(headGradient);
        print(s.x.grad);
      },
    },
    {
      id: "In [18]",
      run: ({ print }, s) => {
        s.x = torch.tensor([[0], [1], [2], [3]], { requiresGrad: true });
        s.y = s.x.mul(2);
        const z = s.y.mul(s.x);
        const headGradient = torch.onesLike(s.y); // default usage (1,1,1,1)
        z.backward(headGradient);
        print(s.x.grad);
      },
    },
  ],
};
