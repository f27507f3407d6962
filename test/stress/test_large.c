/* test_large.c — G7: element counts 2^31-1, 2^31, 2^31+1 and 2^32+1.
 *
 * tvmc only accepts compact tensors, so the zero-stride-view trick is not
 * available. Two kinds of case instead:
 *
 *  - logical counts through index arithmetic, no memory: a sum over a
 *    reduction axis of extent N (1-D, and 2-D reductions whose iteration space
 *    is N) reading a 7-element int64 tensor at floormod(l, 7) and adding
 *    floordiv(l, 2^31) * P, where l is the linear int64 index. The exact int64
 *    answer is known in closed form: any 32-bit truncation of l changes both
 *    the per-residue counts and the floordiv term.
 *
 *  - real int8 buffers of 2^31+1 elements (mmap'd, 2 GiB each): elementwise
 *    B[i] = A[i] + 1 (input and output both 2^31+1), a broadcast-style output
 *    B[i] = X[i % 7] + i / 2^31 from a 7-element input, an int64 sum of A, and
 *    a gather B[j] = A[idx[j]] with int64 indices around and above 2^31
 *    (including out-of-range ones that a 32-bit bounds check would wrap into
 *    range). Every element of every big output is checked, and the values at
 *    2^31-2 .. 2^31+1 and the last element are checked by name.
 *
 * Golden IR: for the cases above 2^31 the optimised LLVM IR
 * (tvm_function_source "llvm") must use i64 GEP offsets only, and the 1-D
 * reductions must carry a trip count >= 2^31 as a literal on an i64 line
 * (FileCheck-style line assertions).
 *
 * Only target "llvm": the interpreter runs ~33 ns per element (measured:
 * 2^22 elements in 0.14 s), i.e. > 60 s for one 2^31 case, so it is left out
 * (the small logical-count graphs are compared against it at 2^20 instead).
 * Release build only: under ASan/TSan the binary exits 77 (meson SKIP). */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "../tensor_util.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define LARGE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer) || \
    __has_feature(memory_sanitizer)
#define LARGE_SANITIZED 1
#endif
#endif
#ifndef LARGE_SANITIZED
#define LARGE_SANITIZED 0
#endif

#define P31 ((int64_t)1 << 31)
#define P32 ((int64_t)1 << 32)
#define HIGH_WEIGHT 1000003 /* P: weight of floordiv(l, 2^31) */

static const int64_t counts[] = {P31 - 1, P31, P31 + 1, P32 + 1};
#define NUM_COUNTS 4

/* the 7-element table read at floormod(l, 7): distinct primes, so the sum
 * pins down how often each residue was visited */
static int64_t table7[7] = {2, 1009, 100003, 10000019, 1000000007, 3, 7919};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- closed forms ----------------------------------------------------------- */

/* sum over l in [0, n) of table7[l % 7] + HIGH_WEIGHT * floor(l / 2^31) */
static int64_t expected_sum(int64_t n) {
    int64_t s = 0;
    for (int j = 0; j < 7; j++) s += (n / 7 + (j < n % 7)) * table7[j];
    int64_t q = n / P31, r = n % P31;
    int64_t high = P31 * (q * (q - 1) / 2) + q * r;
    return s + HIGH_WEIGHT * high;
}

/* ---- IR assertions ------------------------------------------------------------ */

/* FileCheck-style: the IR has at least one GEP and every GEP index is i64
 * (or a vector of i64). With bound > 0, some line that works in i64 also
 * carries an integer literal in [2^31, bound]: the loop trip count (LLVM may
 * split it, e.g. 4294967296 iterations plus an epilogue of 1 for 2^32+1),
 * which a 32-bit counter could not hold. */
