/* test_onnx_large_init — initializers large enough for the importer to
 * parse them one at a time with their raw bytes read in place
 * (onnx_parse_model_lazy): the model Y = (X + A) * s + B, with A (raw_data)
 * and B (float_data) large and the scalar s between them, imported from
 * memory and from a file, checked against the hand-computed values; and a
 * large initializer whose bytes do not fill its shape, or that lives in an
 * external file, is refused with a message naming it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "onnx.pb-c.h"

enum { N = 40000 }; /* 160 KB of float32: far above the in-place threshold */

static float a[N], b[N], xin[N];
static const float s_val = 0.5f;

typedef struct variant {
    size_t a_raw_bytes;  /* raw_data length of A (N * 4 when well formed) */
    bool a_external;     /* A says its data lives in an external file */
} variant;

static Onnx__ValueInfoProto *value_info(const char *name, Onnx__ValueInfoProto *vi,
                                        Onnx__TypeProto *tp, Onnx__TypeProto__Tensor *tt,
                                        Onnx__TensorShapeProto *sp,
                                        Onnx__TensorShapeProto__Dimension *dim,
                                        Onnx__TensorShapeProto__Dimension **dims) {
    *dim = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
    dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    dim->dim_value = N;
    dims[0] = dim;
    *sp = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    sp->n_dim = 1;
    sp->dim = dims;
    *tt = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = sp;
    *tp = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    *vi = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    vi->name = (char *)name;
    vi->type = tp;
    return vi;
}

/* The serialized model (malloc'd, *size bytes). */
static uint8_t *make_model(variant v, size_t *size) {
    int64_t nd[1] = {N}, one[1] = {1};
    Onnx__TensorProto ta = ONNX__TENSOR_PROTO__INIT, ts = ONNX__TENSOR_PROTO__INIT,
                      tb = ONNX__TENSOR_PROTO__INIT;
    ta.name = "A";
    ta.n_dims = 1;
    ta.dims = nd;
    ta.has_data_type = 1;
    ta.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    ta.has_raw_data = 1;
    ta.raw_data.len = v.a_raw_bytes;
    ta.raw_data.data = (uint8_t *)a;
    Onnx__StringStringEntryProto loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
    Onnx__StringStringEntryProto *locs[1] = {&loc};
    if (v.a_external) {
        loc.key = "location";
        loc.value = "a.bin";
        ta.n_external_data = 1;
        ta.external_data = locs;
        ta.has_data_location = 1;
        ta.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    }
    ts.name = "s";
    ts.n_dims = 1;
    ts.dims = one;
    ts.has_data_type = 1;
    ts.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    ts.n_float_data = 1;
    ts.float_data = (float *)&s_val;
    tb.name = "B";
    tb.n_dims = 1;
    tb.dims = nd;
    tb.has_data_type = 1;
    tb.data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tb.n_float_data = N; /* typed, not raw: parsed with a copy */
    tb.float_data = b;
    Onnx__TensorProto *inits[3] = {&ta, &ts, &tb};

    char *add1_in[2] = {"X", "A"}, *add1_out[1] = {"T1"};
    char *mul_in[2] = {"T1", "s"}, *mul_out[1] = {"T2"};
    char *add2_in[2] = {"T2", "B"}, *add2_out[1] = {"Y"};
    Onnx__NodeProto n1 = ONNX__NODE_PROTO__INIT, n2 = ONNX__NODE_PROTO__INIT,
                    n3 = ONNX__NODE_PROTO__INIT;
    n1.op_type = "Add", n1.n_input = 2, n1.input = add1_in, n1.n_output = 1;
    n1.output = add1_out;
    n2.op_type = "Mul", n2.n_input = 2, n2.input = mul_in, n2.n_output = 1;
    n2.output = mul_out;
    n3.op_type = "Add", n3.n_input = 2, n3.input = add2_in, n3.n_output = 1;
    n3.output = add2_out;
    Onnx__NodeProto *nodes[3] = {&n1, &n2, &n3};

    Onnx__ValueInfoProto vx, vy;
    Onnx__TypeProto tpx, tpy;
    Onnx__TypeProto__Tensor ttx, tty;
    Onnx__TensorShapeProto spx, spy;
    Onnx__TensorShapeProto__Dimension dx, dy, *dxs[1], *dys[1];
    Onnx__ValueInfoProto *ins[1] = {value_info("X", &vx, &tpx, &ttx, &spx, &dx, dxs)};
    Onnx__ValueInfoProto *outs[1] = {value_info("Y", &vy, &tpy, &tty, &spy, &dy, dys)};

    Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
    g.name = "large_init";
    g.n_node = 3;
    g.node = nodes;
    g.n_initializer = 3;
    g.initializer = inits;
    g.n_input = 1;
    g.input = ins;
    g.n_output = 1;
    g.output = outs;
    Onnx__OperatorSetIdProto os = ONNX__OPERATOR_SET_ID_PROTO__INIT;
    os.domain = "";
    os.has_version = 1;
    os.version = 13;
    Onnx__OperatorSetIdProto *oss[1] = {&os};
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1;
    m.ir_version = 8;
    m.n_opset_import = 1;
    m.opset_import = oss;
    m.producer_name = "test_onnx_large_init";
    m.graph = &g;
    *size = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(*size);
    if (buf) onnx__model_proto__pack(&m, buf);
    return buf;
}

