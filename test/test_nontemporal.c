/* test_nontemporal.c — outputs stored with non-temporal stores (the llvm
 * backend's loop split into an unaligned head, an aligned non-temporal
 * middle and a tail) give the same bits as the interpreter and as ordinary
 * stores, whatever the length, the element size, the output's alignment and
 * the thread count. TVMC_NONTEMPORAL=1 applies them to outputs of any size
 * so that small tensors exercise every part of the split; every compile
 * uses TVM_COMPILE_NO_CACHE since the variable is read when compiling. */
#include <stdlib.h>

#include "check.h"
#include "tensor_util.h"

static tvm_expr c64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

/* y = cast(dt, max(a * b + c, 0)) over n float32 inputs. */
static tvm_function *compile_fused(tvm_context *ctx, const char *target, int64_t n, tvm_dtype dt) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d = c64(g, n), i = tvm_iter_var(g, "i");
    tvm_tensor in[3];
    tvm_expr v[3];
    const char *names[3] = {"a", "b", "c"};
    for (int k = 0; k < 3; k++) {
        in[k] = tvm_placeholder(g, names[k], TVM_FLOAT32, 1, &d);
        v[k] = tvm_load(g, in[k], &i);
    }
    tvm_expr body = tvm_max(g, tvm_add(g, tvm_mul(g, v[0], v[1]), v[2]),
                            tvm_const_float(g, TVM_FLOAT32, 0.0));
    if (dt != TVM_FLOAT32) body = tvm_cast(g, dt, body);
    tvm_tensor y = tvm_compute(g, "y", 1, &d, &i, body);
    tvm_compile_options o = tt_options(target, 0, TVM_COMPILE_NO_CACHE);
    tvm_function *fn = NULL;
    tvm_status st = tvm_compile(g, 3, in, 1, &y, &o, &fn);
    tvm_graph_destroy(g);
    return st == TVM_OK ? fn : NULL;
}

static bool source_has(tvm_function *fn, const char *needle) {
    char *text = NULL;
    if (tvm_function_source(fn, "llvm", &text) != TVM_OK) return false;
    bool has = strstr(text, needle) != NULL;
    tvm_free(text);
    return has;
}

TEST(nontemporal_stores_are_used_when_asked) {
    tvm_context *ctx = tt_context();
    CHECK_OR_RETURN(ctx);
    setenv("TVMC_NONTEMPORAL", "1", 1);
    tvm_function *fn = compile_fused(ctx, "llvm", 100003, TVM_FLOAT32);
    CHECK(fn && source_has(fn, "!nontemporal") && source_has(fn, "sfence"));
    tvm_function_release(fn);
    setenv("TVMC_NONTEMPORAL", "0", 1);
    fn = compile_fused(ctx, "llvm", 100003, TVM_FLOAT32);
    CHECK(fn && !source_has(fn, "!nontemporal"));
    tvm_function_release(fn);
    unsetenv("TVMC_NONTEMPORAL");
    tvm_context_destroy(ctx);
}

/* Calls fn on inputs ins and an output of n elements of dt that starts
 * `shift` bytes into its allocation (a multiple of the element size), and
 * returns the output (caller frees). */
static tt_tensor *call_shifted(tvm_function *fn, tt_tensor *const *ins, int64_t n, tvm_dtype dt,
                               int64_t shift) {
    int64_t es = (int64_t)tt_elem_size(dt);
    int64_t extra = 64 / es;
    tt_tensor *buf = tt_alloc(dt, 1, TT_SHAPE(n + extra));
    if (!buf) return NULL;
    int64_t shape[1] = {n};
    DLTensor out = buf->dl;
    out.shape = shape;
    out.byte_offset = (uint64_t)shift;
    DLTensor *args[4] = {&ins[0]->dl, &ins[1]->dl, &ins[2]->dl, &out};
    if (tvm_function_call(fn, args, 4) != TVM_OK) {
        tt_free(buf);
        return NULL;
    }
    tt_tensor *res = tt_alloc(dt, 1, TT_SHAPE(n));
    memcpy(res->dl.data, (char *)buf->dl.data + shift, (size_t)(n * es));
    tt_free(buf);
    return res;
}

