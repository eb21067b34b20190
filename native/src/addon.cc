// Node-API glue: unpacks typed arrays (zero copy: the kernels read and write the arrays'
// own memory) and numbers, checks every access stays inside its array, and calls a kernel.
// The TypeScript side (src/backend/native.ts) decides which calls come here.
#define NAPI_VERSION 8
#include <node_api.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "kernels.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace kindling;

namespace {

constexpr size_t kMaxArgs = 20;

struct Args {
  napi_env env;
  napi_value argv[kMaxArgs];
  size_t argc = kMaxArgs;
  bool ok = true;

  Args(napi_env e, napi_callback_info info, size_t want) : env(e) {
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) {
      fail("kindling native: wrong number of arguments");
    }
  }

  void fail(const char* msg) {
    if (ok) napi_throw_range_error(env, nullptr, msg);
    ok = false;
  }

  int64_t num(size_t i) {
    int64_t v = 0;
    if (ok && napi_get_value_int64(env, argv[i], &v) != napi_ok) fail("kindling native: expected a number");
    return v;
  }

  double dbl(size_t i) {
    double v = 0;
    if (ok && napi_get_value_double(env, argv[i], &v) != napi_ok) fail("kindling native: expected a number");
    return v;
  }

  // A Float32Array or Float64Array: its element type, length and data pointer.
  void* array(size_t i, napi_typedarray_type& type, int64_t& length) {
    if (!ok) return nullptr;
    size_t len = 0, byteOffset = 0;
    void* data = nullptr;
    napi_value buffer;
    bool is = false;
    if (napi_is_typedarray(env, argv[i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, argv[i], &type, &len, &data, &buffer, &byteOffset) != napi_ok ||
        (type != napi_float32_array && type != napi_float64_array)) {
      fail("kindling native: expected a Float32Array or Float64Array");
      return nullptr;
    }
    length = static_cast<int64_t>(len);
    return data;
  }
};

// N float arrays from argv[0..N-1]: their element types, lengths and data.
template <size_t N>
struct Arrays {
  napi_typedarray_type type[N];
  int64_t length[N] = {};
  void* data[N] = {};

