/* test_errors.c — bad input of every kind a user can cause. Each case asserts
 * the exact status and that tvm_last_error() mentions the problem (usually
 * the offending argument or tensor name). Nothing here may crash, abort or
 * print from the library. */
#include <math.h>
#include <stddef.h>

#include "check.h"
#include "tensor_util.h"

typedef struct fixture {
    tvm_context *ctx;
    tvm_graph *g;
} fixture;

static bool fixture_open(fixture *f) {
    f->ctx = tt_context();
    f->g = f->ctx ? tvm_graph_create(f->ctx) : NULL;
    return f->g != NULL;
}

/* Replaces the fixture's graph with a fresh one (errors are sticky). */
static tvm_graph *fresh(fixture *f) {
    tvm_graph_destroy(f->g);
    f->g = tvm_graph_create(f->ctx);
    return f->g;
}

static void fixture_close(fixture *f) {
    tvm_graph_destroy(f->g);
    tvm_context_destroy(f->ctx);
}

static tvm_expr c64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

/* ========================================================================= */
/* Status strings, NULL-accepting destructors                                 */
/* ========================================================================= */

TEST(status_strings_name_every_code) {
    static const struct { tvm_status s; const char *name; } codes[] = {
        {TVM_OK, "TVM_OK"},
        {TVM_ERR_INVALID_ARGUMENT, "TVM_ERR_INVALID_ARGUMENT"},
        {TVM_ERR_DTYPE, "TVM_ERR_DTYPE"},
        {TVM_ERR_SHAPE, "TVM_ERR_SHAPE"},
        {TVM_ERR_OUT_OF_BOUNDS, "TVM_ERR_OUT_OF_BOUNDS"},
        {TVM_ERR_UNSUPPORTED, "TVM_ERR_UNSUPPORTED"},
        {TVM_ERR_OUT_OF_MEMORY, "TVM_ERR_OUT_OF_MEMORY"},
        {TVM_ERR_COMPILE, "TVM_ERR_COMPILE"},
        {TVM_ERR_DEVICE, "TVM_ERR_DEVICE"},
        {TVM_ERR_PARSE, "TVM_ERR_PARSE"},
        {TVM_ERR_IO, "TVM_ERR_IO"},
        {TVM_ERR_INTERNAL, "TVM_ERR_INTERNAL"},
        {TVM_ERR_LIMIT, "TVM_ERR_LIMIT"},
        {TVM_ERR_VERSION, "TVM_ERR_VERSION"},
        {TVM_ERR_INVALID_HANDLE, "TVM_ERR_INVALID_HANDLE"},
    };
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        const char *s = tvm_status_string(codes[k].s);
        CHECK(s != NULL && strcmp(s, codes[k].name) == 0);
    }
    CHECK(strcmp(tvm_status_string((tvm_status)99), "unknown status") == 0);
    CHECK(strcmp(tvm_status_string((tvm_status)-1), "unknown status") == 0);
    CHECK(tvm_last_error() != NULL);
}

TEST(destroy_release_and_free_accept_null) {
    tvm_free(NULL);
    tvm_graph_destroy(NULL);
    tvm_context_destroy(NULL);
    tvm_function_release(NULL);
    CHECK(tvm_last_error() != NULL);
}

/* ========================================================================= */
/* Context                                                                    */
/* ========================================================================= */

TEST(context_bad_arguments) {
    tvm_context_options o;
    tvm_context *ctx = (tvm_context *)(uintptr_t)0x1;
    CHECK_ERROR(tvm_context_create(NULL, NULL), TVM_ERR_INVALID_ARGUMENT, "out");

    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.num_threads = -1;
    CHECK_ERROR(tvm_context_create(&o, &ctx), TVM_ERR_INVALID_ARGUMENT, "num_threads");
    CHECK(ctx == (tvm_context *)(uintptr_t)0x1); /* out untouched on failure */

    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.function_cache_capacity = -5;
    CHECK_ERROR(tvm_context_create(&o, &ctx), TVM_ERR_INVALID_ARGUMENT,
                "function_cache_capacity");

    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.shape_cache_capacity = -1;
    CHECK_ERROR(tvm_context_create(&o, &ctx), TVM_ERR_INVALID_ARGUMENT, "shape_cache_capacity");

    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.flags = 0x10;
    CHECK_ERROR(tvm_context_create(&o, &ctx), TVM_ERR_INVALID_ARGUMENT, "flags");

    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o + 64;
    CHECK_ERROR(tvm_context_create(&o, &ctx), TVM_ERR_VERSION, "struct_size");
    CHECK(ctx == (tvm_context *)(uintptr_t)0x1);

    memset(&o, 0, sizeof o); /* struct_size not set */
    CHECK_ERROR(tvm_context_create(&o, &ctx), TVM_ERR_INVALID_ARGUMENT, "struct_size");

    tvm_cache_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    CHECK_ERROR(tvm_context_stats(NULL, &st), TVM_ERR_INVALID_ARGUMENT, "ctx");
    tvm_context *real = tt_context();
    CHECK_OR_RETURN(real);
    CHECK_ERROR(tvm_context_stats(real, NULL), TVM_ERR_INVALID_ARGUMENT, "stats");
    st.struct_size = 0; /* a larger struct_size is fine: stats is an output */
    CHECK_ERROR(tvm_context_stats(real, &st), TVM_ERR_INVALID_ARGUMENT, "struct_size");
    tvm_context_destroy(real);
}