static void check_llvm_i64(tvm_function *fn, const char *what, int64_t bound) {
    char *ir = NULL;
    if (!CHECK_OK(tvm_function_source(fn, "llvm", &ir))) return;
    int geps = 0, bad = 0;
    int64_t literal = 0;
    for (const char *line = ir; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf - 1 ? len : sizeof buf - 1),
                 line);
        if (bound > 0 && !literal && strstr(buf, " i64 ")) {
            for (const char *q = buf; *q; q++) {
                if (!isdigit((unsigned char)*q) || (q > buf && (isalnum((unsigned char)q[-1]) ||
                                                              q[-1] == '%' || q[-1] == '.')))
                    continue;
                int64_t v = strtoll(q, NULL, 10);
                if (v >= P31 && v <= bound) {
                    literal = v;
                    break;
                }
                while (isdigit((unsigned char)q[1])) q++;
            }
        }
        if (strstr(buf, "getelementptr")) {
            geps++;
            /* "getelementptr [inbounds] TYPE, ptr %base, i64 %idx": the index
             * operands follow the second comma (vector GEPs: <8 x i64>) */
            const char *p = strchr(strstr(buf, "getelementptr"), ',');
            p = p ? strchr(p + 1, ',') : NULL;
            bool ok = p && (strncmp(p, ", i64 ", 6) == 0 ||
                            (strncmp(p, ", <", 3) == 0 && strstr(p, " x i64> ")));
            if (!ok) {
                if (bad++ < 3)
                    check_fail(__FILE__, __LINE__, "%s: GEP without an i64 offset: %s", what,
                               buf);
            }
        }
        line = end ? end + 1 : NULL;
    }
    if (geps == 0) check_fail(__FILE__, __LINE__, "%s: no getelementptr in the LLVM IR", what);
    if (bound > 0 && !literal)
        check_fail(__FILE__, __LINE__, "%s: no i64 line of the LLVM IR has a trip-count "
                   "literal in [2^31, %" PRId64 "]", what, bound);
    if (bound > 0)
        printf("    %s: %d GEPs, all i64 offsets; i64 trip count %" PRId64 "\n", what, geps,
               literal);
    else
        printf("    %s: %d GEPs, all i64 offsets\n", what, geps);
    tvm_free(ir);
}

/* The loop IR of the latest specialisation has a loop over exactly `extent`
 * iterations with an int64 counter: "for (i: int64, 0, 2147483649)". */
static void check_loop_i64(tvm_function *fn, const char *what, int64_t extent) {
    char *loop = NULL;
    if (!CHECK_OK(tvm_function_source(fn, "loop", &loop))) return;
    char needle[64];
    snprintf(needle, sizeof needle, ": int64, 0, %" PRId64 ")", extent);
    if (!strstr(loop, needle))
        check_fail(__FILE__, __LINE__, "%s: the loop IR has no int64 loop \"%s\":\n%s", what,
                   needle, loop);
    tvm_free(loop);
}

/* ---- logical counts: reductions of extent N over a 7-element table ----------- */

static tvm_compile_options llvm_opts(void) { return tt_options("llvm", 0, 0); }

/* body(l) = T[floormod(l, 7)] + floordiv(l, 2^31) * P, l int64 */
static tvm_expr table_body(tvm_graph *g, tvm_tensor T, tvm_expr l) {
    tvm_expr m = tvm_floormod(g, l, tvm_const_int(g, TVM_INT64, 7));
    tvm_expr hi = tvm_floordiv(g, l, tvm_const_int(g, TVM_INT64, P31));
    return tvm_add(g, tvm_load(g, T, &m),
                   tvm_mul(g, hi, tvm_const_int(g, TVM_INT64, HIGH_WEIGHT)));
}

enum { SHAPE_1D, SHAPE_2D_EXACT, SHAPE_2D_GUARDED };

/* S = sum over the iteration space of body(l). 1-D: k < n. 2-D exact:
 * (rows, cols) with rows * cols == n, l = a * cols + b. 2-D guarded: (ceil(n
 * / 65536), 65536) with select(l < n, body, 0). */
