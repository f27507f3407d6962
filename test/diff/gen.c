/* gen.c — the seeded generator of well-typed random graphs.
 *
 * A graph is a short chain of computes (1-12 operations in all) over
 * placeholders, constant tensors and earlier computes. Shapes come from a
 * small table of dimensions shared by all tensors of the case: constants from
 * {0,1,2,3,7,8,9,15,16,17,31,33,64,127,129}, size variables (in ~30% of the
 * cases; each gets one value per shape signature) and expressions of them
 * (n+1, 2n, max(n-1,0), min(n,3)). A load indexes each dimension of a tensor
 * with something provably in range: an iteration variable or reduction axis
 * of the same (or a smaller) extent, the constant 0 (broadcast), the reversed
 * index n-1-i, i/2, (i+1) mod n, min(i+1, n-1), or a guarded neighbour
 * select(i > 0, A[i-1], 0).
 *
 * Every value carries a taint used by the oracle: a value is *exact* when the
 * reference and a compiled kernel must agree bit for bit (all integer and
 * bool values, and floats computed by correctly rounded IEEE operations), or
 * *inexact* after a float sum/prod reduction (which may be reassociated) or a
 * transcendental function (exp, log, tanh, sigmoid, erf, pow; sqrt and rsqrt
 * are correctly rounded and stay exact). Inexact values only flow through
 * operations that keep an absolute error small (+, -, *, min, max, neg, abs,
 * select arms, float casts, numerator of /, further reductions): never into
 * comparisons, integer casts, floor/ceil, mod or the argument of a
 * transcendental function, where one ulp could flip a result. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

static const int64_t DIM_VALUES[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127, 129};
#define NDIM_VALUES ((int)(sizeof DIM_VALUES / sizeof DIM_VALUES[0]))
#define WORK_CAP ((int64_t)1 << 18) /* elements x reduction extents per compute */
#define MAX_AXES 12

typedef struct val {
    tvm_expr e;
    tvm_dtype dt;
    bool inexact, transc;
    double unit, red;
    /* lo <= value <= hi for every element (±INFINITY where unknown); for an
     * inexact value, esc bounds the magnitudes its error scales with (the
     * oracle's S; see oracle.c) */
    double lo, hi, esc;
    double tfac; /* the largest error factor of a transcendental on the path */
} val;

typedef struct scope {
    int nit;
    tvm_expr it[GEN_MAX_NDIM];
    int itdim[GEN_MAX_NDIM];
    bool itused[GEN_MAX_NDIM];
    int nax;
    tvm_expr ax[MAX_AXES];
    int axdim[MAX_AXES];
    bool axused[MAX_AXES];
    int64_t work;
    int red_depth;
    bool prod; /* inside a float product: factors stay in [0.5, 2] */
} scope;

typedef struct gst {
    gen_case *c;
    rng r;
    int ops_left;
    int64_t elem_cap;
    int64_t inner;     /* innermost extent of the compute being built (sig 0) */
    int64_t red_inner; /* innermost extent of the reduction being built, or -1 */
    bool need_load;    /* the next leaf is a load (every compute reads something) */
    int nitpool;
    tvm_expr itpool[32];
    int naxes_made, nvars_made;
    uint32_t *declared;
    int ndeclared, cap_declared;
    bool dim_used[GEN_MAX_DIMS];
} gst;

/* ---- the reproducer log ------------------------------------------------------ */

