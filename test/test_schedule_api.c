/* test_schedule_api.c — user schedules (tvmc.h, "Schedules"): every
 * primitive and combinations of them (a blocked matmul as in TVM's tutorial:
 * tile, split k, reorder, cache_write, vectorize, parallel) give the same
 * bits as the unscheduled function on the interpreter, on constant and
 * symbolic shapes with extents the factors do not divide; every illegal
 * schedule is an error naming stage and axis; the loop IR shows the nest.
 * Inputs are small integers, so every sum is exact in any order. */
#include "check.h"
#include "tensor_util.h"

static tvm_context *the_ctx;
static void free_ctx(void) { tvm_context_destroy(the_ctx); }
static tvm_context *ctx(void) {
    if (!the_ctx) {
        the_ctx = tt_context();
        atexit(free_ctx);
    }
    return the_ctx;
}

/* C[i, j] = sum_k A[i, k] * B[k, j]; sizes < 0 are size variables. */
typedef struct mm {
    tvm_graph *g;
    tvm_tensor A, B, C;
    tvm_expr i, j, k;
} mm;

static tvm_expr dim(tvm_graph *g, const char *name, int64_t v) {
    return v < 0 ? tvm_size_var(g, name) : tvm_const_int(g, TVM_INT64, v);
}

static mm make_matmul(int64_t M, int64_t N, int64_t K) {
    mm m = {.g = tvm_graph_create(ctx())};
    tvm_graph *g = m.g;
    tvm_expr dm = dim(g, "M", M), dn = dim(g, "N", N), dk = dim(g, "K", K);
    m.A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
    m.B = tvm_placeholder(g, "B", TVM_FLOAT32, 2, (tvm_expr[]){dk, dn});
    m.i = tvm_iter_var(g, "i");
    m.j = tvm_iter_var(g, "j");
    m.k = tvm_reduce_axis(g, "k", dk);
    tvm_expr prod = tvm_mul(g, tvm_load(g, m.A, (tvm_expr[]){m.i, m.k}),
                            tvm_load(g, m.B, (tvm_expr[]){m.k, m.j}));
    m.C = tvm_compute(g, "C", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){m.i, m.j},
                      tvm_sum(g, prod, 1, &m.k));
    return m;
}

static void fill_ints(tt_tensor *t, uint64_t seed) {
    for (int64_t e = 0; e < t->numel; e++) tt_set(t, e, (double)((e * 7 + (int64_t)seed * 13) % 9) - 4);
}

/* Compiles outputs twice (reference: interp, no schedule; then target with
 * the schedule), runs both on the same inputs of the given shapes and
 * checks the outputs bit for bit. Returns the scheduled function's loop IR
 * (caller frees) when want_ir. */
static char *compare(tvm_graph *g, int nin, const tvm_tensor *in, tvm_tensor out,
                     const int64_t (*shapes)[2], const int64_t oshape[2], int ndim,
                     const tvm_schedule *s, const char *target, bool want_ir) {
    tvm_compile_options ro = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    tvm_compile_options so = tt_options(target, 0, 0);
    so.schedule = s;
    tvm_function *ref = NULL, *fn = NULL;
    CHECK_STATUS(tvm_compile(g, nin, in, 1, &out, &ro, &ref), TVM_OK);
    CHECK_STATUS(tvm_compile(g, nin, in, 1, &out, &so, &fn), TVM_OK);
    char *ir = NULL;
    if (ref && fn) {
        tt_tensor *args[8], *got, *want;
        DLTensor *dl[8];
        (void)ndim; /* the ranks come from the graph */
        int rank = 0;
        tvm_dtype dt;
        for (int a = 0; a < nin; a++) {
            CHECK_STATUS(tvm_tensor_info(g, in[a], &rank, &dt), TVM_OK);
            args[a] = tt_alloc(TVM_FLOAT32, rank, shapes[a]);
            fill_ints(args[a], (uint64_t)a + 1);
            dl[a] = &args[a]->dl;
        }
        CHECK_STATUS(tvm_tensor_info(g, out, &rank, &dt), TVM_OK);
        got = tt_alloc(TVM_FLOAT32, rank, oshape);
        want = tt_alloc(TVM_FLOAT32, rank, oshape);
        dl[nin] = &want->dl;
        CHECK_STATUS(tvm_function_call(ref, dl, nin + 1), TVM_OK);
        dl[nin] = &got->dl;
        CHECK_STATUS(tvm_function_call(fn, dl, nin + 1), TVM_OK);
        int64_t d = tt_first_bit_diff(got, want);
        if (d >= 0) fprintf(stderr, "  [%s] %s\n", target, tt_describe_diff(got, want, d));
        CHECK(d < 0);
        if (want_ir) CHECK_STATUS(tvm_function_source(fn, "loop", &ir), TVM_OK);
        for (int a = 0; a < nin; a++) tt_free(args[a]);
        tt_free(got);
        tt_free(want);
    }
    tvm_function_release(ref);
    tvm_function_release(fn);
    return ir;
}

static const char *const targets[] = {"interp", "llvm"};

