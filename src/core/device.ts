/**
 * Devices. Kindling computes on the CPU, so every tensor's `device` is `cpu`; `torch.device`,
 * `x.to("cpu")`, `x.cpu()` and `{ device: "cpu" }` exist so that PyTorch code that names its
 * device runs unchanged, and naming any other device fails as it does in a CPU-only PyTorch.
 */

/** Device types PyTorch 2.x's device strings may start with, in its order. */
const DEVICE_TYPES = [
  "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla", "lazy",
  "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
];

/** A device: its type (`cpu`, `cuda`…) and optional index, as PyTorch's `torch.device`. */
export class Device {
  constructor(
    /** The device type, e.g. `"cpu"`. */
    readonly type: string,
    /** The device index, or null when the string named none. */
    readonly index: number | null = null,
  ) {}

  /** PyTorch's `str(device)`: `cpu`, `cuda:1`. */
  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  /** @internal Node's console.log prints PyTorch's repr, `device(type='cpu')`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.index === null ? `device(type='${this.type}')` : `device(type='${this.type}', index=${this.index})`;
  }
}

/** A device or its string (`"cpu"`, `"cpu:0"`, `"cuda"`). */
export type DeviceLike = Device | string;

/**
 * PyTorch's `torch.device`: parses a device string (`"cpu"`, `"cuda:1"`) or a type and an index.
 * @example
 * torch.device("cpu");    // device(type='cpu')
 * torch.device("cpu", 0); // device(type='cpu', index=0)
 * @throws PyTorch's "Invalid device string: 'cpu:x'" and "Expected one of cpu, cuda, … device type at
 * start of device string: foo".
 */
export function device(spec: DeviceLike, index?: number): Device {
  if (spec instanceof Device) return spec;
  const match = /^([a-zA-Z_]+)(?::([1-9]\d*|0))?$/.exec(spec);
  if (!match) throw new Error(`Invalid device string: '${spec}'`);
  if (!DEVICE_TYPES.includes(match[1]))
    throw new Error(`Expected one of ${DEVICE_TYPES.join(", ")} device type at start of device string: ${match[1]}`);
  return new Device(match[1], match[2] !== undefined ? Number(match[2]) : (index ?? null));
}

/** The CPU, where every Kindling tensor lives. */
export const cpu = new Device("cpu");

/**
 * Checks that a device Kindling is asked to compute on is the CPU.
 * @throws "Torch not compiled with CUDA enabled" for CUDA, and PyTorch's "PyTorch is not linked
 * with support for mps devices" for other types.
 */
export function checkDevice(spec: DeviceLike): Device {
  const d = device(spec);
  if (d.type === "cuda") throw new Error("Torch not compiled with CUDA enabled");
  if (d.type !== "cpu") throw new Error(`PyTorch is not linked with support for ${d.type} devices`);
  return d;
}
