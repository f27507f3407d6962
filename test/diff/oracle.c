/* oracle.c — one differential case.
 *
 * Variants of the generated graph, all compiled in one context:
 *   ref       "interp", O3, TVM_COMPILE_NO_CACHE (always freshly built, so a
 *             function-cache mix-up cannot hide behind the reference)
 *   llvm O0   (15%: NO_CACHE)
 *   llvm O3   (15%: NO_CACHE)
 *   no-inline 10% of cases: "interp" or "llvm" (O0 or O3) with
 *             TVM_COMPILE_NO_INLINE: materialising every compute must not
 *             change any result
 *   rebuilt   10%: the same graph built again in a fresh tvm_graph and
 *             compiled like llvm O3: must come back from the function cache
 *             (the same function, a cache hit counted)
 * Graphs with size variables are called with two shape signatures,
 * interleaved (sig 0, sig 1, sig 0, sig 1), so the shape cache must hand back
 * the right kernel; in 20% of the cases the context has a one-entry shape
 * cache and a four-entry function cache, so entries are evicted and rebuilt.
 *
 * Every buffer comes from guard.c (the end of every input and output flush
 * against a PROT_NONE page in even cases, the start in odd ones); outputs are
 * poisoned with a different byte per run, so an element a kernel forgets to
 * write shows up as a mismatch.
 *
 * Checks, each a failure of the case:
 *   - each compiled variant is called twice per signature: bitwise identical;
 *   - each variant against the reference:
 *       integers and bool: exact;
 *       floats computed only by correctly rounded operations: bitwise (any
 *       two NaNs count as equal);
 *       floats downstream of a float sum/prod (reassociation) or of a
 *       transcendental function (the generator's taint): NaN == NaN, ±Inf
 *       exactly, ±0 equal to each other, otherwise
 *         |got - want| <= max(rtol * (|want| + M), rtol_S * S),
 *       M = max |want| of the output, S the generator's error scale (below),
 *         rtol = 16 u max(1, L) [reductions] + 8 u F [transcendental: 4 ulp;
 *                F = 1, for pow 1 + max |b ln a| over the operand ranges,
 *                at most 1 + |ln| of the largest finite float]
 *                + 2 u_out [float16/bfloat16 outputs: one ulp of storage],
 *         rtol_S = rtol with sqrt(L) in place of L (S already bounds the
 *                sum of |terms|; the order-dependent error of a sum grows
 *                like sqrt(L) in practice, L in the worst case),
 *       u the coarsest unit roundoff on the inexact path (2^-24 float32,
 *       2^-53 float64, 2^-11 float16, 2^-8 bfloat16; float16/bfloat16 compute
 *       in float32), L the product of the reduction extents on it — for a
 *       float32 sum, rtol = 2^-20 L.
 *       The error is a few ulp of the values where it entered, not of the
 *       output: erf(a) - erf(b) may cancel to 1e-5 with the error of one ulp
 *       of 1. So gen.c bounds every value statically (intervals from the fill
 *       ranges, constants, dims and per-op rules: erf/tanh in [-1, 1],
 *       exp(x) <= exp(hi), pow at the corners, sums times the extent, ...)
 *       and carries S: the bound of the value where the error entered, plus,
 *       for each later op, its result's bound (one rounding), scaled through
 *       * and /, the larger through min/max/select, the sum of |terms| for a
 *       sum. Where no finite bound is known (a divisor range holding 0, an
 *       exp or pow of an unbounded argument) S is 0 and the rule is
 *       output-relative only: never vacuous, possibly strict. Such an
 *       unbounded value may also overflow on one side only (a pow a few ulp
 *       above the largest float becomes inf, and a sum holding -inf then
 *       NaN): there, non-finite on both sides, or inf against a finite value
 *       within 2^-10 of overflowing, counts as equal;
 *   - no call may change its inputs;
 *   - tvm_function_output_shape agrees with the generator's shapes;
 *   - tvm_function_num_args / arg_info agree with the graph;
 *   - different compile options never share a function; an identical
 *     rebuilt graph does.
 * A case whose reference outputs are more than 90% one value (or empty) is
 * "mistrusted": it still has to pass, but does not count toward the goal. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"

#define MAX_VARIANTS 5

char *diff_progress; /* shared with the parent: what the worker is doing */
static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...) {
    if (!diff_progress) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diff_progress, DIFF_PROGRESS_LEN, fmt, ap);
    va_end(ap);
}
#define MAX_ARGS (2 * GEN_MAX_TENSORS)

typedef struct arg_buf {
    guard_buf buf;
    int64_t shape[GEN_MAX_NDIM];
    int64_t strides[GEN_MAX_NDIM];
    DLTensor dl;
} arg_buf;

typedef struct variant {
    char label[96];
    const char *target;
    int opt;
    uint32_t flags;
    tvm_function *fn;
    bool is_ref;
    double compile_s, call_s;
    arg_buf out[2][2][GEN_MAX_TENSORS]; /* [sig][run][output] */
} variant;

typedef struct failure {
    char kind[32];
    char text[2048];
    int sig;
    int variant;
} failure;

static void set_dl(arg_buf *a, const gen_case *c, int ti, int sig, bool strides) {
    int64_t n = gen_shape(c, ti, sig, a->shape);
    (void)n;
    const gen_tensor *t = &c->ts[ti];
    int64_t st = 1;
    for (int k = t->ndim - 1; k >= 0; k--) {
        a->strides[k] = st;
        st *= a->shape[k];
    }
    a->dl = (DLTensor){
        .data = a->buf.data,
        .device = {kDLCPU, 0},
        .ndim = t->ndim,
        .dtype = dt_dl(t->dt),
        .shape = a->shape,
        .strides = strides && t->ndim ? a->strides : NULL,
        .byte_offset = 0,
    };
}

static bool alloc_arg(arg_buf *a, const gen_case *c, int ti, int sig, bool strides) {
    int64_t shape[GEN_MAX_NDIM];
    int64_t n = gen_shape(c, ti, sig, shape);
    if (!guard_alloc(&a->buf, (size_t)n * dt_size(c->ts[ti].dt), c->guard)) return false;
    set_dl(a, c, ti, sig, strides);
    return true;
}

static const char *flags_text(uint32_t f) {
    static char buf[64];
    buf[0] = 0;
    if (f & TVM_COMPILE_NO_INLINE) strcat(buf, "|NO_INLINE");
    if (f & TVM_COMPILE_NO_CACHE) strcat(buf, "|NO_CACHE");
    return buf[0] ? buf + 1 : "0";
}

