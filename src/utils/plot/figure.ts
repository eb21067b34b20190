/**
 * Figures and axes (matplotlib's `Figure`, `Axes`, `Line2D`): lines of tensors or number arrays
 * with titles, axis labels, ticks and legends, drawn to PNG bytes or SVG text.
 */
import { Tensor } from "../../core/tensor.js";
import { COLOR_CYCLE, type Canvas, type Rect, type Rgb, type TextStyle, parseColor } from "./canvas.js";
import { GLYPH_HEIGHT, textWidth } from "./font.js";
import { encodePng } from "./png.js";
import { RasterCanvas } from "./raster.js";
import { SvgCanvas } from "./svg.js";

/** Data for one coordinate of a line: a tensor of at most one dim, or numbers. */
export type PlotData = Tensor | ArrayLike<number>;

/** Options of `plot`, named as matplotlib's keyword arguments. */
export interface PlotOptions {
  /** The line's name in the legend (lines without one are left out of it). */
  label?: string;
  /** `"#rrggbb"`, `"#rgb"`, `"C0"`–`"C9"` or a one-letter colour; default: the next of the colour cycle. */
  color?: string;
  /** Line width in points (default 1.5, matplotlib's). */
  linewidth?: number;
}

/** Where `legend` puts its box, as matplotlib's `loc`. */
export type LegendLocation = "best" | "upper right" | "upper left" | "lower left" | "lower right";

/** Options of `legend`. */
export interface LegendOptions {
  /** The corner of the axes (default `"best"`: the corner that covers the fewest data points). */
  loc?: LegendLocation;
}

/** Options of a new figure, as matplotlib's `figure()`. */
export interface FigureOptions {
  /** Width and height in inches (default `[6.4, 4.8]`, matplotlib's). */
  figsize?: [number, number];
  /** Pixels per inch (default 100, matplotlib's). */
  dpi?: number;
}

/** A plotted line (matplotlib's `Line2D`), as `plot` returns it. */
export class Line2D {
  constructor(
    /** The x coordinates. */
    readonly xdata: readonly number[],
    /** The y coordinates. */
    readonly ydata: readonly number[],
    /** The legend entry; empty when the line has none. */
    readonly label: string,
    /** The line's colour, `#rrggbb` or another `PlotOptions.color` spelling. */
    readonly color: string,
    /** Width in points. */
    readonly linewidth: number,
  ) {}
}

/**
 * The numbers of a tensor or array. A tensor goes through `numpy()`, so one that requires grad
 * is refused with PyTorch's message, as matplotlib's conversion to a NumPy array does.
 */
function toNumbers(data: PlotData): number[] {
  if (data instanceof Tensor) {
    if (data.dim() > 1) throw new Error(`plot takes 1-D data; got a tensor of shape [${data.shape.join(", ")}]`);
    return Array.from(data.numpy(), Number);
  }
  return Array.from(data, Number);
}

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const LEGEND_EDGE: Rgb = [204, 204, 204];
/** The bitmap font's scale for all text: 14-pixel capitals, near matplotlib's 10 pt at 100 dpi. */
const FONT_SCALE = 2;
const TEXT_HEIGHT = GLYPH_HEIGHT * FONT_SCALE;
/** Tick length and the gaps between ticks, labels and titles, in pixels. */
const TICK = 5;
const PAD = 6;
/** Fraction of the data range added on each side (matplotlib's `axes.xmargin`). */
const MARGIN = 0.05;

const textStyle = (style: Partial<TextStyle> = {}): TextStyle => ({
  color: BLACK,
  scale: FONT_SCALE,
  anchor: "middle",
  baseline: "top",
  ...style,
});

/** The smallest and largest finite value of the lines' coordinate, widened by the margins. */
function dataLimits(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) return [0, 1]; // matplotlib's limits of empty axes
  // A single value is widened by 5% of itself, or ±0.05 at zero (matplotlib's `nonsingular`).
  if (lo === hi) {
    const half = lo === 0 ? 0.05 : Math.abs(lo) * 0.05;
    [lo, hi] = [lo - half, hi + half];
  }
  const margin = (hi - lo) * MARGIN;
  return [lo - margin, hi + margin];
}

