/* test_graph_walk — the shared expression walk (lib/ir/graph_walk.c): each
 * expression visited once per walk however often it is shared, the
 * visitor's answers (operands, enter the loaded tensor, skip, stop) taking
 * the walk exactly where they say, and graph_mark_reachable built on it.
 * Reads the graph's internals; compiles the walk in (its symbols are hidden
 * in libtvmc). */
#include "check.h"

#include "ir/graph.h"

/* The graph: A [4] placeholder, K [4] constant, B[i] = s * s with
 * s = A[i] + K[i], C[j] = B[j] + 1, and D [4] = A[i] - 1 (not below C). */
typedef struct fixture {
    tvm_context *ctx;
    tvm_graph *g;
    tvm_tensor A, K, B, C, D;
    tvm_expr i, j, four, one, la, lk, s, bbody, lb, cbody;
} fixture;

static bool open_fixture(fixture *f) {
    static const float k[4] = {1, 2, 3, 4};
    if (tvm_context_create(NULL, &f->ctx) != TVM_OK) return false;
    tvm_graph *g = f->g = tvm_graph_create(f->ctx);
    f->four = tvm_const_int(g, TVM_INT64, 4);
    f->A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &f->four);
    f->K = tvm_constant(g, "K", TVM_FLOAT32, 1, (int64_t[]){4}, k);
    f->i = tvm_iter_var(g, "i");
    f->la = tvm_load(g, f->A, &f->i);
    f->lk = tvm_load(g, f->K, &f->i);
    f->s = tvm_add(g, f->la, f->lk);
    f->bbody = tvm_mul(g, f->s, f->s);
    f->B = tvm_compute(g, "B", 1, &f->four, &f->i, f->bbody);
    f->j = tvm_iter_var(g, "j");
    f->lb = tvm_load(g, f->B, &f->j);
    f->one = tvm_const_float(g, TVM_FLOAT32, 1.0);
    f->cbody = tvm_add(g, f->lb, f->one);
    f->C = tvm_compute(g, "C", 1, &f->four, &f->j, f->cbody);
    tvm_expr d = tvm_iter_var(g, "d");
    f->D = tvm_compute(g, "D", 1, &f->four, &d, tvm_sub(g, tvm_load(g, f->A, &d), f->one));
    return tvm_graph_status(g) == TVM_OK;
}

static void close_fixture(fixture *f) {
    tvm_graph_destroy(f->g);
    tvm_context_destroy(f->ctx);
}

static uint32_t E(const fixture *f, tvm_expr e) { return graph_expr_index(f->g, e); }
static uint32_t T(const fixture *f, tvm_tensor t) { return graph_tensor_index(f->g, t); }

/* A visitor that counts visits per expression and answers `answer`, except
 * `at_load` for loads and, at expression `stop_at`, GRAPH_STEP_STOP. */
typedef struct counter {
    uint32_t visits[64];
    uint32_t total;
    graph_step answer, at_load;
    uint32_t stop_at, skip_at;
} counter;

static graph_step count(const tvm_graph *g, uint32_t e, void *arg) {
    counter *c = arg;
    if (e < 64) c->visits[e]++;
    c->total++;
    if (e == c->stop_at) return GRAPH_STEP_STOP;
    if (e == c->skip_at) return GRAPH_STEP_SKIP;
    return g->exprs[e].kind == GX_LOAD ? c->at_load : c->answer;
}

TEST(shared_operands_are_visited_once) {
    fixture f;
    CHECK_OR_RETURN(open_fixture(&f));
    CHECK_OR_RETURN(f.g->nexprs <= 64);
    graph_walk w;
    CHECK_OR_RETURN(graph_walk_init(&w, f.g));
    counter c = {0};
    uint32_t root = E(&f, f.bbody);
    CHECK(graph_walk_run(&w, &root, 1, NULL, 0, count, &c));
    /* s * s: the product, s, the two loads and i (a load's tensor is not
     * an operand: nothing of A's or K's shape) */
    CHECK_EQ_INT(c.total, 5);
    uint32_t want[5] = {E(&f, f.bbody), E(&f, f.s), E(&f, f.la), E(&f, f.lk), E(&f, f.i)};
    for (int k = 0; k < 5; k++) CHECK_EQ_INT(c.visits[want[k]], 1);
    CHECK_EQ_INT(c.visits[E(&f, f.four)], 0);
    /* a second walk visits them again */
    counter again = {0};
    CHECK(graph_walk_run(&w, &root, 1, NULL, 0, count, &again));
    CHECK_EQ_INT(again.total, 5);
    graph_walk_free(&w);
    close_fixture(&f);
}

