/* test_release_constants — TVM_COMPILE_RELEASE_CONSTANTS: a constant read
 * only through folded computes loses its bytes during the compile (the
 * graph's data pointer is gone), one the kernels read keeps them, results
 * stay those of the hand-computed reference, and a later compile that needs
 * a released constant fails with a message naming it. Reads the graph's
 * internals (lib/ir/graph.h) to see the data pointer itself. */
#include "check.h"

#include "ir/graph.h"

enum { R = 4, C = 5 };

static tvm_context *ctx;
static float w[C][R], c[R][C], x[R][C];

static DLTensor dl2(float *data, int64_t *shape) {
    DLTensor t = {.data = data, .device = {kDLCPU, 0}, .ndim = 2,
                  .dtype = {kDLFloat, 32, 1}, .shape = shape};
    return t;
}

static void drop_context(void) { tvm_context_destroy(ctx); }

/* The data and the context the tests share, made by the first build(). */
static void init(void) {
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            w[j][i] = (float)(i * 7 + j * 3 % 5) * 0.25f - 1.0f;
            c[i][j] = (float)((i + 2 * j) % 7) - 3.0f;
            x[i][j] = (float)(i - j) * 0.5f;
        }
    if (tvm_context_create(NULL, &ctx) == TVM_OK) atexit(drop_context);
}

/* The graph: X [R, C] placeholder, W [C, R] constant read only through its
 * transpose (folded), K [R, C] constant read directly by the kernel. */
typedef struct model { tvm_graph *g; tvm_tensor X, W, K, WT, out; } model;

static model build(void) {
    if (!ctx) init();
    model m = {.g = tvm_graph_create(ctx)};
    int64_t xs[2] = {R, C}, ws[2] = {C, R};
    tvm_expr xd[2] = {tvm_const_int(m.g, TVM_INT64, R), tvm_const_int(m.g, TVM_INT64, C)};
    m.X = tvm_placeholder(m.g, "X", TVM_FLOAT32, 2, xd);
    m.W = tvm_constant(m.g, "W", TVM_FLOAT32, 2, ws, w);
    m.K = tvm_constant(m.g, "K", TVM_FLOAT32, 2, xs, c);
    m.WT = tvm_op_transpose(m.g, m.W, (const int[]){1, 0});
    m.out = tvm_op_binary(m.g, TVM_OP_ADD, tvm_op_binary(m.g, TVM_OP_ADD, m.X, m.WT), m.K);
    return m;
}

/* The graph's node of constant t; a stub with data when the graph failed
 * (the compile's status check reports that). */
static const gt_node *node(const model *m, tvm_tensor t) {
    static const_buf none = {.data = &none};
    static gt_node bad = {.cbuf = &none};
    uint32_t idx = graph_tensor_index(m->g, t);
    return idx && m->g->tensors[idx].cbuf ? &m->g->tensors[idx] : &bad;
}

static tvm_status compile(model *m, tvm_tensor out, uint32_t flags, tvm_function **fn) {
    tvm_compile_options o = {.struct_size = sizeof o, .flags = flags};
    return tvm_compile(m->g, 1, &m->X, 1, &out, &o, fn);
}

/* Calls fn (X -> [R, C]) and compares with x + w^T + k_scale * c. */
static void check_result(tvm_function *fn, float wt_scale, float k_scale) {
    float out[R][C];
    int64_t shape[2] = {R, C};
    DLTensor a = dl2(&x[0][0], shape), b = dl2(&out[0][0], shape);
    DLTensor *args[2] = {&a, &b};
    CHECK_OK_OR_RETURN(tvm_function_call(fn, args, 2));
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++)
            CHECK_NEAR(out[i][j], x[i][j] + wt_scale * w[j][i] + k_scale * c[i][j], 1e-6);
}

TEST(folded_constant_is_released_read_one_is_kept) {
    model m = build();
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(compile(&m, m.out, TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE,
                               &fn));
    CHECK(node(&m, m.W)->cbuf->data == NULL); /* only its transpose was read */
    CHECK(node(&m, m.W)->data == NULL);
    CHECK(node(&m, m.K)->cbuf->data != NULL); /* a kernel argument */
    tvm_graph_destroy(m.g);
    check_result(fn, 1, 1);
    tvm_function_release(fn);
}