static void logf_(gst *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(gst *st, const char *fmt, ...) {
    gen_case *c = st->c;
    if (!c->log && c->log_cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    if (c->log_len + (size_t)n + 1 > c->log_cap) {
        size_t cap = c->log_cap * 2;
        while (cap < c->log_len + (size_t)n + 1) cap *= 2;
        char *p = realloc(c->log, cap);
        if (!p) return;
        c->log = p;
        c->log_cap = cap;
    }
    memcpy(c->log + c->log_len, tmp, (size_t)n + 1);
    c->log_len += (size_t)n;
}

/* "tvm_expr eN = " the first time a handle is seen, "eN = " after (the
 * builder hash-conses equal expressions into one handle). */
static const char *decl(gst *st, uint32_t id, const char *type) {
    for (int i = 0; i < st->ndeclared; i++)
        if (st->declared[i] == id) return "";
    if (st->ndeclared == st->cap_declared) {
        int cap = st->cap_declared ? st->cap_declared * 2 : 64;
        uint32_t *p = realloc(st->declared, (size_t)cap * sizeof *p);
        if (!p) return type;
        st->declared = p;
        st->cap_declared = cap;
    }
    st->declared[st->ndeclared++] = id;
    return type;
}

static void list_text(char *buf, size_t cap, const tvm_expr *e, int n) {
    size_t k = 0;
    if (n == 0) {
        snprintf(buf, cap, "NULL");
        return;
    }
    k += (size_t)snprintf(buf + k, cap - k, "(tvm_expr[]){");
    for (int i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%se%u", i ? ", " : "", e[i].id);
    if (k < cap) snprintf(buf + k, cap - k, "}");
}

/* ---- checked builder calls ------------------------------------------------------ */

static void fail_call(gst *st, const char *what) {
    gen_case *c = st->c;
    if (!c->error[0])
        snprintf(c->error, sizeof c->error, "%s refused: %s (%s)", what, tvm_last_error(),
                 tvm_status_string(tvm_graph_status(c->g)));
}

static void cover_op(gst *st, int opk, tvm_dtype d) {
    gen_case *c = st->c;
    c->cov.op[opk][d] = 1;
    int t = tail_index(st->inner);
    if (t >= 0) c->cov.tail[opk][t] = 1;
    if (st->red_inner >= 0 && (t = tail_index(st->red_inner)) >= 0) c->cov.tail[opk][t] = 1;
}

static tvm_expr checked(gst *st, tvm_expr e, const char *what, tvm_dtype want) {
    if (e.id == 0) {
        fail_call(st, what);
        return e;
    }
    tvm_dtype got;
    st->c->cov.api[API_tvm_expr_dtype] = 1;
    if (tvm_expr_dtype(st->c->g, e, &got) != TVM_OK || got != want) {
        if (!st->c->error[0])
            snprintf(st->c->error, sizeof st->c->error,
                     "%s: tvm_expr_dtype says %s, the generator expected %s", what,
                     dt_name(got), dt_name(want));
    }
    return e;
}

static tvm_expr X_const_int(gst *st, tvm_dtype d, int64_t v) {
    tvm_expr e = tvm_const_int(st->c->g, d, v);
    st->c->cov.api[API_tvm_const_int] = 1;
    cover_op(st, OPK_CONST, d);
    logf_(st, "    %se%u = tvm_const_int(g, %s, %lldLL);\n", decl(st, e.id, "tvm_expr "), e.id,
          dt_enum(d), (long long)v);
    return checked(st, e, "tvm_const_int", d);
}

static tvm_expr X_const_float(gst *st, tvm_dtype d, double v) {
    tvm_expr e = tvm_const_float(st->c->g, d, v);
    st->c->cov.api[API_tvm_const_float] = 1;
    cover_op(st, OPK_CONST, d);
    logf_(st, "    %se%u = tvm_const_float(g, %s, %a);\n", decl(st, e.id, "tvm_expr "), e.id,
          dt_enum(d), v);
    return checked(st, e, "tvm_const_float", d);
}

static tvm_expr X_size_var(gst *st, const char *name) {
    tvm_expr e = tvm_size_var(st->c->g, name);
    st->c->cov.api[API_tvm_size_var] = 1;
    logf_(st, "    %se%u = tvm_size_var(g, \"%s\");\n", decl(st, e.id, "tvm_expr "), e.id, name);
    return checked(st, e, "tvm_size_var", TVM_INT64);
}

static tvm_expr X_iter_var(gst *st, const char *name) {
    tvm_expr e = tvm_iter_var(st->c->g, name);
    st->c->cov.api[API_tvm_iter_var] = 1;
    logf_(st, "    %se%u = tvm_iter_var(g, \"%s\");\n", decl(st, e.id, "tvm_expr "), e.id, name);
    return checked(st, e, "tvm_iter_var", TVM_INT64);
}

static tvm_expr X_reduce_axis(gst *st, const char *name, tvm_expr ext) {
    tvm_expr e = tvm_reduce_axis(st->c->g, name, ext);
    st->c->cov.api[API_tvm_reduce_axis] = 1;
    logf_(st, "    %se%u = tvm_reduce_axis(g, \"%s\", e%u);\n", decl(st, e.id, "tvm_expr "),
          e.id, name, ext.id);
    return checked(st, e, "tvm_reduce_axis", TVM_INT64);
}

static tvm_expr X_load(gst *st, int ti, const tvm_expr *idx, int n) {
    gen_tensor *t = &st->c->ts[ti];
    tvm_expr e = tvm_load(st->c->g, t->t, n ? idx : NULL);
    st->c->cov.api[API_tvm_load] = 1;
    cover_op(st, OPK_LOAD, t->dt);
    char lt[512];
    list_text(lt, sizeof lt, idx, n);
    logf_(st, "    %se%u = tvm_load(g, t%u, %s);\n", decl(st, e.id, "tvm_expr "), e.id, t->t.id,
          lt);
    return checked(st, e, "tvm_load", t->dt);
}

typedef tvm_expr (*bin_fn)(tvm_graph *, tvm_expr, tvm_expr);
typedef tvm_expr (*un_fn)(tvm_graph *, tvm_expr);

static const struct {
    bin_fn fn;
    const char *name;
    int api;
} BIN[OPK_FIRST_UNARY] = {
    [OPK_ADD] = {tvm_add, "tvm_add", API_tvm_add},
    [OPK_SUB] = {tvm_sub, "tvm_sub", API_tvm_sub},
    [OPK_MUL] = {tvm_mul, "tvm_mul", API_tvm_mul},
    [OPK_DIV] = {tvm_div, "tvm_div", API_tvm_div},
    [OPK_MOD] = {tvm_mod, "tvm_mod", API_tvm_mod},
    [OPK_FLOORDIV] = {tvm_floordiv, "tvm_floordiv", API_tvm_floordiv},
    [OPK_FLOORMOD] = {tvm_floormod, "tvm_floormod", API_tvm_floormod},
    [OPK_MIN] = {tvm_min, "tvm_min", API_tvm_min},
    [OPK_MAX] = {tvm_max, "tvm_max", API_tvm_max},
    [OPK_POW] = {tvm_pow, "tvm_pow", API_tvm_pow},
    [OPK_LT] = {tvm_lt, "tvm_lt", API_tvm_lt},
    [OPK_LE] = {tvm_le, "tvm_le", API_tvm_le},
    [OPK_GT] = {tvm_gt, "tvm_gt", API_tvm_gt},
    [OPK_GE] = {tvm_ge, "tvm_ge", API_tvm_ge},
    [OPK_EQ] = {tvm_eq, "tvm_eq", API_tvm_eq},
    [OPK_NE] = {tvm_ne, "tvm_ne", API_tvm_ne},
    [OPK_AND] = {tvm_and, "tvm_and", API_tvm_and},
    [OPK_OR] = {tvm_or, "tvm_or", API_tvm_or},
};

static const struct {
    un_fn fn;
    const char *name;
    int api;
} UN[OPK_FIRST_OTHER - OPK_FIRST_UNARY] = {
#define U(k, f) [OPK_##k - OPK_FIRST_UNARY] = {f, #f, API_##f}
    U(NEG, tvm_neg), U(NOT, tvm_not), U(EXP, tvm_exp), U(LOG, tvm_log), U(SQRT, tvm_sqrt),
    U(RSQRT, tvm_rsqrt), U(TANH, tvm_tanh), U(SIGMOID, tvm_sigmoid), U(ERF, tvm_erf),
    U(ABS, tvm_abs), U(FLOOR, tvm_floor), U(CEIL, tvm_ceil),
#undef U
};

static bool is_compare(int k) { return k >= OPK_LT && k <= OPK_NE; }

/* index arithmetic is recorded like any other int64 operation */
static tvm_expr X_bin(gst *st, int k, tvm_expr a, tvm_expr b, tvm_dtype operand) {
    tvm_expr e = BIN[k].fn(st->c->g, a, b);
    st->c->cov.api[BIN[k].api] = 1;
    cover_op(st, k, operand);
    logf_(st, "    %se%u = %s(g, e%u, e%u);\n", decl(st, e.id, "tvm_expr "), e.id, BIN[k].name,
          a.id, b.id);
    return checked(st, e, BIN[k].name, is_compare(k) ? TVM_BOOL : operand);
}

static tvm_expr X_un(gst *st, int k, tvm_expr a, tvm_dtype d) {
    int u = k - OPK_FIRST_UNARY;
    tvm_expr e = UN[u].fn(st->c->g, a);
    st->c->cov.api[UN[u].api] = 1;
    cover_op(st, k, d);
    logf_(st, "    %se%u = %s(g, e%u);\n", decl(st, e.id, "tvm_expr "), e.id, UN[u].name, a.id);
    return checked(st, e, UN[u].name, d);
}

static tvm_expr X_select(gst *st, tvm_expr cnd, tvm_expr a, tvm_expr b, tvm_dtype d) {
    tvm_expr e = tvm_select(st->c->g, cnd, a, b);
    st->c->cov.api[API_tvm_select] = 1;
    cover_op(st, OPK_SELECT, d);
    logf_(st, "    %se%u = tvm_select(g, e%u, e%u, e%u);\n", decl(st, e.id, "tvm_expr "), e.id,
          cnd.id, a.id, b.id);
    return checked(st, e, "tvm_select", d);
}

static tvm_expr X_cast(gst *st, tvm_dtype to, tvm_expr a, tvm_dtype from) {
    tvm_expr e = tvm_cast(st->c->g, to, a);
    st->c->cov.api[API_tvm_cast] = 1;
    if (from != to) {
        st->c->cov.cast[from][to] = 1;
        cover_op(st, OPK_CAST, to);
    }
    logf_(st, "    %se%u = tvm_cast(g, %s, e%u);\n", decl(st, e.id, "tvm_expr "), e.id,
          dt_enum(to), a.id);
    return checked(st, e, "tvm_cast", to);
}

static tvm_expr X_reduce(gst *st, int k, tvm_expr body, const tvm_expr *axes, int n,
                         tvm_dtype d, bool via_sum) {
    static const char *kinds[] = {"TVM_REDUCE_SUM", "TVM_REDUCE_PROD", "TVM_REDUCE_MIN",
                                  "TVM_REDUCE_MAX"};
    int kind = k - OPK_SUM;
    tvm_expr e;
    char lt[512];
    list_text(lt, sizeof lt, axes, n);
    if (via_sum && k == OPK_SUM) {
        e = tvm_sum(st->c->g, body, n, axes);
        st->c->cov.api[API_tvm_sum] = 1;
        logf_(st, "    %se%u = tvm_sum(g, e%u, %d, %s);\n", decl(st, e.id, "tvm_expr "), e.id,
              body.id, n, lt);
    } else {
        e = tvm_reduce(st->c->g, (tvm_reduce_kind)kind, body, n, axes);
        st->c->cov.api[API_tvm_reduce] = 1;
        logf_(st, "    %se%u = tvm_reduce(g, %s, e%u, %d, %s);\n", decl(st, e.id, "tvm_expr "),
              e.id, kinds[kind], body.id, n, lt);
    }
    cover_op(st, k, d);
    return checked(st, e, "tvm_reduce", d);
}

static void check_tensor_info(gst *st, tvm_tensor t, int ndim, tvm_dtype d, const char *what) {
    int nd = -1;
    tvm_dtype got = 0;
    st->c->cov.api[API_tvm_tensor_info] = 1;
    if (tvm_tensor_info(st->c->g, t, &nd, &got) != TVM_OK || nd != ndim || got != d) {
        if (!st->c->error[0])
            snprintf(st->c->error, sizeof st->c->error,
                     "%s: tvm_tensor_info says rank %d %s, the generator expected rank %d %s",
                     what, nd, dt_name(got), ndim, dt_name(d));
    }
}

/* ---- dimensions ---------------------------------------------------------------- */

static int64_t dval(const gen_case *c, int d, int sig) { return c->dims[d].val[sig]; }
static int64_t dmax(const gen_case *c, int d) {
    return c->dims[d].val[0] > c->dims[d].val[1] ? c->dims[d].val[0] : c->dims[d].val[1];
}
static int64_t dmin(const gen_case *c, int d) {
    return c->dims[d].val[0] < c->dims[d].val[1] ? c->dims[d].val[0] : c->dims[d].val[1];
}
/* a <= b in every signature */
static bool dim_le(const gen_case *c, int a, int b) {
    return c->dims[a].val[0] <= c->dims[b].val[0] && c->dims[a].val[1] <= c->dims[b].val[1];
}

static void mark_dim(gst *st, int d) {
    st->dim_used[d] = true;
    if (st->c->dims[d].kind == DIM_DERIVED) st->dim_used[st->c->dims[d].base] = true;
}

static int64_t draw_value(gst *st, bool for_var) {
    int maxd = st->c->par.max_dim;
    for (int tries = 0; tries < 64; tries++) {
        int64_t v;
        if (for_var && rng_chance(&st->r, 0.18)) v = rng_chance(&st->r, 0.45) ? 0 : 1;
        else if (!for_var && rng_chance(&st->r, 0.02)) v = 0;
        else v = DIM_VALUES[1 + rng_below(&st->r, NDIM_VALUES - 1)];
        if (maxd <= 0 || v <= maxd) return v;
    }
    return 1;
}

static int add_dim(gst *st, int kind, int64_t v0, int64_t v1, tvm_expr e, int base,
                   const char *text) {
    gen_case *c = st->c;
    if (c->ndims >= GEN_MAX_DIMS) return -1;
    gen_dim *d = &c->dims[c->ndims];
    d->kind = kind;
    d->val[0] = v0;
    d->val[1] = c->nsig > 1 ? v1 : v0;
    d->e = e;
    d->base = base;
    snprintf(d->text, sizeof d->text, "%s", text);
    return c->ndims++;
}

static int const_dim(gst *st, int64_t v) {
    gen_case *c = st->c;
    for (int i = 0; i < c->ndims; i++)
        if (c->dims[i].kind == DIM_CONST && c->dims[i].val[0] == v) return i;
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)v);
    if (c->ndims >= GEN_MAX_DIMS) return 0;
    tvm_expr e = X_const_int(st, TVM_INT64, v);
    int d = add_dim(st, DIM_CONST, v, v, e, -1, t);
    return d < 0 ? 0 : d;
}

static int var_dim(gst *st) {
    gen_case *c = st->c;
    if (c->ndims >= GEN_MAX_DIMS) return const_dim(st, draw_value(st, false));
    char name[16];
    snprintf(name, sizeof name, "n%d", st->nvars_made++);
    int64_t v0 = draw_value(st, true), v1 = draw_value(st, true);
    for (int i = 0; i < 8 && v1 == v0; i++) v1 = draw_value(st, true);
    tvm_expr e = X_size_var(st, name);
    int d = add_dim(st, DIM_VAR, v0, v1, e, -1, name);
    return d < 0 ? 0 : d;
}

/* n+1, 2n, max(n-1, 0), min(n, 3) of a variable dim */
static int derived_dim(gst *st, int base) {
    gen_case *c = st->c;
    if (c->ndims >= GEN_MAX_DIMS) return base;
    int kind = (int)rng_below(&st->r, 4);
    tvm_expr b = c->dims[base].e, e;
    int64_t v[2];
    char t[24];
    const char *bn = c->dims[base].text;
    for (int s = 0; s < 2; s++) {
        int64_t x = c->dims[base].val[s];
        v[s] = kind == 0 ? x + 1 : kind == 1 ? 2 * x : kind == 2 ? (x > 0 ? x - 1 : 0)
                                                               : (x < 3 ? x : 3);
    }
    switch (kind) {
    case 0:
        e = X_bin(st, OPK_ADD, b, X_const_int(st, TVM_INT64, 1), TVM_INT64);
        snprintf(t, sizeof t, "%s+1", bn);
        break;
    case 1:
        e = X_bin(st, OPK_MUL, X_const_int(st, TVM_INT64, 2), b, TVM_INT64);
        snprintf(t, sizeof t, "2*%s", bn);
        break;
    case 2:
        e = X_bin(st, OPK_MAX, X_bin(st, OPK_SUB, b, X_const_int(st, TVM_INT64, 1), TVM_INT64),
                  X_const_int(st, TVM_INT64, 0), TVM_INT64);
        snprintf(t, sizeof t, "max(%s-1,0)", bn);
        break;
    default:
        e = X_bin(st, OPK_MIN, b, X_const_int(st, TVM_INT64, 3), TVM_INT64);
        snprintf(t, sizeof t, "min(%s,3)", bn);
        break;
    }
    int d = add_dim(st, DIM_DERIVED, v[0], v[1], e, base, t);
    return d < 0 ? base : d;
}

/* A dim for a new tensor or axis: an existing one or a new one, so that
 * prod * dmax <= cap. Returns -1 if nothing fits. */
static int pick_dim(gst *st, int64_t prod, int64_t cap, bool allow_new) {
    gen_case *c = st->c;
    for (int tries = 0; tries < 12; tries++) {
        int d;
        int r = (int)rng_below(&st->r, 100);
        if (c->ndims > 0 && (r < 70 || !allow_new)) {
            d = (int)rng_below(&st->r, (uint32_t)c->ndims);
        } else if (c->symbolic && r < 85) {
            d = var_dim(st);
        } else if (c->symbolic && r < 90 && c->ndims > 0) {
            int b = (int)rng_below(&st->r, (uint32_t)c->ndims);
            d = c->dims[b].kind == DIM_VAR ? derived_dim(st, b) : b;
        } else {
            d = const_dim(st, draw_value(st, false));
        }
        if (st->c->par.max_dim > 0 && dmax(c, d) > st->c->par.max_dim) continue;
        if (dmax(c, d) == 0 || prod * dmax(c, d) <= cap) return d;
    }
    for (int i = 0; i < c->ndims; i++)
        if (dmax(c, i) <= 1) return i;
    return const_dim(st, 1);
}

/* ---- values ------------------------------------------------------------------------ */

/* ---- value bounds ----------------------------------------------------------------
 * Interval arithmetic on [lo, hi], and the error scale esc of inexact values:
 * where an inexact error enters (a transcendental function, a reassociated
 * sum) it is a few ulp of the value there, so esc starts as a bound on |value|;
 * every later operation adds its own result's bound (one rounding of its own)
 * to the propagated scales (+, -: the sum; *: scaled by the other factor;
 * min, max, select, neg, abs: the larger; sums: the sum of |terms|). An error
 * that cancels (erf(a) - erf(b) near 0) stays bounded by rtol * esc. */

static double bmul(double x, double y) { return x == 0 || y == 0 ? 0 : x * y; }
static double vmag(val v) { return fmax(fabs(v.lo), fabs(v.hi)); }
static double vminabs(val v) { return v.lo <= 0 && v.hi >= 0 ? 0 : fmin(fabs(v.lo), fabs(v.hi)); }
static void set_range(val *v, double lo, double hi) {
    v->lo = isnan(lo) ? -INFINITY : lo;
    v->hi = isnan(hi) ? INFINITY : hi;
}

static void dt_range(tvm_dtype dt, double *lo, double *hi) {
    if (dt == TVM_BOOL) *lo = 0, *hi = 1;
    else if (dt_is_int(dt)) *lo = (double)dt_min(dt), *hi = (double)dt_max(dt);
    else *lo = -INFINITY, *hi = INFINITY;
}

static val exact_val(tvm_expr e, tvm_dtype dt) {
    val v = {.e = e, .dt = dt};
    dt_range(dt, &v.lo, &v.hi);
    return v;
}

/* select(c, a, b) (and min/max of ranges): the hull; the arm chosen is the
 * same in every backend, so the error is the larger one */
static val join(tvm_expr e, tvm_dtype dt, val a, val b) {
    val v = {.e = e, .dt = dt};
    v.inexact = a.inexact || b.inexact;
    v.transc = a.transc || b.transc;
    v.unit = fmax(a.inexact ? a.unit : 0, b.inexact ? b.unit : 0);
    v.red = fmax(a.red, b.red);
    v.tfac = fmax(a.tfac, b.tfac);
    set_range(&v, fmin(a.lo, b.lo), fmax(a.hi, b.hi));
    if (!dt_is_float(dt)) dt_range(dt, &v.lo, &v.hi);
    v.esc = fmax(a.inexact ? a.esc : 0, b.inexact ? b.esc : 0);
    return v;
}

/* a k b for an arithmetic op kind k */
static val arith(int k, tvm_expr e, tvm_dtype dt, val a, val b) {
    val v = join(e, dt, a, b);
    double ea = a.inexact ? a.esc : 0, eb = b.inexact ? b.esc : 0;
    if (!dt_is_float(dt)) return v; /* dtype range (integers wrap) */
    double c[4];
    switch (k) {
    case OPK_ADD: set_range(&v, a.lo + b.lo, a.hi + b.hi); v.esc = ea + eb; break;
    case OPK_SUB: set_range(&v, a.lo - b.hi, a.hi - b.lo); v.esc = ea + eb; break;
    case OPK_MUL:
        c[0] = bmul(a.lo, b.lo), c[1] = bmul(a.lo, b.hi), c[2] = bmul(a.hi, b.lo);
        c[3] = bmul(a.hi, b.hi);
        set_range(&v, fmin(fmin(c[0], c[1]), fmin(c[2], c[3])),
                  fmax(fmax(c[0], c[1]), fmax(c[2], c[3])));
        v.esc = bmul(ea, vmag(b)) + bmul(eb, vmag(a));
        break;
    case OPK_DIV: {
        double m = vminabs(b) > 0 ? vmag(a) / vminabs(b) : INFINITY;
        set_range(&v, -m, m);
        v.esc = vminabs(b) > 0 ? ea / vminabs(b) : ea > 0 ? INFINITY : 0;
        break;
    }
    case OPK_MIN: set_range(&v, fmin(a.lo, b.lo), fmin(a.hi, b.hi)); break;
    case OPK_MAX: set_range(&v, fmax(a.lo, b.lo), fmax(a.hi, b.hi)); break;
    case OPK_MOD: case OPK_FLOORMOD: set_range(&v, -vmag(b), vmag(b)); break;
    case OPK_POW: {
        /* |a|^b is monotone in |a| and in b: its bound is at a corner */
        double m = 0, x[2] = {vminabs(a), vmag(a)}, y[2] = {b.lo, b.hi};
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                m = fmax(m, x[i] == 0 && y[j] < 0 ? INFINITY : pow(x[i], y[j]));
        if (!isfinite(b.lo) || !isfinite(b.hi)) m = INFINITY;
        set_range(&v, -m, m);
        /* pow's error grows with |b ln a| = |ln result| (the llvm target's
         * pow is about exp2(b log2 a) rounded in between): at most 104
         * (float32 compute) or 745 (float64) for a finite nonzero result */
        double lnmax = fmax(fabs(log(x[0])), fabs(log(x[1])));
        double f = fmin(bmul(fmax(fabs(b.lo), fabs(b.hi)), lnmax), dt == TVM_FLOAT64 ? 745 : 104);
        v.tfac = fmax(v.tfac, 1 + f);
        v.esc = bmul(m, 1 + f); /* an inexact error enters here */
        break;
    }
    default: set_range(&v, -INFINITY, INFINITY); v.esc = v.inexact ? INFINITY : 0; break;
    }
    if (v.inexact && k != OPK_MIN && k != OPK_MAX && k != OPK_POW) v.esc += vmag(v);
    return v;
}

static double compute_unit(tvm_dtype d) {
    return d == TVM_FLOAT64 ? dt_unit(TVM_FLOAT64) : dt_unit(TVM_FLOAT32);
}

static tvm_dtype random_dtype(gst *st) {
    static const int w[10] = {20, 9, 9, 9, 8, 6, 10, 8, 8, 8};
    return ALL_DTYPES[rng_weighted(&st->r, w, 10)];
}

static tvm_dtype random_numeric(gst *st) {
    tvm_dtype d;
    do d = random_dtype(st);
    while (d == TVM_BOOL);
    return d;
}

static tvm_dtype random_float(gst *st) {
    static const tvm_dtype f[4] = {TVM_FLOAT32, TVM_FLOAT64, TVM_FLOAT16, TVM_BFLOAT16};
    static const int w[4] = {4, 2, 2, 2};
    return f[rng_weighted(&st->r, w, 4)];
}

/* Interesting integer values of a dtype (divisors, edges). */
static int64_t special_int(gst *st, tvm_dtype d) {
    int64_t lo = dt_min(d), hi = dt_max(d);
    int64_t cand[] = {0, 1, -1, 2, -2, 3, 7, -8, lo, lo + 1, hi, hi - 1, 16, -128};
    for (int i = 0; i < 16; i++) {
        int64_t v = cand[rng_below(&st->r, sizeof cand / sizeof cand[0])];
        if (v >= lo && v <= hi) return v;
    }
    return d == TVM_BOOL ? 1 : 1;
}

static tvm_expr random_const(gst *st, tvm_dtype d) {
    if (d == TVM_BOOL) return X_const_int(st, d, (int64_t)rng_below(&st->r, 2));
    if (dt_is_int(d)) {
        int64_t v = rng_chance(&st->r, 0.5) ? special_int(st, d)
                                            : (int64_t)rng_below(&st->r, 21) - 10;
        if (v < dt_min(d) || v > dt_max(d)) v = 1;
        if (rng_chance(&st->r, 0.2) && v > -(1ll << 53) && v < (1ll << 53))
            return X_const_float(st, d, (double)v);
        return X_const_int(st, d, v);
    }
    double v;
    int r = (int)rng_below(&st->r, 10);
    if (r < 3) v = (double)((int)rng_below(&st->r, 17) - 8) * 0.5;
    else if (r < 8) v = (rng_unit(&st->r) * 8.0 - 4.0);
    else if (r < 9) v = 0.0;
    else v = (rng_unit(&st->r) * 200.0 - 100.0);
    if (rng_chance(&st->r, 0.15)) return X_const_int(st, d, (int64_t)floor(v));
    return X_const_float(st, d, v);
}

/* ---- loads ------------------------------------------------------------------------- */

/* Index choices for one tensor dimension. */
enum { IX_ITER, IX_AXIS, IX_SUB_ITER, IX_SUB_AXIS, IX_CONST0, IX_CONSTLAST, IX_REVERSE,
       IX_HALF, IX_ROTATE, IX_CLAMP, IX_COUNT };

/* Index expression for tensor dim d, or id 0 when nothing fits. Marks the
 * reduction axes it uses. */
static tvm_expr index_for(gst *st, scope *s, int d) {
    gen_case *c = st->c;
    int w[IX_COUNT] = {0};
    int same_it[GEN_MAX_NDIM], nsame_it = 0, sub_it[GEN_MAX_NDIM], nsub_it = 0;
    int same_ax[MAX_AXES], nsame_ax = 0, sub_ax[MAX_AXES], nsub_ax = 0;
    bool unused_ax = false;
    for (int k = 0; k < s->nit; k++) {
        if (s->itdim[k] == d || (dval(c, s->itdim[k], 0) == dval(c, d, 0) &&
                                 dval(c, s->itdim[k], 1) == dval(c, d, 1)))
            same_it[nsame_it++] = k;
        else if (dim_le(c, s->itdim[k], d))
            sub_it[nsub_it++] = k;
    }
    for (int k = 0; k < s->nax; k++) {
        if (s->axdim[k] == d || (dval(c, s->axdim[k], 0) == dval(c, d, 0) &&
                                 dval(c, s->axdim[k], 1) == dval(c, d, 1))) {
            same_ax[nsame_ax++] = k;
            unused_ax |= !s->axused[k];
        } else if (dim_le(c, s->axdim[k], d)) {
            sub_ax[nsub_ax++] = k;
        }
    }
    if (nsame_it) w[IX_ITER] = 14, w[IX_REVERSE] = 2, w[IX_ROTATE] = 1, w[IX_CLAMP] = 1;
    if (nsame_ax) w[IX_AXIS] = unused_ax ? 60 : 12;
    if (nsub_it) w[IX_SUB_ITER] = 3, w[IX_HALF] = 1;
    if (nsub_ax) w[IX_SUB_AXIS] = 3;
    if (dmin(c, d) >= 1) w[IX_CONST0] = 3, w[IX_CONSTLAST] = 1;
    int ch = rng_weighted(&st->r, w, IX_COUNT);
    tvm_expr D = c->dims[d].e, one;
    switch (ch) {
    case IX_ITER: {
        int k = same_it[rng_below(&st->r, (uint32_t)nsame_it)];
        for (int j = 0; j < nsame_it; j++)
            if (!s->itused[same_it[j]] && rng_chance(&st->r, 0.7)) k = same_it[j];
        s->itused[k] = true;
        return s->it[k];
    }
    case IX_AXIS: {
        int k = same_ax[rng_below(&st->r, (uint32_t)nsame_ax)];
        for (int j = 0; j < nsame_ax; j++)
            if (!s->axused[same_ax[j]]) k = same_ax[j];
        s->axused[k] = true;
        return s->ax[k];
    }
    case IX_SUB_ITER: return s->it[sub_it[rng_below(&st->r, (uint32_t)nsub_it)]];
    case IX_SUB_AXIS: {
        int k = sub_ax[rng_below(&st->r, (uint32_t)nsub_ax)];
        s->axused[k] = true;
        return s->ax[k];
    }
    case IX_CONST0: return X_const_int(st, TVM_INT64, 0);
    case IX_CONSTLAST: return X_const_int(st, TVM_INT64, dmin(c, d) - 1);
    case IX_REVERSE: {
        mark_dim(st, d);
        tvm_expr i = s->it[same_it[rng_below(&st->r, (uint32_t)nsame_it)]];
        one = X_const_int(st, TVM_INT64, 1);
        return X_bin(st, OPK_SUB, X_bin(st, OPK_SUB, D, one, TVM_INT64), i, TVM_INT64);
    }
    case IX_HALF: {
        tvm_expr i = s->it[sub_it[rng_below(&st->r, (uint32_t)nsub_it)]];
        return X_bin(st, rng_chance(&st->r, 0.5) ? OPK_FLOORDIV : OPK_DIV, i,
                     X_const_int(st, TVM_INT64, 2), TVM_INT64);
    }
    case IX_ROTATE: {
        mark_dim(st, d);
        tvm_expr i = s->it[same_it[rng_below(&st->r, (uint32_t)nsame_it)]];
        one = X_const_int(st, TVM_INT64, 1);
        return X_bin(st, rng_chance(&st->r, 0.5) ? OPK_FLOORMOD : OPK_MOD,
                     X_bin(st, OPK_ADD, i, one, TVM_INT64), D, TVM_INT64);
    }
    case IX_CLAMP: {
        mark_dim(st, d);
        tvm_expr i = s->it[same_it[rng_below(&st->r, (uint32_t)nsame_it)]];
        one = X_const_int(st, TVM_INT64, 1);
        return X_bin(st, OPK_MIN, X_bin(st, OPK_ADD, i, one, TVM_INT64),
                     X_bin(st, OPK_SUB, D, one, TVM_INT64), TVM_INT64);
    }
    default: return (tvm_expr){0};
    }
}

static double rand_fill_choice(gst *st) { return rng_unit(&st->r); }

static int new_tensor_slot(gst *st) {
    gen_case *c = st->c;
    if (c->ntensors >= GEN_MAX_TENSORS) return -1;
    memset(&c->ts[c->ntensors], 0, sizeof c->ts[0]);
    return c->ntensors++;
}

static void fill_bytes_for_constant(gst *st, gen_tensor *t, int64_t n);

/* A new placeholder (or constant tensor) of the given dims. */
static int make_input(gst *st, tvm_dtype dt, int ndim, const int *dims, bool allow_constant) {
    gen_case *c = st->c;
    int ti = new_tensor_slot(st);
    if (ti < 0) return -1;
    gen_tensor *t = &c->ts[ti];
    t->dt = dt;
    t->ndim = ndim;
    bool all_const = true;
    int64_t n = 1;
    for (int k = 0; k < ndim; k++) {
        t->dim[k] = dims[k];
        all_const &= c->dims[dims[k]].kind == DIM_CONST;
        n *= dmax(c, dims[k]);
    }
    double f = rand_fill_choice(st);
    t->fill = f < 0.7 ? FILL_MIXED : f < 0.8 ? FILL_SMALL : f < 0.9 ? FILL_POSITIVE : FILL_UNIT;
    tvm_expr shape[GEN_MAX_NDIM];
    for (int k = 0; k < ndim; k++) shape[k] = c->dims[dims[k]].e;
    char lt[256];
    list_text(lt, sizeof lt, shape, ndim);
    if (allow_constant && all_const && n <= 512 && rng_chance(&st->r, 0.12)) {
        t->kind = T_CONSTANT;
        snprintf(t->name, sizeof t->name, "k%d", ti);
        int64_t shp[GEN_MAX_NDIM];
        for (int k = 0; k < ndim; k++) shp[k] = dval(c, dims[k], 0);
        fill_bytes_for_constant(st, t, n);
        t->t = tvm_constant(c->g, t->name, dt, ndim, shp, t->const_data);
        c->cov.api[API_tvm_constant] = 1;
        /* the data bytes are written out by the reproducer from t->const_data */
        char sl[256];
        size_t k2 = 0;
        k2 += (size_t)snprintf(sl + k2, sizeof sl - k2, "(int64_t[]){");
        for (int k = 0; k < ndim; k++)
            k2 += (size_t)snprintf(sl + k2, sizeof sl - k2, "%s%lld", k ? ", " : "",
                                   (long long)shp[k]);
        snprintf(sl + k2, sizeof sl - k2, "}");
        logf_(st, "    tvm_tensor t%u = tvm_constant(g, \"%s\", %s, %d, %s, %s_data);\n",
              t->t.id, t->name, dt_enum(dt), ndim, ndim ? sl : "NULL", t->name);
        if (!t->t.id) fail_call(st, "tvm_constant");
    } else {
        t->kind = T_PLACEHOLDER;
        snprintf(t->name, sizeof t->name, "p%d", ti);
        t->t = tvm_placeholder(c->g, t->name, dt, ndim, ndim ? shape : NULL);
        c->cov.api[API_tvm_placeholder] = 1;
        logf_(st, "    tvm_tensor t%u = tvm_placeholder(g, \"%s\", %s, %d, %s);\n", t->t.id,
              t->name, dt_enum(dt), ndim, lt);
        if (!t->t.id) fail_call(st, "tvm_placeholder");
    }
    for (int k = 0; k < ndim; k++) mark_dim(st, dims[k]);
    if (t->t.id) check_tensor_info(st, t->t, ndim, dt, t->name);
    return ti;
}

/* Tries to index existing tensor ti from scope s. */
static bool try_indices(gst *st, scope *s, int ti, tvm_expr *idx) {
    gen_case *c = st->c;
    gen_tensor *t = &c->ts[ti];
    bool saved[MAX_AXES];
    memcpy(saved, s->axused, sizeof saved);
    for (int k = 0; k < t->ndim; k++) {
        idx[k] = index_for(st, s, t->dim[k]);
        if (!idx[k].id) {
            memcpy(s->axused, saved, sizeof saved);
            return false;
        }
    }
    return true;
}

/* Chooses dims and indices for a new input read from scope s. Reduction
 * axes not yet read come first, so every axis is used somewhere. */
static int new_input_load(gst *st, scope *s, tvm_dtype dt, tvm_expr *idx, int *ndim_out) {
    gen_case *c = st->c;
    int dims[GEN_MAX_NDIM];
    int nsrc = s->nit + s->nax;
    int rank = (int)rng_below(&st->r, (uint32_t)(nsrc < 4 ? nsrc + 2 : 5));
    if (rank > GEN_MAX_NDIM) rank = GEN_MAX_NDIM;
    int n = 0;
    int64_t prod = 1;
    /* iteration variables not read yet, so outputs vary along their axes */
    for (int k = 0; k < s->nit && n < GEN_MAX_NDIM; k++) {
        if (s->itused[k] || !rng_chance(&st->r, 0.8)) continue;
        int64_t m = dmax(c, s->itdim[k]) ? dmax(c, s->itdim[k]) : 1;
        if (prod * m > GEN_MAX_ELEMS) continue;
        dims[n] = s->itdim[k];
        idx[n] = s->it[k];
        s->itused[k] = true;
        prod *= m;
        n++;
    }
    /* unused axes */
    for (int k = 0; k < s->nax && n < GEN_MAX_NDIM; k++) {
        if (s->axused[k]) continue;
        if (prod * (dmax(c, s->axdim[k]) ? dmax(c, s->axdim[k]) : 1) > GEN_MAX_ELEMS) continue;
        dims[n] = s->axdim[k];
        idx[n] = s->ax[k];
        s->axused[k] = true;
        prod *= dmax(c, dims[n]) ? dmax(c, dims[n]) : 1;
        n++;
    }
    while (n < rank) {
        int r = (int)rng_below(&st->r, 100);
        int d = -1;
        tvm_expr e = {0};
        if (r < 62 && s->nit > 0) {
            int k = (int)rng_below(&st->r, (uint32_t)s->nit);
            d = s->itdim[k];
            e = s->it[k];
            s->itused[k] = true;
            if (rng_chance(&st->r, 0.12)) { /* a bigger tensor, read over a sub-range */
                for (int j = 0; j < c->ndims; j++)
                    if (j != d && dim_le(c, d, j) && dmax(c, j) <= 129 &&
                        rng_chance(&st->r, 0.5)) {
                        d = j;
                        break;
                    }
            } else if (rng_chance(&st->r, 0.12)) { /* reversed / rotated / clamped */
                tvm_expr D = c->dims[d].e, one = X_const_int(st, TVM_INT64, 1);
                mark_dim(st, d);
                int how = (int)rng_below(&st->r, 3);
                if (how == 0)
                    e = X_bin(st, OPK_SUB, X_bin(st, OPK_SUB, D, one, TVM_INT64), e, TVM_INT64);
                else if (how == 1)
                    e = X_bin(st, OPK_FLOORMOD, X_bin(st, OPK_ADD, e, one, TVM_INT64), D,
                              TVM_INT64);
                else
                    e = X_bin(st, OPK_MIN, X_bin(st, OPK_ADD, e, one, TVM_INT64),
                              X_bin(st, OPK_SUB, D, one, TVM_INT64), TVM_INT64);
            }
        } else if (r < 75 && s->nax > 0) {
            int k = (int)rng_below(&st->r, (uint32_t)s->nax);
            d = s->axdim[k];
            e = s->ax[k];
            s->axused[k] = true;
        } else {
            /* broadcast: a dim read at index 0 (often of extent 1) */
            d = rng_chance(&st->r, 0.6) ? const_dim(st, 1) : pick_dim(st, prod, GEN_MAX_ELEMS, true);
            if (dmin(c, d) < 1) d = const_dim(st, 1);
            e = X_const_int(st, TVM_INT64, 0);
        }
        int64_t m = dmax(c, d) ? dmax(c, d) : 1;
        if (prod * m > GEN_MAX_ELEMS) {
            d = const_dim(st, 1);
            e = X_const_int(st, TVM_INT64, 0);
            m = 1;
        }
        dims[n] = d;
        idx[n] = e;
        prod *= m;
        n++;
    }
    /* a random permutation: transposed reads */
    for (int k = n - 1; k > 0; k--) {
        int j = (int)rng_below(&st->r, (uint32_t)(k + 1));
        int td = dims[k];
        dims[k] = dims[j];
        dims[j] = td;
        tvm_expr te = idx[k];
        idx[k] = idx[j];
        idx[j] = te;
    }
    *ndim_out = n;
    return make_input(st, dt, n, dims, !s->prod);
}

static val tensor_val(gst *st, int ti, tvm_expr e) {
    gen_tensor *t = &st->c->ts[ti];
    val v = exact_val(e, t->dt);
    if (t->kind == T_COMPUTE) {
        set_range(&v, t->lo, t->hi);
    } else if (dt_is_float(t->dt)) {
        /* fill_values' ranges, widened for float16/bfloat16 rounding (an
         * input's fill is final before its first load) */
        static const double lo[4] = {-1000, -3, 0.049, 0.49}, hi[4] = {1000, 3, 4.02, 2.02};
        set_range(&v, lo[t->fill], hi[t->fill]);
    }
    if (t->kind == T_COMPUTE && t->inexact) {
        v.inexact = true;
        v.transc = t->transc;
        v.red = t->red;
        v.unit = fmax(t->unit, dt_unit(t->dt));
        v.esc = t->esc;
        v.tfac = t->tfac;
    }
    return v;
}

static val gen_cast_to(gst *st, val v, tvm_dtype to) {
    if (v.dt == to) return v;
    tvm_expr e = X_cast(st, to, v.e, v.dt);
    val r = v;
    r.e = e;
    r.dt = to;
    if (r.inexact) r.unit = fmax(r.unit, dt_unit(to));
    if (!dt_is_float(to)) {
        dt_range(to, &r.lo, &r.hi);
    } else if (!dt_is_float(v.dt)) {
        /* integers convert into the range they came from */
    } else {
        double w = 1 + 2 * dt_unit(to); /* one rounding */
        set_range(&r, r.lo < 0 ? r.lo * w : r.lo / w, r.hi > 0 ? r.hi * w : r.hi / w);
        if (r.inexact) r.esc += vmag(r);
    }
    return r;
}

/* A load of dtype dt (cast if needed). */
static val gen_load(gst *st, scope *s, tvm_dtype dt, bool inexact_ok) {
    gen_case *c = st->c;
    tvm_expr idx[GEN_MAX_NDIM];
    /* earlier tensors that can be indexed from here */
    int cand[GEN_MAX_TENSORS], ncand = 0;
    for (int i = 0; i < c->ntensors; i++) {
        gen_tensor *t = &c->ts[i];
        if (!t->t.id || t->binder) continue;
        if (t->kind == T_COMPUTE && t->inexact && (!inexact_ok || !dt_is_float(dt))) continue;
        if (t->dt != dt && !rng_chance(&st->r, 0.25)) continue;
        if (t->dt != dt && t->inexact && !dt_is_float(t->dt)) continue;
        cand[ncand++] = i;
    }
    /* prefer computes (chains), then inputs */
    for (int tries = 0; tries < 4 && ncand > 0 && rng_chance(&st->r, 0.8); tries++) {
        int pick = cand[rng_below(&st->r, (uint32_t)ncand)];
        for (int j = 0; j < ncand && rng_chance(&st->r, 0.6); j++)
            if (c->ts[cand[j]].kind == T_COMPUTE && !c->ts[cand[j]].consumed) pick = cand[j];
        if (try_indices(st, s, pick, idx)) {
            if (c->ts[pick].kind == T_COMPUTE) c->ts[pick].consumed = true;
            val v = tensor_val(st, pick, X_load(st, pick, idx, c->ts[pick].ndim));
            return gen_cast_to(st, v, dt);
        }
    }
    int nd = 0;
    int ti = new_input_load(st, s, dt, idx, &nd);
    if (ti < 0) return exact_val(random_const(st, dt), dt);
    return tensor_val(st, ti, X_load(st, ti, idx, nd));
}

/* select(i > 0, A[.., i-1, ..], 0) or select(i + 1 < n, A[.., i+1, ..], 0) */
static val gen_guarded(gst *st, scope *s, tvm_dtype dt) {
    gen_case *c = st->c;
    int nsrc = s->nit + s->nax;
    if (nsrc == 0) return gen_load(st, s, dt, false);
    int k = (int)rng_below(&st->r, (uint32_t)nsrc);
    tvm_expr i = k < s->nit ? s->it[k] : s->ax[k - s->nit];
    int d = k < s->nit ? s->itdim[k] : s->axdim[k - s->nit];
    if (k >= s->nit) s->axused[k - s->nit] = true;
    tvm_expr zero = X_const_int(st, TVM_INT64, 0), one = X_const_int(st, TVM_INT64, 1);
    tvm_expr cond, shifted;
    if (rng_chance(&st->r, 0.6)) {
        cond = X_bin(st, rng_chance(&st->r, 0.5) ? OPK_GT : OPK_NE, i, zero, TVM_INT64);
        shifted = X_bin(st, OPK_SUB, i, one, TVM_INT64);
    } else {
        mark_dim(st, d);
        tvm_expr ip1 = X_bin(st, OPK_ADD, i, one, TVM_INT64);
        cond = X_bin(st, OPK_LT, ip1, c->dims[d].e, TVM_INT64);
        shifted = ip1;
    }
    /* the tensor: dim d at a random position, others from the scope */
    tvm_expr idx[GEN_MAX_NDIM];
    int nd = 0;
    int ti = new_input_load(st, s, dt, idx, &nd);
    if (ti < 0) return exact_val(random_const(st, dt), dt);
    gen_tensor *t = &c->ts[ti];
    int pos = -1;
    for (int j = 0; j < t->ndim; j++)
        if (t->dim[j] == d && idx[j].id == i.id) pos = j;
    if (pos < 0) {
        /* make a fresh one with the shifted dimension appended */
        if (t->ndim >= GEN_MAX_NDIM) return tensor_val(st, ti, X_load(st, ti, idx, nd));
        int dims[GEN_MAX_NDIM];
        int64_t prod = dmax(c, d) ? dmax(c, d) : 1;
        for (int j = 0; j < t->ndim; j++) {
            dims[j] = t->dim[j];
            prod *= dmax(c, dims[j]) ? dmax(c, dims[j]) : 1;
        }
        if (prod > GEN_MAX_ELEMS) return tensor_val(st, ti, X_load(st, ti, idx, nd));
        pos = t->ndim;
        dims[pos] = d;
        idx[pos] = i;
        nd = t->ndim + 1;
        ti = make_input(st, dt, nd, dims, false);
        if (ti < 0) return exact_val(random_const(st, dt), dt);
    }
    idx[pos] = shifted;
    tvm_expr ld = X_load(st, ti, idx, nd);
    tvm_expr z = dt == TVM_BOOL ? X_const_int(st, dt, 0) : random_const(st, dt);
    st->ops_left--;
    st->c->nops++;
    val zv = exact_val(z, dt);
    if (dt_is_float(dt)) set_range(&zv, -100, 100); /* random_const's range */
    return join(X_select(st, cond, ld, z, dt), dt, tensor_val(st, ti, ld), zv);
}

static val gen_val(gst *st, scope *s, tvm_dtype dt, bool inexact_ok, int depth);

static val gen_leaf(gst *st, scope *s, tvm_dtype dt, bool inexact_ok, int depth) {
    gen_case *c = st->c;
    int w[4] = {62, 8, 14, 4}; /* load, const, index value, size value */
    if (depth == 0 || st->need_load) w[1] = w[2] = w[3] = 0; /* constants test little */
    st->need_load = false;
    if (s->nit + s->nax == 0) w[2] = 0;
    bool have_var = false;
    for (int i = 0; i < c->ndims; i++) have_var |= c->dims[i].kind == DIM_VAR;
    if (!have_var) w[3] = 0;
    switch (rng_weighted(&st->r, w, 4)) {
    case 1: {
        val k = exact_val(random_const(st, dt), dt);
        if (dt_is_float(dt)) set_range(&k, -100, 100); /* random_const's range */
        return k;
    }
    case 2: {
        int k = (int)rng_below(&st->r, (uint32_t)(s->nit + s->nax));
        tvm_expr i;
        if (k < s->nit) {
            i = s->it[k];
            s->itused[k] = true;
        } else {
            i = s->ax[k - s->nit];
            s->axused[k - s->nit] = true;
        }
        val iv = exact_val(i, TVM_INT64);
        int d = k < s->nit ? s->itdim[k] : s->axdim[k - s->nit];
        set_range(&iv, 0, (double)dmax(c, d));
        return gen_cast_to(st, iv, dt);
    }
    case 3: {
        int vars[GEN_MAX_DIMS], nv = 0;
        for (int i = 0; i < c->ndims; i++)
            if (c->dims[i].kind == DIM_VAR) vars[nv++] = i;
        int d = vars[rng_below(&st->r, (uint32_t)nv)];
        mark_dim(st, d);
        val sv = exact_val(c->dims[d].e, TVM_INT64);
        set_range(&sv, (double)(dval(c, d, 0) < dval(c, d, 1) ? dval(c, d, 0) : dval(c, d, 1)),
                  (double)dmax(c, d));
        return gen_cast_to(st, sv, dt);
    }
    default: return gen_load(st, s, dt, inexact_ok);
    }
}

static const int ARITH[] = {OPK_ADD, OPK_SUB, OPK_MUL, OPK_DIV, OPK_MOD, OPK_FLOORDIV,
                            OPK_FLOORMOD, OPK_MIN, OPK_MAX, OPK_POW};
static const int ARITH_W[] = {16, 12, 14, 8, 5, 5, 5, 8, 8, 4};

static val gen_binary(gst *st, scope *s, int k, tvm_dtype dt, bool inexact_ok, int depth) {
    bool fl = dt_is_float(dt);
    bool a_ok = inexact_ok, b_ok = inexact_ok;
    if (k == OPK_DIV) b_ok = false;
    if (k == OPK_MOD || k == OPK_FLOORDIV || k == OPK_FLOORMOD || k == OPK_POW || is_compare(k))
        a_ok = b_ok = false;
    val a = gen_val(st, s, dt, a_ok && fl, depth + 1);
    val b;
    if (!fl && (k == OPK_DIV || k == OPK_MOD || k == OPK_FLOORDIV || k == OPK_FLOORMOD) &&
        rng_chance(&st->r, 0.25))
        b = exact_val(dt == TVM_BOOL ? X_const_int(st, dt, 1) :
                      X_const_int(st, dt, special_int(st, dt)), dt);
    else
        b = gen_val(st, s, dt, b_ok && fl, depth + 1);
    tvm_expr e = X_bin(st, k, a.e, b.e, dt);
    if (is_compare(k)) return exact_val(e, TVM_BOOL);
    val v = arith(k, e, dt, a, b);
    if (k == OPK_POW) {
        v.inexact = v.transc = true;
        v.unit = fmax(v.unit, compute_unit(dt));
    }
    return v;
}

static val gen_unary(gst *st, scope *s, int k, tvm_dtype dt, bool inexact_ok, int depth) {
    bool pass = k == OPK_NEG || k == OPK_ABS;
    val a = gen_val(st, s, dt, pass && inexact_ok && dt_is_float(dt), depth + 1);
    if ((k == OPK_LOG || k == OPK_SQRT || k == OPK_RSQRT) && rng_chance(&st->r, 0.5)) {
        a.e = X_un(st, OPK_ABS, a.e, dt); /* mostly real results */
    }
    tvm_expr e = X_un(st, k, a.e, dt);
    val v = a;
    v.e = e;
    if (k == OPK_LOG || k == OPK_SQRT || k == OPK_RSQRT) set_range(&a, 0, vmag(a)); /* abs */
    if (dt_is_float(dt)) {
        /* |log x| of a finite float: at most 104 (float32 compute), 745 (float64) */
        double lg = dt == TVM_FLOAT64 ? 745 : 104;
        switch (k) {
        case OPK_NEG: set_range(&v, -a.hi, -a.lo); break;
        case OPK_ABS: set_range(&v, vminabs(a), vmag(a)); break;
        case OPK_EXP: set_range(&v, 0, exp(a.hi)); break;
        case OPK_LOG: set_range(&v, -lg, lg); break;
        case OPK_SQRT: set_range(&v, 0, sqrt(vmag(a))); break;
        case OPK_TANH: case OPK_ERF: set_range(&v, -1, 1); break;
        case OPK_SIGMOID: set_range(&v, 0, 1); break;
        case OPK_FLOOR: set_range(&v, floor(a.lo), floor(a.hi)); break;
        case OPK_CEIL: set_range(&v, ceil(a.lo), ceil(a.hi)); break;
        default: set_range(&v, -INFINITY, INFINITY); break;
        }
    } else {
        dt_range(dt, &v.lo, &v.hi);
    }
    if (k == OPK_EXP || k == OPK_LOG || k == OPK_TANH || k == OPK_SIGMOID || k == OPK_ERF) {
        v.inexact = v.transc = true;
        v.unit = fmax(v.unit, compute_unit(dt));
        v.esc = vmag(v); /* the argument is exact: the error enters here */
    }
    return v;
}

static int reduce_axes(gst *st, scope *s, int kind, int forced_tail, tvm_expr *axes,
                       int *axdim, int64_t *extent_prod) {
    gen_case *c = st->c;
    static const int nw[3] = {60, 30, 10};
    int n = 1 + rng_weighted(&st->r, nw, 3);
    int64_t prod = 1;
    int made = 0;
    int64_t cap = WORK_CAP / (s->work > 0 ? s->work : 1);
    if (kind == OPK_PROD) cap = cap < 40 ? cap : 40;
    if (cap < 1) cap = 1;
    for (int k = 0; k < n && s->nax + made < MAX_AXES; k++) {
        int d;
        if (k == 0 && forced_tail > 0) {
            d = const_dim(st, forced_tail);
        } else {
            d = pick_dim(st, prod, cap, true);
            if (d < 0) break;
        }
        char name[16];
        snprintf(name, sizeof name, "r%d", st->naxes_made++);
        mark_dim(st, d);
        axes[made] = X_reduce_axis(st, name, c->dims[d].e);
        axdim[made] = d;
        prod *= dmax(c, d) ? dmax(c, d) : 1;
        made++;
    }
    *extent_prod = prod;
    return made;
}

static val gen_reduce(gst *st, scope *s, int k, tvm_dtype dt, bool inexact_ok, int depth,
                      int forced_tail) {
    gen_case *c = st->c;
    tvm_expr axes[MAX_AXES];
    int axdim[MAX_AXES];
    int64_t P;
    int n = reduce_axes(st, s, k, forced_tail, axes, axdim, &P);
    scope s2 = *s;
    for (int i = 0; i < n; i++) {
        s2.ax[s2.nax] = axes[i];
        s2.axdim[s2.nax] = axdim[i];
        s2.axused[s2.nax] = false;
        s2.nax++;
    }
    s2.work = s->work * P;
    s2.red_depth++;
    s2.prod = k == OPK_PROD && dt_is_float(dt);
    int64_t saved_inner = st->red_inner;
    st->red_inner = dval(c, axdim[0], 0);
    bool fl = dt_is_float(dt);
    bool body_ok = fl && inexact_ok;
    val b = gen_val(st, &s2, dt, body_ok, depth + 1);
    /* read the axes the body did not use, so the reduction is not trivial */
    for (int i = s->nax; i < s2.nax; i++) {
        if (s2.axused[i] || !rng_chance(&st->r, 0.7)) continue;
        val extra = gen_load(st, &s2, dt, false);
        int comb = dt_is_float(dt) || k != OPK_PROD ? OPK_ADD : OPK_MUL;
        if (k == OPK_RMIN) comb = OPK_MIN;
        if (k == OPK_RMAX) comb = OPK_MAX;
        b = arith(comb, X_bin(st, comb, b.e, extra.e, dt), dt, b, extra);
        break;
    }
    st->red_inner = saved_inner;
    tvm_expr e = X_reduce(st, k, b.e, axes, n, dt, rng_chance(&st->r, 0.5));
    c->nreduce++;
    val v = b;
    v.e = e;
    bool may_be_empty = false;
    for (int i = 0; i < n; i++)
        may_be_empty |= dval(c, axdim[i], 0) == 0 || dval(c, axdim[i], c->nsig - 1) == 0;
    double Pd = (double)(P > 1 ? P : 1);
    if (!fl) {
        dt_range(dt, &v.lo, &v.hi);
    } else if (k == OPK_SUM) {
        set_range(&v, fmin(bmul(b.lo, Pd), 0), fmax(bmul(b.hi, Pd), 0));
        v.esc = bmul(Pd, (b.inexact ? b.esc : 0) + vmag(b)); /* the sum of |terms| */
    } else if (k == OPK_PROD) {
        double m = vmag(b) > 1 ? pow(vmag(b), Pd) : 1;
        set_range(&v, -m, m);
        /* relative errors of the factors add up */
        double rel = b.inexact && b.esc > 0 ? (vminabs(b) > 0 ? b.esc / vminabs(b) : INFINITY) : 0;
        v.esc = bmul(m, 1 + Pd * rel);
    } else if (may_be_empty) {
        set_range(&v, -INFINITY, INFINITY); /* min/max of nothing: the identity */
        if (v.inexact) v.esc = INFINITY;
    }
    if (fl && (k == OPK_SUM || k == OPK_PROD)) {
        v.inexact = true;
        v.unit = fmax(v.unit, compute_unit(dt));
        v.red = fmax(b.red, 1.0) * (double)(P > 1 ? P : 1);
    }
    return v;
}

/* The body of a float product: factors in [0.5, 2] (fresh inputs filled
 * that way, constants, *, min, max, abs, select, float casts), so that
 * reassociating the product cannot move it across overflow or underflow and
 * turn a finite result into inf, 0 or NaN. */
static val gen_prod_factor(gst *st, scope *s, tvm_dtype dt, int depth) {
    gen_case *c = st->c;
    int w[6] = {depth ? 30 : 0, 25, 10, 8, 6, 6}; /* leaf, mul, min/max, abs, select, cast */
    if (st->ops_left <= 0 || depth >= 5) w[1] = w[2] = w[3] = w[4] = w[5] = 0, w[0] = 1;
    int ch = rng_weighted(&st->r, w, 6);
    if (ch > 0) {
        st->ops_left--;
        c->nops++;
    }
    switch (ch) {
    case 1: case 2: {
        int k = ch == 1 ? OPK_MUL : (rng_chance(&st->r, 0.5) ? OPK_MIN : OPK_MAX);
        val a = gen_prod_factor(st, s, dt, depth + 1), b = gen_prod_factor(st, s, dt, depth + 1);
        return arith(k, X_bin(st, k, a.e, b.e, dt), dt, a, b);
    }
    case 3: {
        val a = gen_prod_factor(st, s, dt, depth + 1);
        a.e = X_un(st, OPK_ABS, a.e, dt);
        set_range(&a, vminabs(a), vmag(a));
        return a;
    }
    case 4: {
        scope s2 = *s;
        s2.prod = false;
        val cnd = gen_val(st, &s2, TVM_BOOL, false, depth + 1);
        *s = s2, s->prod = true;
        val a = gen_prod_factor(st, s, dt, depth + 1), b = gen_prod_factor(st, s, dt, depth + 1);
        return join(X_select(st, cnd.e, a.e, b.e, dt), dt, a, b);
    }
    case 5: {
        tvm_dtype from;
        do from = random_float(st);
        while (from == dt && rng_chance(&st->r, 0.9));
        return gen_cast_to(st, gen_prod_factor(st, s, from, depth + 1), dt);
    }
    default:
        if (rng_chance(&st->r, 0.25) && depth > 0)
        {
            val k = exact_val(X_const_float(st, dt, 0.5 + 1.5 * rng_unit(&st->r)), dt);
            set_range(&k, 0.49, 2.02);
            return k;
        }
        {
            tvm_expr idx[GEN_MAX_NDIM];
            int nd = 0;
            st->need_load = false;
            int ti = new_input_load(st, s, dt, idx, &nd);
            if (ti < 0) {
                val k = exact_val(X_const_float(st, dt, 1.5), dt);
                set_range(&k, 1.5, 1.5);
                return k;
            }
            c->ts[ti].fill = FILL_UNIT;
            return tensor_val(st, ti, X_load(st, ti, idx, nd));
        }
    }
}

static val gen_val(gst *st, scope *s, tvm_dtype dt, bool inexact_ok, int depth) {
    gen_case *c = st->c;
    if (c->error[0]) return exact_val(random_const(st, dt), dt);
    if (s->prod && dt_is_float(dt)) return gen_prod_factor(st, s, dt, depth);
    bool can = st->ops_left > 0 && depth < 7;
    if (!can) return gen_leaf(st, s, dt, inexact_ok, depth);
    bool fl = dt_is_float(dt);
    if (dt == TVM_BOOL) {
        /* leaf, compare, and/or, not, select, cast, guarded */
        int w[7] = {depth ? 14 : 0, 36, 18, 8, 5, 10, 3};
        int ch = rng_weighted(&st->r, w, 7);
        if (ch == 0) return gen_leaf(st, s, dt, false, depth);
        st->ops_left--;
        c->nops++;
        switch (ch) {
        case 1: {
            int k = OPK_LT + (int)rng_below(&st->r, 6);
            tvm_dtype od = random_dtype(st);
            val a = gen_val(st, s, od, false, depth + 1);
            val b = gen_val(st, s, od, false, depth + 1);
            return exact_val(X_bin(st, k, a.e, b.e, od), TVM_BOOL);
        }
        case 2: {
            int k = rng_chance(&st->r, 0.5) ? OPK_AND : OPK_OR;
            val a = gen_val(st, s, dt, false, depth + 1);
            val b = gen_val(st, s, dt, false, depth + 1);
            return exact_val(X_bin(st, k, a.e, b.e, dt), dt);
        }
        case 3: return exact_val(X_un(st, OPK_NOT, gen_val(st, s, dt, false, depth + 1).e, dt), dt);
        case 4: {
            val cnd = gen_val(st, s, TVM_BOOL, false, depth + 1);
            val a = gen_val(st, s, dt, false, depth + 1);
            val b = gen_val(st, s, dt, false, depth + 1);
            return exact_val(X_select(st, cnd.e, a.e, b.e, dt), dt);
        }
        case 5: {
            tvm_dtype from = random_numeric(st);
            val a = gen_val(st, s, from, false, depth + 1);
            return gen_cast_to(st, a, dt);
        }
        default:
            st->ops_left++;
            c->nops--;
            return gen_guarded(st, s, dt);
        }
    }
    /* numbers: leaf, binary, unary, select, cast, reduce, guarded */
    bool red_ok = s->red_depth < 2 && s->work * 2 <= WORK_CAP;
    int w[7] = {depth ? 18 : 0, 34, 15, 7, 9, red_ok ? 9 : 0, 4};
    int ch = rng_weighted(&st->r, w, 7);
    if (ch == 0) return gen_leaf(st, s, dt, inexact_ok, depth);
    if (ch == 6) return gen_guarded(st, s, dt);
    st->ops_left--;
    c->nops++;
    switch (ch) {
    case 1: {
        int k;
        for (;;) {
            k = ARITH[rng_weighted(&st->r, ARITH_W, 10)];
            if (k == OPK_POW && (!fl || !inexact_ok)) continue;
            break;
        }
        return gen_binary(st, s, k, dt, inexact_ok, depth);
    }
    case 2: {
        static const int fk[] = {OPK_NEG, OPK_ABS, OPK_EXP, OPK_LOG, OPK_SQRT, OPK_RSQRT,
                                 OPK_TANH, OPK_SIGMOID, OPK_ERF, OPK_FLOOR, OPK_CEIL};
        int k;
        for (;;) {
            k = fl ? fk[rng_below(&st->r, 11)] : fk[rng_below(&st->r, 2)];
            bool transc = k == OPK_EXP || k == OPK_LOG || k == OPK_TANH || k == OPK_SIGMOID ||
                          k == OPK_ERF;
            if (transc && !inexact_ok) continue;
            break;
        }
        return gen_unary(st, s, k, dt, inexact_ok, depth);
    }
    case 3: {
        val cnd = gen_val(st, s, TVM_BOOL, false, depth + 1);
        val a = gen_val(st, s, dt, inexact_ok && fl, depth + 1);
        val b = gen_val(st, s, dt, inexact_ok && fl, depth + 1);
        return join(X_select(st, cnd.e, a.e, b.e, dt), dt, a, b);
    }
    case 4: {
        tvm_dtype from;
        do from = random_dtype(st);
        while (from == dt);
        bool pass = dt_is_float(from) && fl && inexact_ok;
        val a = gen_val(st, s, from, pass, depth + 1);
        return gen_cast_to(st, a, dt);
    }
    default: {
        int kinds[4] = {OPK_SUM, OPK_PROD, OPK_RMIN, OPK_RMAX};
        int kw[4] = {40, 12, 20, 28};
        if (fl && !inexact_ok) kw[0] = kw[1] = 0;
        int k = kinds[rng_weighted(&st->r, kw, 4)];
        return gen_reduce(st, s, k, dt, inexact_ok, depth, 0);
    }
    }
}

/* ---- computes ------------------------------------------------------------------------ */

static tvm_expr iter_for(gst *st, const tvm_expr *taken, int ntaken) {
    if (st->nitpool > 0 && rng_chance(&st->r, 0.25)) {
        tvm_expr e = st->itpool[rng_below(&st->r, (uint32_t)st->nitpool)];
        bool used = false;
        for (int i = 0; i < ntaken; i++) used |= taken[i].id == e.id;
        if (!used) return e;
    }
    char name[16];
    snprintf(name, sizeof name, "i%d", st->nitpool);
    tvm_expr e = X_iter_var(st, name);
    if (st->nitpool < 32) st->itpool[st->nitpool++] = e;
    return e;
}

/* Output shape and iteration variables of a new compute. */
static void compute_scope(gst *st, scope *s, int rank, int64_t forced_tail) {
    gen_case *c = st->c;
    memset(s, 0, sizeof *s);
    int64_t prod = 1;
    for (int k = 0; k < rank; k++) {
        int d;
        if (k == rank - 1 && forced_tail > 0) {
            d = const_dim(st, forced_tail);
        } else {
            /* extents of 0 and 1 make outputs that test little: mostly redraw them */
            for (int tries = 0;; tries++) {
                d = pick_dim(st, prod * (forced_tail > 0 ? forced_tail : 1), st->elem_cap, true);
                if (dmax(c, d) > 1 || tries >= 3 || rng_chance(&st->r, 0.25)) break;
            }
        }
        if (prod * (dmax(c, d) ? dmax(c, d) : 1) > GEN_MAX_ELEMS) d = const_dim(st, 1);
        s->itdim[k] = d;
        s->it[k] = iter_for(st, s->it, k);
        prod *= dmax(c, d) ? dmax(c, d) : 1;
        mark_dim(st, d);
    }
    s->nit = rank;
    s->work = prod;
}

static int finish_compute(gst *st, scope *s, val v, const char *prefix) {
    gen_case *c = st->c;
    int ti = new_tensor_slot(st);
    if (ti < 0) {
        snprintf(c->error, sizeof c->error, "generator: too many tensors");
        return -1;
    }
    gen_tensor *t = &c->ts[ti];
    t->kind = T_COMPUTE;
    t->dt = v.dt;
    t->ndim = s->nit;
    for (int k = 0; k < s->nit; k++) t->dim[k] = s->itdim[k];
    snprintf(t->name, sizeof t->name, "%s%d", prefix, ti);
    t->inexact = v.inexact;
    t->transc = v.transc;
    t->red = v.red;
    t->unit = v.inexact ? fmax(v.unit, dt_unit(v.dt)) : 0;
    t->lo = v.lo, t->hi = v.hi;
    t->tfac = v.transc ? fmax(v.tfac, 1) : 0;
    /* stored: one more rounding (float16/bfloat16); no scale known: none used */
    t->esc = v.inexact && v.esc > 0 ? v.esc + vmag(v) : v.inexact ? INFINITY : 0;
    tvm_expr shape[GEN_MAX_NDIM];
    for (int k = 0; k < s->nit; k++) shape[k] = c->dims[s->itdim[k]].e;
    t->t = tvm_compute(c->g, t->name, s->nit, s->nit ? shape : NULL, s->nit ? s->it : NULL, v.e);
    c->cov.api[API_tvm_compute] = 1;
    char l1[256], l2[256];
    list_text(l1, sizeof l1, shape, s->nit);
    list_text(l2, sizeof l2, s->it, s->nit);
    logf_(st, "    tvm_tensor t%u = tvm_compute(g, \"%s\", %d, %s, %s, e%u);\n", t->t.id, t->name,
          s->nit, l1, l2, v.e.id);
    if (!t->t.id) fail_call(st, "tvm_compute");
    else check_tensor_info(st, t->t, s->nit, v.dt, t->name);
    return ti;
}

static int random_rank(gst *st) {
    static const int w[5] = {1, 4, 7, 6, 3};
    return rng_weighted(&st->r, w, 5);
}

static int gen_compute(gst *st, int64_t forced_tail) {
    scope s;
    int rank = random_rank(st);
    if (forced_tail > 0 && rank == 0) rank = 1;
    compute_scope(st, &s, rank, forced_tail);
    st->inner = rank ? dval(st->c, s.itdim[rank - 1], 0) : 1;
    st->red_inner = -1;
    st->need_load = true;
    tvm_dtype dt = random_dtype(st);
    val v = gen_val(st, &s, dt, true, 0);
    return finish_compute(st, &s, v, "c");
}

/* The systematic case's operation at the root of the first compute. */
static int gen_forced(gst *st) {
    gen_case *c = st->c;
    forced_op f = c->force;
    scope s;
    int rank = 1 + (int)rng_below(&st->r, 3);
    bool is_red = f.opk >= OPK_SUM && f.opk <= OPK_RMAX;
    compute_scope(st, &s, rank, f.tail);
    st->inner = f.tail;
    st->red_inner = -1;
    st->need_load = true;
    st->ops_left = 1 + (int)rng_below(&st->r, 4);
    tvm_dtype dt = f.dt;
    val v;
    c->nops++;
    if (f.opk < OPK_FIRST_UNARY) {
        v = gen_binary(st, &s, f.opk, dt, true, 0);
    } else if (f.opk < OPK_FIRST_OTHER) {
        v = gen_unary(st, &s, f.opk, dt, true, 0);
    } else if (f.opk == OPK_SELECT) {
        val cnd = gen_val(st, &s, TVM_BOOL, false, 1);
        val a = gen_val(st, &s, dt, dt_is_float(dt), 1);
        val b = gen_val(st, &s, dt, dt_is_float(dt), 1);
        v = join(X_select(st, cnd.e, a.e, b.e, dt), dt, a, b);
    } else if (is_red) {
        v = gen_reduce(st, &s, f.opk, dt, true, 0, (int)f.tail);
    } else if (f.opk == OPK_LOAD) {
        c->nops--;
        v = gen_load(st, &s, dt, false);
    } else if (f.opk == OPK_CONST) {
        val cnd = gen_val(st, &s, TVM_BOOL, false, 1);
        val a = gen_val(st, &s, dt, false, 1);
        v = exact_val(X_select(st, cnd.e, random_const(st, dt), a.e, dt), dt);
    } else { /* CAST */
        val a = gen_val(st, &s, f.dt, dt_is_float(f.dt) && dt_is_float(f.to), 1);
        v = gen_cast_to(st, a, f.to);
        if (a.dt == f.to) v = exact_val(X_cast(st, f.to, a.e, a.dt), f.to);
    }
    c->forced_done = true;
    return finish_compute(st, &s, v, "c");
}

/* ---- templates ------------------------------------------------------------------------ */

/* softmax over the last axis: m = max_k x, e = exp(x - m), s = sum_k e, y = e / s */
static int gen_softmax(gst *st) {
    gen_case *c = st->c;
    tvm_dtype dt = random_float(st);
    snprintf(c->tmpl, sizeof c->tmpl, "softmax");
    int rows = pick_dim(st, 1, 256, true);
    int cols = pick_dim(st, dmax(c, rows) ? dmax(c, rows) : 1, st->elem_cap, true);
    int dims[2] = {rows, cols};
    int xi = make_input(st, dt, 2, dims, false);
    if (xi < 0) return -1;
    c->ts[xi].fill = FILL_MIXED;
    tvm_tensor X = c->ts[xi].t;
    (void)X;
    tvm_expr i = iter_for(st, NULL, 0), j = iter_for(st, &i, 1);
    st->inner = dval(c, cols, 0);
    st->red_inner = dval(c, cols, 0);
    char name[16];
    snprintf(name, sizeof name, "r%d", st->naxes_made++);
    tvm_expr k = X_reduce_axis(st, name, c->dims[cols].e);
    /* m[i] */
    scope s1 = {.nit = 1, .it = {i}, .itdim = {rows}, .work = dmax(c, rows)};
    tvm_expr xik = X_load(st, xi, (tvm_expr[]){i, k}, 2);
    val m = exact_val(X_reduce(st, OPK_RMAX, xik, &k, 1, dt, false), dt);
    int mi = finish_compute(st, &s1, m, "smax");
    if (mi < 0) return -1;
    /* e[i, j] */
    scope s2 = {.nit = 2, .it = {i, j}, .itdim = {rows, cols}};
    tvm_expr xij = X_load(st, xi, (tvm_expr[]){i, j}, 2);
    tvm_expr mi_ = X_load(st, mi, (tvm_expr[]){i}, 1);
    val ex = exact_val(X_un(st, OPK_EXP, X_bin(st, OPK_SUB, xij, mi_, dt), dt), dt);
    ex.inexact = ex.transc = true;
    ex.unit = compute_unit(dt);
    set_range(&ex, 0, 1); /* exp(x - max x) */
    ex.esc = 1;
    int ei = finish_compute(st, &s2, ex, "sexp");
    if (ei < 0) return -1;
    c->ts[mi].consumed = true;
    /* s[i] */
    snprintf(name, sizeof name, "r%d", st->naxes_made++);
    tvm_expr k2 = rng_chance(&st->r, 0.5) ? k : X_reduce_axis(st, name, c->dims[cols].e);
    tvm_expr eik = X_load(st, ei, (tvm_expr[]){i, k2}, 2);
    val sm = exact_val(X_reduce(st, OPK_SUM, eik, &k2, 1, dt, true), dt);
    sm.inexact = sm.transc = true;
    sm.unit = fmax(compute_unit(dt), dt_unit(dt));
    sm.red = (double)(dmax(c, cols) > 1 ? dmax(c, cols) : 1);
    set_range(&sm, 0, sm.red);
    sm.esc = 2 * sm.red;
    int si = finish_compute(st, &s1, sm, "ssum");
    if (si < 0) return -1;
    c->ts[ei].consumed = true;
    /* y[i, j] */
    tvm_expr eij = X_load(st, ei, (tvm_expr[]){i, j}, 2);
    tvm_expr si_ = X_load(st, si, (tvm_expr[]){i}, 1);
    val y = exact_val(X_bin(st, OPK_DIV, eij, si_, dt), dt);
    y.inexact = y.transc = true;
    y.unit = sm.unit;
    y.red = sm.red;
    set_range(&y, 0, 1);
    y.esc = 2 + 2 * sm.red; /* e <= s and s >= 1: |d(e/s)| <= |de| + |ds| */
    c->ts[si].consumed = true;
    c->nops += 5;
    c->nreduce += 2;
    return finish_compute(st, &s2, y, "soft");
}

/* C[i, j] = sum_k A[i, k] * B[k, j] (B maybe stored transposed), then maybe
 * a bias and a ReLU. */
static int gen_matmul(gst *st) {
    gen_case *c = st->c;
    tvm_dtype dt = random_numeric(st);
    snprintf(c->tmpl, sizeof c->tmpl, "matmul");
    int M = pick_dim(st, 1, 129, true);
    int N = pick_dim(st, dmax(c, M) ? dmax(c, M) : 1, st->elem_cap, true);
    int64_t mn = (dmax(c, M) ? dmax(c, M) : 1) * (dmax(c, N) ? dmax(c, N) : 1);
    int K = pick_dim(st, mn, WORK_CAP, true);
    bool bt = rng_chance(&st->r, 0.4);
    int ai = make_input(st, dt, 2, (int[]){M, K}, true);
    int bi = make_input(st, dt, 2, bt ? (int[]){N, K} : (int[]){K, N}, true);
    if (ai < 0 || bi < 0) return -1;
    tvm_expr i = iter_for(st, NULL, 0), j = iter_for(st, &i, 1);
    st->inner = dval(c, N, 0);
    st->red_inner = dval(c, K, 0);
    char name[16];
    snprintf(name, sizeof name, "r%d", st->naxes_made++);
    tvm_expr k = X_reduce_axis(st, name, c->dims[K].e);
    tvm_expr a = X_load(st, ai, (tvm_expr[]){i, k}, 2);
    tvm_expr b = X_load(st, bi, bt ? (tvm_expr[]){j, k} : (tvm_expr[]){k, j}, 2);
    tvm_expr body = X_bin(st, OPK_MUL, a, b, dt);
    val v = exact_val(X_reduce(st, OPK_SUM, body, &k, 1, dt, true), dt);
    if (dt_is_float(dt)) {
        v.inexact = true;
        v.unit = fmax(compute_unit(dt), dt_unit(dt));
        v.red = (double)(dmax(c, K) > 1 ? dmax(c, K) : 1);
        val va = tensor_val(st, ai, a), vb = tensor_val(st, bi, b);
        double m = bmul(v.red, bmul(vmag(va), vmag(vb)));
        set_range(&v, -m, m);
        v.esc = m; /* the sum of |terms| */
    }
    c->nops += 2;
    c->nreduce++;
    scope s = {.nit = 2, .it = {i, j}, .itdim = {M, N}};
    if (rng_chance(&st->r, 0.5)) {
        int ci = finish_compute(st, &s, v, "mm");
        if (ci < 0) return -1;
        int biasi = make_input(st, dt, 1, (int[]){N}, true);
        if (biasi < 0) return -1;
        tvm_expr cij = X_load(st, ci, (tvm_expr[]){i, j}, 2);
        tvm_expr bj = X_load(st, biasi, (tvm_expr[]){j}, 1);
        val z = v;
        z.e = X_bin(st, OPK_MAX, X_bin(st, OPK_ADD, cij, bj, dt), X_const_int(st, dt, 0), dt);
        if (dt_is_float(dt)) {
            val cv = tensor_val(st, ci, cij), zero = exact_val(z.e, dt);
            set_range(&zero, 0, 0);
            z = arith(OPK_ADD, z.e, dt, cv, tensor_val(st, biasi, bj));
            z = arith(OPK_MAX, z.e, dt, z, zero);
        }
        c->ts[ci].consumed = true;
        c->nops += 2;
        return finish_compute(st, &s, z, "relu");
    }
    return finish_compute(st, &s, v, "mm");
}

/* ---- data --------------------------------------------------------------------------- */

static uint64_t data_seed(const gen_case *c, int ti, int sig) {
    return splitmix64(c->cseed ^ (0x9e37ull * (uint64_t)(ti + 1)) ^ ((uint64_t)sig << 40));
}

static void fill_values(rng *r, tvm_dtype d, int fill, void *data, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        if (d == TVM_BOOL) {
            elem_set_i(d, data, i, rng_chance(r, fill == FILL_SMALL ? 0.2 : 0.5));
        } else if (dt_is_int(d)) {
            int64_t lo = dt_min(d), hi = dt_max(d), v;
            int x = (int)rng_below(r, 100);
            if (fill == FILL_SMALL || fill == FILL_UNIT) {
                v = (int64_t)rng_below(r, 7) - (d == TVM_UINT8 ? 0 : 3);
            } else if (fill == FILL_POSITIVE) {
                v = 1 + (int64_t)rng_below(r, 20);
            } else if (x < 45) {
                v = (int64_t)rng_below(r, 21) - 10;
            } else if (x < 70) {
                uint64_t u = rng_next(r);
                v = (int64_t)u;
                if (d != TVM_INT64) v = lo + (int64_t)(u % (uint64_t)(hi - lo + 1));
            } else {
                int64_t sp[] = {0, 1, -1, 2, -2, lo, lo + 1, hi, hi - 1, 0};
                v = sp[rng_below(r, 10)];
            }
            if (v < lo) v = lo;
            if (v > hi) v = hi;
            elem_set_i(d, data, i, v);
        } else {
            double v;
            int x = (int)rng_below(r, 100);
            if (fill == FILL_SMALL) v = (double)((int)rng_below(r, 7) - 3);
            else if (fill == FILL_POSITIVE) v = 0.05 + rng_unit(r) * 3.95;
            else if (fill == FILL_UNIT) v = 0.5 + rng_unit(r) * 1.5;
            else if (x < 60) v = rng_unit(r) * 8.0 - 4.0;
            else if (x < 75) v = (double)((int)rng_below(r, 33) - 16) * 0.5;
            else if (x < 85) v = rng_unit(r) * 200.0 - 100.0;
            else if (x < 95) v = (rng_chance(r, 0.5) ? -1 : 1) * pow(10.0, rng_unit(r) * 6 - 3);
            else v = (double)((int)rng_below(r, 3) - 1);
            elem_set_f(d, data, i, v);
        }
    }
}

