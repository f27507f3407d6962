/* fuzz_onnx.c — libFuzzer target for the ONNX importer: the input is the
 * serialised model handed to tvm_onnx_import; when the import succeeds the
 * model description is read back, and small models are compiled with the
 * interpreter (O0), so the graphs the importer builds go through the
 * compiler's verifiers too.
 *
 * Every status is accepted; a finding is anything the sanitizers report, a
 * crash or hang, or one of the oracles below (a line on stderr, then
 * __builtin_trap):
 *   - a failure whose tvm_last_error() is empty or longer than 1023 chars,
 *     or a status outside the tvm_status enum;
 *   - TVM_ERR_INTERNAL ("a bug in tvmc");
 *   - a successful import whose description is inconsistent (a null tensor
 *     handle, a rank above TVM_MAX_NDIM, a handle tvm_tensor_info rejects).
 * Seeds: corpus_onnx/, written by make_onnx_corpus.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tvmc.h"

static tvm_context *ctx;

static void finding(const char *what, tvm_status s) {
    fprintf(stderr, "fuzz_onnx: FINDING: %s (status %d: %s)\n", what, (int)s, tvm_last_error());
    __builtin_trap();
}

static void check_status(const char *call, tvm_status s) {
    if (s == TVM_OK) return;
    if ((int)s < 0 || s > TVM_ERR_INVALID_HANDLE) finding(call, s);
    size_t len = strlen(tvm_last_error());
    if (len == 0 || len > 1023) finding("empty or overlong error message", s);
    if (s == TVM_ERR_INTERNAL) finding(call, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ctx) {
        tvm_context_options o = {sizeof o, 1, 0, 0, 0};
        if (tvm_context_create(&o, &ctx) != TVM_OK) return 0;
    }
    tvm_graph *g = tvm_graph_create(ctx);
    if (!g) return 0;
    tvm_onnx_options opts = {sizeof opts, 1 << 20, 4096, 0};
    tvm_onnx_model *m = NULL;
    tvm_status s = tvm_onnx_import(g, data, size, &opts, &m);
    check_status("tvm_onnx_import", s);
    if (s == TVM_OK) {
        int nin = -1, nout = -1;
        check_status("tvm_onnx_model_counts", tvm_onnx_model_counts(m, &nin, &nout));
        if (nin < 0 || nout < 0 || nin + nout > 4096) finding("bad counts", TVM_OK);
        tvm_tensor ts[64];
        int n = 0;
        for (int k = 0; k < nin + nout; k++) {
            tvm_onnx_value v = {.struct_size = sizeof v};
            s = k < nin ? tvm_onnx_model_input(m, k, &v) : tvm_onnx_model_output(m, k - nin, &v);
            check_status("tvm_onnx_model_input/output", s);
            int nd;
            if (!v.name || !v.tensor.id || v.ndim < 0 || v.ndim > TVM_MAX_NDIM ||
                tvm_tensor_info(g, v.tensor, &nd, NULL) != TVM_OK || nd != v.ndim)
                finding("inconsistent model description", TVM_OK);
            if (n < 64) ts[n++] = v.tensor;
        }
        if (n == nin + nout && nout > 0 && size < 1024) {
            tvm_compile_options co = {sizeof co, "interp", TVM_OPT_O0, TVM_COMPILE_NO_CACHE};
            tvm_function *fn = NULL;
            s = tvm_compile(g, nin, ts, nout, ts + nin, &co, &fn);
            check_status("tvm_compile", s);
            tvm_function_release(fn);
        }
        tvm_onnx_model_free(m);
    }
    tvm_graph_destroy(g);
    return 0;
}
