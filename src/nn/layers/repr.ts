/** Python's spelling of values in module reprs (`True`, `None`, `1e-05`, `(3, 3)`), shared by the layers. */
import { formatPythonFloat } from "../../core/format.js";

/** `True` / `False`. */
export function pyBool(value: boolean): string {
  return value ? "True" : "False";
}

/** A float as Python prints it (`0.1`, `1e-05`, `1.0`), or `None`. */
export function pyFloat(value: number | null): string {
  return value === null ? "None" : formatPythonFloat(value);
}

/** An int, `None`, or a tuple of them as Python prints it: `2`, `(3, 3)`, `(5,)`, `(None, 7)`. */
export function pyInts(value: number | null | readonly (number | null)[]): string {
  if (value === null) return "None";
  if (typeof value === "number") return String(value);
  const items = value.map((v) => (v === null ? "None" : String(v)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}