static tvm_function *build_logical(tvm_context *ctx, int kind, int64_t n, int64_t rows,
                                   int64_t cols, const char *target) {
    tvm_graph *g = tvm_graph_create(ctx);
    if (!g) return NULL;
    tvm_expr seven = tvm_const_int(g, TVM_INT64, 7);
    tvm_tensor T = tvm_placeholder(g, "T", TVM_INT64, 1, &seven);
    tvm_expr body, axes[2];
    int naxes;
    if (kind == SHAPE_1D) {
        axes[0] = tvm_reduce_axis(g, "k", tvm_const_int(g, TVM_INT64, n));
        naxes = 1;
        body = table_body(g, T, axes[0]);
    } else {
        axes[0] = tvm_reduce_axis(g, "a", tvm_const_int(g, TVM_INT64, rows));
        axes[1] = tvm_reduce_axis(g, "b", tvm_const_int(g, TVM_INT64, cols));
        naxes = 2;
        tvm_expr l = tvm_add(g, tvm_mul(g, axes[0], tvm_const_int(g, TVM_INT64, cols)), axes[1]);
        body = table_body(g, T, l);
        if (kind == SHAPE_2D_GUARDED)
            body = tvm_select(g, tvm_lt(g, l, tvm_const_int(g, TVM_INT64, n)), body,
                              tvm_const_int(g, TVM_INT64, 0));
    }
    tvm_tensor S = tvm_compute(g, "S", 0, NULL, NULL, tvm_sum(g, body, naxes, axes));
    tvm_compile_options o = tt_options(target, 0, 0);
    tvm_function *fn = NULL;
    tvm_status s = tvm_compile(g, 1, &T, 1, &S, &o, &fn);
    if (s != TVM_OK)
        check_fail(__FILE__, __LINE__, "compile (kind %d, n=%" PRId64 ", %s): %s: %s", kind, n,
                   target, tvm_status_string(s), tvm_last_error());
    tvm_graph_destroy(g);
    return fn;
}

static bool run_logical(tvm_function *fn, int64_t *result) {
    int64_t shape7 = 7;
    DLTensor t = {table7, {kDLCPU, 0}, 1, {kDLInt, 64, 1}, &shape7, NULL, 0};
    DLTensor s = {result, {kDLCPU, 0}, 0, {kDLInt, 64, 1}, NULL, NULL, 0};
    *result = 0x5a5a5a5a5a5a5a5a;
    return CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&t, &s}, 2));
}

static void logical_case(tvm_context *ctx, int kind, int64_t n, int64_t rows, int64_t cols) {
    static const char *const names[] = {"1-D", "2-D exact", "2-D guarded"};
    char what[96];
    if (kind == SHAPE_1D)
        snprintf(what, sizeof what, "%s sum, N=%" PRId64, names[kind], n);
    else
        snprintf(what, sizeof what, "%s sum, N=%" PRId64 " as (%" PRId64 ", %" PRId64 ")",
                 names[kind], n, rows, cols);
    double t0 = now_s();
    tvm_function *fn = build_logical(ctx, kind, n, rows, cols, "llvm");
    if (!fn) return;
    int64_t got;
    if (run_logical(fn, &got)) {
        int64_t want = expected_sum(n);
        if (got != want)
            check_fail(__FILE__, __LINE__, "%s: got %" PRId64 ", want %" PRId64, what, got,
                       want);
    }
    printf("  %-52s %.2f s\n", what, now_s() - t0);
    if (n > INT32_MAX) {
        /* 1-D: the loop runs past 2^31 on an i64 counter */
        check_llvm_i64(fn, what, kind == SHAPE_1D ? n : 0);
        check_loop_i64(fn, what, kind == SHAPE_1D ? n : cols);
    }
    tvm_function_release(fn);
}

TEST(logical_counts_1d_reduction) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    for (int c = 0; c < NUM_COUNTS; c++) logical_case(ctx, SHAPE_1D, counts[c], 0, 0);
    tvm_context_destroy(ctx);
}

