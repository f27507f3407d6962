/* onnx_bind.c — graph inputs given a value at import time
 * (tvm_onnx_options.bindings): the DLTensor is checked against the input's
 * declared type and copied into an import-time constant. */
#include <stdlib.h>

#include "../common.h"
#include "onnx_internal.h"

#define ONNX_MAX_BIND_ELEMS ((int64_t)1 << 24)

tvm_status onnx_bind_input(onnx_ctx *c, const Onnx__ValueInfoProto *vi, tvm_dtype dt,
                           const DLTensor *t) {
    const char *nm = vi->name;
    if (!t)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: the binding of input '%s' "
                       "has a NULL value", nm);
    if (t->device.device_type != kDLCPU)
        return err_set(TVM_ERR_DEVICE, "tvm_onnx_import: the binding of input '%s' is not on "
                       "kDLCPU", nm);
    if (!dtype_matches_dl(dt, t->dtype))
        return err_set(TVM_ERR_DTYPE, "tvm_onnx_import: the binding of input '%s' is not %s",
                       nm, dtype_name(dt));
    const Onnx__TensorShapeProto *sp = vi->type->tensor_type->shape;
    if (!sp || t->ndim != (int)sp->n_dim || t->ndim < 0 || t->ndim > TVM_MAX_NDIM ||
        (t->ndim && !t->shape))
        return err_set(TVM_ERR_SHAPE, "tvm_onnx_import: the binding of input '%s' has rank %d; "
                       "the input has %d", nm, t->ndim, sp ? (int)sp->n_dim : -1);
    int64_t numel = 1;
    for (int k = 0; k < t->ndim; k++) {
        const Onnx__TensorShapeProto__Dimension *dim = sp->dim[k];
        if (t->shape[k] < 0 ||
            (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
             dim->dim_value != t->shape[k]))
            return err_set(TVM_ERR_SHAPE, "tvm_onnx_import: the binding of input '%s' has dim "
                           "%d = %lld, which the input's shape does not allow", nm, k,
                           (long long)t->shape[k]);
        if (mul_overflow_i64(numel, t->shape[k], &numel) || numel > ONNX_MAX_BIND_ELEMS)
            return err_set(TVM_ERR_LIMIT, "tvm_onnx_import: the binding of input '%s' has more "
                           "than %lld elements", nm, (long long)ONNX_MAX_BIND_ELEMS);
    }
    if (t->strides) { /* compact row-major only (size-1 dims may have any stride) */
        int64_t want = 1;
        for (int k = t->ndim - 1; k >= 0; k--) {
            if (t->shape[k] != 1 && t->strides[k] != want)
                return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: the binding of "
                               "input '%s' is not compact (strides[%d])", nm, k);
            want *= t->shape[k];
        }
    }
    if (numel && !t->data)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "tvm_onnx_import: the binding of input '%s' "
                       "has NULL data", nm);
    onnx_value *v = onnx_new_value(c, nm);
    if (!v) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for the value table");
    size_t bytes = (size_t)numel * (size_t)dtype_bytes(dt);
    v->data = malloc(bytes ? bytes : 1);
    if (!v->data) return err_set(TVM_ERR_OUT_OF_MEMORY, "onnx: no memory for input '%s'", nm);
    if (bytes) memcpy(v->data, (const char *)t->data + t->byte_offset, bytes);
    if (dt == TVM_BOOL)
        for (size_t k = 0; k < bytes; k++) ((uint8_t *)v->data)[k] = ((uint8_t *)v->data)[k] != 0;
    v->dtype = dt;
    v->ndim = t->ndim;
    for (int k = 0; k < t->ndim; k++) v->shape[k] = t->shape[k];
    v->is_leaf = true;
    return TVM_OK;
}