  explicit Arrays(Args& a) {
    for (size_t i = 0; i < N; i++) data[i] = a.array(i, type[i], length[i]);
  }
};

// True when offset + sum_i idx_i·stride_i stays in [0, length) for all 0 <= idx_i < count_i.
// 128-bit arithmetic so no input can overflow the check itself.
bool in_bounds(int64_t length, int64_t offset, std::initializer_list<std::pair<int64_t, int64_t>> dims) {
  __int128 lo = offset, hi = offset;
  for (const auto& d : dims) {
    if (d.first <= 0) return true;  // empty: nothing is touched
    const __int128 span = static_cast<__int128>(d.first - 1) * d.second;
    if (span < 0) lo += span;
    else hi += span;
  }
  return lo >= 0 && hi < length;
}

// True when [offset, offset + count) lies inside an array of `length` elements.
bool span_ok(int64_t length, int64_t offset, __int128 count) {
  return count <= 0 || (offset >= 0 && offset + count <= length);
}

napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

napi_value undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

// Runs a kernel, turning C++ exceptions (allocation failure) into JS errors.
template <typename F>
napi_value guarded(napi_env env, const F& f) {
  try {
    f();
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "kindling native: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return undefined(env);
}

// gemm(A, aOff, sag, sam, sak, B, bOff, sbg, sbk, sbn, C, cOff, batch, M, N, K)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info, 16);
  napi_typedarray_type ta, tb, tc;
  int64_t la = 0, lb = 0, lc = 0;
  void* A = a.array(0, ta, la);
  const int64_t aOff = a.num(1), sag = a.num(2), sam = a.num(3), sak = a.num(4);
  void* B = a.array(5, tb, lb);
  const int64_t bOff = a.num(6), sbg = a.num(7), sbk = a.num(8), sbn = a.num(9);
  void* C = a.array(10, tc, lc);
  const int64_t cOff = a.num(11), batch = a.num(12), M = a.num(13), N = a.num(14), K = a.num(15);
  if (!a.ok) return nullptr;
  if (ta != tb || ta != tc) return a.fail("kindling native: gemm operands differ in type"), nullptr;
  if (batch < 0 || M < 0 || N < 0 || K < 0) return a.fail("kindling native: negative size"), nullptr;
  if (batch == 0 || M == 0 || N == 0) return undefined(env);
  if (!in_bounds(la, aOff, {{batch, sag}, {M, sam}, {K, sak}}) || !in_bounds(lb, bOff, {{batch, sbg}, {K, sbk}, {N, sbn}}) ||
      !span_ok(lc, cOff, static_cast<__int128>(batch) * M * N))
    return a.fail("kindling native: gemm index out of range"), nullptr;
  return guarded(env, [&] {
    if (ta == napi_float32_array)
      sgemm_batched(batch, M, N, K, static_cast<float*>(A) + aOff, sag, sam, sak, static_cast<float*>(B) + bOff, sbg,
                    sbk, sbn, static_cast<float*>(C) + cOff);
    else
      dgemm_batched(batch, M, N, K, static_cast<double*>(A) + aOff, sag, sam, sak, static_cast<double*>(B) + bOff, sbg,
                    sbk, sbn, static_cast<double*>(C) + cOff);
  });
}

// binary(op, a, aOff, aps, ars, acs, b, bOff, bps, brs, bcs, out, outOff, planes, rows, inner, p0): planes of
// a rows×inner grid, each operand read with its plane, row and column strides; out contiguous.
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, 17);
  napi_typedarray_type ta, tb, to;
  int64_t la = 0, lb = 0, lo = 0;
  const int64_t op = a.num(0);
  void* A = a.array(1, ta, la);
  const int64_t aOff = a.num(2), aps = a.num(3), ars = a.num(4), acs = a.num(5);
  void* B = a.array(6, tb, lb);
  const int64_t bOff = a.num(7), bps = a.num(8), brs = a.num(9), bcs = a.num(10);
  void* O = a.array(11, to, lo);
  const int64_t oOff = a.num(12), planes = a.num(13), rows = a.num(14), inner = a.num(15);
  const double p0 = a.dbl(16);
  if (!a.ok) return nullptr;
  if (ta != tb || ta != to) return a.fail("kindling native: binary operands differ in type"), nullptr;
  if (op < kAdd || op > kThresholdGrad || acs < 0 || bcs < 0 || ars < 0 || brs < 0 || aps < 0 || bps < 0 ||
      planes < 0 || rows < 0 || inner < 0)
    return a.fail("kindling native: bad binary arguments"), nullptr;
  if (!in_bounds(la, aOff, {{planes, aps}, {rows, ars}, {inner, acs}}) ||
      !in_bounds(lb, bOff, {{planes, bps}, {rows, brs}, {inner, bcs}}) ||
      !span_ok(lo, oOff, static_cast<__int128>(planes) * rows * inner))
    return a.fail("kindling native: binary index out of range"), nullptr;
  const auto run = [&](auto* A, auto* B, auto* O) {
    for (int64_t p = 0; p < planes; p++)
      binary_2d(int(op), A + p * aps, ars, acs, B + p * bps, brs, bcs, O + p * rows * inner, rows, inner, p0);
  };
  return guarded(env, [&] {
    if (ta == napi_float32_array)
      run(static_cast<const float*>(A) + aOff, static_cast<const float*>(B) + bOff, static_cast<float*>(O) + oOff);
    else
      run(static_cast<const double*>(A) + aOff, static_cast<const double*>(B) + bOff, static_cast<double*>(O) + oOff);
  });
}

// unary(op, x, xOff, xps, xrs, xcs, out, outOff, planes, rows, inner): planes of a rows×inner grid;
// op kCopy copies any such layout.
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, 11);
  napi_typedarray_type tx, to;
  int64_t lx = 0, lo = 0;
  const int64_t op = a.num(0);
  void* X = a.array(1, tx, lx);
  const int64_t xOff = a.num(2), xps = a.num(3), xrs = a.num(4), xcs = a.num(5);
  void* O = a.array(6, to, lo);
  const int64_t oOff = a.num(7), planes = a.num(8), rows = a.num(9), inner = a.num(10);
  if (!a.ok) return nullptr;
  if (tx != to) return a.fail("kindling native: unary operands differ in type"), nullptr;
  if (op < kExp || op > kSqrt || xps < 0 || xrs < 0 || xcs < 0 || planes < 0 || rows < 0 || inner < 0)
    return a.fail("kindling native: bad unary arguments"), nullptr;
  if (!in_bounds(lx, xOff, {{planes, xps}, {rows, xrs}, {inner, xcs}}) ||
      !span_ok(lo, oOff, static_cast<__int128>(planes) * rows * inner))
    return a.fail("kindling native: unary index out of range"), nullptr;
  const auto run = [&](auto* X, auto* O) {
    for (int64_t p = 0; p < planes; p++) unary_2d(int(op), X + p * xps, xrs, xcs, O + p * rows * inner, rows, inner);
  };
  return guarded(env, [&] {
    if (tx == napi_float32_array) run(static_cast<const float*>(X) + xOff, static_cast<float*>(O) + oOff);
    else run(static_cast<const double*>(X) + xOff, static_cast<double*>(O) + oOff);
  });
}