TEST(logical_counts_2d_reduction) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    /* exact factorisations (2^31 - 1 is prime: 1 x N) */
    static const int64_t exact[NUM_COUNTS][2] = {
        {1, P31 - 1}, {32768, 65536}, {3, 715827883}, {641, 6700417}};
    for (int c = 0; c < NUM_COUNTS; c++) {
        CHECK(exact[c][0] * exact[c][1] == counts[c]);
        logical_case(ctx, SHAPE_2D_EXACT, counts[c], exact[c][0], exact[c][1]);
    }
    /* a guarded (ceil(N / 2^16), 2^16) space for the prime (and 2^32+1):
     * the linear index crosses 2^31 in the middle of a row */
    for (int c = 0; c < NUM_COUNTS; c += 3) {
        int64_t cols = 65536, rows = (counts[c] + cols - 1) / cols;
        logical_case(ctx, SHAPE_2D_GUARDED, counts[c], rows, cols);
    }
    tvm_context_destroy(ctx);
}

/* The same graphs at a small count on both targets: the interpreter is the
 * oracle tvmc trusts, so its agreement with the closed form and with llvm is
 * checked where it is fast (2^20 + 3 elements). */
TEST(logical_counts_small_both_targets) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    const int64_t n = ((int64_t)1 << 20) + 3;
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        for (int kind = SHAPE_1D; kind <= SHAPE_2D_GUARDED; kind++) {
            int64_t cols = kind == SHAPE_2D_EXACT ? 1 : 1024;
            int64_t rows = kind == SHAPE_2D_EXACT ? n : (n + cols - 1) / cols;
            double t0 = now_s();
            tvm_function *fn = build_logical(ctx, kind, n, rows, cols, tt_targets[t]);
            if (!fn) continue;
            int64_t got;
            if (run_logical(fn, &got) && got != expected_sum(n))
                check_fail(__FILE__, __LINE__, "%s kind %d n=%" PRId64 ": got %" PRId64
                           ", want %" PRId64, tt_targets[t], kind, n, got, expected_sum(n));
            double dt = now_s() - t0;
            if (t == 1 && kind == SHAPE_1D)
                printf("  interp: %.1f ns per element (2^31 elements would take %.0f s: not "
                       "run at full size)\n", dt * 1e9 / (double)n, dt / (double)n * (double)P31);
            tvm_function_release(fn);
        }
    }
    tvm_context_destroy(ctx);
}

/* ---- real 2 GiB int8 buffers ------------------------------------------------------ */

#define BIG_N (P31 + 1)

typedef struct big_buf {
    int8_t *data;
    size_t bytes;
} big_buf;

static bool big_alloc(big_buf *b, size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) {
        b->data = NULL;
        return false;
    }
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* fewer page faults; optional */
    b->data = p;
    b->bytes = bytes;
    return true;
}

static void big_free(big_buf *b) {
    if (b->data) munmap(b->data, b->bytes);
    b->data = NULL;
}

/* value of A[i]: depends on the high bits, so A[i] != A[i - 2^31] in general */
static inline int8_t pattern(int64_t i) {
    uint64_t u = (uint64_t)i;
    return (int8_t)(uint8_t)(u * 0x9e3779b1u ^ (u >> 13) ^ ((u >> 31) * 0x55u));
}

/* A (2^31+1 int8), shared by the real-buffer tests; filled once. */
static big_buf A_buf;
static int64_t A_sum; /* exact int64 sum of A */
static bool A_ready, A_failed;

/* MemAvailable from /proc/meminfo covers `need` (unknown: assume it does) */
static bool enough_memory(size_t need) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return true;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1) break;
    fclose(f);
    if (kib < 0) return true;
    if ((double)kib * 1024.0 < (double)need) {
        printf("  only %.1f GiB available, %.1f GiB needed\n", (double)kib / (1 << 20),
               (double)need / (1 << 30));
        return false;
    }
    return true;
}

