/* bench_schedule.c — a plain matmul C[i, j] = sum_k A[i, k] * B[k, j]
 * (tvm_compute + tvm_sum) under user schedules (tvmc.h, "Schedules") next
 * to the same compute with the default schedule, and OpenBLAS's
 * cblas_sgemm when found, in one run: single thread, float32, GFLOP/s of
 * the median call, and each row's ratio to the default schedule.
 *
 *   none      no schedule: the default (schedule_contraction)
 *   tutorial  TVM's blocked-matmul tutorial: tile 32 x 32, split k by 4,
 *             reorder (io, jo, ko, ki, ii, ji), cache_write at jo,
 *             vectorize ji, unroll ki
 *   regblock  a register block: tile 4 x 64, reorder (io, jo, k, ii, ji),
 *             cache_write at jo (a 4 x 64 accumulator block), unroll ii,
 *             vectorize ji
 *   packed    regblock with B packed into 64-column panels (tvm_sched_pack)
 *             and the column panels outermost (jo, io, k, ii, ji), so one
 *             K x 64 panel is read contiguously by every row block
 *
 *   ninja -C build bench/bench_schedule && ./build/bench/bench_schedule [--quick] [n...]
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "bench_util.h"

#ifdef HAVE_CBLAS
#include <cblas.h>
#endif

enum { NONE, TUTORIAL, REGBLOCK, PACKED, NSCHED };
static const char *const sched_name[] = {"none", "tutorial", "regblock", "packed"};

typedef struct mm {
    tvm_graph *g;
    tvm_tensor in[2], C;
    tvm_expr i, j, k;
} mm;

static mm build(tvm_context *ctx, int64_t n) {
    mm m = {.g = tvm_graph_create(ctx)};
    tvm_graph *g = m.g;
    tvm_expr d = tvm_const_int(g, TVM_INT64, n);
    m.in[0] = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){d, d});
    m.in[1] = tvm_placeholder(g, "B", TVM_FLOAT32, 2, (tvm_expr[]){d, d});
    m.i = tvm_iter_var(g, "i");
    m.j = tvm_iter_var(g, "j");
    m.k = tvm_reduce_axis(g, "k", d);
    tvm_expr prod = tvm_mul(g, tvm_load(g, m.in[0], (tvm_expr[]){m.i, m.k}),
                            tvm_load(g, m.in[1], (tvm_expr[]){m.k, m.j}));
    m.C = tvm_compute(g, "C", 2, (tvm_expr[]){d, d}, (tvm_expr[]){m.i, m.j},
                      tvm_sum(g, prod, 1, &m.k));
    TRY(tvm_graph_status(g));
    return m;
}

static tvm_schedule *make_schedule(mm *m, int which) {
    if (which == NONE) return NULL;
    tvm_schedule *s;
    TRY(tvm_schedule_create(m->g, 1, &m->C, &s));
    tvm_expr io, jo, ii, ji;
    if (which == TUTORIAL) {
        tvm_expr ko, ki;
        TRY(tvm_sched_tile(s, m->C, m->i, m->j, 32, 32, &io, &jo, &ii, &ji));
        TRY(tvm_sched_split(s, m->C, m->k, 4, &ko, &ki));
        TRY(tvm_sched_reorder(s, m->C, 6, (tvm_expr[]){io, jo, ko, ki, ii, ji}));
        TRY(tvm_sched_unroll(s, m->C, ki));
    } else {
        TRY(tvm_sched_tile(s, m->C, m->i, m->j, 4, 64, &io, &jo, &ii, &ji));
        if (which == PACKED) {
            tvm_tensor Bp;
            TRY(tvm_sched_pack(s, m->C, m->in[1], 1, 64, &Bp));
            TRY(tvm_sched_reorder(s, m->C, 5, (tvm_expr[]){jo, io, m->k, ii, ji}));
        } else {
            TRY(tvm_sched_reorder(s, m->C, 5, (tvm_expr[]){io, jo, m->k, ii, ji}));
        }
        TRY(tvm_sched_unroll(s, m->C, ii));
    }
    TRY(tvm_sched_cache_write(s, m->C, which == PACKED ? io : jo));
    TRY(tvm_sched_vectorize(s, m->C, ji));
    return s;
}

static DLTensor tensor_2d(float *data, int64_t *shape) {
    DLTensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.device.device_type = kDLCPU;
    t.ndim = 2;
    t.dtype.code = kDLFloat;
    t.dtype.bits = 32;
    t.dtype.lanes = 1;
    t.shape = shape;
    return t;
}

int main(int argc, char **argv) {
    bool quick = false;
    int64_t sizes[8] = {256, 512, 1024};
    int nsizes = 3, given = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--quick")) quick = true;
        else if (given < 8) sizes[given++] = atoll(argv[a]);
    }
    if (given) nsizes = given;
    else if (quick) nsizes = 2;
#ifdef HAVE_CBLAS
    openblas_set_num_threads(1);
#endif
    tvm_context_options one = {.struct_size = sizeof one, .num_threads = 1};
    tvm_context *ctx;
    TRY(tvm_context_create(&one, &ctx));
    printf("tvmc %s, single thread, float32, C = A x B as compute + sum\n", tvm_version());
    printf("%6s %-10s %10s %10s %12s %10s\n", "n", "schedule", "GFLOP/s", "vs none",
           "compile ms", "max err");
    for (int sz = 0; sz < nsizes; sz++) {
        int64_t n = sizes[sz];
        size_t nn = (size_t)(n * n);
        float *A = malloc(nn * 4), *B = malloc(nn * 4), *C = malloc(nn * 4);
        srand(1);
        for (size_t e = 0; e < nn; e++) A[e] = (float)rand() / RAND_MAX - 0.5f;
        for (size_t e = 0; e < nn; e++) B[e] = (float)rand() / RAND_MAX - 0.5f;
        int64_t shape[2] = {n, n};
        DLTensor a = tensor_2d(A, shape), b = tensor_2d(B, shape), c = tensor_2d(C, shape);
        DLTensor *args[3] = {&a, &b, &c};
        double flops = 2.0 * (double)n * n * n, base = 0;
        int reps = quick ? 3 : (n <= 256 ? 31 : n <= 512 ? 11 : 5);
        for (int which = 0; which < NSCHED; which++) {
            mm m = build(ctx, n);
            tvm_schedule *s = make_schedule(&m, which);
            tvm_compile_options o = {.struct_size = sizeof o, .flags = TVM_COMPILE_NO_CACHE,
                                     .schedule = s};
            tvm_function *f;
            double t0 = now_ns();
            TRY(tvm_compile(m.g, 2, m.in, 1, &m.C, &o, &f)); /* constant shapes: built here */
            double tc = (now_ns() - t0) / 1e6;
            tvm_schedule_destroy(s);
            tvm_graph_destroy(m.g);
            TRY(tvm_function_call(f, args, 3));
            double err = 0;
            for (int64_t i = 0; i < n; i += n / 31)
                for (int64_t j = 0; j < n; j++) {
                    double ref = 0;
                    for (int64_t k = 0; k < n; k++) ref += (double)A[i * n + k] * B[k * n + j];
                    if (fabs(ref - C[i * n + j]) > err) err = fabs(ref - C[i * n + j]);
                }
            double t[64];
            for (int r = 0; r < reps; r++) {
                double t1 = now_ns();
                TRY(tvm_function_call(f, args, 3));
                t[r] = now_ns() - t1;
            }
            tvm_function_release(f);
            double gf = flops / median(t, reps);
            if (which == NONE) base = gf;
            printf("%6lld %-10s %10.1f %9.2fx %12.1f %10.2g\n", (long long)n, sched_name[which],
                   gf, gf / base, tc, err);
            fflush(stdout);
        }
#ifdef HAVE_CBLAS
        {
            double t[64];
            for (int r = 0; r < reps; r++) {
                double t1 = now_ns();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n,
                            1.0f, A, (int)n, B, (int)n, 0.0f, C, (int)n);
                t[r] = now_ns() - t1;
            }
            double gf = flops / median(t, reps);
            printf("%6lld %-10s %10.1f %9.2fx\n", (long long)n, "openblas", gf, gf / base);
        }
#endif
        free(A), free(B), free(C);
    }
    tvm_context_destroy(ctx);
    return 0;
}
