/**
 * A pixel canvas (RGB, 8 bits a channel): anti-aliased lines and the bitmap font, enough to
 * draw a figure without a browser canvas or native libraries.
 */
import type { Canvas, Rect, Rgb, TextStyle } from "./canvas.js";
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphMask, textWidth } from "./font.js";

/** A white `width × height` image that figures draw on; `pixels` is row-major RGB. */
export class RasterCanvas implements Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
  }

  /**
   * Each pixel's coverage is its centre's distance to the nearest segment, so a line is
   * anti-aliased, and a pixel shared by two segments is blended once (at its largest coverage).
   */
  polyline(xy: readonly number[], color: Rgb, lineWidth: number, clip?: Rect): void {
    const x0 = Math.max(0, Math.floor(clip?.x ?? 0));
    const y0 = Math.max(0, Math.floor(clip?.y ?? 0));
    const x1 = Math.min(this.width, Math.ceil(clip ? clip.x + clip.width : this.width));
    const y1 = Math.min(this.height, Math.ceil(clip ? clip.y + clip.height : this.height));
    if (x1 <= x0 || y1 <= y0) return;
    const cols = x1 - x0;
    const coverage = new Float32Array(cols * (y1 - y0));
    const reach = lineWidth / 2 + 0.5;
    for (let i = 0; i + 3 < xy.length; i += 2) {
      const [ax, ay, bx, by] = [xy[i], xy[i + 1], xy[i + 2], xy[i + 3]];
      const dx = bx - ax;
      const dy = by - ay;
      const lengthSquared = dx * dx + dy * dy;
      const left = Math.max(x0, Math.floor(Math.min(ax, bx) - reach));
      const right = Math.min(x1, Math.ceil(Math.max(ax, bx) + reach));
      const top = Math.max(y0, Math.floor(Math.min(ay, by) - reach));
      const bottom = Math.min(y1, Math.ceil(Math.max(ay, by) + reach));
      for (let y = top; y < bottom; y++) {
        for (let x = left; x < right; x++) {
          const px = x + 0.5 - ax;
          const py = y + 0.5 - ay;
          const t = lengthSquared === 0 ? 0 : Math.min(1, Math.max(0, (px * dx + py * dy) / lengthSquared));
          const distance = Math.hypot(px - t * dx, py - t * dy);
          const c = Math.min(1, reach - distance);
          const k = (y - y0) * cols + (x - x0);
          if (c > coverage[k]) coverage[k] = c;
        }
      }
    }
    for (let k = 0; k < coverage.length; k++)
      if (coverage[k] > 0) this.blend(x0 + (k % cols), y0 + Math.floor(k / cols), color, coverage[k]);
  }

  rect(r: Rect, fill: Rgb | null, stroke: Rgb | null): void {
    if (fill) {
      for (let y = Math.max(0, Math.round(r.y)); y < Math.min(this.height, Math.round(r.y + r.height)); y++)
        for (let x = Math.max(0, Math.round(r.x)); x < Math.min(this.width, Math.round(r.x + r.width)); x++)
          this.blend(x, y, fill, 1);
    }
    if (stroke) {
      // Pixel centres, so that a 1-pixel outline stays crisp.
      const left = Math.round(r.x) + 0.5;
      const top = Math.round(r.y) + 0.5;
      const right = Math.round(r.x + r.width) - 0.5;
      const bottom = Math.round(r.y + r.height) - 0.5;
      this.polyline([left, top, right, top, right, bottom, left, bottom, left, top], stroke, 1);
    }
  }

  text(text: string, x: number, y: number, style: TextStyle): void {
    const { scale } = style;
    const along = textWidth(text) * scale;
    const across = GLYPH_HEIGHT * scale;
    const start = Math.round(style.anchor === "start" ? 0 : style.anchor === "middle" ? -along / 2 : -along);
    const side = Math.round(style.baseline === "top" ? 0 : style.baseline === "middle" ? -across / 2 : -across);
    // (u, v): position along and across the text; a vertical text turns it a quarter anticlockwise.
    const put = (u: number, v: number) => {
      const px = style.vertical ? Math.round(x) + side + v : Math.round(x) + start + u;
      const py = style.vertical ? Math.round(y) - start - u - 1 : Math.round(y) + side + v;
      if (px >= 0 && py >= 0 && px < this.width && py < this.height) this.blend(px, py, style.color, 1);
    };
    [...text].forEach((char, index) => {
      const mask = glyphMask(char);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++)
        for (let gx = 0; gx < GLYPH_WIDTH; gx++)
          if (mask[gy * GLYPH_WIDTH + gx])
            for (let sy = 0; sy < scale; sy++)
              for (let sx = 0; sx < scale; sx++) put((index * GLYPH_ADVANCE + gx) * scale + sx, gy * scale + sy);
    });
  }

  /** Mixes `color` into pixel (x, y) with opacity `alpha`. */
  private blend(x: number, y: number, color: Rgb, alpha: number): void {
    const k = (y * this.width + x) * 3;
    for (let c = 0; c < 3; c++) this.pixels[k + c] = Math.round(this.pixels[k + c] * (1 - alpha) + color[c] * alpha);
  }
}
