/* bench_fusion.c — what fusion and memory planning buy, in one run:
 * two blocks built from the operator library, compiled fused (default) and
 * unfused (TVM_COMPILE_NO_INLINE), with for each: kernels, intermediates,
 * the sum of the intermediates' sizes, the planned workspace, compile time
 * and the median call time; then the speedup of fused over unfused and
 * whether both give the same result.
 *   - transformer MLP: LayerNorm(x + Dense2(GELU(Dense1(x)))), x 128 x 768,
 *     hidden 3072, weights as constants;
 *   - ResNet basic block: ReLU(x + BN(Conv3x3(ReLU(BN(Conv3x3(x)))))),
 *     1 x 64 x 56 x 56, weights as constants;
 *   - softmax 4096 x 1024 and layer_norm 4096 x 768 (memory-bound rows).
 *
 *   ninja -C build bench/bench_fusion && ./build/bench/bench_fusion [--quick]
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tvmc.h>

#include "bench_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(float scale) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return scale * ((float)(rng >> 11) / 9007199254740992.0f * 2.0f - 1.0f);
}

static float *random_array(int64_t n, float scale) {
    float *p = malloc((size_t)n * sizeof *p);
    for (int64_t i = 0; i < n; i++) p[i] = frand(scale);
    return p;
}

static tvm_tensor constant(tvm_graph *g, const char *name, int ndim, const int64_t *shape,
                           float scale) {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) n *= shape[d];
    float *p = random_array(n, scale);
    tvm_tensor t = tvm_constant(g, name, TVM_FLOAT32, ndim, shape, p);
    free(p);
    return t;
}

typedef struct block {
    const char *name;
    tvm_graph *g;
    tvm_tensor in, out;
    int ndim_in, ndim_out;
    int64_t shape_in[4], shape_out[4];
} block;

static void build_mlp(tvm_context *ctx, block *b) {
    enum { T = 128, D = 768, H = 3072 };
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr shape[2] = {tvm_const_int(g, TVM_INT64, T), tvm_const_int(g, TVM_INT64, D)};
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, shape);
    tvm_tensor w1 = constant(g, "w1", 2, (int64_t[]){H, D}, 0.05f);
    tvm_tensor b1 = constant(g, "b1", 1, (int64_t[]){H}, 0.1f);
    tvm_tensor w2 = constant(g, "w2", 2, (int64_t[]){D, H}, 0.02f);
    tvm_tensor b2 = constant(g, "b2", 1, (int64_t[]){D}, 0.1f);
    tvm_tensor gamma = constant(g, "gamma", 1, (int64_t[]){D}, 1.0f);
    tvm_tensor beta = constant(g, "beta", 1, (int64_t[]){D}, 0.5f);
    tvm_tensor h = tvm_op_dense(g, x, w1, b1);
    tvm_tensor a = tvm_op_unary(g, TVM_OP_GELU, h);
    tvm_tensor y = tvm_op_dense(g, a, w2, b2);
    tvm_tensor r = tvm_op_binary(g, TVM_OP_ADD, y, x);
    tvm_tensor o = tvm_op_layer_norm(g, r, gamma, beta, -1, 1e-5);
    TRY(tvm_graph_status(g));
    *b = (block){.name = "transformer MLP 128x768->3072->768", .g = g, .in = x, .out = o,
                 .ndim_in = 2, .ndim_out = 2, .shape_in = {T, D}, .shape_out = {T, D}};
}

static tvm_tensor conv_bn(tvm_graph *g, tvm_tensor x, const char *tag, int64_t c) {
    char name[32];
    snprintf(name, sizeof name, "%s_w", tag);
    tvm_tensor w = constant(g, name, 4, (int64_t[]){c, c, 3, 3}, 0.05f);
    tvm_conv_attrs at = {.struct_size = sizeof at, .pads = {1, 1, 1, 1}};
    tvm_tensor y = tvm_op_conv2d(g, x, w, (tvm_tensor){0}, &at);
    snprintf(name, sizeof name, "%s_scale", tag);
    tvm_tensor s = constant(g, name, 1, &c, 1.0f);
    snprintf(name, sizeof name, "%s_shift", tag);
    tvm_tensor sh = constant(g, name, 1, &c, 0.2f);
    snprintf(name, sizeof name, "%s_mean", tag);
    tvm_tensor m = constant(g, name, 1, &c, 0.1f);
    float *var = malloc((size_t)c * sizeof *var);
    for (int64_t i = 0; i < c; i++) var[i] = 0.5f + fabsf(frand(1.0f));
    snprintf(name, sizeof name, "%s_var", tag);
    tvm_tensor v = tvm_constant(g, name, TVM_FLOAT32, 1, &c, var);
    free(var);
    return tvm_op_batch_norm(g, y, s, sh, m, v, 1e-5);
}

static void build_resnet(tvm_context *ctx, block *b) {
    enum { C = 64, HW = 56 };
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr shape[4];
    int64_t dims[4] = {1, C, HW, HW};
    for (int d = 0; d < 4; d++) shape[d] = tvm_const_int(g, TVM_INT64, dims[d]);
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4, shape);
    tvm_tensor y = tvm_op_unary(g, TVM_OP_RELU, conv_bn(g, x, "conv1", C));
    y = conv_bn(g, y, "conv2", C);
    y = tvm_op_unary(g, TVM_OP_RELU, tvm_op_binary(g, TVM_OP_ADD, y, x));
    TRY(tvm_graph_status(g));
    *b = (block){.name = "ResNet basic block 64x56x56", .g = g, .in = x, .out = y,
                 .ndim_in = 4, .ndim_out = 4, .shape_in = {1, C, HW, HW},
                 .shape_out = {1, C, HW, HW}};
}

/* A memory-bound normalisation over rows: softmax or layer_norm. */
static void build_norm(tvm_context *ctx, block *b, bool softmax, int64_t rows, int64_t cols) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr shape[2] = {tvm_const_int(g, TVM_INT64, rows), tvm_const_int(g, TVM_INT64, cols)};
    tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, shape);
    tvm_tensor o;
    if (softmax) {
        o = tvm_op_softmax(g, x, -1);
    } else {
        tvm_tensor gamma = constant(g, "gamma", 1, &cols, 1.0f);
        tvm_tensor beta = constant(g, "beta", 1, &cols, 0.5f);
        o = tvm_op_layer_norm(g, x, gamma, beta, -1, 1e-5);
    }
    TRY(tvm_graph_status(g));
    *b = (block){.name = softmax ? "softmax 4096x1024" : "layer_norm 4096x768", .g = g,
                 .in = x, .out = o, .ndim_in = 2, .ndim_out = 2, .shape_in = {rows, cols},
                 .shape_out = {rows, cols}};
}

