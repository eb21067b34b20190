/**
 * `torch.io`: the safetensors format as pure functions on bytes, usable in browsers and Node.
 * Reading and writing files lives in `io/node.ts`, so the core never imports `node:fs`.
 *
 * @example
 * import * as torch from "kindling";
 * const bytes = torch.io.serialize(model.stateDict(), { format: "pt" });
 * model.loadStateDict(torch.io.deserialize(bytes));
 */
export { serialize, deserialize, readMetadata } from "./safetensors.js";
export type { SafetensorsDtype, SafetensorsMetadata } from "./safetensors.js";
