/* nest.h — helpers the loop-nest rewriting schedules share
 * (schedule_contraction, schedule_conv, schedule_pool): their walk over the
 * program's loops, small facts about a matched nest, and cloning an
 * expression tree under a substitution, which is how they turn one
 * iteration of the original body into the statements of a block.
 */
#ifndef TVMC_PASSES_NEST_H
#define TVMC_PASSES_NEST_H

#include "../ir/loop.h"

/* *v = the value of e when it is an int64 constant. */
bool nest_const_extent(const lp_program *p, lp_id e, int64_t *v);
/* s without the SEQs of one statement around it. */
lp_id nest_single(const lp_program *p, lp_id s);
/* Appends the statements of s (nested SEQs flattened) to out[*n..cap);
 * false when they do not fit. */
bool nest_flatten_seq(const lp_program *p, lp_id s, lp_id *out, uint32_t *n, uint32_t cap);
/* Whether expression e reads variable var (true also when too deep to tell). */
bool nest_mentions(const lp_program *p, lp_id e, uint32_t var, int depth);

/* The init of a reduction nest's body, items[0]: a store of a constant
 * into a scalar local accumulator of a float dtype (float32, float64).
 * Sets *acc and *init. */
bool nest_match_init(const lp_program *p, lp_id item0, uint32_t *acc, lp_id *init);

/* The epilogue of a reduction nest: items[0..n) stores into buffers other
 * than locals, each storing its own element (every output var ovar[0..nout)
 * a bare index), at most cap of them, copied to rest[] (*nrest) and marked
 * in written (cleared first, nbufs entries); then the reduction's value and
 * the epilogue may read only what nest_expr_ok allows (selects included). */
bool nest_match_epilogue(const lp_program *p, const lp_id *items, uint32_t n,
                         const uint32_t *ovar, int nout, uint32_t acc, lp_id value,
                         uint8_t *written, uint32_t nbufs, lp_id *rest, uint32_t *nrest,
                         uint32_t cap);

/* The schedules' walk over statement s: its loops, outermost first, through
 * sequences and both arms of ifs, down to 64 levels. Each loop is offered
 * to try_loop(ctx, loop): a nonzero answer takes the loop's place (the
 * loop itself to keep it) and its body is not visited; 0 visits the body.
 * try_loop may add nodes (moving p->nodes): the walk writes children back
 * by index. Returns s or its replacement. */
typedef lp_id (*nest_try_fn)(void *ctx, lp_id loop);
lp_id nest_rewrite_loops(lp_program *p, lp_id s, nest_try_fn try_loop, void *ctx);

/* What a matched nest's value or update may read, for a schedule that
 * re-evaluates it in blocks: no local buffer but acc, no buffer in
 * `written` (one the epilogue stores), no checked load (bounds has not run
 * yet), and calls or selects only when `allow` says so (a select can guard
 * a read that a block evaluating loads ahead must not make). */
enum { NEST_ALLOW_CALLS = 1, NEST_ALLOW_SELECTS = 2 };
bool nest_expr_ok(const lp_program *p, lp_id e, uint32_t acc, const uint8_t *written,
                  unsigned allow, int depth);

static inline lp_id nest_i64(lp_program *p, int64_t v) { return lp_const_int(p, TVM_INT64, v); }
/* a + b, or a itself when b is 0. */
static inline lp_id nest_addc(lp_program *p, lp_id a, int64_t b) {
    return b ? lp_binary(p, IR_ADD, a, nest_i64(p, b)) : a;
}

/* Clones trees of the program with variables replaced by var_to[var] (0:
 * kept) and loads of the local `acc` replaced by acc_to. Only nodes that
 * existed when the cloner was made are memoised: one substitution's clones
 * are shared (a node read twice is cloned once) until nest_subst_begin
 * starts the next substitution. */
typedef struct nest_cloner {
    lp_program *p;
    lp_id *memo;        /* per node: its clone under the current substitution */
    uint32_t *memo_tag; /* ... valid when equal to tag */
    uint32_t nmemo, tag;
    lp_id *var_to;      /* per variable: replacement expression (0 = none) */
    uint32_t nvar_to;
    uint32_t acc;       /* loads of this local become acc_to (0: none) */
    lp_id acc_to;
    bool oom;           /* a list too long to clone, or an allocation failed */
} nest_cloner;

/* False when out of memory (c->oom set; nest_cloner_free still safe). */
bool nest_cloner_init(nest_cloner *c, lp_program *p);
void nest_cloner_free(nest_cloner *c);
/* Forgets the memoised clones: the next clones use the new var_to/acc_to. */
void nest_subst_begin(nest_cloner *c);
lp_id nest_clone(nest_cloner *c, lp_id e);

#endif