// An input and an output float array with element offsets: argv[0..3] = x, xOff, out, outOff.
// Of one type unless `mixed` (a float32 input may then have a float64 output).
struct InOut {
  napi_typedarray_type type, outType;
  void* x;
  void* out;
  int64_t xLength = 0, xOff = 0, outLength = 0, outOff = 0;

  explicit InOut(Args& a, bool mixed = false) {
    x = a.array(0, type, xLength);
    xOff = a.num(1);
    out = a.array(2, outType, outLength);
    outOff = a.num(3);
    if (a.ok && type != outType && !(mixed && type == napi_float32_array))
      a.fail("kindling native: operands differ in type");
  }
  template <typename T>
  const T* in() const { return static_cast<const T*>(x) + xOff; }
  template <typename T>
  T* dst() const { return static_cast<T*>(out) + outOff; }
};

// sum(x, xOff, out, outOff, P, R, Q, scale): contiguous P×R×Q summed over R, times scale
// (float32 x may sum into float64 out).
// sumOuterInner(x, xOff, out, outOff, A, Q, R, scale): contiguous A×Q×R summed over A and R.
template <bool OuterInner>
napi_value Sum(napi_env env, napi_callback_info info) {
  Args a(env, info, 8);
  const InOut io(a, true);
  const int64_t d0 = a.num(4), d1 = a.num(5), d2 = a.num(6);
  const double scale = a.dbl(7);
  if (!a.ok) return nullptr;
  if (d0 < 0 || d1 < 0 || d2 < 0) return a.fail("kindling native: negative size"), nullptr;
  const __int128 outSize = OuterInner ? d1 : static_cast<__int128>(d0) * d2;
  if (!span_ok(io.xLength, io.xOff, static_cast<__int128>(d0) * d1 * d2) || !span_ok(io.outLength, io.outOff, outSize))
    return a.fail("kindling native: sum index out of range"), nullptr;
  return guarded(env, [&] {
    const auto run = [&](const auto* x, auto* out) {
      if (OuterInner) sum_outer_inner(x, out, d0, d1, d2, scale);
      else sum_3d(x, out, d0, d1, d2, scale);
    };
    if (io.type == napi_float64_array) run(io.in<double>(), io.dst<double>());
    else if (io.outType == napi_float64_array) run(io.in<float>(), io.dst<double>());
    else run(io.in<float>(), io.dst<float>());
  });
}

// softmax(x, xOff, out, outOff, rows, n, log): rows of contiguous rows×n.
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  const InOut io(a);
  const int64_t rows = a.num(4), n = a.num(5);
  bool log = false;
  if (a.ok && napi_get_value_bool(env, a.argv[6], &log) != napi_ok) a.fail("kindling native: expected a boolean");
  if (!a.ok) return nullptr;
  if (rows < 0 || n < 0) return a.fail("kindling native: negative size"), nullptr;
  const __int128 size = static_cast<__int128>(rows) * n;
  if (!span_ok(io.xLength, io.xOff, size) || !span_ok(io.outLength, io.outOff, size))
    return a.fail("kindling native: softmax index out of range"), nullptr;
  return guarded(env, [&] {
    if (io.type == napi_float32_array) softmax_rows<float>(io.in<float>(), io.dst<float>(), rows, n, log);
    else softmax_rows<double>(io.in<double>(), io.dst<double>(), rows, n, log);
  });
}

// ---- Batch normalization ---------------------------------------------------------------------

