/**
 * Raw loops behind convolution, pooling and embedding: im2col / col2im (which turn a
 * convolution into one matrix product), max pooling with indices, windowed averages and row
 * gathers. Every kernel reads and writes contiguous row-major typed arrays.
 */
import type { TypedArray } from "../../core/dtype.js";
import type { AverageWindows, WindowGeometry } from "../backend.js";

/** The grid positions `[first, last)` whose tap `offset + o·stride` falls inside `[0, size)`. */
function validRange(offset: number, stride: number, size: number, grid: number): [number, number] {
  const first = offset >= 0 ? 0 : Math.min(grid, Math.ceil(-offset / stride));
  const last = Math.max(first, Math.min(grid, Math.ceil((size - offset) / stride)));
  return [first, last];
}

/**
 * im2col, batch folded into the columns: `cols[(c·kH + i)·kW + j][n·L + p]` is image `n`'s value
 * under kernel tap (i, j) at grid position p (L = gridH·gridW positions), or 0 in the padding.
 * `cols` is one `channels·kH·kW × batch·L` matrix, so a convolution is one matrix product however
 * small each image's grid is, and the rows of one channel group are contiguous.
 */
export function im2col(image: TypedArray, g: WindowGeometry, cols: TypedArray): void {
  const { batch, channels, height: H, width: W, kernelH, kernelW, gridH, gridW, strideH: sh, strideW: sw } = g;
  const L = gridH * gridW;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * H * W;
      for (let i = 0; i < kernelH; i++) {
        const dy = i * g.dilationH - g.padTop;
        const [y0, y1] = validRange(dy, sh, H, gridH);
        for (let j = 0; j < kernelW; j++) {
          const q = (((c * kernelH + i) * kernelW + j) * batch + n) * L;
          const dx = j * g.dilationW - g.padLeft;
          const [x0, x1] = validRange(dx, sw, W, gridW);
          if (y0 > 0) cols.fill(0, q, q + y0 * gridW);
          for (let oy = y0; oy < y1; oy++) {
            const row = q + oy * gridW;
            const line = plane + (oy * sh + dy) * W + dx;
            if (x0 > 0) cols.fill(0, row, row + x0);
            if (sw === 1) for (let ox = x0; ox < x1; ox++) cols[row + ox] = image[line + ox];
            else for (let ox = x0; ox < x1; ox++) cols[row + ox] = image[line + ox * sw];
            if (x1 < gridW) cols.fill(0, row + x1, row + gridW);
          }
          if (y1 < gridH) cols.fill(0, q + y1 * gridW, q + L);
        }
      }
    }
  }
}

/** col2im, the adjoint of `im2col`: adds each column entry back onto its image position. */
export function col2im(cols: TypedArray, g: WindowGeometry, image: TypedArray): void {
  const { batch, channels, height: H, width: W, kernelH, kernelW, gridH, gridW, strideH: sh, strideW: sw } = g;
  const L = gridH * gridW;
  image.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * H * W;
      for (let i = 0; i < kernelH; i++) {
        const dy = i * g.dilationH - g.padTop;
        const [y0, y1] = validRange(dy, sh, H, gridH);
        for (let j = 0; j < kernelW; j++) {
          const q = (((c * kernelH + i) * kernelW + j) * batch + n) * L;
          const dx = j * g.dilationW - g.padLeft;
          const [x0, x1] = validRange(dx, sw, W, gridW);
          for (let oy = y0; oy < y1; oy++) {
            const row = q + oy * gridW;
            const line = plane + (oy * sh + dy) * W + dx;
            for (let ox = x0; ox < x1; ox++) image[line + ox * sw] += cols[row + ox];
          }
        }
      }
    }
  }
}

/**
 * Max pooling over `batch·channels` planes: the largest value of each window and its index in
 * the plane (`y·width + x`). Ties keep the first index, as in PyTorch.
 */