static void compare_mm(mm *m, int64_t M, int64_t N, int64_t K, const tvm_schedule *s) {
    const int64_t shapes[2][2] = {{M, K}, {K, N}}, os[2] = {M, N};
    for (int t = 0; t < 2; t++)
        free(compare(m->g, 2, (tvm_tensor[]){m->A, m->B}, m->C, shapes, os, 2, s, targets[t],
                     false));
}

/* The TVM tutorial's blocked matmul: tile 32 x 32 (or given), split k by 4,
 * reorder, cache_write the block, vectorize the inner columns, parallel rows. */
static tvm_schedule *blocked(mm *m, int64_t bi, int64_t bj) {
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m->g, 1, &m->C, &s), TVM_OK);
    if (!s) return NULL;
    tvm_expr io, jo, ii, ji, ko, ki;
    CHECK_STATUS(tvm_sched_tile(s, m->C, m->i, m->j, bi, bj, &io, &jo, &ii, &ji), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m->C, m->k, 4, &ko, &ki), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, m->C, 6, (tvm_expr[]){io, jo, ko, ki, ii, ji}), TVM_OK);
    CHECK_STATUS(tvm_sched_cache_write(s, m->C, jo), TVM_OK);
    CHECK_STATUS(tvm_sched_vectorize(s, m->C, ji), TVM_OK);
    CHECK_STATUS(tvm_sched_parallel(s, m->C, io), TVM_OK);
    CHECK_STATUS(tvm_sched_unroll(s, m->C, ki), TVM_OK);
    return s;
}

TEST(blocked_matmul_constant_shapes) {
    static const int64_t sz[][3] = {{64, 64, 64}, {50, 37, 23}, {1, 5, 3}, {33, 70, 9}};
    for (int c = 0; c < 4; c++) {
        mm m = make_matmul(sz[c][0], sz[c][1], sz[c][2]);
        tvm_schedule *s = blocked(&m, 32, 32);
        compare_mm(&m, sz[c][0], sz[c][1], sz[c][2], s);
        tvm_schedule *s2 = blocked(&m, 4, 16); /* another block shape */
        tvm_schedule_destroy(s);
        compare_mm(&m, sz[c][0], sz[c][1], sz[c][2], s2);
        tvm_schedule_destroy(s2);
        tvm_graph_destroy(m.g);
    }
}

TEST(blocked_matmul_symbolic_shapes) {
    mm m = make_matmul(-1, -1, -1);
    tvm_schedule *s = blocked(&m, 8, 16);
    compare_mm(&m, 40, 48, 12, s);
    compare_mm(&m, 19, 21, 7, s);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

TEST(split_and_reorder_without_cache) {
    mm m = make_matmul(13, 10, 11);
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    tvm_expr jo, ji, ko, ki;
    CHECK_STATUS(tvm_sched_split(s, m.C, m.j, 3, &jo, &ji), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.k, 4, &ko, &ki), TVM_OK);
    /* spatial loops stay outside the reduction: j.inner, i, j.outer; k.inner before k.outer */
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 3, (tvm_expr[]){ji, m.i, jo}), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 2, (tvm_expr[]){ki, ko}), TVM_OK);
    compare_mm(&m, 13, 10, 11, s);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

TEST(fuse_and_parallel) {
    mm m = make_matmul(9, 14, 5);
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    tvm_expr f, fo, fi;
    CHECK_STATUS(tvm_sched_fuse(s, m.C, m.i, m.j, &f), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m.C, f, 8, &fo, &fi), TVM_OK);
    CHECK_STATUS(tvm_sched_parallel(s, m.C, fo), TVM_OK);
    compare_mm(&m, 9, 14, 5, s);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

/* Factors far beyond a constant extent (fuzz_schedule finding 001): the
 * inner loop runs the extent, not 2^31 guarded iterations, so the call
 * returns at once and the loop IR holds no 2^31 bound. */
TEST(split_factor_beyond_extent) {
    mm m = make_matmul(5, 7, 9);
    const int64_t big = (int64_t)1 << 31;
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    tvm_expr jo, ji, ko, ki, jio, jii;
    CHECK_STATUS(tvm_sched_split(s, m.C, m.j, big, &jo, &ji), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.k, big - 1, &ko, &ki), TVM_OK);
    /* a non-dividing split of the clamped inner loop keeps its guard */
    CHECK_STATUS(tvm_sched_split(s, m.C, ji, 3, &jio, &jii), TVM_OK);
    CHECK_STATUS(tvm_sched_unroll(s, m.C, ki), TVM_OK);
    const int64_t shapes[2][2] = {{5, 9}, {9, 7}}, os[2] = {5, 7};
    for (int t = 0; t < 2; t++) {
        char *ir = compare(m.g, 2, (tvm_tensor[]){m.A, m.B}, m.C, shapes, os, 2, s, targets[t],
                           true);
        CHECK(ir != NULL);
        if (ir) {
            CHECK(strstr(ir, "2147483648") == NULL && strstr(ir, "2147483647") == NULL);
            CHECK(strstr(ir, "j.inner") != NULL);
        }
        free(ir);
    }
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

