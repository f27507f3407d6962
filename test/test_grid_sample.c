/* test_grid_sample.c — tvm_op_grid_sample against values worked out by hand
 * on a 2x2 image [[1, 2], [3, 4]] (every mode, padding and align_corners,
 * points inside, between and outside the pixels, NaN and infinite grid
 * values), on the llvm and interp targets, and its build-time errors. The
 * numpy reference over random data is test/onnx/make_op_cases.py. */
#include <math.h>

#include "check.h"
#include "tensor_util.h"

static tvm_context *ctx;

static const double IMAGE[4] = {1, 2, 3, 4};

/* Samples the 2x2 image (N = C = 1) at the npts points (x, y) of grid
 * (a 1 x npts grid) and checks the results against want (within 1e-6). */
static void sample(const char *what, tvm_grid_sample_mode mode, tvm_grid_sample_padding pad,
                   int align, int npts, const double *grid, const double *want) {
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        tvm_graph *g = tvm_graph_create(ctx);
        tvm_expr one = tvm_const_int(g, TVM_INT64, 1), two = tvm_const_int(g, TVM_INT64, 2);
        tvm_expr np = tvm_const_int(g, TVM_INT64, npts);
        tvm_tensor x = tvm_placeholder(g, "x", TVM_FLOAT32, 4, (tvm_expr[]){one, one, two, two});
        tvm_tensor gr = tvm_placeholder(g, "grid", TVM_FLOAT32, 4, (tvm_expr[]){one, one, np, two});
        tvm_tensor y = tvm_op_grid_sample(g, x, gr, mode, pad, align);
        if (!CHECK(y.id != 0)) {
            fprintf(stderr, "  case %s: %s\n", what, tvm_last_error());
            tvm_graph_destroy(g);
            return;
        }
        tt_tensor *args[3] = {tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(1, 1, 2, 2)),
                              tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(1, 1, npts, 2)),
                              tt_alloc(TVM_FLOAT32, 4, TT_SHAPE(1, 1, 1, npts))};
        for (int k = 0; k < 4; k++) tt_set(args[0], k, IMAGE[k]);
        for (int k = 0; k < 2 * npts; k++) tt_set(args[1], k, grid[k]);
        tvm_compile_options o = tt_options(tt_targets[t], 0, 0);
        tvm_status st = tt_compile_run(g, 2, (tvm_tensor[]){x, gr}, 1, &y, &o, args);
        if (!CHECK(st == TVM_OK)) {
            fprintf(stderr, "  case %s on %s: %s\n", what, tt_targets[t], tvm_last_error());
        } else {
            for (int k = 0; k < npts; k++) {
                double got = tt_get(args[2], k);
                if (!CHECK(fabs(got - want[k]) <= 1e-6)) {
                    fprintf(stderr, "  case %s on %s: point %d (%g, %g) gave %.9g, expected "
                            "%.9g\n", what, tt_targets[t], k, grid[2 * k], grid[2 * k + 1], got,
                            want[k]);
                }
            }
        }
        for (int k = 0; k < 3; k++) tt_free(args[k]);
        tvm_graph_destroy(g);
    }
}

#define P(...) ((const double[]){__VA_ARGS__})

TEST(bilinear) {
    /* align_corners 1: -1 and 1 are the pixel centres 0 and 1. (1.5, 0):
     * x = 1.25, between pixel 1 (weight 0.75) and the zero padding. */
    sample("bilinear zeros align 1", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_ZEROS, 1, 5,
           P(-1, -1, 1, 1, 0, 0, 0, -1, 1.5, 0), P(1, 4, 2.5, 1.5, 2.25));
    /* align_corners 0: -1 is the outer edge, pixel coordinate -0.5: a
     * quarter of pixel (0, 0) */
    sample("bilinear zeros align 0", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_ZEROS, 0, 3,
           P(-1, -1, 0, 0, 1, 1), P(0.25, 2.5, 1));
    sample("bilinear border align 0", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_BORDER, 0, 3,
           P(-1, -1, 1, 1, 5, -7), P(1, 4, 2));
    /* reflection over [-0.5, 1.5]: x = -2 is pixel -1.5, mirrored to 0.5 */
    sample("bilinear reflection align 0", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_REFLECTION, 0,
           2, P(-2, -1, -1.5, 1), P(1.5, 3));
    /* reflection over [0, 1]: x = 2 is pixel 1.5 -> 0.5; y = -3 is -1 -> 1 */
    sample("bilinear reflection align 1", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_REFLECTION, 1,
           2, P(2, -1, -1, -3), P(1.5, 3));
}

TEST(nearest) {
    /* pixel 0.5 rounds to even (0); 0.75 to 1; 1.5 to 2, outside */
    sample("nearest zeros align 1", TVM_GRID_SAMPLE_NEAREST, TVM_GRID_PAD_ZEROS, 1, 3,
           P(0, 0, 0.5, -1, 2, -1), P(1, 2, 0));
    sample("nearest border align 1", TVM_GRID_SAMPLE_NEAREST, TVM_GRID_PAD_BORDER, 1, 2,
           P(2, -1, -9, 9), P(2, 3));
}