/**
 * Tick values inside [lo, hi]: the smallest step of 1, 2, 2.5 or 5 times a power of ten that
 * makes at most `maxBins` intervals (matplotlib's `MaxNLocator`), and their labels, all with
 * the decimals the step needs.
 */
function ticks(lo: number, hi: number, maxBins: number): { values: number[]; labels: string[] } {
  const raw = (hi - lo) / maxBins;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * magnitude).find((s) => s >= raw * (1 - 1e-9))!;
  let decimals = 0;
  while (decimals < 12 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  const values: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) values.push(k * step);
  const labels = values.map((v) => {
    const text = v.toFixed(decimals);
    return Number(text) === 0 ? (0).toFixed(decimals) : text;
  });
  return { values, labels };
}

/** One set of axes of a figure (matplotlib's `Axes`): its lines, titles and legend. */
export class Axes {
  /** The lines, in the order they were plotted. */
  readonly lines: Line2D[] = [];
  private titleText = "";
  private xlabelText = "";
  private ylabelText = "";
  private legendLocation: LegendLocation | null = null;
  private cycleIndex = 0;

  /**
   * Plots `y` against `x` as a line; with only `x` given, plots it against 0, 1, 2…
   * (matplotlib's `plot(y)`).
   * @example
   * const a = torch.linspace(0, 2 * Math.PI, 25);
   * ax.plot(a, torch.sin(a), { label: "sin", color: "C1" });
   * @throws PyTorch's "Can't call numpy() on Tensor that requires grad…" for a tensor that
   *   requires grad (detach it first), and matplotlib's error when x and y differ in length.
   */
  plot(x: PlotData, y?: PlotData, options: PlotOptions = {}): Line2D[] {
    let xs = toNumbers(x);
    let ys: number[];
    if (y === undefined) [xs, ys] = [xs.map((_, i) => i), xs];
    else ys = toNumbers(y);
    if (xs.length !== ys.length)
      throw new Error(`x and y must have same first dimension, but have shapes (${xs.length},) and (${ys.length},)`);
    // As in matplotlib, only lines without a colour take (and advance) the cycle.
    const color = options.color ?? COLOR_CYCLE[this.cycleIndex++ % COLOR_CYCLE.length];
    parseColor(color); // refuse a bad colour now rather than when drawing
    const line = new Line2D(xs, ys, options.label ?? "", color, options.linewidth ?? 1.5);
    this.lines.push(line);
    return [line];
  }

  /** Sets the title above the axes (matplotlib's `set_title`). */
  setTitle(label: string): void {
    this.titleText = label;
  }

  /** Sets the label below the x axis (matplotlib's `set_xlabel`). */
  setXlabel(label: string): void {
    this.xlabelText = label;
  }

  /** Sets the label left of the y axis (matplotlib's `set_ylabel`). */
  setYlabel(label: string): void {
    this.ylabelText = label;
  }

  /**
   * Shows a legend of the labelled lines.
   * @example
   * ax.plot(steps, losses, { label: "train loss" });
   * ax.legend({ loc: "upper right" });
   */
  legend(options: LegendOptions = {}): void {
    this.legendLocation = options.loc ?? "best";
  }