TEST(graph_create_and_status_with_null) {
    CHECK(tvm_graph_create(NULL) == NULL);
    CHECK_STR_CONTAINS(tvm_last_error(), "ctx");
    CHECK_ERROR(tvm_graph_status(NULL), TVM_ERR_INVALID_ARGUMENT, "NULL");
    char *text = NULL;
    CHECK_ERROR(tvm_graph_print(NULL, 0, NULL, &text), TVM_ERR_INVALID_ARGUMENT, "NULL");
    CHECK(text == NULL);
}

/* ========================================================================= */
/* Builder: leaves and handles                                                */
/* ========================================================================= */

TEST(builder_null_graph_returns_null_handle) {
    tvm_expr e = tvm_const_int(NULL, TVM_INT32, 1);
    CHECK_EQ_INT(e.id, 0);
    CHECK_STR_CONTAINS(tvm_last_error(), "NULL");
    tvm_tensor t = tvm_placeholder(NULL, "A", TVM_FLOAT32, 0, NULL);
    CHECK_EQ_INT(t.id, 0);
    CHECK_STR_CONTAINS(tvm_last_error(), "NULL");
    tvm_expr a = {1}, b = {2};
    CHECK_EQ_INT(tvm_add(NULL, a, b).id, 0);
    CHECK_STR_CONTAINS(tvm_last_error(), "NULL");
}

TEST(constants_out_of_range_or_bad_dtype) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    /* a value outside the tvm_dtype enum is a dtype error */
    tvm_graph *g = f.g;
    CHECK_BUILD_ERROR(g, tvm_const_int(g, (tvm_dtype)0, 1), TVM_ERR_DTYPE, "dtype 0");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_int(g, (tvm_dtype)42, 1), TVM_ERR_DTYPE, "dtype 42");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_int(g, TVM_INT8, 300), TVM_ERR_INVALID_ARGUMENT, "300",
                      "int8");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_int(g, TVM_UINT8, -1), TVM_ERR_INVALID_ARGUMENT, "-1",
                      "uint8");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_int(g, TVM_INT32, 1ll << 40), TVM_ERR_INVALID_ARGUMENT,
                      "1099511627776", "int32");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_float(g, TVM_INT32, 1.5), TVM_ERR_INVALID_ARGUMENT, "1.5",
                      "int32");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_float(g, TVM_INT8, 1000.0), TVM_ERR_INVALID_ARGUMENT, "1000");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_float(g, TVM_INT64, NAN), TVM_ERR_INVALID_ARGUMENT, "nan");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_const_float(g, (tvm_dtype)-3, 1.0), TVM_ERR_DTYPE, "dtype -3");
    fixture_close(&f);
}

TEST(foreign_null_and_forged_handles) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *other = tvm_graph_create(f.ctx);
    CHECK_OR_RETURN(other);
    /* make the other graph's handle a valid-looking id in f.g as well */
    tvm_expr theirs = tvm_add(other, tvm_const_float(other, TVM_FLOAT32, 1),
                              tvm_const_float(other, TVM_FLOAT32, 2));
    tvm_expr mine = tvm_const_float(f.g, TVM_FLOAT32, 1);
    CHECK(theirs.id != 0);
    CHECK_BUILD_ERROR(f.g, tvm_add(f.g, mine, theirs), TVM_ERR_INVALID_HANDLE, "'b'",
                      "not an expression of this graph");

    tvm_graph *g = fresh(&f);
    mine = tvm_const_float(g, TVM_FLOAT32, 1);
    /* the null handle is a bad argument rather than a stale or forged handle */
    CHECK_BUILD_ERROR(g, tvm_mul(g, mine, (tvm_expr){0}), TVM_ERR_INVALID_ARGUMENT, "'b'",
                      "null");

    g = fresh(&f);
    mine = tvm_const_float(g, TVM_FLOAT32, 1);
    CHECK_BUILD_ERROR(g, tvm_sub(g, (tvm_expr){0x7fff1234u}, mine), TVM_ERR_INVALID_HANDLE,
                      "'a'", "7fff1234");

    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_exp(g, (tvm_expr){12345}), TVM_ERR_INVALID_HANDLE,
                      "not an expression of this graph");

    g = fresh(&f);
    tvm_expr i = tvm_iter_var(g, "i");
    CHECK_BUILD_ERROR(g, tvm_load(g, (tvm_tensor){777}, &i), TVM_ERR_INVALID_HANDLE, "tensor");

    g = fresh(&f);
    tvm_tensor their_t = tvm_placeholder(other, "T", TVM_FLOAT32, 0, NULL);
    CHECK(their_t.id != 0);
    int nd;
    CHECK_ERROR(tvm_tensor_info(g, (tvm_tensor){4242}, &nd, NULL), TVM_ERR_INVALID_HANDLE,
                "tensor");
    tvm_dtype dt;
    CHECK_ERROR(tvm_expr_dtype(g, (tvm_expr){4242}, &dt), TVM_ERR_INVALID_HANDLE,
                "not an expression of this graph");
    CHECK_ERROR(tvm_expr_dtype(g, (tvm_expr){0}, &dt), TVM_ERR_INVALID_ARGUMENT,
                "not an expression of this graph");
    CHECK_ERROR(tvm_expr_dtype(g, tvm_const_int(g, TVM_INT8, 1), NULL), TVM_ERR_INVALID_ARGUMENT,
                "dtype");
    char *text = NULL;
    CHECK_ERROR(tvm_graph_print(g, 1, (tvm_tensor[]){{999}}, &text), TVM_ERR_INVALID_HANDLE,
                "tensor");
    CHECK_ERROR(tvm_graph_print(g, 0, NULL, NULL), TVM_ERR_INVALID_ARGUMENT, "text");
    tvm_graph_destroy(other);
    fixture_close(&f);
}

/* ========================================================================= */
/* Builder: dtypes                                                            */
/* ========================================================================= */

