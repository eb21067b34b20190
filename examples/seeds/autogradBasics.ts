/**
 * Seed 001: "Autograd: automatic differentiation" — requires_grad, grad_fn, backward, a
 * Jacobian row by row, vector-Jacobian products, no_grad and detach.
 *
 * Exceptions to a verbatim port (also listed in test/seeds.test.ts):
 * - `In [2]`: Python's `torch.tensor([2, 2])` is int64; JavaScript numbers are not, so the port
 *   writes bigints, `torch.tensor([2n, 2n])`.
 * - `In [7]` and `In [10]` draw `torch.randn`; the port and the fixture script both use fixed
 *   values (for `In [10]`, the values the notebook drew, read back from its printed `y / 1024`),
 *   so outputs compare exactly.
 * - Object addresses differ from run to run; the test compares them normalized.
 */
import * as torch from "kindling";
import type { Tensor } from "kindling";
import type { Seed } from "./print.js";

interface State {
  x: Tensor;
  y: Tensor;
  out: Tensor;
}

export const seed: Seed<State> = {
  name: "001_d05cf99b83adf1b4",
  title: "Autograd: automatic differentiation",
  newState: () => ({}) as State,
  cells: [
    {
      id: "In [1]",
      // `import torch; import itertools as it`: the imports are at the top of this module.
      run: () => {},
    },
    {
      id: "In [2]",
      run: ({ print, display }, s) => {
        // Tensors initialized with data do not have their gradients computed automatically
        s.x = torch.tensor([2n, 2n]);
        print(s.x);
        display(s.x.requiresGrad);
      },
    },
    {
      id: "In [3]",
      run: ({ print }, s) => {
        s.x = torch.ones(2, 2, { requiresGrad: true });
        print(s.x);
      },
    },
    {
      id: "In [4]",
      run: ({ print }, s) => {
        s.y = s.x.add(2);
        print(s.y);
      },
    },
    {
      id: "In [5]",
      run: ({ print }, s) => {
        // Because y was created as a result of an operation with a tensor
        // whose gradient is being tracked, it has a function associated with it
        print(s.y.gradFn);
        // The tensor we created does not
        print(s.x.gradFn);
      },
    },
    {
      id: "In [6]",
      run: ({ print }, s) => {
        const z = s.y.mul(s.y).mul(3);
        s.out = z.mean();
        print(z); // print(z, out, sep='\n')
        print(s.out);
      },
    },
    {
      id: "In [7]",
      run: ({ print }) => {
        // .requiresGrad_() changes a tensor's requiresGrad flag in place (note the post-fixed '_')
        let a = torch.tensor([[0.5, -1.5], [2.0, 0.25]]); // fixed in place of torch.randn(2, 2)
        a = a.mul(3).div(a.sub(1));
        print(a.requiresGrad);
        a.requiresGrad_(true);
        print(a.requiresGrad);
        const b = a.mul(a).sum();
        print(b.gradFn);
      },
    },
    {
      id: "In [8]",
      run: ({ print }, s) => {
        // backprop through a single scalar using the .backward() method
        print(s.out);
        s.out.backward();
      },
    },
    {
      id: "In [9]",
      run: ({ print }, s) => {
        // out = mean(3 (x + 2)²), so d(out)/dx = 6 (x + 2) / 4 = 4.5 at x = 1
        print(s.x);
        print(s.x.grad);
      },
    },
    {
      id: "In [10]",
      run: ({ print }, s) => {
        // The Jacobian of y = 2ⁿ x, row by row: 2ⁿ times the identity.
        s.x = torch.tensor([1.0857597, 0.4240102, 1.3494254], { requiresGrad: true }); // fixed in place of torch.randn(3)
        s.y = s.x.mul(2);
        while (s.y.data.norm().item() < 1000) s.y = s.y.mul(2);
        print(s.y); // print(y, end='\n\n')
        print();

        const J: Tensor[] = [];
        for (let i = 0; i < s.y.shape[0]; i++) {
          s.y.index(i).backward(null, { retainGraph: true });
          J.push(s.x.grad!.clone());
          s.x.grad!.zero_(); // gradients accumulate, so zero them each time
        }
        print(torch.stack(J));
      },
    },
    {
      id: "In [11]",
      run: ({ print }, s) => {
        // Dot product of gradient with the vector v
        s.x.grad!.zero_();
        const v = torch.tensor([0.1, 1.0, 0.0001], { dtype: torch.float });
        s.y.backward(v, { retainGraph: true });
        print(s.x.grad);
      },
    },
    {
      id: "In [12]",
      run: ({ print }, s) => {
        // You can stop autograd from tracking history on Tensors with a context manager
        print(s.x.requiresGrad);
        print(s.x.pow(2).requiresGrad);
        torch.noGrad(() => {
          print(s.x.pow(2).requiresGrad);
        });
      },
    },
    {
      id: "In [13]",
      run: ({ print }, s) => {
        // or we can get a copy of the tensor that does not require gradients
        print(s.x.requiresGrad);
        s.y = s.x.detach();
        print(s.y.requiresGrad);
        print(s.x.eq(s.y).all());
      },
    },
  ],
};
