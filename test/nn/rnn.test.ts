/**
 * nn.RNN, nn.LSTM and nn.GRU against PyTorch (test/fixtures/rnn.json, written by
 * scripts/fixtures/rnn.py): seeded initialization, printed form, and for each case in float64
 * the outputs, their node names, and the gradients of the input, the initial states and every
 * parameter of sum(output·w₀) + sum(h_n·w₁) (+ sum(c_n·w₂)).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

interface Encoded {
  shape: number[];
  values: number[];
}
type Kind = "RNN" | "LSTM" | "GRU";
type PyOptions = Record<string, number | boolean | string>;
interface Case {
  name: string;
  kind: Kind;
  options: PyOptions;
  state: Record<string, Encoded>;
  input: Encoded;
  states: Encoded[];
  outputs: Encoded[];
  gradFns: string[];
  weights: Encoded[];
  inputGrad: Encoded;
  stateGrads: Encoded[];
  paramGrads: Record<string, Encoded>;
  repr: string;
}
interface InitCase {
  kind: Kind;
  options: PyOptions;
  seed: number;
  state: Record<string, Encoded>;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/rnn.json", import.meta.url), "utf8")) as { init: InitCase[]; cases: Case[] };
const f64 = { dtype: torch.float64 };

const tensorOf = (e: Encoded, dtype = torch.float64): Tensor => torch.tensor(e.values, { dtype }).reshape(e.shape);

/** The layer PyTorch built, from its keyword arguments. */
function build(kind: Kind, o: PyOptions, dtype?: torch.DType): torch.nn.Module {
  const options = {
    numLayers: o.num_layers as number | undefined,
    bias: o.bias as boolean | undefined,
    batchFirst: o.batch_first as boolean | undefined,
    bidirectional: o.bidirectional as boolean | undefined,
    dtype,
  };
  const [inputSize, hiddenSize] = [o.input_size as number, o.hidden_size as number];
  if (kind === "LSTM") return new torch.nn.LSTM(inputSize, hiddenSize, options);
  if (kind === "GRU") return new torch.nn.GRU(inputSize, hiddenSize, options);
  return new torch.nn.RNN(inputSize, hiddenSize, { ...options, nonlinearity: o.nonlinearity as "tanh" | "relu" | undefined });
}

function close(actual: Tensor, expected: Encoded, what: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = actual.detach().numpy();
  expected.values.forEach((e, i) => {
    if (!(Math.abs(a[i] - e) <= 1e-12 + 1e-10 * Math.abs(e))) assert.fail(`${what}: element ${i} is ${a[i]}, PyTorch gives ${e}`);
  });
}

describe("recurrent layers", () => {
  for (const c of fixture.init)
    test(`${c.kind} starts with PyTorch's seeded parameters`, () => {
      torch.manualSeed(c.seed);
      const layer = build(c.kind, c.options);
      const state = layer.stateDict();
      assert.deepEqual([...state.keys()], Object.keys(c.state));
      for (const [key, e] of Object.entries(c.state)) close(state.get(key) as Tensor, { ...e, values: e.values.map(Math.fround) }, key);
    });

  for (const c of fixture.cases)
    test(c.name, () => {
      const layer = build(c.kind, c.options, torch.float64);
      assert.equal(String(layer), c.repr);
      layer.loadStateDict(new Map(Object.entries(c.state).map(([k, e]) => [k, tensorOf(e)])));
      const x = tensorOf(c.input).requiresGrad_();
      const states = c.states.map((s) => tensorOf(s).requiresGrad_());
      let results: Tensor[];
      if (c.kind === "LSTM") {
        const [output, [h, cell]] = (layer as torch.nn.LSTM).call(x, states.length ? [states[0], states[1]] : null);
        results = [output, h, cell];
      } else {
        const [output, h] = (layer as torch.nn.GRU).call(x, states[0] ?? null);
        results = [output, h];
      }
      results.forEach((r, i) => {
        close(r, c.outputs[i], `output ${i}`);
        assert.equal(r.gradFn?.name(), c.gradFns[i], `output ${i} node`);
      });
      results
        .map((r, i) => r.mul(tensorOf(c.weights[i])).sum())
        .reduce((a, b) => a.add(b))
        .backward();
      close(x.grad as Tensor, c.inputGrad, "input gradient");
      states.forEach((s, i) => close(s.grad as Tensor, c.stateGrads[i], `initial state ${i} gradient`));
      for (const [name, p] of layer.namedParameters()) close(p.grad as Tensor, c.paramGrads[name], `${name} gradient`);
    });

  test("float32 layers run on float32 inputs (misuse errors: test/autograd/errors.test.ts)", () => {
    const lstm = new torch.nn.LSTM(3, 2);
    const [out] = lstm.call(torch.randn(4, 1, 3));
    assert.equal(out.dtype, torch.float32);
    assert.equal(new torch.nn.GRU(2, 2, f64).parameters()[0].dtype, torch.float64);
  });
});