TEST(without_the_flag_nothing_is_released) {
    model m = build();
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(compile(&m, m.out, TVM_COMPILE_NO_CACHE, &fn));
    CHECK(node(&m, m.W)->cbuf->data != NULL);
    CHECK(node(&m, m.K)->cbuf->data != NULL);
    check_result(fn, 1, 1);
    tvm_function_release(fn);
    tvm_graph_destroy(m.g);
}

TEST(reuse_after_release_is_an_error_naming_the_constant) {
    model m = build();
    tvm_function *fn = NULL, *again = NULL, *direct = NULL;
    CHECK_OK_OR_RETURN(compile(&m, m.out, TVM_COMPILE_RELEASE_CONSTANTS, &fn));
    /* the identical computation is the cached function */
    CHECK_OK(compile(&m, m.out, 0, &again));
    CHECK(again == fn);
    /* W^T read by the kernel itself (no fold: an output) needs W's bytes */
    tvm_tensor wt2 = tvm_op_binary(m.g, TVM_OP_ADD, m.X, m.WT);
    CHECK_ERROR(compile(&m, wt2, 0, &direct), TVM_ERR_INVALID_ARGUMENT, "W", "released",
                "TVM_COMPILE_RELEASE_CONSTANTS");
    CHECK(direct == NULL);
    /* so does a graph output computed from W alone with the flag again */
    CHECK_ERROR(compile(&m, wt2, TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE, &direct),
                TVM_ERR_INVALID_ARGUMENT, "W");
    /* a computation that does not need W still compiles */
    tvm_tensor xk = tvm_op_binary(m.g, TVM_OP_ADD, m.X, m.K);
    CHECK_OK(compile(&m, xk, 0, &direct));
    tvm_function_release(direct);
    tvm_function_release(again);
    tvm_function_release(fn);
    tvm_graph_destroy(m.g);
}

TEST(earlier_function_keeps_its_reference) {
    model m = build();
    tvm_function *reads_w = NULL, *fn = NULL;
    /* a copy of W: its kernel reads W itself, so the function shares W's
     * bytes with the graph */
    tvm_tensor copy = tvm_op_unary(m.g, TVM_OP_IDENTITY, m.W);
    tvm_compile_options o = {.struct_size = sizeof o, .flags = TVM_COMPILE_NO_CACHE};
    CHECK_OK_OR_RETURN(tvm_compile(m.g, 0, NULL, 1, &copy, &o, &reads_w));
    CHECK_OK_OR_RETURN(compile(&m, m.out, TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE,
                               &fn));
    CHECK(node(&m, m.W)->cbuf->data == NULL);
    tvm_graph_destroy(m.g);
    float got[C][R];
    int64_t shape[2] = {C, R};
    DLTensor t = dl2(&got[0][0], shape);
    DLTensor *args[1] = {&t};
    if (CHECK_OK(tvm_function_call(reads_w, args, 1)))
        for (int i = 0; i < C; i++)
            for (int j = 0; j < R; j++) CHECK(got[i][j] == w[i][j]);
    check_result(fn, 1, 1);
    tvm_function_release(reads_w);
    tvm_function_release(fn);
}

TEST(interp_target_releases_too) {
    model m = build();
    tvm_function *fn = NULL;
    tvm_compile_options o = {.struct_size = sizeof o, .target = "interp",
                             .flags = TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE};
    CHECK_OK_OR_RETURN(tvm_compile(m.g, 1, &m.X, 1, &m.out, &o, &fn));
    CHECK(node(&m, m.W)->cbuf->data == NULL);
    tvm_graph_destroy(m.g);
    check_result(fn, 1, 1);
    tvm_function_release(fn);
}

/* A compile that fails after its folds ran (here: the kernel reads X one
 * column past its end, which the kernel's bounds check finds) reports its
 * own error. The weights its folds released stay released (tvmc.h: the
 * memory is gone by then), so the graph still compiles what does not need
 * them and names W for what does. */
