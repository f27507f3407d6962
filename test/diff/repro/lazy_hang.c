/* C[i, j] = abs(min over r < 129 of select(!(r >= 128), P[j, r + 1], -0.69)),
 * P float16[17, 129]. The guarded read is not proven in range (the bounds
 * pass does not look through `!`), so the select is lazy and the load is
 * checked: compiling this at O3 does not finish (LLVM SelectionDAG). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <tvmc.h>

int main(int argc, char **argv) {
    int opt = argc > 1 ? atoi(argv[1]) : 3;
    int64_t R = argc > 2 ? atoll(argv[2]) : 129;
    tvm_context *ctx;
    tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr e17 = tvm_const_int(g, TVM_INT64, 17), eR = tvm_const_int(g, TVM_INT64, R);
    tvm_expr e7 = tvm_const_int(g, TVM_INT64, 7);
    tvm_tensor P = tvm_placeholder(g, "P", TVM_FLOAT16, 2, (tvm_expr[]){e17, eR});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr r = tvm_reduce_axis(g, "r", eR);
    tvm_expr rp1 = tvm_add(g, r, tvm_const_int(g, TVM_INT64, 1));
    tvm_expr cond = tvm_not(g, tvm_ge(g, r, tvm_const_int(g, TVM_INT64, R - 1)));
    tvm_expr sel = tvm_select(g, cond, tvm_load(g, P, (tvm_expr[]){j, rp1}),
                              tvm_const_float(g, TVM_FLOAT16, -0.69));
    tvm_expr body = tvm_abs(g, tvm_reduce(g, TVM_REDUCE_MIN, sel, 1, &r));
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){e7, e17}, (tvm_expr[]){i, j}, body);
    tvm_compile_options o = {sizeof o, "llvm", opt == 0 ? TVM_OPT_O0 : TVM_OPT_O3, 0};
    tvm_function *fn;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tvm_status st = tvm_compile(g, 1, &P, 1, &C, &o, &fn);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("O%d R=%lld: tvm_compile -> %d after %.2f s\n", opt, (long long)R, st,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
    if (getenv("SRC") && st == 0) { char *t; tvm_function_source(fn, getenv("SRC"), &t); fputs(t, stdout); tvm_free(t); }
    return 0;
}
