/* diff.h — the differential tester of tvmc (RELIABILITY.md goal G1, with
 * the G5 guard-page allocator): random well-typed graphs built through the
 * public builder API, compiled for "interp" (the reference) and for "llvm"
 * at O0 and O3, run on identical inputs placed flush against PROT_NONE
 * pages, and compared.
 *
 * Pieces:
 *   guard.c     buffers that end (or start) flush against a PROT_NONE page
 *   gen.c       the seeded graph generator and its coverage bookkeeping
 *   oracle.c    one case: compile every variant, run, compare, shrink
 *   main.c      the CLI, forked workers, regression replay, coverage floor
 *
 * A case is named by (seed, case number); everything about it — the graph,
 * the shapes, the inputs, the compile flags — follows from those two numbers
 * (plus the optional shrink limits), so `test_diff --seed S --case K`
 * replays it exactly. */
#ifndef TVMC_TEST_DIFF_H
#define TVMC_TEST_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tvmc.h"

/* ---- PRNG: xorshift64*, seeded through splitmix64 ------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

uint64_t splitmix64(uint64_t x);
void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
/* uniform integer in [0, n) (n > 0) */
uint32_t rng_below(rng *r, uint32_t n);
/* uniform double in [0, 1) */
double rng_unit(rng *r);
/* true with probability p */
bool rng_chance(rng *r, double p);
/* index drawn with the given non-negative weights */
int rng_weighted(rng *r, const int *w, int n);

/* The seed of case k of a run with seed s. */
uint64_t case_seed(uint64_t s, uint64_t k);

/* ---- dtypes ------------------------------------------------------------- */

#define NDT 11 /* tvm_dtype values 1..10; index 0 unused */

extern const tvm_dtype ALL_DTYPES[10];
const char *dt_name(tvm_dtype d);
const char *dt_enum(tvm_dtype d); /* "TVM_FLOAT32" */
size_t dt_size(tvm_dtype d);
bool dt_is_float(tvm_dtype d);
bool dt_is_int(tvm_dtype d); /* integers, not bool */
int64_t dt_min(tvm_dtype d);
int64_t dt_max(tvm_dtype d);
/* unit roundoff of the storage type (2^-24 for float32, ...), 0 for ints */
double dt_unit(tvm_dtype d);
DLDataType dt_dl(tvm_dtype d);

uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float f);
float bf16_to_f32(uint16_t h);

/* Element i of a buffer as double (floats, widened) / int64 / raw bits. */
double elem_f(tvm_dtype d, const void *p, int64_t i);
int64_t elem_i(tvm_dtype d, const void *p, int64_t i);
uint64_t elem_bits(tvm_dtype d, const void *p, int64_t i);
void elem_set_f(tvm_dtype d, void *p, int64_t i, double v);
void elem_set_i(tvm_dtype d, void *p, int64_t i, int64_t v);

/* ---- guard-page buffers (G5) --------------------------------------------- */

typedef enum guard_mode {
    GUARD_END = 0,   /* the last byte is flush against a PROT_NONE page */
    GUARD_START = 1, /* the first byte follows a PROT_NONE page */
} guard_mode;

typedef struct guard_buf {
    void *map;
    size_t map_len;
    void *data; /* never NULL after a successful guard_alloc, even for 0 bytes */
    size_t nbytes;
} guard_buf;

bool guard_alloc(guard_buf *b, size_t nbytes, guard_mode mode);
void guard_free(guard_buf *b);

/* ---- coverage ------------------------------------------------------------ */

/* Operation kinds the coverage floor counts (× dtype). */
enum {
#define OPK_BINARY(X) X(ADD) X(SUB) X(MUL) X(DIV) X(MOD) X(FLOORDIV) X(FLOORMOD) X(MIN) \
    X(MAX) X(POW) X(LT) X(LE) X(GT) X(GE) X(EQ) X(NE) X(AND) X(OR)
#define OPK_UNARY(X) X(NEG) X(NOT) X(EXP) X(LOG) X(SQRT) X(RSQRT) X(TANH) X(SIGMOID) \
    X(ERF) X(ABS) X(FLOOR) X(CEIL)
#define OPK_OTHER(X) X(SELECT) X(SUM) X(PROD) X(RMIN) X(RMAX) X(LOAD) X(CONST) X(CAST)
#define X(n) OPK_##n,
    OPK_BINARY(X) OPK_UNARY(X) OPK_OTHER(X)
#undef X
    NOPK
};
#define OPK_FIRST_UNARY OPK_NEG
#define OPK_FIRST_OTHER OPK_SELECT

