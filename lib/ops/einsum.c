/* einsum.c — tvm_op_einsum: numpy / ONNX Einsum as one compute.
 *
 * Every letter of the equation is a loop: an output letter an iteration
 * variable of the result, any other letter a reduction axis. The body is
 * the product of the operands, each loaded at its letters' loops (a letter
 * repeated in one term loads the diagonal), summed over the reduction axes.
 * Nothing is transposed or reshaped: "ij,jk->ik" is exactly tvm_op_matmul's
 * compute and gets the same schedule, and "bhqd,bhkd->bhqk" reads its
 * second operand transposed in place. Broadcast dims ("...") follow numpy:
 * each operand's are aligned from the right and broadcast together. */
#include <stdio.h>
#include <string.h>

#include "op_util.h"

static const tvm_tensor NULL_TENSOR = {0};

#define EIN_MAX_OPS 8
#define EIN_LETTERS 52

typedef struct ein_term {
    int nletters;           /* letters written (ellipsis excluded) */
    int8_t letter[TVM_MAX_NDIM + 1]; /* letter id per written position; -1 = ellipsis */
    int npos;               /* written positions (letters + the ellipsis) */
    bool ellipsis;
} ein_term;

static int letter_id(char ch) {
    if (ch >= 'a' && ch <= 'z') return ch - 'a';
    if (ch >= 'A' && ch <= 'Z') return 26 + ch - 'A';
    return -1;
}

/* Parses one term from *p up to ',', '-' or the end. */
static bool parse_term(tvm_graph *g, const char *fn, const char **p, ein_term *t) {
    memset(t, 0, sizeof *t);
    const char *s = *p;
    for (; *s && *s != ',' && *s != '-'; s++) {
        if (*s == ' ') continue;
        if (*s == '.') {
            if (strncmp(s, "...", 3) || t->ellipsis) {
                graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation has a stray '.' or a "
                           "second '...' in one term", fn);
                return false;
            }
            s += 2;
            t->ellipsis = true;
            if (t->npos > TVM_MAX_NDIM) break;
            t->letter[t->npos++] = -1;
            continue;
        }
        int id = letter_id(*s);
        if (id < 0) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation has '%c'; terms are letters "
                       "a-z, A-Z and '...'", fn, *s);
            return false;
        }
        if (t->npos > TVM_MAX_NDIM) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: a term has more than %d dims", fn,
                       TVM_MAX_NDIM);
            return false;
        }
        t->letter[t->npos++] = (int8_t)id;
        t->nletters++;
    }
    *p = s;
    return true;
}

