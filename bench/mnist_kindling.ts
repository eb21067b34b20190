/**
 * W8 on Kindling: one training epoch of the MNIST example's model on its data
 * (examples/mnist/mnist.ts, the code `npm start` trains with), timed by the wall clock and by
 * the process's CPU time. Prints one `BENCH_RESULT` line (docs/BENCH.md, "W8 scripts"):
 *
 *     node --conditions=source --import tsx bench/mnist_kindling.ts --threads=N
 */
import * as torch from "kindling";
import { loadDigits, makeTrainer, splitDigits, trainEpoch } from "../examples/mnist/mnist.js";
import { parseArgs } from "./harness.js";

const threads = Number(parseArgs(process.argv.slice(2)).get("threads") ?? 1);
torch.setNumThreads(threads);

const trainer = makeTrainer(splitDigits(loadDigits()).train);
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
trainEpoch(trainer);
const wall = (performance.now() - wall0) / 1000;
const cpuUsed = process.cpuUsage(cpu0);
const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
const result = { value: wall, unit: "s", samples: [wall], iters: 1, cpu };
console.log(`BENCH_RESULT ${JSON.stringify({ key: "W8", result })}`);
