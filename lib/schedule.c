/* schedule.c — the tvm_schedule object and its primitives (tvmc.h,
 * "Schedules"). The primitives only record: they check their arguments, keep
 * and keep the axis table of schedule.h; tvm_compile's passes
 * (schedule_stages, apply_schedule) check the whole and transform the loops. */
#include <stdio.h>
#include <stdlib.h>

#include "context.h"
#include "schedule.h"

int sched_find_stage(const tvm_schedule *s, uint32_t t) {
    for (uint32_t k = 0; k < s->nstages; k++)
        if (s->stages[k].tensor == t) return (int)k;
    return -1;
}

static const char *tensor_name(const tvm_schedule *s, uint32_t t) {
    return graph_string(s->g, s->g->tensors[t].name);
}

typedef struct reduce_find {
    uint32_t found;
    bool many;
} reduce_find;

static graph_step find_reduce(const tvm_graph *g, uint32_t e, void *arg) {
    reduce_find *r = arg;
    const gx_node *x = &g->exprs[e];
    if (x->kind == GX_REDUCE) {
        if (r->found) {
            r->many = true;
            return GRAPH_STEP_STOP;
        }
        r->found = e;
    }
    /* an axis's extent is a shape expression: no reduction there */
    return x->kind == GX_REDUCE_AXIS ? GRAPH_STEP_SKIP : GRAPH_STEP_OPERANDS;
}

/* The axes of a compute's one reduction: *red = the reduce node of its body
 * when there is exactly one, else 0 (several reductions stay inside the
 * body, unscheduled). False when out of memory. */
static bool single_reduce(const tvm_graph *g, uint32_t body, uint32_t *red) {
    graph_walk w;
    reduce_find r = {0, false};
    bool ok = graph_walk_init(&w, g) && graph_walk_run(&w, &body, 1, NULL, 0, find_reduce, &r);
    graph_walk_free(&w);
    *red = r.many ? 0 : r.found;
    return ok;
}

static uint32_t new_axis(tvm_schedule *s, const sch_axis *a) {
    if (!VEC_PUSH_OK(s->axes, s->naxes, s->cap_axes, GRAPH_INDEX_MASK)) return 0;
    s->axes[s->naxes] = *a;
    return s->naxes++;
}

/* The stage of tensor handle t (created on first use with its root loops). */
int sched_get_stage(tvm_schedule *s, const char *fn, const char *arg, tvm_tensor t) {
    uint32_t idx = graph_tensor_index(s->g, t);
    if (!idx || idx >= s->ntensors) {
        s->last = err_set(TVM_ERR_INVALID_HANDLE, "%s: %s (id 0x%08x) is not a tensor of the schedule's "
                "graph", fn, arg, t.id);
        return -1;
    }
    if (!s->reach[idx]) {
        s->last = err_set(TVM_ERR_INVALID_HANDLE, "%s: %s '%s' is not a compute that the schedule's "
                "outputs need", fn, arg, tensor_name(s, idx));
        return -1;
    }
    int k = sched_find_stage(s, idx);
    if (k >= 0) return k;
    const tvm_graph *g = s->g;
    const gt_node *tn = &g->tensors[idx];
    uint32_t red;
    if (!single_reduce(g, tn->body, &red)) {
        s->last = err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return -1;
    }
    uint32_t nred = red ? g->exprs[red].nlist : 0;
    if (tn->ndim + nred > SCHED_MAX_LEAVES) nred = 0;
    if (!VEC_PUSH_OK(s->stages, s->nstages, s->cap_stages, INT32_MAX)) {
        s->last = err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
        return -1;
    }
    sch_stage *st = &s->stages[s->nstages];
    *st = (sch_stage){.tensor = idx, .nspatial = tn->ndim, .nreduce = nred};
    for (uint32_t d = 0; d < tn->ndim + nred; d++) {
        uint32_t gv = d < tn->ndim ? g->pool[tn->iters + d]
                                   : g->pool[g->exprs[red].list + d - tn->ndim];
        sch_axis a = {.stage = s->nstages, .kind = SA_ROOT, .reduce = d >= tn->ndim,
                      .leaf = 1, .gvar = gv};
        snprintf(a.name, sizeof a.name, "%s", graph_string(g, g->exprs[gv].name));
        uint32_t ax = new_axis(s, &a);
        if (!ax) {
            s->last = err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
            return -1;
        }
        st->leaves[st->nleaves++] = ax;
    }
    return (int)s->nstages++;
}

