/** Indexing ops (being written). */
import type { Tensor, TensorOrScalar } from "../core/tensor.js";

/** One item of a general index: integer, slice string, slice object, null, "...", index tensor or array. */
export type IndexItem = number | string | null | Tensor | number[] | { start?: number | null; stop?: number | null; step?: number | null };

const todo = (): never => {
  throw new Error("indexing: in progress");
};
export function index(x: Tensor, items: IndexItem[]): Tensor { void x; void items; return todo(); }
export function indexPut_(x: Tensor, items: IndexItem[], value: TensorOrScalar): Tensor { void x; void items; void value; return todo(); }
export function indexSelect(x: Tensor, dim: number, idx: Tensor): Tensor { void x; void dim; void idx; return todo(); }
export function gather(x: Tensor, dim: number, idx: Tensor): Tensor { void x; void dim; void idx; return todo(); }
export function scatter(x: Tensor, dim: number, idx: Tensor, src: TensorOrScalar): Tensor { void x; void dim; void idx; void src; return todo(); }
export function scatterAdd(x: Tensor, dim: number, idx: Tensor, src: Tensor): Tensor { void x; void dim; void idx; void src; return todo(); }
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor { void x; void mask; void value; return todo(); }
