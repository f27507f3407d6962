/* Bug (LLVM 19.1.7): O3 compile crash, a use-after-free inside LLVM 19.1.7's SLP vectorizer (seen
 * by valgrind); the process dies with SIGSEGV / SIGABRT / SIGFPE.
 *   P0 bfloat16 [7, 1, 17, 1], P1 bfloat16 [7, 3], C bfloat16 [7, 1]
 *   C[i, j] = min_{r0 < 17, r1 < 1, r2 < 1} min(P0[i, r1, r0, j] + bf16(j), P0[i, r2, j, r1])  (argv[1] = 4: just this)
 *             - (ceil(P0[0, j, 0, 0 - j] * P1[i, 0]) + P1[i, 0])          */
#include <stdio.h>
#include <stdlib.h>
#include <tvmc.h>
#define C(v) tvm_const_int(g, TVM_INT64, v)
int main(int argc, char **argv) {
    int m = argc > 1 ? atoi(argv[1]) : 0;
    tvm_dtype bf = argc > 2 ? atoi(argv[2]) : TVM_BFLOAT16;
    tvm_context *ctx; tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_tensor P0 = tvm_placeholder(g, "P0", bf, 4, (tvm_expr[]){C(7), C(1), C(17), C(1)});
    tvm_tensor P1 = tvm_placeholder(g, "P1", bf, 2, (tvm_expr[]){C(7), C(3)});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr r0 = tvm_reduce_axis(g, "r0", C(17)), r1 = tvm_reduce_axis(g, "r1", C(1)),
             r2 = tvm_reduce_axis(g, "r2", C(1));
    tvm_expr a = tvm_add(g, tvm_load(g, P0, (tvm_expr[]){i, r1, r0, j}), tvm_cast(g, bf, j));
    tvm_expr b = tvm_load(g, P0, (tvm_expr[]){i, r2, j, r1});
    tvm_expr red = tvm_reduce(g, TVM_REDUCE_MIN, (m & 1) ? a : tvm_min(g, a, b), 3, (tvm_expr[]){r0, r1, r2});
    tvm_expr p1 = tvm_load(g, P1, (tvm_expr[]){i, C(0)});
    tvm_expr q = tvm_load(g, P0, (tvm_expr[]){C(0), j, C(0), tvm_sub(g, C(0), j)});
    tvm_expr ce = (m & 2) ? p1 : tvm_add(g, tvm_ceil(g, tvm_mul(g, q, p1)), p1);
    tvm_expr body = (m & 4) ? red : tvm_sub(g, red, ce);
    tvm_tensor Cc = tvm_compute(g, "C", 2, (tvm_expr[]){C(7), C(1)}, (tvm_expr[]){i, j}, body);
    tvm_compile_options o = {sizeof o, "llvm", TVM_OPT_O3, 0};
    tvm_function *fn;
    printf("variant %d dtype %d: compiling... ", m, bf); fflush(stdout);
    tvm_status st = tvm_compile(g, 2, (tvm_tensor[]){P0, P1}, 1, &Cc, &o, &fn);
    printf("%s\n", tvm_status_string(st));
    return 0;
}
