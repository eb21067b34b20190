/**
 * safetensors: reading test/fixtures/sample.safetensors (written from PyTorch tensors by
 * `/usr/bin/python3 scripts/fixtures/ioSafetensors.py`, which holds the same values as below),
 * writing bytes that follow the format, round trips, and one clear error per kind of damage.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import * as torch from "../../src/index.js";
import type { DType, Tensor } from "../../src/index.js";
import { deserialize, readMetadata, serialize } from "../../src/io/index.js";
import { load, save } from "../../src/io/node.js";

const fixtureBytes = new Uint8Array(readFileSync(new URL("../fixtures/sample.safetensors", import.meta.url)));

/** What scripts/fixtures/ioSafetensors.py wrote. */
const EXPECTED: Record<string, { dtype: DType; shape: number[]; values: Array<number | boolean> }> = {
  weight: { dtype: torch.float32, shape: [2, 3], values: [0.5, -1.25, 3, Math.fround(1e-3), -0, 65504] },
  bias: { dtype: torch.float64, shape: [3], values: [0.1, -0.2, 1e300] },
  ids: { dtype: torch.int64, shape: [4], values: [0, -1, 2 ** 40, -(2 ** 53) + 1] },
  counts: { dtype: torch.int32, shape: [2, 2], values: [1, -2, 2147483647, -2147483648] },
  mask: { dtype: torch.bool, shape: [5], values: [true, false, false, true, true] },
  scalar: { dtype: torch.float32, shape: [], values: [2.5] },
  empty: { dtype: torch.float32, shape: [0, 3], values: [] },
  "layer.0.weight": { dtype: torch.float32, shape: [3, 2], values: [0, 0.25, 0.5, 0.75, 1, 1.25] },
};

function flat(t: Tensor): Array<number | boolean> {
  const list = t.reshape(-1).tolist();
  return Array.isArray(list) ? (list as Array<number | boolean>) : [list];
}

function assertTensor(t: Tensor, e: { dtype: DType; shape: number[]; values: Array<number | boolean> }, name: string): void {
  assert.equal(t.dtype, e.dtype, `${name} dtype`);
  assert.deepEqual([...t.shape], e.shape, `${name} shape`);
  const got = flat(t);
  assert.equal(got.length, e.values.length, `${name} size`);
  got.forEach((v, i) => assert.ok(Object.is(v, e.values[i]), `${name}[${i}]: got ${String(v)}, expected ${String(e.values[i])}`));
}

/** A safetensors file from a header given as text (padded to alignment) and raw data bytes. */
function file(header: string, data: Uint8Array | number = 0): Uint8Array {
  const json = new TextEncoder().encode(header);
  const n = json.length + ((8 - (json.length % 8)) % 8);
  const bytes = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + n + bytes.length).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(bytes, 8 + n);
  return out;
}

const entry = (dtype: string, shape: number[], begin: number, end: number): string =>
  JSON.stringify({ dtype, shape, data_offsets: [begin, end] });

describe("reading PyTorch's file", () => {
  test("values, dtypes and shapes are exact", () => {
    const tensors = deserialize(fixtureBytes);
    assert.deepEqual(Object.keys(tensors).sort(), Object.keys(EXPECTED).sort());
    for (const [name, e] of Object.entries(EXPECTED)) assertTensor(tensors[name], e, name);
  });

  test("metadata", () => {
    assert.deepEqual(readMetadata(fixtureBytes), { format: "pt", source: "kindling fixture" });
    assert.equal(readMetadata(serialize({ a: torch.ones(1) })), null);
  });

  test("a file read from disk with node's fs", () => {
    const tensors = load(new URL("../fixtures/sample.safetensors", import.meta.url).pathname);
    assertTensor(tensors.counts, EXPECTED.counts, "counts");
  });
});

