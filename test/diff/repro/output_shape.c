/* Inputs A[n] and B[min(m, 3)], outputs C[n] = A[i] and D[m] = float(B[0]) + m.
 * m is bound only by output D. tvm_function_output_shape(out 0) must give
 * [n] (its shape has no undetermined size variable) but fails because B's
 * shape cannot be evaluated. */
#include <stdio.h>
#include <tvmc.h>
int main(void) {
    tvm_context *ctx; tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n"), m = tvm_size_var(g, "m");
    tvm_expr m3 = tvm_min(g, m, tvm_const_int(g, TVM_INT64, 3));
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &m3);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, tvm_load(g, A, &i));
    tvm_expr zero = tvm_const_int(g, TVM_INT64, 0);
    tvm_tensor D = tvm_compute(g, "D", 1, &m, &j, tvm_add(g, tvm_load(g, B, &zero), tvm_cast(g, TVM_FLOAT32, m)));
    tvm_function *fn;
    tvm_status st = tvm_compile(g, 2, (tvm_tensor[]){A, B}, 2, (tvm_tensor[]){C, D}, NULL, &fn);
    if (st) { printf("compile: %s\n", tvm_last_error()); return 1; }
    float a[5] = {0}, b[3] = {0};
    int64_t sa[1] = {5}, sb[1] = {3};
    DLTensor ta = {a, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, sa, NULL, 0};
    DLTensor tb = {b, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, sb, NULL, 0};
    DLTensor *ins[2] = {&ta, &tb};
    int64_t shape[TVM_MAX_NDIM]; int nd = -1;
    st = tvm_function_output_shape(fn, ins, 0, shape, &nd);
    printf("output 0 (C[n], n = 5): %s %s", tvm_status_string(st), st ? tvm_last_error() : "");
    if (!st) printf("rank %d, [%lld]", nd, (long long)shape[0]);
    printf("\nwant TVM_OK rank 1, [5]\n");
    return 0;
}
