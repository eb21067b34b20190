/**
 * Seed 003: "Lab 5 – Autograd" (after PyTorch's autograd video tutorial) — sin over a linspace,
 * walking `nextFunctions`, a tiny model's training step, turning autograd off and on.
 *
 * The notebook has no execution counts, so cells are named `In [None] #k`, the k-th code cell.
 *
 * Plots go through `torch.utils.plot` (matplotlib's pyplot words): where Jupyter shows a
 * cell's figure inline, the port saves it as `out/seeds/003_<cell>.png` (git-ignored).
 *
 * Exceptions to a verbatim port (also listed in test/seeds.test.ts):
 * - `#1` (`%matplotlib inline`) is a Jupyter command, not Python, and is not ported; `showInline`
 *   does its work (each cell's figure is shown — here saved — and closed when the cell ends).
 * - Jupyter also displays the value of a cell's last expression; in `#5` and `#11` that is
 *   `plt.plot(...)`'s list of lines (`[<matplotlib.lines.Line2D at 0x...>]`), which the port
 *   does not display and the fixture script (which does not plot) does not print.
 * - The exercise cells `#13`–`#15` are blank in the notebook, which leaves `#16`
 *   (`x.grad == 2 * x`) without an `x`; the port (and the fixture script) fills in the answers
 *   the questions ask for, so `#16` runs.
 * - Random inputs are fixed values, the same in the port and in the fixture script: `#17`'s
 *   `torch.randn` inputs and the layers' random initialization become `fixed(...)` patterns
 *   (small dyadic fractions, exact in float32), and `#31`'s `torch.rand(5)` fixed numbers.
 * - `#25` calls `optimizer.zeroGrad({ setToNone: false })`: the notebook was written for
 *   PyTorch 1.x, whose `zero_grad()` zero-fills the gradients (the fixture's 1.13 does); from
 *   2.0 on (and in Kindling) the default sets them to None, and the cell's next line would fail.
 * - Object addresses differ from run to run; the test compares them normalized.
 *
 * Python's `2 * b` is `b.__rmul__(2)`, that is `b.mul(2)`: written that way (not
 * `torch.mul(2, b)`), the graph's `nextFunctions` list the edges in PyTorch's order (`#10`).
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as torch from "kindling";
import type { Tensor } from "kindling";
import { savefig } from "kindling/utils/plot/node";
import type { Seed } from "./print.js";

const plt = torch.utils.plot;

/** Where the cells' figures are saved: `out/seeds/` at the repository's root. */
const FIGURES = new URL("../../out/seeds/", import.meta.url);

/**
 * What Jupyter's inline backend does at the end of a cell that plotted: shows the figure (here,
 * saves it as `out/seeds/003_<cell>.png`) and closes it, so the next cell starts a new one.
 */
function showInline(cell: string): void {
  mkdirSync(FIGURES, { recursive: true });
  savefig(fileURLToPath(new URL(`003_${cell}.png`, FIGURES)));
  plt.close();
}

/**
 * Values in place of random ones: `((i * a + j * b) mod m - (m - 1) / 2) / scale` at row i,
 * column j, small multiples of a power of two, so exact in float32.
 */
function fixed(rows: number, cols: number, a: number, b: number, m: number, scale: number): Tensor {
  const i = torch.arange(rows).reshape(rows, 1);
  const j = torch.arange(cols);
  return torch.remainder(i.mul(a).add(j.mul(b)), m).sub((m - 1) / 2).div(scale);
}

/** The notebook's `TinyModel` (cell `#17`): 1000 inputs, a hidden ReLU layer of 100, 10 outputs. */
class TinyModel extends torch.nn.Module {
  layer1 = new torch.nn.Linear(1000, 100);
  relu = new torch.nn.ReLU();
  layer2 = new torch.nn.Linear(100, 10);

  override forward(x: Tensor): Tensor {
    x = this.layer1.call(x);
    x = this.relu.call(x);
    x = this.layer2.call(x);
    return x;
  }
}