describe("writing", () => {
  test("the bytes follow the format: header length, JSON in the reference writer's order, space padding, aligned little-endian data", () => {
    const bytes = serialize({ b: torch.tensor([1.5, -2]), a: torch.tensor([true]), c: torch.tensor([7n]) }, { k: "v" });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0, "the data starts 8-byte aligned");
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    // By dtype (I64, F32, BOOL), so each tensor starts at a multiple of its element size, then by name.
    const json =
      '{"__metadata__":{"k":"v"},' +
      '"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"a":{"dtype":"BOOL","shape":[1],"data_offsets":[16,17]}}';
    assert.equal(header, json.padEnd(n, " "));
    const data = bytes.subarray(8 + n);
    assert.equal(data.length, 17);
    const d = new DataView(data.buffer, data.byteOffset);
    assert.equal(d.getBigInt64(0, true), 7n);
    assert.equal(d.getFloat32(8, true), 1.5);
    assert.equal(d.getFloat32(12, true), -2);
    assert.equal(d.getUint8(16), 1);
  });

  test("round trip of every dtype, including views, scalars and empty tensors", () => {
    const original = deserialize(fixtureBytes);
    const again = deserialize(serialize(original, { format: "pt" }));
    assert.deepEqual(Object.keys(again).sort(), Object.keys(original).sort());
    for (const [name, e] of Object.entries(EXPECTED)) assertTensor(again[name], e, name);

    const base = torch.arange(6, { dtype: torch.float64 }).reshape(2, 3);
    const viewed = deserialize(serialize({ t: base.t(), row: base.select(0, 1), w: torch.ones([2], { requiresGrad: true }) }));
    assert.deepEqual(viewed.t.tolist(), [[0, 3], [1, 4], [2, 5]]);
    assert.deepEqual(viewed.row.tolist(), [3, 4, 5]);
    assert.equal(viewed.w.requiresGrad, false);
  });

  test("save and load a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "kindling-st-"));
    try {
      const path = join(dir, "model.safetensors");
      save({ w: torch.tensor([[1, 2], [3, 4]]), step: torch.tensor(3n) }, path, { epoch: "3" });
      const loaded = load(path);
      assert.deepEqual(loaded.w.tolist(), [[1, 2], [3, 4]]);
      assert.equal(loaded.step.dtype, torch.int64);
      assert.deepEqual(readMetadata(new Uint8Array(readFileSync(path))), { epoch: "3" });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("rejects what the format cannot hold", () => {
    assert.throws(() => serialize({ __metadata__: torch.ones(1) }), /cannot be named "__metadata__"/);
    assert.throws(() => serialize({}, { n: 1 as unknown as string }), /metadata values must be strings, but "n" is number/);
  });
});

describe("files of PyTorch's safetensors tooling (safetensors.torch.save_file, test/fixtures/torch.safetensors)", () => {
  const torchBytes = new Uint8Array(readFileSync(new URL("../fixtures/torch.safetensors", import.meta.url)));
  const expected = JSON.parse(readFileSync(new URL("../fixtures/safetensors.json", import.meta.url), "utf8")) as {
    keys: string[];
    input: number[];
    output: number[];
  };
  const model = (): torch.nn.Sequential =>
    new torch.nn.Sequential(
      new torch.nn.Conv2d(2, 3, 3, { padding: 1 }),
      new torch.nn.BatchNorm2d(3),
      new torch.nn.ReLU(),
      new torch.nn.Flatten(),
      new torch.nn.Linear(3 * 4 * 4, 2),
    );
  /** The model's part of the file (the rest are int32 and bool extras). */
  const modelState = (tensors: Record<string, Tensor>): Record<string, Tensor> =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith("extra.")));

  test("load into the same model and give PyTorch's output", () => {
    const tensors = deserialize(torchBytes);
    assert.deepEqual(Object.keys(tensors).sort(), [...expected.keys].sort());
    assert.equal(tensors["1.num_batches_tracked"].dtype, torch.int64);
    const m = model();
    m.loadStateDict(modelState(tensors));
    const out = m.eval().call(torch.tensor(expected.input).reshape(1, 2, 4, 4));
    Array.from(out.detach().numpy()).forEach((v, i) => assert.ok(Math.abs(v - expected.output[i]) < 1e-5, `output[${i}]: ${v} vs ${expected.output[i]}`));
  });

  test("Kindling writes the very bytes PyTorch's tooling wrote, from a module's state dict", () => {
    const tensors = deserialize(torchBytes);
    assert.deepEqual(serialize(tensors, { format: "pt" }), torchBytes);
    const m = model();
    m.loadStateDict(modelState(tensors));
    const state = m.stateDict();
    state.set("extra.ids", tensors["extra.ids"]);
    state.set("extra.mask", tensors["extra.mask"]);
    assert.deepEqual(serialize(state, { format: "pt" }), torchBytes);
  });

  test("a damaged file or a mismatched one leaves the model as it was", () => {
    const m = model();
    const before = [...m.stateDict()].map(([k, v]) => [k, v.clone()] as const);
    const unchanged = (): void => before.forEach(([k, v]) => assert.ok((m.stateDict().get(k) as Tensor).equal(v), k));
    assert.throws(() => m.loadStateDict(modelState(deserialize(torchBytes.subarray(0, torchBytes.length - 20)))), /invalid safetensors data: .*truncated file/);
    unchanged();
    const wrong = modelState(deserialize(torchBytes));
    wrong["4.weight"] = torch.zeros(2, 47);
    assert.throws(() => m.loadStateDict(wrong), /size mismatch for 4.weight: copying a param with shape torch.Size\(\[2, 47\]\) from checkpoint/);
    unchanged();
  });
});

