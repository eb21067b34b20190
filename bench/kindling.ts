/**
 * Kindling's side of the bench, one process per configuration (bench/run.ts starts them,
 * compiled, on dist/); from the sources:
 *   node --conditions=source --import tsx bench/kindling.ts --backend=js|native [--threads=N] [--budget=ms] [--only=W1,W4]
 * Written as a user would: nn modules, F, optim.SGD. Protocol: bench/harness.ts.
 */
import * as torch from "kindling";
import type { Tensor } from "kindling";
import { resnet18 } from "kindling/vision";
import { BenchProcess, SIZES, parseArgs } from "./harness.js";

const { nn, optim, F } = torch;
const args = parseArgs(process.argv.slice(2));
const native = args.get("backend") === "native";
const threads = Number(args.get("threads") ?? 1);
const bench = new BenchProcess(process.argv.slice(2));

if (native && !torch.backends.available().includes("native")) process.exit(2); // the Node entry said why
torch.backends.use(native ? "native" : "js");
torch.setNumThreads(threads);
torch.manualSeed(0);

/** One training step: forward, loss, backward, SGD update, grads set to null (as PyTorch 2's zero_grad). */
function trainStep(model: torch.nn.Module, opt: torch.optim.SGD, x: Tensor, loss: (out: Tensor) => Tensor): () => void {
  return () => {
    loss(model.call(x) as Tensor).backward();
    opt.step();
    opt.zeroGrad({ setToNone: true });
  };
}

await bench.run("W1", () => {
  const x = torch.ones([2, 2], { requiresGrad: true });
  return bench.time(() => {
    const y = x.add(2);
    const z = y.mul(y).mul(3);
    const out = z.mean();
    out.backward();
    x.grad!.zero_();
  }, "µs/iter");
});

await bench.run("W2", () => {
  const model = new nn.Sequential(new nn.Linear(1000, 100), new nn.ReLU(), new nn.Linear(100, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 1e-3 });
  const x = torch.randn([16, 1000]), target = torch.randn([16, 10]);
  return bench.time(trainStep(model, opt, x, (p) => target.sub(p).pow(2).sum()), "µs/step");
});

await bench.run("W3", () => {
  const model = new nn.Sequential(
    new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10),
  );
  const opt = new optim.SGD(model.parameters(), { lr: 1e-2 });
  const x = torch.randn([128, 784]), labels = torch.randint(0, 10, [128]);
  return bench.time(trainStep(model, opt, x, (logits) => F.crossEntropy(logits, labels)), "ms/step");
});

for (const n of SIZES.gemm)
  await bench.run(`W4 n=${n}`, () => {
    const a = torch.randn([n, n]), b = torch.randn([n, n]);
    return bench.time(() => void a.mm(b), "GFLOPS", 2 * n ** 3);
  });

await bench.run("W5", () => {
  const { n, c, h, w, out, k, padding } = SIZES.conv;
  const x = torch.randn([n, c, h, w], { requiresGrad: true });
  const conv = new nn.Conv2d(c, out, k, { padding });
  return bench.time(() => {
    conv.call(x).sum().backward();
    x.grad = null;
    conv.zeroGrad({ setToNone: true });
  }, "ms/iter");
});

{
  const a = torch.randn([SIZES.elementwise]), b = torch.randn([SIZES.elementwise]);
  await bench.run("W6 add", () => bench.time(() => void a.add(b), "ms"));
  await bench.run("W6 exp", () => bench.time(() => void a.exp(), "ms"));
}

await bench.run("W7", () => {
  const model = resnet18();
  const { n, c, h, w } = SIZES.resnet;
  const x = torch.randn([n, c, h, w]), labels = torch.randint(0, 1000, [n]);
  return bench.time(() => {
    F.crossEntropy(model.call(x) as Tensor, labels).backward();
    model.zeroGrad({ setToNone: true });
  }, "ms/iter");
});

bench.info(native ? `Kindling native ${threads}t` : "Kindling JS", native ? torch.getNumThreads() : 1, {
  backend: `${torch.backends.current()}${native ? ` (${torch.backends.isa()})` : ""}`,
});
