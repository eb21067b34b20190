/**
 * Recurrent layers: `nn.RNN`, `nn.LSTM` and `nn.GRU`, built from differentiable tensor ops (one
 * input projection per layer and direction for the whole sequence, then one step per time
 * point), with PyTorch's parameters (`weight_ih_l0`, `bias_hh_l1_reverse`…), initialization,
 * shapes and output nodes.
 */
import type { Tensor } from "../../core/tensor.js";
import type { DType } from "../../core/dtype.js";
import type { OpDef } from "../../autograd/function.js";
import { anyRequiresGrad, record } from "../../autograd/function.js";
import { empty, zeros } from "../../ops/creation.js";
import { cat, stack } from "../../ops/shape.js";
import { dropout, linear } from "../functional.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { uniform_ } from "../init.js";
import { pyBool } from "./repr.js";
import { warnOnce } from "../../utils/warn.js";

/** Options of the recurrent layers. */
export interface RNNOptions {
  /** Stacked layers, each reading the previous one's outputs (default 1). */
  numLayers?: number;
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Inputs and outputs are (batch, seq, feature) instead of (seq, batch, feature) (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer over the sequence reversed, and concatenate both (default false). */
  bidirectional?: boolean;
  /** dtype of the parameters (default float32). */
  dtype?: DType;
}

/** Options of `nn.RNN`. */
export interface SimpleRNNOptions extends RNNOptions {
  /** The step's nonlinearity (default `"tanh"`). */
  nonlinearity?: "tanh" | "relu";
}

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** PyTorch's RNN and GRU kernels hand batch-first outputs back through this node (LSTM's through TransposeBackward0). */
const TransposeBackward1: OpDef = { name: "TransposeBackward1", backward: (_ctx, g) => [g.transpose(0, 1)] };

function swapSeqBatch(x: Tensor): Tensor {
  const out = x.detach().transpose(0, 1);
  if (anyRequiresGrad(x)) record(TransposeBackward1, [x], out, [], undefined);
  return out;
}

/** What every recurrent layer shares: parameters, shapes and the layer/direction loop. */
abstract class RNNBase extends Module {
  /** The number of features of each input step. */
  readonly inputSize: number;
  /** The number of features of the hidden state. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether biases are learned. */
  readonly bias: boolean;
  /** Whether tensors are (batch, seq, feature). */
  readonly batchFirst: boolean;
  /** Dropout between layers. */
  readonly dropout: number;
  /** Whether each layer also runs backwards. */
  readonly bidirectional: boolean;
  /** @internal Which cell runs each step. */
  readonly mode: Mode;

