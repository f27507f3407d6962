/* test_builder.c — every builder call of tvmc.h: result dtypes, handle
 * identity (hash-consing), tensor info, printing, and the exact values of
 * constants of every dtype (checked by running them through both targets). */
#include <math.h>
#include <stddef.h>

#include "check.h"
#include "tensor_util.h"

static tvm_dtype dtype_of(tvm_graph *g, tvm_expr e) {
    tvm_dtype d = (tvm_dtype)0;
    CHECK_OK(tvm_expr_dtype(g, e, &d));
    return d;
}

#define CHECK_DTYPE(g, e, want) CHECK_EQ_INT(dtype_of((g), (e)), (want))

static const tvm_dtype all_dtypes[] = {TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_BFLOAT16,
                                       TVM_INT8,    TVM_INT16,   TVM_INT32,   TVM_INT64,
                                       TVM_UINT8,   TVM_BOOL};
#define NUM_DTYPES ((int)(sizeof all_dtypes / sizeof all_dtypes[0]))

TEST(version_matches_header) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TVMC_VERSION_MAJOR, TVMC_VERSION_MINOR,
             TVMC_VERSION_PATCH);
    CHECK(tvm_version() != NULL);
    CHECK(strcmp(tvm_version(), want) == 0);
}

TEST(context_create_defaults_and_options) {
    tvm_context *ctx = NULL;
    CHECK_OK_OR_RETURN(tvm_context_create(NULL, &ctx));
    CHECK(ctx != NULL);
    CHECK(tvm_context_num_threads(ctx) >= 1);
    tvm_cache_stats st;
    memset(&st, 0xff, sizeof st);
    st.struct_size = sizeof st;
    CHECK_OK(tvm_context_stats(ctx, &st));
    CHECK_EQ_INT(st.functions_compiled, 0);
    CHECK_EQ_INT(st.function_cache_hits, 0);
    CHECK_EQ_INT(st.kernels_compiled, 0);
    CHECK_EQ_INT(st.kernel_cache_hits, 0);
    CHECK_EQ_INT(st.kernel_cache_evictions, 0);
    tvm_context_destroy(ctx);

    /* A zeroed struct with struct_size set means defaults. */
    tvm_context_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    ctx = NULL;
    CHECK_OK(tvm_context_create(&o, &ctx));
    CHECK(ctx && tvm_context_num_threads(ctx) >= 1);
    tvm_context_destroy(ctx);

    o.num_threads = 2;
    o.function_cache_capacity = 4;
    o.shape_cache_capacity = 2;
    ctx = NULL;
    CHECK_OK(tvm_context_create(&o, &ctx));
    CHECK(ctx && tvm_context_num_threads(ctx) == 2);
    tvm_context_destroy(ctx);

    /* An older, smaller options struct (only up to num_threads) is accepted. */
    memset(&o, 0, sizeof o);
    o.struct_size = offsetof(tvm_context_options, num_threads) + sizeof(int32_t);
    o.num_threads = 1;
    ctx = NULL;
    CHECK_OK(tvm_context_create(&o, &ctx));
    CHECK(ctx && tvm_context_num_threads(ctx) == 1);
    tvm_context_destroy(ctx);
}

