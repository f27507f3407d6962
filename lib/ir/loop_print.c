/* loop_print.c — stable text of a loop program: a header, the buffer,
 * size-variable and check tables, then the statement tree.
 *
 * Format (golden tests diff it, so change it only on purpose):
 *   kernel: 3 args, workspace 0 bytes, flat
 *   buffers:
 *     A: float32 arg 0 [128, 64] elems 8192
 *     acc: float32 local []
 *   checks:
 *     #1: A dim 0
 *   body:
 *   for (i: int64, 0, 128) serial {
 *     C[i] = (A[i] + 1.0)
 *   }
 * Constants carry a dtype suffix unless int64 or float32 (1i32, 255u8,
 * 2.5f64, true); float32 constants always show a '.', 'e', inf or nan.
 * Calls of host functions print as `extern NAME(args)` (no address).
 * Variables and buffers print their name, with _<index> appended when two
 * share a name (or the name is empty). The printer never crashes on a
 * malformed program: bad references print as <bad ...>. */
#include "loop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PRINT_MAX_DEPTH 512
/* Shared sub-expressions print as trees: a chain of selects that each read
 * the previous step (a binary search) would print exponentially long, so a
 * statement prints at most this many nodes, the rest as "...". */
#define PRINT_MAX_NODES (1u << 16)

typedef struct pctx {
    const lp_program *p;
    strbuf *sb;
    const uint8_t *var_dup; /* per var: name needs a suffix (NULL: compute) */
    const uint8_t *buf_dup; /* per buffer: likewise */
    uint32_t budget;
} pctx;

static const char *const loop_kind_names[] = {"serial", "parallel", "vectorized",
                                              "unrolled"};

static const char *dtype_suffix(int d) {
    switch (d) {
    case TVM_FLOAT64: return "f64";
    case TVM_FLOAT16: return "f16";
    case TVM_BFLOAT16: return "bf16";
    case TVM_INT8: return "i8";
    case TVM_INT16: return "i16";
    case TVM_INT32: return "i32";
    case TVM_UINT8: return "u8";
    default: return "";
    }
}

/* ---- names --------------------------------------------------------------- */

static bool var_needs_suffix(const pctx *c, uint32_t v) {
    if (c->var_dup) return c->var_dup[v] != 0;
    const lp_program *p = c->p;
    const char *n = p->vars[v].name ? p->vars[v].name : "";
    if (!*n) return true;
    for (uint32_t k = 1; k < p->nvars; k++)
        if (k != v && p->vars[k].name && strcmp(p->vars[k].name, n) == 0) return true;
    return false;
}

static bool buf_needs_suffix(const pctx *c, uint32_t b) {
    if (c->buf_dup) return c->buf_dup[b] != 0;
    const lp_program *p = c->p;
    const char *n = p->bufs[b].name ? p->bufs[b].name : "";
    if (!*n) return true;
    for (uint32_t k = 1; k < p->nbufs; k++)
        if (k != b && p->bufs[k].name && strcmp(p->bufs[k].name, n) == 0) return true;
    return false;
}

static void print_var(const pctx *c, uint32_t v) {
    if (v == 0 || v >= c->p->nvars) {
        sb_printf(c->sb, "<bad var %u>", v);
        return;
    }
    const char *n = c->p->vars[v].name ? c->p->vars[v].name : "";
    if (var_needs_suffix(c, v))
        sb_printf(c->sb, "%s_%u", *n ? n : "v", v);
    else
        sb_puts(c->sb, n);
}

static void print_buf(const pctx *c, uint32_t b) {
    if (b == 0 || b >= c->p->nbufs) {
        sb_printf(c->sb, "<bad buffer %u>", b);
        return;
    }
    const char *n = c->p->bufs[b].name ? c->p->bufs[b].name : "";
    if (buf_needs_suffix(c, b))
        sb_printf(c->sb, "%s_%u", *n ? n : "buf", b);
    else
        sb_puts(c->sb, n);
}

/* Marks names shared by two entries (or empty). Returns NULL when out of
 * memory; the printer then falls back to scanning. */
