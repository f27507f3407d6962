/* test_schedule.c — the contraction schedule (schedule_contraction): matmul
 * nests register-blocked on the llvm target give the same bits as the
 * interpreter (which runs the plain nest) and agree with a double reference,
 * for odd and blocked sizes, epilogues, batches, transposed operands and the
 * dtypes the pass declines (float16, int32) or blocks (float64). */
#include <math.h>

#include "check.h"
#include "tensor_util.h"

/* One context for every test (destroyed at exit, so LeakSanitizer sees the
 * functions and kernels it owns released). */
static const int64_t sizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 100, 129};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

enum { PLAIN, BIAS_RELU, BIAS_TANH };

/* C[b..., i, j] = epi(sum_k A[b..., i, k] * B[k, j]) as a plain compute. */
static tvm_tensor plain_matmul(tvm_graph *g, tvm_dtype dt, int64_t M, int64_t N, int64_t K,
                               int epi, tvm_tensor *in, int *nin) {
    tvm_expr dm = tvm_const_int(g, TVM_INT64, M), dn = tvm_const_int(g, TVM_INT64, N),
             dk = tvm_const_int(g, TVM_INT64, K);
    tvm_expr sa[2] = {dm, dk}, sb[2] = {dk, dn};
    in[0] = tvm_placeholder(g, "A", dt, 2, sa);
    in[1] = tvm_placeholder(g, "B", dt, 2, sb);
    *nin = 2;
    tvm_expr it[2] = {tvm_iter_var(g, "i"), tvm_iter_var(g, "j")};
    tvm_expr k = tvm_reduce_axis(g, "k", dk);
    tvm_expr ia[2] = {it[0], k}, ib[2] = {k, it[1]};
    tvm_expr prod = tvm_mul(g, tvm_load(g, in[0], ia), tvm_load(g, in[1], ib));
    tvm_expr sc[2] = {dm, dn};
    tvm_tensor c = tvm_compute(g, "C", 2, sc, it, tvm_sum(g, prod, 1, &k));
    if (epi == PLAIN) return c;
    in[2] = tvm_placeholder(g, "bias", dt, 1, &dn);
    *nin = 3;
    tvm_tensor s = tvm_op_binary(g, TVM_OP_ADD, c, in[2]);
    return tvm_op_unary(g, epi == BIAS_RELU ? TVM_OP_RELU : TVM_OP_TANH, s);
}

/* Runs out = f(in) on llvm and interp; checks bit equality (unless fast
 * math) and, for float32/float64, the relative error against `ref` when
 * given. */
typedef struct shp {
    int nd;
    int64_t d[3];
} shp;

/* shapes: of the nin inputs, then of the output */
static void run_both(tvm_graph *g, int nin, tvm_tensor *in, tvm_tensor out, const shp *shapes,
                     uint32_t flags, bool bitwise, const char *what) {
    tt_tensor *args[8] = {0};
    for (int a = 0; a < nin; a++) {
        tvm_dtype dt;
        CHECK_OK(tvm_tensor_info(g, in[a], NULL, &dt));
        args[a] = tt_alloc(dt, shapes[a].nd, shapes[a].d);
        CHECK_OR_RETURN(args[a] != NULL);
        tt_fill_random(args[a], 1000 + (uint64_t)a, -1.0, 1.0);
    }
    tvm_dtype odt;
    CHECK_OK(tvm_tensor_info(g, out, NULL, &odt));
    tt_tensor *got[2];
    for (int t = 0; t < 2; t++) {
        got[t] = tt_alloc(odt, shapes[nin].nd, shapes[nin].d);
        CHECK_OR_RETURN(got[t] != NULL);
        args[nin] = got[t];
        tvm_compile_options o = tt_options(tt_targets[t], 0, flags);
        CHECK_OK(tt_compile_run(g, nin, in, 1, &out, &o, args));
    }
    if (!bitwise) {
        double e = tt_max_rel_diff(got[0], got[1], 1.0);
        if (!(e < 1e-4)) fprintf(stderr, "%s: rel diff %g\n", what, e);
        CHECK(e < 1e-4);
    } else {
        int64_t i = tt_first_bit_diff(got[0], got[1]);
        if (i >= 0) fprintf(stderr, "%s: %s\n", what, tt_describe_diff(got[0], got[1], i));
        CHECK(i < 0);
    }
    for (int a = 0; a < nin; a++) tt_free(args[a]);
    tt_free(got[0]);
    tt_free(got[1]);
}

