/**
 * torch.utils.plot: PNG files that zlib and the PNG format accept (signature, chunk CRCs,
 * dimensions, a decodable IDAT) with the line drawn through the data points, SVG polylines,
 * matplotlib's and PyTorch's errors, and `savefig` choosing the format by extension.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { crc32, inflateSync } from "node:zlib";

import * as torch from "../../src/index.js";
import { zlibCompress } from "../../src/utils/plot/png.js";
import { savefig } from "../../src/utils/plot/node.js";

const plt = torch.utils.plot;

interface DecodedPng {
  width: number;
  height: number;
  /** RGB at (x, y). */
  pixel(x: number, y: number): [number, number, number];
}

/** Checks a PNG's structure (signature, chunk CRCs, IHDR) and undoes its row filters. */
function decodePng(file: Uint8Array): DecodedPng {
  assert.deepEqual([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let offset = 8; offset < file.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...file.subarray(offset + 4, offset + 8));
    const data = file.subarray(offset + 8, offset + 8 + length);
    assert.equal(view.getUint32(offset + 8 + length), crc32(file.subarray(offset + 4, offset + 8 + length)), `${type} CRC`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  assert.deepEqual(chunks.map((c) => c.type), ["IHDR", "IDAT", "IEND"]);
  const header = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const [width, height] = [header.getUint32(0), header.getUint32(4)];
  assert.deepEqual([...chunks[0].data.subarray(8)], [8, 2, 0, 0, 0], "8-bit RGB, no interlace");
  const raw = inflateSync(chunks[1].data);
  const stride = width * 3;
  assert.equal(raw.length, height * (stride + 1));
  const rgb = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const value = raw[y * (stride + 1) + 1 + i];
      const left = i >= 3 ? rgb[y * stride + i - 3] : 0;
      const up = y > 0 ? rgb[(y - 1) * stride + i] : 0;
      assert.ok(filter <= 2, `filter type ${filter}`);
      rgb[y * stride + i] = (value + [0, left, up][filter]) & 0xff;
    }
  }
  const pixel = (x: number, y: number): [number, number, number] => {
    const k = (y * width + x) * 3;
    return [rgb[k], rgb[k + 1], rgb[k + 2]];
  };
  return { width, height, pixel };
}

const isBlack = ([r, g, b]: number[]) => r < 64 && g < 64 && b < 64;

describe("PNG output", () => {
  const fig = plt.figure({ figsize: [4, 3], dpi: 100 });
  // A zigzag: the line passes through (k, k mod 2); (1, 0) lies off it.
  const xs = [0, 1, 2, 3, 4];
  const ys = [0, 1, 0, 1, 0];
  plt.plot(torch.tensor(xs), torch.tensor(ys), { color: "#ff0000", label: "zigzag" });
  plt.title("Zigzag");
  plt.xlabel("x");
  plt.ylabel("y");
  const png = decodePng(fig.toPNG());

  test("is a valid PNG of figsize × dpi pixels", () => {
    assert.equal(png.width, 400);
    assert.equal(png.height, 300);
  });

  test("draws the line through the data points, inside the axes frame", () => {
    // The frame: the black columns and rows crossing the image's middle.
    const mid = { x: Math.floor(png.width / 2), y: Math.floor(png.height / 2) };
    const cols = Array.from({ length: png.width }, (_, x) => x).filter((x) => isBlack(png.pixel(x, mid.y)));
    const rows = Array.from({ length: png.height }, (_, y) => y).filter((y) => isBlack(png.pixel(mid.x, y)));
    const [left, right] = [cols[0], cols.at(-1)! + 1];
    const [top, bottom] = [rows.find((y) => y > 30)!, rows.at(-1)! + 1]; // below the title's glyphs
    // Data limits with matplotlib's 5% margins: x in [-0.2, 4.2], y in [-0.05, 1.05].
    const at = (x: number, y: number) =>
      png.pixel(
        Math.floor(left + ((x + 0.2) / 4.4) * (right - left)),
        Math.floor(bottom - ((y + 0.05) / 1.1) * (bottom - top)),
      );
    for (let k = 0; k < xs.length; k++) assert.deepEqual(at(xs[k], ys[k]), [255, 0, 0], `point ${k}`);
    assert.deepEqual(at(1, 0), [255, 255, 255], "off the line");
    assert.deepEqual(at(0.5, 0.5), [255, 0, 0], "between two points");
  });

  test("compresses a mostly white image", () => {
    assert.ok(fig.toPNG().length < (400 * 300 * 3) / 10);
  });
});