static void equal_to_interp(tvm_dtype dt, const int64_t *sizes, int nsizes) {
    setenv("TVMC_NONTEMPORAL", "1", 1);
    tvm_context_options one = {.struct_size = sizeof one, .num_threads = 1};
    tvm_context_options two = {.struct_size = sizeof two, .num_threads = 2};
    tvm_context *ctx[2] = {NULL, NULL};
    CHECK_OK(tvm_context_create(&one, &ctx[0]));
    CHECK_OK(tvm_context_create(&two, &ctx[1]));
    int64_t es = (int64_t)tt_elem_size(dt);
    for (int s = 0; s < nsizes && ctx[0] && ctx[1]; s++) {
        int64_t n = sizes[s];
        tt_tensor *ins[3];
        for (int k = 0; k < 3; k++) {
            ins[k] = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(n));
            tt_fill_random(ins[k], (uint64_t)(7 * s + k), -3, 3);
        }
        tvm_function *ref_fn = compile_fused(ctx[0], "interp", n, dt);
        CHECK(ref_fn);
        tt_tensor *want = ref_fn ? call_shifted(ref_fn, ins, n, dt, 0) : NULL;
        CHECK(want);
        for (int c = 0; c < 2 && want; c++) {
            tvm_function *fn = compile_fused(ctx[c], "llvm", n, dt);
            CHECK(fn);
            for (int64_t shift = 0; shift < 64 && fn; shift += es * (es < 4 ? 7 : 3)) {
                tt_tensor *got = call_shifted(fn, ins, n, dt, shift);
                CHECK(got);
                if (!got) continue;
                int64_t k = tt_first_bit_diff(got, want);
                if (k >= 0) {
                    check_fail(__FILE__, __LINE__, "%s n=%lld shift=%lld threads=%d: %s",
                               tt_dtype_name(dt), (long long)n, (long long)shift, c + 1,
                               tt_describe_diff(got, want, k));
                    shift = 64;
                }
                tt_free(got);
            }
            tvm_function_release(fn);
        }
        tt_free(want);
        tvm_function_release(ref_fn);
        for (int k = 0; k < 3; k++) tt_free(ins[k]);
    }
    tvm_context_destroy(ctx[0]);
    tvm_context_destroy(ctx[1]);
    unsetenv("TVMC_NONTEMPORAL");
}

static const int64_t sizes[] = {1, 15, 16, 17, 63, 64, 65, 127, 300, 1000, 4099, 100003, 1 << 20};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

TEST(nontemporal_float32_equals_interp) { equal_to_interp(TVM_FLOAT32, sizes, NSIZES); }
TEST(nontemporal_float64_equals_interp) { equal_to_interp(TVM_FLOAT64, sizes, NSIZES - 1); }
TEST(nontemporal_float16_equals_interp) { equal_to_interp(TVM_FLOAT16, sizes, NSIZES - 1); }
TEST(nontemporal_int8_equals_interp) { equal_to_interp(TVM_INT8, sizes, NSIZES - 1); }

/* Row kernels store each row in an inner loop at row * cols + j: the split
 * happens per row, and rows start at every alignment when cols is odd.
 * (Rows under 1 KiB are not split.)
 * Their sums are reassociated, so a compile with ordinary stores may add
 * in another order (close, not equal); one compiled function must give the
 * same bits wherever its output lies and at any thread count. */
static void build_rows(tvm_graph *g, int op, int64_t rows, int64_t cols, tvm_tensor *x,
                       tvm_tensor *y, float *zeros) {
    tvm_expr sh[2] = {c64(g, rows), c64(g, cols)};
    *x = tvm_placeholder(g, "x", TVM_FLOAT32, 2, sh);
    if (op == 0) {
        *y = tvm_op_softmax(g, *x, 1);
    } else {
        tvm_tensor ga = tvm_constant(g, "gamma", TVM_FLOAT32, 1, (int64_t[]){cols}, zeros);
        *y = tvm_op_layer_norm(g, *x, ga, ga, 1, 1e-5);
    }
}