const char *opk_name(int k);
/* Whether op kind k is legal with (operand / value) dtype d per tvmc.h.
 * CAST is counted separately as a from × to matrix. */
bool opk_legal(int k, tvm_dtype d);

/* Builder API functions whose use is recorded. */
enum {
#define API_LIST(X) X(tvm_const_int) X(tvm_const_float) X(tvm_size_var) X(tvm_iter_var) \
    X(tvm_reduce_axis) X(tvm_load) X(tvm_add) X(tvm_sub) X(tvm_mul) X(tvm_div)            \
    X(tvm_mod) X(tvm_floordiv) X(tvm_floormod) X(tvm_min) X(tvm_max) X(tvm_pow)           \
    X(tvm_neg) X(tvm_lt) X(tvm_le) X(tvm_gt) X(tvm_ge) X(tvm_eq) X(tvm_ne) X(tvm_and)     \
    X(tvm_or) X(tvm_not) X(tvm_select) X(tvm_cast) X(tvm_exp) X(tvm_log) X(tvm_sqrt)      \
    X(tvm_rsqrt) X(tvm_tanh) X(tvm_sigmoid) X(tvm_erf) X(tvm_abs) X(tvm_floor)            \
    X(tvm_ceil) X(tvm_reduce) X(tvm_sum) X(tvm_placeholder) X(tvm_compute)                \
    X(tvm_constant) X(tvm_tensor_info) X(tvm_expr_dtype) X(tvm_graph_print)               \
    X(tvm_function_output_shape) X(tvm_function_num_args) X(tvm_function_arg_info)
#define X(n) API_##n,
    API_LIST(X)
#undef X
    NAPI
};
const char *api_name(int a);

/* The vector-tail extents that every op kind must meet as an innermost
 * extent (G5: {vw-1, vw, vw+1, 2vw+1} for vw = 8 and 16, and 31, 33). */
#define NTAILS 8
extern const int64_t TAILS[NTAILS];
int tail_index(int64_t v); /* -1 if not a tail */

typedef struct coverage {
    uint8_t op[NOPK][NDT];   /* op kind × (operand) dtype */
    uint8_t cast[NDT][NDT];  /* from × to */
    uint8_t tail[NOPK][NTAILS];
    uint8_t api[NAPI];
} coverage;

void coverage_merge(coverage *into, const coverage *from);
/* Appends one line per missing item to buf; returns the number missing. */
int coverage_missing(const coverage *c, char *buf, size_t cap);

/* The systematic prefix of every run: case k < systematic_count() forces
 * one (op kind, dtype[, to-dtype], innermost extent) so a run covers every
 * legal pair before random cases start. */
typedef struct forced_op {
    int opk;          /* -1: none */
    tvm_dtype dt;     /* operand dtype (CAST: from) */
    tvm_dtype to;     /* CAST only */
    int64_t tail;     /* innermost extent */
} forced_op;
int systematic_count(void);
forced_op systematic_case(int k);

/* ---- the generator ------------------------------------------------------- */

#define GEN_MAX_DIMS 32
#define GEN_MAX_TENSORS 64
#define GEN_MAX_NDIM 4
#define GEN_MAX_ELEMS 65536

enum { DIM_CONST, DIM_VAR, DIM_DERIVED };

typedef struct gen_dim {
    int kind;
    int64_t val[2]; /* value in shape signature 0 and 1 */
    tvm_expr e;     /* int64 expression */
    int base;       /* DIM_DERIVED: the dim it derives from */
    char text[24];  /* for messages: "7", "n0", "n0+1" */
} gen_dim;

enum { T_PLACEHOLDER, T_COMPUTE, T_CONSTANT };

/* How a placeholder's values are drawn. */
enum { FILL_MIXED, FILL_SMALL, FILL_POSITIVE, FILL_UNIT };