TEST(operand_dtype_errors) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    CHECK_BUILD_ERROR(g, tvm_add(g, tvm_const_int(g, TVM_INT32, 1), tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_DTYPE, "int32", "float32");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_add(g, tvm_const_int(g, TVM_BOOL, 1), tvm_const_int(g, TVM_BOOL, 0)),
                      TVM_ERR_DTYPE, "bool");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_mul(g, tvm_const_float(g, TVM_FLOAT16, 1), tvm_const_float(g, TVM_BFLOAT16, 1)),
                      TVM_ERR_DTYPE, "float16", "bfloat16");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_lt(g, tvm_const_int(g, TVM_INT8, 1), tvm_const_int(g, TVM_INT16, 1)),
                      TVM_ERR_DTYPE, "int8", "int16");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_select(g, tvm_const_int(g, TVM_INT32, 1), tvm_const_int(g, TVM_INT32, 2),
                                    tvm_const_int(g, TVM_INT32, 3)),
                      TVM_ERR_DTYPE, "bool");
    g = fresh(&f);
    tvm_expr cond = tvm_lt(g, tvm_const_int(g, TVM_INT32, 1), tvm_const_int(g, TVM_INT32, 2));
    CHECK_BUILD_ERROR(g, tvm_select(g, cond, tvm_const_int(g, TVM_INT32, 2), tvm_const_int(g, TVM_INT64, 3)),
                      TVM_ERR_DTYPE, "int32", "int64");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_exp(g, tvm_const_int(g, TVM_INT32, 1)), TVM_ERR_DTYPE, "int32");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_sqrt(g, tvm_const_int(g, TVM_UINT8, 1)), TVM_ERR_DTYPE, "uint8");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_pow(g, tvm_const_int(g, TVM_INT64, 2), tvm_const_int(g, TVM_INT64, 3)),
                      TVM_ERR_DTYPE, "int64");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_abs(g, tvm_const_int(g, TVM_BOOL, 1)), TVM_ERR_DTYPE, "bool");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_neg(g, tvm_const_int(g, TVM_BOOL, 1)), TVM_ERR_DTYPE, "bool");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_and(g, tvm_const_int(g, TVM_INT32, 1), tvm_const_int(g, TVM_INT32, 1)),
                      TVM_ERR_DTYPE, "bool");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_not(g, tvm_const_float(g, TVM_FLOAT32, 1)), TVM_ERR_DTYPE, "bool");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_cast(g, (tvm_dtype)77, tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_DTYPE, "dtype 77");
    fixture_close(&f);
}

/* ========================================================================= */
/* Builder: tensors, loads, computes, reductions                              */
/* ========================================================================= */

TEST(placeholder_and_constant_errors) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr neg = c64(g, -3);
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Aneg", TVM_FLOAT32, 1, &neg), TVM_ERR_SHAPE, "-3");

    g = fresh(&f);
    tvm_expr dims[TVM_MAX_NDIM + 1];
    for (int d = 0; d <= TVM_MAX_NDIM; d++) dims[d] = c64(g, 1);
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Abig", TVM_FLOAT32, TVM_MAX_NDIM + 1, dims),
                      TVM_ERR_SHAPE, "ndim", "33");

    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Aminus", TVM_FLOAT32, -1, NULL), TVM_ERR_SHAPE,
                      "ndim", "-1");

    g = fresh(&f);
    tvm_expr one = c64(g, 1);
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Adt", (tvm_dtype)11, 1, &one), TVM_ERR_DTYPE,
                      "dtype 11");

    g = fresh(&f);
    tvm_expr fdim = tvm_const_float(g, TVM_FLOAT32, 4);
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Afl", TVM_FLOAT32, 1, &fdim), TVM_ERR_SHAPE,
                      "dimension 0", "integer");

    g = fresh(&f);
    tvm_expr it = tvm_iter_var(g, "i");
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Ait", TVM_FLOAT32, 1, &it), TVM_ERR_SHAPE,
                      "dimension 0", "size variables");

    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_placeholder(g, "Anull", TVM_FLOAT32, 2, NULL),
                      TVM_ERR_INVALID_ARGUMENT, "shape");

    g = fresh(&f);
    const float data[4] = {1, 2, 3, 4};
    CHECK_BUILD_ERROR(g, tvm_constant(g, "Wnull", TVM_FLOAT32, 1, (const int64_t[]){4}, NULL),
                      TVM_ERR_INVALID_ARGUMENT, "data");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_constant(g, "Wneg", TVM_FLOAT32, 1, (const int64_t[]){-4}, data),
                      TVM_ERR_SHAPE, "-4");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_constant(g, "Wshape", TVM_FLOAT32, 1, NULL, data),
                      TVM_ERR_INVALID_ARGUMENT, "shape");
    g = fresh(&f);
    CHECK_BUILD_ERROR(g, tvm_constant(g, "Wdt", (tvm_dtype)0, 1, (const int64_t[]){4}, data),
                      TVM_ERR_DTYPE, "dtype 0");
    fixture_close(&f);
}

TEST(load_errors) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr fi = tvm_const_float(g, TVM_FLOAT32, 0);
    CHECK_BUILD_ERROR(g, tvm_load(g, A, &fi), TVM_ERR_DTYPE, "index");

    g = fresh(&f);
    n = tvm_size_var(g, "n");
    A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr bi = tvm_const_int(g, TVM_BOOL, 1);
    CHECK_BUILD_ERROR(g, tvm_load(g, A, &bi), TVM_ERR_DTYPE, "index");

    g = fresh(&f);
    n = tvm_size_var(g, "n");
    A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    CHECK_BUILD_ERROR(g, tvm_load(g, A, NULL), TVM_ERR_INVALID_ARGUMENT, "indices");
    fixture_close(&f);
}