static void fill_bytes_for_constant(gst *st, gen_tensor *t, int64_t n) {
    size_t nb = (size_t)n * dt_size(t->dt);
    t->const_data = calloc(nb ? nb : 1, 1);
    if (!t->const_data) return;
    rng r;
    rng_seed(&r, rng_next(&st->r));
    fill_values(&r, t->dt, t->fill, t->const_data, n);
}

void gen_fill(const gen_case *c, int ti, int sig, void *data, int64_t n) {
    rng r;
    rng_seed(&r, data_seed(c, ti, sig));
    fill_values(&r, c->ts[ti].dt, c->ts[ti].fill, data, n);
}

int64_t gen_shape(const gen_case *c, int ti, int sig, int64_t *shape) {
    const gen_tensor *t = &c->ts[ti];
    int64_t n = 1;
    for (int k = 0; k < t->ndim; k++) {
        shape[k] = c->dims[t->dim[k]].val[sig];
        n *= shape[k];
    }
    return n;
}

/* ---- the graph ---------------------------------------------------------------------- */

static void choose_run_options(gst *st) {
    gen_case *c = st->c;
    c->no_inline_variant = rng_chance(&st->r, 0.10);
    c->no_inline_interp = rng_chance(&st->r, 0.5);
    c->no_inline_opt = rng_chance(&st->r, 0.5) ? TVM_OPT_O0 : TVM_OPT_O3;
    c->no_cache_o0 = rng_chance(&st->r, 0.15);
    c->no_cache_o3 = rng_chance(&st->r, 0.15);
    c->rebuild_variant = !c->no_cache_o3 && rng_chance(&st->r, 0.10);
    c->small_ctx = rng_chance(&st->r, 0.2);
    c->guard = (c->par.index & 1) ? GUARD_START : GUARD_END;
}