static void describe_index(char *buf, size_t cap, const int64_t *shape, int nd, int64_t flat) {
    int64_t idx[GEN_MAX_NDIM];
    for (int k = nd - 1; k >= 0; k--) {
        idx[k] = shape[k] ? flat % shape[k] : 0;
        flat = shape[k] ? flat / shape[k] : 0;
    }
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int k = 0; k < nd && n < cap; k++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", k ? ", " : "", (long long)idx[k]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

static void value_text(char *buf, size_t cap, tvm_dtype d, const void *p, int64_t i) {
    if (dt_is_float(d))
        snprintf(buf, cap, "%.9g (bits 0x%llx)", elem_f(d, p, i),
                 (unsigned long long)elem_bits(d, p, i));
    else
        snprintf(buf, cap, "%lld", (long long)elem_i(d, p, i));
}

static bool is_nan_elem(tvm_dtype d, const void *p, int64_t i) {
    return dt_is_float(d) && isnan(elem_f(d, p, i));
}

typedef struct tol {
    bool exact;
    double rtol;
    double scale; /* S: 0 when unknown */
    double rtol_s; /* the rtol that goes with S */
    bool bounded;  /* the generator knows a finite bound of the values */
} tol;

static tol output_tol(const gen_case *c, int ti) {
    const gen_tensor *t = &c->ts[ti];
    tol r = {true, 0, 0, 0, false};
    if (!dt_is_float(t->dt) || !t->inexact) return r;
    r.exact = false;
    double u = t->unit > 0 ? t->unit : dt_unit(t->dt);
    if (t->red > 0) r.rtol += 16 * u * (t->red > 1 ? t->red : 1);
    if (t->transc) r.rtol += 8 * u * fmax(1, t->tfac);
    if (t->dt == TVM_FLOAT16 || t->dt == TVM_BFLOAT16) r.rtol += 2 * dt_unit(t->dt);
    if (r.rtol == 0) r.rtol = 8 * u;
    r.bounded = isfinite(t->esc);
    r.scale = r.bounded ? t->esc : 0;
    /* S bounds the sum of |terms| of a reduction: its order-dependent error
     * grows like sqrt(L) (a random walk), not like the worst case L */
    r.rtol_s = r.rtol;
    if (t->red > 0) r.rtol_s += 16 * u * (sqrt(t->red > 1 ? t->red : 1) - (t->red > 1 ? t->red : 1));
    return r;
}

/* The largest finite value of float dtype d. */
static double dt_max_finite(tvm_dtype d) {
    switch (d) {
    case TVM_FLOAT64: return 1.7976931348623157e308;
    case TVM_FLOAT16: return 65504.0;
    case TVM_BFLOAT16: return 3.3895313892515355e38;
    default: return 3.4028234663852886e38;
    }
}

/* Whether x (got) and y (want) may both be the same overflowing value, seen
 * through a few ulp of error: both non-finite (an inf on one side became
 * inf - inf = NaN on the other), or one infinite and the other finite but
 * within 2^-10 of overflowing. */
static bool overflow_pair(tvm_dtype d, double x, double y) {
    if (!isfinite(x) && !isfinite(y)) return true;
    double big = dt_max_finite(d) / 1024;
    return (isinf(x) && isfinite(y) && fabs(y) >= big) ||
           (isinf(y) && isfinite(x) && fabs(x) >= big);
}

/* Compares got with want; on a difference fills f and returns false. */
static bool compare(const gen_case *c, int oi, const arg_buf *got, const arg_buf *want,
                    const char *what, failure *f) {
    int ti = c->out[oi];
    const gen_tensor *t = &c->ts[ti];
    tvm_dtype d = t->dt;
    int64_t n = 1;
    for (int k = 0; k < t->ndim; k++) n *= want->shape[k];
    tol tl = output_tol(c, ti);
    const void *g = got->buf.data, *w = want->buf.data;
    double M = 0;
    if (!tl.exact)
        for (int64_t i = 0; i < n; i++) {
            double x = fabs(elem_f(d, w, i));
            if (isfinite(x) && x > M) M = x;
        }
    int64_t first = -1, count = 0;
    double worst_err = 0, worst_allowed = 0;
    for (int64_t i = 0; i < n; i++) {
        bool ok;
        double err = 0, allowed = 0;
        if (elem_bits(d, g, i) == elem_bits(d, w, i)) {
            ok = true;
        } else if (!tl.exact && !tl.bounded &&
                   overflow_pair(d, elem_f(d, g, i), elem_f(d, w, i))) {
            ok = true; /* an unbounded inexact value overflowed on one side */
        } else if (is_nan_elem(d, g, i) || is_nan_elem(d, w, i)) {
            ok = is_nan_elem(d, g, i) && is_nan_elem(d, w, i);
        } else if (tl.exact) {
            ok = false;
        } else {
            double x = elem_f(d, g, i), y = elem_f(d, w, i);
            if (isinf(x) || isinf(y)) {
                ok = x == y;
            } else {
                err = fabs(x - y);
                allowed = fmax(tl.rtol * (fabs(y) + M), tl.rtol_s * tl.scale);
                ok = err <= allowed; /* also +0 == -0 */
            }
        }
        if (!ok) {
            if (first < 0) first = i, worst_err = err, worst_allowed = allowed;
            count++;
        }
    }
    if (first < 0) return true;
    char idx[96], gv[64], wv[64];
    describe_index(idx, sizeof idx, want->shape, t->ndim, first);
    value_text(gv, sizeof gv, d, g, first);
    value_text(wv, sizeof wv, d, w, first);
    char tolt[96];
    if (tl.exact) snprintf(tolt, sizeof tolt, "exact");
    else snprintf(tolt, sizeof tolt, "rtol %.3g, M %.6g, S %.6g: |err| %.6g > %.6g", tl.rtol,
                  M, tl.scale, worst_err, worst_allowed);
    snprintf(f->text, sizeof f->text,
             "%s: output %d '%s' (%s) element %lld %s: got %s, want %s (%s); %lld of %lld "
             "elements differ",
             what, oi, t->name, dt_name(d), (long long)first, idx, gv, wv, tolt,
             (long long)count, (long long)n);
    return false;
}

static bool bitwise_equal(const gen_case *c, int oi, const arg_buf *a, const arg_buf *b,
                          int64_t *where) {
    const gen_tensor *t = &c->ts[c->out[oi]];
    int64_t n = 1;
    for (int k = 0; k < t->ndim; k++) n *= a->shape[k];
    for (int64_t i = 0; i < n; i++) {
        if (elem_bits(t->dt, a->buf.data, i) != elem_bits(t->dt, b->buf.data, i) &&
            !(is_nan_elem(t->dt, a->buf.data, i) && is_nan_elem(t->dt, b->buf.data, i))) {
            *where = i;
            return false;
        }
    }
    return true;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* elements of the most common value, summed over the reference outputs */
static void mode_counts(const gen_case *c, variant *ref, int64_t *total, int64_t *modal) {
    *total = *modal = 0;
    for (int sig = 0; sig < c->nsig; sig++)
        for (int o = 0; o < c->nout; o++) {
            const gen_tensor *t = &c->ts[c->out[o]];
            const arg_buf *a = &ref->out[sig][0][o];
            int64_t n = 1;
            for (int k = 0; k < t->ndim; k++) n *= a->shape[k];
            if (n == 0) continue;
            uint64_t *v = malloc((size_t)n * sizeof *v);
            if (!v) continue;
            for (int64_t i = 0; i < n; i++)
                v[i] = is_nan_elem(t->dt, a->buf.data, i) ? ~0ull
                                                          : elem_bits(t->dt, a->buf.data, i);
            qsort(v, (size_t)n, sizeof *v, cmp_u64);
            int64_t best = 0, run = 0;
            for (int64_t i = 0; i < n; i++) {
                run = (i > 0 && v[i] == v[i - 1]) ? run + 1 : 1;
                if (run > best) best = run;
            }
            free(v);
            *total += n;
            *modal += best;
        }
}

/* ---- the report ------------------------------------------------------------------ */

static void describe_case(sbuf *r, const gen_case *c) {
    sb_addf(r, "  case seed 0x%016llx, %d ops, %d reductions%s%s, %d signature%s, guard %s, "
               "context %s\n",
            (unsigned long long)c->cseed, c->nops, c->nreduce, c->tmpl[0] ? ", template " : "",
            c->tmpl, c->nsig, c->nsig > 1 ? "s" : "", c->guard == GUARD_END ? "end" : "start",
            c->small_ctx ? "small caches" : "default");
    if (c->force.opk >= 0)
        sb_addf(r, "  systematic: %s %s%s%s, innermost extent %lld\n", opk_name(c->force.opk),
                dt_name(c->force.dt), c->force.opk == OPK_CAST ? " -> " : "",
                c->force.opk == OPK_CAST ? dt_name(c->force.to) : "",
                (long long)c->force.tail);
    bool any = false;
    for (int d = 0; d < c->ndims; d++)
        if (c->dims[d].kind != DIM_CONST) {
            if (!any) sb_addf(r, "  size values:");
            any = true;
            if (c->nsig > 1)
                sb_addf(r, " %s=%lld|%lld", c->dims[d].text, (long long)c->dims[d].val[0],
                        (long long)c->dims[d].val[1]);
            else
                sb_addf(r, " %s=%lld", c->dims[d].text, (long long)c->dims[d].val[0]);
        }
    if (any) sb_addf(r, "\n");
    for (int a = 0; a < c->nin + c->nout; a++) {
        int ti = a < c->nin ? c->in[a] : c->out[a - c->nin];
        const gen_tensor *t = &c->ts[ti];
        sb_addf(r, "  %s %s %s [", a < c->nin ? "input " : "output", t->name, dt_name(t->dt));
        for (int k = 0; k < t->ndim; k++)
            sb_addf(r, "%s%s", k ? ", " : "", c->dims[t->dim[k]].text);
        sb_addf(r, "]");
        if (a >= c->nin) {
            tol tl = output_tol(c, ti);
            if (tl.exact) sb_addf(r, " exact");
            else sb_addf(r, " rtol %.3g S %.3g", tl.rtol, tl.scale);
        }
        sb_addf(r, "\n");
    }
}

static void print_graph(sbuf *r, gen_case *c) {
    tvm_tensor outs[GEN_MAX_TENSORS];
    for (int o = 0; o < c->nout; o++) outs[o] = c->ts[c->out[o]].t;
    char *text = NULL;
    c->cov.api[API_tvm_graph_print] = 1;
    if (tvm_graph_print(c->g, c->nout, outs, &text) == TVM_OK && text) {
        size_t len = strlen(text);
        if (len > 12000) {
            text[12000] = 0;
            sb_addf(r, "  graph (first 12000 bytes):\n%s\n  ...\n", text);
        } else {
            sb_addf(r, "  graph:\n%s", text);
            if (len && text[len - 1] != '\n') sb_addf(r, "\n");
        }
    } else {
        sb_addf(r, "  graph: tvm_graph_print failed: %s\n", tvm_last_error());
    }
    tvm_free(text);
}

static void repro_command(sbuf *r, const gen_params *p) {
    sb_addf(r, "  repro: test_diff --seed 0x%016llx --case %llu", (unsigned long long)p->seed,
            (unsigned long long)p->index);
    if (p->max_ops) sb_addf(r, " --max-ops %d", p->max_ops);
    if (p->max_dim) sb_addf(r, " --max-dim %d", p->max_dim);
    if (p->variant) sb_addf(r, " --variant %d", p->variant);
    if (!p->systematic) sb_addf(r, " --no-systematic");
    sb_addf(r, "\n");
}

/* ---- the C reproducer ---------------------------------------------------------------- */

static void emit_bytes(sbuf *r, const char *name, const void *p, size_t n) {
    const unsigned char *b = p;
    sb_addf(r, "static unsigned char %s[%zu] = {", name, n ? n : 1);
    if (n == 0) sb_addf(r, "0");
    for (size_t i = 0; i < n; i++) sb_addf(r, "%s%s%u", i ? "," : "", i % 24 ? "" : "\n  ", b[i]);
    sb_addf(r, "};\n");
}

/* A self-contained C program that rebuilds the graph through the public
 * API, compiles it for "interp" and the given llvm variants, calls them on
 * the case's inputs for every shape signature and prints the elements that
 * differ from interp. */
static void emit_c(sbuf *r, gen_case *c, const char *why) {
    size_t in_bytes = 0;
    for (int sig = 0; sig < c->nsig; sig++)
        for (int a = 0; a < c->nin; a++) {
            int64_t shape[GEN_MAX_NDIM];
            in_bytes += (size_t)gen_shape(c, c->in[a], sig, shape) * dt_size(c->ts[c->in[a]].dt);
        }
    if (in_bytes > (4u << 20) || !c->log) {
        sb_addf(r, "/* C reproducer omitted: %zu bytes of inputs */\n", in_bytes);
        return;
    }
    int nargs = c->nin + c->nout;
    sb_addf(r, "/* tvmc differential reproducer: seed 0x%016llx case %llu\n * %s\n"
               " * build: cc repro.c -ltvmc -lm && ./a.out */\n",
            (unsigned long long)c->par.seed, (unsigned long long)c->par.index, why);
    sb_addf(r, "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
               "#include <tvmc.h>\n\n");
    for (int i = 0; i < c->ntensors; i++)
        if (c->ts[i].kind == T_CONSTANT && c->ts[i].const_data) {
            int64_t shape[GEN_MAX_NDIM];
            int64_t n = gen_shape(c, i, 0, shape);
            char nm[32];
            snprintf(nm, sizeof nm, "%s_data", c->ts[i].name);
            emit_bytes(r, nm, c->ts[i].const_data, (size_t)n * dt_size(c->ts[i].dt));
        }
    for (int sig = 0; sig < c->nsig; sig++)
        for (int a = 0; a < c->nin; a++) {
            int ti = c->in[a];
            int64_t shape[GEN_MAX_NDIM];
            int64_t n = gen_shape(c, ti, sig, shape);
            size_t nb = (size_t)n * dt_size(c->ts[ti].dt);
            void *tmp = malloc(nb ? nb : 1);
            if (!tmp) return;
            gen_fill(c, ti, sig, tmp, n);
            char nm[32];
            snprintf(nm, sizeof nm, "in%d_%d", sig, a);
            emit_bytes(r, nm, tmp, nb);
            free(tmp);
        }
    sb_addf(r, "\nstatic double val(int dt, const void *p, long i) {\n"
               "    unsigned short h; unsigned u; float f;\n"
               "    switch (dt) {\n"
               "    case TVM_FLOAT32: return ((const float *)p)[i];\n"
               "    case TVM_FLOAT64: return ((const double *)p)[i];\n"
               "    case TVM_FLOAT16: h = ((const unsigned short *)p)[i];\n"
               "        if (((h >> 10) & 31) == 31) return (h & 1023) ? NAN : (h >> 15 ? -INFINITY : INFINITY);\n"
               "        return ((h >> 15) ? -1 : 1) * (((h >> 10) & 31) ? ldexp(1024 + (h & 1023), ((h >> 10) & 31) - 25)\n"
               "                                                  : ldexp(h & 1023, -24));\n"
               "    case TVM_BFLOAT16: u = (unsigned)((const unsigned short *)p)[i] << 16; memcpy(&f, &u, 4); return f;\n"
               "    case TVM_INT8: return ((const signed char *)p)[i];\n"
               "    case TVM_INT16: return ((const short *)p)[i];\n"
               "    case TVM_INT32: return ((const int *)p)[i];\n"
               "    case TVM_INT64: return (double)((const long long *)p)[i];\n"
               "    default: return ((const unsigned char *)p)[i];\n"
               "    }\n}\n\n");
    sb_addf(r, "int main(void) {\n    tvm_context *ctx;\n    tvm_context_options co = "
               "{sizeof co, 1, 0, 0, 0};\n    if (tvm_context_create(&co, &ctx)) return 2;\n"
               "    tvm_graph *g = tvm_graph_create(ctx);\n");
    sb_addf(r, "%s", c->log);
    sb_addf(r, "    if (tvm_graph_status(g)) { printf(\"graph: %%s\\n\", tvm_last_error()); "
               "return 2; }\n");
    sb_addf(r, "    tvm_tensor ins[] = {");
    for (int a = 0; a < c->nin; a++) sb_addf(r, "%st%u", a ? ", " : "", c->ts[c->in[a]].t.id);
    if (!c->nin) sb_addf(r, "{0}");
    sb_addf(r, "};\n    tvm_tensor outs[] = {");
    for (int o = 0; o < c->nout; o++) sb_addf(r, "%st%u", o ? ", " : "", c->ts[c->out[o]].t.id);
    sb_addf(r, "};\n    int dts[%d] = {", nargs);
    for (int a = 0; a < nargs; a++) {
        int ti = a < c->nin ? c->in[a] : c->out[a - c->nin];
        sb_addf(r, "%s%s", a ? ", " : "", dt_enum(c->ts[ti].dt));
    }
    sb_addf(r, "};\n    DLDataType dl[%d] = {", nargs);
    for (int a = 0; a < nargs; a++) {
        int ti = a < c->nin ? c->in[a] : c->out[a - c->nin];
        DLDataType t = dt_dl(c->ts[ti].dt);
        sb_addf(r, "%s{%u, %u, 1}", a ? ", " : "", t.code, t.bits);
    }
    sb_addf(r, "};\n    int nd[%d] = {", nargs);
    for (int a = 0; a < nargs; a++) {
        int ti = a < c->nin ? c->in[a] : c->out[a - c->nin];
        sb_addf(r, "%s%d", a ? ", " : "", c->ts[ti].ndim);
    }
    sb_addf(r, "};\n    static int64_t shp[%d][%d][4] = {", c->nsig, nargs);
    for (int sig = 0; sig < c->nsig; sig++) {
        sb_addf(r, "%s{", sig ? ", " : "");
        for (int a = 0; a < nargs; a++) {
            int ti = a < c->nin ? c->in[a] : c->out[a - c->nin];
            int64_t shape[GEN_MAX_NDIM] = {0};
            gen_shape(c, ti, sig, shape);
            sb_addf(r, "%s{%lld, %lld, %lld, %lld}", a ? ", " : "", (long long)shape[0],
                    (long long)shape[1], (long long)shape[2], (long long)shape[3]);
        }
        sb_addf(r, "}");
    }
    sb_addf(r, "};\n    void *in_data[%d][%d] = {", c->nsig, c->nin ? c->nin : 1);
    for (int sig = 0; sig < c->nsig; sig++) {
        sb_addf(r, "%s{", sig ? ", " : "");
        for (int a = 0; a < c->nin; a++) sb_addf(r, "%sin%d_%d", a ? ", " : "", sig, a);
        if (!c->nin) sb_addf(r, "NULL");
        sb_addf(r, "}");
    }
    sb_addf(r, "};\n");
    /* variants: interp reference, llvm O0, llvm O3, and the case's no-inline one */
    sb_addf(r, "    struct { const char *target; int opt; unsigned flags; } v[] = {\n"
               "        {\"interp\", TVM_OPT_O3, TVM_COMPILE_NO_CACHE},\n"
               "        {\"llvm\", TVM_OPT_O0, 0}, {\"llvm\", TVM_OPT_O3, 0},\n");
    if (c->no_inline_variant)
        sb_addf(r, "        {\"%s\", %d, TVM_COMPILE_NO_INLINE},\n",
                c->no_inline_interp ? "interp" : "llvm",
                c->no_inline_interp ? TVM_OPT_O3 : c->no_inline_opt);
    sb_addf(r, "    };\n    int nv = (int)(sizeof v / sizeof v[0]), bad = 0;\n");
    sb_addf(r,
            "    void *ref[%d];\n"
            "    for (int sig = 0; sig < %d; sig++) {\n"
            "        for (int k = 0; k < nv; k++) {\n"
            "            tvm_compile_options o = {sizeof o, v[k].target, v[k].opt, v[k].flags};\n"
            "            tvm_function *fn;\n"
            "            printf(\"signature %%d: %%s O%%d flags %%u\\n\", sig, v[k].target, v[k].opt < 0 ? 0 : v[k].opt, v[k].flags);\n"
            "            fflush(stdout);\n"
            "            if (tvm_compile(g, %d, ins, %d, outs, &o, &fn)) {\n"
            "                printf(\"  compile: %%s\\n\", tvm_last_error()); bad++; continue; }\n"
            "            DLTensor t[%d]; DLTensor *args[%d]; void *out[%d]; long outn[%d];\n"
            "            for (int a = 0; a < %d; a++) {\n"
            "                long n = 1; for (int d = 0; d < nd[a]; d++) n *= shp[sig][a][d];\n"
            "                size_t nb = (size_t)n * (dl[a].bits / 8);\n"
            "                void *p = a < %d ? in_data[sig][a] : calloc(nb + 1, 1);\n"
            "                if (a >= %d) { out[a - %d] = p; outn[a - %d] = n; }\n"
            "                t[a] = (DLTensor){p, {kDLCPU, 0}, nd[a], dl[a], shp[sig][a], NULL, 0};\n"
            "                args[a] = &t[a];\n"
            "            }\n"
            "            if (tvm_function_call(fn, args, %d)) {\n"
            "                printf(\"  call: %%s\\n\", tvm_last_error()); bad++; continue; }\n"
            "            tvm_function_release(fn);\n"
            "            for (int o = 0; o < %d; o++) {\n"
            "                if (k == 0) { ref[o] = out[o]; continue; }\n"
            "                int dt = dts[%d + o]; size_t es = dl[%d + o].bits / 8; int shown = 0;\n"
            "                for (long i = 0; i < outn[o]; i++) {\n"
            "                    double w = val(dt, ref[o], i), x = val(dt, out[o], i);\n"
            "                    if (memcmp((char *)ref[o] + i * es, (char *)out[o] + i * es, es) && !(isnan(w) && isnan(x))) {\n"
            "                        bad++;\n"
            "                        if (shown++ < 5) printf(\"  output %%d element %%ld: got %%.9g, interp %%.9g\\n\", o, i, x, w);\n"
            "                    }\n"
            "                }\n"
            "            }\n"
            "        }\n"
            "    }\n"
            "    printf(\"%%d differences\\n\", bad);\n"
            "    tvm_graph_destroy(g);\n    tvm_context_destroy(ctx);\n"
            "    return bad != 0;\n}\n",
            c->nout ? c->nout : 1, c->nsig, c->nin, c->nout, nargs, nargs, c->nout ? c->nout : 1,
            c->nout ? c->nout : 1, nargs, c->nin, c->nin, c->nin, c->nin, nargs, c->nout, c->nin,
            c->nin);
}

/* ---- running a case ------------------------------------------------------------------ */

static bool compile_variant(gen_case *c, variant *v, failure *f) {
    tvm_compile_options o = {.struct_size = sizeof o, .target = v->target, .opt_level = v->opt,
                             .flags = v->flags};
    tvm_tensor ins[GEN_MAX_TENSORS], outs[GEN_MAX_TENSORS];
    progress("compiling %s", v->label);
    for (int a = 0; a < c->nin; a++) ins[a] = c->ts[c->in[a]].t;
    for (int a = 0; a < c->nout; a++) outs[a] = c->ts[c->out[a]].t;
    double t0 = now_seconds();
    tvm_status st = tvm_compile(c->g, c->nin, ins, c->nout, outs, &o, &v->fn);
    v->compile_s = now_seconds() - t0;
    if (v->compile_s > 2.0)
        fprintf(stderr, "diff: note: seed 0x%016llx case %llu: compiling %s took %.1f s\n",
                (unsigned long long)c->par.seed, (unsigned long long)c->par.index, v->label,
                v->compile_s);
    if (st != TVM_OK) {
        v->fn = NULL;
        snprintf(f->kind, sizeof f->kind, "compile");
        snprintf(f->text, sizeof f->text, "%s: tvm_compile returned %s: %s", v->label,
                 tvm_status_string(st), tvm_last_error());
        return false;
    }
    return true;
}

static bool check_signature(gen_case *c, variant *v, failure *f) {
    int nin = -1, nout = -1;
    c->cov.api[API_tvm_function_num_args] = 1;
    c->cov.api[API_tvm_function_arg_info] = 1;
    if (tvm_function_num_args(v->fn, &nin, &nout) != TVM_OK || nin != c->nin ||
        nout != c->nout) {
        snprintf(f->kind, sizeof f->kind, "arg-info");
        snprintf(f->text, sizeof f->text, "%s: tvm_function_num_args says %d, %d; want %d, %d",
                 v->label, nin, nout, c->nin, c->nout);
        return false;
    }
    for (int a = 0; a < nin + nout; a++) {
        const gen_tensor *t = &c->ts[a < nin ? c->in[a] : c->out[a - nin]];
        tvm_dtype d = 0;
        int nd = -1;
        if (tvm_function_arg_info(v->fn, a, &d, &nd) != TVM_OK || d != t->dt ||
            nd != t->ndim) {
            snprintf(f->kind, sizeof f->kind, "arg-info");
            snprintf(f->text, sizeof f->text,
                     "%s: tvm_function_arg_info(%d) says %s rank %d; want %s rank %d", v->label,
                     a, dt_name(d), nd, dt_name(t->dt), t->ndim);
            return false;
        }
    }
    return true;
}

/* Whether the inputs alone determine every dimension of output o: each size
 * variable in its shape is a dimension of some input. */
static bool output_determined(const gen_case *c, int o) {
    const gen_tensor *t = &c->ts[c->out[o]];
    for (int k = 0; k < t->ndim; k++) {
        int d = t->dim[k];
        if (c->dims[d].kind == DIM_CONST) continue;
        int var = c->dims[d].kind == DIM_DERIVED ? c->dims[d].base : d;
        bool found = false;
        for (int a = 0; a < c->nin && !found; a++) {
            const gen_tensor *in = &c->ts[c->in[a]];
            for (int j = 0; j < in->ndim; j++) found |= in->dim[j] == var;
        }
        if (!found) return false;
    }
    return true;
}

typedef struct case_state {
    gen_case c;
    variant v[MAX_VARIANTS];
    int nv;
    arg_buf in[2][GEN_MAX_TENSORS];
    void *saved[2][GEN_MAX_TENSORS];
} case_state;

static void free_state(case_state *s) {
    for (int i = 0; i < s->nv; i++) {
        tvm_function_release(s->v[i].fn);
        for (int sig = 0; sig < 2; sig++)
            for (int run = 0; run < 2; run++)
                for (int o = 0; o < GEN_MAX_TENSORS; o++) guard_free(&s->v[i].out[sig][run][o].buf);
    }
    for (int sig = 0; sig < 2; sig++)
        for (int a = 0; a < GEN_MAX_TENSORS; a++) {
            guard_free(&s->in[sig][a].buf);
            free(s->saved[sig][a]);
        }
    gen_free(&s->c);
}

static bool call_variant(case_state *s, variant *v, int sig, int run, unsigned char poison,
                         failure *f) {
    gen_case *c = &s->c;
    DLTensor *args[MAX_ARGS];
    for (int a = 0; a < c->nin; a++) args[a] = &s->in[sig][a].dl;
    for (int o = 0; o < c->nout; o++) {
        arg_buf *ob = &v->out[sig][run][o];
        if (ob->buf.nbytes) memset(ob->buf.data, poison, ob->buf.nbytes);
        args[c->nin + o] = &ob->dl;
    }
    progress("calling %s, signature %d, run %d", v->label, sig, run);
    double t0 = now_seconds();
    tvm_status st = tvm_function_call(v->fn, args, c->nin + c->nout);
    double dt = now_seconds() - t0;
    v->call_s += dt;
    if (dt > 2.0)
        fprintf(stderr, "diff: note: seed 0x%016llx case %llu: calling %s (signature %d) took "
                "%.1f s\n", (unsigned long long)c->par.seed, (unsigned long long)c->par.index,
                v->label, sig, dt);
    if (st != TVM_OK) {
        snprintf(f->kind, sizeof f->kind, "call");
        snprintf(f->text, sizeof f->text, "%s: tvm_function_call (signature %d, run %d) "
                 "returned %s: %s", v->label, sig, run, tvm_status_string(st), tvm_last_error());
        f->sig = sig;
        return false;
    }
    return true;
}

/* Runs everything; returns CASE_* and fills f on failure. */
static int run_state(run_env *env, case_state *s, const gen_params *par, bool record,
                     failure *f) {
    gen_case *c = &s->c;
    memset(f, 0, sizeof *f);
    f->variant = -1;
    if (!gen_build(c, par, env->ctx, env->small_ctx, record)) {
        snprintf(f->kind, sizeof f->kind, "builder");
        snprintf(f->text, sizeof f->text, "%s", c->error);
        return CASE_FAILED;
    }
    /* variants */
    variant *ref = &s->v[s->nv++];
    *ref = (variant){.target = "interp", .opt = TVM_OPT_O3, .flags = TVM_COMPILE_NO_CACHE,
                     .is_ref = true};
    snprintf(ref->label, sizeof ref->label, "interp (reference)");
    variant *v0 = &s->v[s->nv++];
    *v0 = (variant){.target = "llvm", .opt = TVM_OPT_O0,
                    .flags = c->no_cache_o0 ? TVM_COMPILE_NO_CACHE : 0};
    variant *v3 = &s->v[s->nv++];
    *v3 = (variant){.target = "llvm", .opt = TVM_OPT_O3,
                    .flags = c->no_cache_o3 ? TVM_COMPILE_NO_CACHE : 0};
    if (c->no_inline_variant) {
        variant *vn = &s->v[s->nv++];
        *vn = (variant){.target = c->no_inline_interp ? "interp" : "llvm",
                        .opt = c->no_inline_interp ? TVM_OPT_O3 : c->no_inline_opt,
                        .flags = TVM_COMPILE_NO_INLINE};
    }
    for (int i = 1; i < s->nv; i++)
        snprintf(s->v[i].label, sizeof s->v[i].label, "%s %s flags=%s", s->v[i].target,
                 s->v[i].opt == TVM_OPT_O0 ? "O0" : "O3", flags_text(s->v[i].flags));
    for (int i = 0; i < s->nv; i++) {
        if (!compile_variant(c, &s->v[i], f)) {
            f->variant = i;
            return CASE_FAILED;
        }
    }
    if (!check_signature(c, ref, f)) return CASE_FAILED;
    if ((c->cseed & 15) == 0) { /* the printer, on a sample of the graphs */
        sbuf pr = {0};
        print_graph(&pr, c);
        bool ok = pr.n > 0 && strstr(pr.p, "graph:") && !strstr(pr.p, "failed");
        sb_release(&pr);
        if (!ok) {
            snprintf(f->kind, sizeof f->kind, "print");
            snprintf(f->text, sizeof f->text, "tvm_graph_print failed: %s", tvm_last_error());
            return CASE_FAILED;
        }
    }
    for (int i = 0; i < s->nv; i++)
        for (int j = 0; j < i; j++)
            if (s->v[i].fn == s->v[j].fn) {
                snprintf(f->kind, sizeof f->kind, "cache");
                snprintf(f->text, sizeof f->text,
                         "'%s' and '%s' were compiled with different options but tvm_compile "
                         "returned the same function", s->v[j].label, s->v[i].label);
                return CASE_FAILED;
            }
    if (c->rebuild_variant) {
        gen_case c2;
        tvm_cache_stats before = {.struct_size = sizeof before}, after = before;
        tvm_context_stats(c->ctx, &before);
        if (!gen_build(&c2, par, c->ctx, NULL, false)) {
            snprintf(f->kind, sizeof f->kind, "builder");
            snprintf(f->text, sizeof f->text, "rebuild: %s", c2.error);
            gen_free(&c2);
            return CASE_FAILED;
        }
        variant vr = {.target = "llvm", .opt = TVM_OPT_O3, .flags = v3->flags};
        snprintf(vr.label, sizeof vr.label, "llvm O3 (identical graph rebuilt)");
        bool ok = compile_variant(&c2, &vr, f);
        tvm_context_stats(c->ctx, &after);
        gen_free(&c2);
        if (!ok) return CASE_FAILED;
        bool same = vr.fn == v3->fn;
        tvm_function_release(vr.fn);
        if (!same || after.function_cache_hits != before.function_cache_hits + 1) {
            snprintf(f->kind, sizeof f->kind, "cache");
            snprintf(f->text, sizeof f->text,
                     "an identical graph compiled again with the same options %s (cache hits "
                     "%llu -> %llu)",
                     same ? "returned the cached function but counted no hit"
                          : "did not return the cached function",
                     (unsigned long long)before.function_cache_hits,
                     (unsigned long long)after.function_cache_hits);
            return CASE_FAILED;
        }
    }
    /* inputs */
    for (int sig = 0; sig < c->nsig; sig++)
        for (int a = 0; a < c->nin; a++) {
            arg_buf *ab = &s->in[sig][a];
            int ti = c->in[a];
            if (!alloc_arg(ab, c, ti, sig, (a + sig) % 5 == 4)) {
                snprintf(f->kind, sizeof f->kind, "harness");
                snprintf(f->text, sizeof f->text, "guard_alloc failed");
                return CASE_FAILED;
            }
            int64_t shape[GEN_MAX_NDIM];
            int64_t n = gen_shape(c, ti, sig, shape);
            gen_fill(c, ti, sig, ab->buf.data, n);
            s->saved[sig][a] = malloc(ab->buf.nbytes ? ab->buf.nbytes : 1);
            if (s->saved[sig][a] && ab->buf.nbytes)
                memcpy(s->saved[sig][a], ab->buf.data, ab->buf.nbytes);
        }
    for (int i = 0; i < s->nv; i++)
        for (int sig = 0; sig < c->nsig; sig++)
            for (int run = 0; run < (s->v[i].is_ref ? 1 : 2); run++)
                for (int o = 0; o < c->nout; o++)
                    if (!alloc_arg(&s->v[i].out[sig][run][o], c, c->out[o], sig,
                                   (o + run) % 4 == 3)) {
                        snprintf(f->kind, sizeof f->kind, "harness");
                        snprintf(f->text, sizeof f->text, "guard_alloc failed");
                        return CASE_FAILED;
                    }
    /* reference, and its view of the output shapes */
    for (int sig = 0; sig < c->nsig; sig++) {
        if (!call_variant(s, ref, sig, 0, 0x5a, f)) {
            f->variant = 0;
            return CASE_FAILED;
        }
        DLTensor *ins[GEN_MAX_TENSORS];
        for (int a = 0; a < c->nin; a++) ins[a] = &s->in[sig][a].dl;
        c->cov.api[API_tvm_function_output_shape] = 1;
        for (int o = 0; o < c->nout; o++) {
            int64_t shape[TVM_MAX_NDIM];
            int nd = -1;
            tvm_status st = tvm_function_output_shape(ref->fn, ins, o, shape, &nd);
            const arg_buf *ob = &ref->out[sig][0][o];
            bool ok;
            if (!output_determined(c, o)) {
                ok = st == TVM_ERR_SHAPE; /* documented: a size variable only outputs bind */
            } else {
                ok = st == TVM_OK && nd == ob->dl.ndim;
                for (int k = 0; ok && k < nd; k++) ok = shape[k] == ob->shape[k];
            }
            if (!ok) {
                snprintf(f->kind, sizeof f->kind, "output-shape");
                snprintf(f->text, sizeof f->text,
                         "tvm_function_output_shape(output %d, signature %d) returned %s rank "
                         "%d (%lld, ...), want rank %d (%lld, ...)%s%s",
                         o, sig, tvm_status_string(st), nd, nd > 0 ? (long long)shape[0] : -1LL,
                         ob->dl.ndim, ob->dl.ndim ? (long long)ob->shape[0] : -1LL,
                         st ? ": " : "", st ? tvm_last_error() : "");
                f->sig = sig;
                return CASE_FAILED;
            }
        }
    }
    /* compiled variants: sig 0, sig 1, sig 0, sig 1 */
    static const unsigned char poison[2] = {0xa5, 0x3c};
    for (int i = 1; i < s->nv; i++)
        for (int run = 0; run < 2; run++)
            for (int sig = 0; sig < c->nsig; sig++)
                if (!call_variant(s, &s->v[i], sig, run, poison[run], f)) {
                    f->variant = i;
                    return CASE_FAILED;
                }
    /* inputs untouched */
    for (int sig = 0; sig < c->nsig; sig++)
        for (int a = 0; a < c->nin; a++) {
            arg_buf *ab = &s->in[sig][a];
            if (s->saved[sig][a] && ab->buf.nbytes &&
                memcmp(s->saved[sig][a], ab->buf.data, ab->buf.nbytes) != 0) {
                snprintf(f->kind, sizeof f->kind, "input-modified");
                snprintf(f->text, sizeof f->text, "input %d '%s' (signature %d) was modified "
                         "by a call", a, c->ts[c->in[a]].name, sig);
                f->sig = sig;
                return CASE_FAILED;
            }
        }
    /* determinism, then agreement with the reference */
    for (int i = 1; i < s->nv; i++)
        for (int sig = 0; sig < c->nsig; sig++)
            for (int o = 0; o < c->nout; o++) {
                int64_t where;
                if (!bitwise_equal(c, o, &s->v[i].out[sig][0][o], &s->v[i].out[sig][1][o],
                                   &where)) {
                    char a[64], b[64];
                    value_text(a, sizeof a, c->ts[c->out[o]].dt, s->v[i].out[sig][0][o].buf.data,
                               where);
                    value_text(b, sizeof b, c->ts[c->out[o]].dt, s->v[i].out[sig][1][o].buf.data,
                               where);
                    snprintf(f->kind, sizeof f->kind, "nondeterministic");
                    snprintf(f->text, sizeof f->text,
                             "%s, signature %d: two calls differ at output %d element %lld: "
                             "%s then %s", s->v[i].label, sig, o, (long long)where, a, b);
                    f->sig = sig;
                    f->variant = i;
                    return CASE_FAILED;
                }
            }
    for (int i = 1; i < s->nv; i++)
        for (int sig = 0; sig < c->nsig; sig++)
            for (int o = 0; o < c->nout; o++) {
                char what[128];
                snprintf(what, sizeof what, "%s vs interp, signature %d", s->v[i].label, sig);
                if (!compare(c, o, &s->v[i].out[sig][0][o], &ref->out[sig][0][o], what, f)) {
                    snprintf(f->kind, sizeof f->kind, "mismatch");
                    f->sig = sig;
                    f->variant = i;
                    return CASE_FAILED;
                }
            }
    int64_t total, modal;
    mode_counts(c, ref, &total, &modal);
    if (total == 0 || (double)modal > 0.9 * (double)total) return CASE_MISTRUSTED;
    return CASE_VALID;
}

static int run_quiet(run_env *env, const gen_params *par, failure *f, int *ops) {
    case_state *s = calloc(1, sizeof *s);
    if (!s) return CASE_FAILED;
    int st = run_state(env, s, par, false, f);
    if (ops) *ops = s->c.nops;
    free_state(s);
    free(s);
    return st;
}

/* Regenerates the case with its builder log and writes the full report. */
static void report(run_env *env, const gen_params *par, const failure *f, sbuf *r,
                   const char *title) {
    case_state *s = calloc(1, sizeof *s);
    if (!s) return;
    failure f2;
    run_state(env, s, par, true, &f2);
    gen_case *c = &s->c;
    sb_addf(r, "%s [%s] seed 0x%016llx case %llu\n", title, f->kind,
            (unsigned long long)par->seed, (unsigned long long)par->index);
    sb_addf(r, "  %s\n", f->text);
    if (strcmp(f2.kind, f->kind) != 0)
        sb_addf(r, "  (rerun in a fresh state gave [%s]%s%s)\n", f2.kind[0] ? f2.kind : "pass",
                f2.kind[0] ? " " : "", f2.text);
    describe_case(r, c);
    for (int i = 0; i < s->nv && env->verbose; i++)
        sb_addf(r, "  %-40s compile %.3f s, calls %.3f s\n", s->v[i].label, s->v[i].compile_s,
                s->v[i].call_s);
    if (c->g) print_graph(r, c);
    repro_command(r, par);
    if (env->emit_c && c->g) {
        sb_addf(r, "  ---- C reproducer ----\n");
        emit_c(r, c, f->text);
        sb_addf(r, "  ---- end ----\n");
    }
    free_state(s);
    free(s);
}

void run_case(run_env *env, const gen_params *par, case_result *res) {
    memset(res, 0, sizeof *res);
    case_state *s = calloc(1, sizeof *s);
    if (!s) {
        res->status = CASE_FAILED;
        snprintf(res->kind, sizeof res->kind, "harness");
        return;
    }
    failure f;
    double t0 = now_seconds();
    res->status = run_state(env, s, par, false, &f);
    res->ops = s->c.nops;
    for (int i = 0; i < s->nv; i++) {
        int slot = i < 3 ? i : T_OTHER;
        res->compile_s[slot] += s->v[i].compile_s;
        res->call_s[slot] += s->v[i].call_s;
    }
    res->compile_s[T_TOTAL] = now_seconds() - t0;
    res->cov = s->c.cov;
    free_state(s);
    free(s);
    if (res->status != CASE_FAILED) {
        if (env->verbose || env->emit_c ||
            (env->show_mistrusted && res->status == CASE_MISTRUSTED)) {
            sbuf r = {0};
            failure ok = {.kind = "pass"};
            snprintf(ok.text, sizeof ok.text, "%s",
                     res->status == CASE_VALID ? "valid" : "mistrusted (>90% one value)");
            report(env, par, &ok, &r, "case");
            sb_flush(&r, 1);
            sb_release(&r);
        }
        return;
    }
    snprintf(res->kind, sizeof res->kind, "%s", f.kind);
    int nth = env->failures ? __atomic_fetch_add(env->failures, 1, __ATOMIC_SEQ_CST) : 0;
    sbuf r = {0};
    if (nth >= FULL_REPORTS) { /* enough graphs printed: one line each from here on */
        sb_addf(&r, "=== FAILURE [%s] seed 0x%016llx case %llu: %s\n", f.kind,
                (unsigned long long)par->seed, (unsigned long long)par->index, f.text);
        repro_command(&r, par);
        sb_flush(&r, 1);
        sb_release(&r);
        return;
    }
    report(env, par, &f, &r, "\n=== FAILURE");
    /* shrink: the same case number with fewer operations / smaller dims /
     * another random stream, smallest failing one wins */
    if (env->shrink && nth < SHRINK_REPORTS && strcmp(f.kind, "builder") != 0) {
        double t0 = now_seconds();
        gen_params best = *par;
        int best_ops = res->ops;
        failure bf = f;
        bool found = false;
        static const int dims[] = {9, 17, 33, 0};
        for (int ops = 1; ops < best_ops && ops <= 12; ops++) {
            for (int v = 0; v < 6; v++)
                for (int di = 0; di < 4; di++) {
                    if (now_seconds() - t0 > env->shrink_seconds) goto done;
                    gen_params p = *par;
                    p.max_ops = ops;
                    p.max_dim = dims[di];
                    p.variant = v;
                    failure f3;
                    int got_ops = 0;
                    if (run_quiet(env, &p, &f3, &got_ops) == CASE_FAILED &&
                        strcmp(f3.kind, f.kind) == 0 && got_ops < best_ops) {
                        best = p;
                        best_ops = got_ops;
                        bf = f3;
                        found = true;
                        goto next_ops;
                    }
                }
        next_ops:
            if (found) break;
        }
    done:
        if (found) report(env, &best, &bf, &r, "--- shrunk to");
        else sb_addf(&r, "--- no smaller failing variant found (%.1f s)\n", now_seconds() - t0);
    }
    sb_addf(&r, "=== END FAILURE\n");
    sb_flush(&r, 1);
    sb_release(&r);
}

void print_case(run_env *env, const gen_params *par, const char *title) {
    gen_case *c = calloc(1, sizeof *c);
    if (!c) return;
    sbuf r = {0};
    sb_addf(&r, "%s seed 0x%016llx case %llu\n", title, (unsigned long long)par->seed,
            (unsigned long long)par->index);
    if (!gen_build(c, par, env->ctx, env->small_ctx, env->emit_c))
        sb_addf(&r, "  (the generator failed: %s)\n", c->error);
    describe_case(&r, c);
    if (c->g) print_graph(&r, c);
    repro_command(&r, par);
    if (env->emit_c && c->g) {
        sb_addf(&r, "  ---- C reproducer ----\n");
        emit_c(&r, c, title);
        sb_addf(&r, "  ---- end ----\n");
    }
    sb_flush(&r, 1);
    sb_release(&r);
    gen_free(c);
    free(c);
}