TEST(compute_errors) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 4);
    tvm_expr sh[2] = {n, n};
    tvm_expr i = tvm_iter_var(g, "i");
    /* duplicate iteration variables */
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, sh);
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cdup", 2, sh, (tvm_expr[]){i, i},
                                     tvm_load(g, A, (tvm_expr[]){i, i})),
                      TVM_ERR_INVALID_ARGUMENT, "Cdup");

    /* a size variable where an iteration variable belongs */
    g = fresh(&f);
    tvm_expr m = tvm_size_var(g, "msize");
    A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &m);
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Csv", 1, &m, &m, tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_INVALID_ARGUMENT, "iter");

    /* fewer iteration variables than dimensions (the second handle is null) */
    g = fresh(&f);
    n = c64(g, 4);
    i = tvm_iter_var(g, "i");
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cfew", 2, (tvm_expr[]){n, n}, (tvm_expr[]){i, {0}},
                                     tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_INVALID_ARGUMENT, "iters[1]", "null");

    /* iters NULL with ndim 1 */
    g = fresh(&f);
    n = c64(g, 4);
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cnull", 1, &n, NULL, tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_INVALID_ARGUMENT, "iters");

    /* body uses an iteration variable that is not an axis of this compute */
    g = fresh(&f);
    n = c64(g, 4);
    i = tvm_iter_var(g, "i");
    tvm_expr jfree = tvm_iter_var(g, "jfree");
    A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cfree", 1, &n, &i, tvm_load(g, A, &jfree)),
                      TVM_ERR_INVALID_ARGUMENT, "jfree");

    /* a reduction axis used outside its reduction */
    g = fresh(&f);
    n = c64(g, 4);
    i = tvm_iter_var(g, "i");
    tvm_expr kred = tvm_reduce_axis(g, "kred", n);
    A = tvm_placeholder(g, "A", TVM_FLOAT32, 2, (tvm_expr[]){n, n});
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cred", 1, &n, &i, tvm_load(g, A, (tvm_expr[]){i, kred})),
                      TVM_ERR_INVALID_ARGUMENT, "kred");

    /* rank over the limit and negative dims */
    g = fresh(&f);
    tvm_expr dims[TVM_MAX_NDIM + 1], its[TVM_MAX_NDIM + 1];
    for (int d = 0; d <= TVM_MAX_NDIM; d++) {
        dims[d] = c64(g, 1);
        its[d] = tvm_iter_var(g, "it");
    }
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cbig", TVM_MAX_NDIM + 1, dims, its,
                                     tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_SHAPE, "ndim", "33");
    g = fresh(&f);
    tvm_expr neg = c64(g, -2);
    i = tvm_iter_var(g, "i");
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cneg", 1, &neg, &i, tvm_const_float(g, TVM_FLOAT32, 1)),
                      TVM_ERR_SHAPE, "-2");

    /* a null body */
    g = fresh(&f);
    n = c64(g, 4);
    i = tvm_iter_var(g, "i");
    CHECK_BUILD_ERROR(g, tvm_compute(g, "Cbody", 1, &n, &i, (tvm_expr){0}),
                      TVM_ERR_INVALID_ARGUMENT, "body", "null");
    fixture_close(&f);
}

TEST(reduction_errors) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = c64(g, 4);
    CHECK_BUILD_ERROR(g, tvm_reduce_axis(g, "kf", tvm_const_float(g, TVM_FLOAT32, 4)),
                      TVM_ERR_SHAPE, "extent", "integer");
    g = fresh(&f);
    tvm_expr i = tvm_iter_var(g, "i");
    CHECK_BUILD_ERROR(g, tvm_reduce_axis(g, "ki", i), TVM_ERR_SHAPE, "extent", "size variables");

    g = fresh(&f);
    n = c64(g, 4);
    tvm_expr k = tvm_reduce_axis(g, "k", n);
    tvm_expr body = tvm_cast(g, TVM_FLOAT32, k);
    CHECK_BUILD_ERROR(g, tvm_reduce(g, TVM_REDUCE_SUM, body, 0, &k), TVM_ERR_INVALID_ARGUMENT,
                      "naxes");

    g = fresh(&f);
    n = c64(g, 4);
    k = tvm_reduce_axis(g, "k", n);
    body = tvm_cast(g, TVM_FLOAT32, k);
    CHECK_BUILD_ERROR(g, tvm_reduce(g, TVM_REDUCE_MAX, body, 2, (tvm_expr[]){k, k}),
                      TVM_ERR_INVALID_ARGUMENT, "k");

    g = fresh(&f);
    n = c64(g, 4);
    i = tvm_iter_var(g, "iax");
    body = tvm_cast(g, TVM_FLOAT32, i);
    CHECK_BUILD_ERROR(g, tvm_sum(g, body, 1, &i), TVM_ERR_INVALID_ARGUMENT, "axes[0]",
                      "not a reduction axis");

    g = fresh(&f);
    n = c64(g, 4);
    k = tvm_reduce_axis(g, "k", n);
    body = tvm_lt(g, k, n);
    CHECK_BUILD_ERROR(g, tvm_sum(g, body, 1, &k), TVM_ERR_DTYPE, "bool");

    g = fresh(&f);
    n = c64(g, 4);
    k = tvm_reduce_axis(g, "k", n);
    body = tvm_cast(g, TVM_FLOAT32, k);
    CHECK_BUILD_ERROR(g, tvm_reduce(g, (tvm_reduce_kind)9, body, 1, &k), TVM_ERR_INVALID_ARGUMENT,
                      "kind");

    g = fresh(&f);
    n = c64(g, 4);
    k = tvm_reduce_axis(g, "k", n);
    body = tvm_cast(g, TVM_FLOAT32, k);
    CHECK_BUILD_ERROR(g, tvm_sum(g, body, 1, NULL), TVM_ERR_INVALID_ARGUMENT, "axes");
    fixture_close(&f);
}

