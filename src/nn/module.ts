/**
 * `nn.Module`, the base class of every layer and model: registration of parameters, buffers and
 * submodules, traversal, train/eval mode, state dicts, hooks and PyTorch's printed form.
 */
import { Tensor } from "../core/tensor.js";
import { DType, float32, float64 } from "../core/dtype.js";
import { type DeviceLike, checkDevice } from "../core/device.js";
import { type RemovableHandle, addHook } from "../autograd/node.js";
import { type OpDef, type OpNode, record } from "../autograd/function.js";
import { isGradEnabled, noGrad } from "../autograd/gradMode.js";
import { Parameter } from "./parameter.js";
import { zerosLike } from "../ops/creation.js";

/**
 * Runs before `forward` with the call's arguments; returning an array replaces them (any other
 * value becomes the only argument), returning nothing keeps them.
 */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;

/** Runs after `forward`; returning a value other than `undefined` replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;

/**
 * Runs when the gradients with respect to the module's tensor inputs are computed:
 * `gradInput[i]` belongs to argument `i` (null for non-tensors and tensors that need no
 * gradient), `gradOutput` to the outputs. Returning an array replaces `gradInput`.
 */
export type FullBackwardHook = (module: Module, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | void;

/** A module's parameters and persistent buffers by dotted name, in registration order (PyTorch's `OrderedDict`). */
export type StateDict = Map<string, Tensor>;

/** Options of `stateDict`. */
export interface StateDictOptions {
  /** Prepended to every key. */
  prefix?: string;
  /** Return the parameters themselves instead of detached tensors sharing their values (default false). */
  keepVars?: boolean;
}

/** What `loadStateDict` did not match (PyTorch's `_IncompatibleKeys`). */
export interface IncompatibleKeys {
  /** Keys the module has but the state dict lacks. */
  missingKeys: string[];
  /** Keys the state dict has but the module lacks. */
  unexpectedKeys: string[];
}

/** @internal What `_loadFromStateDict` notes while matching a state dict. */
export interface LoadResult extends IncompatibleKeys {
  /** Error messages (size mismatches, non-tensors). */
  errors: string[];
  /** `[target, value]` pairs, copied only when nothing failed. */
  copies: [Tensor, Tensor][];
}

/** Options of the `named*` traversals. */
export interface NamedOptions {
  /** Prepended to every name. */
  prefix?: string;
  /** Include submodules' members (default true). */
  recurse?: boolean;
  /** Yield a member shared by several modules once (default true). */
  removeDuplicate?: boolean;
}

/** The object behind a module's Proxy; registration writes its fields without re-entering the traps. */
const RAW: unique symbol = Symbol("kindling.module.raw");

/** Python's `torch.typename`, for PyTorch's assignment errors. */
function typeName(value: unknown): string {
  if (value instanceof Tensor) return `torch.${value.dtype.legacyName}`;
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (value === undefined || value === null) return "NoneType";
  return (value as object).constructor?.name ?? typeof value;
}

/**
 * PyTorch's `Module.__setattr__`: a Parameter or a Module assigned to a field is registered
 * under the field's name (leaving any other registry); a registered name only takes values of
 * its kind or null; a registered buffer takes tensors.
 */
function assignAttribute(m: Module, name: string, value: unknown): void {
  if (value instanceof Parameter) {
    m._buffers.delete(name);
    m._nonPersistentBuffers.delete(name);
    m._modules.delete(name);
    m._parameters.set(name, value);
  } else if (m._parameters.has(name)) {
    if (value !== null)
      throw new TypeError(`cannot assign '${typeName(value)}' as parameter '${name}' (torch.nn.Parameter or None expected)`);
    m._parameters.set(name, null);
  } else if (value instanceof Module) {
    m._parameters.delete(name);
    m._buffers.delete(name);
    m._nonPersistentBuffers.delete(name);
    m._modules.set(name, value);
  } else if (m._modules.has(name)) {
    if (value !== null) throw new TypeError(`cannot assign '${typeName(value)}' as child module '${name}' (torch.nn.Module or None expected)`);
    m._modules.set(name, null);
  } else if (m._buffers.has(name)) {
    if (value !== null && !(value instanceof Tensor))
      throw new TypeError(`cannot assign '${typeName(value)}' as buffer '${name}' (torch.Tensor or None expected)`);
    m._buffers.set(name, value);
  }
}

/** Field definitions and assignments (class fields define, `this.x = v` assigns) both arrive here. */
const TRAPS: ProxyHandler<Module> = {
  defineProperty(target, key, descriptor) {
    if (typeof key === "string" && "value" in descriptor) assignAttribute(target, key, descriptor.value);
    return Reflect.defineProperty(target, key, descriptor);
  },
  deleteProperty(target, key) {
    if (typeof key === "string") {
      target._parameters.delete(key);
      target._buffers.delete(key);
      target._nonPersistentBuffers.delete(key);
      target._modules.delete(key);
    }
    return Reflect.deleteProperty(target, key);
  },
};

/** PyTorch's `_addindent`: indents every line but the first. */
function addIndent(text: string, spaces: number): string {
  const lines = text.split("\n");
  if (lines.length === 1) return text;
  return [lines[0], ...lines.slice(1).map((l) => " ".repeat(spaces) + l)].join("\n");
}

const join = (prefix: string, name: string): string => (prefix ? `${prefix}.${name}` : name);

// ---------------------------------------------------------------- calling, with hooks

const BackwardHookFunctionBackward: OpDef = {
  name: "BackwardHookFunctionBackward",
  backward: (_ctx, _g, grads) => grads.slice(),
};

/** Identity on `tensors` through one graph node, on which backward hooks can be set. */
function hookIdentity(tensors: Tensor[]): { outputs: Tensor[]; node: OpNode } {
  const outputs = tensors.map((t) => t.detach());
  return { outputs, node: record(BackwardHookFunctionBackward, tensors, outputs, [], undefined) };
}

/**
 * PyTorch's `BackwardHook`: identity nodes around a module's tensor inputs and outputs. The
 * output node notes the gradients of the outputs; the input node, reached once the gradients
 * of the inputs are known, runs the user hooks with both.
 */
class BackwardHooks {
  private gradOutputs: (Tensor | null)[] = [];
  private inputPositions: number[] = [];

  constructor(
    private readonly module: Module,
    private readonly numInputs: number,
  ) {}

  /** Routes the tensor arguments that require grad through an identity node. */
  wrapInputs(args: unknown[]): unknown[] {
    const positions = args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
    if (positions.length === 0) return args;
    this.inputPositions = positions;
    const { outputs, node } = hookIdentity(positions.map((i) => args[i] as Tensor));
    node.registerHook((gradInputs) => {
      let packed = this.pack(positions, gradInputs, this.numInputs);
      // PyTorch routes every tensor argument through its node; those that need no gradient get zeros.
      args.forEach((a, i) => {
        if (a instanceof Tensor && !a.requiresGrad) packed[i] = zerosLike(a);
      });
      for (const hook of this.module._backwardHooks.slice()) {
        const result = hook(this.module, packed, this.gradOutputs);
        if (result === undefined) continue;
        if (result.length !== packed.length)
          throw new Error(`Backward hook returned an invalid number of grad_input, got ${result.length}, but expected ${packed.length}`);
        packed = result;
      }
      this.gradOutputs = [];
      return positions.map((i) => packed[i]);
    });
    const wrapped = args.slice();
    positions.forEach((i, k) => (wrapped[i] = outputs[k]));
    return wrapped;
  }

  /** Routes the output tensors (one tensor or an array of them) through an identity node. */
  wrapOutputs(output: unknown): unknown {
    const items = output instanceof Tensor ? [output] : Array.isArray(output) ? (output as unknown[]) : [];
    const positions = items.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : []));
    if (positions.length === 0) return output;
    const { outputs, node } = hookIdentity(positions.map((i) => items[i] as Tensor));
    // The engine hands a node zeros for outputs that got no gradient; PyTorch's hooks see None.
    const received = new Set<number>();
    positions.forEach((_, k) => node.registerPrehook(() => void received.add(k), k));
    node.registerHook((_gradInputs, gradOutputs) => {
      this.gradOutputs = this.pack(positions, gradOutputs.map((g, k) => (received.has(k) ? g : null)), items.length);
      received.clear();
      if (this.inputPositions.length > 0) return;
      // No input needs a gradient: the hooks run now, with no gradient to replace.
      const none = new Array<Tensor | null>(this.numInputs).fill(null);
      for (const hook of this.module._backwardHooks.slice()) {
        const result = hook(this.module, none, this.gradOutputs);
        if (result !== undefined && result.some((g) => g !== null))
          throw new Error("Backward hook for Modules where no input requires gradient should always return None or None for all gradients.");
      }
      this.gradOutputs = [];
    });
    if (output instanceof Tensor) return outputs[0];
    const wrapped = items.slice();
    positions.forEach((i, k) => (wrapped[i] = outputs[k]));
    return wrapped;
  }

  private pack(positions: number[], values: readonly (Tensor | null)[], size: number): (Tensor | null)[] {
    const out = new Array<Tensor | null>(size).fill(null);
    positions.forEach((i, k) => (out[i] = values[k] ?? null));
    return out;
  }
}

