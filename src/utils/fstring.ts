/**
 * Python f-string formatting for template literals. A 0-dim tensor formats as its Python
 * float (`1.2000000476837158`, `27.0`), as PyTorch's `Tensor.__format__` does; other tensors as
 * their repr.
 */
import { Tensor } from "../core/tensor.js";
import { formatPythonFloat } from "../core/format.js";

/**
 * Tag for template literals that formats values as a Python f-string would.
 * @example
 * console.log(torch.f`Gradient of b:\t${b.grad}`); // Gradient of b:	1.2000000476837158
 */
export function f(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0];
  values.forEach((v, i) => {
    out += formatValue(v) + strings[i + 1];
  });
  return out;
}

function formatValue(v: unknown): string {
  if (v instanceof Tensor) {
    if (v._shape.length !== 0) return v.toString();
    const x = v.item();
    if (v.dtype.isFloatingPoint) return formatPythonFloat(x);
    return v.dtype.name === "bool" ? (x ? "True" : "False") : String(x);
  }
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}
