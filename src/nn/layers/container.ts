/** Containers: `nn.Sequential`, `nn.ModuleList`, `nn.ModuleDict`. */
import type { Tensor } from "../../core/tensor.js";
import { Module } from "../module.js";

/** Python's index normalization for a container of `length` items. */
function absoluteIndex(index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) throw new RangeError(`index ${index} is out of range`);
  return index < 0 ? index + length : index;
}

/**
 * Modules applied one after another, each to the previous one's output (PyTorch's
 * `nn.Sequential`). Built from modules (named `"0"`, `"1"`, …) or from a `Map` of names to
 * modules (PyTorch's `OrderedDict` form).
 * @example
 * const net = new nn.Sequential(new nn.Conv2d(1, 20, 5), new nn.ReLU(), new nn.MaxPool2d(2));
 * net.call(torch.randn([1, 1, 28, 28])).shape; // torch.Size([1, 20, 12, 12])
 * net.at(0); // Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))
 */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Map<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first instanceof Map) for (const [name, m] of first) this.registerModule(name, m);
    else (modules as Module[]).forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Number of modules. */
  get length(): number {
    return this._modules.size;
  }

  /**
   * The module at a position (negative counts from the end), as Python's `seq[i]`.
   * @throws "index 5 is out of range".
   * @example
   * const last = net.at(-1);
   */
  at(index: number): Module {
    const modules = [...this._modules.values()];
    return modules[absoluteIndex(index, modules.length)] as Module;
  }

  /**
   * Adds a module at the end; returns this container.
   * @example
   * net.append(new nn.Flatten());
   */
  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  /** The modules in order. */
  [Symbol.iterator](): IterableIterator<Module> {
    return ([...this._modules.values()] as Module[])[Symbol.iterator]();
  }

  override forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this._modules.values()) if (m) x = m.call(x) as Tensor;
    return x;
  }
}

/**
 * A list of submodules, registered so that their parameters belong to the parent (PyTorch's
 * `nn.ModuleList`). It has no `forward`: the parent decides how to use them.
 * @example
 * class Net extends nn.Module {
 *   layers = new nn.ModuleList(Array.from({ length: 3 }, () => new nn.Linear(10, 10)));
 *   forward(x: Tensor): Tensor {
 *     for (const layer of this.layers) x = layer.call(x) as Tensor;
 *     return x;
 *   }
 * }
 */
export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** Number of modules. */
  get length(): number {
    return this._modules.size;
  }

  /**
   * The module at a position (negative counts from the end), as Python's `list[i]`.
   * @throws "index 5 is out of range".
   * @example
   * const first = layers.at(0);
   */
  at(index: number): Module {
    return this._modules.get(String(absoluteIndex(index, this._modules.size))) as Module;
  }

  /**
   * Adds a module at the end; returns this list.
   * @example
   * list.append(new nn.ReLU());
   */
  append(module: Module): this {
    this.registerModule(String(this._modules.size), module);
    return this;
  }

  /**
   * Adds modules at the end; returns this list.
   * @example
   * list.extend([new nn.ReLU(), new nn.Tanh()]);
   */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /**
   * Inserts a module before position `index`, shifting the later ones.
   * @example
   * list.insert(0, new nn.Identity());
   */
  insert(index: number, module: Module): void {
    const modules = [...this._modules.values()] as Module[];
    const at = index < 0 ? Math.max(0, modules.length + index) : Math.min(index, modules.length);
    modules.splice(at, 0, module);
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** The modules in order. */
  [Symbol.iterator](): IterableIterator<Module> {
    return ([...this._modules.values()] as Module[])[Symbol.iterator]();
  }
}

/**
 * Submodules by name, in insertion order, registered so that their parameters belong to the
 * parent (PyTorch's `nn.ModuleDict`). Iterating gives the keys, as in Python.
 * @throws "attribute 'training' already exists" for names of existing attributes.
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), box: new nn.Linear(8, 4) });
 * heads.get("cls").call(features);
 */
export class ModuleDict extends Module {
  constructor(modules: Map<string, Module> | Record<string, Module> = {}) {
    super();
    this.update(modules);
  }

  /** Number of modules. */
  get length(): number {
    return this._modules.size;
  }

  /**
   * The module under `key`.
   * @throws "KeyError: 'foo'" for a missing key.
   * @example
   * heads.get("box");
   */
  get(key: string): Module {
    const m = this._modules.get(key);
    if (m === undefined || m === null) throw new Error(`KeyError: '${key}'`);
    return m;
  }

  /**
   * Adds or replaces the module under `key` (Python's `d[key] = module`).
   * @example
   * heads.set("mask", new nn.Conv2d(8, 1, 1));
   */
  set(key: string, module: Module): void {
    this.registerModule(key, module);
  }

  /** Whether `key` is present (Python's `key in d`). */
  has(key: string): boolean {
    return this._modules.has(key);
  }

  /**
   * Removes the module under `key` and returns it.
   * @throws "KeyError: 'foo'" for a missing key.
   */
  pop(key: string): Module {
    const m = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  /**
   * Adds or replaces modules from a `Map` or an object.
   * @example
   * heads.update({ extra: new nn.Identity() });
   */
  update(modules: Map<string, Module> | Record<string, Module>): void {
    const entries = modules instanceof Map ? [...modules] : Object.entries(modules);
    for (const [key, m] of entries) this.set(key, m);
  }

  /** The keys in insertion order. */
  keys(): string[] {
    return [...this._modules.keys()];
  }

  /** The modules in insertion order. */
  values(): Module[] {
    return [...this._modules.values()] as Module[];
  }

  /** `[key, module]` pairs in insertion order. */
  items(): [string, Module][] {
    return [...this._modules] as [string, Module][];
  }

  /** The keys, as iterating a Python dict gives. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
