/**
 * `nn.Parameter`: a tensor that a `Module` registers as one of its learnable parameters.
 */
import { Tensor } from "../core/tensor.js";
import type { DType } from "../core/dtype.js";
import { float32 } from "../core/dtype.js";
import { formatTensor } from "../core/format.js";
import { contiguousData } from "../ops/util.js";

const PREFIX = "Parameter containing:\ntensor(";

/**
 * A leaf tensor that requires grad (unless told otherwise) and that a `Module` registers as a
 * parameter when assigned to one of its fields (PyTorch's `torch.nn.Parameter`). It shares
 * `data`'s storage. Ops on it give plain tensors, as in PyTorch.
 *
 * @example
 * const p = new nn.Parameter(torch.zeros([2]));
 * console.log(p);   // Parameter containing:
 *                   // tensor([0., 0.], requires_grad=True)
 * p.mul(2);         // tensor([0., 0.], grad_fn=<MulBackward0>)
 */
export class Parameter extends Tensor {
  /**
   * @param data the values (shared, not copied); an empty float32 tensor by default.
   * @param requiresGrad whether gradients are recorded (default true).
   * @throws "only Tensors of floating point and complex dtype can require gradients" for integer data with `requiresGrad`.
   */
  constructor(data?: Tensor, requiresGrad = true) {
    const source = data ?? Tensor._empty([0], float32);
    super(source._storage, source._shape, source._strides, source._offset, source.dtype);
    this.requiresGrad_(requiresGrad);
  }

  /** `Parameter containing:\ntensor([...], requires_grad=True)`, as PyTorch prints a parameter. */
  override toString(): string {
    return formatTensor({
      values: contiguousData(this),
      shape: this._shape,
      dtype: this.dtype,
      requiresGrad: this._requiresGrad,
      gradFnName: null,
      prefix: PREFIX,
    });
  }

  /**
   * @internal Swaps in converted values (and a converted gradient) keeping this object, as
   * PyTorch's `module.to(dtype)` does with `param.data = fn(param.data)`: optimizers built
   * before the conversion keep optimizing the same parameters.
   */
  _replaceData(data: Tensor): void {
    this.data = data;
    (this as { dtype: DType }).dtype = data.dtype;
    if (this._grad !== null) this._grad = this._grad.to(data.dtype);
  }
}
