/**
 * The optimizer base class (PyTorch's `torch.optim.Optimizer`): parameter groups with their
 * hyper-parameters, per-parameter state, `step`, `zeroGrad` and PyTorch-shaped state dicts.
 */
import { Tensor } from "../core/tensor.js";
import { enableGrad, noGrad } from "../autograd/gradMode.js";
import { warnOnce } from "../utils/warn.js";
import { formatPythonFloat } from "../core/format.js";

/**
 * What every parameter group holds. Optimizers add their hyper-parameters
 * (`momentum`, `betas`, `weightDecay`…), filled from the optimizer's defaults.
 *
 * @example
 * const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
 * for (const group of opt.paramGroups) group.lr *= 0.5;
 */
export interface ParamGroup {
  /** The tensors this group optimizes. */
  params: Tensor[];
  /** Learning rate. */
  lr: number;
  /** Set by learning-rate schedulers: the lr a schedule starts from (PyTorch's `initial_lr`). */
  initialLr?: number;
  /** Set by `OneCycleLR`: the peak lr of the cycle. */
  maxLr?: number;
  /** Set by `OneCycleLR`: the final lr of the cycle. */
  minLr?: number;
  /** Set by `OneCycleLR`: the momentum (or beta1) at the start and end of the cycle. */
  maxMomentum?: number;
  /** Set by `OneCycleLR`: the momentum (or beta1) at the peak lr. */
  baseMomentum?: number;
}

/**
 * The hyper-parameters every optimizer has; each optimizer extends it (`SGDHyper`, `AdamHyper`…).
 * @example
 * const h: Hyper = { lr: 0.01 };
 */
export interface Hyper {
  /** Learning rate. */
  lr: number;
}

/**
 * A parameter group as passed to a constructor or `addParamGroup`: `params` plus any
 * hyper-parameters that override the optimizer's defaults for this group.
 *
 * @example
 * new torch.optim.SGD([{ params: base.parameters() }, { params: head.parameters(), lr: 1e-3 }], { lr: 1e-2, momentum: 0.9 });
 */
export type ParamGroupInput<H extends Hyper> = { params: Tensor | Iterable<Tensor> } & Partial<H> &
  Partial<Omit<ParamGroup, "params">>;

/**
 * What optimizers optimize: tensors, or parameter groups.
 * @example
 * new torch.optim.Adam(model.parameters());                        // tensors
 * new torch.optim.Adam([{ params: [w], weightDecay: 0.01 }, { params: [b] }]); // groups
 */
export type Params<H extends Hyper> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/**
 * An optimizer's state in PyTorch's structure: `state` maps a parameter's index (counted
 * through the groups in order) to its state, and `param_groups` lists each group's
 * hyper-parameters with `params` as those indices. Keys are PyTorch's snake_case
 * (`exp_avg`, `weight_decay`, `initial_lr`) because this is data in PyTorch's format, not
 * API; the live `paramGroups` and `state` use TypeScript's casing.
 *
 * @example
 * const sd = opt.stateDict();
 * sd.param_groups[0].weight_decay;  // 0
 * sd.state[0].exp_avg;              // a Tensor (Adam)
 */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by parameter index. */
  state: Record<number, Record<string, unknown>>;
  /** Per-group hyper-parameters, with `params` as parameter indices. */
  param_groups: Array<{ params: number[]; [key: string]: unknown }>;
}

/**
 * Options of `zeroGrad`.
 * @example
 * opt.zeroGrad({ setToNone: false });
 */
export interface ZeroGradOptions {
  /** Set `.grad` to null instead of zero-filling it (default true, as in PyTorch 2). */
  setToNone?: boolean;
}

/**
 * Base class of all optimizers (PyTorch's `torch.optim.Optimizer`). Subclasses give their
 * defaults to the constructor and implement `updateGroup`, the update of one group, which
 * `step` runs with grad mode off.
 *
 * @typeParam H the hyper-parameters of a group.
 * @typeParam S the state kept per parameter.
 * @example
 * const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad();
 * lossFn(model.forward(x), y).backward();
 * opt.step();
 */