/* B[i, j] = A[i, j] * 3 + 1, elementwise: split, vectorize, unroll. */
TEST(elementwise_split_vectorize) {
    static const int64_t sz[][2] = {{10, 17}, {16, 64}, {1, 1}};
    for (int c = 0; c < 3; c++) {
        tvm_graph *g = tvm_graph_create(ctx());
        tvm_expr dm = tvm_const_int(g, TVM_INT64, sz[c][0]);
        tvm_expr dn = tvm_const_int(g, TVM_INT64, sz[c][1]);
        tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dn});
        tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
        tvm_expr v = tvm_add(g, tvm_mul(g, tvm_load(g, A, (tvm_expr[]){i, j}),
                                        tvm_const_float(g, TVM_FLOAT32, 3)),
                             tvm_const_float(g, TVM_FLOAT32, 1));
        tvm_tensor B = tvm_compute(g, "B", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){i, j}, v);
        tvm_schedule *s = NULL;
        CHECK_STATUS(tvm_schedule_create(g, 1, &B, &s), TVM_OK);
        tvm_expr jo, ji, io, ii;
        CHECK_STATUS(tvm_sched_split(s, B, j, 8, &jo, &ji), TVM_OK);
        CHECK_STATUS(tvm_sched_split(s, B, i, 3, &io, &ii), TVM_OK);
        CHECK_STATUS(tvm_sched_vectorize(s, B, ji), TVM_OK);
        CHECK_STATUS(tvm_sched_unroll(s, B, ii), TVM_OK);
        const int64_t shapes[1][2] = {{sz[c][0], sz[c][1]}};
        for (int t = 0; t < 2; t++) {
            char *ir = compare(g, 1, &A, B, shapes, shapes[0], 2, s, targets[t], true);
            if (ir && c == 0) {
                /* the loop IR shows the user's nest */
                CHECK(strstr(ir, "j.outer") != NULL);
                CHECK(strstr(ir, "j.inner") != NULL);
            }
            tvm_free(ir);
        }
        tvm_schedule_destroy(s);
        tvm_graph_destroy(g);
    }
}

/* P = A * A (elementwise), C[i, j] = sum_k P[i, k] * B[k, j]. */
TEST(compute_inline_producer) {
    tvm_graph *g = tvm_graph_create(ctx());
    tvm_expr dm = tvm_const_int(g, TVM_INT64, 12), dk = tvm_const_int(g, TVM_INT64, 7);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 2, (tvm_expr[]){dk, dm});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", dk);
    tvm_expr a = tvm_load(g, A, (tvm_expr[]){i, j});
    tvm_tensor P = tvm_compute(g, "P", 2, (tvm_expr[]){dm, dk}, (tvm_expr[]){i, j},
                               tvm_mul(g, a, a));
    tvm_expr prod = tvm_mul(g, tvm_load(g, P, (tvm_expr[]){i, k}),
                            tvm_load(g, B, (tvm_expr[]){k, j}));
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){dm, dm}, (tvm_expr[]){i, j},
                               tvm_sum(g, prod, 1, &k));
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 1, &C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_compute_inline(s, P), TVM_OK);
    tvm_expr jo, ji;
    CHECK_STATUS(tvm_sched_split(s, C, j, 5, &jo, &ji), TVM_OK);
    const int64_t shapes[2][2] = {{12, 7}, {7, 12}}, os[2] = {12, 12};
    for (int t = 0; t < 2; t++)
        free(compare(g, 2, (tvm_tensor[]){A, B}, C, shapes, os, 2, s, targets[t], false));
    /* inlined and split: refused at compile */
    tvm_schedule *s2 = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 1, &C, &s2), TVM_OK);
    CHECK_STATUS(tvm_sched_compute_inline(s2, P), TVM_OK);
    CHECK_STATUS(tvm_sched_unroll(s2, P, i), TVM_OK);
    tvm_compile_options o2 = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o2.schedule = s2;
    tvm_function *fn2 = NULL;
    CHECK_STATUS(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &o2, &fn2),
                 TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "'P'") != NULL && strstr(tvm_last_error(), "inlined") != NULL);
    tvm_schedule_destroy(s2);
    /* an inlined reduction, or an inlined output, is refused */
    CHECK_STATUS(tvm_sched_compute_inline(s, C), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "'C'") != NULL);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(g);
}

/* compute_at: P[i, k] = A[i, k] * A[i, k] + 1 computed per row block of a
 * blocked C = P x B (the box is 32 rows x K). */
