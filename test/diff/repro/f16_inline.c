/* H[i] = A[i] * B[i] in float16 (an intermediate compute), C[i] = float32(H[i]).
 * H's elements are float16 values, so C must equal the product rounded to
 * float16 - as it does with TVM_COMPILE_NO_INLINE. With inlining (the
 * default), the float32 product reaches C unrounded. Both targets agree. */
#include <stdio.h>
#include <string.h>
#include <tvmc.h>

static unsigned short f16(float f) { /* exact for the inputs used here */
    unsigned u; memcpy(&u, &f, 4);
    return (unsigned short)(((u >> 16) & 0x8000) | ((((u >> 23) & 0xff) - 112) << 10) | ((u >> 13) & 0x3ff));
}

static void run(const char *target, unsigned flags, float *out) {
    tvm_context *ctx; tvm_context_create(NULL, &ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_const_int(g, TVM_INT64, 4);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT16, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT16, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor H = tvm_compute(g, "H", 1, &n, &i, tvm_mul(g, tvm_load(g, A, &i), tvm_load(g, B, &i)));
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, tvm_cast(g, TVM_FLOAT32, tvm_load(g, H, &i)));
    tvm_compile_options o = {sizeof o, target, 0, flags};
    tvm_function *fn;
    if (tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &o, &fn)) { printf("%s\n", tvm_last_error()); return; }
    unsigned short a[4], b[4];
    float av[4] = {1.0009765625f, 3.0f, 1.5f, 0.1f}, bv[4] = {1.0009765625f, 1.0009765625f, 1.5f, 3.0f};
    for (int k = 0; k < 4; k++) { a[k] = f16(av[k]); b[k] = f16(bv[k]); }
    int64_t shape[1] = {4};
    DLTensor ta = {a, {kDLCPU, 0}, 1, {kDLFloat, 16, 1}, shape, NULL, 0};
    DLTensor tb = {b, {kDLCPU, 0}, 1, {kDLFloat, 16, 1}, shape, NULL, 0};
    DLTensor tc = {out, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, NULL, 0};
    DLTensor *args[3] = {&ta, &tb, &tc};
    tvm_function_call(fn, args, 3);
    tvm_function_release(fn); tvm_graph_destroy(g); tvm_context_destroy(ctx);
}

int main(void) {
    const char *t[2] = {"interp", "llvm"};
    for (int k = 0; k < 2; k++)
        for (int ni = 0; ni < 2; ni++) {
            float c[4];
            run(t[k], ni ? TVM_COMPILE_NO_INLINE : 0, c);
            printf("%-6s %-9s C = %.10g %.10g %.10g\n", t[k], ni ? "NO_INLINE" : "default", c[0], c[1], c[2]);
        }
    printf("want (product rounded to float16): 1.001953125 3.00390625 2.25\n");
    return 0;
}
