/**
 * nn.utils.clipGradNorm_ and clipGradValue_ against PyTorch (test/fixtures/nnUtils.json, from
 * scripts/fixtures/nnUtils.py): three float64 parameters, the last without a gradient; the
 * returned total norm and the gradients after clipping.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as torch from "../../src/index.js";

type Value = number | string;
interface Case {
  kind: "norm" | "value";
  options: { max_norm?: number; norm_type?: Value; clip_value?: number };
  before: Value[][];
  after: Value[][];
  total: number | null;
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/nnUtils.json", import.meta.url), "utf8")) as { cases: Case[] };
const SHAPES = [[3], [2, 4], [5]];
const num = (v: Value): number => (typeof v === "number" ? v : Number(v.replace("inf", "Infinity")));

function close(actual: number[], expected: Value[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - num(e)) <= 1e-12 + 1e-12 * Math.abs(num(e)), `${what}[${i}]: ${actual[i]} vs ${e}`));
}

for (const c of fixture.cases)
  test(`clip_grad_${c.kind}_ ${JSON.stringify(c.options)}`, () => {
    const params = SHAPES.map((s) => new torch.nn.Parameter(torch.zeros(s, { dtype: torch.float64 })));
    c.before.forEach((g, i) => (params[i].grad = torch.tensor(g.map(num), { dtype: torch.float64 }).reshape(SHAPES[i])));
    if (c.kind === "norm") {
      const total = torch.nn.utils.clipGradNorm_(params, c.options.max_norm as number, {
        normType: c.options.norm_type === undefined ? undefined : num(c.options.norm_type),
      });
      close([total.item()], [c.total as number], "total norm");
    } else torch.nn.utils.clipGradValue_(params, c.options.clip_value as number);
    c.after.forEach((g, i) => close(Array.from(params[i].grad?.numpy() ?? []), g, `gradient ${i}`));
    assert.equal(params[2].grad, null);
  });

test("no gradients: a zero norm, nothing to scale", () => {
  assert.equal(torch.nn.utils.clipGradNorm_([new torch.nn.Parameter(torch.ones(2))], 1).item(), 0);
});