// A float array of `type` holding at least `need` elements at argv[i], or null (allowed when
// `optional`) for a skipped step.
template <typename T>
const T* channel_array(Args& a, size_t i, napi_typedarray_type type, int64_t need, bool optional) {
  if (!a.ok) return nullptr;
  napi_valuetype vt;
  if (optional && napi_typeof(a.env, a.argv[i], &vt) == napi_ok && vt == napi_null) return nullptr;
  napi_typedarray_type t;
  int64_t len = 0;
  void* p = a.array(i, t, len);
  if (a.ok && (t != type || len < need)) a.fail("kindling native: batch norm array of the wrong type or size");
  return static_cast<const T*>(p);
}

// batchNormApply(x, out, mean, invstd, weight|null, bias|null, A, C, R)
// batchNormSums(x, grad|null, mean, invstd, weight|null, sums (Float64Array), A, C, R)
// batchNormBackward(x, grad, mean, invstd, weight|null, m1, m2, out, A, C, R)
enum class BnKind { Apply, Sums, Backward };

template <BnKind K>
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  constexpr size_t nArrays = K == BnKind::Apply ? 6 : K == BnKind::Sums ? 6 : 8;
  Args a(env, info, nArrays + 3);
  const int64_t A = a.num(nArrays), C = a.num(nArrays + 1), R = a.num(nArrays + 2);
  napi_typedarray_type type;
  int64_t xLen = 0;
  a.array(0, type, xLen);
  if (!a.ok) return nullptr;
  if (A < 0 || C < 0 || R < 0) return a.fail("kindling native: negative size"), nullptr;
  const __int128 size = static_cast<__int128>(A) * C * R;
  if (!span_ok(xLen, 0, size)) return a.fail("kindling native: batch norm index out of range"), nullptr;
  if (size == 0) {  // nothing to read (an empty array's data pointer may be null): sums are 0
    if (K != BnKind::Sums) return undefined(env);
    napi_valuetype gradType;
    const bool hasGrad = napi_typeof(env, a.argv[1], &gradType) == napi_ok && gradType != napi_null;
    double* sums = const_cast<double*>(channel_array<double>(a, 5, napi_float64_array, hasGrad ? 4 * C : C, false));
    if (!a.ok) return nullptr;
    std::fill(sums, sums + (hasGrad ? 4 * C : C), 0.0);
    return undefined(env);
  }
  const auto run = [&](auto* tag) -> napi_value {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* x = channel_array<T>(a, 0, type, int64_t(size), false);
    if (K == BnKind::Apply) {
      T* out = const_cast<T*>(channel_array<T>(a, 1, type, int64_t(size), false));
      const T* mean = channel_array<T>(a, 2, type, C, false);
      const T* invstd = channel_array<T>(a, 3, type, C, false);
      const T* weight = channel_array<T>(a, 4, type, C, true);
      const T* bias = channel_array<T>(a, 5, type, C, true);
      if (!a.ok) return nullptr;
      return guarded(env, [&] { batch_norm_apply(x, A, C, R, mean, invstd, weight, bias, out); });
    }
    const T* grad = channel_array<T>(a, 1, type, int64_t(size), K == BnKind::Sums);
    const T* mean = channel_array<T>(a, 2, type, C, false);
    const T* invstd = channel_array<T>(a, 3, type, C, false);
    const T* weight = channel_array<T>(a, 4, type, C, true);
    if (K == BnKind::Sums) {
      double* sums = const_cast<double*>(channel_array<double>(a, 5, napi_float64_array, grad ? 4 * C : C, false));
      if (!a.ok) return nullptr;
      return guarded(env, [&] { batch_norm_sums(x, grad, A, C, R, mean, invstd, weight, sums); });
    }
    const T* m1 = channel_array<T>(a, 5, type, C, false);
    const T* m2 = channel_array<T>(a, 6, type, C, false);
    T* out = const_cast<T*>(channel_array<T>(a, 7, type, int64_t(size), false));
    if (!a.ok) return nullptr;
    return guarded(env, [&] { batch_norm_backward(x, grad, A, C, R, mean, invstd, weight, m1, m2, out); });
  };
  return type == napi_float32_array ? run(static_cast<float*>(nullptr)) : run(static_cast<double*>(nullptr));
}

