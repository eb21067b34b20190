/**
 * Safetensors files on disk, for Node.js: the edge of `io` that touches `node:fs`, kept apart
 * from the pure `serialize`/`deserialize` so that browser bundles never see it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Tensor } from "../core/tensor.js";
import { type SafetensorsMetadata, deserialize, serialize } from "./safetensors.js";

/**
 * Writes tensors (a state dict, as a `Map` or an object) to a safetensors file, replacing any
 * file at `path`.
 * @example
 * save(model.stateDict(), "model.safetensors", { format: "pt" });
 */
export function save(tensors: Map<string, Tensor> | Record<string, Tensor>, path: string, metadata?: SafetensorsMetadata): void {
  writeFileSync(path, serialize(tensors, metadata));
}

/**
 * Reads every tensor of a safetensors file.
 * @example
 * model.loadStateDict(load("model.safetensors"));
 * @throws the file system's errors, and `deserialize`'s for a damaged file.
 */
export function load(path: string): Record<string, Tensor> {
  return deserialize(readFileSync(path));
}
