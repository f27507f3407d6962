/* apply_schedule.h — what the two files of the apply_schedule pass share:
 * apply_schedule.c rebuilds a scheduled stage's loops, apply_schedule_at.c
 * computes a compute_at producer's box inside them. */
#ifndef TVMC_PASSES_APPLY_SCHEDULE_H
#define TVMC_PASSES_APPLY_SCHEDULE_H

#include "../schedule.h"
#include "passes.h"

#define MAX_AT_ELEMS 65536
#define MAX_BODY 64

/* The state of one apply_schedule run, rebuilt stage by stage. */
typedef struct actx {
    pass_ctx *pc;
    lp_program *p;
    const tvm_schedule *s;
    const tvm_graph *g;
    lp_id *ext;        /* per axis: its extent expression */
    int64_t *cext;     /* ... its constant value, or -1 */
    uint32_t *origvar; /* per root axis: the lowered loop's variable */
    uint32_t *var;     /* per leaf axis: the loop variable of the section built */
    lp_id *vmap;       /* per program variable: its replacement (0: itself) */
    uint32_t nvmap;
    lp_id *memo;       /* substitution memo, valid while memo_tag == tag */
    uint32_t *memo_tag, nmemo, tag;
    uint32_t acc, blk; /* the stage's accumulator and its block (out section) */
    lp_id bidx[SCHED_MAX_LEAVES];
    uint32_t nb;
    /* compute_at of a producer into the stage being built */
    uint32_t at_buf, at_local;   /* the producer's buffer -> its local box */
    int64_t at_lo[TVM_MAX_NDIM]; /* box start: outer part + at_lo (per dim) */
    uint32_t at_ndim;
    int at_pos;                  /* leaf position whose body computes the box */
    lp_id at_stmt;               /* that computation */
    uint32_t inner_vars[4 * SCHED_MAX_LEAVES]; /* loop variables inside at_pos */
    uint32_t ninner;
    lp_id at_store_idx[TVM_MAX_NDIM]; /* producer stores: the box indices */
    bool at_storing;
    /* the extents of the loops built, for folding (o * f + i) / f into o */
    uint32_t ev_var[8 * SCHED_MAX_LEAVES];
    int64_t ev_ext[8 * SCHED_MAX_LEAVES];
    uint32_t nev;
    tvm_status st;
} actx;

/* sum coef[k] * var[k] + c; ok is false when the expression is not of
 * that form (or a coefficient overflows). */
#define MAX_TERMS 16
typedef struct affine {
    uint32_t var[MAX_TERMS];
    int64_t coef[MAX_TERMS];
    uint32_t n;
    int64_t c;
    bool ok;
} affine;

/* The matched nest of a stage (match_stage). */
typedef struct nest {
    lp_id body[MAX_BODY]; /* statements inside the spatial loops */
    uint32_t nbody;
    int red_at;           /* index in body of the reduction's loop nest (-1: none) */
    lp_id init;           /* acc = init (value) */
    lp_id accum;          /* the LP_ACCUM statement */
    uint32_t acc;
} nest;

/* Shared helpers (apply_schedule.c). */
bool sched_fail(actx *A, tvm_status st, const char *fmt, const char *a, const char *b,
                const char *c);
const char *sched_tname(const actx *A, uint32_t t);
lp_id sched_i64(actx *A, int64_t v);
int64_t sched_const_value(const lp_program *p, lp_id e, int depth);
lp_id sched_subst(actx *A, lp_id e);
lp_id sched_only_stmt(const lp_program *p, lp_id s);
bool sched_flatten_stmts(const lp_program *p, lp_id s, lp_id *out, uint32_t *n);
lp_id sched_guarded(actx *A, lp_id cond, lp_id s);
int sched_kernel_index(const pass_ctx *pc, uint32_t t);

/* Affine index forms and compute_at (apply_schedule_at.c). */
void sched_aff_term(affine *f, uint32_t v, int64_t coef);
/* f += scale * e for an int64 expression of loop variables, +, -, * const. */
void sched_aff_add(const lp_program *p, lp_id e, int64_t scale, affine *f, int depth);
/* The box index of a producer read at (substituted) index e in dim d. */
lp_id sched_box_index(actx *A, lp_id e, uint32_t d);
/* Builds A->at_stmt when a producer is computed at a loop of stage k. */
bool sched_attach(actx *A, int k, const nest *N, int c, lp_id *kernels);

#endif