/* After the first error every builder call returns the null handle, the
 * graph keeps the first error, and tvm_compile returns it. */
TEST(errors_are_sticky) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr a = tvm_load(g, A, &i);
    tvm_expr one_i = tvm_const_int(g, TVM_INT32, 1);
    CHECK(a.id != 0 && one_i.id != 0);
    tvm_expr bad = tvm_add(g, a, one_i); /* float32 + int32 */
    CHECK_EQ_INT(bad.id, 0);
    CHECK_STATUS(tvm_graph_status(g), TVM_ERR_DTYPE);
    char first[1024];
    snprintf(first, sizeof first, "%s", tvm_last_error());
    /* later calls, valid on their own, do nothing */
    CHECK_EQ_INT(tvm_const_float(g, TVM_FLOAT32, 2).id, 0);
    CHECK_EQ_INT(tvm_mul(g, a, a).id, 0);
    CHECK_EQ_INT(tvm_iter_var(g, "j").id, 0);
    CHECK_EQ_INT(tvm_placeholder(g, "B", TVM_FLOAT32, 1, &n).id, 0);
    tvm_tensor C = tvm_compute(g, "C", 1, &n, &i, a);
    CHECK_EQ_INT(C.id, 0);
    /* a second, different error does not replace the first */
    CHECK_EQ_INT(tvm_exp(g, one_i).id, 0);
    CHECK_STATUS(tvm_graph_status(g), TVM_ERR_DTYPE);
    CHECK(strcmp(tvm_last_error(), first) == 0);
    CHECK_STR_CONTAINS(first, "float32");
    tvm_function *fn = (tvm_function *)(uintptr_t)0x1;
    CHECK_ERROR(tvm_compile(g, 1, &A, 1, &C, NULL, &fn), TVM_ERR_DTYPE, "float32");
    CHECK(fn == (tvm_function *)(uintptr_t)0x1);
    fixture_close(&f);
}

/* ========================================================================= */
/* Compile                                                                    */
/* ========================================================================= */

typedef struct simple {
    fixture f;
    tvm_tensor A, B, C;
} simple;

/* C = A + B over a symbolic n; B is named so messages can be checked. */
static bool simple_open(simple *s) {
    if (!fixture_open(&s->f)) return false;
    tvm_graph *g = s->f.g;
    tvm_expr n = tvm_size_var(g, "n");
    s->A = tvm_placeholder(g, "Ain", TVM_FLOAT32, 1, &n);
    s->B = tvm_placeholder(g, "Bin", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    s->C = tvm_compute(g, "Cout", 1, &n, &i,
                       tvm_add(g, tvm_load(g, s->A, &i), tvm_load(g, s->B, &i)));
    return tvm_graph_status(g) == TVM_OK;
}

TEST(compile_argument_errors) {
    simple s;
    CHECK_OR_RETURN(simple_open(&s));
    tvm_graph *g = s.f.g;
    tvm_tensor AB[2] = {s.A, s.B};
    tvm_function *fn = NULL;
    CHECK_ERROR(tvm_compile(NULL, 2, AB, 1, &s.C, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, NULL, NULL), TVM_ERR_INVALID_ARGUMENT, "out");
    CHECK_ERROR(tvm_compile(g, -1, AB, 1, &s.C, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "nin");
    CHECK_ERROR(tvm_compile(g, 2, AB, 0, &s.C, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "nout");
    CHECK_ERROR(tvm_compile(g, 2, NULL, 1, &s.C, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "inputs");
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, NULL, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "outputs");
    /* an input that is not a placeholder */
    CHECK_ERROR(tvm_compile(g, 3, (tvm_tensor[]){s.A, s.B, s.C}, 1, &s.C, NULL, &fn),
                TVM_ERR_INVALID_ARGUMENT, "Cout");
    /* an output that is a placeholder */
    CHECK_ERROR(tvm_compile(g, 1, &s.A, 1, &s.A, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "Ain");
    /* a placeholder reached from the outputs but not listed as an input */
    CHECK_ERROR(tvm_compile(g, 1, &s.A, 1, &s.C, NULL, &fn), TVM_ERR_INVALID_ARGUMENT, "Bin");
    /* the same input twice */
    CHECK_ERROR(tvm_compile(g, 3, (tvm_tensor[]){s.A, s.B, s.A}, 1, &s.C, NULL, &fn),
                TVM_ERR_INVALID_ARGUMENT, "Ain");
    /* bad tensor handles */
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, (tvm_tensor[]){{9999}}, NULL, &fn),
                TVM_ERR_INVALID_HANDLE, "outputs[0]", "not a tensor of this graph");
    CHECK(fn == NULL);
    fixture_close(&s.f);
}

TEST(compile_option_errors) {
    simple s;
    CHECK_OR_RETURN(simple_open(&s));
    tvm_graph *g = s.f.g;
    tvm_tensor AB[2] = {s.A, s.B};
    tvm_function *fn = NULL;
    tvm_compile_options o = tt_options("cuda", 0, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_UNSUPPORTED, "cuda");
    o = tt_options("llvm -bogus", 0, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_INVALID_ARGUMENT, "-bogus");
    /* a target name this build does not know is unsupported, like "cuda" */
    o = tt_options("notatarget", 0, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_UNSUPPORTED, "notatarget");
    o = tt_options("llvm -mcpu=notacpu", 0, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_INVALID_ARGUMENT, "notacpu");
    o = tt_options("llvm -mcpu", 0, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_INVALID_ARGUMENT, "-mcpu");
    o = tt_options(NULL, 9, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_INVALID_ARGUMENT, "opt_level");
    o = tt_options(NULL, -7, 0);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_INVALID_ARGUMENT, "opt_level");
    o = tt_options(NULL, 0, 0x100);
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_INVALID_ARGUMENT, "flags");
    o = tt_options(NULL, 0, 0);
    o.struct_size = sizeof o + 16;
    CHECK_ERROR(tvm_compile(g, 2, AB, 1, &s.C, &o, &fn), TVM_ERR_VERSION, "struct_size");
    CHECK(fn == NULL);
    /* the graph is still fine: these were option errors, not builder errors */
    CHECK_OK(tvm_graph_status(g));
    CHECK_OK(tvm_compile(g, 2, AB, 1, &s.C, NULL, &fn));
    tvm_function_release(fn);
    fixture_close(&s.f);
}

