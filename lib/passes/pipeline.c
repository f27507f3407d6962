/* pipeline.c — the two pipelines of tvmc, read top to bottom. */
#include "passes.h"

/* At tvm_compile: tensor graph -> symbolic loop program. */
static const pass_info template_pipeline[] = {
    {"verify_graph", pass_verify_graph, true}, /* inputs/outputs, placeholders, constants */
    {"fold_constants", pass_fold_constants, true}, /* weights prepared once */
    {"fuse", pass_fuse, true},                 /* kernel groups: anchors + fused computes */
    {"schedule_stages", pass_schedule_stages, true}, /* the user's inline / stored stages */
    {"lower", pass_lower, false},              /* loop nests, reductions as accumulators */
    {"apply_schedule", pass_apply_schedule, false}, /* the user's loops (if a schedule is given) */
    {"simplify", pass_simplify, false},        /* fold constants and index arithmetic */
};

/* Per shape signature: template -> flat, checked, planned kernel program. */
static const pass_info kernel_pipeline[] = {
    {"specialize", pass_specialize, false},    /* size variables -> the call's values */
    {"simplify", pass_simplify, false},
    /* needs constant extents (after specialize/simplify) and N-d indices
     * (before flatten); before bounds, which then proves or checks the
     * blocked indices like any others */
    {"schedule_conv_packed", pass_schedule_conv_packed, false}, /* convs over packed weights */
    {"schedule_contraction", pass_schedule_contraction, false}, /* register-blocked matmul */
    {"schedule_pool", pass_schedule_pool, false}, /* pooling windows: border + vector interior */
    {"schedule_conv", pass_schedule_conv, false}, /* register-blocked convolution */
    {"simplify", pass_simplify, false},        /* fold the block offsets */
    {"bounds", pass_bounds, false},            /* prove reads in range or check them */
    {"flatten", pass_flatten, false},          /* N-d indices -> element offsets */
    {"simplify", pass_simplify, false},
    /* after the last simplify (it would rebuild the loops and needs the
     * spliced top-level sequence anyway) and before plan_memory, which must
     * size the per-thread copies of private scratch */
    {"parallelize", pass_parallelize, false},  /* independent heavy loops -> LP_PARALLEL */
    {"plan_memory", pass_plan_memory, false},  /* workspace offsets of intermediates */
};

tvm_status pass_build_template(pass_ctx *pc) {
    return pass_run_pipeline(pc, template_pipeline, (int)ARRAY_LEN(template_pipeline),
                             "template");
}

tvm_status pass_build_kernel(pass_ctx *pc) {
    return pass_run_pipeline(pc, kernel_pipeline, (int)ARRAY_LEN(kernel_pipeline), "kernel");
}