static uint8_t *dup_table(const char *const *names, size_t stride, uint32_t n) {
    uint8_t *dup = calloc(n ? n : 1, 1);
    if (!dup) return NULL;
    /* sort indices by name, then mark equal neighbours */
    uint32_t *idx = malloc(sizeof *idx * (n ? n : 1));
    if (!idx) {
        free(dup);
        return NULL;
    }
#define NAME(k) (*(const char *const *)((const char *)names + (size_t)(k) * stride))
    uint32_t m = 0;
    for (uint32_t k = 1; k < n; k++) idx[m++] = k;
    /* shell sort by name (no qsort: the names sit at a stride in structs) */
    for (uint32_t gap = m / 2; gap > 0; gap /= 2)
        for (uint32_t i = gap; i < m; i++) {
            uint32_t t = idx[i], j = i;
            const char *tn = NAME(t) ? NAME(t) : "";
            while (j >= gap) {
                const char *jn = NAME(idx[j - gap]) ? NAME(idx[j - gap]) : "";
                if (strcmp(jn, tn) <= 0) break;
                idx[j] = idx[j - gap];
                j -= gap;
            }
            idx[j] = t;
        }
    for (uint32_t i = 0; i < m; i++) {
        const char *a = NAME(idx[i]) ? NAME(idx[i]) : "";
        if (!*a) dup[idx[i]] = 1;
        if (i + 1 < m) {
            const char *b = NAME(idx[i + 1]) ? NAME(idx[i + 1]) : "";
            if (strcmp(a, b) == 0) dup[idx[i]] = dup[idx[i + 1]] = 1;
        }
    }
#undef NAME
    free(idx);
    return dup;
}

/* ---- expressions --------------------------------------------------------- */

static void print_float(strbuf *sb, int dtype, double f) {
    const char *suf = dtype_suffix(dtype);
    if (isnan(f)) {
        sb_printf(sb, "nan%s%s", *suf ? "_" : "", suf);
        return;
    }
    if (isinf(f)) {
        sb_printf(sb, "%sinf%s%s", f < 0 ? "-" : "", *suf ? "_" : "", suf);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, dtype == TVM_FLOAT64 ? "%.17g" : "%.9g", f);
    bool has_point = strpbrk(buf, ".e") != NULL;
    sb_printf(sb, "%s%s%s", buf, has_point ? "" : ".0", suf);
}

static void print_expr(pctx *c, lp_id e, int depth);

static void print_index_list(pctx *c, uint32_t list, uint32_t n, int depth) {
    const lp_program *p = c->p;
    if ((uint64_t)list + n > p->npool) {
        sb_puts(c->sb, "<bad list>");
        return;
    }
    for (uint32_t k = 0; k < n; k++) {
        if (k) sb_puts(c->sb, ", ");
        print_expr(c, p->pool[list + k], depth + 1);
    }
}

/* fma(x, y, addend) of a fused product x * y (loop.h); addend 0: the
 * accumulator buffer acc. */
static void print_fma(pctx *c, lp_id mul, lp_id addend, uint32_t acc, int depth) {
    const lp_node *m = lp_get(c->p, mul);
    sb_puts(c->sb, "fma(");
    print_expr(c, m->a, depth + 1);
    sb_puts(c->sb, ", ");
    print_expr(c, m->b, depth + 1);
    sb_puts(c->sb, ", ");
    if (addend) print_expr(c, addend, depth + 1);
    else print_buf(c, acc);
    sb_puts(c->sb, ")");
}

static void print_expr(pctx *c, lp_id e, int depth) {
    const lp_program *p = c->p;
    strbuf *sb = c->sb;
    if (e == 0 || e >= p->nnodes) {
        sb_printf(sb, "<bad node %u>", e);
        return;
    }
    if (depth > PRINT_MAX_DEPTH || c->budget == 0) {
        sb_puts(sb, "...");
        return;
    }
    c->budget--;
    const lp_node *n = &p->nodes[e];
    switch (n->kind) {
    case LP_CONST:
        if (n->dtype == TVM_BOOL)
            sb_puts(sb, n->imm.i ? "true" : "false");
        else if (dtype_is_float(n->dtype))
            print_float(sb, n->dtype, n->imm.f);
        else
            sb_printf(sb, "%lld%s", (long long)n->imm.i, dtype_suffix(n->dtype));
        return;
    case LP_VAR: print_var(c, n->a); return;
    case LP_LOAD:
        print_buf(c, n->a);
        if (n->nlist == 0 && !(n->flags & LP_CHECKED)) return;
        sb_puts(sb, "[");
        if (n->flags & LP_CHECKED) {
            sb_printf(sb, "checked#%u ", n->c);
            print_expr(c, n->b, depth + 1);
            sb_puts(sb, ": ");
        }
        print_index_list(c, n->list, n->nlist, depth);
        sb_puts(sb, "]");
        return;
    case LP_BINARY: {
        int op = n->op;
        if (op == IR_ADD && lp_is_fused_mul(c->p, n->b)) { /* one rounding */
            print_fma(c, n->b, n->a, 0, depth);
            return;
        }
        bool infix = (op >= IR_ADD && op <= IR_MOD) || (op >= IR_LT && op <= IR_OR);
        if (infix) {
            sb_puts(sb, "(");
            print_expr(c, n->a, depth + 1);
            sb_printf(sb, " %s ", ir_op_name(op));
            print_expr(c, n->b, depth + 1);
            sb_puts(sb, ")");
        } else {
            sb_printf(sb, "%s(", ir_op_name(op));
            print_expr(c, n->a, depth + 1);
            sb_puts(sb, ", ");
            print_expr(c, n->b, depth + 1);
            sb_puts(sb, ")");
        }
        return;
    }
    case LP_UNARY:
        if (n->op == IR_NOT) {
            sb_puts(sb, "!");
            print_expr(c, n->a, depth + 1);
        } else {
            sb_printf(sb, "%s(", ir_op_name(n->op));
            print_expr(c, n->a, depth + 1);
            sb_puts(sb, ")");
        }
        return;
    case LP_SELECT:
        sb_puts(sb, (n->flags & LP_LAZY) ? "select_lazy(" : "select(");
        print_expr(c, n->a, depth + 1);
        sb_puts(sb, ", ");
        print_expr(c, n->b, depth + 1);
        sb_puts(sb, ", ");
        print_expr(c, n->c, depth + 1);
        sb_puts(sb, ")");
        return;
    case LP_CAST:
        sb_printf(sb, "%s(", dtype_name(n->dtype));
        print_expr(c, n->a, depth + 1);
        sb_puts(sb, ")");
        return;
    case LP_CALL: /* no address: the text stays the same from run to run */
        if (n->a == 0 || n->a >= p->ncallees || !p->callees[n->a].name)
            sb_printf(sb, "extern <bad callee %u>(", n->a);
        else
            sb_printf(sb, "extern %s(", p->callees[n->a].name);
        print_index_list(c, n->list, n->nlist, depth);
        sb_puts(sb, ")");
        return;
    default: sb_printf(sb, "<statement %u in expression>", e); return;
    }
}