export function maxPool2d(image: TypedArray, g: WindowGeometry, out: TypedArray, indices: TypedArray): void {
  const { height: H, width: W, gridH, gridW } = g;
  const planes = g.batch * g.channels;
  let q = 0;
  for (let p = 0; p < planes; p++) {
    const plane = p * H * W;
    for (let oy = 0; oy < gridH; oy++) {
      let y0 = oy * g.strideH - g.padTop;
      const y1 = Math.min(y0 + (g.kernelH - 1) * g.dilationH + 1, H);
      while (y0 < 0) y0 += g.dilationH;
      for (let ox = 0; ox < gridW; ox++, q++) {
        let x0 = ox * g.strideW - g.padLeft;
        const x1 = Math.min(x0 + (g.kernelW - 1) * g.dilationW + 1, W);
        while (x0 < 0) x0 += g.dilationW;
        let best = -Infinity;
        let bestIndex = y0 * W + x0;
        for (let y = y0; y < y1; y += g.dilationH) {
          for (let x = x0; x < x1; x += g.dilationW) {
            const v = image[plane + y * W + x];
            // NaN wins: a later NaN takes over, as in PyTorch's kernel.
            if (v > best || v !== v) {
              best = v;
              bestIndex = y * W + x;
            }
          }
        }
        out[q] = best;
        indices[q] = bestIndex;
      }
    }
  }
}

/**
 * `target[p][indices[p][k]] += values[p][k]` for each of `planes` planes: the gradient of max
 * pooling. `values` and `indices` hold `perPlane` entries per plane; `target` holds `planeSize`.
 */
export function scatterAddPlanes(values: TypedArray, indices: TypedArray, planes: number, perPlane: number, planeSize: number, target: TypedArray): void {
  target.fill(0);
  for (let p = 0; p < planes; p++) {
    const base = p * planeSize;
    const from = p * perPlane;
    for (let k = 0; k < perPlane; k++) target[base + indices[from + k]] += values[from + k];
  }
}

/** `out[p][k] = source[p][indices[p][k]]`: the adjoint of `scatterAddPlanes`. */
export function gatherPlanes(source: TypedArray, indices: TypedArray, planes: number, perPlane: number, planeSize: number, out: TypedArray): void {
  for (let p = 0; p < planes; p++) {
    const base = p * planeSize;
    const from = p * perPlane;
    for (let k = 0; k < perPlane; k++) out[from + k] = source[base + indices[from + k]];
  }
}

/** Each output is its window's sum over the divisor. */
export function windowAverage(image: TypedArray, w: AverageWindows, out: TypedArray): void {
  const gridH = w.rowStart.length;
  const gridW = w.colStart.length;
  const { height: H, width: W } = w;
  let q = 0;
  for (let p = 0; p < w.planes; p++) {
    const plane = p * H * W;
    for (let oy = 0; oy < gridH; oy++) {
      for (let ox = 0; ox < gridW; ox++, q++) {
        let s = 0;
        for (let y = w.rowStart[oy]; y < w.rowEnd[oy]; y++) {
          const line = plane + y * W;
          for (let x = w.colStart[ox]; x < w.colEnd[ox]; x++) s += image[line + x];
        }
        out[q] = s / w.divisor[oy * gridW + ox];
      }
    }
  }
}

/** The adjoint of `windowAverage`: spreads each output's gradient over its window. */
export function windowAverageBackward(grad: TypedArray, w: AverageWindows, image: TypedArray): void {
  const gridH = w.rowStart.length;
  const gridW = w.colStart.length;
  const { height: H, width: W } = w;
  image.fill(0);
  let q = 0;
  for (let p = 0; p < w.planes; p++) {
    const plane = p * H * W;
    for (let oy = 0; oy < gridH; oy++) {
      for (let ox = 0; ox < gridW; ox++, q++) {
        const v = grad[q] / w.divisor[oy * gridW + ox];
        for (let y = w.rowStart[oy]; y < w.rowEnd[oy]; y++) {
          const line = plane + y * W;
          for (let x = w.colStart[ox]; x < w.colEnd[ox]; x++) image[line + x] += v;
        }
      }
    }
  }
}

/**
 * `out[k] = table[index[k]] · scale[k]` row by row (rows of `width` values); a null `scale`
 * means 1. The forward of embedding.
 */
export function gatherRows(table: TypedArray, index: TypedArray, width: number, scale: Float64Array | null, out: TypedArray): void {
  for (let k = 0; k < index.length; k++) {
    const from = index[k] * width;
    const to = k * width;
    const s = scale === null ? 1 : scale[k];
    for (let j = 0; j < width; j++) out[to + j] = table[from + j] * s;
  }
}

/** `table[index[k]] += rows[k] · scale[k]`: the adjoint of `gatherRows`. */
export function scatterAddRows(rows: TypedArray, index: TypedArray, width: number, scale: Float64Array | null, table: TypedArray): void {
  table.fill(0);
  for (let k = 0; k < index.length; k++) {
    const to = index[k] * width;
    const from = k * width;
    const s = scale === null ? 1 : scale[k];
    for (let j = 0; j < width; j++) table[to + j] += rows[from + j] * s;
  }
}