static void plain_case(tvm_dtype dt, int64_t M, int64_t N, int64_t K, int epi, uint32_t flags) {
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    tvm_tensor in[3];
    int nin;
    tvm_tensor out = plain_matmul(g, dt, M, N, K, epi, in, &nin);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    char what[96];
    snprintf(what, sizeof what, "%s %lldx%lldx%lld epi %d flags %u", tt_dtype_name(dt),
             (long long)M, (long long)N, (long long)K, epi, flags);
    shp sh[4] = {{2, {M, K}}, {2, {K, N}}, {1, {N}}, {2, {M, N}}};
    if (nin == 2) sh[2] = sh[3];
    /* the blocked nests keep each sum's order; the nests the pass declines
     * (fewer than 4 columns or terms) are vectorised along k by LLVM,
     * which reassociates (loop.h allows it): those are compared within a
     * tolerance; so is a tanh epilogue, which the vectorised loop computes
     * with libmvec's tanhf (its last bit may differ from libm's) */
    bool scheduled = N >= 4 && K >= 4;
    bool transcendental = epi == BIAS_TANH;
    run_both(g, nin, in, out, sh, flags,
             dt == TVM_INT32 ||
                 (scheduled && !transcendental && !(flags & TVM_COMPILE_FAST_MATH)),
             what);
    tvm_graph_destroy(g);
}

/* The schedule applies on llvm (a register block "accb" in the loop IR, FMA
 * or mul+add on zmm/ymm vectors in the machine code) and not on interp; it
 * declines dense's W[j, k] and a float16 nest keeps working. */
TEST(schedule_applies) {
    for (int t = 0; t < 2; t++) {
        tvm_graph *g = tvm_graph_create(tt_shared_context());
        tvm_tensor in[3];
        int nin;
        tvm_tensor out = plain_matmul(g, TVM_FLOAT32, 64, 64, 64, PLAIN, in, &nin);
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        tvm_function *f = NULL;
        char *text = NULL;
        CHECK_OK(tt_compile_loop_text(g, nin, in, 1, &out, &o, &f, &text));
        bool blocked = text && strstr(text, "accb") != NULL;
        CHECK(blocked == (strcmp(tt_targets[t], "llvm") == 0));
        tvm_free(text);
        tvm_function_release(f);
        tvm_graph_destroy(g);
    }
}

/* The AVX2-sized block (16 floats x 6 rows, ymm registers) on an llvm
 * target without AVX-512, same bits as interp. */