  constructor(mode: Mode, inputSize: number, hiddenSize: number, options: RNNOptions) {
    super();
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    if (this.dropout < 0 || this.dropout > 1)
      throw new Error("dropout should be a number in range [0, 1] representing the probability of an element being zeroed");
    if (this.dropout > 0 && this.numLayers === 1)
      warnOnce(
        `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${this.dropout} and num_layers=${this.numLayers}`,
      );
    const gates = mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
    const directions = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++)
      for (let direction = 0; direction < directions; direction++) {
        const inSize = layer === 0 ? inputSize : hiddenSize * directions;
        const suffix = `_l${layer}${direction === 1 ? "_reverse" : ""}`;
        const make = (shape: number[]): Parameter => new Parameter(empty(shape, { dtype: options.dtype }));
        this.registerParameter(`weight_ih${suffix}`, make([gates * hiddenSize, inSize]));
        this.registerParameter(`weight_hh${suffix}`, make([gates * hiddenSize, hiddenSize]));
        if (this.bias) {
          this.registerParameter(`bias_ih${suffix}`, make([gates * hiddenSize]));
          this.registerParameter(`bias_hh${suffix}`, make([gates * hiddenSize]));
        }
      }
    this.resetParameters();
  }

  /**
   * Redraws every weight and bias from U(-1/√hidden, 1/√hidden), PyTorch's default, in
   * registration order (so a seeded layer starts with PyTorch's numbers).
   */
  resetParameters(): void {
    const bound = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** The parameters of one layer and direction: weight_ih, weight_hh, bias_ih, bias_hh. */
  private weights(layer: number, direction: number): [Tensor, Tensor, Tensor | null, Tensor | null] {
    const suffix = `_l${layer}${direction === 1 ? "_reverse" : ""}`;
    const named = new Map(this.namedParameters({ recurse: false }));
    const get = (name: string): Tensor | null => named.get(`${name}${suffix}`) ?? null;
    return [get("weight_ih") as Tensor, get("weight_hh") as Tensor, get("bias_ih"), get("bias_hh")];
  }

  /**
   * Runs the layers over a sequence: `input` (seq, batch, inputSize) — batch first with
   * `batchFirst`, or unbatched (seq, inputSize) — from initial states `hx` (one tensor of
   * (layers·directions, batch, hidden), and the cell states too for an LSTM) or zeros.
   * @returns the last layer's outputs at every step and the final states of every layer.
   */
  protected run(input: Tensor, hx: Tensor[] | null): [Tensor, Tensor[]] {
    const unbatched = input.dim() === 2;
    if (input.dim() !== 2 && input.dim() !== 3)
      throw new Error(`${this.constructor.name}: Expected input to be 2D or 3D, got ${input.dim()}D instead`);
    let x = unbatched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
    if (x.size(2) !== this.inputSize) throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${x.size(2)}`);
    const [steps, batch] = [x.size(0), x.size(1)];
    const directions = this.bidirectional ? 2 : 1;
    const stateCount = this.mode === "LSTM" ? 2 : 1;
    const stateShape = [this.numLayers * directions, batch, this.hiddenSize];
    if (unbatched && hx && hx.some((h) => h.dim() !== 2))
      throw new Error(
        this.mode === "LSTM"
          ? `For unbatched 2-D input, hx and cx should also be 2-D but got (${hx[0].dim()}-D, ${hx[1].dim()}-D) tensors`
          : `For unbatched 2-D input, hx should also be 2-D but got ${hx[0].dim()}-D tensor`,
      );
    const initial = (hx ?? []).map((h) => (unbatched ? h.unsqueeze(1) : h));
    initial.forEach((h, k) => {
      if (h.shape.length !== 3 || h.shape.some((s, i) => s !== stateShape[i]))
        throw new Error(
          `Expected hidden${this.mode === "LSTM" ? `[${k}]` : ""} size (${stateShape.join(", ")}), got [${hx?.[k].shape.join(", ")}]`,
        );
    });
    const finals: Tensor[][] = Array.from({ length: stateCount }, () => []);
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let direction = 0; direction < directions; direction++) {
        const k = layer * directions + direction;
        let state = Array.from({ length: stateCount }, (_, s) =>
          initial[s] ? initial[s].select(0, k) : zeros([batch, this.hiddenSize], { dtype: x.dtype }),
        );
        const [wIh, wHh, bIh, bHh] = this.weights(layer, direction);
        // The input projection of every step at once: (seq, batch, gates·hidden).
        const projected = linear(x, wIh, bIh);
        const hs: Tensor[] = new Array<Tensor>(steps);
        for (let i = 0; i < steps; i++) {
          const t = direction === 0 ? i : steps - 1 - i;
          state = this.cell(projected.select(0, t), state, wHh, bHh);
          hs[t] = state[0];
        }
        outputs.push(steps > 0 ? stack(hs) : zeros([0, batch, this.hiddenSize], { dtype: x.dtype }));
        state.forEach((s, j) => finals[j].push(s));
      }
      x = directions === 2 ? cat(outputs, 2) : outputs[0];
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) x = dropout(x, this.dropout, true);
    }
    const states = finals.map((f) => stack(f));
    if (unbatched) return [x.squeeze(1), states.map((s) => s.squeeze(1))];
    if (!this.batchFirst) return [x, states];
    return [this.mode === "LSTM" ? x.transpose(0, 1) : swapSeqBatch(x), states];
  }

  /** One step: the new state(s) from the step's input projection and the previous state(s). */
  private cell(projected: Tensor, state: Tensor[], wHh: Tensor, bHh: Tensor | null): Tensor[] {
    const h = state[0];
    const hidden = linear(h, wHh, bHh);
    switch (this.mode) {
      case "RNN_TANH":
        return [projected.add(hidden).tanh()];
      case "RNN_RELU":
        return [projected.add(hidden).relu()];
      case "LSTM": {
        const [i, f, g, o] = projected.add(hidden).chunk(4, 1);
        const c = f.sigmoid().mul(state[1]).add(i.sigmoid().mul(g.tanh()));
        return [o.sigmoid().mul(c.tanh()), c];
      }
      case "GRU": {
        const [xr, xz, xn] = projected.chunk(3, 1);
        const [hr, hz, hn] = hidden.chunk(3, 1);
        const r = xr.add(hr).sigmoid();
        const z = xz.add(hz).sigmoid();
        const n = xn.add(r.mul(hn)).tanh();
        return [n.add(z.mul(h.sub(n)))];
      }
    }
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/**
 * An Elman recurrent layer (PyTorch's `nn.RNN`): `hₜ = tanh(xₜ W_ihᵀ + b_ih + hₜ₋₁ W_hhᵀ + b_hh)`
 * (or relu). Returns `[output, hN]`: the last layer's hₜ for every step, and every layer's
 * final state.
 * @example
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.call(torch.randn(5, 3, 10)); // (5, 3, 20) and (2, 3, 20)
 */
export class RNN extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: SimpleRNNOptions = {}) {
    super(options.nonlinearity === "relu" ? "RNN_RELU" : "RNN_TANH", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const [output, [hN]] = this.run(input, hx ? [hx] : null);
    return [output, hN];
  }
}

/**
 * A long short-term memory layer (PyTorch's `nn.LSTM`): gates i, f, g, o from
 * `xₜ W_ihᵀ + b_ih + hₜ₋₁ W_hhᵀ + b_hh`, `cₜ = σ(f)·cₜ₋₁ + σ(i)·tanh(g)`, `hₜ = σ(o)·tanh(cₜ)`.
 * Returns `[output, [hN, cN]]`.
 * @example
 * const lstm = new nn.LSTM(10, 20, { batchFirst: true });
 * const [output, [hN, cN]] = lstm.call(torch.randn(3, 5, 10)); // (3, 5, 20), (1, 3, 20), (1, 3, 20)
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const [output, [hN, cN]] = this.run(input, hx);
    return [output, [hN, cN]];
  }
}

/**
 * A gated recurrent unit layer (PyTorch's `nn.GRU`): `r`, `z` gates and the candidate
 * `n = tanh(x W_inᵀ + b_in + r·(h W_hnᵀ + b_hn))`, `hₜ = (1 − z)·n + z·hₜ₋₁`. Returns
 * `[output, hN]`.
 * @example
 * const gru = new nn.GRU(10, 20, { bidirectional: true });
 * const [output, hN] = gru.call(torch.randn(5, 3, 10)); // (5, 3, 40) and (2, 3, 20)
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const [output, [hN]] = this.run(input, hx ? [hx] : null);
    return [output, hN];
  }
}