  /**
   * @internal Draws the axes into `cell`: it sizes the margins for the tick labels, axis
   * labels and title first, so nothing overlaps.
   */
  draw(canvas: Canvas, cell: Rect): void {
    const xs = this.lines.flatMap((l) => l.xdata);
    const ys = this.lines.flatMap((l) => l.ydata);
    const [x0, x1] = dataLimits(xs);
    const [y0, y1] = dataLimits(ys);
    // At most 9 intervals, and room for the labels between ticks (wider along x, where they sit side by side).
    const bins = (length: number, spacing: number) => Math.max(3, Math.min(9, Math.floor(length / spacing)));
    const xTicks = ticks(x0, x1, bins(cell.width, 4 * TEXT_HEIGHT));
    const yTicks = ticks(y0, y1, bins(cell.height, 3 * TEXT_HEIGHT));
    const labelWidth = (labels: string[]) => Math.max(0, ...labels.map((l) => textWidth(l) * FONT_SCALE));
    const left = PAD + (this.ylabelText ? TEXT_HEIGHT + PAD : 0) + labelWidth(yTicks.labels) + PAD + TICK;
    const bottom = TICK + PAD + TEXT_HEIGHT + (this.xlabelText ? PAD + TEXT_HEIGHT : 0) + PAD;
    const top = (this.titleText ? TEXT_HEIGHT + 2 * PAD : 0) + PAD;
    const right = 2 * PAD + labelWidth(xTicks.labels) / 2; // the last x label may sit on the right edge
    const box: Rect = { x: cell.x + left, y: cell.y + top, width: cell.width - left - right, height: cell.height - top - bottom };
    const px = (x: number) => box.x + ((x - x0) / (x1 - x0)) * box.width;
    const py = (y: number) => box.y + box.height - ((y - y0) / (y1 - y0)) * box.height;

    for (const line of this.lines) {
      // A point that is not finite breaks the line, as in matplotlib.
      let run: number[] = [];
      const flush = () => {
        if (run.length >= 2) canvas.polyline(run, parseColor(line.color), (line.linewidth * 100) / 72, box);
        run = [];
      };
      line.xdata.forEach((x, i) => {
        if (Number.isFinite(x) && Number.isFinite(line.ydata[i])) run.push(px(x), py(line.ydata[i]));
        else flush();
      });
      flush();
    }
    canvas.rect(box, null, BLACK);
    const axisBottom = Math.round(box.y + box.height);
    xTicks.values.forEach((v, i) => {
      const x = Math.round(px(v)) + 0.5;
      canvas.polyline([x, axisBottom, x, axisBottom + TICK], BLACK, 1);
      canvas.text(xTicks.labels[i], x, axisBottom + TICK + PAD, textStyle());
    });
    const axisLeft = Math.round(box.x);
    yTicks.values.forEach((v, i) => {
      const y = Math.round(py(v)) + 0.5;
      canvas.polyline([axisLeft - TICK, y, axisLeft, y], BLACK, 1);
      canvas.text(yTicks.labels[i], axisLeft - TICK - PAD, y, textStyle({ anchor: "end", baseline: "middle" }));
    });
    const centreX = box.x + box.width / 2;
    if (this.titleText) canvas.text(this.titleText, centreX, box.y - PAD, textStyle({ baseline: "bottom" }));
    if (this.xlabelText) canvas.text(this.xlabelText, centreX, axisBottom + TICK + 2 * PAD + TEXT_HEIGHT, textStyle());
    if (this.ylabelText)
      canvas.text(this.ylabelText, cell.x + PAD, box.y + box.height / 2, textStyle({ baseline: "top", vertical: true }));
    if (this.legendLocation) this.drawLegend(canvas, this.legendLocation, box, px, py);
  }