interface State {
  someInput: Tensor;
  idealOutput: Tensor;
  model: TinyModel;
  optimizer: torch.optim.SGD;
  prediction: Tensor;
  loss: Tensor;
  a: Tensor;
  b: Tensor;
  c: Tensor;
  d: Tensor;
  out: Tensor;
  x: Tensor;
  y: Tensor;
}

export const seed: Seed<State> = {
  name: "003_363cdd448c3cd977",
  title: "Lab 5 – Autograd",
  newState: () => ({}) as State,
  cells: [
    { id: "In [None] #1", exception: "%matplotlib inline is a Jupyter command; showInline saves each cell's figure" },
    {
      id: "In [None] #2",
      // `import torch, matplotlib.pyplot as plt, math`: torch and plt are imported at the top of
      // this module, and JavaScript's Math has pi.
      run: () => {},
    },
    {
      id: "In [None] #3",
      run: ({ print }, s) => {
        s.a = torch.linspace(0, 2 * Math.PI, 25, { requiresGrad: true });
        print(s.a);
      },
    },
    {
      id: "In [None] #4",
      // Q1. What would happen if requiresGrad is not set to true?
      run: () => {},
    },
    {
      id: "In [None] #5",
      run: (_, s) => {
        s.b = torch.sin(s.a);
        plt.plot(s.a.detach(), s.b.detach()); // can't call plot on tensors that require grads. Detach them first
        showInline("5");
      },
    },
    {
      id: "In [None] #6",
      run: ({ print }, s) => {
        print(s.b);
      },
    },
    {
      id: "In [None] #7",
      // Q2. What does the argument grad_fn=<SinBackward0> indicate here?
      run: () => {},
    },
    {
      id: "In [None] #8",
      run: ({ print }, s) => {
        s.c = s.b.mul(2);
        print(torch.f`c = ${s.c}`);

        s.d = s.c.add(1);
        print(torch.f`d = ${s.d}`);
      },
    },
    {
      id: "In [None] #9",
      run: ({ print }, s) => {
        s.out = s.d.sum();
        print(s.out);
      },
    },
    {
      id: "In [None] #10",
      run: ({ print }, s) => {
        const { a, b, c, d } = s;
        print("d:");
        print(d.gradFn);
        print(d.gradFn!.nextFunctions);
        print(d.gradFn!.nextFunctions[0][0]!.nextFunctions);
        print(d.gradFn!.nextFunctions[0][0]!.nextFunctions[0][0]!.nextFunctions);
        print(d.gradFn!.nextFunctions[0][0]!.nextFunctions[0][0]!.nextFunctions[0][0]!.nextFunctions);
        print("\nc:");
        print(c.gradFn);
        print("\nb:");
        print(b.gradFn);
        print("\na:");
        print(a.gradFn);
      },
    },
    {
      id: "In [None] #11",
      run: ({ print }, s) => {
        // out = Σ (2 sin(a) + 1), so d(out)/da = 2 cos(a)
        s.out.backward();
        print(s.a.grad);
        plt.plot(s.a.detach(), s.a.grad!.detach());
        showInline("11");
      },
    },
    {
      id: "In [None] #12",
      // Q3. What is the range of values of the gradients for this function?
      run: () => {},
    },
    {
      id: "In [None] #13",
      run: (_, s) => {
        // Q4. Create a tensor containing the numbers 0 to 4 (5 floats) and set it to keep track
        // of the history of the computation in the output tensors
        s.x = torch.arange(5, { requiresGrad: true });
      },
    },
    {
      id: "In [None] #14",
      run: ({ print }, s) => {
        // Q5. Create a new tensor y to be the dot product of x on itself. Use torch.dot()
        s.y = torch.dot(s.x, s.x);
        print(s.y);
        // Q6. Calculate the gradient of y with respect to x by calling the function for backpropagation
        s.y.backward();
        // Q7. Print the gradient
        print(s.x.grad);
      },
    },
    {
      id: "In [None] #15",
      run: (_, s) => {
        // Q8. Are the gradients consistent with what you would expect from differentiating y = x^2?
        // Q9. Plot the graph for x and its gradients
        plt.plot(s.x.detach(), s.x.grad!.detach());
        showInline("15");
      },
    },
    {
      id: "In [None] #16",
      run: ({ display }, s) => {
        // Q10. What function is dy/dx based on the plot? Verify further by running this code.
        display(s.x.grad!.eq(s.x.mul(2)));
      },
    },
    {
      id: "In [None] #17",
      run: (_, s) => {
        const BATCH_SIZE = 16;
        const DIM_IN = 1000;
        const DIM_OUT = 10;

        s.someInput = fixed(BATCH_SIZE, DIM_IN, 7, 3, 5, 4); // in place of torch.randn(BATCH_SIZE, DIM_IN)
        s.idealOutput = fixed(BATCH_SIZE, DIM_OUT, 3, 5, 7, 8); // in place of torch.randn(BATCH_SIZE, DIM_OUT)

        s.model = new TinyModel();
        // fixed in place of the layers' random initialization
        torch.noGrad(() => {
          s.model.layer1.weight.copy_(fixed(100, 1000, 11, 13, 9, 256));
          s.model.layer1.bias!.copy_(fixed(1, 100, 0, 5, 7, 64).index(0));
          s.model.layer2.weight.copy_(fixed(10, 100, 3, 7, 11, 64));
          s.model.layer2.bias!.copy_(fixed(1, 10, 0, 3, 5, 32).index(0));
        });
      },
    },
    {
      id: "In [None] #18",
      // Q11. How many input units does this NN have?
      // Q12. How many output units does it have?
      // Q13. How many hidden layers does it have?
      run: () => {},
    },
    {
      id: "In [None] #19",
      run: ({ print }, { model }) => {
        print(torch.f`Layer2 sample weights = \n${model.layer2.weight.index(0).index("0:10")}`); // just a small slice
        print(torch.f`Layer2 sample bias = \n${model.layer2.bias!.index(0)}`); // just one bias

        print("\nGradients:");
        print(torch.f`Weights = ${model.layer2.weight.grad}`);
        print(torch.f`Bias = ${model.layer2.bias!.grad}`);
      },
    },
    {
      id: "In [None] #20",
      // Q14. Why are the gradients 'None' for the sample weights and bias?
      run: () => {},
    },
    {
      id: "In [None] #21",
      run: ({ print }, s) => {
        s.optimizer = new torch.optim.SGD(s.model.parameters(), { lr: 0.001 });

        s.prediction = s.model.call(s.someInput);

        s.loss = s.idealOutput.sub(s.prediction).pow(2).sum(); // MSE
        print(s.loss);
      },
    },
    {
      id: "In [None] #22",
      run: ({ print }, { loss, model }) => {
        loss.backward();
        // Print the parameters
        print("Parameters:");
        print(torch.f`Layer2 sample weights = ${model.layer2.weight.index(0).index("0:10")}`);
        print(torch.f`Layer2 sample bias = ${model.layer2.bias!.index(0)}`);

        // Print the gradients
        print("\nGradients:");
        print(torch.f`Layer2 sample weight gradients = ${model.layer2.weight.grad!.index(0).index("0:10")}`);
        print(torch.f`Layer2 sample bias gradient = ${model.layer2.bias!.grad!.index(0)}`);
      },
    },
    {
      id: "In [None] #23",
      // Q15. Are the sample weights and bias the same as before the loss is backpropagated?
      // Q16. Are the gradients of the sample weights and bias the same as before?
      run: () => {},
    },
    {
      id: "In [None] #24",
      run: ({ print }, { optimizer, model }) => {
        optimizer.step();
        print("Parameter updates:");
        print(torch.f`Layer2 weights = ${model.layer2.weight.index(0).index("0:10")}`);
        print(torch.f`Layer2 bias = ${model.layer2.bias!.index(0)}`);

        print("\nGradients:");
        print(torch.f`Layer2 weight gradients = ${model.layer2.weight.grad!.index(0).index("0:10")}`);
        print(torch.f`Layer2 bias gradients = ${model.layer2.bias!.grad!.index(0)}`);
      },
    },
    {
      id: "In [None] #25",
      run: ({ print }, s) => {
        const { model } = s;
        print(torch.f`Layer2 some weights: \n${model.layer2.weight.index(0).index("0:10")}`);
        print(torch.f`Layer2 one bias: ${model.layer2.bias!.index(0)}`);

        for (let i = 0; i < 5; i++) {
          s.prediction = model.call(s.someInput);
          s.loss = s.idealOutput.sub(s.prediction).pow(2).sum();
          s.loss.backward();
        }

        print("\nAfter a few iterations of training:");
        print(torch.f`Layer2 some weights GRADs: \n${model.layer2.weight.grad!.index(0).index("0:10")}`);
        print(torch.f`Layer2 one bias GRAD: ${model.layer2.bias!.grad!.index(0)}`);

        // PyTorch 1.x's default: zero-fill (2.x, and Kindling, default to setting them to None).
        s.optimizer.zeroGrad({ setToNone: false });

        print("\nAfter resetting gradients:");
        print(torch.f`Layer2 some weights = ${model.layer2.weight.grad!.index(0).index("0:10")}`);
        print(torch.f`Layer2 one bias = ${model.layer2.bias!.grad!.index(0)}`);
      },
    },
    {
      id: "In [None] #26",
      // Q17. Why are the gradients after running loss.backward() multiple times much bigger?
      run: () => {},
    },
    {
      id: "In [None] #27",
      run: ({ print }) => {
        const a = torch.ones(2, 3, { requiresGrad: true });
        print(torch.f`a = ${a}`);

        const b1 = a.mul(2);
        print(torch.f`b1 = ${b1}`);

        a.requiresGrad = false;
        const b2 = a.mul(2);
        print(torch.f`b2 = ${b2}`);
      },
    },
    {
      id: "In [None] #28",
      run: ({ print }) => {
        const a = torch.ones(2, 3, { requiresGrad: true }).mul(2);
        const b = torch.ones(2, 3, { requiresGrad: true }).mul(3);

        const c1 = a.add(b);
        print(torch.f`c1: \n${c1}`);

        const c2 = torch.noGrad(() => a.add(b));
        print(torch.f`c2: \n${c2}`);

        const c3 = a.mul(b);
        print(torch.f`c3: \n${c3}`);
      },
    },
    {
      id: "In [None] #29",
      // Q18. Can we do differentiation on computations on c1? Why?
      // Q19. Can we do differentiation on computations on c2? Why?
      // Q20. Can we do differentiation on computations on c3? Why?
      run: () => {},
    },
    {
      id: "In [None] #30",
      run: ({ print }) => {
        const addTensors1 = (x: Tensor, y: Tensor): Tensor => x.add(y);
        // @torch.no_grad() as a decorator
        const addTensors2 = torch.noGrad.wrap((x: Tensor, y: Tensor): Tensor => x.add(y));

        const a = torch.ones(2, 3, { requiresGrad: true }).mul(2);
        const b = torch.ones(2, 3, { requiresGrad: true }).mul(3);

        const c1 = addTensors1(a, b);
        print(c1);

        const c2 = addTensors2(a, b);
        print(c2);
      },
    },
    {
      id: "In [None] #31",
      run: ({ print }) => {
        // fixed in place of torch.rand(5, requires_grad=True)
        const x = torch.tensor([0.4963, 0.7682, 0.0885, 0.132, 0.3074], { requiresGrad: true });
        const y = x.detach();

        print(x);
        print(y);
      },
    },
  ],
};