/* ---- statements ---------------------------------------------------------- */

static void indent(strbuf *sb, int level) {
    for (int k = 0; k < level; k++) sb_puts(sb, "  ");
}

static void print_stmt(pctx *c, lp_id s, int level);

static void print_block(pctx *c, lp_id s, int level) {
    /* the statements of a block, without braces */
    if (s != 0 && s < c->p->nnodes && c->p->nodes[s].kind == LP_SEQ) {
        const lp_node *n = &c->p->nodes[s];
        if ((uint64_t)n->list + n->nlist > c->p->npool) {
            indent(c->sb, level);
            sb_puts(c->sb, "<bad list>\n");
            return;
        }
        for (uint32_t k = 0; k < n->nlist; k++)
            print_stmt(c, c->p->pool[n->list + k], level);
        return;
    }
    print_stmt(c, s, level);
}

static void print_stmt(pctx *c, lp_id s, int level) {
    const lp_program *p = c->p;
    strbuf *sb = c->sb;
    if (s == 0 || s >= p->nnodes) {
        indent(sb, level);
        sb_printf(sb, "<bad node %u>\n", s);
        return;
    }
    if (level > PRINT_MAX_DEPTH) {
        indent(sb, level);
        sb_puts(sb, "...\n");
        return;
    }
    const lp_node *n = &p->nodes[s];
    c->budget = PRINT_MAX_NODES; /* per statement */
    switch (n->kind) {
    case LP_FOR:
        indent(sb, level);
        sb_puts(sb, "for (");
        print_var(c, n->a);
        sb_puts(sb, ": int64, 0, ");
        print_expr(c, n->b, 0);
        sb_printf(sb, ") %s", n->op < ARRAY_LEN(loop_kind_names)
                                  ? loop_kind_names[n->op] : "<bad loop kind>");
        if (n->op == LP_PARALLEL && n->imm.i > 1) /* the chunk quantum (loop.h) */
            sb_printf(sb, " in multiples of %lld", (long long)n->imm.i);
        if (n->flags & LP_NO_UNROLL) sb_puts(sb, " nounroll");
        if (n->flags & LP_SCHEDULED) sb_puts(sb, " scheduled");
        sb_puts(sb, " {\n");
        print_block(c, n->c, level + 1);
        indent(sb, level);
        sb_puts(sb, "}\n");
        return;
    case LP_STORE:
        indent(sb, level);
        print_buf(c, n->a);
        if (n->nlist) {
            sb_puts(sb, "[");
            print_index_list(c, n->list, n->nlist, 0);
            sb_puts(sb, "]");
        }
        sb_puts(sb, " = ");
        print_expr(c, n->b, 0);
        sb_puts(sb, "\n");
        return;
    case LP_ACCUM: {
        static const char *const ops[] = {"+=", "*=", "min=", "max="};
        indent(sb, level);
        print_buf(c, n->a);
        if (n->op == TVM_REDUCE_SUM && lp_is_fused_mul(c->p, n->b)) { /* acc = fma(x, y, acc) */
            sb_puts(sb, " = ");
            print_fma(c, n->b, 0, n->a, 0);
            sb_puts(sb, "\n");
            return;
        }
        sb_printf(sb, " %s ", n->op < ARRAY_LEN(ops) ? ops[n->op] : "<bad reduce>=");
        print_expr(c, n->b, 0);
        sb_puts(sb, "\n");
        return;
    }
    case LP_IF:
        indent(sb, level);
        sb_puts(sb, "if (");
        print_expr(c, n->a, 0);
        sb_puts(sb, ") {\n");
        print_block(c, n->b, level + 1);
        if (n->c) {
            indent(sb, level);
            sb_puts(sb, "} else {\n");
            print_block(c, n->c, level + 1);
        }
        indent(sb, level);
        sb_puts(sb, "}\n");
        return;
    case LP_SEQ:
        if (n->nlist == 0) {
            indent(sb, level);
            sb_puts(sb, "{}\n");
            return;
        }
        indent(sb, level);
        sb_puts(sb, "{\n");
        print_block(c, s, level + 1);
        indent(sb, level);
        sb_puts(sb, "}\n");
        return;
    default:
        indent(sb, level);
        sb_printf(sb, "<expression %u in statement position: ", s);
        print_expr(c, s, 0);
        sb_puts(sb, ">\n");
        return;
    }
}