static tvm_function *compile_rows(tvm_context *ctx, int op, int64_t rows, int64_t cols,
                                  const char *nt) {
    setenv("TVMC_NONTEMPORAL", nt, 1);
    float *zeros = calloc((size_t)cols, sizeof(float));
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_tensor x, y;
    build_rows(g, op, rows, cols, &x, &y, zeros);
    tvm_compile_options o = tt_options("llvm", 0, TVM_COMPILE_NO_CACHE);
    tvm_function *fn = NULL;
    tvm_status st = tvm_compile(g, 1, &x, 1, &y, &o, &fn);
    tvm_graph_destroy(g);
    free(zeros);
    unsetenv("TVMC_NONTEMPORAL");
    return st == TVM_OK ? fn : NULL;
}

/* Output of fn on x, written `shift` bytes into its allocation. */
static tt_tensor *call_rows(tvm_function *fn, tt_tensor *x, int64_t rows, int64_t cols,
                            int64_t shift) {
    tt_tensor *buf = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(rows * cols + 16));
    int64_t shape[2] = {rows, cols};
    DLTensor out = buf->dl;
    out.ndim = 2;
    out.shape = shape;
    out.byte_offset = (uint64_t)shift;
    tt_tensor *res = NULL;
    if (tvm_function_call(fn, (DLTensor *[]){&x->dl, &out}, 2) == TVM_OK) {
        res = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(rows, cols));
        memcpy(res->dl.data, (char *)buf->dl.data + shift, (size_t)(rows * cols) * 4);
    }
    tt_free(buf);
    return res;
}

TEST(nontemporal_row_kernels_are_deterministic) {
    tvm_context_options two = {.struct_size = sizeof two, .num_threads = 2};
    tvm_context *ctx1 = tt_context(), *ctx2 = NULL;
    CHECK_OK(tvm_context_create(&two, &ctx2));
    CHECK_OR_RETURN(ctx1 && ctx2);
    static const int64_t shapes[][2] = {{3, 5}, {17, 33}, {64, 1024}, {37, 301}, {129, 768}};
    for (int op = 0; op < 2; op++)
        for (int s = 0; s < 5; s++) {
            int64_t rows = shapes[s][0], cols = shapes[s][1];
            tt_tensor *x = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(rows, cols));
            tt_fill_random(x, 40 + s, -4, 4);
            tvm_function *plain = compile_rows(ctx1, op, rows, cols, "0");
            tvm_function *nt[2] = {compile_rows(ctx1, op, rows, cols, "1"),
                                   compile_rows(ctx2, op, rows, cols, "1")};
            CHECK(plain && nt[0] && nt[1]);
            if (!plain || !nt[0] || !nt[1]) goto next;
            if (cols >= 256) CHECK(source_has(nt[0], "!nontemporal"));
            tt_tensor *want = call_rows(plain, x, rows, cols, 0);
            tt_tensor *first = call_rows(nt[0], x, rows, cols, 0);
            CHECK(want && first);
            if (!want || !first) goto next;
            CHECK(tt_max_rel_diff(first, want, 1e-30) < 1e-5);
            for (int c = 0; c < 2; c++)
                for (int64_t shift = 0; shift < 64; shift += 12) {
                    tt_tensor *got = call_rows(nt[c], x, rows, cols, shift);
                    int64_t k = got ? tt_first_bit_diff(got, first) : 0;
                    if (k >= 0)
                        check_fail(__FILE__, __LINE__, "op %d [%lld, %lld] shift %lld, %d "
                                   "threads: %s", op, (long long)rows, (long long)cols,
                                   (long long)shift, c + 1,
                                   got ? tt_describe_diff(got, first, k) : "call failed");
                    tt_free(got);
                }
            tt_free(want);
            tt_free(first);
        next:
            tvm_function_release(plain);
            tvm_function_release(nt[0]);
            tvm_function_release(nt[1]);
            tt_free(x);
        }
    tvm_context_destroy(ctx1);
    tvm_context_destroy(ctx2);
}

CHECK_MAIN()