TEST(compute_at_row_block_of_matmul) {
    static const int64_t sz[][3] = {{64, 32, 16}, {50, 37, 23}};
    for (int c = 0; c < 2; c++) {
        int64_t M = sz[c][0], N = sz[c][1], K = sz[c][2];
        tvm_graph *g = tvm_graph_create(ctx());
        tvm_expr dm = tvm_const_int(g, TVM_INT64, M), dn = tvm_const_int(g, TVM_INT64, N),
                 dk = tvm_const_int(g, TVM_INT64, K);
        tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
        tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 2, (tvm_expr[]){dk, dn});
        tvm_expr pi = tvm_iter_var(g, "pi"), pk = tvm_iter_var(g, "pk");
        tvm_expr a = tvm_load(g, A, (tvm_expr[]){pi, pk});
        tvm_tensor P = tvm_compute(g, "P", 2, (tvm_expr[]){dm, dk}, (tvm_expr[]){pi, pk},
                                   tvm_add(g, tvm_mul(g, a, a), tvm_const_float(g, TVM_FLOAT32, 1)));
        tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", dk);
        tvm_expr prod = tvm_mul(g, tvm_load(g, P, (tvm_expr[]){i, k}),
                                tvm_load(g, B, (tvm_expr[]){k, j}));
        tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){i, j},
                                   tvm_sum(g, prod, 1, &k));
        mm m = {.g = g, .A = A, .B = B, .C = C, .i = i, .j = j, .k = k};
        tvm_schedule *s = blocked(&m, 32, 16);
        tvm_expr io = {0}, jo, ii, ji; /* io: the first leaf, named through a fresh tile */
        (void)jo; (void)ii; (void)ji;
        tvm_schedule_destroy(s);
        CHECK_STATUS(tvm_schedule_create(g, 1, &C, &s), TVM_OK);
        tvm_expr ko, ki;
        CHECK_STATUS(tvm_sched_tile(s, C, i, j, 32, 16, &io, &jo, &ii, &ji), TVM_OK);
        CHECK_STATUS(tvm_sched_split(s, C, k, 4, &ko, &ki), TVM_OK);
        CHECK_STATUS(tvm_sched_reorder(s, C, 6, (tvm_expr[]){io, jo, ko, ki, ii, ji}), TVM_OK);
        CHECK_STATUS(tvm_sched_cache_write(s, C, jo), TVM_OK);
        CHECK_STATUS(tvm_sched_vectorize(s, C, ji), TVM_OK);
        CHECK_STATUS(tvm_sched_compute_at(s, P, C, io), TVM_OK);
        const int64_t shapes[2][2] = {{M, K}, {K, N}}, os[2] = {M, N};
        for (int t = 0; t < 2; t++) {
            char *ir = compare(g, 2, (tvm_tensor[]){A, B}, C, shapes, os, 2, s, targets[t], true);
            if (ir) CHECK(strstr(ir, "P_local") != NULL);
            tvm_free(ir);
        }
        tvm_schedule_destroy(s);
        tvm_graph_destroy(g);
    }
}

/* compute_at with a halo: C[i] = P[i] + P[i + 1], P = A * 3, C split by 8
 * (n - 1 = 20 is no multiple of 8) with P computed per block (9 values). */
TEST(compute_at_stencil_halo) {
    tvm_graph *g = tvm_graph_create(ctx());
    tvm_expr n = tvm_const_int(g, TVM_INT64, 21), n1 = tvm_const_int(g, TVM_INT64, 20);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr x = tvm_iter_var(g, "x"), i = tvm_iter_var(g, "i");
    tvm_tensor P = tvm_compute(g, "P", 1, &n, &x, tvm_mul(g, tvm_load(g, A, &x),
                                                          tvm_const_float(g, TVM_FLOAT32, 3)));
    tvm_expr i1 = tvm_add(g, i, tvm_const_int(g, TVM_INT64, 1));
    tvm_tensor C = tvm_compute(g, "C", 1, &n1, &i,
                               tvm_add(g, tvm_load(g, P, &i), tvm_load(g, P, &i1)));
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 1, &C, &s), TVM_OK);
    tvm_expr io, ii;
    CHECK_STATUS(tvm_sched_split(s, C, i, 8, &io, &ii), TVM_OK);
    CHECK_STATUS(tvm_sched_compute_at(s, P, C, io), TVM_OK);
    CHECK_STATUS(tvm_sched_vectorize(s, C, ii), TVM_OK);
    const int64_t shapes[1][2] = {{21}}, os[2] = {20};
    for (int t = 0; t < 2; t++) {
        char *ir = compare(g, 1, &A, C, shapes, os, 1, s, targets[t], true);
        if (ir) CHECK(strstr(ir, "P_local") != NULL);
        tvm_free(ir);
    }
    /* errors: at a vectorized loop; P is also read by another output; P an output */
    tvm_schedule *sv = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 1, &C, &sv), TVM_OK);
    CHECK_STATUS(tvm_sched_compute_at(sv, P, C, i), TVM_OK);
    CHECK_STATUS(tvm_sched_vectorize(sv, C, i), TVM_OK);
    tvm_compile_options ov = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    ov.schedule = sv;
    tvm_function *fv = NULL;
    CHECK_STATUS(tvm_compile(g, 1, &A, 1, &C, &ov, &fv), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "vectorized") != NULL);
    tvm_schedule_destroy(sv);
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.schedule = s;
    tvm_function *fn = NULL;
    tvm_tensor D = tvm_compute(g, "D", 1, &n, &x, tvm_load(g, P, &x));
    CHECK_STATUS(tvm_compile(g, 1, &A, 2, (tvm_tensor[]){C, D}, &o, &fn), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "'P'") != NULL && strstr(tvm_last_error(), "'D'") != NULL);
    CHECK_STATUS(tvm_compile(g, 1, &A, 1, &P, &o, &fn), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "output") != NULL);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(g);
}

/* A stage named as the consumer of a tensor it does not read: pack refuses
 * at once, compute_at when the schedule is compiled. */