TEST(bicubic) {
    /* at a pixel centre the weights are 0, 1, 0, 0 */
    sample("bicubic at centres", TVM_GRID_SAMPLE_BICUBIC, TVM_GRID_PAD_ZEROS, 1, 2,
           P(-1, -1, 1, 1), P(1, 4));
    /* halfway: weights -3/32, 19/32, 19/32, -3/32; with zeros only the
     * inner 2x2 taps count: (19/32)^2 * (1 + 2 + 3 + 4) */
    sample("bicubic zeros halfway", TVM_GRID_SAMPLE_BICUBIC, TVM_GRID_PAD_ZEROS, 1, 1, P(0, 0),
           P(3.525390625));
    /* border repeats the edge pixels into the outer taps: the mean */
    sample("bicubic border halfway", TVM_GRID_SAMPLE_BICUBIC, TVM_GRID_PAD_BORDER, 1, 1, P(0, 0),
           P(2.5));
}

TEST(special_grid_values) {
    /* NaN reads nothing; +inf under border is clamped to the last pixel; an
     * infinite point under zeros padding is outside (0, not NaN) */
    sample("nan bilinear", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_ZEROS, 1, 1, P(NAN, 0), P(0));
    sample("nan nearest", TVM_GRID_SAMPLE_NEAREST, TVM_GRID_PAD_ZEROS, 1, 1, P(NAN, NAN), P(0));
    sample("inf border", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_BORDER, 1, 1, P(INFINITY, -1),
           P(2));
    sample("inf zeros", TVM_GRID_SAMPLE_BILINEAR, TVM_GRID_PAD_ZEROS, 1, 2,
           P(INFINITY, 0, -INFINITY, 0), P(0, 0));
    sample("huge bicubic", TVM_GRID_SAMPLE_BICUBIC, TVM_GRID_PAD_ZEROS, 0, 1, P(3e38, -3e38),
           P(0));
}

/* Builds grid_sample over x [xs] (xd) and grid [gs] (gd) and expects the
 * error `want` whose message names the function and `needle`. */
static void expect_error(int xn, const int64_t *xs, tvm_dtype xd, int gn, const int64_t *gs,
                         tvm_dtype gd, int mode, int pad, int align, tvm_status want,
                         const char *needle) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr d[4];
    for (int k = 0; k < xn; k++) d[k] = tvm_const_int(g, TVM_INT64, xs[k]);
    tvm_tensor x = tvm_placeholder(g, "x", xd, xn, d);
    for (int k = 0; k < gn; k++) d[k] = tvm_const_int(g, TVM_INT64, gs[k]);
    tvm_tensor gr = tvm_placeholder(g, "grid", gd, gn, d);
    CHECK(tvm_op_grid_sample(g, x, gr, (tvm_grid_sample_mode)mode, (tvm_grid_sample_padding)pad,
                             align).id == 0);
    CHECK_ERROR(tvm_graph_status(g), want, "tvm_op_grid_sample", needle);
    tvm_graph_destroy(g);
}

TEST(errors) {
    const int64_t x4[4] = {1, 2, 3, 4}, g4[4] = {1, 5, 6, 2};
    const tvm_dtype F = TVM_FLOAT32;
    expect_error(3, x4, F, 4, g4, F, 0, 0, 0, TVM_ERR_SHAPE, "rank 3");
    expect_error(4, x4, F, 3, g4, F, 0, 0, 0, TVM_ERR_SHAPE, "grid has rank");
    expect_error(4, x4, F, 4, (const int64_t[]){1, 5, 6, 3}, F, 0, 0, 0, TVM_ERR_SHAPE,
                 "must be 2");
    expect_error(4, x4, F, 4, (const int64_t[]){2, 5, 6, 2}, F, 0, 0, 0, TVM_ERR_SHAPE, "batch");
    expect_error(4, x4, TVM_INT32, 4, g4, F, 0, 0, 0, TVM_ERR_DTYPE, "'x'");
    expect_error(4, x4, F, 4, g4, TVM_INT64, 0, 0, 0, TVM_ERR_DTYPE, "'grid'");
    expect_error(4, x4, F, 4, g4, F, 3, 0, 0, TVM_ERR_INVALID_ARGUMENT, "mode 3");
    expect_error(4, x4, F, 4, g4, F, 0, -1, 0, TVM_ERR_INVALID_ARGUMENT, "padding -1");
    expect_error(4, x4, F, 4, g4, F, 0, 0, 2, TVM_ERR_INVALID_ARGUMENT, "align_corners");
    /* null handles and a null graph */
    tvm_graph *g = tvm_graph_create(ctx);
    CHECK(tvm_op_grid_sample(g, (tvm_tensor){0}, (tvm_tensor){0}, 0, 0, 0).id == 0);
    CHECK_ERROR(tvm_graph_status(g), TVM_ERR_INVALID_ARGUMENT, "tvm_op_grid_sample", "'x'");
    tvm_graph_destroy(g);
    CHECK(tvm_op_grid_sample(NULL, (tvm_tensor){1}, (tvm_tensor){2}, 0, 0, 0).id == 0);
}

int main(int argc, char **argv) {
    ctx = tt_context();
    if (!ctx) return 1;
    int rc = check_run_all(argc, argv);
    tvm_context_destroy(ctx);
    return rc;
}
