/**
 * `torch.utils.plot`: line plots of tensors in matplotlib's words (`pyplot`'s `figure`, `plot`,
 * `title`, `xlabel`, `ylabel`, `legend`, `subplots`), drawn to PNG or SVG in plain TypeScript,
 * so it runs in browsers too. Saving to a file is Node's `savefig` from `kindling/utils/plot/node`.
 *
 * As in pyplot, the functions draw on the current figure (a new one after `figure()` or
 * `close()`); `Figure` and `Axes` are the object-oriented interface.
 */
import { Axes, Figure, type FigureOptions, type LegendOptions, type Line2D, type PlotData, type PlotOptions } from "./figure.js";

export { Axes, Figure, Line2D } from "./figure.js";
export type { FigureOptions, LegendLocation, LegendOptions, PlotData, PlotOptions } from "./figure.js";

let current: Figure | null = null;

/**
 * Starts a new figure and makes it the current one (pyplot's `figure()`).
 * @example
 * const fig = plt.figure({ figsize: [8, 4] }); // 800 × 400 pixels
 */
export function figure(options?: FigureOptions): Figure {
  current = new Figure(options);
  return current;
}

/** The current figure (pyplot's `gcf`), created when there is none. */
export function gcf(): Figure {
  return current ?? figure();
}

/** The current axes of the current figure (pyplot's `gca`). */
export function gca(): Axes {
  return gcf().gca();
}

/**
 * Forgets the current figure (pyplot's `close()`), so the next plot starts a new one.
 * @example
 * savefig("sin.png");
 * plt.close();
 */
export function close(): void {
  current = null;
}

/**
 * A new figure with a grid of axes, made current (pyplot's `subplots`): `[figure, axes]`, the
 * axes row by row (always a list, also for 1×1).
 * @example
 * const [fig, [loss, accuracy]] = plt.subplots(1, 2, { figsize: [12.8, 4.8] });
 */
export function subplots(nrows = 1, ncols = 1, options?: FigureOptions): [Figure, Axes[]] {
  const fig = figure(options);
  return [fig, fig.subplots(nrows, ncols)];
}

/**
 * Plots `y` against `x` on the current axes (pyplot's `plot`); see `Axes.plot`.
 * @example
 * const a = torch.linspace(0, 2 * Math.PI, 25, { requiresGrad: true });
 * plt.plot(a.detach(), torch.sin(a).detach());
 * @throws PyTorch's "Can't call numpy() on Tensor that requires grad…" for a tensor that requires grad.
 */
export function plot(x: PlotData, y?: PlotData, options?: PlotOptions): Line2D[] {
  return gca().plot(x, y, options);
}

/** Sets the current axes' title (pyplot's `title`). */
export function title(label: string): void {
  gca().setTitle(label);
}

/** Sets the current axes' x-axis label (pyplot's `xlabel`). */
export function xlabel(label: string): void {
  gca().setXlabel(label);
}

/** Sets the current axes' y-axis label (pyplot's `ylabel`). */
export function ylabel(label: string): void {
  gca().setYlabel(label);
}

/** Shows a legend of the current axes' labelled lines (pyplot's `legend`). */
export function legend(options?: LegendOptions): void {
  gca().legend(options);
}
