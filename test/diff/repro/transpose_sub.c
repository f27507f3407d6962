/* C[i, j] = A[i, j] - A[j, 7] over float32 [8, 8]: llvm O3 gets 8 elements wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tvmc.h>

static void run(const char *target, int opt, float *out, const float *a) {
    tvm_context *ctx;
    tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n8 = tvm_const_int(g, TVM_INT64, 8), c7 = tvm_const_int(g, TVM_INT64, 7);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){n8, n8});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr body = tvm_sub(g, tvm_load(g, A, (tvm_expr[]){i, j}), tvm_load(g, A, (tvm_expr[]){j, c7}));
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){n8, n8}, (tvm_expr[]){i, j}, body);
    tvm_compile_options o = {sizeof o, target, opt, 0};
    tvm_function *fn;
    if (tvm_compile(g, 1, &A, 1, &C, &o, &fn)) { printf("%s\n", tvm_last_error()); exit(1); }
    int64_t shape[2] = {8, 8};
    DLTensor ta = {(void *)a, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, NULL, 0};
    DLTensor tc = {out, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, NULL, 0};
    DLTensor *args[2] = {&ta, &tc};
    if (tvm_function_call(fn, args, 2)) { printf("%s\n", tvm_last_error()); exit(1); }
    if (getenv("SRC") && (!getenv("ONLYLLVM") || strcmp(target, "llvm") == 0)) { char *t; tvm_function_source(fn, getenv("SRC"), &t); puts(t); tvm_free(t); }
    tvm_function_release(fn);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

int main(void) {
    float a[64], want[64], got[64], o0[64];
    for (int k = 0; k < 64; k++) a[k] = (float)k;
    run("interp", TVM_OPT_O3, want, a);
    run("llvm", TVM_OPT_O0, o0, a);
    run("llvm", TVM_OPT_O3, got, a);
    int bad = 0;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            float ref = a[i * 8 + j] - a[j * 8 + 7];
            if (got[i * 8 + j] != ref || want[i * 8 + j] != ref || o0[i * 8 + j] != ref) {
                if (bad++ < 10)
                    printf("C[%d,%d]: want %g, interp %g, llvm O0 %g, llvm O3 %g\n", i, j, ref,
                           want[i * 8 + j], o0[i * 8 + j], got[i * 8 + j]);
            }
        }
    printf("%d of 64 wrong\n", bad);
    return bad != 0;
}