TVMC_API tvm_tensor tvm_op_einsum(tvm_graph *g, const char *equation, int n,
                                  const tvm_tensor *xs) {
    static const char fn[] = "tvm_op_einsum";
    if (!op_begin(g, fn)) return NULL_TENSOR;
    if (!equation) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation is NULL", fn);
        return NULL_TENSOR;
    }
    if (n < 1 || n > EIN_MAX_OPS) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: n is %d; it must be in [1, %d]", fn, n,
                   EIN_MAX_OPS);
        return NULL_TENSOR;
    }
    if (!xs) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: xs is NULL but must hold %d tensors", fn, n);
        return NULL_TENSOR;
    }
    op_arg a[EIN_MAX_OPS];
    for (int k = 0; k < n; k++) {
        char name[16];
        snprintf(name, sizeof name, "xs[%d]", k);
        if (!op_tensor(g, fn, name, xs[k], &a[k])) return NULL_TENSOR;
        if (!op_check_dtype(g, fn, name, a[k].dtype, OP_DT_NUM)) return NULL_TENSOR;
        if (k && !op_same_dtype(g, fn, "xs[0]", &a[0], name, &a[k])) return NULL_TENSOR;
    }

    /* terms */
    ein_term in[EIN_MAX_OPS], out;
    const char *p = equation;
    int nterms = 0;
    for (;;) {
        if (nterms == n) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation '%s' has more terms than the "
                       "%d operands", fn, equation, n);
            return NULL_TENSOR;
        }
        if (!parse_term(g, fn, &p, &in[nterms])) return NULL_TENSOR;
        nterms++;
        if (*p != ',') break;
        p++;
    }
    if (nterms != n) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation '%s' has %d terms for %d operands",
                   fn, equation, nterms, n);
        return NULL_TENSOR;
    }
    bool explicit_out = false;
    if (*p == '-') {
        if (p[1] != '>') {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation has '-' without '>'", fn);
            return NULL_TENSOR;
        }
        p += 2;
        if (!parse_term(g, fn, &p, &out)) return NULL_TENSOR;
        if (*p) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: equation has '%c' after the output "
                       "term", fn, *p);
            return NULL_TENSOR;
        }
        explicit_out = true;
    }

    /* letter dims, checked across uses; broadcast dims per operand */
    tvm_expr ldim[EIN_LETTERS] = {{0}};
    int uses[EIN_LETTERS] = {0};
    op_shape ell[EIN_MAX_OPS], bshape = {.ndim = 0};
    bool any_ell = false;
    for (int k = 0; k < n; k++) {
        const ein_term *t = &in[k];
        int nd = a[k].shape.ndim;
        int ne = nd - t->nletters;
        if (ne < 0 || (!t->ellipsis && ne != 0)) {
            graph_fail(g, TVM_ERR_SHAPE, "%s: term %d has %d letters but xs[%d] has rank %d", fn,
                       k, t->nletters, k, nd);
            return NULL_TENSOR;
        }
        ell[k].ndim = ne;
        int d = 0;
        for (int q = 0; q < t->npos; q++) {
            int id = t->letter[q];
            if (id < 0) {
                for (int e = 0; e < ne; e++) ell[k].dims[e] = a[k].shape.dims[d + e];
                d += ne;
                continue;
            }
            tvm_expr dim = a[k].shape.dims[d++];
            if (ldim[id].id && !op_dim_equal(ldim[id], dim)) {
                graph_fail(g, TVM_ERR_SHAPE, "%s: letter '%c' has different dims in its uses "
                           "(or dims not provably equal); xs[%d] differs", fn,
                           id < 26 ? 'a' + id : 'A' + id - 26, k);
                return NULL_TENSOR;
            }
            ldim[id] = dim;
            uses[id]++;
        }
        if (t->ellipsis) {
            op_shape nb;
            if (!op_broadcast_shapes(g, fn, &bshape, &ell[k], &nb)) return NULL_TENSOR;
            bshape = nb;
            any_ell = true;
        }
    }

    /* the output's positions: explicit, or broadcast dims then the letters
     * used once, alphabetically */
    if (!explicit_out) {
        memset(&out, 0, sizeof out);
        if (any_ell) {
            out.ellipsis = true;
            out.letter[out.npos++] = -1;
        }
        for (int id = 0; id < EIN_LETTERS; id++)
            if (uses[id] == 1) {
                if (out.npos > TVM_MAX_NDIM) break;
                out.letter[out.npos++] = (int8_t)id;
                out.nletters++;
            }
    }
    bool in_out[EIN_LETTERS] = {false};
    for (int q = 0; q < out.npos; q++) {
        int id = out.letter[q];
        if (id < 0) continue;
        if (!uses[id] || in_out[id]) {
            graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: output letter '%c' %s", fn,
                       id < 26 ? 'a' + id : 'A' + id - 26,
                       uses[id] ? "appears twice" : "is in no input term");
            return NULL_TENSOR;
        }
        in_out[id] = true;
    }
    if (out.ellipsis != any_ell && bshape.ndim > 0) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: the inputs have broadcast dims ('...') "
                   "but the output term does not", fn);
        return NULL_TENSOR;
    }
    int orank = out.nletters + (out.ellipsis ? bshape.ndim : 0);
    if (orank > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_SHAPE, "%s: the result would have rank %d; at most %d", fn, orank,
                   TVM_MAX_NDIM);
        return NULL_TENSOR;
    }

    /* loops: output positions become iteration variables, the rest
     * reduction axes */
    op_shape oshape = {.ndim = orank};
    tvm_expr it[TVM_MAX_NDIM], loop[EIN_LETTERS] = {{0}}, ell_it[TVM_MAX_NDIM];
    op_iters(g, orank, it);
    int d = 0;
    for (int q = 0; q < out.npos; q++) {
        int id = out.letter[q];
        if (id < 0) {
            for (int e = 0; e < bshape.ndim; e++) {
                oshape.dims[d] = bshape.dims[e];
                ell_it[e] = it[d++];
            }
            continue;
        }
        oshape.dims[d] = ldim[id];
        loop[id] = it[d++];
    }
    tvm_expr axes[EIN_LETTERS];
    int naxes = 0;
    for (int id = 0; id < EIN_LETTERS; id++) {
        if (!uses[id] || in_out[id]) continue;
        char nm[2] = {id < 26 ? (char)('a' + id) : (char)('A' + id - 26), 0};
        loop[id] = axes[naxes++] = tvm_reduce_axis(g, nm, ldim[id]);
    }
    if (naxes > TVM_MAX_NDIM) {
        graph_fail(g, TVM_ERR_INVALID_ARGUMENT, "%s: %d summed letters; at most %d", fn, naxes,
                   TVM_MAX_NDIM);
        return NULL_TENSOR;
    }

    tvm_expr body = {0};
    for (int k = 0; k < n; k++) {
        tvm_expr idx[TVM_MAX_NDIM], eidx[TVM_MAX_NDIM];
        if (in[k].ellipsis) op_broadcast_index(g, &ell[k], &bshape, ell_it, eidx);
        int dd = 0;
        for (int q = 0; q < in[k].npos; q++) {
            int id = in[k].letter[q];
            if (id < 0) {
                for (int e = 0; e < ell[k].ndim; e++) idx[dd++] = eidx[e];
                continue;
            }
            idx[dd++] = loop[id];
        }
        tvm_expr v = tvm_load(g, a[k].t, idx);
        body = body.id ? tvm_mul(g, body, v) : v;
    }
    if (naxes) body = tvm_sum(g, body, naxes, axes);
    return op_result(g, tvm_compute(g, "einsum", orank, oshape.dims, it, body));
}