// Reads a Window from 14 numbers starting at argv[i]: sizes >= 0, strides and dilations >= 1.
bool window_arg(Args& a, size_t i, Window& g) {
  int64_t v[14];
  for (size_t k = 0; k < 14; k++) v[k] = a.num(i + k);
  if (!a.ok) return false;
  g = Window{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
  const bool sizes = g.batch >= 0 && g.channels >= 0 && g.height >= 0 && g.width >= 0 && g.kernelH >= 0 &&
                     g.kernelW >= 0 && g.gridH >= 0 && g.gridW >= 0;
  const bool steps = g.strideH >= 1 && g.strideW >= 1 && g.dilationH >= 1 && g.dilationW >= 1;
  // Offsets stay far from int64 overflow in the kernels' index arithmetic.
  const int64_t big = int64_t(1) << 40;
  const bool small = g.padTop >= -big && g.padTop <= big && g.padLeft >= -big && g.padLeft <= big &&
                     g.strideH <= big && g.strideW <= big && g.dilationH <= big && g.dilationW <= big;
  if (!sizes || !steps || !small) a.fail("kindling native: bad window geometry");
  return a.ok;
}

__int128 image_size(const Window& g) { return static_cast<__int128>(g.batch) * g.channels * g.height * g.width; }
__int128 cols_size(const Window& g) {
  return static_cast<__int128>(g.batch) * g.channels * g.kernelH * g.kernelW * g.gridH * g.gridW;
}

// im2col(image, cols, ...window) and col2im(cols, image, ...window).
template <bool ToCols>
napi_value Im2colOrCol2im(napi_env env, napi_callback_info info) {
  Args a(env, info, 16);
  const Arrays<2> arr(a);
  Window g{};
  if (!window_arg(a, 2, g)) return nullptr;
  const napi_typedarray_type t0 = arr.type[0];
  const int64_t l0 = arr.length[0], l1 = arr.length[1];
  void* const P0 = arr.data[0];
  void* const P1 = arr.data[1];
  if (t0 != arr.type[1]) return a.fail("kindling native: im2col operands differ in type"), nullptr;
  const int64_t lImage = ToCols ? l0 : l1, lCols = ToCols ? l1 : l0;
  if (!span_ok(lImage, 0, image_size(g)) || !span_ok(lCols, 0, cols_size(g)))
    return a.fail("kindling native: im2col index out of range"), nullptr;
  return guarded(env, [&] {
    if (t0 == napi_float32_array) {
      if (ToCols) im2col<float>(static_cast<float*>(P0), g, static_cast<float*>(P1));
      else col2im<float>(static_cast<float*>(P0), g, static_cast<float*>(P1));
    } else {
      if (ToCols) im2col<double>(static_cast<double*>(P0), g, static_cast<double*>(P1));
      else col2im<double>(static_cast<double*>(P0), g, static_cast<double*>(P1));
    }
  });
}

// convolution(pass, a, b, out, outChannels, ...window): pass 0 forward (a = x, b = w, out = y),
// 1 input gradient (a = gy, b = w, out = gx), 2 weight gradient (a = x, b = gy, out = gw); one
// channel group. Returns false when the kernel could not allocate its column buffers.
napi_value Convolution(napi_env env, napi_callback_info info) {
  Args a(env, info, 19);
  const int64_t pass = a.num(0);
  napi_typedarray_type type[3];
  int64_t length[3] = {};
  void* data[3];
  for (size_t i = 0; i < 3; i++) data[i] = a.array(i + 1, type[i], length[i]);
  const int64_t O = a.num(4);
  Window g{};
  if (!window_arg(a, 5, g)) return nullptr;
  if (type[0] != type[1] || type[0] != type[2]) return a.fail("kindling native: convolution operands differ in type"), nullptr;
  if (pass < 0 || pass > 2 || O < 0) return a.fail("kindling native: bad convolution pass"), nullptr;
  const __int128 image = image_size(g), weight = static_cast<__int128>(O) * g.channels * g.kernelH * g.kernelW,
                 grid = static_cast<__int128>(g.batch) * O * g.gridH * g.gridW;
  const __int128 sizes[3][3] = {{image, weight, grid}, {grid, weight, image}, {image, grid, weight}};
  for (size_t i = 0; i < 3; i++)
    if (!span_ok(length[i], 0, sizes[pass][i])) return a.fail("kindling native: convolution index out of range"), nullptr;
  bool ok = true;
  const auto run = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* p = static_cast<const T*>(data[0]);
    const T* q = static_cast<const T*>(data[1]);
    T* out = static_cast<T*>(data[2]);
    ok = pass == 0 ? conv2d_forward(p, q, g, O, out)
         : pass == 1 ? conv2d_input_grad(p, q, g, O, out)
                     : conv2d_weight_grad(p, q, g, O, out);
  };
  napi_value r = guarded(env, [&] {
    if (type[0] == napi_float32_array) run(static_cast<float*>(nullptr));
    else run(static_cast<double*>(nullptr));
  });
  napi_get_boolean(env, ok, &r);
  return r;
}