/* Position of a leaf axis named by handle h in stage k, or -1 (error set). */
static int leaf_pos(tvm_schedule *s, int k, const char *fn, const char *arg, tvm_expr h) {
    sch_stage *st = &s->stages[k];
    uint32_t ax = 0;
    if ((h.id >> GRAPH_INDEX_BITS) == s->g->tag) { /* a root axis: a graph variable */
        uint32_t gv = h.id & GRAPH_INDEX_MASK;
        for (uint32_t a = 1; a < s->naxes && !ax; a++)
            if (s->axes[a].stage == (uint32_t)k && s->axes[a].kind == SA_ROOT &&
                s->axes[a].gvar == gv)
                ax = a;
        if (!ax) {
            const char *nm = gv && gv < s->g->nexprs ? graph_string(s->g, s->g->exprs[gv].name)
                                                     : "?";
            s->last = err_set(TVM_ERR_INVALID_HANDLE, "%s: %s '%s' is not an axis of stage '%s' (its "
                    "iteration variables and its reduction's axes are)", fn, arg, nm,
                    tensor_name(s, st->tensor));
            return -1;
        }
    } else if ((h.id >> GRAPH_INDEX_BITS) == 0 && h.id > 0 && h.id < s->naxes &&
               s->axes[h.id].kind != SA_ROOT) {
        ax = h.id;
        if (s->axes[ax].stage != (uint32_t)k) {
            s->last = err_set(TVM_ERR_INVALID_HANDLE, "%s: %s '%s' is an axis of stage '%s', not of '%s'",
                    fn, arg, s->axes[ax].name, tensor_name(s, s->stages[s->axes[ax].stage].tensor),
                    tensor_name(s, st->tensor));
            return -1;
        }
    } else {
        s->last = err_set(TVM_ERR_INVALID_HANDLE, "%s: %s (id 0x%08x) is not an axis of this schedule",
                fn, arg, h.id);
        return -1;
    }
    for (uint32_t p = 0; p < st->nleaves; p++)
        if (st->leaves[p] == ax) return (int)p;
    s->last = err_set(TVM_ERR_INVALID_HANDLE, "%s: %s '%s' of stage '%s' is no longer a loop (it was "
            "split or fused; use the axes that replaced it)", fn, arg, s->axes[ax].name,
            tensor_name(s, st->tensor));
    return -1;
}

static tvm_expr axis_handle(uint32_t ax, const tvm_schedule *s) {
    if (s->axes[ax].kind == SA_ROOT)
        return (tvm_expr){((uint32_t)s->g->tag << GRAPH_INDEX_BITS) | s->axes[ax].gvar};
    return (tvm_expr){ax};
}

