/**
 * The safetensors format (https://github.com/huggingface/safetensors), without file access:
 *
 *     8 bytes   N, the header length, unsigned little-endian
 *     N bytes   JSON: {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
 *               padded with spaces so that the data starts at a multiple of 8
 *     rest      each tensor's elements, little-endian, row-major; offsets count from the data's start
 *
 * Reading validates everything before building any tensor, so a damaged file gives one clear
 * error and never a partial result.
 */
import { Tensor } from "../core/tensor.js";
import { type DType, bool, float32, float64, int32, int64 } from "../core/dtype.js";

/**
 * The safetensors dtype names Kindling reads and writes (float32, float64, int64, int32, bool).
 * @example
 * const name: SafetensorsDtype = "F32";
 */
export type SafetensorsDtype = "F32" | "F64" | "I64" | "I32" | "BOOL";

/**
 * Free-form string metadata stored in the header under `__metadata__`.
 * @example
 * torch.io.serialize(stateDict, { format: "pt", epoch: "12" });
 */
export type SafetensorsMetadata = Record<string, string>;

interface Codec {
  dtype: DType;
  size: number;
  read(view: DataView, at: number): number;
  write(view: DataView, at: number, value: number): void;
}

const CODECS: Record<SafetensorsDtype, Codec> = {
  F32: { dtype: float32, size: 4, read: (v, at) => v.getFloat32(at, true), write: (v, at, x) => v.setFloat32(at, x, true) },
  F64: { dtype: float64, size: 8, read: (v, at) => v.getFloat64(at, true), write: (v, at, x) => v.setFloat64(at, x, true) },
  // int64 lives in a Float64Array, so values beyond ±2^53 round to the nearest double.
  I64: { dtype: int64, size: 8, read: (v, at) => Number(v.getBigInt64(at, true)), write: (v, at, x) => v.setBigInt64(at, BigInt(x), true) },
  I32: { dtype: int32, size: 4, read: (v, at) => v.getInt32(at, true), write: (v, at, x) => v.setInt32(at, x, true) },
  BOOL: { dtype: bool, size: 1, read: (v, at) => (v.getUint8(at) !== 0 ? 1 : 0), write: (v, at, x) => v.setUint8(at, x) },
};

const NAME_OF = new Map<DType, SafetensorsDtype>(Object.entries(CODECS).map(([name, c]) => [c.dtype, name as SafetensorsDtype]));

/** The reference writer's dtype order (its enum's), by which it lays out tensors, last first. */
const DTYPE_RANK: Record<SafetensorsDtype, number> = { BOOL: 0, I32: 1, F32: 2, F64: 3, I64: 4 };

/** The reference implementation's limit on the header size. */
const MAX_HEADER = 100_000_000;

/**
 * Encodes tensors (a state dict: a `Map` such as `module.stateDict()`, or an object) as
 * safetensors bytes, laid out as the reference writer (used by PyTorch's `safetensors.torch`)
 * lays them out, so the same tensors give the same bytes: ordered by dtype (I64, F64, F32,
 * I32, BOOL: each tensor starts at a multiple of its element size, which readers that map the
 * file need) and then by name, and listed in the header in that order. Views and
 * non-contiguous tensors are written as their row-major values.
 *
 * @example
 * const bytes = torch.io.serialize(model.stateDict(), { format: "pt" });
 * @throws for a tensor named `__metadata__` and for non-string metadata values.
 */
export function serialize(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: SafetensorsMetadata): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata))
      if (typeof value !== "string") throw new TypeError(`safetensors metadata values must be strings, but "${key}" is ${typeof value}`);
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const layout = entries.map(([name, t]) => {
    if (name === "__metadata__") throw new Error('a tensor cannot be named "__metadata__": the header reserves that key');
    const dtypeName = NAME_OF.get(t.dtype) as SafetensorsDtype;
    return { name, t, dtypeName, codec: CODECS[dtypeName], begin: 0 };
  });
  layout.sort((a, b) => DTYPE_RANK[b.dtypeName] - DTYPE_RANK[a.dtypeName] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  for (const item of layout) {
    item.begin = offset;
    offset += item.t.numel() * item.codec.size;
    const entry = { dtype: item.dtypeName, shape: [...item.t.shape], data_offsets: [item.begin, offset] };
    parts.push(`${JSON.stringify(item.name)}:${JSON.stringify(entry)}`);
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const { t, codec, begin } of layout) {
    const values = t.detach().numpy();
    for (let i = 0; i < values.length; i++) codec.write(view, dataStart + begin + i * codec.size, values[i]);
  }
  return out;
}