// maxPool2d(image, out, indices (Float64Array), ...window)
napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  Args a(env, info, 17);
  const Arrays<3> arr(a);
  Window g{};
  if (!window_arg(a, 3, g)) return nullptr;
  if (arr.type[0] != arr.type[1] || arr.type[2] != napi_float64_array)
    return a.fail("kindling native: maxPool2d operand types"), nullptr;
  const __int128 outSize = static_cast<__int128>(g.batch) * g.channels * g.gridH * g.gridW;
  if (!span_ok(arr.length[0], 0, image_size(g)) || !span_ok(arr.length[1], 0, outSize) || !span_ok(arr.length[2], 0, outSize))
    return a.fail("kindling native: maxPool2d index out of range"), nullptr;
  if (outSize > 0 && (g.height == 0 || g.width == 0 || g.kernelH == 0 || g.kernelW == 0))
    return a.fail("kindling native: maxPool2d over an empty window"), nullptr;
  double* indices = static_cast<double*>(arr.data[2]);
  return guarded(env, [&] {
    if (arr.type[0] == napi_float32_array)
      max_pool2d<float>(static_cast<float*>(arr.data[0]), g, static_cast<float*>(arr.data[1]), indices);
    else
      max_pool2d<double>(static_cast<double*>(arr.data[0]), g, static_cast<double*>(arr.data[1]), indices);
  });
}

// scatterAddPlanes(values, indices (Float64Array), target, planes, perPlane, planeSize)
napi_value ScatterAddPlanes(napi_env env, napi_callback_info info) {
  Args a(env, info, 6);
  const Arrays<3> arr(a);
  const int64_t planes = a.num(3), perPlane = a.num(4), planeSize = a.num(5);
  if (!a.ok) return nullptr;
  if (arr.type[0] != arr.type[2] || arr.type[1] != napi_float64_array)
    return a.fail("kindling native: scatterAddPlanes operand types"), nullptr;
  if (planes < 0 || perPlane < 0 || planeSize < 0) return a.fail("kindling native: negative size"), nullptr;
  const __int128 n = static_cast<__int128>(planes) * perPlane;
  if (!span_ok(arr.length[0], 0, n) || !span_ok(arr.length[1], 0, n) ||
      !span_ok(arr.length[2], 0, static_cast<__int128>(planes) * planeSize))
    return a.fail("kindling native: scatterAddPlanes index out of range"), nullptr;
  const double* indices = static_cast<double*>(arr.data[1]);
  bool ok = true;
  napi_value r = guarded(env, [&] {
    if (arr.type[0] == napi_float32_array)
      ok = scatter_add_planes<float>(static_cast<float*>(arr.data[0]), indices, planes, perPlane, planeSize,
                                     static_cast<float*>(arr.data[2]));
    else
      ok = scatter_add_planes<double>(static_cast<double*>(arr.data[0]), indices, planes, perPlane, planeSize,
                                      static_cast<double*>(arr.data[2]));
  });
  if (!ok) return a.fail("kindling native: scatterAddPlanes index out of range"), nullptr;
  return r;
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  const int64_t n = a.num(0);
  if (!a.ok) return nullptr;
  if (n < 1) return a.fail("kindling native: thread count must be at least 1"), nullptr;
  set_num_threads(static_cast<int>(n > 256 ? 256 : n));
  return undefined(env);
}