TEST(graph_create_status_destroy) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK(g != NULL);
    CHECK_OK(tvm_graph_status(g));
    tvm_graph *g2 = tvm_graph_create(ctx); /* several graphs per context */
    CHECK(g2 != NULL && g2 != g);
    tvm_graph_destroy(g2);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(leaves_and_their_dtypes) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    for (int k = 0; k < NUM_DTYPES; k++) {
        tvm_dtype d = all_dtypes[k];
        tvm_expr ci = tvm_const_int(g, d, 1);
        CHECK(ci.id != 0);
        CHECK_DTYPE(g, ci, d);
        tvm_expr cf = tvm_const_float(g, d, 1.0);
        CHECK(cf.id != 0);
        CHECK_DTYPE(g, cf, d);
    }
    tvm_expr n = tvm_size_var(g, "n");
    tvm_expr n2 = tvm_size_var(g, "n");
    CHECK(n.id != 0 && n2.id != 0);
    CHECK(n.id != n2.id); /* every call makes a distinct variable */
    CHECK_DTYPE(g, n, TVM_INT64);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr i2 = tvm_iter_var(g, "i");
    CHECK(i.id != 0 && i2.id != 0 && i.id != i2.id);
    CHECK_DTYPE(g, i, TVM_INT64);
    tvm_expr k8 = tvm_reduce_axis(g, "k", tvm_const_int(g, TVM_INT64, 8));
    CHECK(k8.id != 0);
    CHECK_DTYPE(g, k8, TVM_INT64);
    tvm_expr kn = tvm_reduce_axis(g, "kn", n);
    CHECK(kn.id != 0);
    tvm_expr kexpr = tvm_reduce_axis(g, "ke", tvm_mul(g, n, tvm_const_int(g, TVM_INT64, 2)));
    CHECK(kexpr.id != 0);
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(identical_subexpressions_are_one_node) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i);
    tvm_expr b = tvm_load(g, B, &i);
    CHECK(a.id != 0 && b.id != 0 && a.id != b.id);
    CHECK_EQ_INT(tvm_load(g, A, &i).id, a.id);
    tvm_expr s1 = tvm_add(g, a, b);
    tvm_expr s2 = tvm_add(g, a, b);
    CHECK(s1.id != 0);
    CHECK_EQ_INT(s1.id, s2.id);
    tvm_expr m1 = tvm_mul(g, s1, tvm_const_float(g, TVM_FLOAT32, 2.0));
    tvm_expr m2 = tvm_mul(g, tvm_add(g, a, b), tvm_const_float(g, TVM_FLOAT32, 2.0));
    CHECK_EQ_INT(m1.id, m2.id);
    CHECK_EQ_INT(tvm_const_int(g, TVM_INT32, 5).id, tvm_const_int(g, TVM_INT32, 5).id);
    CHECK(tvm_const_int(g, TVM_INT32, 5).id != tvm_const_int(g, TVM_INT64, 5).id);
    CHECK(tvm_const_int(g, TVM_INT32, 5).id != tvm_const_int(g, TVM_INT32, 6).id);
    CHECK_EQ_INT(tvm_exp(g, a).id, tvm_exp(g, a).id);
    CHECK(tvm_sub(g, a, b).id != tvm_sub(g, b, a).id);
    CHECK(tvm_exp(g, a).id != tvm_log(g, a).id);
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(arithmetic_compare_logic_select_cast_dtypes) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr x = tvm_const_float(g, TVM_FLOAT32, 1.5);
    tvm_expr y = tvm_const_float(g, TVM_FLOAT32, -2.0);
    tvm_expr (*bin[])(tvm_graph *, tvm_expr, tvm_expr) = {
        tvm_add, tvm_sub, tvm_mul, tvm_div, tvm_mod, tvm_floordiv, tvm_floormod,
        tvm_min, tvm_max, tvm_pow};
    for (size_t k = 0; k < sizeof bin / sizeof bin[0]; k++) {
        tvm_expr r = bin[k](g, x, y);
        CHECK(r.id != 0);
        CHECK_DTYPE(g, r, TVM_FLOAT32);
    }
    tvm_expr p = tvm_const_int(g, TVM_INT16, 7);
    tvm_expr q = tvm_const_int(g, TVM_INT16, -3);
    for (size_t k = 0; k + 1 < sizeof bin / sizeof bin[0]; k++) { /* all but pow */
        tvm_expr r = bin[k](g, p, q);
        CHECK(r.id != 0);
        CHECK_DTYPE(g, r, TVM_INT16);
    }
    CHECK_DTYPE(g, tvm_neg(g, x), TVM_FLOAT32);
    CHECK_DTYPE(g, tvm_neg(g, p), TVM_INT16);

    tvm_expr (*cmp[])(tvm_graph *, tvm_expr, tvm_expr) = {tvm_lt, tvm_le, tvm_gt,
                                                          tvm_ge, tvm_eq, tvm_ne};
    for (size_t k = 0; k < sizeof cmp / sizeof cmp[0]; k++) {
        CHECK_DTYPE(g, cmp[k](g, x, y), TVM_BOOL);
        CHECK_DTYPE(g, cmp[k](g, p, q), TVM_BOOL);
    }
    tvm_expr c1 = tvm_lt(g, x, y), c2 = tvm_ge(g, p, q);
    CHECK_DTYPE(g, tvm_and(g, c1, c2), TVM_BOOL);
    CHECK_DTYPE(g, tvm_or(g, c1, c2), TVM_BOOL);
    CHECK_DTYPE(g, tvm_not(g, c1), TVM_BOOL);
    CHECK_DTYPE(g, tvm_select(g, c1, x, y), TVM_FLOAT32);
    CHECK_DTYPE(g, tvm_select(g, c2, p, q), TVM_INT16);
    for (int k = 0; k < NUM_DTYPES; k++) {
        CHECK_DTYPE(g, tvm_cast(g, all_dtypes[k], x), all_dtypes[k]);
        CHECK_DTYPE(g, tvm_cast(g, all_dtypes[k], p), all_dtypes[k]);
        CHECK_DTYPE(g, tvm_cast(g, all_dtypes[k], c1), all_dtypes[k]);
    }
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(math_ops_keep_the_dtype) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr (*un[])(tvm_graph *, tvm_expr) = {tvm_exp,     tvm_log,  tvm_sqrt, tvm_rsqrt,
                                               tvm_tanh,    tvm_sigmoid, tvm_erf,
                                               tvm_abs,     tvm_floor, tvm_ceil};
    const tvm_dtype fl[] = {TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_BFLOAT16};
    for (size_t d = 0; d < 4; d++) {
        tvm_expr x = tvm_const_float(g, fl[d], 0.75);
        for (size_t k = 0; k < sizeof un / sizeof un[0]; k++) {
            tvm_expr r = un[k](g, x);
            CHECK(r.id != 0);
            CHECK_DTYPE(g, r, fl[d]);
        }
    }
    CHECK_DTYPE(g, tvm_abs(g, tvm_const_int(g, TVM_INT32, -4)), TVM_INT32);
    CHECK_DTYPE(g, tvm_abs(g, tvm_const_int(g, TVM_INT8, -4)), TVM_INT8);
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(reductions_of_each_kind) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr shape[2] = {tvm_const_int(g, TVM_INT64, 4), tvm_const_int(g, TVM_INT64, 5)};
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 2, shape);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr k = tvm_reduce_axis(g, "k", shape[1]);
    tvm_expr body = tvm_load(g, A, (tvm_expr[]){i, k});
    const tvm_reduce_kind kinds[] = {TVM_REDUCE_SUM, TVM_REDUCE_PROD, TVM_REDUCE_MIN,
                                     TVM_REDUCE_MAX};
    for (int r = 0; r < 4; r++) {
        tvm_expr red = tvm_reduce(g, kinds[r], body, 1, &k);
        CHECK(red.id != 0);
        CHECK_DTYPE(g, red, TVM_INT32);
    }
    tvm_expr s = tvm_sum(g, body, 1, &k);
    CHECK(s.id != 0);
    CHECK_EQ_INT(s.id, tvm_reduce(g, TVM_REDUCE_SUM, body, 1, &k).id);
    /* a reduction may sit inside a larger expression */
    tvm_expr twice = tvm_mul(g, s, tvm_const_int(g, TVM_INT32, 2));
    tvm_tensor B = tvm_compute(g, "B", 1, shape, &i, twice);
    CHECK(B.id != 0);
    /* two axes */
    tvm_expr k0 = tvm_reduce_axis(g, "k0", shape[0]);
    tvm_expr k1 = tvm_reduce_axis(g, "k1", shape[1]);
    tvm_expr all = tvm_sum(g, tvm_cast(g, TVM_FLOAT64, tvm_load(g, A, (tvm_expr[]){k0, k1})),
                           2, (tvm_expr[]){k0, k1});
    CHECK_DTYPE(g, all, TVM_FLOAT64);
    tvm_tensor S = tvm_compute(g, "S", 0, NULL, NULL, all); /* a 0-d tensor */
    CHECK(S.id != 0);
    int nd = -1;
    tvm_dtype dt = (tvm_dtype)0;
    CHECK_OK(tvm_tensor_info(g, S, &nd, &dt));
    CHECK_EQ_INT(nd, 0);
    CHECK_EQ_INT(dt, TVM_FLOAT64);
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(tensors_and_tensor_info) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_expr shape[3] = {n, tvm_const_int(g, TVM_INT64, 3), tvm_const_int(g, TVM_INT64, 2)};
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT16, 3, shape);
    CHECK(A.id != 0);
    tvm_tensor Z = tvm_placeholder(g, "Z", TVM_INT8, 0, NULL); /* a 0-d input */
    CHECK(Z.id != 0);
    const float w[6] = {1, 2, 3, 4, 5, 6};
    tvm_tensor W = tvm_constant(g, "W", TVM_FLOAT32, 2, (const int64_t[]){3, 2}, w);
    CHECK(W.id != 0);
    tvm_expr it[3] = {tvm_iter_var(g, "i"), tvm_iter_var(g, "j"), tvm_iter_var(g, "k")};
    tvm_expr body = tvm_mul(g, tvm_cast(g, TVM_FLOAT32, tvm_load(g, A, it)),
                            tvm_load(g, W, &it[1]));
    tvm_tensor C = tvm_compute(g, "C", 3, shape, it, body);
    CHECK(C.id != 0);
    /* one iteration variable may serve several computes */
    tvm_tensor D = tvm_compute(g, "D", 3, shape, it, tvm_neg(g, tvm_load(g, C, it)));
    CHECK(D.id != 0);

    int nd = -1;
    tvm_dtype dt = (tvm_dtype)0;
    CHECK_OK(tvm_tensor_info(g, A, &nd, &dt));
    CHECK_EQ_INT(nd, 3);
    CHECK_EQ_INT(dt, TVM_FLOAT16);
    CHECK_OK(tvm_tensor_info(g, Z, &nd, &dt));
    CHECK_EQ_INT(nd, 0);
    CHECK_EQ_INT(dt, TVM_INT8);
    CHECK_OK(tvm_tensor_info(g, W, &nd, &dt));
    CHECK_EQ_INT(nd, 2);
    CHECK_EQ_INT(dt, TVM_FLOAT32);
    CHECK_OK(tvm_tensor_info(g, C, &nd, &dt));
    CHECK_EQ_INT(nd, 3);
    CHECK_EQ_INT(dt, TVM_FLOAT32); /* the body's dtype */
    CHECK_OK(tvm_tensor_info(g, D, NULL, &dt));
    CHECK_EQ_INT(dt, TVM_FLOAT32);
    CHECK_OK(tvm_tensor_info(g, D, &nd, NULL));
    CHECK_EQ_INT(nd, 3);
    CHECK_OK(tvm_tensor_info(g, D, NULL, NULL));
    CHECK_DTYPE(g, tvm_load(g, A, it), TVM_FLOAT16);
    /* int32 indices are accepted too */
    tvm_expr i32 = tvm_cast(g, TVM_INT32, it[1]);
    CHECK(tvm_load(g, W, (tvm_expr[]){i32, tvm_const_int(g, TVM_INT32, 0)}).id != 0);
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

