/* onnx_disabled.c — the ONNX import API of a build configured without the
 * importer (-Donnx=disabled, or protobuf-c / onnx.proto missing): every
 * call reports TVM_ERR_UNSUPPORTED, so programs link against any build. */
#include "../common.h"

static tvm_status disabled(const char *fn) {
    return err_set(TVM_ERR_UNSUPPORTED, "%s: this tvmc was built without the ONNX importer "
                   "(configure with -Donnx=enabled; needs libprotobuf-c-dev, "
                   "protobuf-c-compiler, libonnx-dev)", fn);
}

TVMC_API tvm_status tvm_onnx_import(tvm_graph *g, const void *data, size_t size,
                                    const tvm_onnx_options *opts, tvm_onnx_model **out) {
    (void)g, (void)data, (void)size, (void)opts, (void)out;
    return disabled("tvm_onnx_import");
}
TVMC_API tvm_status tvm_onnx_import_file(tvm_graph *g, const char *path,
                                         const tvm_onnx_options *opts, tvm_onnx_model **out) {
    (void)g, (void)path, (void)opts, (void)out;
    return disabled("tvm_onnx_import_file");
}
TVMC_API void tvm_onnx_model_free(tvm_onnx_model *m) { (void)m; }
TVMC_API tvm_status tvm_onnx_model_counts(const tvm_onnx_model *m, int *ni, int *no) {
    (void)m, (void)ni, (void)no;
    return disabled("tvm_onnx_model_counts");
}
TVMC_API tvm_status tvm_onnx_model_input(const tvm_onnx_model *m, int i, tvm_onnx_value *v) {
    (void)m, (void)i, (void)v;
    return disabled("tvm_onnx_model_input");
}
TVMC_API tvm_status tvm_onnx_model_output(const tvm_onnx_model *m, int i, tvm_onnx_value *v) {
    (void)m, (void)i, (void)v;
    return disabled("tvm_onnx_model_output");
}
