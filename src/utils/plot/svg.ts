/** A canvas that writes SVG elements: the vector output of a figure. */
import { type Canvas, type Rect, type Rgb, type TextStyle, hexColor } from "./canvas.js";
import { GLYPH_HEIGHT } from "./font.js";

/** Rounds to 0.01 px, enough for any screen, and keeps the text short. */
function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Collects a figure's drawing as SVG; `toString()` gives the document. */
export class SvgCanvas implements Canvas {
  private readonly elements: string[] = [];
  private readonly clips = new Map<string, string>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  polyline(xy: readonly number[], color: Rgb, lineWidth: number, clip?: Rect): void {
    const points: string[] = [];
    for (let i = 0; i + 1 < xy.length; i += 2) points.push(`${num(xy[i])},${num(xy[i + 1])}`);
    const clipPath = clip ? ` clip-path="url(#${this.clipId(clip)})"` : "";
    this.elements.push(
      `<polyline points="${points.join(" ")}" fill="none" stroke="${hexColor(color)}" stroke-width="${num(lineWidth)}" ` +
        `stroke-linejoin="round" stroke-linecap="square"${clipPath}/>`,
    );
  }

  rect(r: Rect, fill: Rgb | null, stroke: Rgb | null): void {
    this.elements.push(
      `<rect x="${num(r.x)}" y="${num(r.y)}" width="${num(r.width)}" height="${num(r.height)}" ` +
        `fill="${fill ? hexColor(fill) : "none"}" stroke="${stroke ? hexColor(stroke) : "none"}"/>`,
    );
  }

  text(text: string, x: number, y: number, style: TextStyle): void {
    // A sans-serif font whose capitals are as tall as the bitmap font's.
    const size = (GLYPH_HEIGHT - 1) * style.scale;
    const baseline = { top: "hanging", middle: "central", bottom: "alphabetic" }[style.baseline];
    const rotate = style.vertical ? ` transform="rotate(-90 ${num(x)} ${num(y)})"` : "";
    this.elements.push(
      `<text x="${num(x)}" y="${num(y)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${size}" ` +
        `fill="${hexColor(style.color)}" text-anchor="${style.anchor}" dominant-baseline="${baseline}"${rotate}>${escapeXml(text)}</text>`,
    );
  }

  toString(): string {
    const defs = this.clips.size
      ? `<defs>${[...this.clips].map(([key, id]) => {
          const [x, y, w, h] = key.split(" ");
          return `<clipPath id="${id}"><rect x="${x}" y="${y}" width="${w}" height="${h}"/></clipPath>`;
        }).join("")}</defs>\n`
      : "";
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">\n` +
      `<rect width="100%" height="100%" fill="#ffffff"/>\n${defs}${this.elements.join("\n")}\n</svg>\n`
    );
  }

  /** The id of a clip path for `r`, one per distinct rectangle. */
  private clipId(r: Rect): string {
    const key = [r.x, r.y, r.width, r.height].map(num).join(" ");
    if (!this.clips.has(key)) this.clips.set(key, `clip${this.clips.size}`);
    return this.clips.get(key)!;
  }
}