TEST(graph_print_names_every_tensor) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr n = tvm_size_var(g, "nsize");
    tvm_tensor A = tvm_placeholder(g, "Ainput", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor B = tvm_compute(g, "Bdoubled", 1, &n, &i,
                               tvm_mul(g, tvm_load(g, A, &i),
                                       tvm_const_float(g, TVM_FLOAT32, 2.0)));
    tvm_tensor C = tvm_compute(g, "Cunrelated", 1, &n, &i,
                               tvm_exp(g, tvm_load(g, A, &i)));
    CHECK_OR_RETURN(B.id && C.id);
    char *all = NULL;
    CHECK_OK(tvm_graph_print(g, 0, NULL, &all));
    CHECK_OR_RETURN(all != NULL);
    CHECK_STR_CONTAINS(all, "Ainput");
    CHECK_STR_CONTAINS(all, "Bdoubled");
    CHECK_STR_CONTAINS(all, "Cunrelated");
    CHECK_STR_CONTAINS(all, "nsize");
    tvm_free(all);
    char *some = NULL;
    CHECK_OK(tvm_graph_print(g, 1, &B, &some));
    CHECK_OR_RETURN(some != NULL);
    CHECK_STR_CONTAINS(some, "Ainput");
    CHECK_STR_CONTAINS(some, "Bdoubled");
    CHECK(!check_contains(some, "Cunrelated"));
    tvm_free(some);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

/* Each output k is a 1-element tensor holding constant k; compiling all of
 * them in one function also exercises multiple outputs. */
typedef struct const_case {
    tvm_dtype dtype;
    bool from_float; /* tvm_const_float, else tvm_const_int */
    double fvalue;
    int64_t ivalue;
    uint64_t want_bits;
} const_case;

static uint64_t f32b(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static uint64_t f64b(double f) {
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}

TEST(constants_of_every_dtype_have_exact_values) {
    const const_case cases[] = {
        {TVM_INT8, false, 0, -128, 0x80},
        {TVM_INT8, false, 0, 127, 0x7f},
        {TVM_INT16, false, 0, -32768, 0x8000},
        {TVM_INT32, false, 0, INT32_MIN, 0x80000000u},
        {TVM_INT64, false, 0, INT64_MIN, 0x8000000000000000ull},
        {TVM_INT64, false, 0, INT64_MAX, 0x7fffffffffffffffull},
        {TVM_UINT8, false, 0, 255, 0xff},
        {TVM_BOOL, false, 0, 0, 0},
        {TVM_BOOL, false, 0, 1, 1},
        {TVM_BOOL, false, 0, 5, 1}, /* bool: value != 0 */
        {TVM_FLOAT32, false, 0, 16777217, 0x4b800000u}, /* rounds to 2^24 */
        {TVM_FLOAT64, false, 0, -3, 0xc008000000000000ull},
        {TVM_FLOAT16, false, 0, 2049, 0x6800},          /* tie -> even: 2048 */
        {TVM_BFLOAT16, false, 0, 257, 0x4380},          /* tie -> even: 256 */
        {TVM_FLOAT32, true, 0.1, 0, f32b(0.1f)},
        {TVM_FLOAT64, true, 0.1, 0, f64b(0.1)},
        {TVM_FLOAT16, true, 0.1, 0, 0x2e66},
        {TVM_BFLOAT16, true, 0.1, 0, 0x3dcd},
        {TVM_FLOAT16, true, 65504.0, 0, 0x7bff},
        {TVM_FLOAT16, true, -5.960464477539063e-08, 0, 0x8001}, /* smallest subnormal */
        {TVM_FLOAT32, true, INFINITY, 0, 0x7f800000u},
        {TVM_FLOAT64, true, -INFINITY, 0, 0xfff0000000000000ull},
        {TVM_INT32, true, 42.0, 0, 42},
        {TVM_INT8, true, -7.0, 0, 0xf9},
        {TVM_UINT8, true, 255.0, 0, 0xff},
        {TVM_BOOL, true, 1.0, 0, 1},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        tvm_context *ctx = tt_context();
        CHECK_OR_RETURN(ctx);
        tvm_graph *g = tvm_graph_create(ctx);
        CHECK_OR_RETURN(g);
        tvm_expr one = tvm_const_int(g, TVM_INT64, 1);
        tvm_expr i = tvm_iter_var(g, "i");
        tvm_tensor outs[N];
        tt_tensor *bufs[N];
        for (int c = 0; c < N; c++) {
            tvm_expr v = cases[c].from_float
                             ? tvm_const_float(g, cases[c].dtype, cases[c].fvalue)
                             : tvm_const_int(g, cases[c].dtype, cases[c].ivalue);
            char name[16];
            snprintf(name, sizeof name, "out%d", c);
            outs[c] = tvm_compute(g, name, 1, &one, &i, v);
            bufs[c] = tt_alloc(cases[c].dtype, 1, TT_SHAPE(1));
            tt_fill_bytes(bufs[c], 0x5a);
        }
        CHECK_OK(tvm_graph_status(g));
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        CHECK_OK(tt_compile_run(g, 0, NULL, N, outs, &o, bufs));
        for (int c = 0; c < N; c++) {
            uint64_t got = tt_bits(bufs[c], 0);
            if (got != cases[c].want_bits)
                check_fail(__FILE__, __LINE__,
                           "target %s: constant case %d (%s %s %g/%lld): bits 0x%llx, want 0x%llx",
                           tt_targets[t], c, tt_dtype_name(cases[c].dtype),
                           cases[c].from_float ? "float" : "int", cases[c].fvalue,
                           (long long)cases[c].ivalue, (unsigned long long)got,
                           (unsigned long long)cases[c].want_bits);
            tt_free(bufs[c]);
        }
        tvm_graph_destroy(g);
        tvm_context_destroy(ctx);
    }
}

TEST(function_handles_report_their_arguments) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr n = tvm_size_var(g, "n");
    tvm_expr m = tvm_const_int(g, TVM_INT64, 3);
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT16, 2, (tvm_expr[]){n, m});
    tvm_tensor B = tvm_placeholder(g, "B", TVM_INT16, 1, &m);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){n, m}, (tvm_expr[]){i, j},
                               tvm_add(g, tvm_load(g, A, (tvm_expr[]){i, j}),
                                       tvm_load(g, B, &j)));
    tvm_tensor D = tvm_compute(g, "D", 1, &n, &i,
                               tvm_lt(g, tvm_load(g, A, (tvm_expr[]){i, tvm_const_int(g, TVM_INT64, 0)}),
                                      tvm_const_int(g, TVM_INT16, 0)));
    tvm_function *f = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 2, (tvm_tensor[]){C, D},
                                   NULL, &f));
    tvm_graph_destroy(g); /* the function outlives its graph */
    int nin = -1, nout = -1;
    CHECK_OK(tvm_function_num_args(f, &nin, &nout));
    CHECK_EQ_INT(nin, 2);
    CHECK_EQ_INT(nout, 2);
    CHECK_OK(tvm_function_num_args(f, NULL, &nout));
    CHECK_OK(tvm_function_num_args(f, &nin, NULL));
    const struct { tvm_dtype dt; int nd; } want[4] = {
        {TVM_INT16, 2}, {TVM_INT16, 1}, {TVM_INT16, 2}, {TVM_BOOL, 1}};
    for (int a = 0; a < 4; a++) {
        tvm_dtype dt = (tvm_dtype)0;
        int nd = -1;
        CHECK_OK(tvm_function_arg_info(f, a, &dt, &nd));
        CHECK_EQ_INT(dt, want[a].dt);
        CHECK_EQ_INT(nd, want[a].nd);
    }
    char *text = NULL;
    CHECK_OK(tvm_function_source(f, "graph", &text));
    CHECK(text && strlen(text) > 0);
    tvm_free(text);
    text = NULL;
    CHECK_OK(tvm_function_source(f, "loop", &text)); /* the symbolic template */
    CHECK(text && strlen(text) > 0);
    tvm_free(text);
    CHECK_OK(tvm_function_retain(f));
    tvm_function_release(f);
    tvm_function_release(f);
    tvm_context_destroy(ctx);
}