static bool get_A(void) {
    if (A_ready) return true;
    if (A_failed) return false;
    A_failed = true;
    if (!enough_memory((size_t)BIG_N * 2 + ((size_t)1 << 30))) return false;
    if (!big_alloc(&A_buf, (size_t)BIG_N)) return false;
    double t0 = now_s();
    int64_t s = 0;
    for (int64_t i = 0; i < BIG_N; i++) {
        int8_t v = pattern(i);
        A_buf.data[i] = v;
        s += v;
    }
    A_sum = s;
    printf("  filled A (%" PRId64 " int8, %.2f GiB) in %.2f s\n", BIG_N,
           (double)BIG_N / (1 << 30), now_s() - t0);
    A_failed = false;
    A_ready = true;
    return true;
}

static DLTensor dl_1d(void *data, DLDataType dt, int64_t *shape) {
    DLTensor t = {data, {kDLCPU, 0}, 1, dt, shape, NULL, 0};
    return t;
}
static const DLDataType DL_I8 = {kDLInt, 8, 1}, DL_I64 = {kDLInt, 64, 1};

/* the offsets checked by name: around 2^31 and the last element */
static const int64_t named_offsets[] = {0, P31 - 2, P31 - 1, P31, BIG_N - 1};
#define NUM_NAMED ((int)(sizeof named_offsets / sizeof named_offsets[0]))

TEST(real_int8_elementwise_2g) {
    if (!get_A()) TEST_SKIP_RETURN("cannot map 2 x 2 GiB (not enough memory)");
    big_buf B;
    if (!big_alloc(&B, (size_t)BIG_N)) TEST_SKIP_RETURN("cannot map the 2 GiB output");
    memset(B.data, 0x5a, 4096); /* poison a few pages; the rest read back as 0 */
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT8, 1, &n);
    tvm_tensor C = tvm_compute(g, "B", 1, &n, &i,
                               tvm_add(g, tvm_load(g, A, &i), tvm_const_int(g, TVM_INT8, 1)));
    tvm_compile_options o = llvm_opts();
    tvm_function *fn = NULL;
    CHECK_OK(tvm_compile(g, 1, &A, 1, &C, &o, &fn));
    tvm_graph_destroy(g);
    if (fn) {
        int64_t shape = BIG_N;
        DLTensor a = dl_1d(A_buf.data, DL_I8, &shape), b = dl_1d(B.data, DL_I8, &shape);
        double t0 = now_s();
        bool ok = CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a, &b}, 2));
        double dt = now_s() - t0;
        if (ok) {
            for (int k = 0; k < NUM_NAMED; k++) {
                int64_t at = named_offsets[k];
                if (B.data[at] != (int8_t)(A_buf.data[at] + 1))
                    check_fail(__FILE__, __LINE__, "B[%" PRId64 "] = %d, want %d", at,
                               B.data[at], (int8_t)(A_buf.data[at] + 1));
            }
            int64_t bad = 0, first = -1;
            for (int64_t k = 0; k < BIG_N; k++)
                if (B.data[k] != (int8_t)(uint8_t)((uint8_t)A_buf.data[k] + 1u)) {
                    if (first < 0) first = k;
                    bad++;
                }
            if (bad)
                check_fail(__FILE__, __LINE__, "B = A + 1: %" PRId64 " wrong elements, first "
                           "at %" PRId64, bad, first);
        }
        printf("  B[i] = A[i] + 1 over %" PRId64 " int8: call %.2f s\n", BIG_N, dt);
        check_llvm_i64(fn, "elementwise int8 2^31+1", 0);
        check_loop_i64(fn, "elementwise int8 2^31+1", BIG_N);
        tvm_function_release(fn);
    }

    /* output-only: B[i] = X[i % 7] + i / 2^31 from a 7-element input */
    g = tvm_graph_create(ctx);
    n = tvm_size_var(g, "n");
    i = tvm_iter_var(g, "i");
    tvm_expr seven = tvm_const_int(g, TVM_INT64, 7);
    tvm_tensor X = tvm_placeholder(g, "X", TVM_INT8, 1, &seven);
    tvm_expr m = tvm_floormod(g, i, seven);
    tvm_expr hi = tvm_cast(g, TVM_INT8, tvm_floordiv(g, i, tvm_const_int(g, TVM_INT64, P31)));
    C = tvm_compute(g, "B", 1, &n, &i, tvm_add(g, tvm_load(g, X, &m), hi));
    fn = NULL;
    CHECK_OK(tvm_compile(g, 1, &X, 1, &C, &o, &fn));
    tvm_graph_destroy(g);
    if (fn) {
        int8_t x[7] = {3, -7, 11, -13, 17, -19, 23};
        int64_t s7 = 7, shape = BIG_N;
        DLTensor xa = dl_1d(x, DL_I8, &s7), b = dl_1d(B.data, DL_I8, &shape);
        memset(B.data + P31 - 64, 0x5a, 65);
        double t0 = now_s();
        bool ok = CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&xa, &b}, 2));
        double dt = now_s() - t0;
        if (ok) {
            int64_t bad = 0, first = -1;
            int r = 0; /* k % 7, kept incrementally */
            for (int64_t k = 0; k < BIG_N; k++) {
                int8_t want = (int8_t)(x[r] + (k >= P31));
                if (B.data[k] != want) {
                    if (first < 0) first = k;
                    bad++;
                }
                if (++r == 7) r = 0;
            }
            if (bad)
                check_fail(__FILE__, __LINE__, "B = X[i %% 7] + i / 2^31: %" PRId64
                           " wrong elements, first at %" PRId64 " (%d)", bad, first,
                           B.data[first]);
            for (int k = 0; k < NUM_NAMED; k++) {
                int64_t at = named_offsets[k];
                CHECK_EQ_INT(B.data[at], (int8_t)(x[at % 7] + (at >= P31)));
            }
        }
        printf("  B[i] = X[i %% 7] + i / 2^31 over %" PRId64 " int8: call %.2f s\n", BIG_N, dt);
        check_llvm_i64(fn, "broadcast int8 2^31+1", 0);
        check_loop_i64(fn, "broadcast int8 2^31+1", BIG_N);
        tvm_function_release(fn);
    }
    tvm_context_destroy(ctx);
    big_free(&B);
}