bool gen_build(gen_case *c, const gen_params *par, tvm_context *ctx, tvm_context *small_ctx,
               bool record) {
    memset(c, 0, sizeof *c);
    c->par = *par;
    c->ctx = ctx;
    c->cseed = case_seed(par->seed, par->index);
    gst st = {.c = c};
    rng_seed(&st.r, c->cseed ^ (0x7f4a7c15ull * (uint64_t)par->variant));
    if (record) {
        c->log_cap = 4096;
        c->log = malloc(c->log_cap);
        if (c->log) c->log[0] = 0;
        else c->log_cap = 0;
    }
    c->force = (forced_op){-1, 0, 0, 0};
    if (par->systematic && par->index < (uint64_t)systematic_count())
        c->force = systematic_case((int)par->index);
    choose_run_options(&st);
    if (c->small_ctx && small_ctx) ctx = small_ctx;
    else c->small_ctx = false;
    c->ctx = ctx;
    c->g = tvm_graph_create(ctx);
    if (!c->g) {
        snprintf(c->error, sizeof c->error, "tvm_graph_create: %s", tvm_last_error());
        return false;
    }
    c->symbolic = rng_chance(&st.r, 0.3);
    c->nsig = c->symbolic ? 2 : 1;
    {
        static const int64_t caps[3] = {512, 4096, GEN_MAX_ELEMS};
        static const int w[3] = {55, 32, 13};
        st.elem_cap = caps[rng_weighted(&st.r, w, 3)];
    }
    int max_ops = par->max_ops > 0 ? par->max_ops : 12;
    int target = 1 + (int)rng_below(&st.r, (uint32_t)max_ops);
    /* a few dims up front so tensors share extents */
    int nd0 = 1 + (int)rng_below(&st.r, 4);
    for (int i = 0; i < nd0; i++) {
        if (c->symbolic && rng_chance(&st.r, 0.6)) var_dim(&st);
        else const_dim(&st, draw_value(&st, false));
    }
    int last = -1;
    if (c->force.opk >= 0) {
        last = gen_forced(&st);
        target -= c->nops;
    } else if (target >= 5 && rng_chance(&st.r, 0.12)) {
        last = rng_chance(&st.r, 0.5) ? gen_softmax(&st) : gen_matmul(&st);
        target -= c->nops;
    }
    while (target > 0 && !c->error[0]) {
        int ncomp_left = 1 + (int)rng_below(&st.r, (uint32_t)(target < 3 ? target : 3));
        int share = ncomp_left == 1 ? target : 1 + (int)rng_below(&st.r, (uint32_t)target);
        st.ops_left = share;
        int before = c->nops;
        last = gen_compute(&st, 0);
        int used = c->nops - before;
        target -= used > 0 ? used : 1;
        if (last < 0) break;
    }
    if (last < 0 && !c->error[0]) {
        st.ops_left = 1;
        last = gen_compute(&st, 0);
    }
    if (c->error[0] || last < 0) {
        if (!c->error[0]) snprintf(c->error, sizeof c->error, "generator: no compute");
        free(st.declared);
        return false;
    }
    /* outputs: every compute nobody reads, some that are read */
    for (int i = 0; i < c->ntensors; i++) {
        gen_tensor *t = &c->ts[i];
        if (t->kind != T_COMPUTE) continue;
        if (!t->consumed || i == last || rng_chance(&st.r, 0.2)) c->out[c->nout++] = i;
    }
    for (int i = 0; i < c->ntensors; i++)
        if (c->ts[i].kind == T_PLACEHOLDER) c->in[c->nin++] = i;
    /* a size variable that no argument has as a dimension gets an input that
     * only carries it */
    for (int d = 0; d < c->ndims; d++) {
        if (c->dims[d].kind != DIM_VAR || !st.dim_used[d]) continue;
        bool bound = false;
        for (int a = 0; a < c->nin + c->nout && !bound; a++) {
            gen_tensor *t = &c->ts[a < c->nin ? c->in[a] : c->out[a - c->nin]];
            for (int k = 0; k < t->ndim; k++) bound |= t->dim[k] == d;
        }
        if (bound) continue;
        int ti = make_input(&st, TVM_INT8, 1, &d, false);
        if (ti < 0) break;
        c->ts[ti].binder = true;
        c->in[c->nin++] = ti;
    }
    /* shuffle the inputs: the argument order is part of what is tested */
    for (int k = c->nin - 1; k > 0; k--) {
        int j = (int)rng_below(&st.r, (uint32_t)(k + 1));
        int t = c->in[k];
        c->in[k] = c->in[j];
        c->in[j] = t;
    }
    free(st.declared);
    if (!c->error[0] && tvm_graph_status(c->g) != TVM_OK)
        snprintf(c->error, sizeof c->error, "graph status %s: %s",
                 tvm_status_string(tvm_graph_status(c->g)), tvm_last_error());
    return c->error[0] == 0;
}

void gen_free(gen_case *c) {
    for (int i = 0; i < c->ntensors; i++) free(c->ts[i].const_data);
    tvm_graph_destroy(c->g);
    c->g = NULL;
    free(c->log);
    c->log = NULL;
    c->log_cap = c->log_len = 0;
}