#define CHECK_S(fn)                                                                  \
    do {                                                                             \
        if (!s) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: s is NULL", fn);       \
    } while (0)

/* ---- create / destroy ------------------------------------------------------------- */

TVMC_API tvm_status tvm_schedule_create(tvm_graph *g, int nout, const tvm_tensor *outputs,
                                        tvm_schedule **out) {
    const char *fn = "tvm_schedule_create";
    if (!out) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!g) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: g is NULL", fn);
    if (g->status != TVM_OK)
        return err_set(g->status, "%s: the graph has an error: %s", fn, g->error ? g->error : "");
    if (nout < 1 || nout > 4096)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: nout is %d; it must be in [1, 4096]", fn,
                       nout);
    if (!outputs) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: outputs is NULL", fn);
    uint32_t *idx = malloc((size_t)nout * sizeof *idx);
    if (!idx) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    for (int i = 0; i < nout; i++) {
        idx[i] = graph_tensor_index(g, outputs[i]);
        if (!idx[i] || g->tensors[idx[i]].kind != GT_COMPUTE) {
            tvm_status st = idx[i] ? TVM_ERR_INVALID_ARGUMENT : TVM_ERR_INVALID_HANDLE;
            free(idx);
            return err_set(st, "%s: outputs[%d] (id 0x%08x) is not a compute of this graph", fn,
                           i, outputs[i].id);
        }
    }
    tvm_schedule *s = calloc(1, sizeof *s);
    uint8_t *emark = calloc(g->nexprs, 1);
    if (s) s->reach = calloc(g->ntensors, 1);
    if (!s || !emark || !s->reach || !graph_mark_reachable(g, idx, nout, s->reach, emark)) {
        free(emark);
        free(idx);
        tvm_schedule_destroy(s);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    }
    free(emark);
    s->outputs = idx;
    s->nout = (uint32_t)nout;
    s->g = g;
    s->ntensors = g->ntensors;
    for (uint32_t t = 0; t < g->ntensors; t++)
        if (g->tensors[t].kind != GT_COMPUTE) s->reach[t] = 0;
    s->naxes = 1;
    s->cap_axes = 64;
    s->axes = calloc(s->cap_axes, sizeof *s->axes);
    if (!s->axes) {
        tvm_schedule_destroy(s);
        return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    }
    *out = s;
    return TVM_OK;
}

TVMC_API void tvm_schedule_destroy(tvm_schedule *s) {
    if (!s) return;
    free(s->reach);
    free(s->outputs);
    free(s->stages);
    free(s->axes);
    free(s);
}

/* ---- loop primitives -------------------------------------------------------------- */

static tvm_status do_split(tvm_schedule *s, int k, int pos, int64_t factor,
                           uint32_t *outer, uint32_t *inner) {
    sch_stage *st = &s->stages[k];
    if (st->nleaves + 1 > SCHED_MAX_LEAVES)
        return err_set(TVM_ERR_LIMIT, "tvm_sched_split: stage '%s' would have more than %d "
                       "loops", tensor_name(s, st->tensor), SCHED_MAX_LEAVES);
    uint32_t ax = st->leaves[pos];
    sch_axis o = {.stage = (uint32_t)k, .kind = SA_OUTER, .reduce = s->axes[ax].reduce,
                  .leaf = 1, .src = ax, .factor = factor};
    sch_axis i = o;
    i.kind = SA_INNER;
    snprintf(o.name, sizeof o.name, "%.38s.outer", s->axes[ax].name);
    snprintf(i.name, sizeof i.name, "%.38s.inner", s->axes[ax].name);
    uint32_t oa = new_axis(s, &o), ia = oa ? new_axis(s, &i) : 0;
    if (!ia) return err_set(TVM_ERR_OUT_OF_MEMORY, "tvm_sched_split: out of memory");
    sch_axis *a = &s->axes[ax];
    a->leaf = 0;
    a->outer = oa;
    a->inner = ia;
    memmove(st->leaves + pos + 2, st->leaves + pos + 1,
            (st->nleaves - (uint32_t)pos - 1) * sizeof *st->leaves);
    st->leaves[pos] = oa;
    st->leaves[pos + 1] = ia;
    st->nleaves++;
    st->scheduled = true;
    *outer = oa;
    *inner = ia;
    return TVM_OK;
}

TVMC_API tvm_status tvm_sched_split(tvm_schedule *s, tvm_tensor stage, tvm_expr axis,
                                    int64_t factor, tvm_expr *outer, tvm_expr *inner) {
    const char *fn = "tvm_sched_split";
    CHECK_S(fn);
    if (!outer || !inner)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !outer ? "outer" : "inner");
    int k = sched_get_stage(s, fn, "stage", stage);
    if (k < 0) return s->last;
    int pos = leaf_pos(s, k, fn, "axis", axis);
    if (pos < 0) return s->last;
    if (factor <= 0 || factor > SCHED_MAX_FACTOR)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: factor is %lld for axis '%s' of stage "
                       "'%s'; it must be > 0 and <= 2^31", fn, (long long)factor,
                       s->axes[s->stages[k].leaves[pos]].name,
                       tensor_name(s, s->stages[k].tensor));
    uint32_t o, i;
    tvm_status st = do_split(s, k, pos, factor, &o, &i);
    if (st != TVM_OK) return st;
    *outer = axis_handle(o, s);
    *inner = axis_handle(i, s);
    return TVM_OK;
}