TEST(real_int8_reduce_2g) {
    if (!get_A()) TEST_SKIP_RETURN("cannot map 2 GiB (not enough memory)");
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT8, 1, &n);
    tvm_expr k = tvm_reduce_axis(g, "k", n);
    tvm_tensor S = tvm_compute(g, "S", 0, NULL, NULL,
                               tvm_sum(g, tvm_cast(g, TVM_INT64, tvm_load(g, A, &k)), 1, &k));
    tvm_compile_options o = llvm_opts();
    tvm_function *fn = NULL;
    CHECK_OK(tvm_compile(g, 1, &A, 1, &S, &o, &fn));
    tvm_graph_destroy(g);
    if (fn) {
        int64_t shape = BIG_N, got = 0x5a5a5a5a;
        DLTensor a = dl_1d(A_buf.data, DL_I8, &shape);
        DLTensor s = {&got, {kDLCPU, 0}, 0, DL_I64, NULL, NULL, 0};
        double t0 = now_s();
        if (CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a, &s}, 2)) && got != A_sum)
            check_fail(__FILE__, __LINE__, "sum of A: got %" PRId64 ", want %" PRId64, got,
                       A_sum);
        printf("  int64 sum of %" PRId64 " int8 = %" PRId64 ": call %.2f s\n", BIG_N, got,
               now_s() - t0);
        check_llvm_i64(fn, "reduce int8 2^31+1", 0);
        check_loop_i64(fn, "reduce int8 2^31+1", BIG_N);
        /* the prefix 2^31 - 1 (a shorter view of the same buffer) */
        shape = P31 - 1;
        int64_t want = A_sum - A_buf.data[P31] - A_buf.data[P31 - 1];
        if (CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a, &s}, 2)) && got != want)
            check_fail(__FILE__, __LINE__, "sum of A[:2^31-1]: got %" PRId64 ", want %" PRId64,
                       got, want);
        tvm_function_release(fn);
    }
    tvm_context_destroy(ctx);
}

