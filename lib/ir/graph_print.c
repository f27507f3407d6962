/* graph_print.c — stable text of the tensor IR (TVMC_DUMP_IR, tvm_graph_print,
 * tvm_function_source("graph")). */
#include <math.h>
#include <stdlib.h>

#include "graph.h"

static const char *reduce_name(int k) {
    static const char *const n[] = {"sum", "prod", "min", "max"};
    return k >= 0 && k < 4 ? n[k] : "?";
}

static void print_const(const gx_node *n, strbuf *sb) {
    if (dtype_is_float(n->dtype)) {
        double v = n->imm.f;
        if (isnan(v))
            sb_puts(sb, "nan");
        else if (isinf(v))
            sb_puts(sb, v < 0 ? "-inf" : "inf");
        else
            sb_printf(sb, "%.9g", v);
        if (n->dtype != TVM_FLOAT32) sb_printf(sb, ":%s", dtype_name(n->dtype));
    } else if (n->dtype == TVM_BOOL) {
        sb_puts(sb, n->imm.i ? "true" : "false");
    } else {
        sb_printf(sb, "%lld", (long long)n->imm.i);
        if (n->dtype != TVM_INT64) sb_printf(sb, ":%s", dtype_name(n->dtype));
    }
}

/* Shared sub-expressions print as trees, so a DAG such as a chain of
 * selects that each read the previous step several times would print
 * exponentially long: past PRINT_MAX_NODES nodes per expression the rest
 * prints as "...". */
#define PRINT_MAX_NODES (1u << 16)

static void print_expr(const tvm_graph *g, uint32_t e, strbuf *sb, uint32_t *budget);

void graph_print_expr(const tvm_graph *g, uint32_t e, strbuf *sb) {
    uint32_t budget = PRINT_MAX_NODES;
    print_expr(g, e, sb, &budget);
}

static void print_expr(const tvm_graph *g, uint32_t e, strbuf *sb, uint32_t *budget) {
    if (*budget == 0) {
        sb_puts(sb, "...");
        return;
    }
    --*budget;
    const gx_node *n = &g->exprs[e];
    switch (n->kind) {
    case GX_CONST: print_const(n, sb); break;
    case GX_SIZE_VAR: case GX_ITER_VAR: case GX_REDUCE_AXIS:
        sb_printf(sb, "%s", graph_string(g, n->name)[0] ? graph_string(g, n->name) : "v");
        sb_printf(sb, "%%%u", g->print_ids ? g->print_ids[e] : e);
        break;
    case GX_LOAD:
        sb_printf(sb, "%s[", graph_string(g, g->tensors[n->a].name));
        for (uint32_t i = 0; i < n->nlist; i++) {
            if (i) sb_puts(sb, ", ");
            print_expr(g, g->pool[n->list + i], sb, budget);
        }
        sb_puts(sb, "]");
        break;
    case GX_BINARY: {
        const char *name = ir_op_name(n->op);
        bool infix = !(name[0] >= 'a' && name[0] <= 'z');
        if (infix) {
            sb_puts(sb, "(");
            print_expr(g, n->a, sb, budget);
            sb_printf(sb, " %s ", name);
            print_expr(g, n->b, sb, budget);
            sb_puts(sb, ")");
        } else {
            sb_printf(sb, "%s(", name);
            print_expr(g, n->a, sb, budget);
            sb_puts(sb, ", ");
            print_expr(g, n->b, sb, budget);
            sb_puts(sb, ")");
        }
        break;
    }
    case GX_UNARY:
        sb_printf(sb, "%s(", ir_op_name(n->op));
        print_expr(g, n->a, sb, budget);
        sb_puts(sb, ")");
        break;
    case GX_SELECT:
        sb_puts(sb, "select(");
        print_expr(g, n->a, sb, budget);
        sb_puts(sb, ", ");
        print_expr(g, n->b, sb, budget);
        sb_puts(sb, ", ");
        print_expr(g, n->c, sb, budget);
        sb_puts(sb, ")");
        break;
    case GX_CAST:
        sb_printf(sb, "%s(", dtype_name(n->dtype));
        print_expr(g, n->a, sb, budget);
        sb_puts(sb, ")");
        break;
    case GX_REDUCE:
        sb_printf(sb, "%s(", reduce_name(n->op));
        print_expr(g, n->a, sb, budget);
        sb_puts(sb, ", axes=[");
        for (uint32_t i = 0; i < n->nlist; i++) {
            uint32_t ax = g->pool[n->list + i];
            if (i) sb_puts(sb, ", ");
            print_expr(g, ax, sb, budget);
            sb_puts(sb, " in 0..");
            print_expr(g, g->exprs[ax].a, sb, budget);
        }
        sb_puts(sb, "])");
        break;
    case GX_CALL: /* the address is left out: printed IR stays stable across runs */
        sb_printf(sb, "extern %s(", graph_string(g, n->name));
        for (uint32_t i = 0; i < n->nlist; i++) {
            if (i) sb_puts(sb, ", ");
            print_expr(g, g->pool[n->list + i], sb, budget);
        }
        sb_puts(sb, ")");
        break;
    default: sb_puts(sb, "?"); break;
    }
}

static void print_shape(const tvm_graph *g, const gt_node *t, strbuf *sb) {
    sb_printf(sb, "%s[", dtype_name(t->dtype));
    for (uint32_t d = 0; d < t->ndim; d++) {
        if (d) sb_puts(sb, ", ");
        graph_print_expr(g, g->pool[t->shape + d], sb);
    }
    sb_puts(sb, "]");
}

void graph_print(const tvm_graph *g, const uint32_t *roots, int nroots, strbuf *sb) {
    uint8_t *tmark = calloc(g->ntensors, 1), *emark = calloc(g->nexprs, 1);
    if (!tmark || !emark) {
        sb->failed = true;
        goto out;
    }
    if (nroots > 0) {
        if (!graph_mark_reachable(g, roots, nroots, tmark, emark)) {
            sb->failed = true;
            goto out;
        }
    } else {
        memset(tmark, 1, g->ntensors);
    }
    for (uint32_t t = 1; t < g->ntensors; t++) {
        if (!tmark[t]) continue;
        const gt_node *tn = &g->tensors[t];
        static const char *const kinds[] = {"?", "placeholder", "compute", "constant"};
        sb_printf(sb, "%s %s: ", kinds[tn->kind], graph_string(g, tn->name));
        print_shape(g, tn, sb);
        if (tn->kind == GT_COMPUTE) {
            sb_puts(sb, " = (");
            for (uint32_t d = 0; d < tn->ndim; d++) {
                if (d) sb_puts(sb, ", ");
                graph_print_expr(g, g->pool[tn->iters + d], sb);
            }
            sb_puts(sb, ") -> ");
            graph_print_expr(g, tn->body, sb);
        } else if (tn->kind == GT_CONSTANT) {
            sb_printf(sb, " (%zu bytes, hash %016llx)", tn->nbytes,
                      (unsigned long long)tn->cbuf->hash[0]);
        }
        sb_puts(sb, "\n");
    }
out:
    free(tmark);
    free(emark);
}
