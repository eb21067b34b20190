/**
 * Runs the five seed walkthroughs, ported to TypeScript, and prints each cell's output under
 * its notebook label. This is `npm start`:
 *
 *     node --conditions=source --import tsx examples/seeds/runAll.ts
 *
 * test/seeds.test.ts runs the same cells and compares their output with PyTorch's.
 */
import { pathToFileURL } from "node:url";
import { type CellResult, type Seed, runSeed } from "./print.js";
import { seed as simpleAutograd } from "./simpleAutograd.js";
import { seed as autogradBasics } from "./autogradBasics.js";
import { seed as d2lAutograd } from "./d2lAutograd.js";
import { seed as autogradLab } from "./autogradLab.js";
import { seed as autogradTutorials } from "./autogradTutorials.js";

/** The seeds in the order of their files in shared/seeds. */
export const seeds: Seed[] = [simpleAutograd, autogradBasics, d2lAutograd, autogradLab, autogradTutorials];

/** A cell's result as a notebook shows it: the label, then what it printed. */
export function formatCell(result: CellResult): string {
  if (result.output === null) return `${result.id}: (not ported: ${result.exception})\n`;
  let text = `${result.id}:\n${result.output}`;
  if (result.error !== undefined) {
    const e = result.error;
    text += `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`;
  }
  return text;
}

/** Runs every seed and writes its cells to stdout; returns how many cells threw. */
export function main(): number {
  let failures = 0;
  for (const seed of seeds) {
    process.stdout.write(`\n===== ${seed.name}: ${seed.title}\n\n`);
    for (const result of runSeed(seed)) {
      if (result.error !== undefined) failures++;
      process.stdout.write(formatCell(result) + "\n");
    }
  }
  return failures;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const failures = main();
  if (failures > 0) {
    process.stderr.write(`${failures} cell(s) threw; see above.\n`);
    process.exitCode = 1;
  }
}
