/**
 * Tensor printing that reproduces PyTorch's `repr(tensor)` character for character, plus
 * Python's `repr(float)` for scalars.
 *
 * Numbers are formatted from their exact binary value with round-half-even, as Python's
 * `'{:.4f}'` / `'{:.4e}'` do; JavaScript's `toFixed` rounds exact ties up instead
 * (0.03125 → "0.0313" where Python prints "0.0312").
 */

import { getDefaultDtype, type DType } from "./dtype.js";

/** Options of `torch.set_printoptions`. */
export interface PrintOptions {
  /** Digits after the decimal point for floating values (default 4). */
  precision: number;
  /** Element count above which a tensor is summarised with `...` (default 1000). */
  threshold: number;
  /** Items kept at each end of a summarised dimension (default 3). */
  edgeitems: number;
  /** Characters per line before rows wrap (default 80). */
  linewidth: number;
  /** Force (`true`) or forbid (`false`) scientific notation; `null` lets the values decide. */
  sciMode: boolean | null;
}

type ProfileName = "default" | "short" | "full";

const PROFILES: Record<ProfileName, Omit<PrintOptions, "sciMode">> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

const current: PrintOptions = { ...PROFILES.default, sciMode: null };

/**
 * torch.set_printoptions: precision, threshold, edgeitems, linewidth, sciMode, profile
 * ('default' | 'short' | 'full'). A profile is applied first, then the explicit options.
 * As in PyTorch, `sciMode` returns to automatic (`null`) whenever it is not given.
 *
 * @example
 * setPrintoptions({ precision: 2 });
 * setPrintoptions({ profile: "default" }); // restore
 */
export function setPrintoptions(
  options: Partial<PrintOptions> & { profile?: ProfileName },
): void {
  if (options.profile !== undefined) Object.assign(current, PROFILES[options.profile]);
  if (options.precision !== undefined) current.precision = options.precision;
  if (options.threshold !== undefined) current.threshold = options.threshold;
  if (options.edgeitems !== undefined) current.edgeitems = options.edgeitems;
  if (options.linewidth !== undefined) current.linewidth = options.linewidth;
  current.sciMode = options.sciMode ?? null;
}

/** A copy of the current print options. */
export function getPrintoptions(): PrintOptions {
  return { ...current };
}

/** What `formatTensor` needs to know about a tensor. */
export interface TensorReprInput {
  /** Row-major contiguous element values (bool as 0/1; int64 as plain numbers). */
  values: ArrayLike<number>;
  /** The tensor's shape; `[]` for a 0-dim tensor. */
  shape: readonly number[];
  /** The element type; decides number style and the `dtype=` suffix. */
  dtype: DType;
  /** Print `requires_grad=True` when true and `gradFnName` is null. */
  requiresGrad: boolean;
  /** Print `grad_fn=<Name>` when non-null. */
  gradFnName: string | null;
  /** Default "tensor("; lets `Parameter containing:\ntensor(` reuse the layout. */
  prefix?: string;
}

/**
 * The exact text of PyTorch's repr, e.g. "tensor([[1., 2.]], requires_grad=True)".
 * Honours the options set with {@link setPrintoptions}.
 */
export function formatTensor(t: TensorReprInput): string {
  const prefix = t.prefix ?? "tensor(";
  // Continuation lines align under the opening parenthesis of the prefix's last line.
  const indent = prefix.length - (prefix.lastIndexOf("\n") + 1);
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const body = numel === 0 ? "[]" : tensorBody(t, numel, indent);
  return appendSuffixes(prefix + body, suffixesOf(t, numel), indent);
}

/**
 * Python's str(float) for a JS number as PyTorch's `.item()` shows it: 1.2000000476837158,
 * 1.0, 28.0, inf, nan, 1e-05, 1e+16 (Python repr of a float). Also used by f-strings in
 * examples.
 */