/** What Python's `Module.__call__` does: hooks around `forward`. */
function callModule(m: Module, args: unknown[]): unknown {
  let inputs = args;
  for (const hook of m._forwardPreHooks.slice()) {
    const result = hook(m, inputs);
    if (result !== undefined) inputs = Array.isArray(result) ? result : [result];
  }
  const backwardHooks = m._backwardHooks.length > 0 && isGradEnabled() ? new BackwardHooks(m, inputs.length) : null;
  if (backwardHooks) inputs = backwardHooks.wrapInputs(inputs);
  let output = m.forward(...inputs);
  for (const hook of m._forwardHooks.slice()) {
    const result = hook(m, inputs, output);
    if (result !== undefined) output = result;
  }
  return backwardHooks ? backwardHooks.wrapOutputs(output) : output;
}

/**
 * The base class of layers and models (PyTorch's `torch.nn.Module`).
 *
 * **Registration.** The constructor returns the instance wrapped in a `Proxy` that does what
 * Python's `__setattr__` does: assigning a `Parameter` or a `Module` to a field — a class field
 * initializer or `this.x = …` — registers it under the field's name, in assignment order, and
 * reassigning the field updates the registration. Plain tensors are not registered; buffers
 * are declared with `registerBuffer(name, tensor)`, after which assigning a tensor to that
 * field replaces the buffer. Everything else is an ordinary field. (So a module must not use
 * `#private` fields: they do not cross a Proxy.)
 *
 * **Calling.** Subclasses implement `forward`; callers use `module.call(...)`, which runs the
 * forward pre-hooks, `forward`, the forward hooks, and sets up the full backward hooks — what
 * Python's `module(x)` does. `module.forward(x)` runs `forward` alone, without hooks.
 *
 * **Printing.** `toString()` (and so `console.log`) gives PyTorch's repr: the class name,
 * `extraRepr()`, and each child indented by two spaces.
 *
 * @example
 * class TinyModel extends nn.Module {
 *   layer1 = new nn.Linear(1000, 100);
 *   relu = new nn.ReLU();
 *   layer2 = new nn.Linear(100, 10);
 *   forward(x: Tensor): Tensor {
 *     return this.layer2.call(this.relu.call(this.layer1.call(x)));
 *   }
 * }
 * const model = new TinyModel();
 * const prediction = model.call(torch.randn([16, 1000]));
 * model.parameters().length; // 4
 * console.log(model);
 * // TinyModel(
 * //   (layer1): Linear(in_features=1000, out_features=100, bias=True)
 * //   (relu): ReLU()
 * //   (layer2): Linear(in_features=100, out_features=10, bias=True)
 * // )
 */
