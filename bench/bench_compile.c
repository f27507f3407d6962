/* bench_compile.c — cold compile time (TVM_COMPILE_NO_CACHE) of the kernels
 * the compile targets name, and of the bench_perf workloads beside
 * them: the median of N compiles, as wall time and as the process's CPU
 * time. On a loaded machine the CPU time is the steadier figure (a compile
 * of one small kernel runs on the calling thread alone; big programs split
 * into modules use more threads, so CPU time can exceed wall time there).
 *
 *   ninja -C build bench/bench_compile && ./build/bench/bench_compile [-n N] [--filter S]
 *
 * Nothing is run: only tvm_compile is timed. --source llvm|asm prints the
 * stage's text of each selected kernel instead (to compare the code that
 * two pipelines make). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tvmc.h>

#include "bench_util.h"

static tvm_context *ctx;

static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static tvm_expr cdim(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

static tvm_tensor ph(tvm_graph *g, const char *name, int ndim, const int64_t *shape) {
    tvm_expr s[4];
    for (int d = 0; d < ndim; d++) s[d] = cdim(g, shape[d]);
    return tvm_placeholder(g, name, TVM_FLOAT32, ndim, s);
}

typedef struct kgraph {
    tvm_graph *g;
    int nin;
    tvm_tensor in[3], out;
    float *owned; /* constant data, freed after the graph */
} kgraph;

/* C[i] = max(A[i] + B[i], 0), n = 1000 (bench_core's quickstart kernel,
 * constant shape). */
static kgraph k_add_relu(void) {
    kgraph k = {.g = tvm_graph_create(ctx), .nin = 2};
    tvm_graph *g = k.g;
    int64_t n = 1000;
    k.in[0] = ph(g, "A", 1, &n);
    k.in[1] = ph(g, "B", 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_load(g, k.in[0], &i), tvm_load(g, k.in[1], &i)),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    k.out = tvm_compute(g, "C", 1, (tvm_expr[]){cdim(g, n)}, &i, body);
    return k;
}

/* d = max(a*b + c, 0) over 16M floats (bench_perf's fused workload). */
static kgraph k_fused(void) {
    kgraph k = {.g = tvm_graph_create(ctx), .nin = 3};
    tvm_graph *g = k.g;
    int64_t n = 16 << 20;
    tvm_expr i = tvm_iter_var(g, "i"), v[3];
    const char *names[3] = {"a", "b", "c"};
    for (int q = 0; q < 3; q++) {
        k.in[q] = ph(g, names[q], 1, &n);
        v[q] = tvm_load(g, k.in[q], &i);
    }
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_mul(g, v[0], v[1]), v[2]),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    k.out = tvm_compute(g, "d", 1, (tvm_expr[]){cdim(g, n)}, &i, body);
    return k;
}

static kgraph k_gemm(int64_t M, int64_t N, int64_t K) {
    kgraph k = {.g = tvm_graph_create(ctx), .nin = 2};
    tvm_graph *g = k.g;
    k.in[0] = ph(g, "A", 2, (int64_t[]){M, K});
    k.in[1] = ph(g, "B", 2, (int64_t[]){K, N});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr r = tvm_reduce_axis(g, "k", cdim(g, K));
    tvm_expr prod = tvm_mul(g, tvm_load(g, k.in[0], (tvm_expr[]){i, r}),
                            tvm_load(g, k.in[1], (tvm_expr[]){r, j}));
    k.out = tvm_compute(g, "C", 2, (tvm_expr[]){cdim(g, M), cdim(g, N)}, (tvm_expr[]){i, j},
                        tvm_sum(g, prod, 1, &r));
    return k;
}

static kgraph k_g256(void) { return k_gemm(256, 256, 256); }
static kgraph k_g1024(void) { return k_gemm(1024, 1024, 1024); }
static kgraph k_g128(void) { return k_gemm(128, 3072, 768); }

static kgraph k_softmax(void) {
    kgraph k = {.g = tvm_graph_create(ctx), .nin = 1};
    k.in[0] = ph(k.g, "x", 2, (int64_t[]){4096, 1024});
    k.out = tvm_op_softmax(k.g, k.in[0], -1);
    return k;
}

static kgraph k_conv(void) {
    kgraph k = {.g = tvm_graph_create(ctx), .nin = 1};
    int64_t sx[4] = {1, 64, 56, 56}, sw[4] = {64, 64, 3, 3};
    k.owned = calloc(64 * 64 * 9, sizeof(float));
    for (int q = 0; q < 64 * 64 * 9; q++) k.owned[q] = (float)((q * 7919) % 17) / 17.0f - 0.5f;
    k.in[0] = ph(k.g, "x", 4, sx);
    tvm_tensor w = tvm_constant(k.g, "w", TVM_FLOAT32, 4, sw, k.owned);
    tvm_conv_attrs at = {.struct_size = sizeof at, .groups = 1, .strides = {1, 1},
                         .pads = {1, 1, 1, 1}};
    k.out = tvm_op_conv2d(k.g, k.in[0], w, (tvm_tensor){0}, &at);
    return k;
}