typedef struct result {
    tvm_kernel_plan plan;
    double compile_ms, call_ms;
    float *out;
} result;

static result measure(block *b, uint32_t flags, const float *in, int runs) {
    result r = {.plan = {.struct_size = sizeof r.plan}};
    tvm_compile_options o = {.struct_size = sizeof o, .flags = flags | TVM_COMPILE_NO_CACHE};
    tvm_function *fn;
    double t0 = now_ms();
    TRY(tvm_compile(b->g, 1, &b->in, 1, &b->out, &o, &fn));
    r.compile_ms = now_ms() - t0;
    int64_t nout = 1;
    for (int d = 0; d < b->ndim_out; d++) nout *= b->shape_out[d];
    r.out = malloc((size_t)nout * sizeof *r.out);
    DLTensor ti = {.data = (void *)in, .device = {kDLCPU, 0}, .ndim = b->ndim_in,
                   .dtype = {kDLFloat, 32, 1}, .shape = b->shape_in};
    DLTensor to = {.data = r.out, .device = {kDLCPU, 0}, .ndim = b->ndim_out,
                   .dtype = {kDLFloat, 32, 1}, .shape = b->shape_out};
    DLTensor *args[2] = {&ti, &to};
    TRY(tvm_function_call(fn, args, 2)); /* warm-up */
    double *times = malloc((size_t)runs * sizeof *times);
    for (int i = 0; i < runs; i++) {
        double s = now_ms();
        TRY(tvm_function_call(fn, args, 2));
        times[i] = now_ms() - s;
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    r.call_ms = times[runs / 2];
    free(times);
    TRY(tvm_function_plan(fn, &r.plan));
    tvm_function_release(fn);
    return r;
}

static void report(const char *what, const result *r) {
    printf("  %-8s kernels %3d  intermediates %3d  sum %10.2f MiB  workspace %10.2f MiB  "
           "compile %8.1f ms  call %9.2f ms\n",
           what, r->plan.num_kernels, r->plan.num_intermediates,
           r->plan.intermediate_bytes / 1048576.0, r->plan.workspace_bytes / 1048576.0,
           r->compile_ms, r->call_ms);
}

int main(int argc, char **argv) {
    int runs = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 3 : 11;
    tvm_context *ctx;
    TRY(tvm_context_create(NULL, &ctx));
    block blocks[4];
    build_mlp(ctx, &blocks[0]);
    build_resnet(ctx, &blocks[1]);
    build_norm(ctx, &blocks[2], true, 4096, 1024);
    build_norm(ctx, &blocks[3], false, 4096, 768);
    printf("bench_fusion: tvmc %s, median of %d calls after one warm-up, %d threads\n",
           tvm_version(), runs, tvm_context_num_threads(ctx));
    for (int k = 0; k < 4; k++) {
        block *b = &blocks[k];
        int64_t nin = 1, nout = 1;
        for (int d = 0; d < b->ndim_in; d++) nin *= b->shape_in[d];
        for (int d = 0; d < b->ndim_out; d++) nout *= b->shape_out[d];
        float *in = random_array(nin, 1.0f);
        result fused = measure(b, 0, in, runs);
        result unfused = measure(b, TVM_COMPILE_NO_INLINE, in, runs);
        double maxdiff = 0;
        for (int64_t i = 0; i < nout; i++)
            maxdiff = fmax(maxdiff, fabs((double)fused.out[i] - unfused.out[i]));
        printf("%s\n", b->name);
        report("unfused", &unfused);
        report("fused", &fused);
        printf("  fused speedup %.2fx, workspace %lld -> %lld bytes, max |fused - unfused| %.2g\n",
               unfused.call_ms / fused.call_ms, (long long)unfused.plan.workspace_bytes,
               (long long)fused.plan.workspace_bytes, maxdiff);
        free(fused.out);
        free(unfused.out);
        free(in);
        tvm_graph_destroy(b->g);
    }
    tvm_context_destroy(ctx);
    return 0;
}