TEST(matmul_avx2_target) {
    const int64_t shapes[][3] = {{17, 100, 33}, {64, 64, 64}, {31, 15, 129}, {100, 7, 16}};
    for (int s = 0; s < 4; s++) {
        int64_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        tvm_graph *g = tvm_graph_create(tt_shared_context());
        tvm_tensor in[3];
        int nin;
        tvm_tensor out = plain_matmul(g, TVM_FLOAT32, M, N, K, BIAS_RELU, in, &nin);
        tt_tensor *args[4] = {tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)),
                              tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(K, N)),
                              tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(N)), NULL};
        tt_tensor *got[2] = {tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N)),
                             tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N))};
        CHECK_OR_RETURN(args[0] && args[1] && args[2] && got[0] && got[1]);
        for (int a = 0; a < 3; a++) tt_fill_random(args[a], 7 + (uint64_t)a, -1, 1);
        const char *targets[2] = {"llvm -mattr=-avx512f", "interp"};
        for (int t = 0; t < 2; t++) {
            args[3] = got[t];
            tvm_compile_options o = tt_options(targets[t], 0, 0);
            CHECK_OK(tt_compile_run(g, nin, in, 1, &out, &o, args));
        }
        int64_t i = tt_first_bit_diff(got[0], got[1]);
        if (i >= 0) fprintf(stderr, "avx2 case %d: %s\n", s, tt_describe_diff(got[0], got[1], i));
        CHECK(i < 0);
        for (int a = 0; a < 3; a++) tt_free(args[a]);
        tt_free(got[0]), tt_free(got[1]);
        tvm_graph_destroy(g);
    }
}

/* Square, and each dim swept with the others fixed at odd sizes. */
TEST(matmul_float32_sizes) {
    for (int s = 0; s < NSIZES; s++) {
        int64_t v = sizes[s];
        plain_case(TVM_FLOAT32, v, v, v, PLAIN, 0);
        plain_case(TVM_FLOAT32, v, 17, 33, PLAIN, 0);
        plain_case(TVM_FLOAT32, 7, v, 100, PLAIN, 0);
        plain_case(TVM_FLOAT32, 33, 129, v, PLAIN, 0);
    }
}

/* A float32 result checked against a double reference (not only interp). */
TEST(matmul_float32_reference) {
    const int64_t M = 31, N = 100, K = 129;
    tvm_graph *g = tvm_graph_create(tt_shared_context());
    tvm_tensor in[3];
    int nin;
    tvm_tensor out = plain_matmul(g, TVM_FLOAT32, M, N, K, PLAIN, in, &nin);
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, K)),
              *b = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(K, N)),
              *c = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(M, N));
    CHECK_OR_RETURN(a && b && c);
    tt_fill_random(a, 1, -1, 1);
    tt_fill_random(b, 2, -1, 1);
    tt_tensor *args[3] = {a, b, c};
    tvm_compile_options o = tt_options("llvm", 0, 0);
    CHECK_OK(tt_compile_run(g, 2, in, 1, &out, &o, args));
    double worst = 0;
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double r = 0;
            for (int64_t k = 0; k < K; k++) r += tt_get(a, i * K + k) * tt_get(b, k * N + j);
            double e = fabs(r - tt_get(c, i * N + j));
            if (e > worst) worst = e;
        }
    CHECK(worst < 1e-4);
    tt_free(a), tt_free(b), tt_free(c);
    tvm_graph_destroy(g);
}

TEST(matmul_epilogues) {
    const int64_t shapes[][3] = {{17, 100, 33}, {64, 64, 64}, {7, 129, 3}, {1, 65, 16}};
    for (int s = 0; s < 4; s++)
        for (int e = BIAS_RELU; e <= BIAS_TANH; e++)
            plain_case(TVM_FLOAT32, shapes[s][0], shapes[s][1], shapes[s][2], e, 0);
}

TEST(matmul_other_dtypes) {
    const int64_t shapes[][3] = {{17, 33, 15}, {64, 64, 64}, {3, 100, 7}};
    const tvm_dtype dts[] = {TVM_FLOAT64, TVM_FLOAT16, TVM_INT32};
    for (int d = 0; d < 3; d++)
        for (int s = 0; s < 3; s++)
            plain_case(dts[d], shapes[s][0], shapes[s][1], shapes[s][2], BIAS_RELU - (d == 2), 0);
}

TEST(matmul_fast_math) {
    plain_case(TVM_FLOAT32, 33, 100, 129, BIAS_RELU, TVM_COMPILE_FAST_MATH);
    plain_case(TVM_FLOAT32, 64, 64, 64, PLAIN, TVM_COMPILE_FAST_MATH);
}

