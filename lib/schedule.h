/* schedule.h — the schedule object behind tvm_schedule (schedule.c builds
 * it through the tvm_sched_* calls; the schedule_stages and apply_schedule
 * passes read it).
 *
 * A stage is a compute tensor. Its axes live in one table: the roots are the
 * compute's iteration variables and its one reduction's axes; split and fuse
 * add derived axes and turn their sources into non-leaves that remember what
 * replaced them, so a pass can express every root axis in terms of the leaf
 * loops (root = outer * factor + inner; outer = fused / extent(inner),
 * inner = fused % extent(inner)). */
#ifndef TVMC_SCHEDULE_H
#define TVMC_SCHEDULE_H

#include "ir/graph.h"

enum { SA_ROOT = 1, SA_OUTER, SA_INNER, SA_FUSED };
enum { SA_ANN_NONE = 0, SA_ANN_VECTORIZE, SA_ANN_PARALLEL, SA_ANN_UNROLL };

#define SCHED_MAX_LEAVES 64
#define SCHED_MAX_FACTOR ((int64_t)1 << 31) /* keeps extent + factor - 1 in int64 */

typedef struct sch_axis {
    uint32_t stage;   /* index into stages */
    uint8_t kind;     /* SA_* */
    uint8_t reduce;   /* a reduction axis (or derived from one) */
    uint8_t ann;      /* SA_ANN_* */
    uint8_t leaf;     /* a loop of the stage now */
    uint32_t gvar;    /* SA_ROOT: the graph iteration variable / reduce axis */
    uint32_t src, src2; /* OUTER/INNER: the split axis; FUSED: outer, inner */
    int64_t factor;   /* OUTER/INNER: the split factor */
    uint32_t outer, inner; /* what replaced a split axis */
    uint32_t fused;   /* the fused axis a fused source became part of */
    char name[48];    /* for messages and the IR dump */
} sch_axis;

typedef struct sch_stage {
    uint32_t tensor;  /* graph tensor index */
    uint32_t leaves[SCHED_MAX_LEAVES]; /* axis indices, outermost first */
    uint32_t nleaves;
    uint32_t nspatial; /* root spatial axes (the compute's rank) */
    uint32_t nreduce;  /* root reduction axes (0: none schedulable) */
    uint32_t cache_axis; /* cache_write: the axis the block sits in (0: none) */
    uint32_t attach_stage; /* compute_at: consumer stage index + 1 (0: none) */
    uint32_t attach_axis;
    uint32_t packed_as; /* tvm_sched_pack: the consumer rewritten to read the
                           panels, compiled in place of this tensor (0: none) */
    uint32_t pack_of;   /* this stage holds the panels of that tensor (0: no) */
    bool inlined;     /* compute_inline */
    bool scheduled;   /* a loop primitive named it: it gets exactly its loops */
} sch_stage;

struct tvm_schedule {
    tvm_graph *g;        /* pack adds computes to it */
    uint32_t *outputs;   /* the graph tensors the schedule was made for */
    uint32_t nout;
    uint32_t ntensors;   /* the graph's tensor count when created */
    uint8_t *reach;      /* per tensor: a compute the outputs need */
    sch_stage *stages;
    uint32_t nstages, cap_stages;
    sch_axis *axes;      /* [0] unused */
    uint32_t naxes, cap_axes;
    tvm_status last;     /* status of the last failed lookup (one thread) */
};

/* Appends the schedule's state (axes, loop orders, placements) to a
 * function cache key: equal text, equal loops. */
void sched_key(const tvm_schedule *s, strbuf *sb);

/* Stage index of tensor t, or -1 when the schedule never named it. */
int sched_find_stage(const tvm_schedule *s, uint32_t t);

/* The stage of tensor handle t for primitive fn (argument arg), created on
 * first use; -1 with s->last and the error message set. */
int sched_get_stage(tvm_schedule *s, const char *fn, const char *arg, tvm_tensor t);

/* The graph tensor compiled for tensor t: its packed rewrite, or t. */
uint32_t sched_output(const tvm_schedule *s, uint32_t t);

/* The graph tensor whose loops stage st describes. */
static inline uint32_t sched_stage_tensor(const sch_stage *st) {
    return st->packed_as ? st->packed_as : st->tensor;
}

#endif