  private drawLegend(
    canvas: Canvas,
    loc: LegendLocation,
    box: Rect,
    px: (x: number) => number,
    py: (y: number) => number,
  ): void {
    const entries = this.lines.filter((l) => l.label !== "");
    if (entries.length === 0) return;
    const sample = 2 * TEXT_HEIGHT;
    const rowHeight = TEXT_HEIGHT + PAD;
    const width = PAD + sample + PAD + Math.max(...entries.map((l) => textWidth(l.label) * FONT_SCALE)) + PAD;
    const height = entries.length * rowHeight + PAD;
    const corner = (loc: Exclude<LegendLocation, "best">): Rect => ({
      x: loc.endsWith("left") ? box.x + PAD : box.x + box.width - PAD - width,
      y: loc.startsWith("upper") ? box.y + PAD : box.y + box.height - PAD - height,
      width,
      height,
    });
    const corners = ["upper right", "upper left", "lower left", "lower right"] as const;
    const covered = (r: Rect) =>
      this.lines.reduce((n, l) => {
        let inside = 0;
        l.xdata.forEach((x, i) => {
          const [cx, cy] = [px(x), py(l.ydata[i])];
          if (cx >= r.x && cx <= r.x + r.width && cy >= r.y && cy <= r.y + r.height) inside++;
        });
        return n + inside;
      }, 0);
    const frame =
      loc === "best" ? corners.map(corner).reduce((best, r) => (covered(r) < covered(best) ? r : best)) : corner(loc);
    canvas.rect(frame, WHITE, LEGEND_EDGE);
    entries.forEach((line, i) => {
      const y = frame.y + PAD + i * rowHeight + TEXT_HEIGHT / 2;
      canvas.polyline([frame.x + PAD, y, frame.x + PAD + sample, y], parseColor(line.color), (line.linewidth * 100) / 72);
      canvas.text(line.label, frame.x + 2 * PAD + sample, y, textStyle({ anchor: "start", baseline: "middle" }));
    });
  }
}

/**
 * A figure (matplotlib's `Figure`): a grid of axes drawn to a `width × height` pixel image.
 *
 * @example
 * const fig = new Figure({ figsize: [12.8, 4.8] });
 * const [loss, accuracy] = fig.subplots(1, 2);
 * loss.plot(steps, losses, { label: "train" });
 * accuracy.plot(epochs, accuracies);
 * const png = fig.toPNG(); // Uint8Array: a PNG file
 */
export class Figure {
  /** Width in pixels (`figsize[0] × dpi`). */
  readonly width: number;
  /** Height in pixels (`figsize[1] × dpi`). */
  readonly height: number;
  private grid: { rows: number; cols: number; axes: Axes[] } = { rows: 1, cols: 1, axes: [] };

  constructor(options: FigureOptions = {}) {
    const [w, h] = options.figsize ?? [6.4, 4.8];
    const dpi = options.dpi ?? 100;
    this.width = Math.round(w * dpi);
    this.height = Math.round(h * dpi);
  }

  /** The figure's axes, row by row. */
  get axes(): Axes[] {
    return [...this.grid.axes];
  }

  /**
   * Replaces the figure's axes with a grid of `nrows × ncols`, returned row by row (matplotlib
   * returns one `Axes` for a 1×1 grid; this always returns a list).
   * @throws when a count is not a positive integer.
   */
  subplots(nrows = 1, ncols = 1): Axes[] {
    if (!(Number.isInteger(nrows) && nrows > 0 && Number.isInteger(ncols) && ncols > 0))
      throw new Error(`Number of rows and columns must be positive integers, not ${nrows} and ${ncols}`);
    const axes = Array.from({ length: nrows * ncols }, () => new Axes());
    this.grid = { rows: nrows, cols: ncols, axes };
    return [...axes];
  }

  /** The current axes (matplotlib's `gca`): the last of the grid, created when there is none. */
  gca(): Axes {
    if (this.grid.axes.length === 0) this.subplots();
    return this.grid.axes[this.grid.axes.length - 1];
  }

  /** The figure as a PNG file. */
  toPNG(): Uint8Array {
    const canvas = new RasterCanvas(this.width, this.height);
    this.draw(canvas);
    return encodePng(this.width, this.height, canvas.pixels);
  }

  /** The figure as an SVG document. */
  toSVG(): string {
    const canvas = new SvgCanvas(this.width, this.height);
    this.draw(canvas);
    return canvas.toString();
  }

  private draw(canvas: Canvas): void {
    const { rows, cols, axes } = this.grid;
    const cellWidth = this.width / cols;
    const cellHeight = this.height / rows;
    axes.forEach((ax, i) =>
      ax.draw(canvas, { x: (i % cols) * cellWidth, y: Math.floor(i / cols) * cellHeight, width: cellWidth, height: cellHeight }),
    );
  }
}