TEST(enter_reaches_the_loaded_tensor) {
    fixture f;
    CHECK_OR_RETURN(open_fixture(&f));
    CHECK_OR_RETURN(f.g->nexprs <= 64);
    graph_walk w;
    CHECK_OR_RETURN(graph_walk_init(&w, f.g));
    counter c = {.at_load = GRAPH_STEP_ENTER};
    uint32_t root = E(&f, f.cbody);
    CHECK(graph_walk_run(&w, &root, 1, NULL, 0, count, &c));
    /* through B's load into B: its shape, iteration variable and body, and
     * A's and K's shape (the same constant 4) */
    CHECK_EQ_INT(c.visits[E(&f, f.bbody)], 1);
    CHECK_EQ_INT(c.visits[E(&f, f.la)], 1);
    CHECK_EQ_INT(c.visits[E(&f, f.four)], 1);
    CHECK_EQ_INT(c.visits[E(&f, f.i)], 1);
    /* + 1, the load of B, j, 1.0 and B's five */
    CHECK_EQ_INT(c.total, 4 + 5 + 1);
    /* plain operands stop at the load of B */
    counter plain = {0};
    CHECK(graph_walk_run(&w, &root, 1, NULL, 0, count, &plain));
    CHECK_EQ_INT(plain.visits[E(&f, f.bbody)], 0);
    CHECK_EQ_INT(plain.total, 4);
    graph_walk_free(&w);
    close_fixture(&f);
}

TEST(skip_and_stop) {
    fixture f;
    CHECK_OR_RETURN(open_fixture(&f));
    CHECK_OR_RETURN(f.g->nexprs <= 64);
    graph_walk w;
    CHECK_OR_RETURN(graph_walk_init(&w, f.g));
    uint32_t root = E(&f, f.bbody);
    counter skip = {.skip_at = E(&f, f.s)};
    CHECK(graph_walk_run(&w, &root, 1, NULL, 0, count, &skip));
    CHECK_EQ_INT(skip.total, 2); /* the product and s, nothing below s */
    CHECK_EQ_INT(skip.visits[E(&f, f.la)], 0);
    counter stop = {.stop_at = E(&f, f.bbody)};
    CHECK(graph_walk_run(&w, &root, 1, NULL, 0, count, &stop));
    CHECK_EQ_INT(stop.total, 1);
    graph_walk_free(&w);
    close_fixture(&f);
}

TEST(tensor_roots_are_entered) {
    fixture f;
    CHECK_OR_RETURN(open_fixture(&f));
    CHECK_OR_RETURN(f.g->nexprs <= 64);
    graph_walk w;
    CHECK_OR_RETURN(graph_walk_init(&w, f.g));
    uint32_t roots[2] = {T(&f, f.B), 0};
    counter c = {0};
    CHECK(graph_walk_run(&w, NULL, 0, roots, 2, count, &c));
    /* B's shape (4), its iteration variable and its body's five (i among them) */
    CHECK_EQ_INT(c.total, 1 + 5);
    CHECK_EQ_INT(c.visits[E(&f, f.four)], 1);
    graph_walk_free(&w);
    close_fixture(&f);
}

TEST(mark_reachable_follows_loads_not_siblings) {
    fixture f;
    CHECK_OR_RETURN(open_fixture(&f));
    uint8_t tmark[16] = {0}, emark[64] = {0};
    CHECK_OR_RETURN(f.g->ntensors <= 16 && f.g->nexprs <= 64);
    uint32_t root = T(&f, f.C);
    CHECK(graph_mark_reachable(f.g, &root, 1, tmark, emark));
    CHECK(tmark[T(&f, f.C)] && tmark[T(&f, f.B)] && tmark[T(&f, f.A)] && tmark[T(&f, f.K)]);
    CHECK(!tmark[T(&f, f.D)]);
    CHECK(emark[E(&f, f.la)] && emark[E(&f, f.four)] && emark[E(&f, f.j)]);
    /* D's body (A[d] - 1) is not below C */
    uint32_t n = 0;
    for (uint32_t e = 1; e < f.g->nexprs; e++) n += emark[e];
    CHECK_EQ_INT(n, f.g->nexprs - 1 - 3); /* all but d, A[d] and A[d] - 1 */
    close_fixture(&f);
}

CHECK_MAIN()
