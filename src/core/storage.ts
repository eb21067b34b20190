import type { DType, TypedArray } from "./dtype.js";

/**
 * The memory behind a tensor and all of its views, with the version counter that every view
 * shares: in-place writes bump it, and backward compares it with the version saved.
 */
export class Storage {
  /** Bumped by every in-place write through any view of this storage. */
  version = 0;

  constructor(
    /** Elements, owned by the garbage collector. */
    readonly data: TypedArray,
  ) {}
}

/** Makes an array of `length` elements of `arrayType` whose contents a kernel will overwrite. */
export type OutputAllocator = (arrayType: DType["arrayType"], length: number) => TypedArray;

const zeroed: OutputAllocator = (arrayType, length) => new arrayType(length);
let allocateOutput: OutputAllocator = zeroed;

/**
 * Sets how kernel outputs are allocated. Typed arrays are zero-filled, which for large outputs
 * costs as much as a cheap kernel; the Node entry installs an allocator of uninitialized
 * memory. Only arrays that a kernel fills completely come from here (`Tensor._output`).
 * Returns the allocator it replaces; null restores zero-filled typed arrays.
 */
export function setOutputAllocator(allocator: OutputAllocator | null): OutputAllocator {
  const previous = allocateOutput;
  allocateOutput = allocator ?? zeroed;
  return previous;
}

/** @internal An array for a kernel output: its contents are unspecified until the kernel writes it. */
export function outputArray(arrayType: DType["arrayType"], length: number): TypedArray {
  return allocateOutput(arrayType, length);
}
