/**
 * What a figure draws on: a few primitives (polylines, rectangles, text) that the raster (PNG)
 * and SVG outputs both implement, so the layout code runs once for both.
 */

/** A colour as 0–255 red, green, blue. */
export type Rgb = readonly [number, number, number];

/** An axis-aligned rectangle in pixels, y downwards. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How a string is placed and drawn. */
export interface TextStyle {
  color: Rgb;
  /** Size as a multiple of the 5×9 bitmap font (one font pixel = `scale` pixels). */
  scale: number;
  /** Which point of the text `x` names: its start, middle or end along the reading direction. */
  anchor: "start" | "middle" | "end";
  /** Which point of the text `y` names, across the reading direction. */
  baseline: "top" | "middle" | "bottom";
  /** Reads upwards (a y-axis label) instead of left to right. */
  vertical?: boolean;
}

/** A drawing surface of `width × height` pixels with a white background. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  /** Joins the points `xy = [x0, y0, x1, y1, …]` with straight segments, clipped to `clip`. */
  polyline(xy: readonly number[], color: Rgb, lineWidth: number, clip?: Rect): void;
  /** A rectangle, filled and/or outlined by a line of width 1. */
  rect(r: Rect, fill: Rgb | null, stroke: Rgb | null): void;
  /** Draws `text` at (`x`, `y`) as `style` places it. */
  text(text: string, x: number, y: number, style: TextStyle): void;
}

/** matplotlib's default colour cycle (`tab10`), used for lines without a colour. */
export const COLOR_CYCLE: readonly string[] = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

/** matplotlib's one-letter colours. */
const BASE_COLORS: Record<string, string> = {
  b: "#0000ff", g: "#008000", r: "#ff0000", c: "#00bfbf", m: "#bf00bf", y: "#bfbf00", k: "#000000", w: "#ffffff",
};

/**
 * A colour from matplotlib's spellings: `"#rrggbb"`, `"#rgb"`, the cycle's `"C0"`–`"C9"`, or a
 * one-letter base colour (`"r"`, `"k"`…).
 * @throws matplotlib's "Invalid RGBA argument" for anything else.
 */
export function parseColor(color: string): Rgb {
  const cycle = /^C(\d)$/.exec(color);
  const hex = cycle ? COLOR_CYCLE[Number(cycle[1])] : (BASE_COLORS[color] ?? color);
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (long) return [parseInt(long[1], 16), parseInt(long[2], 16), parseInt(long[3], 16)];
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(hex);
  if (short) return [parseInt(short[1], 16) * 17, parseInt(short[2], 16) * 17, parseInt(short[3], 16) * 17];
  throw new Error(`Invalid RGBA argument: '${color}'`);
}

/** `#rrggbb` of a colour. */
export function hexColor(color: Rgb): string {
  return `#${color.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}
