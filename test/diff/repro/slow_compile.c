/* C[i, j] = floormod(sum over r0, r1 < 9 of (uint8(i) + P[r1, r0, r0]), Q[j])
 * in uint8, C [31, 2]: how long does tvm_compile take at O3? */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <tvmc.h>
int main(int argc, char **argv) {
    int which = argc > 1 ? atoi(argv[1]) : 0;
    int64_t R = argc > 2 ? atoll(argv[2]) : 9;
    tvm_context *ctx; tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n31 = tvm_const_int(g, TVM_INT64, 31), n2 = tvm_const_int(g, TVM_INT64, 2);
    tvm_expr nR = tvm_const_int(g, TVM_INT64, R);
    tvm_tensor P = tvm_placeholder(g, "P", TVM_UINT8, 3, (tvm_expr[]){nR, nR, nR});
    tvm_tensor Q = tvm_placeholder(g, "Q", TVM_UINT8, 1, &n2);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr r0 = tvm_reduce_axis(g, "r0", nR), r1 = tvm_reduce_axis(g, "r1", nR);
    tvm_expr v = tvm_add(g, tvm_cast(g, TVM_UINT8, i), tvm_load(g, P, (tvm_expr[]){r1, r0, r0}));
    if (which & 1) v = tvm_abs(g, v);
    tvm_expr s = tvm_sum(g, v, 2, (tvm_expr[]){r0, r1});
    tvm_expr body = (which & 2) ? s : tvm_floormod(g, s, tvm_load(g, Q, &j));
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){n31, n2}, (tvm_expr[]){i, j}, body);
    tvm_compile_options o = {sizeof o, "llvm", TVM_OPT_O3, 0};
    tvm_function *fn;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tvm_status st = tvm_compile(g, 2, (tvm_tensor[]){P, Q}, 1, &C, &o, &fn);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("variant %d R=%lld: tvm_compile -> %d after %.2f s\n", which, (long long)R, st,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
    return 0;
}