export function formatPythonFloat(v: number): string {
  if (!Number.isFinite(v)) return nonFiniteText(v);
  const sign = isNegative(v) ? "-" : "";
  if (v === 0) return `${sign}0.0`;
  const { digits, exp } = shortestDigits(Math.abs(v));
  // Python switches to exponent form below 1e-4 and from 1e16 on.
  if (exp < -4 || exp >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponentText(exp)}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intDigits = exp + 1;
  if (digits.length <= intDigits) return `${sign}${digits.padEnd(intDigits, "0")}.0`;
  return `${sign}${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
}

// ---------------------------------------------------------------------------------------
// Layout

/** The bracketed contents of a non-empty tensor. */
function tensorBody(t: TensorReprInput, numel: number, indent: number): string {
  const opts = current;
  const summarize = numel > opts.threshold;
  const { shape, values } = t;
  if (shape.length === 0) return elementFormatter([values[0]!], t.dtype, opts).format(values[0]!);
  // PyTorch 2.x: with no edge items to keep, a summary is just the ellipsis.
  if (summarize && opts.edgeitems === 0) return "[...]";

  const strides = rowMajorStrides(shape);
  const pick = (size: number): (number | null)[] => shownIndices(size, summarize, opts.edgeitems);
  // Column widths come from the elements actually shown, not the hidden middle.
  const formatter = elementFormatter(shownValues(values, shape, strides, pick), t.dtype, opts);

  const render = (offset: number, dim: number, ind: number): string => {
    if (dim === shape.length - 1) {
      const items = pick(shape[dim]!).map((i) =>
        i === null ? " ..." : formatter.format(values[offset + i]!),
      );
      return vectorText(items, formatter.width, ind, opts.linewidth);
    }
    const slices = pick(shape[dim]!).map((i) =>
      i === null ? "..." : render(offset + i * strides[dim]!, dim + 1, ind + 1),
    );
    // Sub-blocks of rank k are separated by k - 1 blank lines.
    const separator = "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(ind + 1);
    return `[${slices.join(separator)}]`;
  };
  return render(0, 0, indent);
}

/** One innermost row, wrapped so that each line fits `linewidth`. */
function vectorText(items: string[], width: number, indent: number, linewidth: number): string {
  // Each element takes its width plus ", ".
  const perLine = Math.max(1, Math.floor((linewidth - indent) / (width + 2)));
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) {
    lines.push(items.slice(i, i + perLine).join(", "));
  }
  return `[${lines.join(",\n" + " ".repeat(indent + 1))}]`;
}

/** Indices shown along a dimension; `null` marks the ellipsis of a summary. */
function shownIndices(size: number, summarize: boolean, edge: number): (number | null)[] {
  const range = (from: number, to: number): number[] =>
    Array.from({ length: to - from }, (_, i) => from + i);
  if (!summarize || size <= 2 * edge) return range(0, size);
  return [...range(0, edge), null, ...range(size - edge, size)];
}

/** The values that will be printed, in order. */
function shownValues(
  values: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[],
  pick: (size: number) => (number | null)[],
): number[] {
  const out: number[] = [];
  const visit = (offset: number, dim: number): void => {
    for (const i of pick(shape[dim]!)) {
      if (i === null) continue;
      if (dim === shape.length - 1) out.push(values[offset + i]!);
      else visit(offset + i * strides[dim]!, dim + 1);
    }
  };
  visit(0, 0);
  return out;
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d]!;
  }
  return strides;
}

// ---------------------------------------------------------------------------------------
// Suffixes

/** `size=`, `dtype=`, then `grad_fn=` or `requires_grad=`, in PyTorch's order. */
function suffixesOf(t: TensorReprInput, numel: number): string[] {
  const suffixes: string[] = [];
  const defaultName = getDefaultDtype().name;
  if (numel === 0) {
    // An empty tensor has no values to reveal its shape or dtype, so both are spelled out
    // (except the plain 1-D shape and the default float dtype).
    if (t.shape.length !== 1) suffixes.push(`size=${pythonTuple(t.shape)}`);
    if (t.dtype.name !== defaultName) suffixes.push(`dtype=torch.${t.dtype.name}`);
  } else {
    // PyTorch 2.x: with edgeitems 0 no values show, so the shape is spelled out instead.
    if (current.edgeitems === 0) suffixes.push(`size=${pythonTuple(t.shape)}`);
    // int64 and bool are recognisable from the printed values.
    if (![defaultName, "int64", "bool"].includes(t.dtype.name)) {
      suffixes.push(`dtype=torch.${t.dtype.name}`);
    }
  }
  if (t.gradFnName !== null) suffixes.push(`grad_fn=<${t.gradFnName}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return suffixes;
}