/* Compiles Y from the imported graph (interp: nothing to JIT) and checks
 * it against (X + A) * s + B computed here. */
static void check_model(tvm_graph *g, tvm_onnx_model *m) {
    tvm_onnx_value vx = {.struct_size = sizeof vx}, vy = {.struct_size = sizeof vy};
    CHECK_OK_OR_RETURN(tvm_onnx_model_input(m, 0, &vx));
    CHECK_OK_OR_RETURN(tvm_onnx_model_output(m, 0, &vy));
    tvm_compile_options o = {.struct_size = sizeof o, .target = "interp",
                             .flags = TVM_COMPILE_RELEASE_CONSTANTS};
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 1, &vx.tensor, 1, &vy.tensor, &o, &fn));
    static float y[N];
    int64_t shape[1] = {N};
    DLTensor tx = {.data = xin, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLFloat, 32, 1},
                   .shape = shape};
    DLTensor ty = tx;
    ty.data = y;
    DLTensor *args[2] = {&tx, &ty};
    if (CHECK_OK(tvm_function_call(fn, args, 2))) {
        int bad = 0;
        for (int i = 0; i < N; i++)
            if (y[i] != (xin[i] + a[i]) * s_val + b[i]) bad++;
        CHECK_EQ_INT(bad, 0);
    }
    tvm_function_release(fn);
}

static tvm_context *ctx;

static void init(void) {
    if (ctx) return;
    for (int i = 0; i < N; i++) {
        a[i] = (float)(i % 97) * 0.125f;
        b[i] = (float)(i % 13) - 6.0f;
        xin[i] = (float)(i % 31) * 0.25f;
    }
    if (tvm_context_create(NULL, &ctx) != TVM_OK) ctx = NULL;
}

TEST(large_initializers_from_memory) {
    init();
    size_t size;
    uint8_t *bytes = make_model((variant){.a_raw_bytes = N * 4}, &size);
    CHECK_OR_RETURN(bytes && size > 2 * N * 4);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    if (CHECK_OK(tvm_onnx_import(g, bytes, size, NULL, &m))) check_model(g, m);
    tvm_onnx_model_free(m);
    tvm_graph_destroy(g);
    free(bytes);
}

TEST(large_initializers_from_a_file) {
    init();
    size_t size;
    uint8_t *bytes = make_model((variant){.a_raw_bytes = N * 4}, &size);
    CHECK_OR_RETURN(bytes);
    char path[] = "/tmp/tvmc_large_init_XXXXXX";
    int fd = mkstemp(path);
    CHECK_OR_RETURN(fd >= 0);
    CHECK(write(fd, bytes, size) == (ssize_t)size);
    close(fd);
    free(bytes);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    if (CHECK_OK(tvm_onnx_import_file(g, path, NULL, &m))) check_model(g, m);
    unlink(path);
    tvm_onnx_model_free(m);
    tvm_graph_destroy(g);
}

TEST(large_initializer_short_of_its_shape) {
    init();
    size_t size;
    uint8_t *bytes = make_model((variant){.a_raw_bytes = N * 4 - 4}, &size);
    CHECK_OR_RETURN(bytes);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    CHECK_ERROR(tvm_onnx_import(g, bytes, size, NULL, &m), TVM_ERR_PARSE, "'A'", "raw_data");
    CHECK(m == NULL);
    tvm_graph_destroy(g);
    free(bytes);
}

TEST(large_initializer_in_an_external_file) {
    init();
    size_t size;
    uint8_t *bytes = make_model((variant){.a_raw_bytes = N * 4, .a_external = true}, &size);
    CHECK_OR_RETURN(bytes);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    CHECK_ERROR(tvm_onnx_import(g, bytes, size, NULL, &m), TVM_ERR_UNSUPPORTED, "'A'",
                "external");
    tvm_graph_destroy(g);
    free(bytes);
}

TEST(truncated_inside_a_large_initializer) {
    init();
    size_t size;
    uint8_t *bytes = make_model((variant){.a_raw_bytes = N * 4}, &size);
    CHECK_OR_RETURN(bytes);
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    /* cut in the middle of A's raw bytes (they start near the front) */
    CHECK_ERROR(tvm_onnx_import(g, bytes, N * 2, NULL, &m), TVM_ERR_PARSE, "truncated");
    tvm_graph_destroy(g);
    free(bytes);
    tvm_context_destroy(ctx);
    ctx = NULL;
}

CHECK_MAIN()
