/**
 * PNG encoding in plain TypeScript (no zlib binding, so it runs in browsers): per-row Sub/Up
 * filters, and a zlib stream of one fixed-Huffman deflate block whose only matches are runs
 * (distance 1) — plots are mostly flat colour, which this shrinks about fifty-fold.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG chunks and zip use) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 (zlib's checksum) of `bytes`. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i += 5552) {
    // 5552 bytes is the longest stretch whose sums cannot overflow before the modulo.
    const end = Math.min(bytes.length, i + 5552);
    for (let j = i; j < end; j++) {
      a += bytes[j];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Writes bits least significant first, as deflate packs them. */
class BitWriter {
  private bytes = new Uint8Array(1024);
  private length = 0;
  private bitBuffer = 0;
  private bitCount = 0;

  write(value: number, bits: number): void {
    this.bitBuffer |= value << this.bitCount;
    this.bitCount += bits;
    while (this.bitCount >= 8) {
      this.push(this.bitBuffer & 0xff);
      this.bitBuffer >>>= 8;
      this.bitCount -= 8;
    }
  }

  /** A Huffman code, which deflate stores most significant bit first. */
  writeCode(code: number, bits: number): void {
    let reversed = 0;
    for (let i = 0; i < bits; i++) reversed |= ((code >>> i) & 1) << (bits - 1 - i);
    this.write(reversed, bits);
  }

  finish(): Uint8Array {
    if (this.bitCount > 0) this.push(this.bitBuffer & 0xff);
    this.bitBuffer = 0;
    this.bitCount = 0;
    return this.bytes.subarray(0, this.length);
  }

  private push(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }
}

/** Deflate's fixed Huffman code of a literal/length symbol (RFC 1951, 3.2.6). */
function writeFixedSymbol(out: BitWriter, symbol: number): void {
  if (symbol < 144) out.writeCode(0x30 + symbol, 8);
  else if (symbol < 256) out.writeCode(0x190 + symbol - 144, 9);
  else if (symbol < 280) out.writeCode(symbol - 256, 7);
  else out.writeCode(0xc0 + symbol - 280, 8);
}

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];

/** A zlib stream (RFC 1950) of `data`: one fixed-Huffman block, runs coded as distance-1 matches. */
export function zlibCompress(data: Uint8Array): Uint8Array {
  const out = new BitWriter();
  out.write(0x78, 8); // deflate, 32 KiB window
  out.write(0x01, 8); // no dictionary; (0x78 << 8 | 0x01) is a multiple of 31
  out.write(1, 1); // last block
  out.write(1, 2); // fixed Huffman codes
  let i = 0;
  while (i < data.length) {
    let run = 0;
    if (i > 0) while (run < 258 && i + run < data.length && data[i + run] === data[i - 1]) run++;
    if (run < 3) {
      writeFixedSymbol(out, data[i]);
      i++;
      continue;
    }
    let code = LENGTH_BASE.length - 1;
    while (LENGTH_BASE[code] > run) code--;
    writeFixedSymbol(out, 257 + code);
    out.write(run - LENGTH_BASE[code], LENGTH_EXTRA[code]);
    out.writeCode(0, 5); // distance code 0: distance 1
    i += run;
  }
  writeFixedSymbol(out, 256); // end of block
  const deflated = out.finish();
  const stream = new Uint8Array(deflated.length + 4);
  stream.set(deflated);
  new DataView(stream.buffer).setUint32(deflated.length, adler32(data));
  return stream;
}

/** One PNG chunk: length, type, data, CRC of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(12 + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) bytes[4 + i] = type.charCodeAt(i);
  bytes.set(data, 8);
  view.setUint32(8 + data.length, crc32(bytes.subarray(4, 8 + data.length)));
  return bytes;
}

/**
 * Filters each row with Sub or Up, whichever gives the smaller sum of absolute (signed)
 * differences — the heuristic the PNG specification suggests.
 */
function filterRows(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const stride = width * 3;
  const out = new Uint8Array(height * (stride + 1));
  const sub = new Uint8Array(stride);
  const up = new Uint8Array(stride);
  const cost = (row: Uint8Array) => row.reduce((sum, v) => sum + (v < 128 ? v : 256 - v), 0);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      sub[i] = rgb[row + i] - (i >= 3 ? rgb[row + i - 3] : 0);
      up[i] = rgb[row + i] - (y > 0 ? rgb[row - stride + i] : 0);
    }
    const useUp = cost(up) < cost(sub);
    out[y * (stride + 1)] = useUp ? 2 : 1;
    out.set(useUp ? up : sub, y * (stride + 1) + 1);
  }
  return out;
}

/** A PNG file of an 8-bit RGB image (`rgb` row-major, 3 bytes a pixel). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits a sample, truecolour, deflate, adaptive filters, no interlace
  const parts = [
    new Uint8Array(SIGNATURE),
    chunk("IHDR", header),
    chunk("IDAT", zlibCompress(filterRows(width, height, rgb))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    file.set(part, offset);
    offset += part.length;
  }
  return file;
}
