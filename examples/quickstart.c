/* quickstart.c — build relu(A + B) over n floats (n symbolic), compile it
 * for the host CPU, call it on DLPack tensors and print the result and the
 * compile time.
 *
 *   ninja -C build && ./build/examples/quickstart
 *
 * Every tvmc call returns a tvm_status; tvm_last_error() says what went
 * wrong. Builder calls are "sticky", so the graph is checked once, at
 * tvm_compile. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tvmc.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A 1-d float32 DLTensor over data[n] (shape must outlive the tensor). */
static DLTensor tensor_1d(float *data, int64_t *shape) {
    DLTensor t = {0};
    t.data = data;
    t.device.device_type = kDLCPU;
    t.ndim = 1;
    t.dtype.code = kDLFloat;
    t.dtype.bits = 32;
    t.dtype.lanes = 1;
    t.shape = shape;
    t.strides = NULL; /* compact row-major */
    return t;
}

#define TRY(call)                                                              \
    do {                                                                       \
        tvm_status s_ = (call);                                                \
        if (s_ != TVM_OK) {                                                    \
            fprintf(stderr, "%s failed: %s: %s\n", #call, tvm_status_string(s_), \
                    tvm_last_error());                                         \
            return 1;                                                          \
        }                                                                      \
    } while (0)

int main(void) {
    tvm_context *ctx;
    TRY(tvm_context_create(NULL, &ctx));
    tvm_graph *g = tvm_graph_create(ctx);

    /* C[i] = max(A[i] + B[i], 0) for i in [0, n) */
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_load(g, A, &i), tvm_load(g, B, &i)),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, body);

    /* Compile (the symbolic template) and call once (which specialises the
     * kernel for n = 8 and caches it). */
    float a[8] = {1, -2, 3, -4, 5, -6, 7, -8};
    float b[8] = {0.5f, 0.5f, -4, 4, 0, 10, -7.5f, 8};
    float c[8] = {0};
    int64_t shape[1] = {8};
    DLTensor ta = tensor_1d(a, shape), tb = tensor_1d(b, shape), tc = tensor_1d(c, shape);
    DLTensor *args[3] = {&ta, &tb, &tc}; /* inputs, then outputs */

    double t0 = now_ms();
    tvm_function *f;
    TRY(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, NULL, &f));
    double t1 = now_ms();
    TRY(tvm_function_call(f, args, 3));
    double t2 = now_ms();

    printf("relu(A + B):\n");
    for (int k = 0; k < 8; k++)
        printf("  %5.1f + %5.1f -> %5.1f\n", (double)a[k], (double)b[k], (double)c[k]);
    printf("compile %.2f ms + first call (specialise for n=8) %.2f ms = %.2f ms\n", t1 - t0,
           t2 - t1, t2 - t0);

    /* The same again without the function cache, to see the real cost of a
     * compile: the median of 20. */
    enum { REPEATS = 20 };
    double times[REPEATS];
    tvm_compile_options opts = {.struct_size = sizeof opts,
                                .target = "llvm",
                                .opt_level = TVM_OPT_DEFAULT,
                                .flags = TVM_COMPILE_NO_CACHE};
    for (int r = 0; r < REPEATS; r++) {
        tvm_function *fr;
        double s0 = now_ms();
        TRY(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &opts, &fr));
        TRY(tvm_function_call(fr, args, 3));
        times[r] = now_ms() - s0;
        tvm_function_release(fr);
    }
    qsort(times, REPEATS, sizeof times[0], cmp_double);
    printf("median of %d uncached compiles (compile + first call): %.2f ms\n", REPEATS,
           (times[REPEATS / 2 - 1] + times[REPEATS / 2]) / 2);

    /* Check the answer, so a broken build fails loudly. */
    int bad = 0;
    for (int k = 0; k < 8; k++) {
        float want = a[k] + b[k] > 0 ? a[k] + b[k] : 0.0f;
        if (c[k] != want) bad++;
    }

    tvm_function_release(f);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
    if (bad) {
        fprintf(stderr, "quickstart: %d wrong results\n", bad);
        return 1;
    }
    return 0;
}
