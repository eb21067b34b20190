/**
 * Built-in documentation: `torch.help(obj)` is Python's `help(obj)`, drawn from the TSDoc of
 * Kindling's exports. The text is extracted at build time (`npm run docs` runs
 * scripts/genDocs.ts into `generated.ts`), so this module needs neither the TypeScript
 * compiler nor anything Node-specific, and works in browsers.
 */
import * as torch from "../index.js";
import { DOCS } from "./generated.js";

/** One documented export, as scripts/genDocs.ts extracts it. */
export interface DocEntry {
  /** The path under `torch`: `ldexp`, `linalg.vectorNorm`, `nn.Linear`, `Tensor.add`. */
  path: string;
  /** What the path names; a `method` is looked up on its class's prototype, a `staticMethod` on the class. */
  kind: "function" | "class" | "method" | "staticMethod" | "data";
  /** Python's module name for the owner: `torch`, `torch.linalg`, `torch.nn.functional`. */
  module: string;
  /** The rendered text: signature line(s), then the indented documentation. */
  text: string;
}

/** Options of `help`. */
export interface HelpOptions {
  /** Where the text goes; `console.log` by default. */
  print?: (text: string) => void;
}

const byPath = new Map(DOCS.map((entry) => [entry.path, entry]));
let byObject: Map<unknown, DocEntry> | null = null;

/** The object an entry documents, found from the `torch` namespace. */
function resolve(entry: DocEntry): unknown {
  const parts = entry.path.split(".");
  const name = entry.kind === "method" || entry.kind === "staticMethod" ? parts.pop() : undefined;
  let value: unknown = torch;
  for (const part of parts) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[part];
  if (name === undefined || typeof value !== "function") return value;
  const owner: unknown = entry.kind === "method" ? value.prototype : value;
  return (owner as Record<string, unknown>)[name];
}

/** Maps each documented object to its entry; the first path wins for aliases (`F` is `nn.functional`). */
function objectIndex(): Map<unknown, DocEntry> {
  if (byObject) return byObject;
  byObject = new Map();
  for (const entry of DOCS) {
    const value = resolve(entry);
    if ((typeof value === "function" || (typeof value === "object" && value !== null)) && !byObject.has(value)) byObject.set(value, entry);
  }
  return byObject;
}

function lookup(obj: unknown): DocEntry | undefined {
  if (typeof obj === "string") return byPath.get(obj.replace(/^torch\./, ""));
  const index = objectIndex();
  const entry = index.get(obj);
  if (entry || typeof obj !== "object" || obj === null) return entry;
  // An instance (a tensor, a module) shows its class, as Python's help does.
  return index.get((obj as { constructor?: unknown }).constructor);
}

function header(entry: DocEntry): string {
  const name = entry.path.slice(entry.path.lastIndexOf(".") + 1);
  switch (entry.kind) {
    case "function":
      return `Help on function ${name} in module ${entry.module}:`;
    case "class":
      return `Help on class ${name} in module ${entry.module}:`;
    case "method":
    case "staticMethod":
      return `Help on method ${entry.path.split(".").slice(-2).join(".")} in module ${entry.module}:`;
    default:
      return `Help on ${name} in module ${entry.module}:`;
  }
}

/** An entry's text; a class's page goes on with its methods, as Python's does. */
function page(entry: DocEntry): string {
  if (entry.kind !== "class") return entry.text;
  const prefix = `${entry.path}.`;
  const methods = DOCS.filter((e) => (e.kind === "method" || e.kind === "staticMethod") && e.path.startsWith(prefix));
  if (methods.length === 0) return entry.text;
  const bar = (text: string): string[] => text.split("\n").map((l) => ` |  ${l}`.trimEnd());
  return [entry.text, " |", " |  Methods defined here:", ...methods.flatMap((m) => [" |", ...bar(m.text)])].join("\n");
}

function describe(obj: unknown): string {
  if (typeof obj === "string") return `'${obj}'`;
  if (typeof obj === "function") return `${obj.name || "an anonymous function"}`;
  return Object.prototype.toString.call(obj);
}

/**
 * Shows the documentation of a Kindling function, class, method or namespace member, as
 * Python's `help(obj)` does: a header naming it and its module, its signature, then its
 * description, parameters, return value, errors and example, all written from the TSDoc in
 * Kindling's source. An instance gets its class's page (`help(x)` for a tensor shows
 * `Tensor`), and a string is taken as a path under `torch` (`"linalg.vectorNorm"`).
 *
 * @param obj - what to document: the function or class itself (`torch.ldexp`, `torch.nn.Linear`,
 *   `x.add`), an instance, or a path string.
 * @param options - `print`: where the text goes (`console.log` by default).
 * @returns the text shown, so it can also be kept or searched.
 * @example
 * torch.help(torch.ldexp);
 * // Help on function ldexp in module torch:
 * //
 * // ldexp(input: Tensor, other: Tensor): Tensor
 * //     Scales `input` by powers of two: `out = input * 2 ** other`, ...
 */
export function help(obj: unknown, options?: HelpOptions): string {
  const entry = lookup(obj);
  const text = entry ? `${header(entry)}\n\n${page(entry)}` : `No Kindling documentation found for ${describe(obj)}.`;
  (options?.print ?? console.log)(text);
  return text;
}