TEST(real_int8_gather_2g) {
    if (!get_A()) TEST_SKIP_RETURN("cannot map 2 GiB (not enough memory)");
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_size_var(g, "n"), m = tvm_size_var(g, "m");
    tvm_expr j = tvm_iter_var(g, "j");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT8, 1, &n);
    tvm_tensor I = tvm_placeholder(g, "idx", TVM_INT64, 1, &m);
    tvm_expr at = tvm_load(g, I, &j);
    tvm_tensor B = tvm_compute(g, "B", 1, &m, &j, tvm_load(g, A, &at));
    tvm_compile_options o = llvm_opts();
    tvm_function *fn = NULL;
    CHECK_OK(tvm_compile(g, 2, (tvm_tensor[]){A, I}, 1, &B, &o, &fn));
    tvm_graph_destroy(g);
    if (fn) {
        int64_t idx[] = {P31, P31 - 1, P31 - 2, 0, 1, P31 - 3, 12345, P31,
                         P31 - 7, (int64_t)1 << 30, 3 * ((int64_t)1 << 29), P31 - 1};
        const int64_t m_len = (int64_t)(sizeof idx / sizeof idx[0]);
        int8_t out[sizeof idx / sizeof idx[0]];
        int64_t shape_a = BIG_N, shape_i = m_len;
        DLTensor a = dl_1d(A_buf.data, DL_I8, &shape_a), ti = dl_1d(idx, DL_I64, &shape_i),
                 tb = dl_1d(out, DL_I8, &shape_i);
        DLTensor *args[] = {&a, &ti, &tb};
        memset(out, 0x5a, sizeof out);
        if (CHECK_OK(tvm_function_call(fn, args, 3)))
            for (int k = 0; k < m_len; k++)
                if (out[k] != A_buf.data[idx[k]])
                    check_fail(__FILE__, __LINE__, "gather: B[%d] (A[%" PRId64 "]) = %d, want "
                               "%d", k, idx[k], out[k], A_buf.data[idx[k]]);
        check_llvm_i64(fn, "gather int8 2^31+1", 0);
        /* out of range, including values a 32-bit check would wrap into range */
        static const int64_t bad[] = {P31 + 1, P32, P32 + 5, -1, INT64_MIN + 3, P32 + P31};
        for (int k = 0; k < (int)(sizeof bad / sizeof bad[0]); k++) {
            int64_t saved = idx[5];
            idx[5] = bad[k];
            tvm_status s = tvm_function_call(fn, args, 3);
            if (s != TVM_ERR_OUT_OF_BOUNDS)
                check_fail(__FILE__, __LINE__, "gather with index %" PRId64 " into %" PRId64
                           " elements returned %s, want TVM_ERR_OUT_OF_BOUNDS", bad[k], BIG_N,
                           tvm_status_string(s));
            else if (!check_mentions(tvm_last_error(), "A") ||
                     !check_mentions(tvm_last_error(), "2147483649"))
                check_fail(__FILE__, __LINE__, "gather with index %" PRId64 ": message \"%s\" "
                           "does not name tensor A and its extent 2147483649", bad[k],
                           tvm_last_error());
            idx[5] = saved;
        }
        printf("  gather: %d indices up to 2^31 checked, %d out-of-range indices rejected\n",
               (int)m_len, (int)(sizeof bad / sizeof bad[0]));
        tvm_function_release(fn);
    }
    tvm_context_destroy(ctx);
}

int main(int argc, char **argv) {
    if (LARGE_SANITIZED) {
        printf("test_large: skipped under a sanitizer (2 GiB buffers are too slow with "
               "shadow memory); run the release build\n");
        return 77;
    }
    double t0 = now_s();
    int rc = check_run_all(argc, argv);
    big_free(&A_buf);
    printf("test_large: total %.1f s\n", now_s() - t0);
    return rc;
}