/* ========================================================================= */
/* Calls                                                                      */
/* ========================================================================= */

typedef struct call_fixture {
    simple s;
    tvm_function *fn;
    tt_tensor *a, *b, *c;
    DLTensor *args[3];
} call_fixture;

static bool call_open(call_fixture *cf, const char *target, int64_t n) {
    memset(cf, 0, sizeof *cf);
    if (!simple_open(&cf->s)) return false;
    tvm_compile_options o = tt_options(target, 0, 0);
    if (tvm_compile(cf->s.f.g, 2, (tvm_tensor[]){cf->s.A, cf->s.B}, 1, &cf->s.C, &o, &cf->fn) !=
        TVM_OK)
        return false;
    cf->a = tt_alloc(TVM_FLOAT32, 1, &n);
    cf->b = tt_alloc(TVM_FLOAT32, 1, &n);
    cf->c = tt_alloc(TVM_FLOAT32, 1, &n);
    tt_fill_random(cf->a, 1, -1, 1);
    tt_fill_random(cf->b, 2, -1, 1);
    cf->args[0] = &cf->a->dl;
    cf->args[1] = &cf->b->dl;
    cf->args[2] = &cf->c->dl;
    return true;
}

static void call_close(call_fixture *cf) {
    tvm_function_release(cf->fn);
    tt_free(cf->a);
    tt_free(cf->b);
    tt_free(cf->c);
    fixture_close(&cf->s.f);
}

/* Output untouched: validation happens before any kernel runs. */
static bool output_untouched(const tt_tensor *c) {
    const unsigned char *p = c->dl.data;
    for (size_t k = 0; k < c->nbytes; k++)
        if (p[k] != 0xab) return false;
    return true;
}

static void call_errors_on(const char *target) {
    call_fixture cf;
    CHECK_OR_RETURN(call_open(&cf, target, 8));
    tvm_function *fn = cf.fn;
    DLTensor **args = cf.args;
    CHECK_OK(tvm_function_call(fn, args, 3));
    tt_fill_bytes(cf.c, 0xab);

    CHECK_ERROR(tvm_function_call(NULL, args, 3), TVM_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_ERROR(tvm_function_call(fn, args, 2), TVM_ERR_INVALID_ARGUMENT, "nargs");
    CHECK_ERROR(tvm_function_call(fn, args, 4), TVM_ERR_INVALID_ARGUMENT, "nargs");
    CHECK_ERROR(tvm_function_call(fn, NULL, 3), TVM_ERR_INVALID_ARGUMENT, "args");
    CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){args[0], NULL, args[2]}, 3),
                TVM_ERR_INVALID_ARGUMENT, "Bin");

    DLTensor saved = cf.b->dl;
    cf.b->dl.data = NULL;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_INVALID_ARGUMENT, "Bin", "data");
    cf.b->dl = saved;

    cf.b->dl.device.device_type = kDLCUDA;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_DEVICE, "Bin");
    cf.b->dl = saved;

    cf.b->dl.dtype.code = kDLInt;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_DTYPE, "Bin", "float32");
    cf.b->dl = saved;

    cf.b->dl.dtype.bits = 64;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_DTYPE, "Bin", "float32");
    cf.b->dl = saved;

    cf.b->dl.dtype.lanes = 4;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_DTYPE, "Bin", "lanes");
    cf.b->dl = saved;

    cf.b->dl.ndim = 2; /* shape array has room; dim 1 is 0 */
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_SHAPE, "Bin");
    cf.b->dl = saved;

    int64_t other_n = 7;
    cf.b->dl.shape = &other_n;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_SHAPE, "n");
    cf.b->dl = saved;

    int64_t negative = -8;
    cf.a->dl.shape = &negative;
    cf.b->dl.shape = &negative;
    cf.c->dl.shape = &negative;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_SHAPE, "-8");
    cf.a->dl.shape = cf.a->shape;
    cf.b->dl.shape = cf.b->shape;
    cf.c->dl.shape = cf.c->shape;

    int64_t stride2 = 2;
    cf.b->dl.strides = &stride2;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_SHAPE, "Bin", "stride",
                "compact");
    cf.b->dl = saved;

    cf.b->dl.byte_offset = 2; /* float32 needs 4-byte alignment */
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_INVALID_ARGUMENT, "Bin", "align");
    cf.b->dl = saved;

    cf.b->dl.data = (char *)cf.b->dl.data + 1;
    CHECK_ERROR(tvm_function_call(fn, args, 3), TVM_ERR_INVALID_ARGUMENT, "Bin", "align");
    cf.b->dl = saved;

    /* the output aliases an input */
    CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){args[0], args[1], args[1]}, 3),
                TVM_ERR_INVALID_ARGUMENT, "overlap");
    /* the output overlaps an input partially (shifted by one element) */
    tt_tensor *big = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(9));
    DLTensor lo = big->dl, hi = big->dl;
    lo.shape = cf.a->shape;
    hi.shape = cf.a->shape;
    hi.byte_offset = 4;
    CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){&lo, args[1], &hi}, 3),
                TVM_ERR_INVALID_ARGUMENT, "overlap");
    tt_free(big);
    CHECK(output_untouched(cf.c));
    CHECK_OK(tvm_function_call(fn, args, 3)); /* still usable */
    call_close(&cf);
}