/* Reorders the leaves at positions pos[0..n) (any order) into the order
 * given: the sorted positions receive the axes in the listed order. */
static void place_in_order(sch_stage *st, const int *pos, int n) {
    int sorted[SCHED_MAX_LEAVES];
    uint32_t axes[SCHED_MAX_LEAVES];
    for (int a = 0; a < n; a++) {
        sorted[a] = pos[a];
        axes[a] = st->leaves[pos[a]];
    }
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
            int t = sorted[b];
            sorted[b] = sorted[b - 1];
            sorted[b - 1] = t;
        }
    for (int a = 0; a < n; a++) st->leaves[sorted[a]] = axes[a];
}

TVMC_API tvm_status tvm_sched_reorder(tvm_schedule *s, tvm_tensor stage, int n,
                                      const tvm_expr *axes) {
    const char *fn = "tvm_sched_reorder";
    CHECK_S(fn);
    int k = sched_get_stage(s, fn, "stage", stage);
    if (k < 0) return s->last;
    if (n < 1 || n > SCHED_MAX_LEAVES)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: n is %d; it must be in [1, %d]", fn, n,
                       SCHED_MAX_LEAVES);
    if (!axes) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: axes is NULL", fn);
    int pos[SCHED_MAX_LEAVES];
    char arg[32];
    for (int a = 0; a < n; a++) {
        snprintf(arg, sizeof arg, "axes[%d]", a);
        pos[a] = leaf_pos(s, k, fn, arg, axes[a]);
        if (pos[a] < 0) return s->last;
        for (int b = 0; b < a; b++)
            if (pos[b] == pos[a])
                return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: axes[%d] and axes[%d] are both "
                               "axis '%s' of stage '%s' (an axis may appear once)", fn, b, a,
                               s->axes[s->stages[k].leaves[pos[a]]].name,
                               tensor_name(s, s->stages[k].tensor));
    }
    sch_stage *st = &s->stages[k];
    place_in_order(st, pos, n);
    st->scheduled = true;
    return TVM_OK;
}

TVMC_API tvm_status tvm_sched_tile(tvm_schedule *s, tvm_tensor stage, tvm_expr x,
                                   tvm_expr y, int64_t xf, int64_t yf, tvm_expr *x_outer,
                                   tvm_expr *y_outer, tvm_expr *x_inner, tvm_expr *y_inner) {
    const char *fn = "tvm_sched_tile";
    CHECK_S(fn);
    if (!x_outer || !y_outer || !x_inner || !y_inner)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                       !x_outer ? "x_outer" : !y_outer ? "y_outer" : !x_inner ? "x_inner"
                                                                            : "y_inner");
    int k = sched_get_stage(s, fn, "stage", stage);
    if (k < 0) return s->last;
    int px = leaf_pos(s, k, fn, "x", x);
    if (px < 0) return s->last;
    int py = leaf_pos(s, k, fn, "y", y);
    if (py < 0) return s->last;
    sch_stage *st = &s->stages[k];
    if (px == py)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: x and y are both axis '%s' of stage "
                       "'%s' (an axis may appear once)", fn, s->axes[st->leaves[px]].name,
                       tensor_name(s, st->tensor));
    bool xbad = xf <= 0 || xf > SCHED_MAX_FACTOR;
    if (xbad || yf <= 0 || yf > SCHED_MAX_FACTOR)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: %s is %lld for axis '%s' of stage '%s'; "
                       "it must be > 0 and <= 2^31", fn, xbad ? "xf" : "yf",
                       (long long)(xbad ? xf : yf),
                       s->axes[st->leaves[xbad ? px : py]].name, tensor_name(s, st->tensor));
    if (st->nleaves + 2 > SCHED_MAX_LEAVES)
        return err_set(TVM_ERR_LIMIT, "%s: stage '%s' would have more than %d loops", fn,
                       tensor_name(s, st->tensor), SCHED_MAX_LEAVES);
    uint32_t xo, xi, yo, yi;
    tvm_status r = do_split(s, k, px, xf, &xo, &xi);
    if (r != TVM_OK) return r;
    if (py > px) py++;
    r = do_split(s, k, py, yf, &yo, &yi);
    if (r != TVM_OK) return r;
    /* the four loops take the positions they now occupy, in tile order */
    int pos[4];
    for (uint32_t a = 0; a < st->nleaves; a++) {
        if (st->leaves[a] == xo) pos[0] = (int)a;
        if (st->leaves[a] == yo) pos[1] = (int)a;
        if (st->leaves[a] == xi) pos[2] = (int)a;
        if (st->leaves[a] == yi) pos[3] = (int)a;
    }
    place_in_order(st, pos, 4);
    *x_outer = axis_handle(xo, s);
    *y_outer = axis_handle(yo, s);
    *x_inner = axis_handle(xi, s);
    *y_inner = axis_handle(yi, s);
    return TVM_OK;
}