/* A depthwise 3x3 convolution, 144 channels at 56x56 (MobileNetV2's). */
static kgraph k_dwconv(void) {
    kgraph k = {.g = tvm_graph_create(ctx), .nin = 1};
    int64_t sx[4] = {1, 144, 56, 56}, sw[4] = {144, 1, 3, 3};
    k.owned = calloc(144 * 9, sizeof(float));
    for (int q = 0; q < 144 * 9; q++) k.owned[q] = (float)((q * 7919) % 17) / 17.0f - 0.5f;
    k.in[0] = ph(k.g, "x", 4, sx);
    tvm_tensor w = tvm_constant(k.g, "w", TVM_FLOAT32, 4, sw, k.owned);
    tvm_conv_attrs at = {.struct_size = sizeof at, .groups = 144, .strides = {1, 1},
                         .pads = {1, 1, 1, 1}};
    k.out = tvm_op_conv2d(k.g, k.in[0], w, (tvm_tensor){0}, &at);
    return k;
}

typedef struct entry {
    const char *name;
    kgraph (*build)(void);
    const char *nontemporal; /* TVMC_NONTEMPORAL while compiling, or NULL */
} entry;

static const entry entries[] = {
    {"add_relu_1000", k_add_relu, NULL},
    {"fused_fma_relu_16M", k_fused, NULL},
    {"fused_fma_relu_16M_nt0", k_fused, "0"},
    {"sgemm_256", k_g256, NULL},
    {"sgemm_1024", k_g1024, NULL},
    {"sgemm_128x3072x768", k_g128, NULL},
    {"softmax_4096x1024", k_softmax, NULL},
    {"conv_64x56x56_3x3", k_conv, NULL},
    {"dwconv_144x56x56_3x3", k_dwconv, NULL},
};

int main(int argc, char **argv) {
    int n = 9;
    const char *filter = NULL, *source = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-n") == 0 && a + 1 < argc) n = atoi(argv[++a]);
        else if (strcmp(argv[a], "--filter") == 0 && a + 1 < argc) filter = argv[++a];
        else if (strcmp(argv[a], "--source") == 0 && a + 1 < argc) source = argv[++a];
        else {
            fprintf(stderr, "usage: %s [-n N] [--filter SUBSTRING] [--source llvm|asm]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < 1 || n > 1000) n = 9;
    TRY(tvm_context_create(NULL, &ctx));
    double *wall = calloc((size_t)n, sizeof *wall), *cpu = calloc((size_t)n, sizeof *cpu);
    if (!wall || !cpu) return 1;
    if (!source)
        printf("%-26s %12s %12s %12s  (median of %d cold compiles)\n", "kernel", "wall ms",
               "cpu ms", "first wall", n);
    tvm_compile_options o = {.struct_size = sizeof o, .flags = TVM_COMPILE_NO_CACHE};
    for (size_t e = 0; e < sizeof entries / sizeof entries[0]; e++) {
        const entry *en = &entries[e];
        if (filter && !strstr(en->name, filter)) continue;
        if (en->nontemporal) setenv("TVMC_NONTEMPORAL", en->nontemporal, 1);
        kgraph k = en->build();
        TRY(tvm_graph_status(k.g));
        tvm_function *fn = NULL;
        TRY(tvm_compile(k.g, k.nin, k.in, 1, &k.out, &o, &fn)); /* warm-up */
        if (source) {
            char *text = NULL;
            TRY(tvm_function_source(fn, source, &text));
            printf("// ==== %s (%s)\n%s", en->name, source, text);
            tvm_free(text);
        }
        tvm_function_release(fn);
        for (int r = 0; r < n && !source; r++) {
            double w0 = now_ms(), c0 = cpu_ms();
            TRY(tvm_compile(k.g, k.nin, k.in, 1, &k.out, &o, &fn));
            cpu[r] = cpu_ms() - c0;
            wall[r] = now_ms() - w0;
            tvm_function_release(fn);
        }
        double mw = median(wall, n);
        if (!source) printf("%-26s %12.2f %12.2f %12.2f\n", en->name, mw, median(cpu, n), wall[0]);
        fflush(stdout);
        tvm_graph_destroy(k.g);
        free(k.owned);
        if (en->nontemporal) unsetenv("TVMC_NONTEMPORAL");
    }
    free(wall);
    free(cpu);
    tvm_context_destroy(ctx);
    return 0;
}
