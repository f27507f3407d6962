/* test_unroll_cap.c — tiny graphs whose loop nests LLVM used to unroll into
 * huge blocks of stores (test_diff seeds 0x013b94b3d0a2ad09 case 1292 and
 * 0x95c4c17949f1df00 case 2637): x86 instruction selection took minutes on
 * them. The LLVM backend keeps a constant-extent nest rolled when full
 * unrolling would copy more than 256 statements. Checked without timing:
 * the optimised LLVM IR keeps few stores and says where it stays rolled,
 * and the results match hand-computed values. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tensor_util.h"

/* Stores in the optimised LLVM IR of fn (fn called once). */
static long llvm_stores(tvm_function *fn, bool *has_nounroll) {
    size_t need = 0;
    if (!CHECK_OK(tvm_function_dump(fn, "llvm", NULL, 0, &need))) return -1;
    char *ir = malloc(need);
    if (!CHECK(ir != NULL)) return -1;
    long n = -1;
    if (CHECK_OK(tvm_function_dump(fn, "llvm", ir, need, NULL))) {
        n = 0;
        for (const char *s = ir; (s = strstr(s, " store ")) != NULL; s++) n++;
        *has_nounroll = strstr(ir, "llvm.loop.unroll.disable") != NULL;
    }
    free(ir);
    return n;
}

/* c3[i5, i6, i7, i3] = select(c2[0, 0], p0[0, 0], uint8(i3)), [15, 8, 15, 8],
 * c2 = float32(neg(p0[..])) != n0: the case-1292 graph. With p0 = 255 the
 * condition is false and c3 = i3; LLVM unswitches the select and the false
 * side stores constants. */
TEST(select_nest_15x8x15x8_stays_rolled) {
    tvm_context *ctx = tt_context();
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n0 = tvm_size_var(g, "n0");
    tvm_expr i0 = tvm_iter_var(g, "i0"), i1 = tvm_iter_var(g, "i1"), i2 = tvm_iter_var(g, "i2");
    tvm_expr i3 = tvm_iter_var(g, "i3"), i4 = tvm_iter_var(g, "i4"), i5 = tvm_iter_var(g, "i5");
    tvm_expr i6 = tvm_iter_var(g, "i6"), i7 = tvm_iter_var(g, "i7");
    tvm_expr k8 = tvm_const_int(g, TVM_INT64, 8), k15 = tvm_const_int(g, TVM_INT64, 15);
    tvm_expr z = tvm_const_int(g, TVM_INT64, 0);
    tvm_tensor p0 = tvm_placeholder(g, "p0", TVM_UINT8, 2, (tvm_expr[]){n0, n0});
    tvm_tensor c1 = tvm_compute(g, "c1", 3, (tvm_expr[]){n0, n0, k8}, (tvm_expr[]){i0, i1, i2},
                                tvm_neg(g, tvm_load(g, p0, (tvm_expr[]){i0, i0})));
    tvm_expr ne = tvm_ne(g, tvm_cast(g, TVM_FLOAT32, tvm_load(g, c1, (tvm_expr[]){z, z, i4})),
                         tvm_cast(g, TVM_FLOAT32, n0));
    tvm_tensor c2 = tvm_compute(g, "c2", 2, (tvm_expr[]){k15, k8}, (tvm_expr[]){i3, i4},
                                tvm_and(g, ne, tvm_const_int(g, TVM_BOOL, 1)));
    tvm_expr sel = tvm_select(g, tvm_load(g, c2, (tvm_expr[]){z, z}),
                              tvm_load(g, p0, (tvm_expr[]){z, z}), tvm_cast(g, TVM_UINT8, i3));
    tvm_tensor c3 = tvm_compute(g, "c3", 4, (tvm_expr[]){k15, k8, k15, k8},
                                (tvm_expr[]){i5, i6, i7, i3}, sel);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tvm_compile_options o = tt_options("llvm", TVM_OPT_O3, TVM_COMPILE_NO_CACHE);
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &p0, 1, &c3, &o, &fn));
    static uint8_t in[1] = {255}, out[15 * 8 * 15 * 8];
    int64_t sin[2] = {1, 1}, sout[4] = {15, 8, 15, 8};
    DLTensor ti = {in, {kDLCPU, 0}, 2, {kDLUInt, 8, 1}, sin, NULL, 0};
    DLTensor to = {out, {kDLCPU, 0}, 4, {kDLUInt, 8, 1}, sout, NULL, 0};
    DLTensor *args[2] = {&ti, &to};
    if (CHECK_OK(tvm_function_call(fn, args, 2))) {
        long bad = 0;
        for (int i = 0; i < (int)sizeof out; i++) bad += out[i] != (uint8_t)(i % 8);
        CHECK(bad == 0);
        bool nounroll = false;
        long stores = llvm_stores(fn, &nounroll);
        /* fully unrolled it had 960 byte stores in one block */
        CHECK(stores >= 0 && stores < 400);
        CHECK(nounroll);
    }
    tvm_function_release(fn);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

/* out[i, j, k, l] = bool(l), [8, 9, 15, 8] (case 2637's c4, as a uint8 sum
 * with an input so it is not folded): 8640 constant stores once unrolled. */
TEST(cast_nest_8x9x15x8_stays_rolled) {
    tvm_context *ctx = tt_context();
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_iter_var(g, "k");
    tvm_expr l = tvm_iter_var(g, "l"), z = tvm_const_int(g, TVM_INT64, 0);
    tvm_tensor p = tvm_placeholder(g, "p", TVM_UINT8, 1, (tvm_expr[]){tvm_const_int(g, TVM_INT64, 1)});
    tvm_expr v = tvm_add(g, tvm_cast(g, TVM_UINT8, tvm_cast(g, TVM_BOOL, l)),
                         tvm_load(g, p, (tvm_expr[]){z}));
    tvm_tensor c = tvm_compute(g, "c", 4,
                               (tvm_expr[]){tvm_const_int(g, TVM_INT64, 8), tvm_const_int(g, TVM_INT64, 9),
                                            tvm_const_int(g, TVM_INT64, 15), tvm_const_int(g, TVM_INT64, 8)},
                               (tvm_expr[]){i, j, k, l}, v);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tvm_compile_options o = tt_options("llvm", TVM_OPT_O3, TVM_COMPILE_NO_CACHE);
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &p, 1, &c, &o, &fn));
    static uint8_t in[1] = {3}, out[8 * 9 * 15 * 8];
    int64_t sin[1] = {1}, sout[4] = {8, 9, 15, 8};
    DLTensor ti = {in, {kDLCPU, 0}, 1, {kDLUInt, 8, 1}, sin, NULL, 0};
    DLTensor to = {out, {kDLCPU, 0}, 4, {kDLUInt, 8, 1}, sout, NULL, 0};
    DLTensor *args[2] = {&ti, &to};
    if (CHECK_OK(tvm_function_call(fn, args, 2))) {
        long bad = 0;
        for (int x = 0; x < (int)sizeof out; x++) bad += out[x] != (x % 8 ? 4 : 3);
        CHECK(bad == 0);
        bool nounroll = false;
        long stores = llvm_stores(fn, &nounroll);
        CHECK(stores >= 0 && stores < 400);
    }
    tvm_function_release(fn);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

CHECK_MAIN()
