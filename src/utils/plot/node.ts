/**
 * Saving figures to files, for Node.js: the edge of `torch.utils.plot` that touches `node:fs`,
 * kept apart so that browser bundles never see it.
 */
import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import type { Figure } from "./figure.js";
import { gcf } from "./index.js";

/**
 * Writes a figure (default: the current one) to `path`, as PNG or SVG by the file's extension
 * (pyplot's `savefig`), replacing any file there.
 * @example
 * plt.plot(losses);
 * savefig("out/loss.png");
 * @throws matplotlib's "Format '…' is not supported" for other extensions, and the file system's errors.
 */
export function savefig(path: string, figure: Figure = gcf()): void {
  const format = extname(path).slice(1).toLowerCase();
  if (format === "png") writeFileSync(path, figure.toPNG());
  else if (format === "svg") writeFileSync(path, figure.toSVG());
  else throw new Error(`Format '${format}' is not supported (supported formats: png, svg)`);
}