/** Joins suffixes with ", ", starting a new line when one would pass `linewidth`. */
function appendSuffixes(text: string, suffixes: string[], indent: number): string {
  const linewidth = current.linewidth;
  // PyTorch's own measure of the last line (one or two more than its length); kept so
  // that wrapping happens exactly where PyTorch wraps.
  let lastLine = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > linewidth) {
      text += ",\n" + " ".repeat(indent) + suffix;
      lastLine = indent + suffix.length;
    } else {
      text += ", " + suffix;
      lastLine += suffix.length + 2;
    }
  }
  return text + ")";
}

/** Python's str of a tuple of ints: `(0, 3)`, `(2,)`, `()`. */
function pythonTuple(items: readonly number[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}

// ---------------------------------------------------------------------------------------
// Elements

/** Formats every element of one tensor to a common, right-aligned width. */
interface ElementFormatter {
  width: number;
  format(v: number): string;
}

/**
 * Chooses how a tensor's elements print, from the elements shown. Integers and bools print
 * as Python would. Floats print in one of three styles, chosen from the non-zero finite
 * values: integer style (`27.`) when all are whole, scientific when they span more than
 * three orders of magnitude, exceed 1e8, or (for non-whole values) go below 1e-4, and
 * fixed-point with `precision` decimals otherwise.
 */
function elementFormatter(shown: number[], dtype: DType, opts: PrintOptions): ElementFormatter {
  if (!dtype.isFloatingPoint) {
    const text = dtype.name === "bool" ? (v: number) => (v ? "True" : "False") : String;
    return padded(maxOf(shown, (v) => text(v).length), text);
  }
  const p = opts.precision;
  const informative = shown.filter((v) => Number.isFinite(v) && v !== 0);
  // With nothing but zeros and non-finite values, PyTorch keeps integer style and ignores
  // a forced sciMode.
  if (informative.length === 0) return padded(1, intStyle);

  let min = Infinity;
  let max = 0;
  for (const v of informative) {
    min = Math.min(min, Math.abs(v));
    max = Math.max(max, Math.abs(v));
  }
  const wholes = informative.every(Number.isInteger);
  const wideRange = max / min > 1000 || max > 1e8;
  const autoSci = wholes ? wideRange : wideRange || min < 1e-4;

  // The width is measured in the automatically chosen style even when sciMode overrides it.
  const measure = autoSci
    ? (v: number) => formatExponential(v, p).length
    : wholes
      ? (v: number) => intStyle(v).length
      : (v: number) => formatFixed(v, p).length;
  const width = maxOf(informative, measure);

  const sci = opts.sciMode ?? autoSci;
  if (sci) return padded(width, (v) => formatExponential(v, p));
  if (wholes) return padded(width, intStyle);
  return padded(width, (v) => formatFixed(v, p));
}

/** The largest `f(v)`, at least 1 (a loop: spreading a huge array overflows the stack). */
function maxOf(values: number[], f: (v: number) => number): number {
  let max = 1;
  for (const v of values) max = Math.max(max, f(v));
  return max;
}

function padded(width: number, text: (v: number) => string): ElementFormatter {
  return { width, format: (v) => text(v).padStart(width) };
}

/** A whole float with a trailing point (`27.`, `-0.`) so it reads as floating; `nan`/`inf` bare. */
function intStyle(v: number): string {
  return Number.isFinite(v) ? `${formatFixed(v, 0)}.` : nonFiniteText(v);
}

// ---------------------------------------------------------------------------------------
// Number text

/** Python's `'{:.<p>f}'.format(v)`. */
function formatFixed(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFiniteText(v);
  const { digits, exponent } = exactDecimal(Math.abs(v));
  const scaled = roundShift(digits, -exponent - precision)
    .toString()
    .padStart(precision + 1, "0");
  const cut = scaled.length - precision;
  const text = precision > 0 ? `${scaled.slice(0, cut)}.${scaled.slice(cut)}` : scaled;
  return (isNegative(v) ? "-" : "") + text;
}

/** Python's `'{:.<p>e}'.format(v)`, e.g. `1.0240e+02`. */
function formatExponential(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFiniteText(v);
  const sign = isNegative(v) ? "-" : "";
  let mantissa = 0n;
  let exp = 0;
  if (v !== 0) {
    const { digits, exponent } = exactDecimal(Math.abs(v));
    const length = digits.toString().length;
    exp = length - 1 + exponent;
    mantissa = roundShift(digits, length - 1 - precision);
    // Rounding up may carry into a new digit (9.99996 → 10.0000): renormalise.
    if (mantissa.toString().length > precision + 1) {
      mantissa /= 10n;
      exp += 1;
    }
  }
  const m = mantissa.toString().padEnd(precision + 1, "0");
  const text = precision > 0 ? `${m[0]}.${m.slice(1)}` : m;
  return `${sign}${text}e${exponentText(exp)}`;
}

/** A finite non-negative double as the exact decimal `digits × 10^exponent`. */
function exactDecimal(x: number): { digits: bigint; exponent: number } {
  if (x === 0) return { digits: 0n, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Subnormals have no implicit leading bit and the smallest normal exponent.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = Math.max(biased, 1) - 1075;
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), exponent: 0 };
  // m / 2^k = m·5^k / 10^k, so every double has a finite decimal expansion.
  return { digits: mantissa * 5n ** BigInt(-exp2), exponent: exp2 };
}

