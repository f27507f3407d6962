/* passes.h — the pass interface and every pass's entry point.
 *
 * Compilation runs in two pipelines (pipeline.c lists them, top to bottom):
 *   template:  at tvm_compile, from the tensor graph to a symbolic loop
 *              program (size variables still free);
 *   kernel:    per concrete shape signature, from the template to a flat,
 *              bounds-checked, memory-planned program a backend compiles.
 * The pass manager (pass_manager.c), not the passes, verifies, times and
 * dumps IR after each pass (TVMC_DUMP_IR=1).
 */
#ifndef TVMC_PASSES_H
#define TVMC_PASSES_H

#include "../ir/graph.h"
#include "../ir/loop.h"

#include <pthread.h>

/* How a fused compute is evaluated inside its consumer's kernel. */
enum { FUSE_INLINE = 1, /* substituted at each load (reductions: computed once) */
       FUSE_STAGED = 2  /* computed once per outer iteration into a buffer */ };

typedef struct pass_ctx {
    /* template stage */
    const tvm_graph *g;
    int nin, nout;
    const uint32_t *inputs;  /* graph tensor indices of the inputs */
    const uint32_t *outputs; /* ... and of the outputs */
    const uint32_t *consts;  /* graph tensor indices of the constants (kernel args
                                after the outputs), filled by verify_graph */
    uint32_t nconsts;
    const char *fold_target; /* target string for evaluating large folds ("" = interp) */
    void **folded;           /* per graph tensor: values of a folded compute (owned) */
    size_t *folded_bytes;
    uint8_t *live;           /* per graph tensor: needed by the outputs, folded
                                tensors being leaves (fold_constants) */
    /* Set by tvm_compile for TVM_COMPILE_RELEASE_CONSTANTS, else NULL:
     * fold_constants calls it for each graph constant the rest of the
     * compile no longer reads (every fold that reads it has run, and no
     * kernel reads it), as soon as that is so, and tvm_compile releases the
     * constant there. The passes themselves only read the graph. */
    void (*constant_done)(void *arg, uint32_t t);
    void *constant_done_arg;
    uint8_t *fused;          /* per graph tensor: FUSE_* if computed inside its
                                consumer's kernel (fuse proposes, lower may
                                withdraw), 0 if stored by its own kernel */
    uint8_t *reduces;        /* per graph tensor: its body holds a reduction (fuse) */
    uint8_t *contracts;      /* ... and is a contraction: matmul, conv (fuse) */
    uint32_t *group;         /* per graph tensor: the stored tensor whose kernel
                                computes it (lower; for the IR dump) */
    uint32_t flags;          /* TVM_COMPILE_* */
    const tvm_schedule *schedule; /* the user's schedule, or NULL (template stage) */

    /* both stages: the program being transformed (a pass may replace it) */
    lp_program *p;

    /* kernel stage: value of each template size variable (indexed by lp var) */
    const int64_t *size_values;
    int par_slots;           /* kernel stage: the context's thread count */
    /* kernel stage: the target's vector register width in bytes (64 for
     * AVX-512, 32 for AVX2, 16 for SSE/NEON), 0 for the interpreter: the
     * schedules that only pay off with vectors read it */
    int vector_bytes;
} pass_ctx;

typedef tvm_status (*pass_fn)(pass_ctx *pc);

typedef struct pass_info {
    const char *name;
    pass_fn run;
    bool on_graph; /* runs on the tensor graph (nothing to verify/dump yet) */
} pass_info;

/* Runs a pipeline; verifies the loop program after each loop pass, times
 * each pass and prints the IR when TVMC_DUMP_IR is set. */
tvm_status pass_run_pipeline(pass_ctx *pc, const pass_info *passes, int n,
                             const char *pipeline_name);

/* TVMC_DUMP_IR: whether dumping is on, and a locked write of one block. */
bool pass_dump_enabled(void);
void pass_dump_line(const char *text);

/* pipeline.c */
tvm_status pass_build_template(pass_ctx *pc);
tvm_status pass_build_kernel(pass_ctx *pc);

/* ---- graph passes --------------------------------------------------------
 * verify_graph: needs the graph; checks inputs/outputs and that every
 *   placeholder reached is an input; collects the constants.            */
tvm_status pass_verify_graph(pass_ctx *pc);
/* fold_constants: evaluates computes of constants only (a transposed
 *   weight) at compile time; they become constants of the function.    */
tvm_status pass_fold_constants(pass_ctx *pc);
/* fuse: decides which computes are evaluated inside their consumer's kernel
 *   (prologues, epilogues, a norm's statistics); keeps the graph.        */
tvm_status pass_fuse(pass_ctx *pc);
/* schedule_stages: needs the fusion decisions; makes the user's schedule
 *   (pc->schedule) hold: inlined stages fused, scheduled stages stored with
 *   plain nests; checks it belongs to the graph.                         */
tvm_status pass_schedule_stages(pass_ctx *pc);
/* lower: tensor graph -> symbolic loop program (one loop nest per
 *   materialised tensor, reductions as accumulators).                   */
tvm_status pass_lower(pass_ctx *pc);

/* ---- loop passes -------------------------------------------------------- */
/* apply_schedule: right after lower; rebuilds the loop nests of the stages
 *   the user scheduled (split, reorder, fuse, annotations, cache_write,
 *   compute_at); keeps every stored value.                               */
tvm_status pass_apply_schedule(pass_ctx *pc);
/* simplify: constant folding, algebraic and index rules; keeps semantics
 *   exactly (no float reassociation); removes loops of extent 0/1.      */
tvm_status pass_simplify(pass_ctx *pc);
/* specialize: copies the template with size variables replaced by the
 *   signature's values; buffer element counts become known.             */
tvm_status pass_specialize(pass_ctx *pc);
/* schedule_contraction: register-blocks matmul-like nests (i, j, k with an
 *   accumulator) into MR x NR blocks of vectorised columns, in column
 *   panels parallelize can split, K blocks sized from the host's L2; keeps
 *   every output's value bit for bit (matrix-vector rows: reassociated). */
tvm_status pass_schedule_contraction(pass_ctx *pc);
/* schedule_conv: register-blocks convolution nests (blocks of output
 *   channels x positions, or vectorised positions) over a zero-padded copy
 *   of the input; keeps every output's value bit for bit.                */
tvm_status pass_schedule_conv(pass_ctx *pc);
tvm_status pass_schedule_conv_packed(pass_ctx *pc);
/* schedule_pool: pooling windows split into guarded borders and an
 *   interior vectorised over the innermost output loop without tests;
 *   keeps every output's value bit for bit.                              */
tvm_status pass_schedule_pool(pass_ctx *pc);
/* bounds: interval analysis of every load; exact out-of-range regions are
 *   rejected (TVM_ERR_OUT_OF_BOUNDS), unproven ones get runtime checks.  */
tvm_status pass_bounds(pass_ctx *pc);
/* flatten: multi-dimensional indices -> one element offset (row-major). */
tvm_status pass_flatten(pass_ctx *pc);
/* parallelize: marks top-level loops whose iterations are independent and
 *   heavy enough LP_PARALLEL; per-iteration scratch gets per-thread slots. */
tvm_status pass_parallelize(pass_ctx *pc);
/* plan_memory: byte offsets of intermediate buffers in the workspace,
 *   shared between buffers whose kernels' lifetimes do not overlap.     */
tvm_status pass_plan_memory(pass_ctx *pc);

#endif