TEST(failed_compile_reports_its_error_and_keeps_the_graph_usable) {
    model m = build();
    tvm_expr i = tvm_iter_var(m.g, "i"), j = tvm_iter_var(m.g, "j");
    tvm_expr dims[2] = {tvm_const_int(m.g, TVM_INT64, R), tvm_const_int(m.g, TVM_INT64, C)};
    tvm_expr past = tvm_add(m.g, j, tvm_const_int(m.g, TVM_INT64, 1));
    tvm_expr body = tvm_add(m.g, tvm_load(m.g, m.X, (tvm_expr[]){i, past}),
                            tvm_load(m.g, m.WT, (tvm_expr[]){i, j}));
    tvm_tensor bad = tvm_compute(m.g, "bad", 2, dims, (tvm_expr[]){i, j}, body);
    tvm_function *fn = NULL;
    CHECK_ERROR(compile(&m, bad, TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE, &fn),
                TVM_ERR_OUT_OF_BOUNDS, "X");
    CHECK(fn == NULL);
    CHECK(node(&m, m.W)->cbuf->data == NULL);
    CHECK(node(&m, m.K)->cbuf->data != NULL);
    CHECK_ERROR(compile(&m, m.out, TVM_COMPILE_NO_CACHE, &fn), TVM_ERR_INVALID_ARGUMENT, "W",
                "released");
    tvm_tensor xk = tvm_op_binary(m.g, TVM_OP_ADD, m.X, m.K);
    CHECK_OK_OR_RETURN(compile(&m, xk, TVM_COMPILE_NO_CACHE, &fn));
    float out[R][C];
    int64_t shape[2] = {R, C};
    DLTensor a = dl2(&x[0][0], shape), b = dl2(&out[0][0], shape);
    if (CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a, &b}, 2)))
        for (int r = 0; r < R; r++)
            for (int q = 0; q < C; q++) CHECK(out[r][q] == x[r][q] + c[r][q]);
    tvm_function_release(fn);
    tvm_graph_destroy(m.g);
}

/* W read only inside a fold that evaluates a chain of constant computes
 * (W^T + W^T: W^T itself is evaluated inside that fold, not folded on
 * its own) is released too. */
TEST(constant_read_through_a_chain_of_folds_is_released) {
    model m = build();
    tvm_tensor wt2 = tvm_op_binary(m.g, TVM_OP_ADD, m.WT, m.WT);
    tvm_tensor out = tvm_op_binary(m.g, TVM_OP_ADD, tvm_op_binary(m.g, TVM_OP_ADD, m.X, wt2), m.K);
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(compile(&m, out, TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE,
                               &fn));
    CHECK(node(&m, m.W)->cbuf->data == NULL);
    CHECK(node(&m, m.K)->cbuf->data != NULL);
    tvm_graph_destroy(m.g);
    check_result(fn, 2, 1);
    tvm_function_release(fn);
}

/* A constant compute that is an output is computed by the kernel, which
 * reads W: W keeps its bytes, whatever else folds from it. */
TEST(constant_a_kernel_reads_is_kept) {
    model m = build();
    tvm_tensor outs[2] = {m.out, m.WT};
    tvm_compile_options o = {.struct_size = sizeof o,
                             .flags = TVM_COMPILE_RELEASE_CONSTANTS | TVM_COMPILE_NO_CACHE};
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(m.g, 1, &m.X, 2, outs, &o, &fn));
    CHECK(node(&m, m.W)->cbuf->data != NULL);
    tvm_graph_destroy(m.g);
    float y[R][C], wt[R][C];
    int64_t shape[2] = {R, C};
    DLTensor a = dl2(&x[0][0], shape), b = dl2(&y[0][0], shape), c2 = dl2(&wt[0][0], shape);
    if (CHECK_OK(tvm_function_call(fn, (DLTensor *[]){&a, &b, &c2}, 3)))
        for (int i = 0; i < R; i++)
            for (int j = 0; j < C; j++) {
                CHECK(wt[i][j] == w[j][i]);
                CHECK_NEAR(y[i][j], x[i][j] + w[j][i] + c[i][j], 1e-6);
            }
    tvm_function_release(fn);
}

TEST(unknown_flags_still_rejected) {
    model m = build();
    tvm_function *fn = NULL;
    CHECK_ERROR(compile(&m, m.out, 0x80000000u, &fn), TVM_ERR_INVALID_ARGUMENT, "flags");
    CHECK(node(&m, m.W)->cbuf->data != NULL);
    tvm_graph_destroy(m.g);
}

CHECK_MAIN()
