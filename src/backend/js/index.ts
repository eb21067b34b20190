/** The reference backend: every kernel in plain JavaScript. */
import type { Backend } from "../backend.js";
import { binary, copyTo, unary } from "./elementwise.js";
import { argReduce, cumsum, reduce, softmax } from "./reduce.js";
import { bmm } from "./matmul.js";
import { bernoulli } from "./random.js";
import {
  col2im, gatherPlanes, gatherRows, im2col, maxPool2d, scatterAddPlanes, scatterAddRows, windowAverage,
  windowAverageBackward,
} from "./conv.js";
import { batchNormApply, batchNormBackward, batchNormSums } from "./normalization.js";

/** The JavaScript backend, used everywhere and the reference for the others. */
export const jsBackend: Backend = {
  name: "js",
  unary, binary, reduce, argReduce, cumsum, bmm, copyTo, softmax,
  im2col, col2im, maxPool2d, scatterAddPlanes, gatherPlanes, windowAverage, windowAverageBackward,
  gatherRows, scatterAddRows, bernoulli, batchNormApply, batchNormSums, batchNormBackward,
};