typedef struct gen_tensor {
    tvm_tensor t;
    int kind;
    tvm_dtype dt;
    int ndim;
    int dim[GEN_MAX_NDIM];
    char name[16];
    int fill;
    /* value taint of a compute's elements (see oracle.c): inexact values may
     * differ from the reference within a tolerance */
    bool inexact;
    double unit;   /* coarsest unit roundoff on the inexact path */
    double red;    /* reduction length on the inexact path (0: none) */
    bool transc;   /* a transcendental function on the inexact path */
    double lo, hi; /* computes: bounds on every element (±INFINITY: unknown) */
    double esc;    /* inexact: the error's scale S (INFINITY: unknown) */
    double tfac;   /* transc: the error factor of the worst one (pow: > 1) */
    bool consumed; /* loaded by a later compute */
    bool binder;   /* an extra input that only binds a size variable */
    void *const_data;
} gen_tensor;

typedef struct gen_params {
    uint64_t seed;    /* run seed */
    uint64_t index;   /* case number */
    int max_ops;      /* 0: default (12) */
    int max_dim;      /* 0: default (no limit); dims above it are not drawn */
    int variant;      /* shrinker: alternative random stream */
    bool systematic;  /* apply systematic_case(index) when index is small */
} gen_params;

typedef struct gen_case {
    gen_params par;
    uint64_t cseed;
    tvm_context *ctx;
    tvm_graph *g;
    int ndims;
    gen_dim dims[GEN_MAX_DIMS];
    int nsig;  /* 1, or 2 for graphs with size variables */
    bool symbolic;
    int ntensors;
    gen_tensor ts[GEN_MAX_TENSORS];
    int nin, nout;
    int in[GEN_MAX_TENSORS], out[GEN_MAX_TENSORS];
    int nops;
    int nreduce;
    forced_op force;
    bool forced_done;
    char tmpl[16];  /* template name, "" for random */
    /* compile / run choices, drawn from the case seed too */
    bool no_inline_variant;
    bool no_inline_interp;
    int no_inline_opt;
    bool no_cache_o0, no_cache_o3;
    bool rebuild_variant; /* recompile an identical graph: must hit the cache */
    bool small_ctx;       /* compile in the context with tiny caches */
    guard_mode guard;
    coverage cov;
    /* C reproducer text of the builder calls (NULL if not recording) */
    char *log;
    size_t log_len, log_cap;
    char error[256]; /* generator-side failure */
} gen_case;

/* Builds the case's graph in ctx, or in small_ctx (if not NULL) when the
 * case draws the small-cache context. Returns false (with c->error) if the
 * library refused a call the generator considers legal. */
bool gen_build(gen_case *c, const gen_params *par, tvm_context *ctx, tvm_context *small_ctx,
               bool record);
void gen_free(gen_case *c);
/* Concrete shape of tensor ti in signature sig; returns the element count. */
int64_t gen_shape(const gen_case *c, int ti, int sig, int64_t *shape);
/* Fills tensor ti's buffer for signature sig (deterministic per case). */
void gen_fill(const gen_case *c, int ti, int sig, void *data, int64_t n);

/* ---- one case ------------------------------------------------------------ */

enum {
    CASE_VALID,
    CASE_MISTRUSTED,
    CASE_FAILED,
};

/* where the time goes: reference, llvm O0, llvm O3, extra variants, harness */
enum { T_REF, T_O0, T_O3, T_OTHER, T_TOTAL, NTIMES };

typedef struct case_result {
    int status;
    int ops;
    double compile_s[NTIMES], call_s[NTIMES];
    char kind[32]; /* failure kind: "mismatch", "compile", ... */
    coverage cov;
} case_result;

typedef struct run_env {
    tvm_context *ctx;       /* default caches */
    tvm_context *small_ctx; /* function cache 4, shape cache 1 */
    bool verbose;
    bool show_mistrusted;
    bool emit_c;
    bool shrink;
    double shrink_seconds;
    /* failures so far in the whole run (shared by the workers): the first
     * few get the shrinker, the first dozens a full report, the rest a line */
    volatile int *failures;
} run_env;

#define FULL_REPORTS 20
#define SHRINK_REPORTS 3

/* Where run_case writes what it is doing (a worker points it into shared
 * memory so the parent can say which call crashed). */
#define DIFF_PROGRESS_LEN 128
extern char *diff_progress;

/* Runs one case; prints a report for a failure. */
void run_case(run_env *env, const gen_params *par, case_result *res);
/* Prints the case (shapes, graph, repro command) without compiling it: what
 * the parent shows for a case whose worker crashed. */
void print_case(run_env *env, const gen_params *par, const char *title);

/* ---- text helpers ---------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;
void sb_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_flush(sbuf *b, int fd); /* writes all and clears */
void sb_release(sbuf *b);

double now_seconds(void);

#endif