TVMC_API tvm_status tvm_sched_fuse(tvm_schedule *s, tvm_tensor stage, tvm_expr outer,
                                   tvm_expr inner, tvm_expr *fused) {
    const char *fn = "tvm_sched_fuse";
    CHECK_S(fn);
    if (!fused) return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: fused is NULL", fn);
    int k = sched_get_stage(s, fn, "stage", stage);
    if (k < 0) return s->last;
    int po = leaf_pos(s, k, fn, "outer", outer);
    if (po < 0) return s->last;
    int pi = leaf_pos(s, k, fn, "inner", inner);
    if (pi < 0) return s->last;
    sch_stage *st = &s->stages[k];
    uint32_t oa = st->leaves[po], ia = st->leaves[pi];
    if (pi != po + 1)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: outer '%s' must be the loop immediately "
                       "outside inner '%s' in stage '%s'", fn, s->axes[oa].name,
                       s->axes[ia].name, tensor_name(s, st->tensor));
    if (s->axes[oa].reduce != s->axes[ia].reduce)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: outer '%s' and inner '%s' of stage '%s' "
                       "must both be spatial or both reduction axes", fn, s->axes[oa].name,
                       s->axes[ia].name, tensor_name(s, st->tensor));
    sch_axis f = {.stage = (uint32_t)k, .kind = SA_FUSED, .reduce = s->axes[oa].reduce,
                  .leaf = 1, .src = oa, .src2 = ia};
    snprintf(f.name, sizeof f.name, "%.22s.%.22s", s->axes[oa].name, s->axes[ia].name);
    uint32_t fa = new_axis(s, &f);
    if (!fa) return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    s->axes[oa].leaf = s->axes[ia].leaf = 0;
    s->axes[oa].fused = s->axes[ia].fused = fa;
    st->leaves[po] = fa;
    memmove(st->leaves + pi, st->leaves + pi + 1,
            (st->nleaves - (uint32_t)pi - 1) * sizeof *st->leaves);
    st->nleaves--;
    st->scheduled = true;
    *fused = axis_handle(fa, s);
    return TVM_OK;
}

static tvm_status annotate(tvm_schedule *s, const char *fn, tvm_tensor stage, tvm_expr axis,
                           int ann) {
    CHECK_S(fn);
    int k = sched_get_stage(s, fn, "stage", stage);
    if (k < 0) return s->last;
    int pos = leaf_pos(s, k, fn, "axis", axis);
    if (pos < 0) return s->last;
    sch_stage *st = &s->stages[k];
    s->axes[st->leaves[pos]].ann = (uint8_t)ann;
    st->scheduled = true;
    return TVM_OK;
}

TVMC_API tvm_status tvm_sched_vectorize(tvm_schedule *s, tvm_tensor stage, tvm_expr axis) {
    return annotate(s, "tvm_sched_vectorize", stage, axis, SA_ANN_VECTORIZE);
}

TVMC_API tvm_status tvm_sched_parallel(tvm_schedule *s, tvm_tensor stage, tvm_expr axis) {
    return annotate(s, "tvm_sched_parallel", stage, axis, SA_ANN_PARALLEL);
}

