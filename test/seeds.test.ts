/**
 * The seed walkthroughs (examples/seeds), cell by cell, against what PyTorch 1.13 prints for the
 * same cells: test/fixtures/seeds.json, written by `/usr/bin/python3 scripts/fixtures/seeds.py`.
 *
 * Each seed runs once, its cells in order on one state as in a notebook; each cell is a test
 * comparing its printed text with PyTorch's exactly, after one normalization: object addresses
 * (`<MulBackward0 object at 0x7f...>`) differ from run to run and are compared as `0xADDR`.
 *
 * Stated exceptions (each also commented in the example and in the fixture script):
 * - random inputs (`torch.randn`, `torch.rand`) are fixed values, the same in the port and in
 *   the fixture script, so outputs compare exactly;
 * - cells not ported, skipped here with their reason: the legacy `Variable` class display
 *   (seed 000 `In [3]`), `%matplotlib inline` (seed 003 `#1`; the port saves each cell's
 *   figure as a PNG instead, and does not display `plt.plot`'s returned list of lines);
 * - seed 002's `dir(torch.linalg)` and `help(torch.ldexp)` (`#10`, `#11`) print Python's module
 *   attributes and docstring, which Kindling's text cannot equal; their ports list
 *   `Object.keys(torch.linalg)` and print `torch.help(torch.ldexp)`, and `SHARED` checks what
 *   both outputs must share instead of the text;
 * - seed 004's `resnet18(pretrained=True)` (`In [11]`) keeps its random initialization, as
 *   no weights are downloaded; its cells `In [11]`–`In [15]` print nothing, in both;
 * - seed 003's TinyModel gets fixed weights in place of its random initialization, and its
 *   `optimizer.zeroGrad({ setToNone: false })` spells out PyTorch 1.x's default, which the
 *   notebook relies on;
 * - seed 003's blank exercise cells (`#13`–`#15`) are filled in with the answers they ask for;
 * - node names are 1.13's except `NormBackward1`, which the fixture maps to the seed's
 *   `NormBackward0` (see the fixture script).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { runSeed } from "../examples/seeds/print.js";
import { seeds } from "../examples/seeds/runAll.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/seeds.json", import.meta.url), "utf8")) as Record<
  string,
  Record<string, string>
>;

/** Cells that differ from PyTorch because of a known library gap or bug: seed → cell → why. */
const TODO: Record<string, Record<string, string>> = {
  "003_363cdd448c3cd977": {
    // After the SGD step the weights are no longer short binary fractions, so float32 sums
    // depend on their order: Kindling's 1000-term dot products round differently from
    // OpenBLAS's sgemm, and the bias gradient accumulated over six backward passes prints
    // -9.492206573486328 (PyTorch: -9.492204666137695; in float64 it is -9.49220645860914).
    "In [None] #25": "float32 summation order: the accumulated bias gradient differs from PyTorch's in the last 2 ulp",
  },
};

/** Snake case of a lowerCamelCase name: Python's spelling of a Kindling name. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Cells whose text cannot be PyTorch's (stated exceptions): seed → cell → a check of what the
 * Kindling output and PyTorch's (from the fixture) must share.
 */
const SHARED: Record<string, Record<string, (kindling: string, python: string) => void>> = {
  "002_9427e356a9522d94": {
    // dir(torch.linalg): every exported name is one of PyTorch's, in TypeScript's casing.
    "In [None] #10": (kindling, python) => {
      const names = kindling.trimEnd().split("\n");
      const pythonNames = new Set([...python.matchAll(/'(\w+)'/g)].map((m) => m[1]));
      for (const name of ["vectorNorm", "matrixNorm", "norm", "cross"]) assert.ok(names.includes(name), `linalg exports ${name}`);
      for (const name of names) assert.ok(pythonNames.has(snakeCase(name)), `torch.linalg has ${snakeCase(name)} (Kindling's ${name})`);
    },
    // help(torch.ldexp): Python's header, the same parameter names, and the example's result.
    "In [None] #11": (kindling, python) => {
      const [header, , signature] = kindling.split("\n");
      assert.equal(header, python.split("\n")[0].replace("built-in ", ""));
      const params = /ldexp\((\w+), (\w+), \*/.exec(python)!.slice(1);
      assert.equal(signature, `ldexp(${params[0]}: Tensor, ${params[1]}: Tensor): Tensor`);
      assert.match(kindling, /^ {4}Scales `input` by powers of two: `out = input \* 2 \*\* other`/m);
      const result = "tensor([ 2.,  4.,  8., 16.])";
      assert.ok(python.includes(result) && kindling.includes(`torch.tensor([1n, 2n, 3n, 4n])); // ${result}`));
    },
  },
};

function normalizeAddresses(text: string): string {
  return text.replace(/0x[0-9a-f]+/gi, "0xADDR");
}

for (const seed of seeds) {
  describe(`seed ${seed.name}: ${seed.title}`, () => {
    const expected = fixture[seed.name];
    const results = runSeed(seed);

    test("every ported cell has PyTorch's output in the fixture, and only those", () => {
      const ported = results.filter((r) => r.output !== null).map((r) => r.id);
      assert.deepEqual(ported, Object.keys(expected));
    });

    for (const result of results) {
      if (result.output === null) {
        test(result.id, { skip: `not ported: ${result.exception}` }, () => {});
        continue;
      }
      const shared = SHARED[seed.name]?.[result.id];
      test(result.id, { todo: TODO[seed.name]?.[result.id] }, () => {
        if (result.error !== undefined) throw result.error;
        if (shared) shared(result.output!, expected[result.id]);
        else assert.equal(normalizeAddresses(result.output!), expected[result.id]);
      });
    }
  });
}
