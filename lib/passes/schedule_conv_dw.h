/* schedule_conv_dw.h — the depthwise (channel-plane) convolution schedule
 * schedule_conv hands its width-mode nests to first; see schedule_conv_dw.c. */
#ifndef TVMC_PASSES_SCHEDULE_CONV_DW_H
#define TVMC_PASSES_SCHEDULE_CONV_DW_H

#include "nest.h"

/* A matched convolution nest (schedule_conv.c's match):
 *   for ovar[0..nout): { acc = init; for rvar[0..nred): acc += value;
 *                        rest[0..nrest) (stores reading acc) }
 * with value reading x through sel = select(guard, x[ix..], fill), where the
 * guard is exactly "ix inside x" and x's dim d needs off_lo[d]/off_hi[d]
 * elements of padding (xext[d]: its extent). */
typedef struct conv_dw_nest {
    int nout, nred;
    const uint32_t *ovar, *rvar;
    const int64_t *oext, *rext;
    uint32_t acc;
    lp_id init, value, sel;
    const lp_id *rest;
    uint32_t nrest;
    const int64_t *xext, *off_lo, *off_hi;
} conv_dw_nest;

/* The scheduled replacement of the nest, or 0 when it is not a per-plane
 * window this schedule handles (the caller then keeps its own). Clones
 * through cl (its var_to entries are left cleared). */
lp_id conv_dw_schedule(lp_program *p, nest_cloner *cl, const conv_dw_nest *n);

#endif