TEST(call_errors_llvm) { call_errors_on("llvm"); }
TEST(call_errors_interp) { call_errors_on("interp"); }

/* Layouts the header allows are accepted. */
TEST(call_accepts_allowed_layouts) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_INT32, 2, (tvm_expr[]){m, n});
    tvm_tensor P = tvm_placeholder(g, "P", TVM_BOOL, 2, (tvm_expr[]){m, n});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_expr ij[2] = {i, j};
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){m, n}, ij,
                               tvm_select(g, tvm_load(g, P, ij), tvm_load(g, A, ij),
                                          tvm_const_int(g, TVM_INT32, -1)));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 2, (tvm_tensor[]){A, P}, 1, &C, NULL, &fn));
    tt_tensor *a = tt_alloc(TVM_INT32, 2, TT_SHAPE(1, 5));
    tt_tensor *p = tt_alloc(TVM_BOOL, 2, TT_SHAPE(1, 5));
    tt_tensor *c = tt_alloc(TVM_INT32, 2, TT_SHAPE(1, 5));
    for (int k = 0; k < 5; k++) {
        tt_seti(a, k, 10 * k);
        tt_seti(p, k, k & 1);
    }
    /* explicit compact strides; a dim of extent 1 may have any stride */
    int64_t sa[2] = {12345, 1}, sc[2] = {5, 1};
    a->dl.strides = sa;
    c->dl.strides = sc;
    /* bool as DLPack {kDLBool = 6, 8, 1} */
    p->dl.dtype.code = 6;
    DLTensor *args[3] = {&a->dl, &p->dl, &c->dl};
    CHECK_OK(tvm_function_call(fn, args, 3));
    for (int k = 0; k < 5; k++) CHECK_EQ_INT(tt_geti(c, k), (k & 1) ? 10 * k : -1);
    /* no elements: NULL data is allowed */
    int64_t empty[2] = {0, 5};
    DLTensor ea = a->dl, ep = p->dl, ec = c->dl;
    ea.shape = ep.shape = ec.shape = empty;
    ea.strides = ec.strides = NULL;
    ea.data = ep.data = ec.data = NULL;
    CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&ea, &ep, &ec}, 3));
    tvm_function_release(fn);
    tt_free(a);
    tt_free(p);
    tt_free(c);
    fixture_close(&f);
}

/* B[i] = A[i + 1] with A and B of the same length reads A[n]: rejected
 * before the kernel runs, naming tensor A and dimension 0. */
TEST(exact_out_of_range_read_is_rejected) {
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        fixture f;
        CHECK_OR_RETURN(fixture_open(&f));
        tvm_graph *g = f.g;
        tvm_expr n = tvm_size_var(g, "n");
        tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
        tvm_expr i = tvm_iter_var(g, "i");
        tvm_tensor B = tvm_compute(g, "B", 1, &n, &i,
                                   tvm_load(g, A, (tvm_expr[]){tvm_add(g, i, c64(g, 1))}));
        tvm_function *fn = NULL;
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        CHECK_OK(tvm_compile(g, 1, &A, 1, &B, &o, &fn));
        if (fn) {
            tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(16));
            tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(16));
            tt_fill_bytes(b, 0xab);
            CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl}, 2),
                        TVM_ERR_OUT_OF_BOUNDS, "A", "0", "dim");
            CHECK(output_untouched(b));
            tt_free(a);
            tt_free(b);
        }
        tvm_function_release(fn);

        /* the same read over a 2-d tensor names dimension 1 */
        tvm_graph *g2 = tvm_graph_create(f.ctx);
        tvm_expr r = c64(g2, 3), c = tvm_size_var(g2, "c");
        tvm_tensor M = tvm_placeholder(g2, "M", TVM_INT8, 2, (tvm_expr[]){r, c});
        tvm_expr x = tvm_iter_var(g2, "x"), y = tvm_iter_var(g2, "y");
        tvm_tensor N = tvm_compute(g2, "N", 2, (tvm_expr[]){r, c}, (tvm_expr[]){x, y},
                                   tvm_load(g2, M, (tvm_expr[]){x, tvm_add(g2, y, c64(g2, 2))}));
        fn = NULL;
        CHECK_OK(tvm_compile(g2, 1, &M, 1, &N, &o, &fn));
        if (fn) {
            tt_tensor *m = tt_alloc(TVM_INT8, 2, TT_SHAPE(3, 4));
            tt_tensor *nn = tt_alloc(TVM_INT8, 2, TT_SHAPE(3, 4));
            CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){&m->dl, &nn->dl}, 2),
                        TVM_ERR_OUT_OF_BOUNDS, "M", "1", "dim");
            tt_free(m);
            tt_free(nn);
        }
        tvm_function_release(fn);
        tvm_graph_destroy(g2);
        fixture_close(&f);
    }
}

/* Two outputs that overlap each other; a second output with a bad shape
 * stops the call before the first output is written. */
