import type { TypedArray } from "./dtype.js";

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
