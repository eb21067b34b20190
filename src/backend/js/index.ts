/** The reference backend: every kernel in plain JavaScript. */
import type { Backend } from "../backend.js";
import { binary, copyTo, unary } from "./elementwise.js";
import { argReduce, cumsum, reduce } from "./reduce.js";
import { bmm } from "./matmul.js";

/** The JavaScript backend, used everywhere and the reference for the others. */
export const jsBackend: Backend = { name: "js", unary, binary, reduce, argReduce, cumsum, bmm, copyTo };
