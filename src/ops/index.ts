/** Every op function, in one registry that the Tensor class and the public API draw from. */
export { contiguousData, castData, scalarTensor } from "./util.js";
export * from "./creation.js";
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./shape.js";
export * from "./linalg.js";
export * from "./indexing.js";
export * from "./inplace.js";
export * from "./sorting.js";
export * from "./rearrange.js";