TVMC_API tvm_status tvm_sched_unroll(tvm_schedule *s, tvm_tensor stage, tvm_expr axis) {
    return annotate(s, "tvm_sched_unroll", stage, axis, SA_ANN_UNROLL);
}

/* ---- where stages are computed ---------------------------------------------------- */

TVMC_API tvm_status tvm_sched_compute_inline(tvm_schedule *s, tvm_tensor producer) {
    const char *fn = "tvm_sched_compute_inline";
    CHECK_S(fn);
    int k = sched_get_stage(s, fn, "producer", producer);
    if (k < 0) return s->last;
    sch_stage *st = &s->stages[k];
    uint32_t red = 0;
    if (!st->nreduce && !single_reduce(s->g, s->g->tensors[st->tensor].body, &red))
        return err_set(TVM_ERR_OUT_OF_MEMORY, "%s: out of memory", fn);
    if (st->nreduce || red)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: producer '%s' is a reduction; only a "
                       "compute without one can be inlined", fn, tensor_name(s, st->tensor));
    if (st->attach_stage)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: producer '%s' is already computed at "
                       "another stage's loop", fn, tensor_name(s, st->tensor));
    st->inlined = true;
    return TVM_OK;
}

TVMC_API tvm_status tvm_sched_compute_at(tvm_schedule *s, tvm_tensor producer,
                                         tvm_tensor consumer, tvm_expr axis) {
    const char *fn = "tvm_sched_compute_at";
    CHECK_S(fn);
    int kp = sched_get_stage(s, fn, "producer", producer);
    if (kp < 0) return s->last;
    int kc = sched_get_stage(s, fn, "consumer", consumer);
    if (kc < 0) return s->last;
    if (kp == kc)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: producer and consumer are both '%s'", fn,
                       tensor_name(s, s->stages[kp].tensor));
    int pos = leaf_pos(s, kc, fn, "axis", axis);
    if (pos < 0) return s->last;
    sch_stage *sp = &s->stages[kp];
    if (sp->inlined)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: producer '%s' is already inlined", fn,
                       tensor_name(s, sp->tensor));
    sp->attach_stage = (uint32_t)kc + 1;
    sp->attach_axis = s->stages[kc].leaves[pos];
    s->stages[kc].scheduled = true;
    return TVM_OK;
}

TVMC_API tvm_status tvm_sched_cache_write(tvm_schedule *s, tvm_tensor stage, tvm_expr axis) {
    const char *fn = "tvm_sched_cache_write";
    CHECK_S(fn);
    int k = sched_get_stage(s, fn, "stage", stage);
    if (k < 0) return s->last;
    int pos = leaf_pos(s, k, fn, "axis", axis);
    if (pos < 0) return s->last;
    sch_stage *st = &s->stages[k];
    if (!st->nreduce)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: stage '%s' has no reduction (of one "
                       "reduce expression) to accumulate locally", fn, tensor_name(s, st->tensor));
    if (s->axes[st->leaves[pos]].reduce)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "%s: axis '%s' of stage '%s' is a reduction "
                       "axis; the block sits inside a spatial loop", fn,
                       s->axes[st->leaves[pos]].name, tensor_name(s, st->tensor));
    st->cache_axis = st->leaves[pos];
    st->scheduled = true;
    return TVM_OK;
}

void sched_key(const tvm_schedule *s, strbuf *sb) {
    sb_puts(sb, "|schedule:");
    for (uint32_t a = 1; a < s->naxes; a++) {
        const sch_axis *x = &s->axes[a];
        sb_printf(sb, "a%u,%u,%u,%u,%u,%u,%lld;", x->stage, x->kind, x->ann, x->leaf, x->src,
                  x->src2, (long long)x->factor);
    }
    for (uint32_t k = 0; k < s->nstages; k++) {
        const sch_stage *st = &s->stages[k];
        sb_printf(sb, "s%u,%u,%u,%u,%d,%d,%u,%u:", st->tensor, st->cache_axis,
                  st->attach_stage, st->attach_axis, st->inlined, st->scheduled, st->packed_as,
                  st->pack_of);
        for (uint32_t a = 0; a < st->nleaves; a++) sb_printf(sb, "%u,", st->leaves[a]);
    }
}