TEST(consumer_that_does_not_read_the_tensor) {
    tvm_graph *g = tvm_graph_create(ctx());
    tvm_expr n = tvm_const_int(g, TVM_INT64, 12);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor Z = tvm_placeholder(g, "Z", TVM_FLOAT32, 1, &n);
    tvm_expr x = tvm_iter_var(g, "x"), i = tvm_iter_var(g, "i");
    tvm_expr three = tvm_const_float(g, TVM_FLOAT32, 3);
    tvm_tensor P = tvm_compute(g, "P", 1, &n, &x, tvm_mul(g, tvm_load(g, A, &x), three));
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, tvm_add(g, tvm_load(g, A, &i), three));
    tvm_tensor D = tvm_compute(g, "D", 1, &n, &i, tvm_add(g, tvm_load(g, P, &i), three));
    tvm_tensor out[2] = {C, D};
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 2, out, &s), TVM_OK);
    tvm_tensor q;
    CHECK_STATUS(tvm_sched_pack(s, C, Z, 0, 4, &q), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "consumer 'C' does not read operand 'Z'") != NULL);
    CHECK_STATUS(tvm_sched_compute_at(s, P, C, i), TVM_OK);
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.schedule = s;
    tvm_function *fn = NULL;
    CHECK_STATUS(tvm_compile(g, 2, (tvm_tensor[]){A, Z}, 2, out, &o, &fn),
                 TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "consumer 'C' does not read producer 'P'") != NULL);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(g);
}

TEST(compute_at_inside_reduction_is_refused) {
    mm m = make_matmul(8, 8, 8);
    tvm_expr x = tvm_iter_var(m.g, "x"), y = tvm_iter_var(m.g, "y");
    tvm_expr d = tvm_const_int(m.g, TVM_INT64, 8);
    tvm_tensor P = tvm_compute(m.g, "P", 2, (tvm_expr[]){d, d}, (tvm_expr[]){x, y},
                               tvm_neg(m.g, tvm_load(m.g, m.A, (tvm_expr[]){x, y})));
    tvm_tensor C2 = tvm_compute(m.g, "C2", 2, (tvm_expr[]){d, d}, (tvm_expr[]){m.i, m.j},
                                tvm_sum(m.g, tvm_mul(m.g, tvm_load(m.g, P, (tvm_expr[]){m.i, m.k}),
                                                     tvm_load(m.g, m.B, (tvm_expr[]){m.k, m.j})),
                                        1, &m.k));
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &C2, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_compute_at(s, P, C2, m.k), TVM_OK);
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.schedule = s;
    tvm_function *fn = NULL;
    CHECK_STATUS(tvm_compile(m.g, 2, (tvm_tensor[]){m.A, m.B}, 1, &C2, &o, &fn),
                 TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "'k'") != NULL && strstr(tvm_last_error(), "reduction") != NULL);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

/* pack: B (input) in 16-column panels read by a schedule whose j loop is
 * split by 16; N = 37 leaves a partial last panel. */