/** `digits / 10^drop` rounded half-to-even (a negative `drop` multiplies). */
function roundShift(digits: bigint, drop: number): bigint {
  if (drop <= 0) return digits * 10n ** BigInt(-drop);
  const unit = 10n ** BigInt(drop);
  const quotient = digits / unit;
  const twiceRest = (digits % unit) * 2n;
  const roundUp = twiceRest > unit || (twiceRest === unit && quotient % 2n === 1n);
  return roundUp ? quotient + 1n : quotient;
}

/** The shortest round-trip digits of a positive finite double, as `d.ddd × 10^exp`. */
function shortestDigits(x: number): { digits: string; exp: number } {
  // JS and Python both pick the shortest round-tripping digits closest to the value;
  // only the layout differs, so take JS's digits and lay them out Python's way.
  const [mantissa = "", exponent = "0"] = String(x).split("e");
  const [whole = "", fraction = ""] = mantissa.split(".");
  const all = whole + fraction;
  const lead = all.search(/[1-9]/);
  return {
    digits: all.slice(lead).replace(/0+$/, ""),
    exp: whole.length - lead - 1 + Number(exponent),
  };
}

/** Python's exponent: explicit sign and at least two digits (`e+02`, `e-100`). */
function exponentText(exp: number): string {
  return (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
}

function nonFiniteText(v: number): string {
  if (Number.isNaN(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

/** True for negative numbers and -0, which Python prints with a sign. */
function isNegative(v: number): boolean {
  return v < 0 || Object.is(v, -0);
}
