"""PyTorch's side of the bench: the same workloads as bench/kindling.ts, timed the same way.

    /usr/bin/python3 bench/torch_bench.py --threads=1 [--budget=1000]

bench/run.ts starts it with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS set to the
thread count as well. Prints one line `BENCH_RESULT <json>` (see bench/harness.ts).
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

args = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "true") for a in sys.argv[1:] if a.startswith("--"))
threads = int(args.get("threads", "1"))
budget_ms = float(args.get("budget", "1000"))
torch.set_num_threads(threads)

GEMM_SIZES = [64, 256, 512, 1024]
CONV = dict(n=4, c=32, h=28, w=28, k=3)
ELEMENTWISE = 1_000_000


def time_it(fn):
    """Per-call ms of each sample; mirrors timeIt in bench/harness.ts."""
    now = lambda: time.perf_counter() * 1000.0
    t0 = now()
    fn()
    first = now() - t0
    if first > 1000:
        t0 = now()
        fn()
        return [now() - t0], 1
    iters = max(1, round(budget_ms / 10 / max(first, 1e-3)))
    warm_end = now() + min(300, budget_ms / 4)
    while now() < warm_end:
        fn()
    probe = min(iters, 50)
    t0 = now()
    for _ in range(probe):
        fn()
    steady = (now() - t0) / probe
    per = max(1, round(budget_ms / 10 / max(steady, 1e-4)))
    samples = []
    end = now() + budget_ms
    while len(samples) < 15 and (len(samples) < 3 or now() < end):
        t0 = now()
        for _ in range(per):
            fn()
        samples.append((now() - t0) / per)
    return samples, per


def measurement(timed, unit, flops=0.0):
    samples, iters = timed
    if unit == "GFLOPS":
        conv = lambda ms: flops / (ms * 1e6)
    elif unit.startswith("µs"):
        conv = lambda ms: ms * 1000.0
    else:
        conv = lambda ms: ms
    values = [conv(s) for s in samples]
    return {"value": statistics.median(values), "unit": unit, "samples": values, "iters": iters}


results = {}


def attempt(key, f):
    try:
        results[key] = f()
    except Exception as e:  # keep the other workloads
        results[key] = {"na": f"failed: {e}"}
    r = results[key]
    sys.stderr.write(f"  {key}: {r['na'] if 'na' in r else '%.4g %s' % (r['value'], r['unit'])}\n")


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad.mul(lr))
    for p in params:
        p.grad.zero_()


torch.manual_seed(0)


def w1():
    x = torch.ones(2, 2, requires_grad=True)

    def step():
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        x.grad.zero_()

    return measurement(time_it(step), "µs/iter")


def w2():
    l1, l2 = torch.nn.Linear(1000, 100), torch.nn.Linear(100, 10)
    params = [*l1.parameters(), *l2.parameters()]
    x, t = torch.randn(16, 1000), torch.randn(16, 10)

    def step():
        p = l2(torch.relu(l1(x)))
        loss = ((t - p) ** 2).sum()
        loss.backward()
        sgd_step(params, 1e-3)

    return measurement(time_it(step), "µs/step")


def w3():
    l1, l2, l3 = torch.nn.Linear(784, 512), torch.nn.Linear(512, 512), torch.nn.Linear(512, 10)
    params = [*l1.parameters(), *l2.parameters(), *l3.parameters()]
    x = torch.randn(128, 784)
    labels = torch.randint(0, 10, (128,))

    def step():
        h = torch.relu(l2(torch.relu(l1(x))))
        F.cross_entropy(l3(h), labels).backward()
        sgd_step(params, 1e-2)

    return measurement(time_it(step), "ms/step")


def w4(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: measurement(time_it(lambda: torch.mm(a, b)), "GFLOPS", 2.0 * n**3)


def w5():
    n, c, h, w, k = (CONV[key] for key in "nchwk")
    x = torch.randn(n, c, h, w, requires_grad=True)
    weight = (torch.randn(c, c, k, k) * 0.1).requires_grad_()

    def step():
        F.conv2d(x, weight, padding=1).sum().backward()
        x.grad.zero_()
        weight.grad.zero_()

    return measurement(time_it(step), "ms/iter")


attempt("W1", w1)
attempt("W2", w2)
attempt("W3", w3)
for n in GEMM_SIZES:
    attempt(f"W4 n={n}", w4(n))
attempt("W5", w5)
a, b = torch.randn(ELEMENTWISE), torch.randn(ELEMENTWISE)
attempt("W6 add", lambda: measurement(time_it(lambda: torch.add(a, b)), "ms"))
attempt("W6 exp", lambda: measurement(time_it(lambda: torch.exp(a)), "ms"))
results["W7"] = {"na": "n/a (not run: no Kindling counterpart yet)"}
results["W8"] = {"na": "n/a (not run: no Kindling counterpart yet)"}

config = torch.__config__.show()
blas = "OpenBLAS" if "openblas" in config.lower() else ("MKL" if "mkl" in config.lower() else "unknown")
print(
    "BENCH_RESULT "
    + json.dumps(
        {
            "system": f"torch-{threads}t",
            "label": f"PyTorch {torch.__version__} {threads}t",
            "threads": torch.get_num_threads(),
            "info": {"torch": torch.__version__, "blas": blas, "python": sys.version.split()[0]},
            "results": results,
        }
    ),
    flush=True,
)