TEST(pack_input_operand) {
    static const int64_t sz[][3] = {{24, 64, 20}, {13, 37, 9}};
    for (int c = 0; c < 2; c++) {
        mm m = make_matmul(sz[c][0], sz[c][1], sz[c][2]);
        tvm_schedule *s = NULL;
        CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
        tvm_tensor Bp = {0};
        CHECK_STATUS(tvm_sched_pack(s, m.C, m.B, 1, 16, &Bp), TVM_OK);
        CHECK(Bp.id != 0);
        tvm_expr io, jo, ii, ji;
        CHECK_STATUS(tvm_sched_tile(s, m.C, m.i, m.j, 4, 16, &io, &jo, &ii, &ji), TVM_OK);
        CHECK_STATUS(tvm_sched_reorder(s, m.C, 5, (tvm_expr[]){jo, io, m.k, ii, ji}), TVM_OK);
        CHECK_STATUS(tvm_sched_cache_write(s, m.C, io), TVM_OK);
        CHECK_STATUS(tvm_sched_vectorize(s, m.C, ji), TVM_OK);
        CHECK_STATUS(tvm_sched_parallel(s, m.C, jo), TVM_OK);
        const int64_t shapes[2][2] = {{sz[c][0], sz[c][2]}, {sz[c][2], sz[c][1]}};
        const int64_t os[2] = {sz[c][0], sz[c][1]};
        for (int t = 0; t < 2; t++) {
            char *ir = compare(m.g, 2, (tvm_tensor[]){m.A, m.B}, m.C, shapes, os, 2, s,
                               targets[t], true);
            /* the panels are a stage of their own, read directly by the block */
            if (ir) CHECK(strstr(ir, "B_packed") != NULL);
            tvm_free(ir);
        }
        /* bad arguments */
        tvm_tensor q;
        CHECK_STATUS(tvm_sched_pack(s, m.C, m.B, 2, 16, &q), TVM_ERR_INVALID_ARGUMENT);
        CHECK(strstr(tvm_last_error(), "dim") != NULL);
        CHECK_STATUS(tvm_sched_pack(s, m.C, m.B, 0, 0, &q), TVM_ERR_INVALID_ARGUMENT);
        CHECK(strstr(tvm_last_error(), "block") != NULL);
        CHECK_STATUS(tvm_sched_pack(s, m.C, m.C, 0, 4, &q), TVM_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(tvm_sched_pack(s, m.C, m.B, 0, 4, NULL), TVM_ERR_INVALID_ARGUMENT);
        tvm_schedule_destroy(s);
        tvm_graph_destroy(m.g);
    }
}

/* pack of a constant weight: the panels are folded at compile time (the
 * function runs one kernel, the matmul). */
TEST(pack_constant_operand_is_folded) {
    tvm_graph *g = tvm_graph_create(ctx());
    int64_t M = 10, N = 21, K = 6;
    float w[6 * 21];
    for (int e = 0; e < K * N; e++) w[e] = (float)(e % 5 - 2);
    tvm_expr dm = tvm_const_int(g, TVM_INT64, M), dn = tvm_const_int(g, TVM_INT64, N),
             dk = tvm_const_int(g, TVM_INT64, K);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){dm, dk});
    tvm_tensor W = tvm_constant(g, "W", TVM_FLOAT32, 2, (int64_t[]){K, N}, w);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", dk);
    tvm_expr prod = tvm_mul(g, tvm_load(g, A, (tvm_expr[]){i, k}), tvm_load(g, W, (tvm_expr[]){k, j}));
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){dm, dn}, (tvm_expr[]){i, j},
                               tvm_sum(g, prod, 1, &k));
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 1, &C, &s), TVM_OK);
    tvm_tensor Wp;
    CHECK_STATUS(tvm_sched_pack(s, C, W, 1, 8, &Wp), TVM_OK);
    tvm_expr jo, ji;
    CHECK_STATUS(tvm_sched_split(s, C, j, 8, &jo, &ji), TVM_OK);
    const int64_t shapes[1][2] = {{M, K}}, os[2] = {M, N};
    for (int t = 0; t < 2; t++) free(compare(g, 1, &A, C, shapes, os, 2, s, targets[t], false));
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.schedule = s;
    tvm_function *fn = NULL;
    char *ir = NULL;
    CHECK_STATUS(tt_compile_loop_text(g, 1, &A, 1, &C, &o, &fn, &ir), TVM_OK);
    tvm_kernel_plan plan = {.struct_size = sizeof plan};
    if (fn) {
        CHECK_STATUS(tvm_function_plan(fn, &plan), TVM_OK);
        CHECK(plan.num_kernels == 1);
        CHECK(ir && strstr(ir, "W_packed") != NULL);
    }
    tvm_free(ir);
    tvm_function_release(fn);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(g);
}

/* A full reduction (a 0-d stage): k split, the inner part outside. */
TEST(full_reduction_split_reorder) {
    tvm_graph *g = tvm_graph_create(ctx());
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr k = tvm_reduce_axis(g, "k", n);
    tvm_tensor S = tvm_compute(g, "S", 0, NULL, NULL, tvm_sum(g, tvm_load(g, A, &k), 1, &k));
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(g, 1, &S, &s), TVM_OK);
    tvm_expr ko, ki;
    CHECK_STATUS(tvm_sched_split(s, S, k, 8, &ko, &ki), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, S, 2, (tvm_expr[]){ki, ko}), TVM_OK);
    CHECK_STATUS(tvm_sched_unroll(s, S, ki), TVM_OK);
    /* no spatial loop to hold a block */
    CHECK_STATUS(tvm_sched_cache_write(s, S, ki), TVM_ERR_INVALID_ARGUMENT);
    static const int64_t lens[] = {37, 8, 1};
    for (int c = 0; c < 3; c++) {
        const int64_t shapes[1][2] = {{lens[c]}}, os[2] = {0};
        for (int t = 0; t < 2; t++)
            free(compare(g, 1, &A, S, shapes, os, 0, s, targets[t], false));
    }
    tvm_schedule_destroy(s);
    tvm_graph_destroy(g);
}

/* A reduction that does not depend on j is hoisted out of the j loop by
 * lowering: a schedule of that stage is refused, not silently ignored. */
TEST(hoisted_reduction_is_unsupported) {
    mm m = make_matmul(8, 8, 8);
    tvm_expr d = tvm_const_int(m.g, TVM_INT64, 8);
    tvm_tensor R = tvm_compute(m.g, "R", 2, (tvm_expr[]){d, d}, (tvm_expr[]){m.i, m.j},
                               tvm_sum(m.g, tvm_load(m.g, m.A, (tvm_expr[]){m.i, m.k}), 1, &m.k));
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &R, &s), TVM_OK);
    tvm_expr jo, ji;
    CHECK_STATUS(tvm_sched_split(s, R, m.j, 4, &jo, &ji), TVM_OK);
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.schedule = s;
    tvm_function *fn = NULL;
    CHECK_STATUS(tvm_compile(m.g, 1, &m.A, 1, &R, &o, &fn), TVM_ERR_UNSUPPORTED);
    CHECK(strstr(tvm_last_error(), "'R'") != NULL);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