describe("deflate", () => {
  test("zlib inflates what zlibCompress writes: runs of every length, literals, an empty input", () => {
    const parts: number[] = [];
    for (let run = 1; run <= 600; run += 7) parts.push(...new Array<number>(run).fill(run & 0xff), (run * 31) & 0xff);
    for (let i = 0; i < 1000; i++) parts.push((i * 2654435761) >>> 24);
    for (const data of [new Uint8Array(parts), new Uint8Array(0), new Uint8Array([7])])
      assert.deepEqual(new Uint8Array(inflateSync(zlibCompress(data))), data);
  });
});

describe("SVG output", () => {
  test("one polyline per line, with a point per sample, and the labels as text", () => {
    const [fig, [ax]] = plt.subplots();
    const a = torch.linspace(0, 2 * Math.PI, 25);
    ax.plot(a, torch.sin(a), { label: "sin <a>" });
    ax.plot([0, 1, 2]);
    ax.setTitle("Sine & co");
    ax.legend();
    const svg = fig.toSVG();
    const clipped = [...svg.matchAll(/<polyline points="([^"]*)"[^>]*clip-path/g)].map((m) => m[1].split(" ").length);
    assert.deepEqual(clipped, [25, 3]);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="640" height="480"/);
    assert.match(svg, />Sine &amp; co<\/text>/);
    assert.match(svg, />sin &lt;a&gt;<\/text>/);
    assert.match(svg, /stroke="#1f77b4"/);
    assert.match(svg, /stroke="#ff7f0e"/); // the second line takes the next colour of the cycle
  });

  test("only lines without a colour take the cycle's next one", () => {
    const ax = plt.figure().gca();
    ax.plot([0, 1], [0, 1], { color: "k" });
    assert.deepEqual(ax.plot([0, 1], [1, 0])[0].color, "#1f77b4");
    assert.deepEqual(ax.plot([0, 1], [1, 1])[0].color, "#ff7f0e");
  });

  test("a point that is not finite breaks the line in two", () => {
    const fig = plt.figure();
    plt.plot([0, 1, 2, 3, 4, 5], [0, 1, NaN, 3, 4, Infinity]);
    const runs = [...fig.toSVG().matchAll(/<polyline points="([^"]*)"[^>]*clip-path/g)].map((m) => m[1].split(" ").length);
    assert.deepEqual(runs, [2, 2]);
  });
});

describe("errors", () => {
  test("a tensor that requires grad is refused with PyTorch's message", () => {
    const a = torch.linspace(0, 1, 5, { requiresGrad: true });
    assert.throws(() => plt.plot(a, a.detach()), {
      message: "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
    });
  });

  test("matplotlib's messages for mismatched lengths and unknown colours", () => {
    const ax = plt.figure().gca();
    assert.throws(() => ax.plot([1, 2, 3], [1, 2]), { message: "x and y must have same first dimension, but have shapes (3,) and (2,)" });
    assert.throws(() => ax.plot([1, 2], [1, 2], { color: "teal-ish" }), { message: "Invalid RGBA argument: 'teal-ish'" });
    assert.equal(ax.lines.length, 0);
  });
});

describe("savefig", () => {
  test("writes PNG or SVG by the file's extension", () => {
    const dir = mkdtempSync(join(tmpdir(), "kindling-plot-"));
    try {
      plt.figure();
      plt.plot([3, 1, 2]);
      savefig(join(dir, "line.png"));
      savefig(join(dir, "line.svg"));
      assert.equal(decodePng(new Uint8Array(readFileSync(join(dir, "line.png")))).width, 640);
      assert.match(readFileSync(join(dir, "line.svg"), "utf8"), /<polyline points="[^"]*"/);
      assert.throws(() => savefig(join(dir, "line.jpg")), { message: "Format 'jpg' is not supported (supported formats: png, svg)" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