export class Module {
  /** True in training mode (the default), false in evaluation mode; set by `train()`/`eval()`. */
  training = true;
  /** @internal Parameters by name, in registration order (null: registered as absent). */
  _parameters = new Map<string, Parameter | null>();
  /** @internal Buffers by name, in registration order. */
  _buffers = new Map<string, Tensor | null>();
  /** @internal Buffers left out of the state dict. */
  _nonPersistentBuffers = new Set<string>();
  /** @internal Submodules by name, in registration order. */
  _modules = new Map<string, Module | null>();
  /** @internal */
  _forwardPreHooks: ForwardPreHook[] = [];
  /** @internal */
  _forwardHooks: ForwardHook[] = [];
  /** @internal */
  _backwardHooks: FullBackwardHook[] = [];
  private readonly [RAW]: Module;

  constructor() {
    this[RAW] = this;
    // The Proxy is what subclasses' field initializers and constructors see as `this`.
    return new Proxy(this, TRAPS);
  }

  /**
   * The computation, written by subclasses. Call modules through `call`, which also runs hooks.
   * @throws `Module [Name] is missing the required "forward" function` when not overridden.
   * @example
   * override forward(x: Tensor): Tensor {
   *   return this.fc.call(x).relu();
   * }
   */
  forward(..._inputs: unknown[]): unknown {
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }

  /**
   * Runs the module as Python's `module(...)` does: forward pre-hooks, `forward`, forward
   * hooks, and the full backward hooks' bookkeeping. Typed after the subclass's `forward`.
   * @example
   * const y = linear.call(x); // Tensor, since Linear.forward takes and returns a Tensor
   */
  call<M extends Module>(this: M, ...inputs: Parameters<M["forward"]>): ReturnType<M["forward"]> {
    return callModule(this, inputs) as ReturnType<M["forward"]>;
  }

  /** @internal The class name, as PyTorch's `_get_name`. */
  _getName(): string {
    return this.constructor.name;
  }

  // ---------------------------------------------------------------- registration

  /**
   * Python's `hasattr`. A field declared in TypeScript but not yet set (`buf!: Tensor`) holds
   * `undefined` and does not count, so it can still be registered.
   */
  private hasAttribute(name: string): boolean {
    return name in this && (this as unknown as Record<string, unknown>)[name] !== undefined;
  }

  private defineField(name: string, value: unknown): void {
    Reflect.defineProperty(this[RAW], name, { value, writable: true, enumerable: true, configurable: true });
  }

  /**
   * Registers a parameter (or `null`, a declared but absent one) under `name`, also reachable
   * as the field `this[name]` (PyTorch's `register_parameter`).
   * @throws for names with a dot, empty names, names of existing attributes, and non-Parameters.
   * @example
   * this.registerParameter("bias", null);
   */
  registerParameter(name: string, param: Parameter | null): void {
    if (name.includes(".")) throw new Error(`parameter name can't contain "."`);
    if (name === "") throw new Error(`parameter name can't be empty string ""`);
    if (this.hasAttribute(name) && !this._parameters.has(name)) throw new Error(`attribute '${name}' already exists`);
    if (param !== null && !(param instanceof Parameter))
      throw new TypeError(`cannot assign '${typeName(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    this._buffers.delete(name);
    this._modules.delete(name);
    this._parameters.set(name, param);
    this.defineField(name, param);
  }

  /**
   * Registers a tensor that is state but not a parameter, such as BatchNorm's running mean
   * (PyTorch's `register_buffer`). Persistent buffers (the default) are part of the state dict.
   * @throws for names with a dot, empty names, names of existing attributes, and non-tensors.
   * @example
   * this.registerBuffer("running_mean", torch.zeros([numFeatures]));
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    if (name.includes(".")) throw new Error(`buffer name can't contain "."`);
    if (name === "") throw new Error(`buffer name can't be empty string ""`);
    if (this.hasAttribute(name) && !this._buffers.has(name)) throw new Error(`attribute '${name}' already exists`);
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(`cannot assign '${typeName(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    this._buffers.set(name, tensor);
    if (options.persistent ?? true) this._nonPersistentBuffers.delete(name);
    else this._nonPersistentBuffers.add(name);
    this.defineField(name, tensor);
  }

  /**
   * Registers a submodule under `name` (PyTorch's `add_module` / `register_module`); containers
   * use it for the names `"0"`, `"1"`, …
   * @throws for non-modules, names of existing attributes, names with a dot and empty names.
   * @example
   * this.registerModule("conv1", new nn.Conv2d(3, 16, 3));
   */
  registerModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeName(module)} is not a Module subclass`);
    if (this.hasAttribute(name) && !this._modules.has(name)) throw new Error(`attribute '${name}' already exists`);
    if (name.includes(".")) throw new Error(`module name can't contain ".", got: ${name}`);
    if (name === "") throw new Error(`module name can't be empty string ""`);
    this._parameters.delete(name);
    this._buffers.delete(name);
    this._modules.set(name, module);
    this.defineField(name, module);
  }

  // ---------------------------------------------------------------- traversal

  /**
   * This module and all below it, depth first, as `[dottedName, module]` ("" for this one).
   * @example
   * model.namedModules().map(([name]) => name); // ["", "layer1", "relu", "layer2"]
   */
  namedModules(options: Omit<NamedOptions, "recurse"> = {}): [string, Module][] {
    const removeDuplicate = options.removeDuplicate ?? true;
    const memo = new Set<Module>();
    const out: [string, Module][] = [];
    const visit = (m: Module, prefix: string): void => {
      if (removeDuplicate) {
        if (memo.has(m)) return;
        memo.add(m);
      }
      out.push([prefix, m]);
      for (const [name, child] of m._modules) if (child) visit(child, join(prefix, name));
    };
    visit(this, options.prefix ?? "");
    return out;
  }

  /**
   * This module and all below it, depth first.
   * @example
   * model.modules().length; // 4 for TinyModel
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The direct submodules as `[name, module]`, each once.
   * @example
   * model.namedChildren()[0][0]; // "layer1"
   */
  namedChildren(): [string, Module][] {
    const memo = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [name, m] of this._modules) {
      if (m === null || memo.has(m)) continue;
      memo.add(m);
      out.push([name, m]);
    }
    return out;
  }

