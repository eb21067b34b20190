"""PyTorch's side of the bench: the workloads of bench/kindling.ts, timed the same way.

    /usr/bin/python3 bench/torch_bench.py --threads=1 [--budget=500] [--only=W1,W4]

bench/run.ts starts it with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS set to the
thread count too. Timing loop and output lines mirror bench/harness.ts.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

args = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "true") for a in sys.argv[1:] if a.startswith("--"))
threads = int(args.get("threads", "1"))
budget_ms = float(args.get("budget", "500"))
only = args["only"].split(",") if "only" in args else None
torch.set_num_threads(threads)

GEMM_SIZES = [64, 256, 512, 1024]
CONV = dict(n=8, c=64, h=32, w=32, out=64, k=3, padding=1)
ELEMENTWISE = 1_000_000
RESNET = (8, 3, 64, 64)


def now():
    return time.perf_counter() * 1000.0


def time_it(fn):
    """Per-call ms of each sample by wall clock and by process CPU time; the schedule of timeIt in bench/harness.ts."""
    samples, cpu_samples = [], []

    def sample(iters):
        c0, t0 = time.process_time(), now()
        for _ in range(iters):
            fn()
        samples.append((now() - t0) / iters)
        cpu_samples.append((time.process_time() - c0) * 1000.0 / iters)

    sample(1)
    first = samples[0]
    if first > 10 * budget_ms:
        return samples, cpu_samples, 1
    samples.clear()
    cpu_samples.clear()
    if first > budget_ms:
        sample(1)
        while len(samples) < 3 and (len(samples) + 1) * first < 2000:
            sample(1)
        return samples, cpu_samples, 1
    warm_end = now() + min(1000, max(300, budget_ms))
    calls = 0
    t0 = now()
    while now() < warm_end or calls == 0:
        fn()
        calls += 1
    steady = (now() - t0) / calls
    iters = max(1, round(budget_ms / 10 / max(steady, 1e-4)))
    end = now() + budget_ms
    while len(samples) < 20 and (len(samples) < 5 or now() < end):
        sample(iters)
    return samples, cpu_samples, iters


def measure(fn, unit, flops=0.0):
    samples, cpu_samples, iters = time_it(fn)
    if unit == "GFLOPS":
        conv = lambda ms: flops / (ms * 1e6)
    elif unit.startswith("µs"):
        conv = lambda ms: ms * 1000.0
    else:
        conv = lambda ms: ms
    values = [conv(ms) for ms in samples]
    return {
        "value": statistics.median(values),
        "unit": unit,
        "samples": values,
        "iters": iters,
        "cpu": statistics.median(conv(ms) for ms in cpu_samples),
    }


def run(key, f):
    if only is not None and not any(key == o or key.startswith(o + " ") for o in only):
        return
    try:
        r = f()
    except Exception as e:  # one failed workload must not lose the others
        r = {"na": f"failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}"}
    sys.stderr.write(f"  {key}: {r['na'] if 'na' in r else '%.4g %s' % (r['value'], r['unit'])}\n")
    print("BENCH_RESULT " + json.dumps({"key": key, "result": r}), flush=True)


def train_step(model, opt, x, loss):
    def step():
        loss(model(x)).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)  # PyTorch 2's default, and what Kindling's zeroGrad does

    return step


class BasicBlock(nn.Module):
    """torchvision's resnet BasicBlock (torchvision is not installed next to Debian's torch)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


def resnet18():
    layers, cin = [], 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
        cin = cout
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1),
        *layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000),
    )


def w1():
    x = torch.ones(2, 2, requires_grad=True)

    def step():
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        x.grad.zero_()

    return measure(step, "µs/iter")


def w2():
    model = nn.Sequential(nn.Linear(1000, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, target = torch.randn(16, 1000), torch.randn(16, 10)
    return measure(train_step(model, opt, x, lambda p: (target - p).pow(2).sum()), "µs/step")


def w3():
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    x, labels = torch.randn(128, 784), torch.randint(0, 10, (128,))
    return measure(train_step(model, opt, x, lambda logits: F.cross_entropy(logits, labels)), "ms/step")


def w4(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: measure(lambda: torch.mm(a, b), "GFLOPS", 2.0 * n**3)


def w5():
    x = torch.randn(CONV["n"], CONV["c"], CONV["h"], CONV["w"], requires_grad=True)
    conv = nn.Conv2d(CONV["c"], CONV["out"], CONV["k"], padding=CONV["padding"])

    def step():
        conv(x).sum().backward()
        x.grad = None
        conv.zero_grad(set_to_none=True)

    return measure(step, "ms/iter")


def w7():
    model = resnet18()
    x, labels = torch.randn(*RESNET), torch.randint(0, 1000, (RESNET[0],))

    def step():
        F.cross_entropy(model(x), labels).backward()
        model.zero_grad(set_to_none=True)

    return measure(step, "ms/iter")


torch.manual_seed(0)
run("W1", w1)
run("W2", w2)
run("W3", w3)
for n in GEMM_SIZES:
    run(f"W4 n={n}", w4(n))
run("W5", w5)
a, b = torch.randn(ELEMENTWISE), torch.randn(ELEMENTWISE)
run("W6 add", lambda: measure(lambda: torch.add(a, b), "ms"))
run("W6 exp", lambda: measure(lambda: torch.exp(a), "ms"))
run("W7", w7)

# Debian's torch is built against the generic BLAS interface; the library that serves it is
# whichever libblas.so.3 the system's alternatives point at, so read it off the process's maps.
torch.mm(torch.ones(64, 64), torch.ones(64, 64))
with open("/proc/self/maps") as maps:
    libs = {line.split()[-1].split("/")[-1] for line in maps if "blas" in line.lower()}
blas = "OpenBLAS" if any("openblas" in lib for lib in libs) else ", ".join(sorted(libs)) or "unknown BLAS"
print(
    "BENCH_INFO "
    + json.dumps(
        {
            "label": f"PyTorch {torch.__version__} {threads}t",
            "threads": torch.get_num_threads(),
            "info": {"torch": torch.__version__, "blas": blas, "python": sys.version.split()[0]},
        }
    ),
    flush=True,
)