/** A header entry after validation. */
interface Entry {
  name: string;
  codec: Codec;
  shape: number[];
  begin: number;
  end: number;
}

interface Parsed {
  entries: Entry[];
  metadata: SafetensorsMetadata | null;
  dataStart: number;
}

function fail(message: string): never {
  throw new Error(`invalid safetensors data: ${message}`);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Reads and validates the header and the layout of the data, building nothing. */
function parse(bytes: Uint8Array): Parsed {
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short to hold the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER)) fail(`header length ${declared} is over the ${MAX_HEADER}-byte limit (corrupted length?)`);
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length)
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte input (truncated file?)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail("the header is not a JSON object");

  let metadata: SafetensorsMetadata | null = null;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (info === null || typeof info !== "object" || Array.isArray(info)) fail("__metadata__ is not an object");
      for (const [key, value] of Object.entries(info))
        if (typeof value !== "string") fail(`__metadata__ value "${key}" is not a string`);
      metadata = info as SafetensorsMetadata;
      continue;
    }
    if (info === null || typeof info !== "object" || Array.isArray(info)) fail(`the entry of tensor "${name}" is not an object`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== "string" || !Object.hasOwn(CODECS, dtype))
      fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(CODECS).join(", ")})`);
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) fail(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1])
      fail(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    const codec = CODECS[dtype as SafetensorsDtype];
    const [begin, end] = offsets as [number, number];
    const needed = shape.reduce((a: number, b: number) => a * b, 1) * codec.size;
    if (needed !== end - begin)
      fail(`tensor "${name}" of dtype ${dtype} and shape [${shape.join(", ")}] needs ${needed} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin}`);
    entries.push({ name, codec, shape, begin, end });
  }

  // The tensors must tile the data exactly: no byte shared, none left over.
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.end > dataLength)
      fail(`tensor "${e.name}" data_offsets [${e.begin}, ${e.end}] run past the end of the ${dataLength}-byte data (truncated file?)`);
    if (e.begin < covered)
      fail(`tensors "${(previous as Entry).name}" and "${e.name}" overlap (data_offsets [${(previous as Entry).begin}, ${covered}] and [${e.begin}, ${e.end}])`);
    if (e.begin > covered) fail(`data bytes [${covered}, ${e.begin}) belong to no tensor`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) fail(`the data holds ${dataLength} bytes, but the tensors cover only ${covered}`);
  return { entries, metadata, dataStart };
}

/**
 * Decodes safetensors bytes into tensors, keyed by name in header order. int64 values beyond
 * ±2^53 round to the nearest double (Kindling stores int64 as float64).
 *
 * @example
 * const tensors = torch.io.deserialize(bytes);
 * tensors.weight.shape; // torch.Size([2, 3])
 * @throws "invalid safetensors data: ..." for truncated or corrupted input: a bad header length,
 * invalid JSON, unsupported dtypes, shapes that disagree with their byte ranges, and byte
 * ranges that are out of range, overlap, or leave bytes uncovered.
 */
export function deserialize(bytes: Uint8Array): Record<string, Tensor> {
  const { entries, dataStart } = parse(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Object.fromEntries(
    entries.map(({ name, codec, shape, begin, end }) => {
      const data = new codec.dtype.arrayType((end - begin) / codec.size);
      for (let i = 0; i < data.length; i++) data[i] = codec.read(view, dataStart + begin + i * codec.size);
      return [name, Tensor._fromArray(data, shape, codec.dtype)];
    }),
  );
}

/**
 * The `__metadata__` of safetensors bytes (null when there is none), after validating the
 * whole file as `deserialize` does.
 *
 * @example
 * torch.io.readMetadata(bytes); // { format: "pt" }
 * @throws as `deserialize` does.
 */
export function readMetadata(bytes: Uint8Array): SafetensorsMetadata | null {
  return parse(bytes).metadata;
}
