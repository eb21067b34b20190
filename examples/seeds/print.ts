/**
 * The notebook machinery of the seed walkthroughs: a cell prints through Python's `print` and
 * Jupyter's display of a last expression, collected as text so that `runAll.ts` can show it and
 * `test/seeds.test.ts` can compare it with PyTorch's own output (test/fixtures/seeds.json).
 */
import * as torch from "kindling";

/** What a cell writes with: Python's `print`, and Jupyter's display of a cell's last expression. */
export interface CellIO {
  /**
   * Python's `print(*values)`: the values formatted as Python prints them, joined by spaces,
   * then a newline.
   * @example
   * print("x.grad:", x.grad); // x.grad: tensor([[ 0.], ...
   */
  print(...values: unknown[]): void;
  /**
   * What Jupyter shows for a cell ending in an expression (`x.requires_grad` → `False`): its
   * repr, and nothing at all for `None`.
   */
  display(value: unknown): void;
}

/** One notebook cell, ported: `run` prints through `io` and keeps what later cells need in `state`. */
export interface SeedCell<S> {
  /** The notebook's label, `In [4]`; `In [None] #k` (the k-th code cell) where it has no count. */
  id: string;
  /** The cell's code. Missing when the cell is not ported; `exception` says why. */
  run?: (io: CellIO, state: S) => void;
  /** Why the cell is not ported (or not compared): a stated exception. */
  exception?: string;
}

/** One seed notebook: its file, its cells, and a fresh state object for a run. */
export interface Seed<S = any> {
  /** The seed file's stem, e.g. `000_2ad9a60a1f9166f6`; the fixture's key. */
  name: string;
  /** The notebook's title. */
  title: string;
  /** A fresh state shared by the cells of one run (the notebook's global variables). */
  newState: () => S;
  /** The cells, in the notebook's order. */
  cells: SeedCell<S>[];
}

/** The result of one cell in a run. */
export interface CellResult {
  id: string;
  /** What the cell printed; null when it is an exception and did not run. */
  output: string | null;
  exception?: string;
  /** The error the cell threw, if any (the run goes on with the next cell). */
  error?: unknown;
}

/**
 * Formats a value as Python's `print` (`str`) would: tensors as their repr, `null` as `None`,
 * booleans as `True`/`False`, `torch.Size` as `torch.Size([2, 1])`, graph nodes as
 * `<MulBackward0 object at 0x...>`, arrays as Python tuples (the seeds print arrays only as
 * `nextFunctions`, which PyTorch gives as a tuple of `(node, inputNr)` tuples).
 */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return value;
  if (value instanceof torch.Size) return value.toString();
  if (Array.isArray(value)) {
    const items = value.map(pyStr);
    return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
  }
  return String(value);
}

/** A `CellIO` that collects the cell's output as text. */
export function collectingIO(): { io: CellIO; text: () => string } {
  let out = "";
  const io: CellIO = {
    print: (...values) => {
      out += values.map(pyStr).join(" ") + "\n";
    },
    display: (value) => {
      if (value !== null && value !== undefined) out += pyStr(value) + "\n";
    },
  };
  return { io, text: () => out };
}

/**
 * Runs a seed's cells in order on one fresh state. A cell that throws records its error and
 * the run goes on, as a notebook's later cells can still be run.
 */
export function runSeed<S>(seed: Seed<S>): CellResult[] {
  const state = seed.newState();
  return seed.cells.map((cell) => {
    if (!cell.run) return { id: cell.id, output: null, exception: cell.exception };
    const { io, text } = collectingIO();
    try {
      cell.run(io, state);
      return { id: cell.id, output: text(), exception: cell.exception };
    } catch (error) {
      return { id: cell.id, output: text(), exception: cell.exception, error };
    }
  });
}