/* ---- entry points -------------------------------------------------------- */

void lp_print_expr(const lp_program *p, lp_id e, strbuf *sb) {
    pctx c = {.p = p, .sb = sb, .budget = PRINT_MAX_NODES};
    print_expr(&c, e, 0);
}

static const char *buf_kind_name(int k) {
    switch (k) {
    case LP_BUF_ARG: return "arg";
    case LP_BUF_WORKSPACE: return "workspace";
    case LP_BUF_LOCAL: return "local";
    default: return "<bad kind>";
    }
}

void lp_print(const lp_program *p, strbuf *sb) {
    uint8_t *var_dup = dup_table(&p->vars[0].name, sizeof p->vars[0], p->nvars);
    uint8_t *buf_dup = dup_table(&p->bufs[0].name, sizeof p->bufs[0], p->nbufs);
    pctx c = {.p = p, .sb = sb, .var_dup = var_dup, .buf_dup = buf_dup,
              .budget = PRINT_MAX_NODES};

    sb_printf(sb, "kernel: %d args, workspace %lld bytes%s%s\n", p->nargs,
              (long long)p->workspace_bytes, p->flat ? ", flat" : "",
              p->fast_math ? ", fast-math" : "");

    sb_puts(sb, "buffers:\n");
    for (uint32_t b = 1; b < p->nbufs; b++) {
        const lp_buffer *bf = &p->bufs[b];
        sb_puts(sb, "  ");
        print_buf(&c, b);
        sb_printf(sb, ": %s %s", dtype_name(bf->dtype), buf_kind_name(bf->kind));
        if (bf->kind == LP_BUF_ARG) sb_printf(sb, " %d", (int)bf->arg);
        if (bf->kind == LP_BUF_WORKSPACE) sb_printf(sb, " +%lld", (long long)bf->offset);
        sb_puts(sb, " [");
        if (bf->ndim && (uint64_t)bf->shape + bf->ndim <= p->npool) {
            for (uint32_t k = 0; k < bf->ndim; k++) {
                if (k) sb_puts(sb, ", ");
                c.budget = PRINT_MAX_NODES;
                print_expr(&c, p->pool[bf->shape + k], 0);
            }
        } else if (bf->ndim) {
            sb_puts(sb, "<bad shape>");
        }
        sb_puts(sb, "]");
        if (bf->elems >= 0) sb_printf(sb, " elems %lld", (long long)bf->elems);
        sb_puts(sb, "\n");
    }

    bool any_size = false;
    for (uint32_t v = 1; v < p->nvars; v++) {
        if (p->vars[v].kind != LP_VAR_SIZE) continue;
        sb_puts(sb, any_size ? ", " : "size vars: ");
        print_var(&c, v);
        any_size = true;
    }
    if (any_size) sb_puts(sb, "\n");

    if (p->nchecks > 1) {
        sb_puts(sb, "checks:\n");
        for (uint32_t k = 1; k < p->nchecks; k++) {
            sb_printf(sb, "  #%u: ", k);
            print_buf(&c, p->checks[k].buffer);
            sb_printf(sb, " dim %u\n", p->checks[k].dim);
        }
    }

    sb_puts(sb, "body:\n");
    c.budget = PRINT_MAX_NODES;
    if (p->body)
        print_block(&c, p->body, 0);
    else
        sb_puts(sb, "<no body>\n");
    free(var_dup);
    free(buf_dup);
}