TEST(schedule_is_part_of_the_cache_key) {
    mm m = make_matmul(16, 16, 16);
    tvm_schedule *s = blocked(&m, 8, 8);
    tvm_compile_options o = tt_options("interp", 0, 0);
    tvm_function *plain = NULL, *sched = NULL;
    char *a = NULL, *b = NULL;
    tvm_tensor in[2] = {m.A, m.B};
    CHECK_STATUS(tt_compile_loop_text(m.g, 2, in, 1, &m.C, &o, &plain, &a), TVM_OK);
    o.schedule = s;
    CHECK_STATUS(tt_compile_loop_text(m.g, 2, in, 1, &m.C, &o, &sched, &b), TVM_OK);
    CHECK(plain != sched);
    if (a && b) {
        CHECK(strstr(a, "C_block") == NULL);
        CHECK(strstr(b, "C_block") != NULL);
        /* the nest in the schedule's order: io, jo, ko, ki, then the block ii, ji */
        const char *order[] = {"for (i.outer", "for (j.outer", "for (k.outer", "for (k.inner",
                               "C_block["};
        const char *at = b;
        for (int q = 0; q < 5 && at; q++) {
            const char *nx = strstr(at, order[q]);
            if (!nx) fprintf(stderr, "  loop IR lacks '%s' after position %d:\n%s\n", order[q],
                             (int)(at - b), b);
            CHECK(nx != NULL);
            at = nx;
        }
    }
    tvm_free(a);
    tvm_free(b);
    tvm_function_release(plain);
    tvm_function_release(sched);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

/* ---- errors ------------------------------------------------------------------------ */

/* Compiling with s fails with status st and a message holding n1 and n2. */
static void compile_fails(mm *m, tvm_schedule *s, tvm_status st, const char *n1,
                          const char *n2) {
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.schedule = s;
    tvm_function *fn = NULL;
    CHECK_STATUS(tvm_compile(m->g, 2, (tvm_tensor[]){m->A, m->B}, 1, &m->C, &o, &fn), st);
    CHECK(fn == NULL);
    const char *need[2] = {n1, n2};
    for (int k = 0; k < 2; k++) {
        bool has = !need[k] || strstr(tvm_last_error(), need[k]) != NULL;
        if (!has) fprintf(stderr, "  message lacks '%s': %s\n", need[k], tvm_last_error());
        CHECK(has);
    }
    tvm_function_release(fn);
}

TEST(primitive_argument_errors) {
    mm m = make_matmul(8, 8, 8);
    tvm_schedule *s = NULL;
    tvm_expr o, i, f;
    CHECK_STATUS(tvm_schedule_create(NULL, 1, &m.C, &s), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_schedule_create(m.g, 0, &m.C, &s), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.A, &s), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, NULL), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_split(NULL, m.C, m.i, 4, &o, &i), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.i, 0, &o, &i), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "factor") != NULL && strstr(tvm_last_error(), "'i'") != NULL);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.i, -3, &o, &i), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.i, 4, NULL, &i), TVM_ERR_INVALID_ARGUMENT);
    /* a placeholder is no stage; an expression that is no axis of C */
    CHECK_STATUS(tvm_sched_split(s, m.A, m.i, 4, &o, &i), TVM_ERR_INVALID_HANDLE);
    CHECK(strstr(tvm_last_error(), "'A'") != NULL);
    tvm_expr other = tvm_iter_var(m.g, "q");
    CHECK_STATUS(tvm_sched_split(s, m.C, other, 4, &o, &i), TVM_ERR_INVALID_HANDLE);
    CHECK(strstr(tvm_last_error(), "'q'") != NULL && strstr(tvm_last_error(), "'C'") != NULL);
    CHECK_STATUS(tvm_sched_split(s, m.C, (tvm_expr){0}, 4, &o, &i), TVM_ERR_INVALID_HANDLE);
    /* split twice: the old axis is gone */
    CHECK_STATUS(tvm_sched_split(s, m.C, m.i, 4, &o, &i), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.i, 2, &o, &i), TVM_ERR_INVALID_HANDLE);
    CHECK(strstr(tvm_last_error(), "no longer a loop") != NULL);
    /* axis used twice */
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 2, (tvm_expr[]){m.j, m.j}), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "'j'") != NULL && strstr(tvm_last_error(), "once") != NULL);
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 0, (tvm_expr[]){m.j}), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 1, NULL), TVM_ERR_INVALID_ARGUMENT);
    tvm_expr a, b, c, d;
    CHECK_STATUS(tvm_sched_tile(s, m.C, m.j, m.j, 2, 2, &a, &b, &c, &d), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_sched_tile(s, m.C, o, m.j, 2, 0, &a, &b, &c, &d), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "yf") != NULL);
    /* fuse: not adjacent; spatial with reduction */
    CHECK_STATUS(tvm_sched_fuse(s, m.C, o, m.j, &f), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "immediately") != NULL);
    CHECK_STATUS(tvm_sched_fuse(s, m.C, m.j, m.k, &f), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "reduction") != NULL);
    CHECK_STATUS(tvm_sched_fuse(s, m.C, o, i, NULL), TVM_ERR_INVALID_ARGUMENT);
    /* cache_write at a reduction axis */
    CHECK_STATUS(tvm_sched_cache_write(s, m.C, m.k), TVM_ERR_INVALID_ARGUMENT);
    CHECK(strstr(tvm_last_error(), "'k'") != NULL);
    CHECK_STATUS(tvm_sched_vectorize(s, m.C, other), TVM_ERR_INVALID_HANDLE);
    CHECK_STATUS(tvm_sched_parallel(NULL, m.C, m.j), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_sched_unroll(s, (tvm_tensor){0}, m.j), TVM_ERR_INVALID_HANDLE);
    CHECK_STATUS(tvm_sched_compute_inline(NULL, m.C), TVM_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tvm_sched_compute_at(s, m.C, m.C, m.j), TVM_ERR_INVALID_ARGUMENT);
    tvm_schedule_destroy(s);
    tvm_schedule_destroy(NULL);
    tvm_graph_destroy(m.g);
}

