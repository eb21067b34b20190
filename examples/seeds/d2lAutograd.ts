/**
 * Seed 002: "2.5 Automatic Differentiation" (notes on Dive into Deep Learning) — a linear layer
 * with squared loss, gradient accumulation, non-scalar backward, detach, control flow.
 *
 * The notebook has no execution counts, so cells are named `In [None] #k`, the k-th code cell.
 *
 * Exceptions to a verbatim port (also listed in test/seeds.test.ts):
 * - `#9` draws `a = torch.randn(size=())`; the port and the fixture script both use a fixed value.
 * - `#10` (`dir(torch.linalg)`) and `#11` (`help(torch.ldexp)`) print Python's module
 *   attributes and docstring, which Kindling's text cannot equal: the port lists the namespace's
 *   exports with `Object.keys` and shows Kindling's own docs with `torch.help` (from its TSDoc);
 *   the test compares what the two outputs share instead of the text.
 */
import * as torch from "kindling";
import type { Tensor } from "kindling";
import type { Seed } from "./print.js";

interface State {
  x: Tensor;
  w: Tensor;
  y: Tensor;
  yR: Tensor;
  sumedGrad: Tensor;
}

export const seed: Seed<State> = {
  name: "002_9427e356a9522d94",
  title: "2.5 Automatic Differentiation (d2l notes)",
  newState: () => ({}) as State,
  cells: [
    {
      id: "In [None] #1",
      run: ({ print }, s) => {
        // requiresGrad controls whether the gradient of a tensor is calculated
        s.x = torch.tensor([[1], [2]], { requiresGrad: true });
        // The same as setting requiresGrad_ later:
        // x = torch.tensor([[1], [2]]); x.requiresGrad_(true)
        s.w = torch.tensor([[0.5, 0.5]], { requiresGrad: true });
        const b = torch.tensor(0.1, { requiresGrad: true });
        const y = s.w.matmul(s.x).add(b);
        // Gradients are disabled by default for tensors created by torch.tensor
        const z = torch.tensor(1.0);
        const loss = y.sub(z).pow(2);
        // Use backpropagation to compute gradients: dl/dw = 2 (y - z) xᵀ = [1.2, 2.4]
        loss.backward();

        print(torch.f`Gradient of w:\t${s.w.grad}`);
        // flattened gradient of x only for display
        print(torch.f`Gradient of x:\t${s.x.grad!.flatten()}`);
        print(torch.f`Gradient of b:\t${b.grad}`);
        // gradient disabled, so is None
        print(torch.f`Gradient of z:\t${z.grad}`);
      },
    },
    {
      id: "In [None] #2",
      run: ({ print }, s) => {
        print(torch.f`w gradient after previous calculation \t${s.w.grad}\n`);
        // some calculation
        let result = s.w.sum();
        result.backward();
        print(torch.f`Result value: \t${result}`);
        print(torch.f`Accumulated w gradient: \t${s.w.grad} \n`);

        // the same calculation again: result is unchanged, but the gradient of w accumulates
        result = s.w.sum();
        result.backward();
        print(torch.f`Result value iter2: \t${result}`);
        print(torch.f`Accumulated w gradient iter2: \t${s.w.grad}`);
      },
    },
    {
      id: "In [None] #3",
      run: ({ print }, s) => {
        s.w.grad!.zero_();

        let result = s.w.sum();
        result.backward();
        print(torch.f`Result value: \t${result}`);
        print(torch.f`Accumulated w gradient: \t${s.w.grad} \n`);

        // If we reset the gradient, both results should agree
        s.w.grad!.zero_();
        result = s.w.sum();
        result.backward();
        print(torch.f`Result value iter2: \t${result}`);
        print(torch.f`Accumulated w gradient iter2: \t${s.w.grad} \n`);
      },
    },
    {
      id: "In [None] #4",
      run: ({ print }, s) => {
        s.x = torch.tensor([[1], [2]], { requiresGrad: true });
        s.w = torch.tensor([0.5, 0.5], { requiresGrad: true });
        s.yR = s.w.index(0).mul(s.x).add(s.w.index(1).mul(s.x));
        print(torch.f`Shape of y_r: ${s.yR.shape}`);
        // Directly calling backward on yR would throw: grad can be implicitly created only for scalar outputs
      },
    },
    {
      id: "In [None] #5",
      run: ({ print }, s) => {
        // set gradient to be a 1 vector that matches the shape of y
        s.yR.backward(torch.ones([2, 1]));
        print(torch.f`Sum of gradient: ${s.w.grad}`);
        s.sumedGrad = s.w.grad!;
      },
    },
    {
      id: "In [None] #6",
      run: ({ print, display }, s) => {
        s.x = torch.tensor([[1], [2]], { requiresGrad: true });
        s.w = torch.tensor([0.5, 0.5], { requiresGrad: true });
        s.yR = s.w.index(0).mul(s.x).add(s.w.index(1).mul(s.x));
        s.yR.index(0).backward();
        const pY0PW = s.w.grad!.clone();
        print(pY0PW);

        // Clear gradient.
        s.x.grad!.zero_();
        s.w.grad!.zero_();
        s.yR = s.w.index(0).mul(s.x).add(s.w.index(1).mul(s.x));
        s.yR.index(1).backward();
        const pY1PW = s.w.grad!.clone();
        print(pY1PW);

        // gradient results are the same
        display(pY1PW.add(pY0PW).eq(s.sumedGrad));
      },
    },
    {
      id: "In [None] #7",
      run: ({ print }, s) => {
        s.x.grad!.zero_();
        s.y = s.x.mul(s.x);
        const u = s.y.detach();
        const z = u.mul(s.x);
        // computation x * x is not included in computing the gradient
        z.sum().backward();
        print(s.x.grad!.eq(u));
      },
    },
    {
      id: "In [None] #8",
      run: ({ print }, s) => {
        s.x.grad!.zero_();
        // calculation of y can still be backpropagated explicitly
        s.y.sum().backward();
        print(s.x.grad!.eq(s.x.mul(2)));
      },
    },
    {
      id: "In [None] #9",
      run: ({ display }) => {
        const f = (a: Tensor): Tensor => {
          let b = a.mul(2);
          while (b.norm().item() < 1000) b = b.mul(2);
          return b.sum().item() > 0 ? b : b.mul(100);
        };

        const a = torch.tensor(0.8138, { requiresGrad: true }); // fixed in place of torch.randn(size=())
        const d = f(a);
        d.backward();
        display(a.grad!.eq(d.div(a)));
      },
    },
    {
      id: "In [None] #10",
      exception: "dir() lists a Python module's attributes; the port lists the namespace's exports, in TypeScript's casing",
      run: ({ print }) => {
        // dir(torch.linalg): in TypeScript, a namespace's exports are its keys
        for (const name of Object.keys(torch.linalg)) print(name);
      },
    },
    {
      id: "In [None] #11",
      exception: "help() prints a Python docstring; the port prints Kindling's own docs, written from its TSDoc",
      run: ({ print }) => {
        // help(torch.ldexp): prints through `print` here (console.log by default) and returns the text
        torch.help(torch.ldexp, { print });
      },
    },
  ],
};