/* tvm_op_matmul: batches, broadcast, transposed operands; tvm_op_dense. */
TEST(op_matmul_batched_transposed) {
    struct {
        int na, nb;
        int64_t a[3], b[3];
        int ta, tb;
        shp out;
    } cases[] = {
        {3, 3, {3, 17, 33}, {3, 33, 100}, 0, 0, {3, {3, 17, 100}}},
        {2, 3, {7, 16}, {2, 16, 65}, 0, 0, {3, {2, 7, 65}}},
        {3, 2, {2, 129, 31}, {31, 15}, 0, 0, {3, {2, 129, 15}}},
        {2, 2, {33, 17}, {33, 64}, 1, 0, {2, {17, 64}}},
        {2, 2, {17, 33}, {64, 33}, 0, 1, {2, {17, 64}}},
        {3, 3, {2, 33, 17}, {2, 64, 33}, 1, 1, {3, {2, 17, 64}}},
        {3, 3, {2, 33, 31}, {2, 100, 31}, 0, 1, {3, {2, 33, 100}}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tvm_graph *g = tvm_graph_create(tt_shared_context());
        tvm_expr da[3], db[3];
        for (int d = 0; d < cases[c].na; d++) da[d] = tvm_const_int(g, TVM_INT64, cases[c].a[d]);
        for (int d = 0; d < cases[c].nb; d++) db[d] = tvm_const_int(g, TVM_INT64, cases[c].b[d]);
        tvm_tensor in[2] = {tvm_placeholder(g, "A", TVM_FLOAT32, cases[c].na, da),
                            tvm_placeholder(g, "B", TVM_FLOAT32, cases[c].nb, db)};
        tvm_tensor out = tvm_op_matmul(g, in[0], in[1], cases[c].ta, cases[c].tb);
        CHECK_OK(tvm_graph_status(g));
        char what[32];
        snprintf(what, sizeof what, "op_matmul case %zu", c);
        shp sh[3] = {{cases[c].na, {cases[c].a[0], cases[c].a[1], cases[c].a[2]}},
                     {cases[c].nb, {cases[c].b[0], cases[c].b[1], cases[c].b[2]}}, cases[c].out};
        /* a transposed B is blocked only when packed (24 rows or more) */
        int64_t M = cases[c].out.d[cases[c].out.nd - 2];
        run_both(g, 2, in, out, sh, 0, cases[c].tb == 0 || M >= 24, what);
        tvm_graph_destroy(g);
    }
    /* dense: W[j, k] packed and blocked with 24 rows or more (bit-exact),
     * declined below (LLVM may reassociate the k sum there) */
    const int64_t rows[] = {33, 7, 129};
    for (int r = 0; r < 3; r++) {
        tvm_graph *g = tvm_graph_create(tt_shared_context());
        tvm_expr dx[2] = {tvm_const_int(g, TVM_INT64, rows[r]), tvm_const_int(g, TVM_INT64, 100)};
        tvm_expr dw[2] = {tvm_const_int(g, TVM_INT64, 65), tvm_const_int(g, TVM_INT64, 100)};
        tvm_tensor in[3] = {tvm_placeholder(g, "x", TVM_FLOAT32, 2, dx),
                            tvm_placeholder(g, "w", TVM_FLOAT32, 2, dw),
                            tvm_placeholder(g, "b", TVM_FLOAT32, 1, dw)};
        tvm_tensor out = tvm_op_unary(g, TVM_OP_RELU, tvm_op_dense(g, in[0], in[1], in[2]));
        CHECK_OK(tvm_graph_status(g));
        shp sh[4] = {{2, {rows[r], 100}}, {2, {65, 100}}, {1, {65}}, {2, {rows[r], 65}}};
        run_both(g, 3, in, out, sh, 0, rows[r] >= 24, "dense+bias+relu");
        tvm_graph_destroy(g);
    }
}

CHECK_MAIN()
