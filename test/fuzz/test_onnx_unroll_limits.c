/* test_onnx_unroll_limits — fuzz_onnx findings O-004..O-007 (LEDGER.md):
 * unrolling a Loop or an RNN let a model of a few hundred bytes cost
 * gigabytes or minutes, and O-007, an overflow in Scan-8's unroll bound. Reads the regression models that
 * make_onnx_corpus.py writes to corpus_onnx/ (argv[1] is that folder) and
 * checks that each is refused with TVM_ERR_LIMIT (O-007: UNSUPPORTED) and
 * a message naming the budget, and that a chain of 1000 folded constant Adds inside the budget
 * still imports and computes 1000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

static const char *dir = ".";
static tvm_context *ctx;

static uint8_t *read_model(const char *name, size_t *size) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = malloc(1 << 16);
    *size = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

/* Imports corpus model `name` with opts.max_nodes = max_nodes (0: the
 * default) into a new graph; the status, the graph and the model come back. */
static tvm_status import(const char *name, int32_t max_nodes, tvm_graph **g,
                         tvm_onnx_model **m) {
    size_t size = 0;
    uint8_t *bytes = read_model(name, &size);
    *g = tvm_graph_create(ctx);
    *m = NULL;
    if (!bytes || !size) {
        fprintf(stderr, "cannot read %s/%s\n", dir, name);
        free(bytes);
        return TVM_ERR_IO;
    }
    tvm_onnx_options o = {.struct_size = sizeof o, .max_nodes = max_nodes};
    tvm_status s = tvm_onnx_import(*g, bytes, size, &o, m);
    free(bytes);
    return s;
}

/* O-004: each of 65536 iterations copied the carried 512 KiB constant */
TEST(loop_copying_a_big_constant_is_refused) {
    tvm_graph *g;
    tvm_onnx_model *m;
    CHECK_ERROR(import("regress-loop-copies-big-constant.onnx", 0, &g, &m), TVM_ERR_LIMIT,
                "256 MiB", "import-time constants");
    CHECK(m == NULL);
    tvm_graph_destroy(g);
}

/* O-005: 65536 unrolled Adds against a max_nodes of 4096 */
TEST(unrolled_loop_counts_against_max_nodes) {
    tvm_graph *g;
    tvm_onnx_model *m;
    CHECK_ERROR(import("regress-loop-unrolled-beyond-max-nodes.onnx", 4096, &g, &m),
                TVM_ERR_LIMIT, "opts->max_nodes");
    CHECK(m == NULL);
    tvm_graph_destroy(g);
}

/* O-006: 1000 iterations of Add(y, w) on constants, each folded; 4 nodes
 * and bound inputs per iteration fit 4096 but not 2048 */
TEST(folded_constant_chain_imports_within_budget) {
    tvm_graph *g;
    tvm_onnx_model *m;
    CHECK_ERROR(import("regress-loop-folded-constant-chain.onnx", 2048, &g, &m), TVM_ERR_LIMIT,
                "opts->max_nodes");
    tvm_graph_destroy(g);
    if (!CHECK_OK(import("regress-loop-folded-constant-chain.onnx", 4096, &g, &m))) {
        tvm_graph_destroy(g);
        return;
    }
    int nin = -1, nout = -1;
    CHECK_OK(tvm_onnx_model_counts(m, &nin, &nout));
    CHECK_EQ_INT(nin, 0);
    CHECK_EQ_INT(nout, 1);
    tvm_onnx_value v = {.struct_size = sizeof v};
    tvm_function *fn = NULL;
    tvm_compile_options co = {.struct_size = sizeof co, .target = "interp"};
    if (CHECK_OK(tvm_onnx_model_output(m, 0, &v)) &&
        CHECK_OK(tvm_compile(g, 0, NULL, 1, &v.tensor, &co, &fn))) {
        float out = -1;
        int64_t shape[1] = {1};
        DLTensor t = {&out, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, NULL, 0};
        DLTensor *args[1] = {&t};
        if (CHECK_OK(tvm_function_call(fn, args, 1))) CHECK(out == 1000.0f);
    }
    tvm_function_release(fn);
    tvm_onnx_model_free(m);
    tvm_graph_destroy(g);
}

/* O-007: Scan-8 with a batch of 2^62 and 4 steps, whose product the
 * unroll bound computed in int64 (overflow; then a calloc of the wrapped
 * count failed with "no memory") */
TEST(scan8_huge_batch_is_refused_without_overflow) {
    tvm_graph *g;
    tvm_onnx_model *m;
    CHECK_ERROR(import("regress-scan8-huge-batch-times-length.onnx", 0, &g, &m),
                TVM_ERR_UNSUPPORTED, "4611686018427387904 batch entries", "unrolled");
    CHECK(m == NULL);
    tvm_graph_destroy(g);
}

/* O-005's RNN form: 4096 LSTM steps (16 nodes each) against 4096 */
TEST(rnn_steps_count_against_max_nodes) {
    tvm_graph *g;
    tvm_onnx_model *m;
    CHECK_ERROR(import("regress-lstm-long-sequence.onnx", 4096, &g, &m), TVM_ERR_LIMIT,
                "RNN steps", "opts->max_nodes");
    CHECK(m == NULL);
    tvm_graph_destroy(g);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    if (tvm_context_create(NULL, &ctx) != TVM_OK) return 1;
    int rc = check_run_all(argc - 1, argv + 1);
    tvm_context_destroy(ctx);
    return rc;
}