TEST(illegal_schedules_fail_at_compile) {
    mm m = make_matmul(16, 16, 16);
    tvm_schedule *s = NULL;
    tvm_expr ko, ki, jo, ji;
    /* parallel on a reduction axis (split into a parallel loop) */
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.k, 4, &ko, &ki), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 3, (tvm_expr[]){ko, m.i, m.j}), TVM_OK);
    CHECK_STATUS(tvm_sched_parallel(s, m.C, ko), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "k.outer", "reduction");
    tvm_schedule_destroy(s);
    /* vectorize a loop that is not innermost (the reduction runs inside) */
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_vectorize(s, m.C, m.j), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "'j'", "innermost");
    tvm_schedule_destroy(s);
    /* vectorize the reduction loop (it carries the accumulation) */
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_vectorize(s, m.C, m.k), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "'k'", "carries");
    tvm_schedule_destroy(s);
    /* parallel on an inner loop */
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_parallel(s, m.C, m.j), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "'j'", "outermost");
    tvm_schedule_destroy(s);
    /* a reduction loop outside a spatial loop without cache_write */
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 2, (tvm_expr[]){m.k, m.j}), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "'k'", "cache_write");
    tvm_schedule_destroy(s);
    /* cache_write below the reduction */
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_split(s, m.C, m.j, 4, &jo, &ji), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, m.C, 2, (tvm_expr[]){m.k, ji}), TVM_OK);
    CHECK_STATUS(tvm_sched_cache_write(s, m.C, ji), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "'k'", "j.inner");
    tvm_schedule_destroy(s);
    /* a block too large: the whole 16 x 16 output is fine, but a symbolic
     * extent inside the block is not */
    mm sym = make_matmul(-1, -1, 8);
    CHECK_STATUS(tvm_schedule_create(sym.g, 1, &sym.C, &s), TVM_OK);
    CHECK_STATUS(tvm_sched_reorder(s, sym.C, 3, (tvm_expr[]){sym.i, sym.k, sym.j}), TVM_OK);
    CHECK_STATUS(tvm_sched_cache_write(s, sym.C, sym.i), TVM_OK);
    compile_fails(&sym, s, TVM_ERR_INVALID_ARGUMENT, "'j'", "constant");
    tvm_schedule_destroy(s);
    /* a schedule made for another graph */
    CHECK_STATUS(tvm_schedule_create(sym.g, 1, &sym.C, &s), TVM_OK);
    compile_fails(&m, s, TVM_ERR_INVALID_ARGUMENT, "another graph", NULL);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(sym.g);
    /* options struct from before the schedule field: still compiles */
    tvm_compile_options o = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
    o.struct_size = offsetof(tvm_compile_options, schedule);
    tvm_function *fn = NULL;
    CHECK_STATUS(tvm_compile(m.g, 2, (tvm_tensor[]){m.A, m.B}, 1, &m.C, &o, &fn), TVM_OK);
    tvm_function_release(fn);
    tvm_graph_destroy(m.g);
}

/* A nest the user scheduled is left alone by the default schedules: a plain
 * 256^3 matmul with only a split keeps its loops (no register blocks, no
 * parallel loop the user did not ask for), while the same graph without a
 * schedule gets both. */
TEST(default_schedules_leave_user_nests_alone) {
    mm m = make_matmul(256, 256, 256);
    tvm_schedule *s = NULL;
    CHECK_STATUS(tvm_schedule_create(m.g, 1, &m.C, &s), TVM_OK);
    tvm_expr io, ii;
    CHECK_STATUS(tvm_sched_split(s, m.C, m.i, 8, &io, &ii), TVM_OK);
    const int64_t shapes[2][2] = {{256, 256}, {256, 256}}, os[2] = {256, 256};
    char *ir = compare(m.g, 2, (tvm_tensor[]){m.A, m.B}, m.C, shapes, os, 2, s, "llvm", true);
    CHECK(ir != NULL);
    if (ir) {
        CHECK(strstr(ir, "scheduled") != NULL);
        CHECK(strstr(ir, "parallel") == NULL);
    }
    tvm_free(ir);
    char *plain = compare(m.g, 2, (tvm_tensor[]){m.A, m.B}, m.C, shapes, os, 2, NULL, "llvm", true);
    CHECK(plain != NULL);
    if (plain) {
        CHECK(strstr(plain, "scheduled") == NULL);
        CHECK(strstr(plain, "parallel") != NULL);
    }
    tvm_free(plain);
    tvm_schedule_destroy(s);
    tvm_graph_destroy(m.g);
}

CHECK_MAIN()
