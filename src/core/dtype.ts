/**
 * Data types and PyTorch's type-promotion rules.
 *
 * Storage note: `int64` values live in a `Float64Array`, so they are exact only within
 * ±2^53 (`Number.MAX_SAFE_INTEGER`). This keeps every kernel on plain numbers; `bigint`
 * input is accepted and converted.
 */

/** A typed array that can back a tensor's storage. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A constructor of one of the storage typed arrays. */
export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor;

/** The names of the supported dtypes, as PyTorch spells them. */
export type DTypeName = "float32" | "float64" | "int64" | "int32" | "bool";

/** Category used by type promotion: bool < integer < floating. */
export const enum DTypeKind {
  Bool = 0,
  Int = 1,
  Float = 2,
}

/**
 * A tensor element type, e.g. `torch.float32`. Prints as PyTorch does (`torch.float32`).
 *
 * @example
 * torch.zeros([2], { dtype: torch.float64 }).dtype.toString() // "torch.float64"
 */
export class DType {
  /** @internal */
  constructor(
    /** PyTorch's name without the `torch.` prefix. */
    readonly name: DTypeName,
    /** The typed array that stores elements of this dtype. */
    readonly arrayType: TypedArrayConstructor,
    /** Promotion category. */
    readonly kind: DTypeKind,
    /** Rank within the category, used to pick the wider of two dtypes of one kind. */
    readonly rank: number,
    /** Bytes per element as PyTorch counts them (int64 reports 8). */
    readonly itemsize: number,
    /** The legacy tensor type name PyTorch uses in some messages, e.g. `FloatTensor`. */
    readonly legacyName: string,
  ) {}

  /** PyTorch's scalar type name used in messages: `Float`, `Double`, `Long`, `Int`, `Bool`. */
  get scalarType(): string {
    return this.legacyName.slice(0, -"Tensor".length);
  }

  /** True for float32 and float64. */
  get isFloatingPoint(): boolean {
    return this.kind === DTypeKind.Float;
  }

  /** `torch.float32` etc. */
  toString(): string {
    return `torch.${this.name}`;
  }

  /** @internal Node's console.log shows the PyTorch spelling. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** 32-bit float, the default dtype. */
export const float32 = new DType("float32", Float32Array, DTypeKind.Float, 0, 4, "FloatTensor");
/** 64-bit float. */
export const float64 = new DType("float64", Float64Array, DTypeKind.Float, 1, 8, "DoubleTensor");
/** 64-bit integer (stored as float64; exact within ±2^53). */
export const int64 = new DType("int64", Float64Array, DTypeKind.Int, 1, 8, "LongTensor");
/** 32-bit integer. */
export const int32 = new DType("int32", Int32Array, DTypeKind.Int, 0, 4, "IntTensor");
/** Boolean, stored as bytes 0/1. */
export const bool = new DType("bool", Uint8Array, DTypeKind.Bool, 0, 1, "BoolTensor");

/** Aliases PyTorch offers. */
export const float = float32;
/** Alias of float64. */
export const double = float64;
/** Alias of int64. */
export const long = int64;
/** Alias of int32. */
export const int = int32;

/** The default floating dtype (float32). */
export function getDefaultDtype(): DType {
  return float32;
}

/** The wider of two dtypes under PyTorch's promotion lattice (bool < int32 < int64 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a.kind !== b.kind) return a.kind > b.kind ? a : b;
  return a.rank >= b.rank ? a : b;
}

/** The dtype PyTorch gives a Python scalar: bool, int64 for integers, float32 otherwise. */
export function scalarDtype(v: number | boolean): DType {
  if (typeof v === "boolean") return bool;
  return Number.isInteger(v) ? int64 : float32;
}

/**
 * Result dtype of an operation, following PyTorch's three tiers: tensors with dimensions
 * win over zero-dimensional tensors, which win over scalars, unless a lower tier has a higher
 * category (bool < integer < floating). A float scalar with integer tensors gives the default
 * float dtype.
 */
export function resultType(
  dimensioned: readonly DType[],
  zeroDim: readonly DType[],
  scalars: readonly DType[],
): DType {
  let state: DType | null = null;
  for (const tier of [dimensioned, zeroDim, scalars]) {
    let tierType: DType | null = null;
    for (const d of tier) tierType = tierType ? promoteTypes(tierType, d) : d;
    if (tierType && (!state || tierType.kind > state.kind)) state = tierType;
  }
  return state ?? float32;
}