describe("damaged files throw one clear error", () => {
  const good = fixtureBytes;
  const n = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["empty input", new Uint8Array(0), /0 bytes is too short to hold the 8-byte header length/],
    ["cut inside the length", good.subarray(0, 5), /5 bytes is too short/],
    ["cut inside the header", good.subarray(0, 8 + n - 10), /header length \d+ runs past the end of the \d+-byte input \(truncated file\?\)/],
    ["cut inside the data", good.subarray(0, good.length - 3), /tensor "mask" data_offsets \[124, 129\] run past the end of the 126-byte data/],
    ["trailing bytes", new Uint8Array([...good, 0, 0]), /the data holds 131 bytes, but the tensors cover only 129/],
    [
      "a huge header length",
      (() => {
        const b = new Uint8Array(good);
        new DataView(b.buffer).setBigUint64(0, 2n ** 62n, true);
        return b;
      })(),
      /header length 4611686018427387904 is over the 100000000-byte limit/,
    ],
    [
      "a corrupted header byte",
      (() => {
        const b = new Uint8Array(good);
        b[8] = 0x5b; // "{" -> "["
        return b;
      })(),
      /the header is not valid JSON/,
    ],
    ["invalid UTF-8", file('{"ab":1}').map((v, i) => (i === 10 ? 0xff : v)), /the header is not valid UTF-8/],
    ["a header that is not an object", file("[1, 2]"), /the header is not a JSON object/],
    ["an unknown dtype", file(`{"h":${entry("F16", [2], 0, 4)}}`, 4), /tensor "h" has unsupported dtype "F16" \(supported: F32, F64, I64, I32, BOOL\)/],
    ["a bad shape", file(`{"x":${entry("F32", [-1], 0, 4)}}`, 4), /tensor "x" has an invalid shape \[-1\]/],
    ["reversed offsets", file(`{"x":${entry("F32", [1], 4, 0)}}`, 4), /tensor "x" has invalid data_offsets \[4,0\]/],
    [
      "a shape that disagrees with its bytes",
      file(`{"x":${entry("F32", [2, 3], 0, 20)}}`, 20),
      /tensor "x" of dtype F32 and shape \[2, 3\] needs 24 bytes, but its data_offsets \[0, 20\] span 20/,
    ],
    [
      "offsets out of range",
      file(`{"x":${entry("F64", [2], 0, 16)}}`, 8),
      /tensor "x" data_offsets \[0, 16\] run past the end of the 8-byte data/,
    ],
    [
      "overlapping tensors",
      file(`{"a":${entry("F32", [2], 0, 8)},"b":${entry("F32", [2], 4, 12)}}`, 12),
      /tensors "a" and "b" overlap \(data_offsets \[0, 8\] and \[4, 12\]\)/,
    ],
    ["a gap between tensors", file(`{"a":${entry("F32", [1], 0, 4)},"b":${entry("F32", [1], 8, 12)}}`, 12), /data bytes \[4, 8\) belong to no tensor/],
    ["metadata that is not strings", file(`{"__metadata__":{"a":1}}`), /__metadata__ value "a" is not a string/],
    ["an entry that is not an object", file(`{"x":3}`), /the entry of tensor "x" is not an object/],
  ];
  for (const [name, bytes, message] of cases)
    test(name, () => {
      assert.throws(() => deserialize(bytes), (e: Error) => {
        assert.match(e.message, /^invalid safetensors data: /);
        assert.match(e.message, message);
        return true;
      });
    });
});