  /**
   * The direct submodules, each once.
   * @example
   * for (const child of model.children()) console.log(child);
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private namedMembers<T extends Tensor>(pick: (m: Module) => Iterable<[string, T | null]>, options: NamedOptions): [string, T][] {
    const prefix = options.prefix ?? "";
    const removeDuplicate = options.removeDuplicate ?? true;
    const modules: [string, Module][] = options.recurse ?? true ? this.namedModules({ prefix, removeDuplicate }) : [[prefix, this]];
    const memo = new Set<Tensor>();
    const out: [string, T][] = [];
    for (const [modulePrefix, m] of modules)
      for (const [name, t] of pick(m)) {
        if (t === null || (removeDuplicate && memo.has(t))) continue;
        memo.add(t);
        out.push([join(modulePrefix, name), t]);
      }
    return out;
  }

  /**
   * Parameters as `[dottedName, parameter]`, this module's first, then each submodule's.
   * @example
   * model.namedParameters().map(([n]) => n); // ["layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"]
   */
  namedParameters(options: NamedOptions = {}): [string, Parameter][] {
    return this.namedMembers((m) => m._parameters, options);
  }

  /**
   * All parameters (each once), e.g. for an optimizer.
   * @example
   * const opt = new torch.optim.SGD(model.parameters(), { lr: 0.001 });
   */
  parameters(options: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  /**
   * Buffers as `[dottedName, tensor]`.
   * @example
   * bn.namedBuffers().map(([n]) => n); // ["running_mean", "running_var", "num_batches_tracked"]
   */
  namedBuffers(options: NamedOptions = {}): [string, Tensor][] {
    return this.namedMembers((m) => m._buffers, options);
  }

  /**
   * All buffers (each once).
   * @example
   * bn.buffers()[0]; // the running mean
   */
  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  // ---------------------------------------------------------------- modes and conversions

  /**
   * Sets training mode (`true`, the default) or evaluation mode on this module and every
   * submodule; Dropout and BatchNorm behave differently in each. Returns this module.
   * @throws "training mode is expected to be boolean".
   * @example
   * model.train();
   */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError("training mode is expected to be boolean");
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /**
   * Evaluation mode: `train(false)`.
   * @example
   * model.eval();
   * const y = torch.noGrad(() => model.call(x));
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Sets `requiresGrad` on every parameter (e.g. `false` to freeze a part of a model).
   * @example
   * model.layer1.requiresGrad_(false);
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Clears the parameters' gradients: sets them to null (the default), or fills them with
   * zeros with `setToNone: false`.
   * @example
   * model.zeroGrad();
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (setToNone) p.grad = null;
      else {
        if (g.gradFn !== null) p.grad = g.detach();
        else g.requiresGrad_(false);
        (p.grad as Tensor).zero_();
      }
    }
  }

  /**
   * Calls `fn` on every submodule (children first) and then on this module; returns this
   * module. Typical use: custom initialization.
   * @example
   * model.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.bias!); });
   */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * @internal Converts every parameter (in place, keeping the Parameter objects) and buffer
   * with `fn`, recursively, as PyTorch's `_apply`.
   */
  _apply(fn: (t: Tensor) => Tensor): this {
    for (const child of this.children()) child._apply(fn);
    noGrad(() => {
      for (const p of this._parameters.values()) if (p) p._replaceData(fn(p.detach()));
      for (const [name, b] of this._buffers)
        if (b) {
          const converted = fn(b);
          this._buffers.set(name, converted);
          this.defineField(name, converted);
        }
    });
    return this;
  }

  /**
   * Converts floating-point parameters and buffers to `dtype` (integer buffers such as
   * `num_batches_tracked` stay), in place; returns this module. A device, which must be the CPU,
   * leaves them where they are (`model.to("cpu")`, `model.to(device, dtype)`).
   * @throws "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int64",
   * and "Torch not compiled with CUDA enabled" for `"cuda"`.
   * @example
   * model.to(torch.float64);
   */
  to(dtype: DType): this;
  to(device: DeviceLike, dtype?: DType): this;
  to(target: DType | DeviceLike, dtype?: DType): this {
    if (!(target instanceof DType)) {
      checkDevice(target);
      return dtype === undefined ? this : this.to(dtype);
    }
    if (!target.isFloatingPoint)
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.${target.name}`);
    return this._apply((t) => (t.isFloatingPoint() ? t.to(target) : t));
  }

  /** This module: its parameters and buffers are on the CPU already. */
  cpu(): this {
    return this;
  }

  /**
   * Floating-point parameters and buffers to float64.
   * @example
   * model.double();
   */
  double(): this {
    return this.to(float64);
  }

  /**
   * Floating-point parameters and buffers to float32.
   * @example
   * model.float();
   */
  float(): this {
    return this.to(float32);
  }

  // ---------------------------------------------------------------- state dicts

  /**
   * Parameters and persistent buffers by dotted name (`layer1.weight`, `bn1.running_mean`,
   * `bn1.num_batches_tracked`…), each module's own before its children's, as detached tensors
   * sharing the values (PyTorch's `state_dict`).
   * @example
   * [...model.stateDict().keys()]; // ["layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"]
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    const keepVars = options.keepVars ?? false;
    const out: StateDict = new Map();
    const visit = (m: Module, prefix: string): void => {
      for (const [name, p] of m._parameters) if (p) out.set(prefix + name, keepVars ? p : p.detach());
      for (const [name, b] of m._buffers) if (b && !m._nonPersistentBuffers.has(name)) out.set(prefix + name, keepVars ? b : b.detach());
      for (const [name, child] of m._modules) if (child) visit(child, `${prefix}${name}.`);
    };
    visit(this, options.prefix ?? "");
    return out;
  }

  /**
   * Copies values from a state dict (a `Map` or a plain object) into the parameters and
   * buffers, without gradient (PyTorch's `load_state_dict`). With `strict` (the default), keys
   * must match exactly. Every entry is checked before anything is copied, so a failed load
   * leaves the module untouched (PyTorch copies the entries that fit before it throws).
   * @returns the keys that did not match.
   * @throws PyTorch's "Error(s) in loading state_dict for Net:" listing missing keys,
   * unexpected keys and size mismatches.
   * @example
   * copy.loadStateDict(model.stateDict());
   */
  loadStateDict(stateDict: StateDict | Record<string, Tensor>, options: { strict?: boolean } = {}): IncompatibleKeys {
    const strict = options.strict ?? true;
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const errors: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    const all = stateDict instanceof Map ? new Map(stateDict) : new Map(Object.entries(stateDict));
    const load = (m: Module, local: StateDict, prefix: string): void => {
      m._loadFromStateDict(local, prefix, { missingKeys, unexpectedKeys, errors, copies });
      for (const [name, child] of m._modules) {
        if (!child) continue;
        const childPrefix = `${prefix}${name}.`;
        load(child, new Map([...local].filter(([k]) => k.startsWith(childPrefix))), childPrefix);
      }
    };
    load(this, all, "");
    if (strict) {
      const quoted = (keys: string[]): string => keys.map((k) => `"${k}"`).join(", ");
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${quoted(unexpectedKeys)}. `);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${quoted(missingKeys)}. `);
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join("\n\t")}`);
    noGrad(() => {
      for (const [target, input] of copies) target.copy_(input);
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * @internal Matches this module's own entries against `stateDict` (keys `prefix + name`),
   * noting missing and unexpected keys, errors, and the copies to make once all is checked;
   * overridden where old checkpoints lack an entry.
   */
  _loadFromStateDict(stateDict: StateDict, prefix: string, result: LoadResult): void {
    const { missingKeys, unexpectedKeys, errors, copies } = result;
    const local = new Map<string, Tensor>();
    for (const [name, p] of this._parameters) if (p) local.set(name, p);
    for (const [name, b] of this._buffers) if (b && !this._nonPersistentBuffers.has(name)) local.set(name, b);
    for (const [name, target] of local) {
      const key = prefix + name;
      const input = stateDict.get(key);
      if (input === undefined) {
        missingKeys.push(key);
        continue;
      }
      if (!(input instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeName(input)}`);
        continue;
      }
      if (input._shape.length !== target._shape.length || input._shape.some((s, i) => s !== target._shape[i])) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${input.shape} from checkpoint, the shape in current model is ${target.shape}.`);
        continue;
      }
      copies.push([target, input]);
    }
    for (const key of stateDict.keys()) {
      if (!key.startsWith(prefix)) continue;
      const name = key.slice(prefix.length).split(".")[0];
      if (!this._modules.has(name) && !local.has(name)) unexpectedKeys.push(key);
    }
  }

  // ---------------------------------------------------------------- hooks

  /**
   * Registers `hook(module, inputs)`, run before each `call`'s `forward`; it may return new
   * arguments. Returns a handle whose `remove()` unregisters it.
   * @example
   * const h = model.registerForwardPreHook((m, inputs) => [inputs[0].mul(2)]);
   * h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return addHook(this._forwardPreHooks, hook);
  }

  /**
   * Registers `hook(module, inputs, output)`, run after each `call`'s `forward`; it may return
   * a new output.
   * @example
   * model.layer1.registerForwardHook((m, inputs, output) => { activations.push(output); });
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return addHook(this._forwardHooks, hook);
  }

  /**
   * Registers `hook(module, gradInput, gradOutput)`, run during backward once the gradients
   * with respect to the module's tensor inputs are known; it may return replacements for
   * `gradInput`. The outputs of a hooked module come from a `BackwardHookFunctionBackward` node,
   * as in PyTorch.
   * @example
   * model.registerFullBackwardHook((m, gradInput, gradOutput) => console.log(gradOutput[0]));
   */
  registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
    return addHook(this._backwardHooks, hook);
  }

  // ---------------------------------------------------------------- printing

  /**
   * The layer's settings as its repr shows them inside the parentheses; overridden by layers
   * (e.g. Linear's `in_features=2, out_features=3, bias=True`).
   * @example
   * class Scale extends nn.Module {
   *   constructor(readonly factor: number) { super(); }
   *   override extraRepr(): string { return `factor=${this.factor}`; } // prints Scale(factor=2)
   * }
   */
  extraRepr(): string {
    return "";
  }

  /**
   * PyTorch's module repr: `Name(extra)` on one line, or the extra lines and
   * `(name): child` lines indented by two spaces.
   * @example
   * String(new nn.Sequential(new nn.ReLU())); // "Sequential(\n  (0): ReLU()\n)"
   */
  toString(): string {
    const extraLines = this.extraRepr() ? this.extraRepr().split("\n") : [];
    const childLines: string[] = [];
    for (const [name, m] of this._modules) childLines.push(`(${name}): ${addIndent(m === null ? "None" : m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let main = `${this._getName()}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
      else main += `\n  ${lines.join("\n  ")}\n`;
    }
    return `${main})`;
  }

  /** @internal Node's console.log prints the PyTorch repr. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