TEST(output_checks_happen_before_any_kernel) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT64, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor X = tvm_compute(g, "X", 1, &n, &i, tvm_neg(g, tvm_load(g, A, &i)));
    tvm_tensor Y = tvm_compute(g, "Yout", 1, &n, &i, tvm_abs(g, tvm_load(g, A, &i)));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &A, 2, (tvm_tensor[]){X, Y}, NULL, &fn));
    tt_tensor *a = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(6));
    tt_tensor *x = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(6));
    tt_tensor *y = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(5));
    tt_fill_bytes(x, 0xab);
    CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){&a->dl, &x->dl, &y->dl}, 3), TVM_ERR_SHAPE,
                "Yout");
    CHECK(output_untouched(x));
    CHECK_ERROR(tvm_function_call(fn, (DLTensor *[]){&a->dl, &x->dl, &x->dl}, 3),
                TVM_ERR_INVALID_ARGUMENT, "overlap");
    CHECK(output_untouched(x));
    tvm_function_release(fn);
    tt_free(a);
    tt_free(x);
    tt_free(y);
    fixture_close(&f);
}

/* ========================================================================= */
/* Function queries                                                           */
/* ========================================================================= */

TEST(function_query_errors) {
    call_fixture cf;
    CHECK_OR_RETURN(call_open(&cf, "llvm", 4));
    tvm_function *fn = cf.fn;
    int64_t shape[TVM_MAX_NDIM];
    int nd = 0;
    DLTensor *ins[2] = {cf.args[0], cf.args[1]};
    CHECK_ERROR(tvm_function_output_shape(NULL, ins, 0, shape, &nd), TVM_ERR_INVALID_ARGUMENT,
                "NULL");
    CHECK_ERROR(tvm_function_output_shape(fn, ins, 1, shape, &nd), TVM_ERR_INVALID_ARGUMENT,
                "out_index");
    CHECK_ERROR(tvm_function_output_shape(fn, ins, -1, shape, &nd), TVM_ERR_INVALID_ARGUMENT,
                "out_index");
    CHECK_ERROR(tvm_function_output_shape(fn, ins, 0, NULL, &nd), TVM_ERR_INVALID_ARGUMENT,
                "shape");
    CHECK_ERROR(tvm_function_output_shape(fn, NULL, 0, shape, &nd), TVM_ERR_INVALID_ARGUMENT,
                "inputs");
    char *text = NULL;
    CHECK_ERROR(tvm_function_source(fn, "bogus", &text), TVM_ERR_INVALID_ARGUMENT, "bogus");
    CHECK_ERROR(tvm_function_source(fn, NULL, &text), TVM_ERR_INVALID_ARGUMENT, "kind");
    CHECK_ERROR(tvm_function_source(fn, "llvm", NULL), TVM_ERR_INVALID_ARGUMENT, "text");
    CHECK_ERROR(tvm_function_source(NULL, "llvm", &text), TVM_ERR_INVALID_ARGUMENT, "NULL");
    CHECK(text == NULL);
    tvm_dtype dt;
    CHECK_ERROR(tvm_function_arg_info(fn, 3, &dt, &nd), TVM_ERR_INVALID_ARGUMENT, "index");
    CHECK_ERROR(tvm_function_arg_info(fn, -1, &dt, &nd), TVM_ERR_INVALID_ARGUMENT, "index");
    CHECK_ERROR(tvm_function_arg_info(NULL, 0, &dt, &nd), TVM_ERR_INVALID_ARGUMENT, "NULL");
    int nin;
    CHECK_ERROR(tvm_function_num_args(NULL, &nin, NULL), TVM_ERR_INVALID_ARGUMENT, "NULL");
    CHECK_ERROR(tvm_function_retain(NULL), TVM_ERR_INVALID_ARGUMENT, "NULL");
    call_close(&cf);
}

/* A size variable that appears only in an output shape cannot be known from
 * the inputs alone. */
TEST(output_shape_undetermined_by_inputs) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(g, "n"), rows = tvm_size_var(g, "rows");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_tensor C = tvm_compute(g, "C", 2, (tvm_expr[]){rows, n}, (tvm_expr[]){j, i},
                               tvm_load(g, A, &i));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &A, 1, &C, NULL, &fn));
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4));
    int64_t shape[TVM_MAX_NDIM];
    int nd = 0;
    CHECK_ERROR(tvm_function_output_shape(fn, (DLTensor *[]){&a->dl}, 0, shape, &nd),
                TVM_ERR_SHAPE, "C", "size variable");
    tvm_function_release(fn);
    tt_free(a);
    fixture_close(&f);
}

/* An output whose shape works out negative for the given inputs (n - 5 with
 * n = 3) is a shape error, not a huge allocation. */
TEST(output_shape_negative_for_inputs) {
    fixture f;
    CHECK_OR_RETURN(fixture_open(&f));
    tvm_graph *g = f.g;
    tvm_expr n = tvm_size_var(f.g, "n");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr m = tvm_sub(g, n, tvm_const_int(g, TVM_INT64, 5));
    tvm_tensor B = tvm_compute(g, "B", 1, &m, &i,
                               tvm_load(g, A, (tvm_expr[]){tvm_add(g, i, tvm_const_int(g, TVM_INT64, 5))}));
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &A, 1, &B, NULL, &fn));
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
    int64_t shape[TVM_MAX_NDIM];
    int nd = 0;
    CHECK_ERROR(tvm_function_output_shape(fn, (DLTensor *[]){&a->dl}, 0, shape, &nd),
                TVM_ERR_SHAPE, "B", "-2");
    tt_tensor *a8 = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(8));
    CHECK_OK(tvm_function_output_shape(fn, (DLTensor *[]){&a8->dl}, 0, shape, &nd));
    CHECK_EQ_INT(shape[0], 3);
    tt_free(a);
    tt_free(a8);
    tvm_function_release(fn);
    fixture_close(&f);
}

CHECK_MAIN()
