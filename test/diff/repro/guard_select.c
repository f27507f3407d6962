/* Bug: a guarded read is evaluated unconditionally (reads outside the tensor).
 *   B[i] = select(i + 1 < N, A[i + 1], -5)   for i in [0, N), A int32 [N]
 * The bounds pass proves A[i + 1] in range under the select's condition, so
 * it neither checks the read nor marks the select lazy; the LLVM backend then
 * emits an eager `select` and loads A[N]. With A ending at a PROT_NONE page:
 * SIGSEGV at O0 and at O3 (interp is fine).
 * build: cc guard_select.c -ltvmc && ./a.out 0 && ./a.out 3 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <tvmc.h>
#define N 100

int main(int argc, char **argv) {
    int opt = argc > 1 ? atoi(argv[1]) : 3;
    const char *target = argc > 2 ? argv[2] : "llvm";
    tvm_context *ctx;
    tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_const_int(g, TVM_INT64, N);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr ip1 = tvm_add(g, i, tvm_const_int(g, TVM_INT64, 1));
    tvm_expr body = tvm_select(g, tvm_lt(g, ip1, n), tvm_load(g, A, &ip1),
                               tvm_const_int(g, TVM_INT32, -5));
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i, body);
    tvm_compile_options o = {sizeof o, target, opt == 0 ? TVM_OPT_O0 : TVM_OPT_O3, 0};
    tvm_function *fn;
    if (tvm_compile(g, 1, &A, 1, &B, &o, &fn)) { printf("compile: %s\n", tvm_last_error()); return 1; }
    /* A's last byte is flush against a PROT_NONE page */
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(m + 4096, 4096, PROT_NONE);
    int32_t *a = (int32_t *)(m + 4096 - 4 * N), b[N];
    for (int k = 0; k < N; k++) a[k] = k;
    int64_t shape[1] = {N};
    DLTensor ta = {a, {kDLCPU, 0}, 1, {kDLInt, 32, 1}, shape, NULL, 0};
    DLTensor tb = {b, {kDLCPU, 0}, 1, {kDLInt, 32, 1}, shape, NULL, 0};
    DLTensor *args[2] = {&ta, &tb};
    printf("%s O%d: calling (a fault here is the bug)...\n", target, opt);
    fflush(stdout);
    tvm_status st = tvm_function_call(fn, args, 2);
    printf("status %d, B[%d] = %d (want -5)\n", st, N - 1, b[N - 1]);
    return 0;
}
