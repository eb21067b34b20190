/**
 * Built-in docs: `torch.help` shows the TSDoc of Kindling's exports, extracted at build time
 * into src/docs/generated.ts by scripts/genDocs.ts (`npm run docs`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as torch from "../src/index.js";
import { OUTPUT, generateDocs } from "../scripts/genDocs.js";

const quiet = { print: (): void => {} };

test("src/docs/generated.ts is up to date with the sources' TSDoc (run `npm run docs`)", () => {
  const committed = readFileSync(new URL(`../${OUTPUT}`, import.meta.url), "utf8");
  assert.ok(committed === generateDocs(), `${OUTPUT} is out of date: run \`npm run docs\``);
});

test("help(torch.ldexp) shows Python's header, the signature, the summary and the example", () => {
  const text = torch.help(torch.ldexp, quiet);
  const lines = text.split("\n");
  assert.equal(lines[0], "Help on function ldexp in module torch:");
  assert.equal(lines[2], "ldexp(input: Tensor, other: Tensor): Tensor");
  assert.match(text, /^ {4}Scales `input` by powers of two: `out = input \* 2 \*\* other`/m);
  assert.match(text, /^ {4}Parameters:\n {8}input: the mantissas\./m);
  assert.match(text, /^ {4}Example:\n {8}torch\.ldexp\(/m);
});

test("help finds namespace members, methods, classes and instances by identity, and paths by name", () => {
  assert.match(torch.help(torch.linalg.vectorNorm, quiet), /^Help on function vectorNorm in module torch\.linalg:\n\nvectorNorm\(x: Tensor, ord: number = 2/);
  assert.match(torch.help(torch.ones(2).ldexp, quiet), /^Help on method Tensor\.ldexp in module torch:\n\nldexp\(other: Tensor\): Tensor/);
  const linear = torch.help(torch.nn.Linear, quiet);
  assert.match(linear, /^Help on class Linear in module torch\.nn:\n\nclass Linear\(Module\)\n/);
  assert.match(linear, /^ \| {2}Methods defined here:$/m);
  assert.match(linear, /^ \| {2}forward\(input: Tensor\): Tensor$/m);
  assert.match(torch.help(torch.zeros(1), quiet), /^Help on class Tensor in module torch:/);
  assert.equal(torch.help("torch.linalg.matrixNorm", quiet), torch.help(torch.linalg.matrixNorm, quiet));
  assert.equal(torch.help(() => 0, quiet), "No Kindling documentation found for an anonymous function.");
});

test("help prints its text through the given print (console.log by default)", () => {
  const printed: string[] = [];
  const text = torch.help(torch.ldexp, { print: (t) => printed.push(t) });
  assert.deepEqual(printed, [text]);
});