/* tvm_function_source(f, "graph") is printed when asked for, from what the
 * function kept: the same text tvm_graph_print gives for its outputs at
 * compile time (variables numbered as in the graph), after the graph grew
 * and after it was destroyed. Unrelated nodes come first, so the kept copy
 * is renumbered and must still print the graph's numbers. */
TEST(function_graph_source_is_the_graph_as_compiled) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK_OR_RETURN(g);
    tvm_expr four = tvm_const_int(g, TVM_INT64, 4), u = tvm_iter_var(g, "u");
    tvm_tensor P = tvm_placeholder(g, "P", TVM_FLOAT32, 1, &four);
    for (int q = 0; q < 20; q++) /* not reached from the outputs */
        P = tvm_compute(g, "unused", 1, &four, &u,
                        tvm_mul(g, tvm_load(g, P, &u), tvm_const_float(g, TVM_FLOAT32, q)));
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor X = tvm_placeholder(g, "X", TVM_FLOAT32, 2, (tvm_expr[]){n, four});
    float cd[4] = {1, -2, 0.5f, 3};
    tvm_tensor C = tvm_constant(g, "C", TVM_FLOAT32, 1, (int64_t[]){4}, cd);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", four);
    tvm_expr xik = tvm_load(g, X, (tvm_expr[]){i, k});
    tvm_tensor Y = tvm_compute(
        g, "Y", 1, &n, &i,
        tvm_sum(g, tvm_select(g, tvm_gt(g, xik, tvm_const_float(g, TVM_FLOAT32, 0)),
                              tvm_mul(g, xik, tvm_load(g, C, &k)), xik), 1, &k));
    tvm_tensor Z = tvm_compute(g, "Z", 2, (tvm_expr[]){n, four}, (tvm_expr[]){i, j},
                               tvm_cast(g, TVM_INT32, tvm_add(g, tvm_load(g, X, (tvm_expr[]){i, j}),
                                                              tvm_load(g, Y, &i))));
    tvm_tensor outs[2] = {Y, Z};
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    char *want = NULL, *got = NULL;
    CHECK_OK_OR_RETURN(tvm_graph_print(g, 2, outs, &want));
    tvm_compile_options o = tt_options("interp", 0, 0);
    tvm_function *f = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &X, 2, outs, &o, &f));
    CHECK_OK(tvm_function_source(f, "graph", &got));
    if (got && strcmp(got, want) != 0) fprintf(stderr, "want:\n%s\ngot:\n%s\n", want, got);
    CHECK(got && strcmp(got, want) == 0);
    tvm_free(got);
    got = NULL;
    /* the graph grows, then goes: the function's text stays */
    tvm_compute(g, "later", 1, &n, &i, tvm_neg(g, tvm_load(g, Y, &i)));
    CHECK_OK(tvm_graph_status(g));
    tvm_graph_destroy(g);
    CHECK_OK(tvm_function_source(f, "graph", &got));
    CHECK(got && strcmp(got, want) == 0);
    CHECK(got && strstr(got, "later") == NULL && strstr(got, "unused") == NULL);
    tvm_free(got);
    tvm_free(want);
    tvm_function_release(f);
    tvm_context_destroy(ctx);
}

TEST(destroy_and_release_accept_null) {
    tvm_graph_destroy(NULL);
    tvm_context_destroy(NULL);
    tvm_function_release(NULL);
    tvm_free(NULL);
    CHECK(tvm_last_error() != NULL);
}

CHECK_MAIN()