// bernoulli(state (Uint32Array of 624 words), index, out, p, value) -> the next index
napi_value Bernoulli(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (!a.ok) return nullptr;
  napi_typedarray_type stateType;
  size_t stateLength = 0, byteOffset = 0;
  void* state = nullptr;
  napi_value buffer;
  bool isArray = false;
  if (napi_is_typedarray(env, a.argv[0], &isArray) != napi_ok || !isArray ||
      napi_get_typedarray_info(env, a.argv[0], &stateType, &stateLength, &state, &buffer, &byteOffset) != napi_ok ||
      stateType != napi_uint32_array || stateLength != 624)
    return a.fail("kindling native: bernoulli expects a 624-word Uint32Array state"), nullptr;
  const int64_t index = a.num(1);
  napi_typedarray_type outType;
  int64_t n = 0;
  void* out = a.array(2, outType, n);
  const double p = a.dbl(3), value = a.dbl(4);
  if (!a.ok) return nullptr;
  if (index < 0 || index > 625) return a.fail("kindling native: bernoulli state index out of range"), nullptr;
  uint32_t* mt = static_cast<uint32_t*>(state);
  const int64_t next = outType == napi_float32_array
                           ? bernoulli_fill<float>(mt, index, static_cast<float*>(out), n, p, static_cast<float>(value))
                           : bernoulli_fill<double>(mt, index, static_cast<double*>(out), n, p, value);
  return make_int(env, next);
}

napi_value GetNumThreads(napi_env env, napi_callback_info) { return make_int(env, get_num_threads()); }

// idleThread(tid) -> whether thread `tid` of this process now runs under SCHED_IDLE
napi_value IdleThread(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  const int64_t tid = a.num(0);
  if (!a.ok) return nullptr;
  napi_value r;
  napi_get_boolean(env, make_thread_idle(tid), &r);
  return r;
}

napi_value GetIsa(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_string_utf8(env, isa_name(active_isa()), NAPI_AUTO_LENGTH, &r);
  return r;
}

// setIsa("avx512" | "avx2" | "generic"): lowers the dispatch level (tests use it to run every
// kernel family on one machine); returns the level now in effect.
napi_value SetIsa(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  if (!a.ok) return nullptr;
  char buf[16] = {0};
  size_t n = 0;
  if (napi_get_value_string_utf8(env, a.argv[0], buf, sizeof buf, &n) != napi_ok)
    return a.fail("kindling native: expected a string"), nullptr;
  const std::string s(buf, n);
  set_isa(s == "avx512" ? Isa::Avx512 : s == "avx2" ? Isa::Avx2 : Isa::Generic);
  return GetIsa(env, info);
}

// Tensors are typed arrays that Node allocates with calloc. glibc serves large blocks with
// fresh mmap'd pages and gives freed memory back to the OS, so every new output tensor of
// more than ~128 KiB page-faults on first touch: ~2 µs per 4 KiB page on the VMs measured,
// which made a 1e6-element add 3× slower than the add itself. Keeping freed blocks of up to
// 32 MiB in the heap for reuse (as PyTorch's allocator effectively does) removes those faults.
// Process-wide, once; KINDLING_MALLOC_TUNING=0 leaves malloc alone.
void tune_malloc() {
#ifdef __GLIBC__
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  const char* env = std::getenv("KINDLING_MALLOC_TUNING");
  if (env && std::strcmp(env, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

}  // namespace

NAPI_MODULE_INIT() {
  tune_malloc();
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"gemm", Gemm},
             {"binary", Binary},
             {"unary", Unary},
             {"sum", Sum<false>},
             {"sumOuterInner", Sum<true>},
             {"softmax", Softmax},
             {"batchNormApply", BatchNorm<BnKind::Apply>},
             {"batchNormSums", BatchNorm<BnKind::Sums>},
             {"batchNormBackward", BatchNorm<BnKind::Backward>},
             {"im2col", Im2colOrCol2im<true>},
             {"col2im", Im2colOrCol2im<false>},
             {"convolution", Convolution},
             {"maxPool2d", MaxPool2d},
             {"scatterAddPlanes", ScatterAddPlanes},
             {"bernoulli", Bernoulli},
             {"setNumThreads", SetNumThreads},
             {"getNumThreads", GetNumThreads},
             {"idleThread", IdleThread},
             {"isa", GetIsa},
             {"setIsa", SetIsa}};
  for (const auto& f : fns) {
    napi_value v;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v) != napi_ok ||
        napi_set_named_property(env, exports, f.name, v) != napi_ok)
      return nullptr;
  }
  return exports;
}