export abstract class Optimizer<H extends Hyper = Hyper, S extends object = object> {
  /** The hyper-parameters a group gets when it does not give its own. */
  readonly defaults: Readonly<Partial<H>>;
  /** The parameter groups, each with all of its hyper-parameters. */
  paramGroups: Array<ParamGroup & H> = [];
  /** Per-parameter state (momentum buffers, moment estimates…), created by the first step. */
  state = new Map<Tensor, S>();
  /** @internal How many times `step` ran; schedulers read it to warn about call order. */
  _stepCount = 0;

  /**
   * @param params tensors, or parameter groups (`{ params, lr, ... }`).
   * @param defaults every hyper-parameter; an `undefined` one is required from each group.
   * @throws PyTorch's errors for a lone tensor, an empty list, non-tensors and non-leaves.
   */
  constructor(params: Params<H>, defaults: Partial<H>) {
    this.defaults = defaults;
    if (params instanceof Tensor)
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.${params.dtype.legacyName}`,
      );
    const groups = Array.from(params as Iterable<Tensor | ParamGroupInput<H>>);
    if (groups.length === 0) throw new Error("optimizer got an empty parameter list");
    if (groups[0] instanceof Tensor) this.addGroup(groups, {});
    else for (const group of groups as ParamGroupInput<H>[]) this.addParamGroup(group);
  }

  /**
   * Adds a parameter group, e.g. to train layers that were frozen so far. Missing
   * hyper-parameters come from the defaults.
   * @example
   * opt.addParamGroup({ params: head.parameters(), lr: 1e-3 });
   * @throws when a parameter already belongs to a group, or a required hyper-parameter is missing.
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    const { params, ...options } = group;
    this.addGroup(params, options);
  }

  private addGroup(raw: Tensor | Iterable<unknown>, options: object): void {
    if (raw instanceof Set)
      throw new TypeError(
        "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.",
      );
    const params: unknown[] = raw instanceof Tensor ? [raw] : Array.from(raw);
    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeName(p)}`);
      if (!(p.isLeaf || p.retainsGrad)) throw new Error("can't optimize a non-leaf Tensor");
    }
    const filled: Record<string, unknown> = { ...options, params };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (filled[name] !== undefined) continue;
      if (value === undefined)
        throw new Error(`parameter group didn't specify a value of required optimization parameter ${name}`);
      // Copy arrays (betas) so that editing one group's value never edits another's.
      filled[name] = Array.isArray(value) ? [...value] : value;
    }
    const tensors = params as Tensor[];
    if (new Set(tensors).size !== tensors.length)
      warnOnce(
        "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
      );
    for (const other of this.paramGroups)
      if (other.params.some((p) => tensors.includes(p))) throw new Error("some parameters appear in more than one parameter group");
    this.paramGroups.push(filled as unknown as ParamGroup & H);
  }

  /**
   * Performs one optimization step: updates every parameter that has a gradient, with grad
   * mode off. `closure`, if given, re-evaluates the model and returns the loss; it runs with
   * grad mode on and its result is returned.
   * @example
   * opt.step();
   * const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(model.forward(x), y); l.backward(); return l; });
   */
  step<L>(closure?: () => L): L | null {
    const loss = closure ? enableGrad(closure) : null;
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    this._stepCount++;
    return loss;
  }

  /** Updates the parameters of one group from their gradients (called by `step`, grad mode off). */
  protected abstract updateGroup(group: ParamGroup & H): void;

  /**
   * Clears the gradients of all optimized tensors: sets them to null (the default), or, with
   * `{ setToNone: false }`, detaches and zero-fills them.
   * @example
   * opt.zeroGrad();
   * opt.zeroGrad({ setToNone: false });
   */
  zeroGrad({ setToNone = true }: ZeroGradOptions = {}): void {
    for (const group of this.paramGroups)
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        if (g.gradFn !== null) g.detach_();
        else g.requiresGrad_(false);
        g.zero_();
      }
  }

  /**
   * PyTorch's printed form: the class name, then each parameter group's hyper-parameters by
   * their PyTorch names in sorted order, as Python values.
   * @example
   * console.log(String(new torch.optim.SGD(model.parameters(), { lr: 0.1 })));
   * // SGD (
   * // Parameter Group 0
   * //     dampening: 0
   * //     lr: 0.1
   * //     …
   * // )
   */
  toString(): string {
    let out = `${this.constructor.name} (`;
    this.paramGroups.forEach((group, i) => {
      out += `\nParameter Group ${i}\n`;
      const entries = Object.entries(group as unknown as Record<string, unknown>)
        .filter(([key]) => key !== "params")
        .map(([key, value]): [string, unknown] => [toSnakeCase(key), value])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, value] of entries) out += `    ${key}: ${pythonValue(value)}\n`;
    });
    return `${out})`;
  }

  /** @internal Node's console.log prints PyTorch's form. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * The optimizer's state in PyTorch's structure (see `OptimizerStateDict`). Tensors are
   * shared with the optimizer, not copied, as in PyTorch.
   * @example
   * const sd = opt.stateDict();
   * sd.param_groups[0].lr; // 0.001
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((group) => {
      group.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      start += group.params.length;
      const packed: Record<string, unknown> = {};
      // The defaults' order first (PyTorch's), then what schedulers added, then params.
      const keys = new Set([...Object.keys(this.defaults), ...Object.keys(group)]);
      keys.delete("params");
      const values = group as unknown as Record<string, unknown>;
      for (const key of keys) {
        const value = values[key];
        if (key in values) packed[toSnakeCase(key)] = Array.isArray(value) ? [...value] : value;
      }
      // Last, as in PyTorch's state dicts.
      packed.params = group.params.map((p) => index.get(p) as number);
      return packed as { params: number[]; [key: string]: unknown };
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(s)) packed[toSnakeCase(key)] = value;
      state[i] = packed;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state from `stateDict()` (ours or PyTorch's structure). The groups' hyper-parameters
   * are replaced by the saved ones; state tensors are copied, floating ones cast to their
   * parameter's dtype (except `step`).
   * @example
   * const opt2 = new torch.optim.Adam(model.parameters());
   * opt2.loadStateDict(opt.stateDict());
   * @throws when the number of groups or their sizes differ, or state names a missing parameter.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = this.paramGroups;
    const saved = stateDict.param_groups;
    if (groups.length !== saved.length) throw new Error("loaded state dict has a different number of parameter groups");
    if (groups.some((g, i) => g.params.length !== saved[i].params.length))
      throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(id, groups[i].params[j])));

    const state = new Map<Tensor, S>();
    for (const [key, value] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new Error(`loaded state dict has state for parameter ${key}, which is in none of its parameter groups`);
      const entry: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(value)) entry[toCamelCase(name)] = copyStateValue(p, v, name === "step");
      state.set(p, entry as S);
    }
    this.paramGroups = saved.map((g, i) => {
      const group: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(g)) if (key !== "params") group[toCamelCase(key)] = copyStateValue(null, value, false);
      for (const [name, value] of Object.entries(this.defaults)) if (group[name] === undefined) group[name] = value;
      group.params = groups[i].params;
      return group as unknown as ParamGroup & H;
    });
    this.state = state;
  }
}

/** A deep copy of a state value; floating tensors take `param`'s dtype unless `keepDtype`. */
function copyStateValue(param: Tensor | null, value: unknown, keepDtype: boolean): unknown {
  if (value instanceof Tensor) {
    const cast = param !== null && !keepDtype && value.isFloatingPoint() && param.isFloatingPoint() ? value.to(param.dtype) : value;
    return cast === value ? value.detach().clone() : cast.detach();
  }
  if (Array.isArray(value)) return value.map((v) => copyStateValue(param, v, keepDtype));
  return value;
}

/** A hyper-parameter as Python prints it: integers as ints, tuples in parentheses, True/None. */
function pythonValue(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : formatPythonFloat(v);
  if (Array.isArray(v)) return `(${v.map(pythonValue).join(", ")}${v.length === 1 ? "," : ""})`;
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return "NoneType";
  if (typeof v === "object") return v.constructor?.name ?? "object";
  return typeof v;
}

/** @internal `weightDecay` → `weight_decay`: TypeScript names to PyTorch's state-dict keys. */
export function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** @internal `weight_decay` → `weightDecay`: PyTorch's state-dict keys to TypeScript names. */
export function toCamelCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
