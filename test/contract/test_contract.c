/* test_contract.c — G4: the API contract suite.
 *
 * The exported functions are read at run time from the .dynsym table of the
 * built library (path: $TVMC_LIBRARY, else argv[1] when it names a shared
 * object, else the object that defines tvm_version according to dladdr).
 * `contracts[]` below holds one entry per exported function; the suite fails
 * when an export has no entry (a new API function needs a contract) or an
 * entry names a function that is not exported.
 *
 * Every entry registers probes: bad input of every kind the header lets a
 * caller produce (NULL pointers, null / forged / foreign / stale / wrong-type
 * handles, out-of-range enums, negative and overflowing dims, absurd ranks,
 * bad options structs, bad DLTensors). Each probe runs in a forked child with
 * fds 1 and 2 redirected into a pipe; the child makes the call and writes the
 * status, the message and a completion flag into another pipe, then _exits.
 * The parent checks: the child exited normally with code 0 (a signal is a
 * crash), wrote nothing to stdout/stderr, returned the documented status and,
 * for errors, a non-empty message of at most 1 KiB that mentions the
 * argument or the problem (check.h's check_mentions per needle).
 *
 * Probes whose library fix is large are listed in known_failures[]: they
 * still run and print, but do not fail the suite; one that starts passing
 * fails it, so the list stays accurate.
 *
 * The last test, error_isolation, runs in-process: 8 threads provoke 8
 * different errors concurrently, 10,000 trials in all, and each checks that
 * tvm_last_error() holds its own message.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tensor_util.h"

/* ========================================================================= */
/* Exported symbols from the ELF dynamic symbol table                         */
/* ========================================================================= */

#define MAX_EXPORTS 512

static char export_names[MAX_EXPORTS][64];
static int num_exports;
static const char *library_path;

/* Reads the defined, visible tvm_* symbols of the shared object at path.
 * Returns the count, or -1 with a reason in why. */
static int read_exports(const char *path, char *why, size_t why_len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
        snprintf(why, why_len, "%s is not an ELF file", path);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        snprintf(why, why_len, "cannot map %s", path);
        return -1;
    }
    int n = -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        snprintf(why, why_len, "%s is not a 64-bit ELF file", path);
        goto out;
    }
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size) {
        snprintf(why, why_len, "%s has no usable section headers", path);
        goto out;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
    for (int s = 0; s < eh->e_shnum; s++) {
        if (sh[s].sh_type != SHT_DYNSYM) continue;
        if (sh[s].sh_link >= eh->e_shnum || sh[s].sh_entsize != sizeof(Elf64_Sym) ||
            sh[s].sh_offset + sh[s].sh_size > size) {
            snprintf(why, why_len, "%s: malformed .dynsym", path);
            goto out;
        }
        const Elf64_Shdr *strs = &sh[sh[s].sh_link];
        if (strs->sh_offset + strs->sh_size > size) {
            snprintf(why, why_len, "%s: malformed .dynstr", path);
            goto out;
        }
        const char *strtab = (const char *)base + strs->sh_offset;
        const Elf64_Sym *syms = (const Elf64_Sym *)(base + sh[s].sh_offset);
        size_t nsyms = sh[s].sh_size / sizeof(Elf64_Sym);
        n = 0;
        for (size_t i = 1; i < nsyms; i++) {
            const Elf64_Sym *sym = &syms[i];
            if (sym->st_shndx == SHN_UNDEF || sym->st_name >= strs->sh_size) continue;
            int bind = ELF64_ST_BIND(sym->st_info);
            if (bind != STB_GLOBAL && bind != STB_WEAK) continue;
            int vis = ELF64_ST_VISIBILITY(sym->st_other);
            if (vis != STV_DEFAULT && vis != STV_PROTECTED) continue;
            const char *name = strtab + sym->st_name;
            if (strncmp(name, "tvm_", 4) != 0) continue;
            if (n >= MAX_EXPORTS) {
                snprintf(why, why_len, "more than %d exports", MAX_EXPORTS);
                n = -1;
                goto out;
            }
            snprintf(export_names[n++], sizeof export_names[0], "%s", name);
        }
        break;
    }
    if (n < 0) snprintf(why, why_len, "%s has no .dynsym section", path);
out:
    munmap((void *)base, size);
    return n;
}

/* ========================================================================= */
/* Probes                                                                     */
/* ========================================================================= */

typedef struct contract contract;
typedef struct probe probe;

#define MSG_CAP 1536
#define PROBE_DONE 0x7e57d0e5u

/* What a child sends back. */
typedef struct probe_out {
    uint32_t done;          /* PROBE_DONE once the probe returned */
    int32_t status;         /* the status the probe observed */
    int32_t builder;        /* 1: a builder call; handle is its result */
    uint32_t handle;
    uint32_t msg_len;       /* strlen(tvm_last_error()) right after the call */
    char msg[MSG_CAP];
    int32_t extra_fail;     /* probe-specific checks that failed */
    char extra[400];
} probe_out;

typedef void (*probe_fn)(const probe *p, probe_out *o);

/* A probe: which export it targets, what it does (fn with mode/arg/kind/value
 * parameters), the documented status and what the message must mention. */
struct probe {
    const contract *c;
    char name[128];
    probe_fn fn;
    int mode, arg, kind;
    int64_t value;
    int expect;
    const char *needles[4];
};

#define MAX_PROBES 4096 /* room for the operator library's probes */
static probe probes[MAX_PROBES];
static int num_probes;
static bool probe_table_overflow;

typedef tvm_expr (*binop_fn)(tvm_graph *, tvm_expr, tvm_expr);
typedef tvm_expr (*unop_fn)(tvm_graph *, tvm_expr);

enum { DT_F = 1, DT_I = 2, DT_B = 4 }; /* operand classes an operator allows */

struct contract {
    const char *name;
    void (*add)(const contract *c);
    binop_fn bin;
    unop_fn un;
    int allowed;
};

__attribute__((format(printf, 7, 8)))
static probe *probe_add(const contract *c, probe_fn fn, int mode, int arg, int kind,
                        int expect, const char *fmt, ...) {
    if (num_probes >= MAX_PROBES) {
        probe_table_overflow = true;
        static probe sink;
        return &sink;
    }
    probe *p = &probes[num_probes++];
    memset(p, 0, sizeof *p);
    p->c = c;
    p->fn = fn;
    p->mode = mode;
    p->arg = arg;
    p->kind = kind;
    p->expect = expect;
    int k = snprintf(p->name, sizeof p->name, "%s: ", c->name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->name + k, sizeof p->name - (size_t)k, fmt, ap);
    va_end(ap);
    return p;
}

static void needles(probe *p, const char *a, const char *b, const char *c) {
    p->needles[0] = a;
    p->needles[1] = b;
    p->needles[2] = c;
}

/* ---- child-side recording ------------------------------------------------ */

static void capture_msg(probe_out *o) {
    const char *m = tvm_last_error();
    if (!m) {
        o->msg_len = UINT32_MAX; /* "never NULL" broken */
        return;
    }
    o->msg_len = (uint32_t)strlen(m);
    snprintf(o->msg, sizeof o->msg, "%s", m);
}

/* A status-returning call: record status and message. */
static void record(probe_out *o, tvm_status s) {
    o->status = s;
    capture_msg(o);
}

/* A builder call on g (may be NULL): the call's message, then the graph's
 * recorded status. */
static void record_builder(probe_out *o, tvm_graph *g, uint32_t handle) {
    capture_msg(o);
    o->builder = 1;
    o->handle = handle;
    o->status = tvm_graph_status(g);
}

__attribute__((format(printf, 3, 4)))
static void require(probe_out *o, bool ok, const char *fmt, ...) {
    if (ok) return;
    o->extra_fail++;
    size_t len = strlen(o->extra);
    if (len + 3 >= sizeof o->extra) return;
    if (len) {
        strcat(o->extra, "; ");
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->extra + len, sizeof o->extra - len, fmt, ap);
    va_end(ap);
}

/* ========================================================================= */
/* Shared fixtures, made in the parent before the children fork               */
/* ========================================================================= */

static tvm_context *ctx;

enum { F_ADD, F_SHIFT, F_GATHER, F_2D, F_TWO, F_FIXED, F_MANY, F_OUTVAR, F_NOIN, NUM_FIX };

/* F_MANY has this many inputs, each with its own size variable: more than
 * the library's on-stack arrays hold (16 sizes, 32 pointers, 64 size
 * variables, 1 KiB of binding state), so its heap paths run. */
#define MANY 70
static tvm_function *fix[TT_NUM_TARGETS][NUM_FIX];

static tvm_expr c64(tvm_graph *g, int64_t v) { return tvm_const_int(g, TVM_INT64, v); }

/* Compiles one fixture function; returns NULL (with a message) on failure. */
static tvm_function *build_fixture(int which, const char *target) {
    tvm_graph *g = tvm_graph_create(ctx);
    if (!g) return NULL;
    tvm_function *fn = NULL;
    tvm_compile_options o = tt_options(target, 0, 0);
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j");
    tvm_status s = TVM_ERR_INTERNAL;
    switch (which) {
    case F_ADD: { /* Cout = Ain + Bin over symbolic n */
        tvm_expr n = tvm_size_var(g, "n");
        tvm_tensor A = tvm_placeholder(g, "Ain", TVM_FLOAT32, 1, &n);
        tvm_tensor B = tvm_placeholder(g, "Bin", TVM_FLOAT32, 1, &n);
        tvm_tensor C = tvm_compute(g, "Cout", 1, &n, &i,
                                   tvm_add(g, tvm_load(g, A, &i), tvm_load(g, B, &i)));
        s = tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &o, &fn);
        break;
    }
    case F_SHIFT: { /* Bsh[i] = Ash[i + 1]: an exact out-of-range read */
        tvm_expr n = tvm_size_var(g, "n");
        tvm_tensor A = tvm_placeholder(g, "Ash", TVM_FLOAT32, 1, &n);
        tvm_tensor B = tvm_compute(g, "Bsh", 1, &n, &i,
                                   tvm_load(g, A, (tvm_expr[]){tvm_add(g, i, c64(g, 1))}));
        s = tvm_compile(g, 1, &A, 1, &B, &o, &fn);
        break;
    }
    case F_GATHER: { /* Gout[i] = Data[Idx[i]]: a data-dependent read */
        tvm_expr m = tvm_size_var(g, "m"), n = tvm_size_var(g, "n");
        tvm_tensor D = tvm_placeholder(g, "Data", TVM_FLOAT32, 1, &m);
        tvm_tensor X = tvm_placeholder(g, "Idx", TVM_INT32, 1, &n);
        tvm_tensor G = tvm_compute(g, "Gout", 1, &n, &i,
                                   tvm_load(g, D, (tvm_expr[]){tvm_load(g, X, &i)}));
        s = tvm_compile(g, 2, (tvm_tensor[]){D, X}, 1, &G, &o, &fn);
        break;
    }
    case F_2D: { /* N2[r, c] = M2[r, c] * 2 */
        tvm_expr r = tvm_size_var(g, "r"), c = tvm_size_var(g, "c");
        tvm_expr sh[2] = {r, c}, ij[2] = {i, j};
        tvm_tensor M = tvm_placeholder(g, "M2", TVM_FLOAT32, 2, sh);
        tvm_tensor N = tvm_compute(g, "N2", 2, sh, ij,
                                   tvm_mul(g, tvm_load(g, M, ij),
                                           tvm_const_float(g, TVM_FLOAT32, 2)));
        s = tvm_compile(g, 1, &M, 1, &N, &o, &fn);
        break;
    }
    case F_TWO: { /* Xo = -At, Yo = |At| */
        tvm_expr n = tvm_size_var(g, "n");
        tvm_tensor A = tvm_placeholder(g, "At", TVM_FLOAT64, 1, &n);
        tvm_tensor X = tvm_compute(g, "Xo", 1, &n, &i, tvm_neg(g, tvm_load(g, A, &i)));
        tvm_tensor Y = tvm_compute(g, "Yo", 1, &n, &i, tvm_abs(g, tvm_load(g, A, &i)));
        s = tvm_compile(g, 1, &A, 2, (tvm_tensor[]){X, Y}, &o, &fn);
        break;
    }
    case F_MANY: { /* Sm[i] = sum over k of Am<k>[i]; Am<k> has length n<k> */
        tvm_tensor in[MANY];
        tvm_expr n0 = tvm_size_var(g, "n0");
        tvm_expr body = {0};
        for (int k = 0; k < MANY; k++) {
            char name[16], var[16];
            snprintf(name, sizeof name, "Am%d", k);
            snprintf(var, sizeof var, "n%d", k);
            tvm_expr nk = k == 0 ? n0 : tvm_size_var(g, var);
            in[k] = tvm_placeholder(g, name, TVM_INT32, 1, &nk);
            tvm_expr ld = tvm_load(g, in[k], &i);
            body = k == 0 ? ld : tvm_add(g, body, ld);
        }
        tvm_tensor S = tvm_compute(g, "Sm", 1, &n0, &i, body);
        s = tvm_compile(g, MANY, in, 1, &S, &o, &fn);
        break;
    }
    case F_OUTVAR: { /* Ov[r, c] = Av[c]: r appears only in the output */
        tvm_expr r = tvm_size_var(g, "rows"), c = tvm_size_var(g, "c");
        tvm_tensor A = tvm_placeholder(g, "Av", TVM_FLOAT32, 1, &c);
        tvm_tensor O = tvm_compute(g, "Ov", 2, (tvm_expr[]){r, c}, (tvm_expr[]){j, i},
                                   tvm_load(g, A, &i));
        s = tvm_compile(g, 1, &A, 1, &O, &o, &fn);
        break;
    }
    case F_NOIN: { /* Zn[3] = 7, no inputs */
        tvm_tensor Z = tvm_compute(g, "Zn", 1, (tvm_expr[]){c64(g, 3)}, &i,
                                   tvm_const_int(g, TVM_INT16, 7));
        s = tvm_compile(g, 0, NULL, 1, &Z, &o, &fn);
        break;
    }
    case F_FIXED: { /* Bf[4] = Af[4] * 3, constant shapes */
        tvm_expr four = c64(g, 4);
        tvm_tensor A = tvm_placeholder(g, "Af", TVM_INT32, 1, &four);
        tvm_tensor B = tvm_compute(g, "Bf", 1, &four, &i,
                                   tvm_mul(g, tvm_load(g, A, &i), tvm_const_int(g, TVM_INT32, 3)));
        s = tvm_compile(g, 1, &A, 1, &B, &o, &fn);
        break;
    }
    }
    if (s != TVM_OK)
        fprintf(stderr, "fixture %d on %s failed: %s: %s\n", which, target, tvm_status_string(s),
                tvm_last_error());
    tvm_graph_destroy(g);
    return s == TVM_OK ? fn : NULL;
}

/* ========================================================================= */
/* Graph helpers for builder probes (run in the child)                        */
/* ========================================================================= */

/* A fresh graph whose handle tag is neither 1 nor 127, so the literal forged
 * ids 0x01000001 and 0x7fffffff cannot be valid in it. */
static tvm_graph *new_graph(void) {
    for (int k = 0; k < 4; k++) {
        tvm_graph *g = tvm_graph_create(ctx);
        if (!g) return NULL;
        uint32_t tag = tvm_size_var(g, "probe_tag").id >> 24;
        if (tag != 1 && tag != 127) return g;
        tvm_graph_destroy(g);
    }
    return NULL;
}

/* Kinds of bad expression handle. */
enum {
    BAD_NULL,            /* id 0 */
    BAD_7FFFFFFF,        /* forged */
    BAD_80FFFFFF,        /* forged, tensor bit set (wrong type) */
    BAD_01000001,        /* forged, small */
    BAD_FFFFFFFF,        /* forged, all bits */
    BAD_OWN_RANGE,       /* this graph's tag, index past the end */
    BAD_OTHER_GRAPH,     /* a live handle of another graph */
    BAD_DESTROYED,       /* a handle of a destroyed graph */
    BAD_WRONG_TYPE,      /* a tensor handle of this graph used as an expression */
    NUM_BAD_EXPR
};
static const char *const bad_expr_name[NUM_BAD_EXPR] = {
    "null handle", "forged 0x7fffffff", "forged 0x80ffffff", "forged 0x01000001",
    "forged 0xffffffff", "index past the end", "handle of another live graph",
    "handle of a destroyed graph", "tensor handle as expression",
};

static tvm_status bad_expr_status(int kind) {
    return kind == BAD_NULL ? TVM_ERR_INVALID_ARGUMENT : TVM_ERR_INVALID_HANDLE;
}

static tvm_expr bad_expr(tvm_graph *g, int kind) {
    uint32_t tag = tvm_iter_var(g, "tagprobe").id & 0xff000000u;
    switch (kind) {
    case BAD_NULL: return (tvm_expr){0};
    case BAD_7FFFFFFF: return (tvm_expr){0x7fffffffu};
    case BAD_80FFFFFF: return (tvm_expr){0x80ffffffu};
    case BAD_01000001: return (tvm_expr){0x01000001u};
    case BAD_FFFFFFFF: return (tvm_expr){0xffffffffu};
    case BAD_OWN_RANGE: return (tvm_expr){tag | 0xffffffu};
    case BAD_OTHER_GRAPH: {
        /* left alive on purpose (the child exits); its index 1..3 is in range
         * in g too, so only the graph check can catch it */
        tvm_graph *h = tvm_graph_create(ctx);
        return tvm_add(h, tvm_const_float(h, TVM_FLOAT32, 1), tvm_const_float(h, TVM_FLOAT32, 2));
    }
    case BAD_DESTROYED: {
        tvm_graph *d = tvm_graph_create(ctx);
        tvm_expr e = tvm_add(d, tvm_const_float(d, TVM_FLOAT32, 1),
                             tvm_const_float(d, TVM_FLOAT32, 2));
        tvm_graph_destroy(d);
        return e;
    }
    case BAD_WRONG_TYPE:
        return (tvm_expr){tvm_placeholder(g, "Twrong", TVM_FLOAT32, 0, NULL).id};
    }
    return (tvm_expr){0};
}

/* Kinds of bad tensor handle. */
enum {
    BADT_NULL,
    BADT_7FFFFFFF,       /* forged; tensor bit clear (wrong type) */
    BADT_80FFFFFF,       /* forged; index all ones */
    BADT_FFFFFFFF,
    BADT_81000001,
    BADT_OWN_RANGE,
    BADT_OTHER_GRAPH,
    BADT_DESTROYED,
    BADT_WRONG_TYPE,     /* an expression handle of this graph used as a tensor */
    NUM_BAD_TENSOR
};
static const char *const bad_tensor_name[NUM_BAD_TENSOR] = {
    "null tensor", "forged 0x7fffffff", "forged 0x80ffffff", "forged 0xffffffff",
    "forged 0x81000001", "index past the end", "tensor of another live graph",
    "tensor of a destroyed graph", "expression handle as tensor",
};

static tvm_status bad_tensor_status(int kind) {
    return kind == BADT_NULL ? TVM_ERR_INVALID_ARGUMENT : TVM_ERR_INVALID_HANDLE;
}

static tvm_tensor bad_tensor(tvm_graph *g, int kind) {
    uint32_t tag = tvm_placeholder(g, "Ttag", TVM_INT8, 0, NULL).id & 0xff000000u;
    switch (kind) {
    case BADT_NULL: return (tvm_tensor){0};
    case BADT_7FFFFFFF: return (tvm_tensor){0x7fffffffu};
    case BADT_80FFFFFF: return (tvm_tensor){0x80ffffffu};
    case BADT_FFFFFFFF: return (tvm_tensor){0xffffffffu};
    case BADT_81000001: return (tvm_tensor){0x81000001u};
    case BADT_OWN_RANGE: return (tvm_tensor){tag | 0xffffffu};
    case BADT_OTHER_GRAPH: {
        tvm_graph *h = tvm_graph_create(ctx);
        tvm_expr four = c64(h, 4);
        return tvm_placeholder(h, "Tother", TVM_FLOAT32, 1, &four);
    }
    case BADT_DESTROYED: {
        tvm_graph *d = tvm_graph_create(ctx);
        tvm_expr four = c64(d, 4);
        tvm_tensor t = tvm_placeholder(d, "Tdead", TVM_FLOAT32, 1, &four);
        tvm_graph_destroy(d);
        return t;
    }
    case BADT_WRONG_TYPE: return (tvm_tensor){tvm_const_float(g, TVM_FLOAT32, 1).id};
    }
    return (tvm_tensor){0};
}

/* Makes g fail with a recognisable first error (value 999 does not fit int8). */
static void make_sticky(tvm_graph *g) { (void)tvm_const_int(g, TVM_INT8, 999); }

/* An operand of the first dtype an operator allows. */
static tvm_expr good_operand(tvm_graph *g, int allowed, int which) {
    if (allowed & DT_F) return tvm_const_float(g, TVM_FLOAT32, 1.5 + which);
    if (allowed & DT_I) return tvm_const_int(g, TVM_INT32, 3 + which);
    return tvm_lt(g, tvm_const_int(g, TVM_INT32, which), tvm_const_int(g, TVM_INT32, 2));
}

/* An operand of the given dtype. */
static tvm_expr operand_of(tvm_graph *g, tvm_dtype dt) {
    if (dt == TVM_BOOL)
        return tvm_lt(g, tvm_const_int(g, TVM_INT32, 1), tvm_const_int(g, TVM_INT32, 2));
    if (tt_is_float(dt)) return tvm_const_float(g, dt, 2.5);
    return tvm_const_int(g, dt, 5);
}

/* The dtype an operator's first operand gets, and one it does not match. */
static tvm_dtype first_dtype(int allowed) {
    return (allowed & DT_F) ? TVM_FLOAT32 : (allowed & DT_I) ? TVM_INT32 : TVM_BOOL;
}
static tvm_dtype mismatch_dtype(int allowed) {
    return (allowed & DT_F) ? TVM_FLOAT64 : (allowed & DT_I) ? TVM_INT64 : TVM_INT32;
}

/* Expression-taking builder probes share these modes. */
enum { M_OK, M_NULL_GRAPH, M_BAD_ARG, M_MISMATCH, M_DISALLOWED, M_STICKY, M_CUSTOM };

/* ========================================================================= */
/* Operators                                                                  */
/* ========================================================================= */

static void probe_binary(const probe *p, probe_out *o) {
    const contract *c = p->c;
    tvm_graph *g = new_graph();
    tvm_expr a = good_operand(g, c->allowed, 0), b = good_operand(g, c->allowed, 1);
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, c->bin(NULL, a, b).id); return;
    case M_BAD_ARG:
        if (p->arg == 0) a = bad_expr(g, p->kind);
        else b = bad_expr(g, p->kind);
        break;
    case M_MISMATCH: b = operand_of(g, mismatch_dtype(c->allowed)); break;
    case M_DISALLOWED: a = b = operand_of(g, (tvm_dtype)p->value); break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, c->bin(g, a, b).id);
}

static void probe_unary(const probe *p, probe_out *o) {
    const contract *c = p->c;
    tvm_graph *g = new_graph();
    tvm_expr a = good_operand(g, c->allowed, 0);
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, c->un(NULL, a).id); return;
    case M_BAD_ARG: a = bad_expr(g, p->kind); break;
    case M_DISALLOWED: a = operand_of(g, (tvm_dtype)p->value); break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, c->un(g, a).id);
}

static const char *dt_name(tvm_dtype d) { return tt_dtype_name(d); }

/* Dtypes an operator refuses, for M_DISALLOWED probes. */
static int disallowed_dtypes(int allowed, tvm_dtype out[2]) {
    int n = 0;
    if (!(allowed & DT_B)) out[n++] = TVM_BOOL;
    if (allowed == DT_F) out[n++] = TVM_INT32;
    if (allowed == DT_B) out[n++] = TVM_FLOAT32;
    return n;
}

static void add_binary_probes(const contract *c) {
    probe *p = probe_add(c, probe_binary, M_OK, 0, 0, TVM_OK, "valid operands");
    p = probe_add(c, probe_binary, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int arg = 0; arg < 2; arg++)
        for (int k = 0; k < NUM_BAD_EXPR; k++) {
            p = probe_add(c, probe_binary, M_BAD_ARG, arg, k, bad_expr_status(k), "%s = %s",
                          arg ? "b" : "a", bad_expr_name[k]);
            needles(p, arg ? "'b'" : "'a'", k == BAD_NULL ? "null" : NULL, NULL);
        }
    tvm_dtype d0 = first_dtype(c->allowed), d1 = mismatch_dtype(c->allowed);
    p = probe_add(c, probe_binary, M_MISMATCH, 0, 0, TVM_ERR_DTYPE, "operands %s and %s",
                  dt_name(d0), dt_name(d1));
    needles(p, dt_name(d0), dt_name(d1), NULL);
    tvm_dtype bad[2];
    int nbad = disallowed_dtypes(c->allowed, bad);
    for (int k = 0; k < nbad; k++) {
        p = probe_add(c, probe_binary, M_DISALLOWED, 0, 0, TVM_ERR_DTYPE, "%s operands",
                      dt_name(bad[k]));
        p->value = bad[k];
        needles(p, dt_name(bad[k]), NULL, NULL);
    }
    p = probe_add(c, probe_binary, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void add_unary_probes(const contract *c) {
    probe *p = probe_add(c, probe_unary, M_OK, 0, 0, TVM_OK, "valid operand");
    p = probe_add(c, probe_unary, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_EXPR; k++) {
        p = probe_add(c, probe_unary, M_BAD_ARG, 0, k, bad_expr_status(k), "a = %s",
                      bad_expr_name[k]);
        needles(p, "'a'", k == BAD_NULL ? "null" : NULL, NULL);
    }
    tvm_dtype bad[2];
    int nbad = disallowed_dtypes(c->allowed, bad);
    for (int k = 0; k < nbad; k++) {
        p = probe_add(c, probe_unary, M_DISALLOWED, 0, 0, TVM_ERR_DTYPE, "%s operand",
                      dt_name(bad[k]));
        p->value = bad[k];
        needles(p, dt_name(bad[k]), NULL, NULL);
    }
    p = probe_add(c, probe_unary, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

/* ---- select and cast ------------------------------------------------------ */

static void probe_select(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr cond = operand_of(g, TVM_BOOL);
    tvm_expr a = tvm_const_float(g, TVM_FLOAT32, 1), b = tvm_const_float(g, TVM_FLOAT32, 2);
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, tvm_select(NULL, cond, a, b).id); return;
    case M_BAD_ARG: {
        tvm_expr e = bad_expr(g, p->kind);
        if (p->arg == 0) cond = e;
        else if (p->arg == 1) a = e;
        else b = e;
        break;
    }
    case M_CUSTOM: cond = tvm_const_int(g, TVM_INT32, 1); break;   /* non-bool cond */
    case M_MISMATCH: b = tvm_const_int(g, TVM_INT64, 2); break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_select(g, cond, a, b).id);
}

static void add_tvm_select_probes(const contract *c) {
    static const char *const argname[3] = {"'cond'", "'a'", "'b'"};
    probe_add(c, probe_select, M_OK, 0, 0, TVM_OK, "valid operands");
    probe *p = probe_add(c, probe_select, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int arg = 0; arg < 3; arg++)
        for (int k = 0; k < NUM_BAD_EXPR; k++) {
            p = probe_add(c, probe_select, M_BAD_ARG, arg, k, bad_expr_status(k), "%s = %s",
                          argname[arg], bad_expr_name[k]);
            needles(p, argname[arg], NULL, NULL);
        }
    p = probe_add(c, probe_select, M_CUSTOM, 0, 0, TVM_ERR_DTYPE, "cond is int32");
    needles(p, "cond", "bool", NULL);
    p = probe_add(c, probe_select, M_MISMATCH, 0, 0, TVM_ERR_DTYPE, "a float32, b int64");
    needles(p, "float32", "int64", NULL);
    p = probe_add(c, probe_select, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void probe_cast(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr e = tvm_const_float(g, TVM_FLOAT32, 1.25);
    tvm_dtype dt = TVM_INT32;
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, tvm_cast(NULL, dt, e).id); return;
    case M_BAD_ARG: e = bad_expr(g, p->kind); break;
    case M_CUSTOM: dt = (tvm_dtype)p->value; break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_cast(g, dt, e).id);
}

static const int bad_dtypes[] = {0, 11, -1, 255, INT_MIN};

static void add_tvm_cast_probes(const contract *c) {
    probe_add(c, probe_cast, M_OK, 0, 0, TVM_OK, "float32 to int32");
    probe *p = probe_add(c, probe_cast, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_EXPR; k++) {
        p = probe_add(c, probe_cast, M_BAD_ARG, 0, k, bad_expr_status(k), "e = %s",
                      bad_expr_name[k]);
        needles(p, "'e'", NULL, NULL);
    }
    for (size_t k = 0; k < sizeof bad_dtypes / sizeof bad_dtypes[0]; k++) {
        p = probe_add(c, probe_cast, M_CUSTOM, 0, 0, TVM_ERR_DTYPE, "dtype %d", bad_dtypes[k]);
        p->value = bad_dtypes[k];
        needles(p, "dtype", NULL, NULL);
    }
    p = probe_add(c, probe_cast, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}

/* ========================================================================= */
/* Leaves: constants and variables                                            */
/* ========================================================================= */

static void probe_const_int(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    if (p->mode == M_NULL_GRAPH) {
        record_builder(o, NULL, tvm_const_int(NULL, TVM_INT32, 1).id);
        return;
    }
    if (p->mode == M_STICKY) make_sticky(g);
    record_builder(o, g, tvm_const_int(g, (tvm_dtype)p->kind, p->value).id);
}

static void probe_const_float(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    if (p->mode == M_NULL_GRAPH) {
        record_builder(o, NULL, tvm_const_float(NULL, TVM_FLOAT32, 1).id);
        return;
    }
    if (p->mode == M_STICKY) make_sticky(g);
    double v;
    switch (p->value) {
    case 0: v = NAN; break;
    case 1: v = INFINITY; break;
    case 2: v = 0.5; break;
    case 3: v = 1e20; break;
    case 4: v = -1.0; break;
    case 5: v = 9223372036854775808.0; break;
    case 6: v = 65520.0; break; /* rounds to +inf in float16: allowed */
    default: v = 1.0; break;
    }
    record_builder(o, g, tvm_const_float(g, (tvm_dtype)p->kind, v).id);
}

static void add_tvm_const_int_probes(const contract *c) {
    probe *p = probe_add(c, probe_const_int, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (size_t k = 0; k < sizeof bad_dtypes / sizeof bad_dtypes[0]; k++) {
        p = probe_add(c, probe_const_int, M_CUSTOM, 0, bad_dtypes[k], TVM_ERR_DTYPE, "dtype %d",
                      bad_dtypes[k]);
        p->value = 1;
        needles(p, "dtype", NULL, NULL);
    }
    static const struct { tvm_dtype dt; int64_t v; int ok; const char *needle; } vals[] = {
        {TVM_INT8, 128, 0, "128"},          {TVM_INT8, -129, 0, "-129"},
        {TVM_UINT8, 256, 0, "256"},         {TVM_UINT8, -1, 0, "-1"},
        {TVM_INT16, 32768, 0, "32768"},     {TVM_INT32, INT64_C(2147483648), 0, "2147483648"},
        {TVM_INT32, INT64_MIN, 0, "int32"}, {TVM_BOOL, 2, 1, NULL},
        {TVM_INT64, INT64_MIN, 1, NULL},    {TVM_FLOAT32, INT64_MAX, 1, NULL},
    };
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        p = probe_add(c, probe_const_int, M_CUSTOM, 0, vals[k].dt,
                      vals[k].ok ? TVM_OK : TVM_ERR_INVALID_ARGUMENT, "%s value %lld",
                      dt_name(vals[k].dt), (long long)vals[k].v);
        p->value = vals[k].v;
        needles(p, vals[k].needle, NULL, NULL);
    }
    p = probe_add(c, probe_const_int, M_STICKY, 0, TVM_INT32, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void add_tvm_const_float_probes(const contract *c) {
    probe *p = probe_add(c, probe_const_float, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (size_t k = 0; k < sizeof bad_dtypes / sizeof bad_dtypes[0]; k++) {
        p = probe_add(c, probe_const_float, M_CUSTOM, 0, bad_dtypes[k], TVM_ERR_DTYPE,
                      "dtype %d", bad_dtypes[k]);
        p->value = 7;
        needles(p, "dtype", NULL, NULL);
    }
    static const struct { tvm_dtype dt; int v; int ok; const char *what, *needle; } vals[] = {
        {TVM_INT64, 0, 0, "nan", "nan"},       {TVM_INT32, 1, 0, "inf", "inf"},
        {TVM_INT8, 2, 0, "0.5", "0.5"},        {TVM_INT64, 3, 0, "1e20", "int64"},
        {TVM_UINT8, 4, 0, "-1", "-1"},         {TVM_INT64, 5, 0, "2^63", "int64"},
        {TVM_FLOAT16, 6, 1, "65520", NULL},    {TVM_FLOAT32, 0, 1, "nan", NULL},
        {TVM_BOOL, 0, 1, "nan", NULL},
    };
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        p = probe_add(c, probe_const_float, M_CUSTOM, 0, vals[k].dt,
                      vals[k].ok ? TVM_OK : TVM_ERR_INVALID_ARGUMENT, "%s value %s",
                      dt_name(vals[k].dt), vals[k].what);
        p->value = vals[k].v;
        needles(p, vals[k].needle, NULL, NULL);
    }
    p = probe_add(c, probe_const_float, M_STICKY, 0, TVM_FLOAT32, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

static char long_name[5000];

static void probe_var(const probe *p, probe_out *o) {
    tvm_expr (*make)(tvm_graph *, const char *) = p->arg ? tvm_iter_var : tvm_size_var;
    tvm_graph *g = new_graph();
    const char *name = "v";
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, make(NULL, "v").id); return;
    case M_CUSTOM:
        name = p->kind == 0 ? NULL : p->kind == 1 ? "" : long_name;
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, make(g, name).id);
}

static void add_var_probes(const contract *c, int iter) {
    probe *p = probe_add(c, probe_var, M_NULL_GRAPH, iter, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    probe_add(c, probe_var, M_CUSTOM, iter, 0, TVM_OK, "name NULL (a default name)");
    probe_add(c, probe_var, M_CUSTOM, iter, 1, TVM_OK, "name empty");
    p = probe_add(c, probe_var, M_CUSTOM, iter, 2, TVM_ERR_INVALID_ARGUMENT, "name 4999 bytes");
    needles(p, "name", NULL, NULL);
    p = probe_add(c, probe_var, M_STICKY, iter, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}
static void add_tvm_size_var_probes(const contract *c) { add_var_probes(c, 0); }
static void add_tvm_iter_var_probes(const contract *c) { add_var_probes(c, 1); }

static void probe_reduce_axis(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr ext = c64(g, 4);
    const char *name = "k";
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, tvm_reduce_axis(NULL, "k", ext).id); return;
    case M_BAD_ARG: ext = bad_expr(g, p->kind); break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: ext = tvm_const_float(g, TVM_FLOAT32, 4); break;
        case 1: ext = tvm_iter_var(g, "iext"); break;
        case 2: ext = c64(g, -5); break;
        case 3: name = NULL; break;
        case 4: name = long_name; break;
        case 5: ext = tvm_size_var(g, "n"); break;
        case 6: ext = c64(g, 0); break;
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_reduce_axis(g, name, ext).id);
}

static void add_tvm_reduce_axis_probes(const contract *c) {
    probe *p = probe_add(c, probe_reduce_axis, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_EXPR; k++) {
        p = probe_add(c, probe_reduce_axis, M_BAD_ARG, 0, k, bad_expr_status(k), "extent = %s",
                      bad_expr_name[k]);
        needles(p, "extent", NULL, NULL);
    }
    static const struct { const char *what; int expect; const char *n1, *n2; } cases[] = {
        {"float extent", TVM_ERR_SHAPE, "extent", "integer"},
        {"iteration variable extent", TVM_ERR_SHAPE, "extent", "size variables"},
        {"negative extent -5", TVM_ERR_SHAPE, "extent", "-5"},
        {"name NULL", TVM_OK, NULL, NULL},
        {"name 4999 bytes", TVM_ERR_INVALID_ARGUMENT, "name", NULL},
        {"size-variable extent", TVM_OK, NULL, NULL},
        {"zero extent", TVM_OK, NULL, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_reduce_axis, M_CUSTOM, 0, k, cases[k].expect, "%s", cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_reduce_axis, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

/* ========================================================================= */
/* Loads and reductions                                                       */
/* ========================================================================= */

static void probe_load(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr n = c64(g, 4);
    tvm_tensor A = tvm_placeholder(g, "Aload", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr idx[1] = {i};
    const tvm_expr *indices = idx;
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, tvm_load(NULL, A, idx).id); return;
    case M_BAD_ARG:
        if (p->arg == 0) A = bad_tensor(g, p->kind);
        else idx[0] = bad_expr(g, p->kind);
        break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: indices = NULL; break;
        case 1: idx[0] = tvm_const_float(g, TVM_FLOAT32, 0); break;
        case 2: idx[0] = operand_of(g, TVM_BOOL); break;
        case 3: /* a scalar tensor needs no indices */
            A = tvm_placeholder(g, "Sload", TVM_FLOAT32, 0, NULL);
            indices = NULL;
            break;
        case 4: idx[0] = tvm_const_int(g, TVM_UINT8, 3); break; /* any integer dtype */
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_load(g, A, indices).id);
}

static void add_tvm_load_probes(const contract *c) {
    probe_add(c, probe_load, M_OK, 0, 0, TVM_OK, "valid load");
    probe *p = probe_add(c, probe_load, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_TENSOR; k++) {
        p = probe_add(c, probe_load, M_BAD_ARG, 0, k, bad_tensor_status(k), "tensor = %s",
                      bad_tensor_name[k]);
        needles(p, "tensor", NULL, NULL);
    }
    for (int k = 0; k < NUM_BAD_EXPR; k++) {
        p = probe_add(c, probe_load, M_BAD_ARG, 1, k, bad_expr_status(k), "indices[0] = %s",
                      bad_expr_name[k]);
        needles(p, "indices[0]", NULL, NULL);
    }
    static const struct { const char *what; int expect; const char *n1, *n2; } cases[] = {
        {"indices NULL for a 1-d tensor", TVM_ERR_INVALID_ARGUMENT, "indices", "Aload"},
        {"float index", TVM_ERR_DTYPE, "index", "float32"},
        {"bool index", TVM_ERR_DTYPE, "index", "bool"},
        {"scalar tensor, indices NULL", TVM_OK, NULL, NULL},
        {"uint8 index", TVM_OK, NULL, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_load, M_CUSTOM, 0, k, cases[k].expect, "%s", cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_load, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void probe_reduce(const probe *p, probe_out *o) {
    bool sum = p->c->name[4] == 's'; /* tvm_sum */
    tvm_graph *g = new_graph();
    tvm_expr k = tvm_reduce_axis(g, "kax", c64(g, 4));
    tvm_expr k2 = tvm_reduce_axis(g, "kax2", c64(g, 3));
    tvm_expr body = tvm_cast(g, TVM_FLOAT32, k);
    tvm_expr axes[2] = {k, k2};
    const tvm_expr *ax = axes;
    int naxes = 1;
    int kind = TVM_REDUCE_MAX;
    switch (p->mode) {
    case M_NULL_GRAPH:
        record_builder(o, NULL, (sum ? tvm_sum(NULL, body, 1, axes)
                                     : tvm_reduce(NULL, TVM_REDUCE_SUM, body, 1, axes)).id);
        return;
    case M_BAD_ARG:
        if (p->arg == 0) body = bad_expr(g, p->kind);
        else axes[0] = bad_expr(g, p->kind);
        break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: kind = (int)p->value; break;
        case 1: naxes = (int)p->value; break;
        case 2: ax = NULL; break;
        case 3: body = operand_of(g, TVM_BOOL); break;
        case 4: axes[0] = tvm_iter_var(g, "notaxis"); break;
        case 5: axes[1] = k; naxes = 2; break;          /* listed twice */
        case 6: naxes = 2; body = tvm_add(g, body, tvm_cast(g, TVM_FLOAT32, k2)); break;
        case 7: body = tvm_cast(g, TVM_INT8, k); break; /* integer body */
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    tvm_expr r = sum ? tvm_sum(g, body, naxes, ax)
                     : tvm_reduce(g, (tvm_reduce_kind)kind, body, naxes, ax);
    record_builder(o, g, r.id);
}

static void add_reduce_probes(const contract *c, bool sum) {
    probe *p = probe_add(c, probe_reduce, M_OK, 0, 0, TVM_OK, "one axis");
    p = probe_add(c, probe_reduce, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int arg = 0; arg < 2; arg++)
        for (int k = 0; k < NUM_BAD_EXPR; k++) {
            if (sum && k != BAD_NULL && k != BAD_7FFFFFFF && k != BAD_OTHER_GRAPH &&
                k != BAD_DESTROYED)
                continue; /* tvm_sum forwards to tvm_reduce: a sample is enough */
            p = probe_add(c, probe_reduce, M_BAD_ARG, arg, k, bad_expr_status(k), "%s = %s",
                          arg ? "axes[0]" : "body", bad_expr_name[k]);
            needles(p, arg ? "axes[0]" : "body", NULL, NULL);
        }
    if (!sum) {
        static const int kinds[] = {4, -1, INT_MAX, INT_MIN};
        for (int k = 0; k < 4; k++) {
            p = probe_add(c, probe_reduce, M_CUSTOM, 0, 0, TVM_ERR_INVALID_ARGUMENT, "kind %d",
                          kinds[k]);
            p->value = kinds[k];
            needles(p, "kind", NULL, NULL);
        }
    }
    static const int naxes[] = {0, -1, 33, INT_MAX, INT_MIN};
    for (int k = 0; k < 5; k++) {
        if (sum && k > 1) continue;
        p = probe_add(c, probe_reduce, M_CUSTOM, 0, 1, TVM_ERR_INVALID_ARGUMENT, "naxes %d",
                      naxes[k]);
        p->value = naxes[k];
        needles(p, "naxes", NULL, NULL);
    }
    static const struct { const char *what; int expect; const char *n1, *n2; } cases[] = {
        {"axes NULL", TVM_ERR_INVALID_ARGUMENT, "axes", NULL},
        {"bool body", TVM_ERR_DTYPE, "bool", NULL},
        {"axis made by tvm_iter_var", TVM_ERR_INVALID_ARGUMENT, "axes[0]", "reduction axis"},
        {"the same axis twice", TVM_ERR_INVALID_ARGUMENT, "kax", "twice"},
        {"two axes", TVM_OK, NULL, NULL},
        {"int8 body", TVM_OK, NULL, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_reduce, M_CUSTOM, 0, k + 2, cases[k].expect, "%s", cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_reduce, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}
static void add_tvm_reduce_probes(const contract *c) { add_reduce_probes(c, false); }
static void add_tvm_sum_probes(const contract *c) { add_reduce_probes(c, true); }

/* ========================================================================= */
/* User functions: tvm_call_extern                                            */
/* ========================================================================= */

/* Only built into graphs here, never called. */
static double ext_fn(double x, int32_t k) { return x * k; }

enum { EXT_FN_NULL, EXT_NAME_NULL, EXT_NAME_LONG, EXT_NARGS_9, EXT_NARGS_NEG, EXT_NARGS_MIN,
       EXT_DTYPES_NULL, EXT_ARGS_NULL, EXT_MISMATCH, EXT_ARG_F16, EXT_RET_BF16, EXT_ARG_BAD,
       EXT_RET_BAD, EXT_ZERO_ARGS, EXT_BOOLS, EXT_EMPTY_NAME };

static void probe_call_extern(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    const char *name = "ext_fn";
    void *fn = (void *)ext_fn;
    tvm_dtype ret = TVM_FLOAT64;
    tvm_dtype at[2] = {TVM_FLOAT64, TVM_INT32};
    tvm_expr args[2] = {tvm_const_float(g, TVM_FLOAT64, 1.5), tvm_const_int(g, TVM_INT32, 3)};
    int nargs = 2;
    const tvm_dtype *pat = at;
    const tvm_expr *pargs = args;
    switch (p->mode) {
    case M_NULL_GRAPH:
        record_builder(o, NULL, tvm_call_extern(NULL, name, fn, ret, nargs, at, args).id);
        return;
    case M_BAD_ARG: args[p->arg] = bad_expr(g, p->kind); break;
    case M_CUSTOM:
        switch (p->kind) {
        case EXT_FN_NULL: fn = NULL; break;
        case EXT_NAME_NULL: name = NULL; break;
        case EXT_NAME_LONG: name = long_name; break;
        case EXT_NARGS_9: nargs = 9; break;
        case EXT_NARGS_NEG: nargs = -1; break;
        case EXT_NARGS_MIN: nargs = INT_MIN; break;
        case EXT_DTYPES_NULL: pat = NULL; break;
        case EXT_ARGS_NULL: pargs = NULL; break;
        case EXT_MISMATCH: args[1] = tvm_const_int(g, TVM_INT64, 3); break;
        case EXT_ARG_F16:
            at[0] = TVM_FLOAT16;
            args[0] = tvm_const_float(g, TVM_FLOAT16, 1.5);
            break;
        case EXT_RET_BF16: ret = TVM_BFLOAT16; break;
        case EXT_ARG_BAD: at[0] = (tvm_dtype)p->value; break;
        case EXT_RET_BAD: ret = (tvm_dtype)p->value; break;
        case EXT_ZERO_ARGS:
            nargs = 0;
            pat = NULL;
            pargs = NULL;
            break;
        case EXT_BOOLS:
            ret = at[0] = at[1] = TVM_BOOL;
            args[0] = args[1] = operand_of(g, TVM_BOOL);
            break;
        case EXT_EMPTY_NAME: name = ""; break;
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_call_extern(g, name, fn, ret, nargs, pat, pargs).id);
}

static void add_tvm_call_extern_probes(const contract *c) {
    probe_add(c, probe_call_extern, M_OK, 0, 0, TVM_OK, "double f(double, int32)");
    probe *p = probe_add(c, probe_call_extern, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int arg = 0; arg < 2; arg++)
        for (int k = 0; k < NUM_BAD_EXPR; k++) {
            p = probe_add(c, probe_call_extern, M_BAD_ARG, arg, k, bad_expr_status(k),
                          "args[%d] = %s", arg, bad_expr_name[k]);
            needles(p, arg ? "args[1]" : "args[0]", NULL, NULL);
        }
    static const struct { int kind; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {EXT_FN_NULL, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn", "NULL"},
        {EXT_NAME_NULL, "name NULL", TVM_ERR_INVALID_ARGUMENT, "name", "NULL"},
        {EXT_NAME_LONG, "name 4999 bytes", TVM_ERR_INVALID_ARGUMENT, "name", NULL},
        {EXT_NARGS_9, "nargs 9", TVM_ERR_INVALID_ARGUMENT, "nargs", "9"},
        {EXT_NARGS_NEG, "nargs -1", TVM_ERR_INVALID_ARGUMENT, "nargs", "-1"},
        {EXT_NARGS_MIN, "nargs INT_MIN", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {EXT_DTYPES_NULL, "arg_dtypes NULL", TVM_ERR_INVALID_ARGUMENT, "arg_dtypes", "NULL"},
        {EXT_ARGS_NULL, "args NULL", TVM_ERR_INVALID_ARGUMENT, "args", "NULL"},
        {EXT_MISMATCH, "args[1] int64 for an int32 parameter", TVM_ERR_DTYPE, "argument 1",
         "int64"},
        {EXT_ARG_F16, "float16 parameter", TVM_ERR_DTYPE, "arg_dtypes[0]", "float16"},
        {EXT_RET_BF16, "bfloat16 result", TVM_ERR_DTYPE, "ret_dtype", "bfloat16"},
        {EXT_ZERO_ARGS, "no arguments, NULL arrays", TVM_OK, NULL, NULL},
        {EXT_BOOLS, "bool f(bool, bool)", TVM_OK, NULL, NULL},
        {EXT_EMPTY_NAME, "empty name", TVM_OK, NULL, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_call_extern, M_CUSTOM, 0, cases[k].kind, cases[k].expect, "%s",
                      cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    for (size_t k = 0; k < sizeof bad_dtypes / sizeof bad_dtypes[0]; k++) {
        p = probe_add(c, probe_call_extern, M_CUSTOM, 0, EXT_ARG_BAD, TVM_ERR_DTYPE,
                      "arg_dtypes[0] = %d", bad_dtypes[k]);
        p->value = bad_dtypes[k];
        needles(p, "arg_dtypes[0]", NULL, NULL);
        p = probe_add(c, probe_call_extern, M_CUSTOM, 0, EXT_RET_BAD, TVM_ERR_DTYPE,
                      "ret_dtype = %d", bad_dtypes[k]);
        p->value = bad_dtypes[k];
        needles(p, "ret_dtype", NULL, NULL);
    }
    p = probe_add(c, probe_call_extern, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

/* ========================================================================= */
/* Tensors: placeholder, compute, constant, queries                           */
/* ========================================================================= */

static const int bad_ndims[] = {-1, 33, INT_MAX, INT_MIN};

static void probe_placeholder(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr dims[TVM_MAX_NDIM + 1];
    for (int d = 0; d <= TVM_MAX_NDIM; d++) dims[d] = c64(g, 1);
    dims[0] = c64(g, 4);
    const tvm_expr *shape = dims;
    const char *name = "Ph";
    tvm_dtype dt = TVM_FLOAT32;
    int ndim = 2;
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, tvm_placeholder(NULL, "Ph", dt, 1, dims).id); return;
    case M_BAD_ARG: dims[0] = bad_expr(g, p->kind); break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: dt = (tvm_dtype)p->value; break;
        case 1: ndim = (int)p->value; break;
        case 2: shape = NULL; break;
        case 3: dims[0] = c64(g, -5); break;
        case 4: dims[0] = tvm_const_float(g, TVM_FLOAT32, 4); break;
        case 5: dims[0] = tvm_iter_var(g, "idim"); break;
        case 6: name = NULL; break;
        case 7: name = long_name; break;
        case 8: ndim = 0; shape = NULL; break;              /* scalar */
        case 9: ndim = TVM_MAX_NDIM; break;                 /* the largest rank */
        case 10: dims[1] = c64(g, INT64_MIN); break;
        case 11: dims[0] = tvm_mul(g, tvm_size_var(g, "n"), c64(g, 2)); break;
        case 12: dims[0] = c64(g, 0); break;
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_placeholder(g, name, dt, ndim, shape).id);
}

static void add_tvm_placeholder_probes(const contract *c) {
    probe *p = probe_add(c, probe_placeholder, M_OK, 0, 0, TVM_OK, "valid 2-d");
    p = probe_add(c, probe_placeholder, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_EXPR; k++) {
        p = probe_add(c, probe_placeholder, M_BAD_ARG, 0, k, bad_expr_status(k),
                      "shape[0] = %s", bad_expr_name[k]);
        needles(p, "shape[0]", NULL, NULL);
    }
    for (size_t k = 0; k < sizeof bad_dtypes / sizeof bad_dtypes[0]; k++) {
        p = probe_add(c, probe_placeholder, M_CUSTOM, 0, 0, TVM_ERR_DTYPE, "dtype %d",
                      bad_dtypes[k]);
        p->value = bad_dtypes[k];
        needles(p, "dtype", NULL, NULL);
    }
    for (int k = 0; k < 4; k++) {
        p = probe_add(c, probe_placeholder, M_CUSTOM, 0, 1, TVM_ERR_SHAPE, "ndim %d",
                      bad_ndims[k]);
        p->value = bad_ndims[k];
        needles(p, "ndim", NULL, NULL);
    }
    static const struct { int kind; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {2, "shape NULL with ndim 2", TVM_ERR_INVALID_ARGUMENT, "shape", NULL},
        {3, "negative dim -5", TVM_ERR_SHAPE, "-5", "dimension 0"},
        {4, "float dim", TVM_ERR_SHAPE, "dimension 0", "integer"},
        {5, "iteration-variable dim", TVM_ERR_SHAPE, "dimension 0", "size variables"},
        {6, "name NULL", TVM_OK, NULL, NULL},
        {7, "name 4999 bytes", TVM_ERR_INVALID_ARGUMENT, "name", NULL},
        {8, "scalar, shape NULL", TVM_OK, NULL, NULL},
        {9, "ndim 32", TVM_OK, NULL, NULL},
        {10, "dim INT64_MIN", TVM_ERR_SHAPE, "dimension 1", "negative"},
        {11, "dim n * 2", TVM_OK, NULL, NULL},
        {12, "dim 0", TVM_OK, NULL, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_placeholder, M_CUSTOM, 0, cases[k].kind, cases[k].expect, "%s",
                      cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_placeholder, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void probe_compute(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr n = c64(g, 4);
    tvm_tensor A = tvm_placeholder(g, "Acomp", TVM_FLOAT32, 1, &n);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_expr shape[TVM_MAX_NDIM + 1], iters[TVM_MAX_NDIM + 1];
    for (int d = 0; d <= TVM_MAX_NDIM; d++) {
        shape[d] = c64(g, 1);
        iters[d] = tvm_iter_var(g, "it");
    }
    shape[0] = n;
    iters[0] = i;
    tvm_expr body = tvm_load(g, A, &i);
    const tvm_expr *sh = shape, *it = iters;
    const char *name = "Ccomp";
    int ndim = 1;
    switch (p->mode) {
    case M_NULL_GRAPH:
        record_builder(o, NULL, tvm_compute(NULL, "C", 1, shape, iters, body).id);
        return;
    case M_BAD_ARG: {
        tvm_expr e = bad_expr(g, p->kind);
        if (p->arg == 0) shape[0] = e;
        else if (p->arg == 1) iters[0] = e;
        else body = e;
        break;
    }
    case M_CUSTOM:
        switch (p->kind) {
        case 0: ndim = (int)p->value; break;
        case 1: sh = NULL; break;
        case 2: it = NULL; break;
        case 3: iters[0] = tvm_size_var(g, "msize"); break;
        case 4: ndim = 2; iters[1] = i; break;
        case 5: shape[0] = c64(g, -2); break;
        case 6: body = tvm_load(g, A, (tvm_expr[]){tvm_iter_var(g, "jfree")}); break;
        case 7: body = tvm_load(g, A, (tvm_expr[]){tvm_reduce_axis(g, "kred", n)}); break;
        case 8: name = NULL; break;
        case 9: ndim = 0; sh = NULL; it = NULL; body = tvm_const_float(g, TVM_FLOAT32, 1); break;
        case 10: ndim = TVM_MAX_NDIM; break;
        case 11: body = tvm_add(g, body, tvm_cast(g, TVM_FLOAT32, tvm_size_var(g, "sv"))); break;
        case 12: shape[0] = tvm_const_int(g, TVM_INT32, 4); break; /* int32 dim */
        case 13: name = long_name; break;
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_compute(g, name, ndim, sh, it, body).id);
}

static void add_tvm_compute_probes(const contract *c) {
    probe *p = probe_add(c, probe_compute, M_OK, 0, 0, TVM_OK, "valid 1-d");
    p = probe_add(c, probe_compute, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    static const char *const argname[3] = {"shape[0]", "iters[0]", "body"};
    for (int arg = 0; arg < 3; arg++)
        for (int k = 0; k < NUM_BAD_EXPR; k++) {
            p = probe_add(c, probe_compute, M_BAD_ARG, arg, k, bad_expr_status(k), "%s = %s",
                          argname[arg], bad_expr_name[k]);
            needles(p, argname[arg], NULL, NULL);
        }
    for (int k = 0; k < 4; k++) {
        p = probe_add(c, probe_compute, M_CUSTOM, 0, 0, TVM_ERR_SHAPE, "ndim %d", bad_ndims[k]);
        p->value = bad_ndims[k];
        needles(p, "ndim", NULL, NULL);
    }
    static const struct { int kind; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {1, "shape NULL", TVM_ERR_INVALID_ARGUMENT, "shape", NULL},
        {2, "iters NULL", TVM_ERR_INVALID_ARGUMENT, "iters", NULL},
        {3, "a size variable as iteration variable", TVM_ERR_INVALID_ARGUMENT, "iters[0]", "iter"},
        {4, "one iteration variable for two axes", TVM_ERR_INVALID_ARGUMENT, "Ccomp", "two axes"},
        {5, "negative dim -2", TVM_ERR_SHAPE, "-2", NULL},
        {6, "body uses a foreign iteration variable", TVM_ERR_INVALID_ARGUMENT, "jfree", NULL},
        {7, "body uses a reduction axis outside a reduction", TVM_ERR_INVALID_ARGUMENT, "kred", NULL},
        {8, "name NULL", TVM_OK, NULL, NULL},
        {9, "scalar", TVM_OK, NULL, NULL},
        {10, "ndim 32", TVM_OK, NULL, NULL},
        {11, "body uses a size variable", TVM_OK, NULL, NULL},
        {12, "int32 dim", TVM_OK, NULL, NULL},
        {13, "name 4999 bytes", TVM_ERR_INVALID_ARGUMENT, "name", NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_compute, M_CUSTOM, 0, cases[k].kind, cases[k].expect, "%s",
                      cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_compute, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void probe_constant(const probe *p, probe_out *o) {
    static const float data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    tvm_graph *g = new_graph();
    int64_t shape[TVM_MAX_NDIM + 1];
    for (int d = 0; d <= TVM_MAX_NDIM; d++) shape[d] = 1;
    shape[0] = 4;
    const int64_t *sh = shape;
    const void *dp = data;
    tvm_dtype dt = TVM_FLOAT32;
    int ndim = 1;
    const char *name = "Wc";
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, tvm_constant(NULL, "W", dt, 1, shape, data).id); return;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: dt = (tvm_dtype)p->value; break;
        case 1: ndim = (int)p->value; break;
        case 2: sh = NULL; break;
        case 3: dp = NULL; break;
        case 4: shape[0] = -4; break;
        case 5: shape[0] = INT64_MIN; break;
        case 6: shape[0] = INT64_MAX; break;                       /* bytes overflow size_t */
        case 7: shape[0] = INT64_MAX; shape[1] = 2; ndim = 2; break; /* count overflows int64 */
        case 8: shape[0] = INT64_C(1) << 32; shape[1] = INT64_C(1) << 32; ndim = 2; break;
        case 9: shape[0] = INT64_C(1) << 40; break;               /* 4 TiB: over the limit */
        case 10: shape[0] = INT64_MAX; dt = TVM_INT8; break;
        case 11: shape[0] = 0; dp = NULL; break;                   /* no elements, no data */
        case 12: shape[0] = 0; shape[1] = INT64_MAX; ndim = 2; dp = NULL; break;
        case 13: name = NULL; break;
        case 14: ndim = 0; sh = NULL; break;                       /* scalar */
        case 15: shape[0] = 2; shape[1] = INT64_C(1) << 62; ndim = 2; break; /* 2^63 overflows */
        case 16: name = long_name; break;
        }
        break;
    case M_STICKY: make_sticky(g); break;
    }
    record_builder(o, g, tvm_constant(g, name, dt, ndim, sh, dp).id);
}

static void add_tvm_constant_probes(const contract *c) {
    probe *p = probe_add(c, probe_constant, M_OK, 0, 0, TVM_OK, "valid 1-d");
    p = probe_add(c, probe_constant, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (size_t k = 0; k < sizeof bad_dtypes / sizeof bad_dtypes[0]; k++) {
        p = probe_add(c, probe_constant, M_CUSTOM, 0, 0, TVM_ERR_DTYPE, "dtype %d", bad_dtypes[k]);
        p->value = bad_dtypes[k];
        needles(p, "dtype", NULL, NULL);
    }
    for (int k = 0; k < 4; k++) {
        p = probe_add(c, probe_constant, M_CUSTOM, 0, 1, TVM_ERR_SHAPE, "ndim %d", bad_ndims[k]);
        p->value = bad_ndims[k];
        needles(p, "ndim", NULL, NULL);
    }
    static const struct { int kind; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {2, "shape NULL", TVM_ERR_INVALID_ARGUMENT, "shape", NULL},
        {3, "data NULL", TVM_ERR_INVALID_ARGUMENT, "data", NULL},
        {4, "negative dim -4", TVM_ERR_SHAPE, "-4", NULL},
        {5, "dim INT64_MIN", TVM_ERR_SHAPE, "negative", NULL},
        {6, "dim INT64_MAX float32 (bytes overflow size_t)", TVM_ERR_LIMIT, "bytes", NULL},
        {7, "dims INT64_MAX x 2 (count overflows int64)", TVM_ERR_SHAPE, "overflow", NULL},
        {8, "dims 2^32 x 2^32", TVM_ERR_SHAPE, "overflow", NULL},
        {9, "dim 2^40 float32 (4 TiB)", TVM_ERR_LIMIT, "bytes", NULL},
        {10, "dim INT64_MAX int8", TVM_ERR_LIMIT, "bytes", NULL},
        {11, "zero elements, data NULL", TVM_OK, NULL, NULL},
        {12, "dims 0 x INT64_MAX, data NULL", TVM_OK, NULL, NULL},
        {13, "name NULL", TVM_OK, NULL, NULL},
        {14, "scalar", TVM_OK, NULL, NULL},
        {15, "dims 2 x 2^62", TVM_ERR_SHAPE, "overflow", NULL},
        {16, "name 4999 bytes", TVM_ERR_INVALID_ARGUMENT, "name", NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_constant, M_CUSTOM, 0, cases[k].kind, cases[k].expect, "%s",
                      cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_constant, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

static void probe_tensor_info(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr n = c64(g, 4);
    tvm_tensor A = tvm_placeholder(g, "Ainfo", TVM_INT16, 1, &n);
    int nd = -77;
    tvm_dtype dt = (tvm_dtype)-77;
    switch (p->mode) {
    case M_NULL_GRAPH: record(o, tvm_tensor_info(NULL, A, &nd, &dt)); break;
    case M_BAD_ARG: record(o, tvm_tensor_info(g, bad_tensor(g, p->kind), &nd, &dt)); break;
    case M_CUSTOM: record(o, tvm_tensor_info(g, A, NULL, NULL)); return;
    case M_OK:
        record(o, tvm_tensor_info(g, A, &nd, &dt));
        require(o, nd == 1 && dt == TVM_INT16, "got ndim %d dtype %d", nd, (int)dt);
        return;
    }
    require(o, nd == -77 && dt == (tvm_dtype)-77, "out-parameters written on failure");
}

static void add_tvm_tensor_info_probes(const contract *c) {
    probe_add(c, probe_tensor_info, M_OK, 0, 0, TVM_OK, "valid");
    probe *p = probe_add(c, probe_tensor_info, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_TENSOR; k++) {
        p = probe_add(c, probe_tensor_info, M_BAD_ARG, 0, k, bad_tensor_status(k), "t = %s",
                      bad_tensor_name[k]);
        needles(p, "tensor", NULL, NULL);
    }
    probe_add(c, probe_tensor_info, M_CUSTOM, 0, 0, TVM_OK, "both out-pointers NULL");
}

static void probe_expr_dtype(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr e = tvm_const_int(g, TVM_UINT8, 7);
    tvm_dtype dt = (tvm_dtype)-77;
    switch (p->mode) {
    case M_NULL_GRAPH: record(o, tvm_expr_dtype(NULL, e, &dt)); break;
    case M_BAD_ARG: record(o, tvm_expr_dtype(g, bad_expr(g, p->kind), &dt)); break;
    case M_CUSTOM: record(o, tvm_expr_dtype(g, e, NULL)); return;
    case M_OK:
        record(o, tvm_expr_dtype(g, e, &dt));
        require(o, dt == TVM_UINT8, "got dtype %d", (int)dt);
        return;
    }
    require(o, dt == (tvm_dtype)-77, "out-parameter written on failure");
}

static void add_tvm_expr_dtype_probes(const contract *c) {
    probe_add(c, probe_expr_dtype, M_OK, 0, 0, TVM_OK, "valid");
    probe *p = probe_add(c, probe_expr_dtype, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_EXPR; k++) {
        p = probe_add(c, probe_expr_dtype, M_BAD_ARG, 0, k, bad_expr_status(k), "e = %s",
                      bad_expr_name[k]);
        needles(p, "expression", NULL, NULL);
    }
    p = probe_add(c, probe_expr_dtype, M_CUSTOM, 0, 0, TVM_ERR_INVALID_ARGUMENT, "dtype NULL");
    needles(p, "dtype", NULL, NULL);
}

/* ========================================================================= */
/* Graph lifetime and printing                                                */
/* ========================================================================= */

static void probe_graph_create(const probe *p, probe_out *o) {
    tvm_graph *g = tvm_graph_create(p->mode == M_OK ? ctx : NULL);
    capture_msg(o);
    o->status = g ? TVM_OK : TVM_ERR_INVALID_ARGUMENT; /* NULL return signals the error */
    tvm_graph_destroy(g);
}

static void add_tvm_graph_create_probes(const contract *c) {
    probe_add(c, probe_graph_create, M_OK, 0, 0, TVM_OK, "valid");
    probe *p = probe_add(c, probe_graph_create, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "ctx NULL (returns NULL)");
    needles(p, "ctx", "NULL", NULL);
}

static void probe_graph_destroy(const probe *p, probe_out *o) {
    if (p->mode == M_NULL_GRAPH) {
        tvm_graph_destroy(NULL);
    } else {
        tvm_graph *g = new_graph();
        if (p->mode == M_STICKY) make_sticky(g);
        else (void)tvm_placeholder(g, "Adestroy", TVM_FLOAT32, 1, (tvm_expr[]){c64(g, 3)});
        tvm_graph_destroy(g);
    }
    o->status = TVM_OK;
}

static void add_tvm_graph_destroy_probes(const contract *c) {
    probe_add(c, probe_graph_destroy, M_NULL_GRAPH, 0, 0, TVM_OK, "NULL accepted");
    probe_add(c, probe_graph_destroy, M_OK, 0, 0, TVM_OK, "a graph with nodes");
    probe_add(c, probe_graph_destroy, M_STICKY, 0, 0, TVM_OK, "a failed graph");
}

static void probe_graph_status(const probe *p, probe_out *o) {
    if (p->mode == M_NULL_GRAPH) {
        record(o, tvm_graph_status(NULL));
        return;
    }
    tvm_graph *g = new_graph();
    if (p->mode == M_STICKY) {
        make_sticky(g);
        /* a later failure elsewhere replaces the thread's message ... */
        tvm_graph *h = tvm_graph_create(ctx);
        (void)tvm_const_int(h, (tvm_dtype)0, 1);
        tvm_graph_destroy(h);
    }
    /* ... and tvm_graph_status copies the graph's first error back */
    record(o, tvm_graph_status(g));
}

static void add_tvm_graph_status_probes(const contract *c) {
    probe_add(c, probe_graph_status, M_OK, 0, 0, TVM_OK, "fresh graph");
    probe *p = probe_add(c, probe_graph_status, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    p = probe_add(c, probe_graph_status, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "failed graph restores its message");
    needles(p, "999", "int8", NULL);
}

static void probe_graph_print(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr n = c64(g, 4);
    tvm_expr i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "Aprint", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_compute(g, "Bprint", 1, &n, &i, tvm_exp(g, tvm_load(g, A, &i)));
    tvm_tensor list[2] = {B, A};
    char *text = (char *)(uintptr_t)0x1;
    switch (p->mode) {
    case M_OK:
        record(o, tvm_graph_print(g, p->kind, p->kind ? list : NULL, &text));
        require(o, o->status != TVM_OK || (text && strstr(text, "Bprint")),
                "text does not name Bprint");
        if (o->status == TVM_OK) tvm_free(text);
        return;
    case M_NULL_GRAPH: record(o, tvm_graph_print(NULL, 1, list, &text)); break;
    case M_BAD_ARG:
        list[0] = bad_tensor(g, p->kind);
        record(o, tvm_graph_print(g, 2, list, &text));
        break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: record(o, tvm_graph_print(g, 1, list, NULL)); return;
        case 1: record(o, tvm_graph_print(g, (int)p->value, list, &text)); break;
        case 2: record(o, tvm_graph_print(g, 1, NULL, &text)); break;
        }
        break;
    case M_STICKY:
        make_sticky(g);
        record(o, tvm_graph_print(g, 1, list, &text));
        if (o->status == TVM_OK) tvm_free(text);
        return;
    }
    require(o, text == (char *)(uintptr_t)0x1, "text written on failure");
}

static void add_tvm_graph_print_probes(const contract *c) {
    probe_add(c, probe_graph_print, M_OK, 0, 0, TVM_OK, "all tensors (n = 0)");
    probe_add(c, probe_graph_print, M_OK, 0, 2, TVM_OK, "two tensors");
    probe *p = probe_add(c, probe_graph_print, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_TENSOR; k++) {
        p = probe_add(c, probe_graph_print, M_BAD_ARG, 0, k, bad_tensor_status(k),
                      "tensors[0] = %s", bad_tensor_name[k]);
        needles(p, "tensors[0]", NULL, NULL);
    }
    p = probe_add(c, probe_graph_print, M_CUSTOM, 0, 0, TVM_ERR_INVALID_ARGUMENT, "text NULL");
    needles(p, "text", NULL, NULL);
    static const int bad_n[] = {-1, INT_MIN};
    for (int k = 0; k < 2; k++) {
        p = probe_add(c, probe_graph_print, M_CUSTOM, 0, 1, TVM_ERR_INVALID_ARGUMENT, "n %d",
                      bad_n[k]);
        p->value = bad_n[k];
        needles(p, "n", NULL, NULL);
    }
    p = probe_add(c, probe_graph_print, M_CUSTOM, 0, 2, TVM_ERR_INVALID_ARGUMENT,
                  "tensors NULL with n 1");
    needles(p, "tensor", NULL, NULL);
    /* printing reads the graph; a failed graph still prints what it has */
    probe_add(c, probe_graph_print, M_STICKY, 0, 0, TVM_OK, "failed graph");
}

/* ========================================================================= */
/* Status strings, last error, version, free                                  */
/* ========================================================================= */

static void probe_status_string(const probe *p, probe_out *o) {
    o->status = TVM_OK;
    if (p->mode == M_OK) {
        for (int s = 0; s <= TVM_ERR_INVALID_HANDLE; s++) {
            const char *name = tvm_status_string((tvm_status)s);
            require(o, name && strncmp(name, "TVM_", 4) == 0, "status %d has name \"%s\"", s,
                    name ? name : "(null)");
        }
        return;
    }
    const char *name = tvm_status_string((tvm_status)p->value);
    require(o, name && strcmp(name, "unknown status") == 0, "status %lld has name \"%s\"",
            (long long)p->value, name ? name : "(null)");
}

static void add_tvm_status_string_probes(const contract *c) {
    probe_add(c, probe_status_string, M_OK, 0, 0, TVM_OK, "every status has a TVM_ name");
    static const int vals[] = {-1, 15, 99, INT_MAX, INT_MIN};
    for (int k = 0; k < 5; k++) {
        probe *p = probe_add(c, probe_status_string, M_CUSTOM, 0, 0, TVM_OK,
                             "status %d is unknown", vals[k]);
        p->value = vals[k];
    }
}

static void *fresh_thread_error(void *arg) {
    const char **out = arg;
    *out = tvm_last_error();
    return NULL;
}

static void probe_last_error(const probe *p, probe_out *o) {
    o->status = TVM_OK;
    if (p->mode == M_OK) { /* a thread that never failed reads "" */
        const char *m = (const char *)(uintptr_t)0x1;
        pthread_t t;
        if (pthread_create(&t, NULL, fresh_thread_error, &m) != 0) {
            require(o, false, "pthread_create failed");
            return;
        }
        pthread_join(t, NULL);
        require(o, m != NULL && m != (const char *)(uintptr_t)0x1 && m[0] == '\0',
                "fresh thread's message is not \"\"");
        return;
    }
    /* a successful call leaves the last failure's message in place */
    tvm_graph *g = new_graph();
    (void)tvm_graph_status(NULL);
    char before[256];
    snprintf(before, sizeof before, "%s", tvm_last_error());
    (void)tvm_const_int(g, TVM_INT32, 5);
    require(o, strcmp(before, tvm_last_error()) == 0, "a successful call changed the message");
}

static void add_tvm_last_error_probes(const contract *c) {
    probe_add(c, probe_last_error, M_OK, 0, 0, TVM_OK, "fresh thread reads \"\"");
    probe_add(c, probe_last_error, M_CUSTOM, 0, 0, TVM_OK, "kept across a successful call");
}

static void probe_version(const probe *p, probe_out *o) {
    (void)p;
    o->status = TVM_OK;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TVMC_VERSION_MAJOR, TVMC_VERSION_MINOR,
             TVMC_VERSION_PATCH);
    const char *v = tvm_version();
    require(o, v && strcmp(v, want) == 0, "tvm_version() is \"%s\", header says %s",
            v ? v : "(null)", want);
}

static void add_tvm_version_probes(const contract *c) {
    probe_add(c, probe_version, M_OK, 0, 0, TVM_OK, "matches the header");
}

static void probe_free(const probe *p, probe_out *o) {
    o->status = TVM_OK;
    if (p->mode == M_NULL_GRAPH) {
        tvm_free(NULL);
        return;
    }
    tvm_graph *g = new_graph();
    char *text = NULL;
    require(o, tvm_graph_print(g, 0, NULL, &text) == TVM_OK, "graph_print failed");
    tvm_free(text);
}

static void add_tvm_free_probes(const contract *c) {
    probe_add(c, probe_free, M_NULL_GRAPH, 0, 0, TVM_OK, "NULL accepted");
    probe_add(c, probe_free, M_OK, 0, 0, TVM_OK, "text from tvm_graph_print");
}

/* ========================================================================= */
/* Context                                                                    */
/* ========================================================================= */

static void probe_context_create(const probe *p, probe_out *o) {
    tvm_context_options opts;
    memset(&opts, 0, sizeof opts);
    opts.struct_size = sizeof opts;
    const tvm_context_options *op = &opts;
    tvm_context *out = (tvm_context *)(uintptr_t)0x1;
    tvm_context **outp = &out;
    switch (p->kind) {
    case 0: break;
    case 1: op = NULL; break;
    case 2: outp = NULL; break;
    case 3: opts.struct_size = (size_t)p->value; break;
    case 4: opts.num_threads = (int32_t)p->value; break;
    case 5: opts.function_cache_capacity = (int32_t)p->value; break;
    case 6: opts.shape_cache_capacity = (int32_t)p->value; break;
    case 7: opts.flags = (uint32_t)p->value; break;
    case 8: /* a prefix of the struct: the rest is default */
        opts.struct_size = (size_t)p->value;
        opts.num_threads = -5; /* beyond the prefix: must be ignored */
        break;
    }
    record(o, tvm_context_create(op, outp));
    if (o->status == TVM_OK) {
        require(o, out && out != (tvm_context *)(uintptr_t)0x1, "out not set");
        if (p->kind == 4 && p->value > 0)
            require(o, tvm_context_num_threads(out) == p->value, "num_threads %d, asked %lld",
                    tvm_context_num_threads(out), (long long)p->value);
        if (out != (tvm_context *)(uintptr_t)0x1) tvm_context_destroy(out);
    } else {
        require(o, out == (tvm_context *)(uintptr_t)0x1, "out written on failure");
    }
}

static void add_tvm_context_create_probes(const contract *c) {
    static const struct { int kind; int64_t v; const char *what; int expect; const char *n1; } cases[] = {
        {0, 0, "zeroed options", TVM_OK, NULL},
        {1, 0, "opts NULL (defaults)", TVM_OK, NULL},
        {2, 0, "out NULL", TVM_ERR_INVALID_ARGUMENT, "out"},
        {3, 0, "struct_size 0", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 1, "struct_size 1", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 7, "struct_size 7", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, (int64_t)sizeof(tvm_context_options) + 1, "struct_size too big by 1", TVM_ERR_VERSION, "struct_size"},
        {3, 4096, "struct_size 4096", TVM_ERR_VERSION, "struct_size"},
        {3, -1, "struct_size SIZE_MAX", TVM_ERR_VERSION, "struct_size"},
        {8, (int64_t)sizeof(size_t), "struct_size covering only struct_size", TVM_OK, NULL},
        {4, -1, "num_threads -1", TVM_ERR_INVALID_ARGUMENT, "num_threads"},
        {4, INT32_MIN, "num_threads INT32_MIN", TVM_ERR_INVALID_ARGUMENT, "num_threads"},
        {4, INT32_MAX, "num_threads INT32_MAX", TVM_ERR_INVALID_ARGUMENT, "num_threads"},
        {4, 1, "num_threads 1", TVM_OK, NULL},
        {4, 3, "num_threads 3", TVM_OK, NULL},
        {5, -1, "function_cache_capacity -1", TVM_ERR_INVALID_ARGUMENT, "function_cache_capacity"},
        {5, INT32_MIN, "function_cache_capacity INT32_MIN", TVM_ERR_INVALID_ARGUMENT, "function_cache_capacity"},
        {6, -1, "shape_cache_capacity -1", TVM_ERR_INVALID_ARGUMENT, "shape_cache_capacity"},
        {6, INT32_MIN, "shape_cache_capacity INT32_MIN", TVM_ERR_INVALID_ARGUMENT, "shape_cache_capacity"},
        {7, 1, "flags 0x1 (reserved)", TVM_ERR_INVALID_ARGUMENT, "flags"},
        {7, 0x80000000, "flags 0x80000000", TVM_ERR_INVALID_ARGUMENT, "flags"},
        {7, 0xffffffff, "flags 0xffffffff", TVM_ERR_INVALID_ARGUMENT, "flags"},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        probe *p = probe_add(c, probe_context_create, M_CUSTOM, 0, cases[k].kind,
                             cases[k].expect, "%s", cases[k].what);
        p->value = cases[k].v;
        needles(p, cases[k].n1, NULL, NULL);
    }
}

static void probe_context_destroy(const probe *p, probe_out *o) {
    o->status = TVM_OK;
    if (p->mode == M_NULL_GRAPH) {
        tvm_context_destroy(NULL);
        return;
    }
    /* functions outlive their context (they hold a reference) */
    tvm_context *c2 = NULL;
    require(o, tvm_context_create(NULL, &c2) == TVM_OK, "context_create failed");
    if (!c2) return;
    tvm_graph *g = tvm_graph_create(c2);
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_compute(g, "B", 1, &n, &i,
                               tvm_mul(g, tvm_load(g, A, &i), tvm_const_float(g, TVM_FLOAT32, 2)));
    tvm_function *fn = NULL;
    tvm_compile_options opts = tt_options(tt_targets[p->arg], 0, 0);
    require(o, tvm_compile(g, 1, &A, 1, &B, &opts, &fn) == TVM_OK, "compile failed: %s",
            tvm_last_error());
    tvm_graph_destroy(g);
    tvm_context_destroy(c2);
    if (!fn) return;
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(5)), *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(5));
    for (int k = 0; k < 5; k++) tt_set(a, k, k + 0.5);
    record(o, tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl}, 2));
    for (int k = 0; k < 5 && o->status == TVM_OK; k++)
        require(o, tt_get(b, k) == 2 * (k + 0.5), "B[%d] = %g", k, tt_get(b, k));
    tvm_function_release(fn);
    tt_free(a);
    tt_free(b);
}

static void add_tvm_context_destroy_probes(const contract *c) {
    probe_add(c, probe_context_destroy, M_NULL_GRAPH, 0, 0, TVM_OK, "NULL accepted");
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        probe_add(c, probe_context_destroy, M_OK, t, 0, TVM_OK,
                  "[%s] a function called after its context is destroyed", tt_targets[t]);
}

static void probe_num_threads(const probe *p, probe_out *o) {
    if (p->mode == M_NULL_GRAPH) {
        int n = tvm_context_num_threads(NULL);
        capture_msg(o);
        o->status = n <= 0 ? TVM_ERR_INVALID_ARGUMENT : TVM_OK; /* 0 signals the error */
        return;
    }
    int n = tvm_context_num_threads(ctx);
    o->status = TVM_OK;
    require(o, n >= 1, "default context has %d threads", n);
}

static void add_tvm_context_num_threads_probes(const contract *c) {
    probe_add(c, probe_num_threads, M_OK, 0, 0, TVM_OK, "default context");
    probe *p = probe_add(c, probe_num_threads, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "ctx NULL (returns 0)");
    needles(p, "ctx", "NULL", NULL);
}

static void probe_context_stats(const probe *p, probe_out *o) {
    union {
        tvm_cache_stats s;
        unsigned char bytes[sizeof(tvm_cache_stats) + 64];
    } u;
    memset(&u, 0xcd, sizeof u);
    u.s.struct_size = sizeof u.s;
    switch (p->kind) {
    case 0: record(o, tvm_context_stats(ctx, &u.s)); return;
    case 1: record(o, tvm_context_stats(NULL, &u.s)); return;
    case 2: record(o, tvm_context_stats(ctx, NULL)); return;
    case 3: u.s.struct_size = (size_t)p->value; break;
    }
    size_t sz = (size_t)p->value;
    record(o, tvm_context_stats(ctx, &u.s));
    require(o, u.s.struct_size == sz, "struct_size changed to %zu", u.s.struct_size);
    /* bytes past struct_size (or past the library's struct) stay untouched */
    size_t limit = sz < sizeof u.s ? sz : sizeof u.s;
    if (o->status != TVM_OK) limit = sizeof(size_t);
    for (size_t b = limit; b < sizeof u.bytes; b++)
        if (u.bytes[b] != 0xcd) {
            require(o, false, "byte %zu written (struct_size %zu)", b, sz);
            break;
        }
}

static void add_tvm_context_stats_probes(const contract *c) {
    static const struct { int kind; int64_t v; const char *what; int expect; const char *n1; } cases[] = {
        {0, 0, "valid", TVM_OK, NULL},
        {1, 0, "ctx NULL", TVM_ERR_INVALID_ARGUMENT, "ctx"},
        {2, 0, "stats NULL", TVM_ERR_INVALID_ARGUMENT, "stats"},
        {3, 0, "struct_size 0", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 1, "struct_size 1", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 7, "struct_size 7", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 16, "struct_size 16 (older caller): nothing written past it", TVM_OK, NULL},
        {3, (int64_t)sizeof(tvm_cache_stats) + 64, "struct_size larger (newer caller)", TVM_OK, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        probe *p = probe_add(c, probe_context_stats, M_CUSTOM, 0, cases[k].kind, cases[k].expect,
                             "%s", cases[k].what);
        p->value = cases[k].v;
        needles(p, cases[k].n1, NULL, NULL);
    }
}

/* ========================================================================= */
/* Compile                                                                    */
/* ========================================================================= */

static char long_target[10000];

static void probe_compile(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "Ain", TVM_FLOAT32, 1, &n);
    tvm_tensor B = tvm_placeholder(g, "Bin", TVM_FLOAT32, 1, &n);
    tvm_tensor C = tvm_compute(g, "Cout", 1, &n, &i,
                               tvm_add(g, tvm_load(g, A, &i), tvm_load(g, B, &i)));
    tvm_tensor ins[3] = {A, B, A}, outs[1] = {C};
    const tvm_tensor *inp = ins, *outp = outs;
    int nin = 2, nout = 1;
    tvm_compile_options opts = tt_options(NULL, 0, TVM_COMPILE_NO_CACHE);
    const tvm_compile_options *op = &opts;
    tvm_function *fn = (tvm_function *)(uintptr_t)0x1;
    tvm_function **fnp = &fn;
    tvm_graph *cg = g;
    switch (p->mode) {
    case M_NULL_GRAPH: cg = NULL; break;
    case M_BAD_ARG:
        if (p->arg == 0) ins[1] = bad_tensor(g, p->kind);
        else outs[0] = bad_tensor(g, p->kind);
        break;
    case M_STICKY: make_sticky(g); break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: fnp = NULL; break;
        case 1: nin = (int)p->value; break;
        case 2: nout = (int)p->value; break;
        case 3: inp = NULL; break;
        case 4: outp = NULL; break;
        case 5: ins[1] = C; break;                           /* a compute as input */
        case 6: outs[0] = A; break;                          /* a placeholder as output */
        case 7: nin = 1; break;                              /* Bin missing */
        case 8: nin = 3; break;                              /* Ain twice */
        case 9: opts.struct_size = (size_t)p->value; break;
        case 10: opts.opt_level = (int32_t)p->value; break;
        case 11: opts.flags = (uint32_t)p->value; break;
        case 12: opts.target = p->value == 0 ? "cuda" : p->value == 1 ? "" :
                               p->value == 2 ? "llvm -mcpu=notacpu" :
                               p->value == 3 ? "llvm -mattr=+notafeature" :
                               p->value == 4 ? "interp -mcpu=x86-64" :
                               p->value == 5 ? long_target :
                               p->value == 6 ? "llvm -mattr=-sse2" :
                               p->value == 7 ? "  interp  " : "vulkan";
            break;
        case 13: op = NULL; break;
        case 14: { /* a size variable that is no dimension of any argument */
            tvm_expr m = tvm_size_var(g, "mhidden");
            outs[0] = tvm_compute(g, "Chid", 1, &n, &i,
                                  tvm_add(g, tvm_load(g, A, &i),
                                          tvm_cast(g, TVM_FLOAT32, m)));
            nin = 1;
            break;
        }
        case 15: nin = 0; inp = NULL; outs[0] = tvm_compute(g, "Zc", 1, (tvm_expr[]){c64(g, 3)},
                                                      &i, tvm_const_float(g, TVM_FLOAT32, 1));
            break;
        case 16: opts.struct_size = sizeof(size_t); break; /* only struct_size: defaults */
        }
        break;
    }
    record(o, tvm_compile(cg, nin, inp, nout, outp, op, fnp));
    if (o->status == TVM_OK) {
        require(o, fn && fn != (tvm_function *)(uintptr_t)0x1, "out not set");
        if (fn != (tvm_function *)(uintptr_t)0x1) tvm_function_release(fn);
    } else {
        require(o, fn == (tvm_function *)(uintptr_t)0x1, "out written on failure");
    }
}

static void add_tvm_compile_probes(const contract *c) {
    probe_add(c, probe_compile, M_OK, 0, 0, TVM_OK, "valid");
    probe *p = probe_add(c, probe_compile, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int arg = 0; arg < 2; arg++)
        for (int k = 0; k < NUM_BAD_TENSOR; k++) {
            p = probe_add(c, probe_compile, M_BAD_ARG, arg, k, bad_tensor_status(k), "%s = %s",
                          arg ? "outputs[0]" : "inputs[1]", bad_tensor_name[k]);
            needles(p, arg ? "outputs[0]" : "inputs[1]", NULL, NULL);
        }
    p = probe_add(c, probe_compile, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph with a builder error");
    needles(p, "999", NULL, NULL);
    static const struct { int kind; int64_t v; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {0, 0, "out NULL", TVM_ERR_INVALID_ARGUMENT, "out", NULL},
        {1, -1, "nin -1", TVM_ERR_INVALID_ARGUMENT, "nin", NULL},
        {1, INT_MIN, "nin INT_MIN", TVM_ERR_INVALID_ARGUMENT, "nin", NULL},
        {1, INT_MAX, "nin INT_MAX", TVM_ERR_INVALID_ARGUMENT, "nin", NULL},
        {2, 0, "nout 0", TVM_ERR_INVALID_ARGUMENT, "nout", NULL},
        {2, -1, "nout -1", TVM_ERR_INVALID_ARGUMENT, "nout", NULL},
        {2, INT_MAX, "nout INT_MAX", TVM_ERR_INVALID_ARGUMENT, "nout", NULL},
        {3, 0, "inputs NULL", TVM_ERR_INVALID_ARGUMENT, "inputs", NULL},
        {4, 0, "outputs NULL", TVM_ERR_INVALID_ARGUMENT, "outputs", NULL},
        {5, 0, "a compute as input", TVM_ERR_INVALID_ARGUMENT, "Cout", NULL},
        {6, 0, "a placeholder as output", TVM_ERR_INVALID_ARGUMENT, "Ain", NULL},
        {7, 0, "a reached placeholder missing from inputs", TVM_ERR_INVALID_ARGUMENT, "Bin", NULL},
        {8, 0, "the same input twice", TVM_ERR_INVALID_ARGUMENT, "Ain", NULL},
        {9, 0, "opts struct_size 0", TVM_ERR_INVALID_ARGUMENT, "struct_size", NULL},
        {9, 1, "opts struct_size 1", TVM_ERR_INVALID_ARGUMENT, "struct_size", NULL},
        {9, (int64_t)sizeof(tvm_compile_options) + 1, "opts struct_size too big by 1", TVM_ERR_VERSION, "struct_size", NULL},
        {9, -1, "opts struct_size SIZE_MAX", TVM_ERR_VERSION, "struct_size", NULL},
        {16, 0, "opts struct_size covering only struct_size", TVM_OK, NULL, NULL},
        {10, 4, "opt_level 4", TVM_ERR_INVALID_ARGUMENT, "opt_level", NULL},
        {10, 7, "opt_level 7", TVM_ERR_INVALID_ARGUMENT, "opt_level", NULL},
        {10, -2, "opt_level -2", TVM_ERR_INVALID_ARGUMENT, "opt_level", NULL},
        {10, INT32_MAX, "opt_level INT32_MAX", TVM_ERR_INVALID_ARGUMENT, "opt_level", NULL},
        {10, INT32_MIN, "opt_level INT32_MIN", TVM_ERR_INVALID_ARGUMENT, "opt_level", NULL},
        {10, TVM_OPT_O0, "opt_level O0", TVM_OK, NULL, NULL},
        {11, 0x10, "flags 0x10 (unknown bit)", TVM_ERR_INVALID_ARGUMENT, "flags", NULL},
        {11, 0x80000000, "flags 0x80000000", TVM_ERR_INVALID_ARGUMENT, "flags", NULL},
        {11, 0xffffffff, "flags 0xffffffff", TVM_ERR_INVALID_ARGUMENT, "flags", NULL},
        {11, TVM_COMPILE_FAST_MATH | TVM_COMPILE_NO_INLINE | TVM_COMPILE_NO_CACHE, "all known flags", TVM_OK, NULL, NULL},
        {12, 0, "target cuda", TVM_ERR_UNSUPPORTED, "cuda", NULL},
        {12, 8, "target vulkan", TVM_ERR_UNSUPPORTED, "vulkan", NULL},
        {12, 1, "target \"\" (host default)", TVM_OK, NULL, NULL},
        {12, 2, "target -mcpu=notacpu", TVM_ERR_INVALID_ARGUMENT, "notacpu", NULL},
        {12, 3, "target -mattr=+notafeature", TVM_ERR_INVALID_ARGUMENT, "notafeature", NULL},
        {12, 4, "interp target with -mcpu", TVM_ERR_INVALID_ARGUMENT, "-mcpu", NULL},
        {12, 5, "target of 9999 bytes", TVM_ERR_UNSUPPORTED, "target", NULL},
        {12, 6, "target -mattr=-sse2 (breaks the x86-64 ABI)", TVM_ERR_UNSUPPORTED, "sse2", NULL},
        {12, 7, "target \"  interp  \"", TVM_OK, NULL, NULL},
        {13, 0, "opts NULL (defaults)", TVM_OK, NULL, NULL},
        {14, 0, "a size variable that is no argument dimension", TVM_ERR_SHAPE, "mhidden", NULL},
        {15, 0, "no inputs, inputs NULL", TVM_OK, NULL, NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_compile, M_CUSTOM, 0, cases[k].kind, cases[k].expect, "%s",
                      cases[k].what);
        p->value = cases[k].v;
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
}

/* ========================================================================= */
/* Function calls                                                             */
/* ========================================================================= */

/* Call mutations; each runs on every target. */
enum {
    CALL_OK, CALL_FN_NULL, CALL_ARGS_NULL, CALL_NARGS, CALL_ARG_NULL, CALL_DATA_NULL,
    CALL_OUT_DATA_NULL, CALL_DEVICE, CALL_DTYPE_CODE, CALL_DTYPE_BITS, CALL_LANES, CALL_NDIM,
    CALL_SHAPE_NULL, CALL_NEG_DIM_ALL, CALL_NEG_DIM_ONE, CALL_INCONSISTENT, CALL_STRIDE,
    CALL_BYTE_OFFSET, CALL_DATA_MISALIGNED, CALL_OFFSET_OVERFLOW, CALL_ALIAS, CALL_OVERLAP,
    CALL_OVERLAP_VIA_OFFSET, CALL_ZERO_NULL_DATA, CALL_ZERO_REAL_DATA, CALL_2D_OVERFLOW,
    CALL_2D_UNIT_STRIDE, CALL_SHIFT_OOB, CALL_GATHER, CALL_TWO_OVERLAP, CALL_TWO_BAD_SHAPE,
    CALL_FIXED_SHAPE, CALL_FIXED_OK, CALL_2D_BYTES_OVERFLOW, CALL_COMPACT_STRIDES,
    CALL_INPUT_TWICE, CALL_BYTE_OFFSET_OK, CALL_FIXED_DTYPE, CALL_MANY_OK, CALL_MANY_NULL,
    CALL_MANY_SHORT, CALL_MANY_DTYPE, CALL_OUTVAR, CALL_NOIN, CALL_NOIN_NARGS,
};

static bool bytes_all(const tt_tensor *t, unsigned char v) {
    const unsigned char *p = t->dl.data;
    for (size_t k = 0; k < t->nbytes; k++)
        if (p[k] != v) return false;
    return true;
}

static void probe_call_add(const probe *p, probe_out *o, tvm_function *fn) {
    const int64_t n = 8;
    tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, &n), *b = tt_alloc(TVM_FLOAT32, 1, &n),
              *c = tt_alloc(TVM_FLOAT32, 1, &n);
    tt_tensor *big = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(32));
    for (int k = 0; k < n; k++) {
        tt_set(a, k, k);
        tt_set(b, k, 100 + k);
    }
    tt_fill_bytes(c, 0xab);
    DLTensor *args[4] = {&a->dl, &b->dl, &c->dl, &a->dl};
    DLTensor *const *argp = args;
    const DLTensor sa = a->dl, sb = b->dl, sc = c->dl;
    int nargs = 3;
    int64_t shape2[TVM_MAX_NDIM + 8], neg = -8, seven = 7, stride = 1, zero = 0;
    for (int d = 0; d < TVM_MAX_NDIM + 8; d++) shape2[d] = d == 0 ? 8 : 1;
    DLTensor lo = big->dl, hi = big->dl;
    lo.shape = hi.shape = a->shape;
    tvm_function *cf = fn;
    switch (p->mode) {
    case CALL_FN_NULL: cf = NULL; break;
    case CALL_ARGS_NULL: argp = NULL; break;
    case CALL_NARGS: nargs = (int)p->value; break;
    case CALL_ARG_NULL: args[1] = NULL; break;
    case CALL_DATA_NULL: b->dl.data = NULL; break;
    case CALL_OUT_DATA_NULL: c->dl.data = NULL; break;
    case CALL_DEVICE: b->dl.device.device_type = (DLDeviceType)p->value; break;
    case CALL_DTYPE_CODE: b->dl.dtype.code = (uint8_t)p->value; break;
    case CALL_DTYPE_BITS: b->dl.dtype.bits = (uint8_t)p->value; break;
    case CALL_LANES: b->dl.dtype.lanes = (uint16_t)p->value; break;
    case CALL_NDIM: b->dl.ndim = (int32_t)p->value; b->dl.shape = shape2; break;
    case CALL_SHAPE_NULL: b->dl.shape = NULL; break;
    case CALL_NEG_DIM_ALL: a->dl.shape = b->dl.shape = c->dl.shape = &neg; break;
    case CALL_NEG_DIM_ONE: b->dl.shape = &neg; break;
    case CALL_INCONSISTENT: b->dl.shape = &seven; break;
    case CALL_STRIDE: stride = p->value; b->dl.strides = &stride; break;
    case CALL_COMPACT_STRIDES: b->dl.strides = &stride; c->dl.strides = &stride; break;
    case CALL_BYTE_OFFSET: b->dl.byte_offset = (uint64_t)p->value; break;
    case CALL_DATA_MISALIGNED: b->dl.data = (char *)b->dl.data + 1; break;
    case CALL_OFFSET_OVERFLOW: b->dl.byte_offset = UINT64_MAX - 1; break;
    case CALL_ALIAS: args[2] = args[1]; break;
    case CALL_OVERLAP: /* output starts one element into input Ain */
        hi.byte_offset = 4;
        args[0] = &lo;
        args[2] = &hi;
        break;
    case CALL_OVERLAP_VIA_OFFSET: /* same memory, reached by data and byte_offset */
        hi.data = (char *)big->dl.data + 16;
        lo.byte_offset = 16;
        args[1] = &lo;
        args[2] = &hi;
        break;
    case CALL_ZERO_NULL_DATA:
        a->dl.shape = b->dl.shape = c->dl.shape = &zero;
        a->dl.data = b->dl.data = c->dl.data = NULL;
        break;
    case CALL_ZERO_REAL_DATA: a->dl.shape = b->dl.shape = c->dl.shape = &zero; break;
    case CALL_INPUT_TWICE: args[1] = args[0]; break; /* inputs may alias each other */
    case CALL_BYTE_OFFSET_OK: /* a compact view 8 floats into a bigger buffer */
        for (int k = 0; k < 16; k++) tt_set(big, k, k < 8 ? -1 : 100 + (k - 8));
        hi.byte_offset = 8 * sizeof(float);
        args[1] = &hi;
        break;
    }
    record(o, tvm_function_call(cf, argp, nargs));
    a->dl = sa;
    b->dl = sb;
    c->dl = sc;
    if (o->status == TVM_OK && (p->mode == CALL_OK || p->mode == CALL_COMPACT_STRIDES ||
                                p->mode == CALL_BYTE_OFFSET_OK)) {
        for (int k = 0; k < n; k++)
            require(o, tt_get(c, k) == 100 + 2 * k, "Cout[%d] = %g", k, tt_get(c, k));
    } else if (o->status == TVM_OK && p->mode == CALL_INPUT_TWICE) {
        for (int k = 0; k < n; k++)
            require(o, tt_get(c, k) == 2 * k, "Cout[%d] = %g", k, tt_get(c, k));
    } else if (p->mode != CALL_OUT_DATA_NULL && p->mode != CALL_ALIAS &&
               p->mode != CALL_OVERLAP && p->mode != CALL_OVERLAP_VIA_OFFSET) {
        /* failing calls and calls on empty tensors write nothing */
        require(o, bytes_all(c, 0xab), "output written by a %s call",
                o->status == TVM_OK ? "zero-size" : "failing");
    }
    if (p->mode == CALL_ZERO_REAL_DATA || p->mode == CALL_ZERO_NULL_DATA) {
        for (int k = 0; k < n; k++)
            require(o, tt_get(a, k) == k && tt_get(b, k) == 100 + k, "input changed");
    }
    tt_free(a);
    tt_free(b);
    tt_free(c);
    tt_free(big);
}

static void probe_call_other(const probe *p, probe_out *o, int target) {
    switch (p->mode) {
    case CALL_2D_OVERFLOW: case CALL_2D_BYTES_OVERFLOW: case CALL_2D_UNIT_STRIDE: {
        tt_tensor *m = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(1, 5)), *r = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(1, 5));
        for (int k = 0; k < 5; k++) tt_set(m, k, k);
        int64_t huge[2] = {INT64_MAX, 2}, bytes[2] = {INT64_C(1) << 62, 1};
        int64_t strides[2] = {12345, 1};
        if (p->mode == CALL_2D_OVERFLOW) m->dl.shape = huge;
        if (p->mode == CALL_2D_BYTES_OVERFLOW) m->dl.shape = bytes;
        if (p->mode == CALL_2D_UNIT_STRIDE) m->dl.strides = strides;
        record(o, tvm_function_call(fix[target][F_2D], (DLTensor *[]){&m->dl, &r->dl}, 2));
        if (o->status == TVM_OK)
            for (int k = 0; k < 5; k++) require(o, tt_get(r, k) == 2 * k, "N2[%d] = %g", k, tt_get(r, k));
        tt_free(m);
        tt_free(r);
        break;
    }
    case CALL_SHIFT_OOB: {
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(16)), *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(16));
        tt_fill_bytes(b, 0xab);
        record(o, tvm_function_call(fix[target][F_SHIFT], (DLTensor *[]){&a->dl, &b->dl}, 2));
        require(o, bytes_all(b, 0xab), "output written before the bounds error");
        tt_free(a);
        tt_free(b);
        break;
    }
    case CALL_GATHER: {
        tt_tensor *d = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(8)), *x = tt_alloc(TVM_INT32, 1, TT_SHAPE(4));
        tt_tensor *r = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4));
        for (int k = 0; k < 8; k++) tt_set(d, k, 10 * k);
        for (int k = 0; k < 4; k++) tt_seti(x, k, 7 - 2 * k);
        tt_seti(x, (int)p->arg, p->value); /* the bad index, if any */
        record(o, tvm_function_call(fix[target][F_GATHER], (DLTensor *[]){&d->dl, &x->dl, &r->dl}, 3));
        if (o->status == TVM_OK)
            for (int k = 0; k < 4; k++)
                require(o, tt_get(r, k) == 10 * tt_geti(x, k), "Gout[%d] = %g", k, tt_get(r, k));
        tt_free(d);
        tt_free(x);
        tt_free(r);
        break;
    }
    case CALL_TWO_OVERLAP: case CALL_TWO_BAD_SHAPE: {
        tt_tensor *a = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(6)), *x = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(6));
        tt_tensor *y = tt_alloc(TVM_FLOAT64, 1, TT_SHAPE(p->mode == CALL_TWO_BAD_SHAPE ? 5 : 6));
        tt_fill_bytes(x, 0xab);
        DLTensor *yy = p->mode == CALL_TWO_OVERLAP ? &x->dl : &y->dl;
        record(o, tvm_function_call(fix[target][F_TWO], (DLTensor *[]){&a->dl, &x->dl, yy}, 3));
        require(o, bytes_all(x, 0xab), "first output written before the error");
        tt_free(a);
        tt_free(x);
        tt_free(y);
        break;
    }
    case CALL_MANY_OK: case CALL_MANY_NULL: case CALL_MANY_SHORT: case CALL_MANY_DTYPE: {
        tt_tensor *in[MANY], *sm = tt_alloc(TVM_INT32, 1, TT_SHAPE(5));
        DLTensor *args[MANY + 1];
        for (int k = 0; k < MANY; k++) {
            in[k] = tt_alloc(TVM_INT32, 1, TT_SHAPE(p->mode == CALL_MANY_SHORT && k == 37 ? 4 : 5));
            for (int e = 0; e < in[k]->numel; e++) tt_seti(in[k], e, k * 10 + e);
            args[k] = &in[k]->dl;
        }
        args[MANY] = &sm->dl;
        if (p->mode == CALL_MANY_NULL) args[69] = NULL;
        if (p->mode == CALL_MANY_DTYPE) in[66]->dl.dtype.bits = 64;
        tt_fill_bytes(sm, 0xab);
        record(o, tvm_function_call(fix[target][F_MANY], args, MANY + 1));
        if (o->status == TVM_OK) {
            for (int e = 0; e < 5; e++) {
                int64_t want = 0;
                for (int k = 0; k < MANY; k++) want += k * 10 + e;
                require(o, tt_geti(sm, e) == want, "Sm[%d] = %lld, want %lld", e,
                        (long long)tt_geti(sm, e), (long long)want);
            }
        } else {
            require(o, bytes_all(sm, 0xab), "output written by a failing call");
        }
        for (int k = 0; k < MANY; k++) tt_free(in[k]);
        tt_free(sm);
        break;
    }
    case CALL_OUTVAR: {
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4)), *r = tt_alloc(TVM_FLOAT32, 2, TT_SHAPE(3, 4));
        for (int k = 0; k < 4; k++) tt_set(a, k, k + 1);
        record(o, tvm_function_call(fix[target][F_OUTVAR], (DLTensor *[]){&a->dl, &r->dl}, 2));
        if (o->status == TVM_OK)
            for (int k = 0; k < 12; k++) require(o, tt_get(r, k) == k % 4 + 1, "Ov[%d]", k);
        tt_free(a);
        tt_free(r);
        break;
    }
    case CALL_NOIN: case CALL_NOIN_NARGS: {
        tt_tensor *z = tt_alloc(TVM_INT16, 1, TT_SHAPE(3));
        DLTensor *args[2] = {&z->dl, &z->dl};
        record(o, tvm_function_call(fix[target][F_NOIN], args, p->mode == CALL_NOIN ? 1 : 2));
        if (o->status == TVM_OK)
            for (int k = 0; k < 3; k++) require(o, tt_geti(z, k) == 7, "Zn[%d]", k);
        tt_free(z);
        break;
    }
    case CALL_FIXED_SHAPE: case CALL_FIXED_OK: case CALL_FIXED_DTYPE: {
        int64_t len = p->mode == CALL_FIXED_SHAPE ? 5 : 4;
        tt_tensor *a = tt_alloc(TVM_INT32, 1, &len), *b = tt_alloc(TVM_INT32, 1, &len);
        if (p->mode == CALL_FIXED_DTYPE) a->dl.dtype = tt_dl_dtype(TVM_FLOAT32);
        for (int k = 0; k < len; k++) tt_seti(a, k, k - 2);
        record(o, tvm_function_call(fix[target][F_FIXED], (DLTensor *[]){&a->dl, &b->dl}, 2));
        if (o->status == TVM_OK)
            for (int k = 0; k < len; k++) require(o, tt_geti(b, k) == 3 * (k - 2), "Bf[%d]", k);
        tt_free(a);
        tt_free(b);
        break;
    }
    }
}

static void probe_call(const probe *p, probe_out *o) {
    int target = p->kind;
    if (!fix[target][F_ADD]) {
        require(o, false, "fixture missing");
        return;
    }
    if (p->mode <= CALL_ZERO_REAL_DATA || p->mode == CALL_COMPACT_STRIDES ||
        p->mode == CALL_INPUT_TWICE || p->mode == CALL_BYTE_OFFSET_OK)
        probe_call_add(p, o, fix[target][F_ADD]);
    else
        probe_call_other(p, o, target);
}

static void add_tvm_function_call_probes(const contract *c) {
    static const struct { int mode; int64_t v; int arg; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {CALL_OK, 0, 0, "valid", TVM_OK, NULL, NULL},
        {CALL_FN_NULL, 0, 0, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn", "NULL"},
        {CALL_ARGS_NULL, 0, 0, "args NULL", TVM_ERR_INVALID_ARGUMENT, "args", "NULL"},
        {CALL_NARGS, 2, 0, "nargs 2 (one short)", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {CALL_NARGS, 4, 0, "nargs 4 (one extra)", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {CALL_NARGS, 0, 0, "nargs 0", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {CALL_NARGS, -1, 0, "nargs -1", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {CALL_NARGS, INT_MAX, 0, "nargs INT_MAX", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {CALL_NARGS, INT_MIN, 0, "nargs INT_MIN", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
        {CALL_ARG_NULL, 0, 0, "args[1] NULL", TVM_ERR_INVALID_ARGUMENT, "Bin", NULL},
        {CALL_DATA_NULL, 0, 0, "input data NULL", TVM_ERR_INVALID_ARGUMENT, "Bin", "data"},
        {CALL_OUT_DATA_NULL, 0, 0, "output data NULL", TVM_ERR_INVALID_ARGUMENT, "Cout", "data"},
        {CALL_DEVICE, kDLCUDA, 0, "device kDLCUDA", TVM_ERR_DEVICE, "Bin", "device"},
        {CALL_DEVICE, kDLVulkan, 0, "device kDLVulkan", TVM_ERR_DEVICE, "Bin", "device"},
        {CALL_DEVICE, 0, 0, "device type 0", TVM_ERR_DEVICE, "Bin", "device"},
        {CALL_DEVICE, 9999, 0, "device type 9999", TVM_ERR_DEVICE, "Bin", "device"},
        {CALL_DTYPE_CODE, kDLInt, 0, "dtype code kDLInt", TVM_ERR_DTYPE, "Bin", "float32"},
        {CALL_DTYPE_CODE, kDLBfloat, 0, "dtype code kDLBfloat", TVM_ERR_DTYPE, "Bin", "float32"},
        {CALL_DTYPE_CODE, 255, 0, "dtype code 255", TVM_ERR_DTYPE, "Bin", "float32"},
        {CALL_DTYPE_BITS, 64, 0, "dtype bits 64", TVM_ERR_DTYPE, "Bin", "float32"},
        {CALL_DTYPE_BITS, 16, 0, "dtype bits 16", TVM_ERR_DTYPE, "Bin", "float32"},
        {CALL_DTYPE_BITS, 0, 0, "dtype bits 0", TVM_ERR_DTYPE, "Bin", "float32"},
        {CALL_LANES, 4, 0, "dtype lanes 4", TVM_ERR_DTYPE, "Bin", "lanes"},
        {CALL_LANES, 0, 0, "dtype lanes 0", TVM_ERR_DTYPE, "Bin", "lanes"},
        {CALL_NDIM, 2, 0, "ndim 2 for a 1-d argument", TVM_ERR_SHAPE, "Bin", "dimensions"},
        {CALL_NDIM, 0, 0, "ndim 0 for a 1-d argument", TVM_ERR_SHAPE, "Bin", "dimensions"},
        {CALL_NDIM, -1, 0, "ndim -1", TVM_ERR_SHAPE, "Bin", "dimensions"},
        {CALL_NDIM, 33, 0, "ndim 33", TVM_ERR_SHAPE, "Bin", "dimensions"},
        {CALL_NDIM, INT32_MIN, 0, "ndim INT32_MIN", TVM_ERR_SHAPE, "Bin", "dimensions"},
        {CALL_SHAPE_NULL, 0, 0, "shape NULL with ndim 1", TVM_ERR_INVALID_ARGUMENT, "Bin", "shape"},
        {CALL_NEG_DIM_ALL, 0, 0, "dim -8 everywhere", TVM_ERR_SHAPE, "-8", "negative"},
        {CALL_NEG_DIM_ONE, 0, 0, "dim -8 in one input", TVM_ERR_SHAPE, "Bin", "negative"},
        {CALL_INCONSISTENT, 0, 0, "size variable n bound to 8 and 7", TVM_ERR_SHAPE, "n", "Bin"},
        {CALL_STRIDE, -1, 0, "stride -1", TVM_ERR_SHAPE, "Bin", "stride"},
        {CALL_STRIDE, 2, 0, "stride 2 (not compact)", TVM_ERR_SHAPE, "Bin", "compact"},
        {CALL_STRIDE, 0, 0, "stride 0 (broadcast view)", TVM_ERR_SHAPE, "Bin", "stride"},
        {CALL_STRIDE, INT64_MIN, 0, "stride INT64_MIN", TVM_ERR_SHAPE, "Bin", "stride"},
        {CALL_COMPACT_STRIDES, 0, 0, "explicit compact strides", TVM_OK, NULL, NULL},
        {CALL_BYTE_OFFSET, 2, 0, "byte_offset 2 (misaligned)", TVM_ERR_INVALID_ARGUMENT, "Bin", "align"},
        {CALL_BYTE_OFFSET, 1, 0, "byte_offset 1 (misaligned)", TVM_ERR_INVALID_ARGUMENT, "Bin", "align"},
        {CALL_DATA_MISALIGNED, 0, 0, "data + 1 (misaligned)", TVM_ERR_INVALID_ARGUMENT, "Bin", "align"},
        {CALL_OFFSET_OVERFLOW, 0, 0, "byte_offset overflows the pointer", TVM_ERR_INVALID_ARGUMENT, "Bin", "byte_offset"},
        {CALL_ALIAS, 0, 0, "output aliases an input", TVM_ERR_INVALID_ARGUMENT, "Cout", "overlap"},
        {CALL_OVERLAP, 0, 0, "output overlaps an input by 7 elements", TVM_ERR_INVALID_ARGUMENT, "Cout", "overlap"},
        {CALL_OVERLAP_VIA_OFFSET, 0, 0, "output equals an input via byte_offset", TVM_ERR_INVALID_ARGUMENT, "Cout", "overlap"},
        {CALL_ZERO_NULL_DATA, 0, 0, "zero-size tensors with NULL data", TVM_OK, NULL, NULL},
        {CALL_ZERO_REAL_DATA, 0, 0, "zero-size tensors with data", TVM_OK, NULL, NULL},
        {CALL_2D_OVERFLOW, 0, 0, "dims INT64_MAX x 2 (count overflows int64)", TVM_ERR_SHAPE, "M2", "overflow"},
        {CALL_2D_BYTES_OVERFLOW, 0, 0, "dims 2^62 x 1 float32 (bytes overflow)", TVM_ERR_SHAPE, "M2", "overflow"},
        {CALL_2D_UNIT_STRIDE, 0, 0, "any stride on an extent-1 dim", TVM_OK, NULL, NULL},
        {CALL_SHIFT_OOB, 0, 0, "B[i] = A[i + 1] reads A[n]", TVM_ERR_OUT_OF_BOUNDS, "Ash", "dim"},
        {CALL_GATHER, 8, 2, "gather index 8 into 8 elements", TVM_ERR_OUT_OF_BOUNDS, "Data", "dimension"},
        {CALL_GATHER, -1, 0, "gather index -1", TVM_ERR_OUT_OF_BOUNDS, "Data", "dimension"},
        {CALL_GATHER, INT32_MAX, 3, "gather index INT32_MAX", TVM_ERR_OUT_OF_BOUNDS, "Data", "dimension"},
        {CALL_GATHER, INT32_MIN, 1, "gather index INT32_MIN", TVM_ERR_OUT_OF_BOUNDS, "Data", "dimension"},
        {CALL_GATHER, 0, 0, "gather valid indices", TVM_OK, NULL, NULL},
        {CALL_TWO_OVERLAP, 0, 0, "two outputs on the same memory", TVM_ERR_INVALID_ARGUMENT, "overlap", NULL},
        {CALL_TWO_BAD_SHAPE, 0, 0, "second output of the wrong length", TVM_ERR_SHAPE, "Yo", NULL},
        {CALL_FIXED_SHAPE, 0, 0, "constant-shape function, length 5 for 4", TVM_ERR_SHAPE, "Af", NULL},
        {CALL_FIXED_OK, 0, 0, "constant-shape function, valid", TVM_OK, NULL, NULL},
        {CALL_FIXED_DTYPE, 0, 0, "float32 tensor for an int32 argument", TVM_ERR_DTYPE, "Af", "int32"},
        {CALL_INPUT_TWICE, 0, 0, "the same tensor for two inputs", TVM_OK, NULL, NULL},
        {CALL_BYTE_OFFSET_OK, 0, 0, "aligned byte_offset into a bigger buffer", TVM_OK, NULL, NULL},
        {CALL_MANY_OK, 0, 0, "70 inputs, 70 size variables", TVM_OK, NULL, NULL},
        {CALL_MANY_NULL, 0, 0, "70 inputs, args[69] NULL", TVM_ERR_INVALID_ARGUMENT, "Am69", NULL},
        {CALL_MANY_SHORT, 0, 0, "70 inputs, one too short for the read", TVM_ERR_OUT_OF_BOUNDS, "Am37", NULL},
        {CALL_MANY_DTYPE, 0, 0, "70 inputs, args[66] of 64 bits", TVM_ERR_DTYPE, "Am66", NULL},
        {CALL_OUTVAR, 0, 0, "a size variable bound by the output only", TVM_OK, NULL, NULL},
        {CALL_NOIN, 0, 0, "no inputs", TVM_OK, NULL, NULL},
        {CALL_NOIN_NARGS, 0, 0, "no inputs, nargs 2", TVM_ERR_INVALID_ARGUMENT, "nargs", NULL},
    };
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
            probe *p = probe_add(c, probe_call, cases[k].mode, cases[k].arg, t, cases[k].expect,
                                 "[%s] %s", tt_targets[t], cases[k].what);
            p->value = cases[k].v;
            needles(p, cases[k].n1, cases[k].n2, NULL);
        }
}

/* ========================================================================= */
/* Function queries and lifetime                                              */
/* ========================================================================= */

static void probe_retain(const probe *p, probe_out *o) {
    if (p->mode == M_NULL_GRAPH) {
        record(o, tvm_function_retain(NULL));
        return;
    }
    tvm_function *fn = fix[0][F_ADD];
    record(o, tvm_function_retain(fn));
    tvm_function_release(fn); /* balanced */
}

static void add_tvm_function_retain_probes(const contract *c) {
    probe_add(c, probe_retain, M_OK, 0, 0, TVM_OK, "valid");
    probe *p = probe_add(c, probe_retain, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "fn NULL");
    needles(p, "fn", "NULL", NULL);
}

static void probe_release(const probe *p, probe_out *o) {
    o->status = TVM_OK;
    if (p->mode == M_NULL_GRAPH) {
        tvm_function_release(NULL);
        return;
    }
    /* the function cache holds its own reference: a cached function outlives
     * the caller's release, and compiling again returns it */
    tvm_graph *g = new_graph();
    tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
    tvm_tensor A = tvm_placeholder(g, "Arel", TVM_INT8, 1, &n);
    tvm_tensor B = tvm_compute(g, "Brel", 1, &n, &i, tvm_neg(g, tvm_load(g, A, &i)));
    tvm_function *f1 = NULL, *f2 = NULL;
    require(o, tvm_compile(g, 1, &A, 1, &B, NULL, &f1) == TVM_OK, "compile: %s", tvm_last_error());
    tvm_function_release(f1);
    require(o, tvm_compile(g, 1, &A, 1, &B, NULL, &f2) == TVM_OK, "recompile: %s", tvm_last_error());
    int nin = -1;
    require(o, tvm_function_num_args(f2, &nin, NULL) == TVM_OK && nin == 1, "num_args");
    tvm_function_release(f2);
}

static void add_tvm_function_release_probes(const contract *c) {
    probe_add(c, probe_release, M_NULL_GRAPH, 0, 0, TVM_OK, "NULL accepted");
    probe_add(c, probe_release, M_OK, 0, 0, TVM_OK, "release then compile the same graph");
}

static void probe_num_args(const probe *p, probe_out *o) {
    int nin = -77, nout = -77;
    switch (p->mode) {
    case M_NULL_GRAPH:
        record(o, tvm_function_num_args(NULL, &nin, &nout));
        require(o, nin == -77 && nout == -77, "out-parameters written on failure");
        return;
    case M_CUSTOM: record(o, tvm_function_num_args(fix[0][F_TWO], NULL, NULL)); return;
    }
    record(o, tvm_function_num_args(fix[p->kind][F_TWO], &nin, &nout));
    require(o, nin == 1 && nout == 2, "got %d inputs %d outputs", nin, nout);
}

static void add_tvm_function_num_args_probes(const contract *c) {
    probe_add(c, probe_num_args, M_OK, 0, 0, TVM_OK, "[llvm] valid");
    probe_add(c, probe_num_args, M_OK, 0, 1, TVM_OK, "[interp] valid");
    probe *p = probe_add(c, probe_num_args, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "fn NULL");
    needles(p, "fn", "NULL", NULL);
    probe_add(c, probe_num_args, M_CUSTOM, 0, 0, TVM_OK, "both out-pointers NULL");
}

static void probe_arg_info(const probe *p, probe_out *o) {
    tvm_dtype dt = (tvm_dtype)-77;
    int nd = -77;
    tvm_function *fn = fix[0][F_GATHER];
    switch (p->mode) {
    case M_NULL_GRAPH: record(o, tvm_function_arg_info(NULL, 0, &dt, &nd)); break;
    case M_CUSTOM:
        if (p->kind == 1) {
            record(o, tvm_function_arg_info(fn, 0, NULL, NULL));
            return;
        }
        record(o, tvm_function_arg_info(fn, (int)p->value, &dt, &nd));
        break;
    case M_OK:
        record(o, tvm_function_arg_info(fn, 1, &dt, &nd));
        require(o, dt == TVM_INT32 && nd == 1, "got dtype %d ndim %d", (int)dt, nd);
        return;
    }
    require(o, dt == (tvm_dtype)-77 && nd == -77, "out-parameters written on failure");
}

static void add_tvm_function_arg_info_probes(const contract *c) {
    probe_add(c, probe_arg_info, M_OK, 0, 0, TVM_OK, "valid");
    probe *p = probe_add(c, probe_arg_info, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "fn NULL");
    needles(p, "fn", "NULL", NULL);
    static const int idx[] = {-1, 3, INT_MAX, INT_MIN};
    for (int k = 0; k < 4; k++) {
        p = probe_add(c, probe_arg_info, M_CUSTOM, 0, 0, TVM_ERR_INVALID_ARGUMENT, "index %d",
                      idx[k]);
        p->value = idx[k];
        needles(p, "index", NULL, NULL);
    }
    probe_add(c, probe_arg_info, M_CUSTOM, 0, 1, TVM_OK, "both out-pointers NULL");
}

static void probe_output_shape(const probe *p, probe_out *o) {
    tvm_function *fn = fix[p->arg][F_GATHER];
    tt_tensor *d = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(8)), *x = tt_alloc(TVM_INT32, 1, TT_SHAPE(5));
    DLTensor *ins[2] = {&d->dl, &x->dl};
    DLTensor *const *inp = ins;
    int64_t shape[TVM_MAX_NDIM], neg = -3;
    for (int k = 0; k < TVM_MAX_NDIM; k++) shape[k] = -77;
    int64_t *sp = shape;
    int nd = -77, *ndp = &nd, out_index = 0;
    switch (p->kind) {
    case 0: break;
    case 1: fn = NULL; break;
    case 2: inp = NULL; break;
    case 3: ins[1] = NULL; break;
    case 4: out_index = (int)p->value; break;
    case 5: sp = NULL; break;
    case 6: ndp = NULL; break;
    case 7: x->dl.ndim = 2; break;
    case 8: x->dl.shape = NULL; break;
    case 9: x->dl.shape = &neg; break;
    case 10: fn = fix[p->arg][F_OUTVAR]; ins[0] = &x->dl; break; /* rows is output-only */
    case 11: fn = fix[p->arg][F_NOIN]; inp = NULL; break;
    case 12: x->dl.dtype = tt_dl_dtype(TVM_FLOAT64); break; /* only shapes are read */
    }
    record(o, tvm_function_output_shape(fn, inp, out_index, sp, ndp));
    if (o->status == TVM_OK) {
        int64_t want = p->kind == 11 ? 3 : 5;
        require(o, nd == 1 && shape[0] == want, "got ndim %d shape[0] %lld", nd, (long long)shape[0]);
    } else {
        require(o, nd == -77 && shape[0] == -77, "out-parameters written on failure");
    }
    tt_free(d);
    tt_free(x);
}

static void add_tvm_function_output_shape_probes(const contract *c) {
    static const struct { int kind; int64_t v; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {0, 0, "valid", TVM_OK, NULL, NULL},
        {1, 0, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn", "NULL"},
        {2, 0, "inputs NULL", TVM_ERR_INVALID_ARGUMENT, "inputs", NULL},
        {3, 0, "inputs[1] NULL", TVM_ERR_INVALID_ARGUMENT, "inputs[1]", NULL},
        {4, -1, "out_index -1", TVM_ERR_INVALID_ARGUMENT, "out_index", NULL},
        {4, 1, "out_index 1 (one output)", TVM_ERR_INVALID_ARGUMENT, "out_index", NULL},
        {4, INT_MAX, "out_index INT_MAX", TVM_ERR_INVALID_ARGUMENT, "out_index", NULL},
        {4, INT_MIN, "out_index INT_MIN", TVM_ERR_INVALID_ARGUMENT, "out_index", NULL},
        {5, 0, "shape NULL", TVM_ERR_INVALID_ARGUMENT, "shape", NULL},
        {6, 0, "ndim NULL", TVM_ERR_INVALID_ARGUMENT, "ndim", NULL},
        {7, 0, "input with the wrong rank", TVM_ERR_SHAPE, "Idx", "dimensions"},
        {8, 0, "input shape NULL", TVM_ERR_INVALID_ARGUMENT, "Idx", "shape"},
        {9, 0, "negative input dim", TVM_ERR_SHAPE, "Idx", "negative"},
        {10, 0, "a size variable only in the output", TVM_ERR_SHAPE, "Ov", "size variable"},
        {11, 0, "no inputs, inputs NULL", TVM_OK, NULL, NULL},
        {12, 0, "input dtype differs (only shapes are read)", TVM_OK, NULL, NULL},
    };
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
            if (t == 1 && k > 1) continue; /* shape logic is target-independent */
            probe *p = probe_add(c, probe_output_shape, M_CUSTOM, t, cases[k].kind,
                                 cases[k].expect, "[%s] %s", tt_targets[t], cases[k].what);
            p->value = cases[k].v;
            needles(p, cases[k].n1, cases[k].n2, NULL);
        }
}

static void probe_source(const probe *p, probe_out *o) {
    tvm_function *fn = fix[p->arg][F_ADD];
    char *text = (char *)(uintptr_t)0x1;
    const char *kind = "graph";
    char **tp = &text;
    switch (p->kind) {
    case 0:
        kind = p->value == 0 ? "graph" : p->value == 1 ? "loop" : p->value == 2 ? "llvm" : "asm";
        break;
    case 1: fn = NULL; break;
    case 2: kind = NULL; break;
    case 3: tp = NULL; break;
    case 4: kind = "bogus"; break;
    case 5: kind = ""; break;
    case 6: kind = "LLVM"; break;
    case 7: kind = long_target; break;
    case 8: { /* symbolic shapes, never called: no machine code yet */
        tvm_graph *g = new_graph();
        tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
        tvm_tensor A = tvm_placeholder(g, "Anew", TVM_FLOAT32, 1, &n);
        tvm_tensor B = tvm_compute(g, "Bnew", 1, &n, &i, tvm_sqrt(g, tvm_load(g, A, &i)));
        tvm_compile_options opts = tt_options(tt_targets[p->arg], 0, TVM_COMPILE_NO_CACHE);
        fn = NULL;
        require(o, tvm_compile(g, 1, &A, 1, &B, &opts, &fn) == TVM_OK, "compile failed");
        kind = "asm";
        break;
    }
    }
    if (p->kind == 0 && p->value >= 2) { /* needs a specialisation: call once */
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3)), *c = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        require(o, tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl, &c->dl}, 3) == TVM_OK,
                "call failed");
        tt_free(a);
        tt_free(b);
        tt_free(c);
    }
    record(o, tvm_function_source(fn, kind, tp));
    if (o->status == TVM_OK) {
        require(o, text && text != (char *)(uintptr_t)0x1 && text[0], "empty text");
        if (text != (char *)(uintptr_t)0x1) tvm_free(text);
    } else {
        require(o, text == (char *)(uintptr_t)0x1, "text written on failure");
    }
}

static void add_tvm_function_source_probes(const contract *c) {
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        static const char *const kinds[4] = {"graph", "loop", "llvm", "asm"};
        for (int k = 0; k < 4; k++) {
            /* interp has no llvm / asm stage: a valid request it cannot do */
            int expect = (t == 1 && k >= 2) ? TVM_ERR_UNSUPPORTED : TVM_OK;
            probe *p = probe_add(c, probe_source, M_CUSTOM, t, 0, expect, "[%s] kind \"%s\"",
                                 tt_targets[t], kinds[k]);
            p->value = k;
            needles(p, expect ? "interp" : NULL, NULL, NULL);
        }
        static const struct { int kind; const char *what; int expect; const char *n1; } cases[] = {
            {1, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn"},
            {2, "kind NULL", TVM_ERR_INVALID_ARGUMENT, "kind"},
            {3, "text NULL", TVM_ERR_INVALID_ARGUMENT, "text"},
            {4, "kind \"bogus\"", TVM_ERR_INVALID_ARGUMENT, "bogus"},
            {5, "kind \"\"", TVM_ERR_INVALID_ARGUMENT, "kind"},
            {6, "kind \"LLVM\" (case matters)", TVM_ERR_INVALID_ARGUMENT, "LLVM"},
            {7, "kind of 9999 bytes", TVM_ERR_INVALID_ARGUMENT, "kind"},
        };
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
            if (t == 1 && k < 3) continue;
            probe *p = probe_add(c, probe_source, M_CUSTOM, t, cases[k].kind, cases[k].expect,
                                 "[%s] %s", tt_targets[t], cases[k].what);
            needles(p, cases[k].n1, NULL, NULL);
        }
    }
    probe *p = probe_add(c, probe_source, M_CUSTOM, 0, 8, TVM_ERR_INVALID_ARGUMENT,
                         "[llvm] \"asm\" before the first call of a symbolic function");
    needles(p, "call", NULL, NULL);
}

/* ========================================================================= */
/* Handle tags shared across graphs (documented as TVM_ERR_INVALID_HANDLE)    */
/* ========================================================================= */

/* A handle of another graph (alive, or destroyed when p->kind == 1) must be
 * refused by each of the next 200 graphs of the context, even when they hold
 * as many expressions, so only the graph check can tell the handles apart. */
static void probe_tag_reuse(const probe *p, probe_out *o) {
    tvm_graph *first = tvm_graph_create(ctx);
    tvm_expr theirs = tvm_add(first, tvm_const_float(first, TVM_FLOAT32, 1),
                              tvm_const_float(first, TVM_FLOAT32, 2));
    if (p->kind == 1) tvm_graph_destroy(first);
    tvm_graph *g = NULL;
    for (int k = 0; k < 200; k++) {
        tvm_graph *h = tvm_graph_create(ctx);
        tvm_expr mine = tvm_const_float(h, TVM_FLOAT32, 5);
        (void)tvm_const_float(h, TVM_FLOAT32, 6);
        (void)tvm_const_float(h, TVM_FLOAT32, 7);
        if (k == 199) {
            g = h;
            record_builder(o, g, tvm_mul(g, mine, theirs).id);
            break;
        }
        if (tvm_mul(h, mine, theirs).id != 0) {
            require(o, false, "graph %d created after the handle's graph accepted it", k);
            tvm_graph_destroy(h);
            break;
        }
        tvm_graph_destroy(h);
    }
    if (p->kind != 1) tvm_graph_destroy(first);
    tvm_graph_destroy(g);
}

static void add_tag_reuse_probes(const contract *c) {
    probe *p = probe_add(c, probe_tag_reuse, M_CUSTOM, 0, 0, TVM_ERR_INVALID_HANDLE,
                  "b = handle of another live graph, refused by the next 200 graphs");
    needles(p, "'b'", NULL, NULL);
    p = probe_add(c, probe_tag_reuse, M_CUSTOM, 0, 1, TVM_ERR_INVALID_HANDLE,
                  "b = handle of a destroyed graph, refused by the next 200 graphs");
    needles(p, "'b'", NULL, NULL);
}

static void probe_plan(const probe *p, probe_out *o) {
    tvm_function *fn = fix[p->arg][F_ADD];
    union {
        tvm_kernel_plan s;
        unsigned char bytes[sizeof(tvm_kernel_plan) + 64];
    } u;
    memset(&u, 0xcd, sizeof u);
    u.s.struct_size = sizeof u.s;
    switch (p->kind) {
    case 0: break;
    case 1: fn = NULL; break;
    case 2: record(o, tvm_function_plan(fn, NULL)); return;
    case 3: u.s.struct_size = (size_t)p->value; break;
    case 4: { /* symbolic shapes, never called: no plan yet */
        tvm_graph *g = new_graph();
        tvm_expr n = tvm_size_var(g, "n"), i = tvm_iter_var(g, "i");
        tvm_tensor A = tvm_placeholder(g, "Aplan", TVM_FLOAT32, 1, &n);
        tvm_tensor B = tvm_compute(g, "Bplan", 1, &n, &i, tvm_exp(g, tvm_load(g, A, &i)));
        tvm_compile_options opts = tt_options(tt_targets[p->arg], 0, TVM_COMPILE_NO_CACHE);
        fn = NULL;
        require(o, tvm_compile(g, 1, &A, 1, &B, &opts, &fn) == TVM_OK, "compile failed");
        break;
    }
    }
    if (fn && p->kind != 4) { /* the fixture has symbolic shapes: specialise it */
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        tt_tensor *b = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3)), *c = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        require(o, tvm_function_call(fn, (DLTensor *[]){&a->dl, &b->dl, &c->dl}, 3) == TVM_OK,
                "call failed");
        tt_free(a);
        tt_free(b);
        tt_free(c);
    }
    size_t sz = u.s.struct_size;
    record(o, tvm_function_plan(fn, &u.s));
    require(o, u.s.struct_size == sz, "struct_size changed to %zu", u.s.struct_size);
    size_t limit = sz < sizeof u.s ? sz : sizeof u.s;
    if (o->status != TVM_OK) limit = sizeof(size_t);
    for (size_t b = limit; b < sizeof u.bytes; b++)
        if (u.bytes[b] != 0xcd) {
            require(o, false, "byte %zu written (struct_size %zu)", b, sz);
            break;
        }
    if (o->status == TVM_OK && sz >= sizeof u.s)
        require(o, u.s.num_kernels == 1 && u.s.workspace_bytes == 0,
                "plan of a single elementwise kernel: %d kernels, %lld bytes",
                u.s.num_kernels, (long long)u.s.workspace_bytes);
}

static void add_tvm_function_plan_probes(const contract *c) {
    static const struct { int kind; int64_t v; const char *what; int expect; const char *n1; } cases[] = {
        {0, 0, "valid", TVM_OK, NULL},
        {1, 0, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn"},
        {2, 0, "plan NULL", TVM_ERR_INVALID_ARGUMENT, "plan"},
        {3, 0, "struct_size 0", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 7, "struct_size 7", TVM_ERR_INVALID_ARGUMENT, "struct_size"},
        {3, 12, "struct_size 12 (older caller): nothing written past it", TVM_OK, NULL},
        {3, (int64_t)sizeof(tvm_kernel_plan) + 64, "struct_size larger (newer caller)", TVM_OK, NULL},
        {4, 0, "symbolic function never called", TVM_ERR_INVALID_ARGUMENT, "call it once"},
    };
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
            probe *p = probe_add(c, probe_plan, M_CUSTOM, t, cases[k].kind, cases[k].expect,
                                 "[%s] %s", tt_targets[t], cases[k].what);
            p->value = cases[k].v;
            needles(p, cases[k].n1, NULL, NULL);
        }
}

/* tvm_function_dump: every stage into a buffer, the size query, a buffer one
 * byte short (TVM_ERR_LIMIT, untouched), and bad arguments. */
static void probe_dump(const probe *p, probe_out *o) {
    tvm_function *fn = fix[p->arg][F_ADD];
    static const char *const stages[5] = {"graph", "fused", "loop", "llvm", "asm"};
    const char *stage = "graph";
    char buf[1 << 16];
    memset(buf, 0xcd, sizeof buf);
    char *b = buf;
    size_t cap = sizeof buf, needed = 0xdead, *np = &needed;
    switch (p->kind) {
    case 0: stage = stages[p->value]; break;
    case 1: fn = NULL; break;
    case 2: stage = NULL; break;
    case 3: stage = "bogus"; break;
    case 4: b = NULL; break;               /* cap > 0 */
    case 5: b = NULL; np = NULL; cap = 0; break;
    case 6: b = NULL; cap = 0; break;      /* size query */
    case 7: cap = 0; break;                /* too small */
    case 8: stage = long_target; break;
    }
    /* the fixture has symbolic shapes: specialise it so llvm / asm exist */
    if (fn) {
        tt_tensor *a = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        tt_tensor *bb = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3)), *c = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(3));
        require(o, tvm_function_call(fn, (DLTensor *[]){&a->dl, &bb->dl, &c->dl}, 3) == TVM_OK,
                "call failed");
        tt_free(a);
        tt_free(bb);
        tt_free(c);
    }
    record(o, tvm_function_dump(fn, stage, b, cap, np));
    if (o->status == TVM_OK && b) {
        require(o, buf[0] && strlen(buf) + 1 == needed, "text empty or needed %zu wrong",
                needed);
    } else if (o->status == TVM_OK) {
        require(o, needed > 1 && needed != 0xdead, "size query gave %zu", needed);
    } else {
        require(o, (unsigned char)buf[0] == 0xcd, "buffer written on failure");
        if (p->kind == 7) require(o, needed > 1 && needed != 0xdead, "needed not set");
    }
}

static void add_tvm_function_dump_probes(const contract *c) {
    for (int t = 0; t < TT_NUM_TARGETS; t++) {
        for (int k = 0; k < 5; k++) {
            /* interp has no llvm / asm stage: a valid request it cannot do */
            int expect = (t == 1 && k >= 3) ? TVM_ERR_UNSUPPORTED : TVM_OK;
            static const char *const names[5] = {"graph", "fused", "loop", "llvm", "asm"};
            probe *p = probe_add(c, probe_dump, M_CUSTOM, t, 0, expect, "[%s] stage \"%s\"",
                                 tt_targets[t], names[k]);
            p->value = k;
            needles(p, expect ? "interp" : NULL, NULL, NULL);
        }
        static const struct { int kind; const char *what; int expect; const char *n1; } cases[] = {
            {1, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn"},
            {2, "stage NULL", TVM_ERR_INVALID_ARGUMENT, "stage"},
            {3, "stage \"bogus\"", TVM_ERR_INVALID_ARGUMENT, "bogus"},
            {4, "buf NULL with cap > 0", TVM_ERR_INVALID_ARGUMENT, "cap"},
            {5, "buf and needed NULL", TVM_ERR_INVALID_ARGUMENT, "needed"},
            {6, "size query (buf NULL, cap 0)", TVM_OK, NULL},
            {7, "cap too small", TVM_ERR_LIMIT, "bytes"},
            {8, "stage of 9999 bytes", TVM_ERR_INVALID_ARGUMENT, "stage"},
        };
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
            probe *p = probe_add(c, probe_dump, M_CUSTOM, t, cases[k].kind, cases[k].expect,
                                 "[%s] %s", tt_targets[t], cases[k].what);
            needles(p, cases[k].n1, NULL, NULL);
        }
    }
}

/* tvm_function_entry: kind 0 valid (constant shapes, every target: the
 * entry computes Bf = Af * 3), 1 fn NULL, 2 entry NULL, 3 code NULL,
 * 4 symbolic shapes. Out-parameters stay untouched on failure. */
static void probe_entry(const probe *p, probe_out *o) {
    tvm_function *fn = fix[p->arg][p->kind == 4 ? F_ADD : F_FIXED];
    tvm_entry *e = (tvm_entry *)(uintptr_t)0x1;
    tvm_entry_fn code = (tvm_entry_fn)(uintptr_t)0x1;
    switch (p->kind) {
    case 1: record(o, tvm_function_entry(NULL, &e, &code)); break;
    case 2: record(o, tvm_function_entry(fn, NULL, &code)); break;
    case 3: record(o, tvm_function_entry(fn, &e, NULL)); break;
    default: record(o, tvm_function_entry(fn, &e, &code)); break;
    }
    if (o->status != TVM_OK) {
        require(o, e == (tvm_entry *)(uintptr_t)0x1 &&
                   code == (tvm_entry_fn)(uintptr_t)0x1, "out-parameters written on failure");
        return;
    }
    int32_t a[4] = {1, -2, 3, 1 << 30}, b[4] = {0};
    int32_t rc = ((int32_t(*)(int32_t *, int32_t *))code)(a, b);
    require(o, rc == TVM_OK && b[0] == 3 && b[1] == -6 && b[2] == 9 &&
               b[3] == (int32_t)(3u << 30), "entry computed %d %d %d %d (rc %d)",
            b[0], b[1], b[2], b[3], rc);
    tvm_entry_destroy(e);
}

static void add_tvm_function_entry_probes(const contract *c) {
    static const struct { int kind; const char *what; int expect; const char *n1, *n2; } cases[] = {
        {0, "valid (constant shapes)", TVM_OK, NULL, NULL},
        {1, "fn NULL", TVM_ERR_INVALID_ARGUMENT, "fn", "NULL"},
        {2, "entry NULL", TVM_ERR_INVALID_ARGUMENT, "entry", "NULL"},
        {3, "code NULL", TVM_ERR_INVALID_ARGUMENT, "code", "NULL"},
        {4, "symbolic shapes", TVM_ERR_UNSUPPORTED, "size", "constant"},
    };
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
            probe *p = probe_add(c, probe_entry, M_CUSTOM, t, cases[k].kind, cases[k].expect,
                                 "[%s] %s", tt_targets[t], cases[k].what);
            needles(p, cases[k].n1, cases[k].n2, NULL);
        }
}

/* tvm_entry_destroy: NULL accepted; a destroyed entry's reference to its
 * function is gone (the function is still usable through the caller's). */
static void probe_entry_destroy(const probe *p, probe_out *o) {
    o->status = TVM_OK;
    if (p->kind == 0) {
        tvm_entry_destroy(NULL);
        return;
    }
    tvm_entry *e = NULL;
    tvm_entry_fn code = NULL;
    require(o, tvm_function_entry(fix[0][F_FIXED], &e, &code) == TVM_OK, "entry: %s",
            tvm_last_error());
    tvm_entry_destroy(e);
    tt_tensor *a = tt_alloc(TVM_INT32, 1, TT_SHAPE(4)), *b = tt_alloc(TVM_INT32, 1, TT_SHAPE(4));
    record(o, tvm_function_call(fix[0][F_FIXED], (DLTensor *[]){&a->dl, &b->dl}, 2));
    tt_free(a);
    tt_free(b);
}

static void add_tvm_entry_destroy_probes(const contract *c) {
    probe_add(c, probe_entry_destroy, M_CUSTOM, 0, 0, TVM_OK, "NULL accepted");
    probe_add(c, probe_entry_destroy, M_CUSTOM, 0, 1, TVM_OK, "destroy, then call the function");
}

/* ========================================================================= */
/* Operator library: matmul, dense, convolutions, pools                       */
/* ========================================================================= */

enum { NN_MATMUL, NN_DENSE, NN_CONV2D, NN_CONV1D, NN_CONVT, NN_MAXPOOL, NN_AVGPOOL, NN_GPOOL };

static int nn_which(const contract *c) {
    static const char *const names[] = {
        "tvm_op_matmul", "tvm_op_dense", "tvm_op_conv2d", "tvm_op_conv1d",
        "tvm_op_conv_transpose2d", "tvm_op_max_pool2d", "tvm_op_avg_pool2d",
        "tvm_op_global_pool2d"};
    for (int k = 0; k < (int)(sizeof names / sizeof names[0]); k++)
        if (strcmp(c->name, names[k]) == 0) return k;
    return -1;
}

static bool nn_is_conv(int w) { return w == NN_CONV2D || w == NN_CONV1D || w == NN_CONVT; }

static tvm_tensor nn_ph(tvm_graph *g, const char *name, tvm_dtype dt, int ndim,
                        const int64_t *dims) {
    tvm_expr e[4];
    for (int d = 0; d < ndim; d++) e[d] = c64(g, dims[d]);
    return tvm_placeholder(g, name, dt, ndim, e);
}

/* Custom cases of the nn probes (p->kind under M_CUSTOM). */
enum {
    NC_ATTRS_NULL, NC_SIZE_ZERO, NC_SIZE_BIG, NC_SIZE_OLD, NC_NEG_STRIDE, NC_NEG_DIL,
    NC_NEG_PAD, NC_LAYOUT, NC_GROUPS_NDIV, NC_GROUPS_NEG, NC_CHANNELS, NC_DTYPE_MIX,
    NC_BOOL, NC_RANK, NC_SYMBOLIC, NC_TOO_SMALL, NC_HUGE, NC_KERNEL0, NC_NHWC_OK,
    NC_OUT_PAD_NEG, NC_BIAS_SHAPE, NC_K_MISMATCH, NC_BATCH, NC_ZERO_D, NC_TRANSPOSE_OK,
    NC_ONE_D_OK, NC_SYM_BATCH_OK, NC_BAD_OP, NC_CEIL_OK, NC_RESERVED
};

static void probe_nn(const probe *p, probe_out *o) {
    int which = nn_which(p->c);
    tvm_graph *g = new_graph();
    tvm_graph *call_g = g;
    /* operands of a valid call; custom cases edit them */
    tvm_tensor t[3] = {{0}, {0}, {0}};
    tvm_dtype dt = TVM_FLOAT32;
    struct { tvm_conv_attrs a; char newer[16]; } ca;
    struct { tvm_pool_attrs a; char newer[16]; } pa;
    memset(&ca, 0, sizeof ca);
    memset(&pa, 0, sizeof pa);
    ca.a.struct_size = sizeof ca.a;
    pa.a.struct_size = sizeof pa.a;
    const tvm_conv_attrs *cap = &ca.a;
    const tvm_pool_attrs *pap = &pa.a;
    int flag_a = 0, flag_b = 1;  /* matmul transposes / global pool op, layout */
    int custom = p->mode == M_CUSTOM ? p->kind : -1;
    int64_t ch = 4, h = 6;
    if (custom == NC_CHANNELS) ch = 6;
    if (custom == NC_TOO_SMALL) h = 1;
    tvm_dtype dt_w = custom == NC_DTYPE_MIX ? TVM_FLOAT64 : custom == NC_BOOL ? TVM_BOOL : dt;
    if (custom == NC_BOOL) dt = TVM_BOOL;
    switch (which) {
    case NN_MATMUL: {
        int64_t a[3] = {2, 3, 4}, b[3] = {4, 5};
        if (custom == NC_K_MISMATCH) b[0] = 3;
        if (custom == NC_BATCH) { b[0] = 3; b[1] = 4; b[2] = 5; }
        t[0] = nn_ph(g, "Amm", dt, 3, a);
        t[1] = nn_ph(g, "Bmm", dt_w, custom == NC_BATCH ? 3 : 2, b);
        if (custom == NC_ZERO_D) t[1] = nn_ph(g, "Smm", dt, 0, NULL);
        if (custom == NC_ONE_D_OK) t[1] = nn_ph(g, "Vmm", dt, 1, b);
        if (custom == NC_TRANSPOSE_OK) { /* a^T: [2, 4, 3] -> [2, 3, 4]; b^T: [5, 4] */
            int64_t at[3] = {2, 4, 3}, bt[2] = {5, 4};
            t[0] = nn_ph(g, "Atmm", dt, 3, at);
            t[1] = nn_ph(g, "Btmm", dt, 2, bt);
            flag_a = 1;
        } else {
            flag_b = 0;
        }
        break;
    }
    case NN_DENSE: {
        int64_t x[2] = {2, 4}, w[2] = {3, custom == NC_K_MISMATCH ? 5 : 4},
                b[1] = {custom == NC_BIAS_SHAPE ? 2 : 3};
        t[0] = nn_ph(g, "Xd", dt, 2, x);
        t[1] = nn_ph(g, "Wd", dt_w, custom == NC_RANK ? 1 : 2, w);
        t[2] = nn_ph(g, "Bd", dt, 1, b);
        break;
    }
    case NN_CONV2D: case NN_CONV1D: case NN_CONVT: {
        int sp = which == NN_CONV1D ? 1 : 2;
        int rank = custom == NC_RANK ? 3 + sp : 2 + sp;
        int64_t x[4] = {1, ch, h, h}, w[4] = {4, 2, 3, 3}, b[1] = {custom == NC_BIAS_SHAPE ? 3 : 4};
        tvm_expr xe[5];
        for (int d = 0; d < 4; d++) xe[d] = c64(g, x[d]);
        xe[4] = c64(g, 1);
        if (custom == NC_SYMBOLIC) xe[2] = tvm_size_var(g, "hsym");
        if (custom == NC_SYM_BATCH_OK) xe[0] = tvm_size_var(g, "nsym");
        t[0] = tvm_placeholder(g, "Xc", dt, rank, xe);
        t[1] = nn_ph(g, "Wc", dt_w, 2 + sp, w);
        t[2] = nn_ph(g, "Bc", dt, 1, b);
        ca.a.groups = 2;
        ca.a.pads[0] = ca.a.pads[1] = 1;
        if (which == NN_CONVT) ca.a.strides[0] = ca.a.strides[1] = 2;
        break;
    }
    case NN_MAXPOOL: case NN_AVGPOOL: case NN_GPOOL: {
        tvm_expr xe[5] = {c64(g, 1), c64(g, 2), c64(g, h), c64(g, h), c64(g, 1)};
        if (custom == NC_SYMBOLIC) xe[2] = tvm_size_var(g, "hsym");
        if (custom == NC_SYM_BATCH_OK) xe[0] = tvm_size_var(g, "nsym");
        t[0] = tvm_placeholder(g, "Xp", custom == NC_BOOL ? TVM_BOOL : custom == NC_DTYPE_MIX
                               ? TVM_INT32 : dt, custom == NC_RANK ? 5 : 4, xe);
        pa.a.kernel[0] = pa.a.kernel[1] = 3;
        pa.a.pads[0] = pa.a.pads[3] = 1;
        flag_a = TVM_OP_MEAN;
        flag_b = TVM_LAYOUT_NCHW;
        break;
    }
    }
    tvm_conv_attrs *cm = &ca.a;
    tvm_pool_attrs *pm = &pa.a;
    switch (p->mode) {
    case M_NULL_GRAPH: call_g = NULL; break;
    case M_BAD_ARG: t[p->arg] = bad_tensor(g, p->kind); break;
    case M_STICKY: make_sticky(g); break;
    case M_CUSTOM:
        switch (p->kind) {
        case NC_ATTRS_NULL: cap = NULL; pap = NULL; break;
        case NC_SIZE_ZERO: cm->struct_size = 0; pm->struct_size = 0; break;
        case NC_SIZE_BIG: cm->struct_size = sizeof ca; pm->struct_size = sizeof pa; break;
        case NC_SIZE_OLD: /* an older, shorter struct: the tail reads as 0 */
            cm->struct_size = offsetof(tvm_conv_attrs, output_padding);
            pm->struct_size = offsetof(tvm_pool_attrs, pads);
            break;
        case NC_NEG_STRIDE: cm->strides[0] = pm->strides[0] = p->value; break;
        case NC_NEG_DIL: cm->dilations[0] = pm->dilations[0] = p->value; break;
        case NC_NEG_PAD: cm->pads[1] = pm->pads[1] = p->value; break;
        case NC_LAYOUT: cm->layout = pm->layout = (int32_t)p->value; flag_b = (int)p->value; break;
        case NC_GROUPS_NDIV: cm->groups = 3; break;
        case NC_GROUPS_NEG: cm->groups = -2; break;
        case NC_HUGE:
            cm->pads[0] = cm->pads[2] = INT64_MAX;
            cm->strides[1] = cm->dilations[1] = INT64_MAX;
            pm->pads[0] = pm->pads[2] = INT64_MAX;
            pm->kernel[1] = pm->strides[1] = pm->dilations[1] = INT64_MAX;
            break;
        case NC_KERNEL0: pm->kernel[1] = p->value; break;
        case NC_NHWC_OK: cm->layout = TVM_LAYOUT_NHWC; pm->layout = TVM_LAYOUT_NHWC;
            flag_b = TVM_LAYOUT_NHWC; break;
        case NC_OUT_PAD_NEG: cm->output_padding[0] = -1; break;
        case NC_BAD_OP: flag_a = (int)p->value; break;
        case NC_CEIL_OK: pm->ceil_mode = 1; pm->strides[0] = 2; pm->count_include_pad = 1; break;
        case NC_RESERVED: pm->pad_ = 1; break;
        case NC_TOO_SMALL: memset(cm->pads, 0, sizeof cm->pads); break;
        }
        break;
    }
    tvm_tensor r = {0};
    switch (which) {
    case NN_MATMUL: r = tvm_op_matmul(call_g, t[0], t[1], flag_a, flag_b); break;
    case NN_DENSE: r = tvm_op_dense(call_g, t[0], t[1], t[2]); break;
    case NN_CONV2D: r = tvm_op_conv2d(call_g, t[0], t[1], t[2], cap); break;
    case NN_CONV1D: r = tvm_op_conv1d(call_g, t[0], t[1], t[2], cap); break;
    case NN_CONVT: r = tvm_op_conv_transpose2d(call_g, t[0], t[1], t[2], cap); break;
    case NN_MAXPOOL: r = tvm_op_max_pool2d(call_g, t[0], pap); break;
    case NN_AVGPOOL: r = tvm_op_avg_pool2d(call_g, t[0], pap); break;
    case NN_GPOOL:
        r = tvm_op_global_pool2d(call_g, t[0], (tvm_op_reduce_kind)flag_a, (tvm_layout)flag_b);
        break;
    }
    record_builder(o, call_g, r.id);
}

typedef struct nn_case {
    int kind;
    int64_t value;
    unsigned ops;   /* bit per NN_* the case applies to */
    const char *what;
    int expect;
    const char *n1, *n2;
} nn_case;

#define NB(w) (1u << (w))
#define NN_CONVS (NB(NN_CONV2D) | NB(NN_CONV1D) | NB(NN_CONVT))
#define NN_POOLS (NB(NN_MAXPOOL) | NB(NN_AVGPOOL))
#define NN_ATTRS (NN_CONVS | NN_POOLS)

static const nn_case nn_cases[] = {
    {NC_ATTRS_NULL, 0, NN_CONVS, "attrs NULL (defaults)", TVM_ERR_INVALID_ARGUMENT, "groups", NULL},
    {NC_ATTRS_NULL, 0, NN_POOLS, "attrs NULL", TVM_ERR_INVALID_ARGUMENT, "attrs", "NULL"},
    {NC_SIZE_ZERO, 0, NN_ATTRS, "attrs->struct_size 0", TVM_ERR_INVALID_ARGUMENT, "struct_size", NULL},
    {NC_SIZE_BIG, 0, NN_ATTRS, "attrs->struct_size larger than known", TVM_ERR_VERSION,
     "struct_size", NULL},
    {NC_SIZE_OLD, 0, NN_ATTRS, "attrs->struct_size of an older struct", TVM_OK, NULL, NULL},
    {NC_NEG_STRIDE, -1, NN_ATTRS, "strides[0] = -1", TVM_ERR_INVALID_ARGUMENT, "strides[0]", NULL},
    {NC_NEG_STRIDE, INT64_MIN, NN_ATTRS, "strides[0] = INT64_MIN", TVM_ERR_INVALID_ARGUMENT,
     "strides[0]", NULL},
    {NC_NEG_DIL, -3, NN_ATTRS, "dilations[0] = -3", TVM_ERR_INVALID_ARGUMENT, "dilations[0]", NULL},
    {NC_NEG_PAD, -1, NN_ATTRS, "pads[1] = -1", TVM_ERR_INVALID_ARGUMENT, "pads[1]", NULL},
    {NC_LAYOUT, 2, NN_ATTRS | NB(NN_GPOOL), "layout 2", TVM_ERR_INVALID_ARGUMENT, "layout", NULL},
    {NC_LAYOUT, -1, NN_ATTRS | NB(NN_GPOOL), "layout -1", TVM_ERR_INVALID_ARGUMENT, "layout",
     NULL},
    {NC_GROUPS_NDIV, 0, NN_CONVS, "groups 3 does not divide 4 channels", TVM_ERR_INVALID_ARGUMENT,
     "groups", "divide"},
    {NC_GROUPS_NEG, 0, NN_CONVS, "groups -2", TVM_ERR_INVALID_ARGUMENT, "groups", NULL},
    {NC_CHANNELS, 0, NB(NN_CONV2D) | NB(NN_CONV1D), "6 channels for weights of 2 per group",
     TVM_ERR_SHAPE, "channels", "'w'"},
    {NC_CHANNELS, 0, NB(NN_CONVT), "6 channels for weights of 4", TVM_ERR_SHAPE, "channels",
     "'w'"},
    {NC_DTYPE_MIX, 0, NB(NN_MATMUL) | NB(NN_DENSE) | NN_CONVS, "float32 x with float64 w",
     TVM_ERR_DTYPE, "float64", NULL},
    {NC_DTYPE_MIX, 0, NB(NN_MAXPOOL), "int32 x", TVM_OK, NULL, NULL},
    {NC_DTYPE_MIX, 0, NB(NN_AVGPOOL) | NB(NN_GPOOL), "int32 x (mean)", TVM_ERR_DTYPE, "int32",
     "'x'"},
    {NC_BOOL, 0, 0xffu, "bool operands", TVM_ERR_DTYPE, "bool", NULL},
    {NC_RANK, 0, NB(NN_DENSE), "w 1-D", TVM_ERR_SHAPE, "'w'", "dims"},
    {NC_RANK, 0, NN_CONVS | NN_POOLS | NB(NN_GPOOL), "x of the wrong rank", TVM_ERR_SHAPE, "'x'",
     "dims"},
    {NC_SYMBOLIC, 0, NN_CONVS | NN_POOLS, "symbolic height", TVM_ERR_SHAPE, "symbolic",
     "constant"},
    {NC_SYMBOLIC, 0, NB(NN_GPOOL), "symbolic height", TVM_OK, NULL, NULL},
    {NC_SYM_BATCH_OK, 0, NN_CONVS | NN_POOLS | NB(NN_GPOOL), "symbolic batch", TVM_OK, NULL,
     NULL},
    {NC_TOO_SMALL, 0, NB(NN_CONV2D) | NB(NN_CONV1D) | NN_POOLS, "input 1 for a 3-tap kernel",
     TVM_ERR_INVALID_ARGUMENT, "smaller than 1", NULL},
    {NC_HUGE, 0, NN_ATTRS & ~NB(NN_CONVT), "INT64_MAX pads, strides, dilations, kernel",
     TVM_ERR_INVALID_ARGUMENT, "overflow", NULL},
    {NC_HUGE, 0, NB(NN_CONVT), "INT64_MAX pads, strides, dilations", TVM_ERR_INVALID_ARGUMENT,
     "spatial dim 0", NULL},
    {NC_KERNEL0, 0, NN_POOLS, "kernel[1] = 0", TVM_ERR_INVALID_ARGUMENT, "kernel[1]", NULL},
    {NC_KERNEL0, -4, NN_POOLS, "kernel[1] = -4", TVM_ERR_INVALID_ARGUMENT, "kernel[1]", NULL},
    {NC_NHWC_OK, 0, NB(NN_CONVT), "NHWC", TVM_ERR_UNSUPPORTED, "NCHW", NULL},
    {NC_NHWC_OK, 0, NN_POOLS | NB(NN_GPOOL), "NHWC", TVM_OK, NULL, NULL},
    {NC_OUT_PAD_NEG, 0, NB(NN_CONVT), "output_padding[0] = -1", TVM_ERR_INVALID_ARGUMENT,
     "output_padding[0]", NULL},
    {NC_BIAS_SHAPE, 0, NB(NN_DENSE) | NN_CONVS, "bias of the wrong length", TVM_ERR_SHAPE,
     "'bias'", NULL},
    {NC_K_MISMATCH, 0, NB(NN_MATMUL) | NB(NN_DENSE), "K mismatch", TVM_ERR_SHAPE, "contracted",
     NULL},
    {NC_BATCH, 0, NB(NN_MATMUL), "batch 2 vs 3", TVM_ERR_SHAPE, "broadcast", NULL},
    {NC_ZERO_D, 0, NB(NN_MATMUL), "0-d b", TVM_ERR_SHAPE, "'b'", "0-d"},
    {NC_TRANSPOSE_OK, 0, NB(NN_MATMUL), "both transposed", TVM_OK, NULL, NULL},
    {NC_ONE_D_OK, 0, NB(NN_MATMUL), "1-D b", TVM_OK, NULL, NULL},
    {NC_BAD_OP, TVM_OP_SUM, NB(NN_GPOOL), "op TVM_OP_SUM", TVM_ERR_INVALID_ARGUMENT, "op", NULL},
    {NC_BAD_OP, -1, NB(NN_GPOOL), "op -1", TVM_ERR_INVALID_ARGUMENT, "op", NULL},
    {NC_BAD_OP, INT_MAX, NB(NN_GPOOL), "op INT_MAX", TVM_ERR_INVALID_ARGUMENT, "op", NULL},
    {NC_CEIL_OK, 0, NN_POOLS, "ceil_mode with count_include_pad", TVM_OK, NULL, NULL},
    {NC_RESERVED, 0, NN_POOLS, "reserved pad_ = 1", TVM_ERR_INVALID_ARGUMENT, "pad_", NULL},
};

static void add_nn_probes(const contract *c) {
    int which = nn_which(c);
    static const char *const argn[][3] = {
        [NN_MATMUL] = {"'a'", "'b'", NULL},      [NN_DENSE] = {"'x'", "'w'", "'bias'"},
        [NN_CONV2D] = {"'x'", "'w'", "'bias'"},  [NN_CONV1D] = {"'x'", "'w'", "'bias'"},
        [NN_CONVT] = {"'x'", "'w'", "'bias'"},   [NN_MAXPOOL] = {"'x'", NULL, NULL},
        [NN_AVGPOOL] = {"'x'", NULL, NULL},      [NN_GPOOL] = {"'x'", NULL, NULL},
    };
    probe *p = probe_add(c, probe_nn, M_OK, 0, 0, TVM_OK, "valid call");
    p = probe_add(c, probe_nn, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int arg = 0; arg < 3 && argn[which][arg]; arg++)
        for (int k = 0; k < NUM_BAD_TENSOR; k++) {
            /* an absent bias (the null tensor) is valid */
            bool optional = arg == 2 && k == BADT_NULL;
            p = probe_add(c, probe_nn, M_BAD_ARG, arg, k,
                          optional ? TVM_OK : (int)bad_tensor_status(k), "%s = %s",
                          argn[which][arg], bad_tensor_name[k]);
            needles(p, argn[which][arg], NULL, NULL);
        }
    for (int k = 0; k < (int)(sizeof nn_cases / sizeof nn_cases[0]); k++) {
        const nn_case *nc = &nn_cases[k];
        if (!(nc->ops & NB(which))) continue;
        int expect = nc->expect;
        const char *n1 = nc->n1, *n2 = nc->n2;
        if (nc->kind == NC_ATTRS_NULL && nn_is_conv(which)) {
            /* NULL attrs are the defaults: one group, which does not match
             * weights made for two (the transposed conv then makes 2 output
             * channels, and the bias has 4) */
            expect = TVM_ERR_SHAPE;
            n1 = which == NN_CONVT ? "'bias'" : "'w'";
        }
        p = probe_add(c, probe_nn, M_CUSTOM, 0, nc->kind, expect, "%s", nc->what);
        p->value = nc->value;
        needles(p, n1, n2, NULL);
    }
    p = probe_add(c, probe_nn, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT, "graph already failed");
    needles(p, "999", NULL, NULL);
}
static void add_tvm_op_matmul_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_dense_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_conv2d_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_conv1d_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_conv_transpose2d_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_max_pool2d_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_avg_pool2d_probes(const contract *c) { add_nn_probes(c); }
static void add_tvm_op_global_pool2d_probes(const contract *c) { add_nn_probes(c); }
/* Operator library: elementwise, reductions, normalisation (add_op_probes, OP). */
#include "contract_op_elementwise.inc"

/* ========================================================================= */
/* Shape operators (tvm_op_reshape ... tvm_op_resize)                         */
/* ========================================================================= */

/* Each shape operator has a call function: case -1 is a valid call on the
 * probe's tensors x (float32 [4, 6]) and y (the operator's second operand,
 * from its `second` function); case k >= 0 is row k of its case table. */
typedef tvm_tensor (*shape_call_fn)(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c);

/* A placeholder with dims d[k]; -1 is the size variable "n". */
static tvm_tensor sp_tensor(tvm_graph *g, const char *name, tvm_dtype dt, int ndim,
                            const int64_t *d) {
    tvm_expr dims[TVM_MAX_NDIM];
    tvm_expr n = tvm_size_var(g, "n");
    for (int k = 0; k < ndim; k++) dims[k] = d[k] < 0 ? n : c64(g, d[k]);
    return tvm_placeholder(g, name, dt, ndim, dims);
}
#define SP(g, dt, ...) \
    sp_tensor(g, "Xc", dt, (int)(sizeof TT_SHAPE(__VA_ARGS__) / sizeof(int64_t)), TT_SHAPE(__VA_ARGS__))

static tvm_tensor sp_reshape(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int64_t s[4] = {2, 3, 4, 0};
    int ndim = 3;
    const int64_t *sh = s;
    switch (c) {
    case 0: ndim = -1; break;
    case 1: ndim = 33; break;
    case 2: sh = NULL; break;
    case 3: s[0] = s[1] = -1; ndim = 2; break;
    case 4: s[0] = s[1] = 5; ndim = 2; break;
    case 5: s[0] = -2; s[1] = -12; ndim = 2; break;
    case 6: s[0] = INT64_MAX; s[1] = 2; ndim = 2; break;
    case 7: s[0] = s[1] = s[2] = 0; break;
    case 8: s[0] = -1; ndim = 1; break;
    case 9: ndim = 0; break;
    case 10: x = SP(g, TVM_FLOAT32, -1, 6); s[0] = 0; s[1] = 2; s[2] = 3; break;
    case 11: x = SP(g, TVM_FLOAT32, -1, 6); s[0] = 4; s[1] = -1; ndim = 2; break;
    case 12: s[0] = INT64_MIN; ndim = 1; break;
    case 13: s[0] = -1; s[1] = INT64_C(1) << 62; s[2] = 4; break;
    }
    return tvm_op_reshape(g, x, ndim, sh);
}
static const struct sp_case { const char *what; int expect; const char *n1, *n2; }
sp_reshape_cases[] = {
    {"ndim -1", TVM_ERR_INVALID_ARGUMENT, "ndim", "-1"},
    {"ndim 33", TVM_ERR_INVALID_ARGUMENT, "ndim", "33"},
    {"shape NULL", TVM_ERR_INVALID_ARGUMENT, "shape", "NULL"},
    {"two -1 entries", TVM_ERR_INVALID_ARGUMENT, "-1", NULL},
    {"24 elements into 25", TVM_ERR_SHAPE, "24", "25"},
    {"dim -2", TVM_ERR_SHAPE, "shape[0]", "-2"},
    {"dims INT64_MAX x 2", TVM_ERR_SHAPE, "overflow", NULL},
    {"0 (copy) past x's rank", TVM_ERR_INVALID_ARGUMENT, "shape[2]", "rank 2"},
    {"[-1]", TVM_OK, NULL, NULL},
    {"rank 0 from 24 elements", TVM_ERR_SHAPE, "24", NULL},
    {"[n, 6] to [0, 2, 3]", TVM_OK, NULL, NULL},
    {"[n, 6] to [4, -1]", TVM_ERR_SHAPE, "provably", NULL},
    {"dim INT64_MIN", TVM_ERR_SHAPE, "shape[0]", NULL},
    {"[-1, 2^62, 4]", TVM_ERR_SHAPE, "overflow", NULL},
};

static tvm_tensor sp_transpose(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int p[2] = {1, 0};
    const int *perm = p;
    switch (c) {
    case 0: p[0] = 0; break;
    case 1: p[0] = 2; break;
    case 2: p[0] = INT_MIN; break;
    case 3: perm = NULL; break;
    case 4: p[0] = -1; p[1] = -2; break;
    }
    return tvm_op_transpose(g, x, perm);
}
static const struct sp_case sp_transpose_cases[] = {
    {"perm {0, 0}", TVM_ERR_INVALID_ARGUMENT, "permutation", NULL},
    {"perm {2, 0}", TVM_ERR_INVALID_ARGUMENT, "perm[0]", "2"},
    {"perm {INT_MIN, 0}", TVM_ERR_INVALID_ARGUMENT, "perm[0]", NULL},
    {"perm NULL (reverse)", TVM_OK, NULL, NULL},
    {"perm {-1, -2}", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_concat(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    tvm_tensor xs[2] = {x, y};
    const tvm_tensor *p = xs;
    int n = 2, axis = 0;
    switch (c) {
    case 0: n = 0; break;
    case 1: n = -1; break;
    case 2: p = NULL; break;
    case 3: axis = 2; break;
    case 4: axis = INT_MIN; break;
    case 5: xs[1] = SP(g, TVM_INT8, 2, 6); break;
    case 6: axis = 1; break;
    case 7: xs[1] = SP(g, TVM_FLOAT32, 12); break;
    case 8: n = INT_MAX; break;
    case 9: n = 1; break;
    case 10: axis = -2; break;
    }
    return tvm_op_concat(g, n, p, axis);
}
static const struct sp_case sp_concat_cases[] = {
    {"n 0", TVM_ERR_INVALID_ARGUMENT, "n is 0", NULL},
    {"n -1", TVM_ERR_INVALID_ARGUMENT, "n is -1", NULL},
    {"xs NULL", TVM_ERR_INVALID_ARGUMENT, "xs", "NULL"},
    {"axis 2", TVM_ERR_INVALID_ARGUMENT, "axis 2", NULL},
    {"axis INT_MIN", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"float32 and int8", TVM_ERR_DTYPE, "xs[1]", "int8"},
    {"axis 1: dim 0 is 4 and 2", TVM_ERR_SHAPE, "dim 0", "xs[1]"},
    {"ranks 2 and 1", TVM_ERR_SHAPE, "rank", NULL},
    {"n INT_MAX", TVM_ERR_LIMIT, "n is", NULL},
    {"one tensor", TVM_OK, NULL, NULL},
    {"axis -2", TVM_OK, NULL, NULL},
};
static tvm_tensor sp_concat_second(tvm_graph *g) { return SP(g, TVM_FLOAT32, 2, 6); }

static tvm_tensor sp_slice(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int axes[2] = {1, 0}, naxes = 1;
    int64_t starts[2] = {1, 0}, ends[2] = {5, 4}, steps[2] = {1, 1};
    const int *ap = axes;
    const int64_t *sp = starts, *ep = ends, *tp = NULL;
    switch (c) {
    case 0: naxes = -1; break;
    case 1: naxes = 3; break;
    case 2: ap = NULL; break;
    case 3: sp = NULL; break;
    case 4: ep = NULL; break;
    case 5: steps[0] = 0; tp = steps; break;
    case 6: axes[0] = 2; break;
    case 7: axes[0] = 0; axes[1] = -2; naxes = 2; break;
    case 8: x = SP(g, TVM_FLOAT32, -1, 6); axes[0] = 0; break;
    case 9: starts[0] = INT64_MIN; ends[0] = INT64_MAX; steps[0] = INT64_MIN; tp = steps; break;
    case 10: steps[0] = INT64_MAX; tp = steps; break;
    case 11: x = SP(g, TVM_FLOAT32, -1, 6); break;
    case 12: naxes = 0; ap = NULL; sp = ep = NULL; break;
    }
    return tvm_op_slice(g, x, naxes, ap, sp, ep, tp);
}
static const struct sp_case sp_slice_cases[] = {
    {"naxes -1", TVM_ERR_INVALID_ARGUMENT, "naxes", NULL},
    {"naxes 3 on rank 2", TVM_ERR_INVALID_ARGUMENT, "naxes", NULL},
    {"axes NULL", TVM_ERR_INVALID_ARGUMENT, "axes", "NULL"},
    {"starts NULL", TVM_ERR_INVALID_ARGUMENT, "starts", "NULL"},
    {"ends NULL", TVM_ERR_INVALID_ARGUMENT, "ends", "NULL"},
    {"step 0", TVM_ERR_INVALID_ARGUMENT, "steps[0]", NULL},
    {"axis 2", TVM_ERR_INVALID_ARGUMENT, "axes[0]", NULL},
    {"axes {0, -2}", TVM_ERR_INVALID_ARGUMENT, "axes[1]", "repeats"},
    {"symbolic sliced dim", TVM_ERR_SHAPE, "symbolic", "constant"},
    {"INT64_MIN..INT64_MAX by INT64_MIN", TVM_OK, NULL, NULL},
    {"step INT64_MAX", TVM_OK, NULL, NULL},
    {"symbolic dim not sliced", TVM_OK, NULL, NULL},
    {"naxes 0, arrays NULL", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_pad(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int64_t pads[4] = {1, 1, 1, 1};
    const int64_t *pp = pads;
    int mode = TVM_PAD_CONSTANT;
    double value = 0;
    switch (c) {
    case 0: pp = NULL; break;
    case 1: mode = 3; break;
    case 2: mode = -1; break;
    case 3: mode = INT_MIN; break;
    case 4: pads[0] = 4; pads[1] = pads[2] = pads[3] = 0; mode = TVM_PAD_REFLECT; break;
    case 5: pads[0] = -3; pads[2] = -2; break;
    case 6: pads[0] = INT64_MAX; pads[2] = 1; break;
    case 7: pads[0] = INT64_MAX - 2; pads[2] = 0; break;
    case 8: pads[0] = INT64_MIN; pads[2] = 0; break;
    case 9: x = SP(g, TVM_INT8, 4, 6); value = NAN; break;
    case 10: x = SP(g, TVM_INT64, 4, 6); value = 1e300; break;
    case 11: x = SP(g, TVM_FLOAT32, -1, 6); mode = TVM_PAD_EDGE; break;
    case 12: x = SP(g, TVM_FLOAT32, -1, 6); pads[0] = INT64_MIN; mode = TVM_PAD_REFLECT; break;
    case 13: value = NAN; break;
    case 14: x = tvm_placeholder(g, "Xs0", TVM_FLOAT32, 0, NULL); pp = NULL; break;
    case 15: x = SP(g, TVM_FLOAT32, 0, 6); mode = TVM_PAD_EDGE; break;
    }
    return tvm_op_pad(g, x, pp, (tvm_pad_mode)mode, value);
}
static const struct sp_case sp_pad_cases[] = {
    {"pads NULL", TVM_ERR_INVALID_ARGUMENT, "pads", "NULL"},
    {"mode 3", TVM_ERR_INVALID_ARGUMENT, "mode", NULL},
    {"mode -1", TVM_ERR_INVALID_ARGUMENT, "mode", NULL},
    {"mode INT_MIN", TVM_ERR_INVALID_ARGUMENT, "mode", NULL},
    {"reflect by the dim", TVM_ERR_INVALID_ARGUMENT, "reflect", "dim 0"},
    {"crop 4 by 5", TVM_ERR_SHAPE, "below zero", NULL},
    {"pads INT64_MAX + 1", TVM_ERR_SHAPE, "overflow", NULL},
    {"dim 4 + (INT64_MAX - 2)", TVM_ERR_SHAPE, "overflow", NULL},
    {"pad INT64_MIN", TVM_ERR_SHAPE, "below zero", NULL},
    {"NaN into int8", TVM_ERR_INVALID_ARGUMENT, "value", "int8"},
    {"1e300 into int64", TVM_ERR_INVALID_ARGUMENT, "value", "int64"},
    {"edge on a symbolic dim", TVM_OK, NULL, NULL},
    {"reflect with INT64_MIN before", TVM_ERR_SHAPE, "overflow", NULL},
    {"NaN into float32", TVM_OK, NULL, NULL},
    {"rank 0, pads NULL", TVM_OK, NULL, NULL},
    {"edge of an empty dim", TVM_ERR_INVALID_ARGUMENT, "edge", "non-empty"},
};

static tvm_tensor sp_gather(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    int axis = 0;
    switch (c) {
    case 0: axis = 2; break;
    case 1: axis = INT_MIN; break;
    case 2: y = SP(g, TVM_FLOAT32, 3); break;
    case 3: y = SP(g, TVM_BOOL, 3); break;
    case 4: {
        int64_t ones[TVM_MAX_NDIM];
        for (int k = 0; k < TVM_MAX_NDIM; k++) ones[k] = 1;
        x = sp_tensor(g, "X32", TVM_FLOAT32, TVM_MAX_NDIM, ones);
        y = SP(g, TVM_INT32, 2, 2);
        break;
    }
    case 5: y = SP(g, TVM_INT32, 2, 2); axis = -1; break;
    case 6: x = tvm_placeholder(g, "Xs0", TVM_FLOAT32, 0, NULL); break;
    case 7: y = tvm_placeholder(g, "I0", TVM_INT64, 0, NULL); break;
    }
    return tvm_op_gather(g, x, y, axis);
}
static const struct sp_case sp_gather_cases[] = {
    {"axis 2", TVM_ERR_INVALID_ARGUMENT, "axis 2", NULL},
    {"axis INT_MIN", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"float32 indices", TVM_ERR_DTYPE, "indices", "float32"},
    {"bool indices", TVM_ERR_DTYPE, "indices", "bool"},
    {"result rank 33", TVM_ERR_SHAPE, "rank 33", NULL},
    {"int32 indices, axis -1", TVM_OK, NULL, NULL},
    {"rank-0 x", TVM_ERR_INVALID_ARGUMENT, "axis", "rank 0"},
    {"rank-0 indices", TVM_OK, NULL, NULL},
};
static tvm_tensor sp_gather_second(tvm_graph *g) {
    return tvm_placeholder(g, "Idx", TVM_INT64, 1, (tvm_expr[]){c64(g, 3)});
}

static tvm_tensor sp_broadcast_to(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int64_t s[3] = {2, 4, 6};
    int ndim = 3;
    const int64_t *sh = s;
    switch (c) {
    case 0: ndim = -1; break;
    case 1: ndim = 33; break;
    case 2: sh = NULL; break;
    case 3: s[0] = 5; s[1] = 6; ndim = 2; break;
    case 4: s[0] = -1; break;
    case 5: x = SP(g, TVM_FLOAT32, -1, 6); s[0] = 3; s[1] = 6; ndim = 2; break;
    case 6: s[0] = 4; s[1] = 1; ndim = 2; break;
    case 7: ndim = 0; sh = NULL; break;
    }
    return tvm_op_broadcast_to(g, x, ndim, sh);
}
static const struct sp_case sp_broadcast_to_cases[] = {
    {"ndim -1", TVM_ERR_INVALID_ARGUMENT, "ndim", NULL},
    {"ndim 33", TVM_ERR_INVALID_ARGUMENT, "ndim", NULL},
    {"shape NULL", TVM_ERR_INVALID_ARGUMENT, "shape", "NULL"},
    {"[4, 6] to [5, 6]", TVM_ERR_SHAPE, "broadcast", NULL},
    {"shape[0] -1", TVM_ERR_SHAPE, "shape[0]", "negative"},
    {"[n, 6] to [3, 6]", TVM_ERR_SHAPE, "symbolic", NULL},
    {"[4, 6] to [4, 1] (x's dims win)", TVM_OK, NULL, NULL},
    {"ndim 0", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_squeeze(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int axes[2] = {0, 0}, naxes = 0;
    const int *ap = axes;
    switch (c) {
    case 0: naxes = -1; break;
    case 1: naxes = 3; break;
    case 2: ap = NULL; naxes = 1; break;
    case 3: naxes = 1; break;
    case 4: axes[0] = 5; naxes = 1; break;
    case 5: x = SP(g, TVM_FLOAT32, 1, 1); axes[1] = -2; naxes = 2; break;
    case 6: x = SP(g, TVM_FLOAT32, -1, 1); naxes = 1; break;
    case 7: x = SP(g, TVM_FLOAT32, 1, 4, 1); axes[0] = -1; naxes = 2; break;
    case 8: naxes = 0; ap = NULL; break;
    }
    return tvm_op_squeeze(g, x, naxes, ap);
}
static const struct sp_case sp_squeeze_cases[] = {
    {"naxes -1", TVM_ERR_INVALID_ARGUMENT, "naxes", NULL},
    {"naxes 3 on rank 2", TVM_ERR_INVALID_ARGUMENT, "naxes", NULL},
    {"axes NULL", TVM_ERR_INVALID_ARGUMENT, "axes", "NULL"},
    {"dim of 4", TVM_ERR_INVALID_ARGUMENT, "axes[0]", "not 1"},
    {"axis 5", TVM_ERR_INVALID_ARGUMENT, "axes[0]", NULL},
    {"axes {0, -2}", TVM_ERR_INVALID_ARGUMENT, "repeats", NULL},
    {"symbolic dim", TVM_ERR_INVALID_ARGUMENT, "symbolic", NULL},
    {"[1, 4, 1] axes {-1, 0}", TVM_OK, NULL, NULL},
    {"naxes 0, axes NULL", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_unsqueeze(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int axes[TVM_MAX_NDIM] = {0}, naxes = 1;
    const int *ap = axes;
    switch (c) {
    case 0: naxes = -1; break;
    case 1: naxes = 31; break;
    case 2: ap = NULL; break;
    case 3: axes[0] = 3; break;
    case 4: axes[0] = 1; axes[1] = -3; naxes = 2; break;
    case 5:
        naxes = 30;
        for (int k = 0; k < naxes; k++) axes[k] = k;
        break;
    case 6: axes[0] = INT_MIN; break;
    }
    return tvm_op_unsqueeze(g, x, naxes, ap);
}
static const struct sp_case sp_unsqueeze_cases[] = {
    {"naxes -1", TVM_ERR_INVALID_ARGUMENT, "naxes", NULL},
    {"naxes 31 on rank 2", TVM_ERR_INVALID_ARGUMENT, "naxes", NULL},
    {"axes NULL", TVM_ERR_INVALID_ARGUMENT, "axes", "NULL"},
    {"axis 3 of a rank-3 result", TVM_ERR_INVALID_ARGUMENT, "axes[0]", NULL},
    {"axes {1, -3}", TVM_ERR_INVALID_ARGUMENT, "repeats", NULL},
    {"30 axes (rank 32)", TVM_OK, NULL, NULL},
    {"axis INT_MIN", TVM_ERR_INVALID_ARGUMENT, "axes[0]", NULL},
};

static tvm_tensor sp_flatten(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int axis = 1;
    switch (c) {
    case 0: axis = 3; break;
    case 1: axis = -3; break;
    case 2: axis = INT_MIN; break;
    case 3: axis = 2; break;
    case 4: axis = -2; break;
    case 5: x = tvm_placeholder(g, "Xs0", TVM_FLOAT32, 0, NULL); axis = 0; break;
    case 6: x = SP(g, TVM_FLOAT32, INT64_C(1) << 40, INT64_C(1) << 40); axis = 0; break;
    }
    return tvm_op_flatten(g, x, axis);
}
static const struct sp_case sp_flatten_cases[] = {
    {"axis 3", TVM_ERR_INVALID_ARGUMENT, "axis 3", NULL},
    {"axis -3", TVM_ERR_INVALID_ARGUMENT, "axis -3", NULL},
    {"axis INT_MIN", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"axis 2 (the rank)", TVM_OK, NULL, NULL},
    {"axis -2", TVM_OK, NULL, NULL},
    {"rank 0", TVM_OK, NULL, NULL},
    {"2^40 x 2^40 elements", TVM_ERR_SHAPE, "overflow", NULL},
};

static tvm_tensor sp_tile(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int64_t r[2] = {2, 3};
    const int64_t *rp = r;
    switch (c) {
    case 0: rp = NULL; break;
    case 1: r[0] = -1; break;
    case 2: r[0] = INT64_MAX; break;
    case 3: r[0] = r[1] = 0; break;
    case 4: x = SP(g, TVM_FLOAT32, -1, 6); r[0] = INT64_MAX; break;
    case 5: x = tvm_placeholder(g, "Xs0", TVM_FLOAT32, 0, NULL); rp = NULL; break;
    case 6: r[1] = INT64_MIN; break;
    }
    return tvm_op_tile(g, x, rp);
}
static const struct sp_case sp_tile_cases[] = {
    {"repeats NULL", TVM_ERR_INVALID_ARGUMENT, "repeats", "NULL"},
    {"repeat -1", TVM_ERR_INVALID_ARGUMENT, "repeats[0]", "negative"},
    {"4 x INT64_MAX", TVM_ERR_SHAPE, "overflow", NULL},
    {"repeats 0", TVM_OK, NULL, NULL},
    {"symbolic n x INT64_MAX", TVM_OK, NULL, NULL},
    {"rank 0, repeats NULL", TVM_OK, NULL, NULL},
    {"repeat INT64_MIN", TVM_ERR_INVALID_ARGUMENT, "repeats[1]", NULL},
};

static tvm_tensor sp_resize(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int64_t s[TVM_MAX_NDIM] = {8, 12};
    const int64_t *sp = s;
    int mode = TVM_RESIZE_NEAREST, coord = TVM_COORD_HALF_PIXEL, near = TVM_NEAREST_FLOOR;
    switch (c) {
    case 0: sp = NULL; break;
    case 1: mode = 2; break;
    case 2: coord = 4; break;
    case 3: near = -1; break;
    case 4: s[0] = 0; break;
    case 5: s[0] = INT64_MIN; break;
    case 6: x = SP(g, TVM_INT32, 4, 6); break;
    case 7: x = SP(g, TVM_BOOL, 4, 6); break;
    case 8:
        x = SP(g, TVM_FLOAT32, 2, 2, 2, 2, 2, 2, 2, 2, 2);
        for (int k = 0; k < 9; k++) s[k] = 3;
        mode = TVM_RESIZE_LINEAR;
        break;
    case 9: mode = TVM_RESIZE_LINEAR; coord = TVM_COORD_ALIGN_CORNERS; break;
    case 10: x = SP(g, TVM_FLOAT32, 0, 6); break;
    case 11: x = SP(g, TVM_FLOAT16, -1, 6); mode = TVM_RESIZE_LINEAR; break;
    case 12: s[0] = INT64_MAX; break;
    case 13: coord = INT_MIN; break;
    }
    return tvm_op_resize(g, x, sp, (tvm_resize_mode)mode, (tvm_resize_coord)coord,
                         (tvm_resize_nearest)near);
}
static const struct sp_case sp_resize_cases[] = {
    {"out_shape NULL", TVM_ERR_INVALID_ARGUMENT, "out_shape", "NULL"},
    {"mode 2", TVM_ERR_INVALID_ARGUMENT, "mode", NULL},
    {"coord 4", TVM_ERR_INVALID_ARGUMENT, "coord", NULL},
    {"nearest -1", TVM_ERR_INVALID_ARGUMENT, "nearest", NULL},
    {"out_shape[0] 0", TVM_ERR_SHAPE, "out_shape[0]", NULL},
    {"out_shape[0] INT64_MIN", TVM_ERR_SHAPE, "out_shape[0]", NULL},
    {"int32 x", TVM_ERR_DTYPE, "int32", NULL},
    {"bool x", TVM_ERR_DTYPE, "bool", NULL},
    {"linear over 9 dims", TVM_ERR_UNSUPPORTED, "linear", NULL},
    {"linear, align_corners", TVM_OK, NULL, NULL},
    {"empty x dim", TVM_ERR_SHAPE, "dim 0", NULL},
    {"linear float16 on a symbolic dim", TVM_OK, NULL, NULL},
    {"out_shape[0] INT64_MAX", TVM_OK, NULL, NULL},
    {"coord INT_MIN", TVM_ERR_INVALID_ARGUMENT, "coord", NULL},
};


/* indexing, selection and quantization operators (x is float32 [4, 6]) */
static tvm_tensor sp_gather_elements(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    int axis = 1;
    switch (c) {
    case 0: axis = 2; break;
    case 1: y = SP(g, TVM_FLOAT32, 4, 6); break;
    case 2: y = SP(g, TVM_INT64, 4); break;
    case 3: y = SP(g, TVM_INT64, 5, 6); break;
    case 4: y = SP(g, TVM_INT32, 2, 9); axis = -1; break;
    }
    return tvm_op_gather_elements(g, x, y, axis);
}
static const struct sp_case sp_gather_elements_cases[] = {
    {"axis 2", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"float32 indices", TVM_ERR_DTYPE, "indices", "float32"},
    {"rank-1 indices", TVM_ERR_SHAPE, "rank", NULL},
    {"indices dim 0 larger", TVM_ERR_SHAPE, "dim 0", NULL},
    {"int32 indices, longer axis", TVM_OK, NULL, NULL},
};
static tvm_tensor sp_index_4x6(tvm_graph *g) { return SP(g, TVM_INT64, 4, 6); }

static tvm_tensor sp_gather_nd(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    int b = 0;
    switch (c) {
    case 0: b = -1; break;
    case 1: y = SP(g, TVM_INT64, 4, 3); break;
    case 2: y = SP(g, TVM_INT64, 4, -1); break;
    case 3: y = SP(g, TVM_FLOAT32, 4, 2); break;
    case 4: y = SP(g, TVM_INT64, 4, 1); b = 1; break;
    case 5: y = tvm_placeholder(g, "I0", TVM_INT64, 0, NULL); break;
    }
    return tvm_op_gather_nd(g, x, y, b);
}
static const struct sp_case sp_gather_nd_cases[] = {
    {"batch_dims -1", TVM_ERR_INVALID_ARGUMENT, "batch_dims", NULL},
    {"tuples of 3 into rank 2", TVM_ERR_SHAPE, "tuples", NULL},
    {"symbolic tuple length", TVM_ERR_SHAPE, "symbolic", NULL},
    {"float32 indices", TVM_ERR_DTYPE, "indices", "float32"},
    {"batch_dims 1", TVM_OK, NULL, NULL},
    {"0-d indices", TVM_ERR_SHAPE, "0-d", NULL},
};
static tvm_tensor sp_index_4x2(tvm_graph *g) { return SP(g, TVM_INT64, 4, 2); }

static tvm_tensor sp_scatter_elements(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    tvm_tensor u = SP(g, TVM_FLOAT32, 4, 6);
    int axis = 0, red = TVM_SCATTER_NONE;
    switch (c) {
    case 0: red = 7; break;
    case 1: axis = -3; break;
    case 2: u = SP(g, TVM_INT32, 4, 6); break;
    case 3: x = SP(g, TVM_BOOL, 4, 6); u = SP(g, TVM_BOOL, 4, 6); red = TVM_SCATTER_ADD; break;
    case 4: u = SP(g, TVM_FLOAT32, 4, 5); break;
    case 5: u = (tvm_tensor){0}; break;
    case 6: red = TVM_SCATTER_MIN; axis = -1; break;
    case 7: y = SP(g, TVM_INT64, 2, 6); u = SP(g, TVM_FLOAT32, 2, 6); axis = 1; break;
    }
    return tvm_op_scatter_elements(g, x, y, u, axis, (tvm_scatter_reduction)red);
}
static const struct sp_case sp_scatter_elements_cases[] = {
    {"reduction 7", TVM_ERR_INVALID_ARGUMENT, "reduction", NULL},
    {"axis -3", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"int32 updates", TVM_ERR_DTYPE, "updates", "int32"},
    {"bool add", TVM_ERR_DTYPE, "bool", NULL},
    {"updates narrower than indices", TVM_ERR_SHAPE, "updates", NULL},
    {"updates null", TVM_ERR_INVALID_ARGUMENT, "updates", "null"},
    {"min on axis -1", TVM_OK, NULL, NULL},
    {"indices narrower than x", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_scatter_nd(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    tvm_tensor u = SP(g, TVM_FLOAT32, 2, 6);
    int red = TVM_SCATTER_ADD;
    switch (c) {
    case 0: red = -1; break;
    case 1: y = SP(g, TVM_INT64, 2, 3); break;
    case 2: u = SP(g, TVM_FLOAT32, 2, 5); break;
    case 3: y = SP(g, TVM_FLOAT32, 2, 1); break;
    case 4: y = SP(g, TVM_INT32, 2); u = tvm_placeholder(g, "U0", TVM_FLOAT32, 0, NULL); break;
    case 5: u = SP(g, TVM_FLOAT64, 2, 6); break;
    }
    return tvm_op_scatter_nd(g, x, y, u, (tvm_scatter_reduction)red);
}
static const struct sp_case sp_scatter_nd_cases[] = {
    {"reduction -1", TVM_ERR_INVALID_ARGUMENT, "reduction", NULL},
    {"tuples of 3 into rank 2", TVM_ERR_SHAPE, "tuples", NULL},
    {"updates dim 1 wrong", TVM_ERR_SHAPE, "updates", NULL},
    {"float32 indices", TVM_ERR_DTYPE, "indices", "float32"},
    {"one full tuple", TVM_OK, NULL, NULL},
    {"float64 updates", TVM_ERR_DTYPE, "updates", "float64"},
};
static tvm_tensor sp_index_2x1(tvm_graph *g) { return SP(g, TVM_INT64, 2, 1); }

static tvm_tensor sp_topk(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    (void)y; /* one operand */
    int64_t k = 2;
    int axis = 1, largest = 1;
    switch (c) {
    case 0: k = 7; break;
    case 1: k = -1; break;
    case 2: axis = 2; break;
    case 3: x = SP(g, TVM_BOOL, 4, 6); break;
    case 4: k = INT64_MAX; break;
    case 5: x = SP(g, TVM_INT8, 4, -1); k = 5; largest = 0; break;
    case 6: k = 0; axis = -2; break;
    }
    return tvm_op_topk(g, x, k, axis, largest);
}
static const struct sp_case sp_topk_cases[] = {
    {"k 7 of 6", TVM_ERR_INVALID_ARGUMENT, "k", "7"},
    {"k -1", TVM_ERR_INVALID_ARGUMENT, "k", "-1"},
    {"axis 2", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"bool x", TVM_ERR_DTYPE, "bool", NULL},
    {"k INT64_MAX", TVM_ERR_INVALID_ARGUMENT, "k", NULL},
    {"symbolic dim, smallest", TVM_OK, NULL, NULL},
    {"k 0", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_einsum(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    const char *eq = "ij,jk->ik";
    int n = 2;
    const tvm_tensor *xs = (tvm_tensor[]){x, y};
    switch (c) {
    case 0: eq = NULL; break;
    case 1: n = 0; break;
    case 2: n = 9; break;
    case 3: xs = NULL; break;
    case 4: eq = "ij,ik"; break;
    case 5: eq = "ij,j#"; break;
    case 6: eq = "ij,jk->ikk"; break;
    case 7: eq = "ij,jk-ik"; break;
    case 8: eq = "i...j,jk->ik"; break;
    case 9: eq = "...,...->..."; break;
    case 10: eq = "ij,jk->"; break;
    case 11: eq = "ij"; n = 1; break;
    }
    return tvm_op_einsum(g, eq, n, xs);
}
static const struct sp_case sp_einsum_cases[] = {
    {"equation NULL", TVM_ERR_INVALID_ARGUMENT, "equation", "NULL"},
    {"n 0", TVM_ERR_INVALID_ARGUMENT, "n", "0"},
    {"n 9", TVM_ERR_INVALID_ARGUMENT, "n", "9"},
    {"xs NULL", TVM_ERR_INVALID_ARGUMENT, "xs", "NULL"},
    {"letter i of 4 and 6", TVM_ERR_SHAPE, "'i'", NULL},
    {"'#' in a term", TVM_ERR_INVALID_ARGUMENT, "'#'", NULL},
    {"output letter twice", TVM_ERR_INVALID_ARGUMENT, "twice", NULL},
    {"'-' without '>'", TVM_ERR_INVALID_ARGUMENT, "'>'", NULL},
    {"ellipsis of no dims inside", TVM_OK, NULL, NULL},
    {"ellipsis over all dims", TVM_ERR_SHAPE, "broadcast", NULL},
    {"full contraction", TVM_OK, NULL, NULL},
    {"one operand, two terms' worth", TVM_OK, NULL, NULL},
};
static tvm_tensor sp_einsum_second(tvm_graph *g) { return SP(g, TVM_FLOAT32, 6, 3); }

static tvm_tensor sp_quantize_linear(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    tvm_tensor z = {0};
    int axis = 1;
    tvm_dtype dt = TVM_INT8;
    switch (c) {
    case 0: dt = TVM_FLOAT32; break;
    case 1: y = SP(g, TVM_FLOAT32, 4); break;
    case 2: x = SP(g, TVM_INT32, 4, 6); break;
    case 3: y = SP(g, TVM_FLOAT32, 6); axis = 2; break;
    case 4: y = SP(g, TVM_FLOAT32, 6); z = tvm_placeholder(g, "Z", TVM_UINT8, 0, NULL); dt = 0; break;
    case 5: z = tvm_placeholder(g, "Z", TVM_UINT8, 0, NULL); break;
    case 6: y = SP(g, TVM_INT8, 1); break;
    case 7: y = SP(g, TVM_FLOAT32, 2, 2); break;
    }
    return tvm_op_quantize_linear(g, x, y, z, axis, dt);
}
static const struct sp_case sp_quantize_linear_cases[] = {
    {"dtype float32", TVM_ERR_DTYPE, "int8", NULL},
    {"scale of 4 on a dim of 6", TVM_ERR_SHAPE, "scale", "axis"},
    {"int32 x", TVM_ERR_DTYPE, "x", "int32"},
    {"per axis, axis 2", TVM_ERR_INVALID_ARGUMENT, "axis", NULL},
    {"per axis, uint8 zero point", TVM_OK, NULL, NULL},
    {"dtype int8, uint8 zero point", TVM_ERR_DTYPE, "zero_point", "uint8"},
    {"int8 scale", TVM_ERR_DTYPE, "scale", "int8"},
    {"2-D scale", TVM_ERR_SHAPE, "scale", "rank 2"},
};
static tvm_tensor sp_scalar_scale(tvm_graph *g) {
    return tvm_placeholder(g, "S", TVM_FLOAT32, 0, NULL);
}

static tvm_tensor sp_dequantize_linear(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    /* the harness's x is float32: a valid x becomes int8 here, a bad handle
     * passes through */
    tvm_dtype dt;
    if (tvm_tensor_info(g, x, NULL, &dt) == TVM_OK && dt == TVM_FLOAT32)
        x = SP(g, TVM_INT8, 4, 6);
    tvm_tensor z = {0};
    int axis = 0;
    switch (c) {
    case 0: x = SP(g, TVM_FLOAT32, 4, 6); break;
    case 1: z = tvm_placeholder(g, "Z", TVM_UINT8, 0, NULL); break;
    case 2: y = SP(g, TVM_FLOAT32, 4); z = SP(g, TVM_INT8, 4); break;
    case 3: y = SP(g, TVM_FLOAT32, 5); break;
    case 4: x = SP(g, TVM_INT32, 4, 6); axis = INT_MIN; break;
    }
    return tvm_op_dequantize_linear(g, x, y, z, axis);
}
static const struct sp_case sp_dequantize_linear_cases[] = {
    {"float32 x", TVM_ERR_DTYPE, "x", "float32"},
    {"uint8 zero point for int8 x", TVM_ERR_DTYPE, "zero_point", "uint8"},
    {"per axis 0", TVM_OK, NULL, NULL},
    {"scale of 5 on a dim of 4", TVM_ERR_SHAPE, "scale", NULL},
    {"int32 x, axis INT_MIN unused", TVM_OK, NULL, NULL},
};

static tvm_tensor sp_bitshift(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    int left = 1;
    tvm_dtype dt;
    if (tvm_tensor_info(g, x, NULL, &dt) == TVM_OK && dt == TVM_FLOAT32)
        x = SP(g, TVM_UINT8, 4, 6);
    switch (c) {
    case 0: x = SP(g, TVM_FLOAT32, 4, 6); y = SP(g, TVM_FLOAT32, 6); break;
    case 1: y = SP(g, TVM_INT8, 6); break;
    case 2: y = SP(g, TVM_UINT8, 5); break;
    case 3: left = 0; y = SP(g, TVM_UINT8, 4, 1); break;
    case 4: left = INT_MIN; break;
    }
    return tvm_op_bitshift(g, x, y, left);
}
static const struct sp_case sp_bitshift_cases[] = {
    {"float32 x", TVM_ERR_DTYPE, "x", "float32"},
    {"int8 y for uint8 x", TVM_ERR_DTYPE, "y", "int8"},
    {"y of 5 against 6", TVM_ERR_SHAPE, "tvm_op_bitshift", NULL},
    {"right, broadcast y", TVM_OK, NULL, NULL},
    {"left INT_MIN (nonzero: left)", TVM_OK, NULL, NULL},
};
static tvm_tensor sp_shift_amount(tvm_graph *g) { return SP(g, TVM_UINT8, 6); }

static tvm_tensor sp_grid_sample(tvm_graph *g, tvm_tensor x, tvm_tensor y, int c) {
    int nd = 0, mode = TVM_GRID_SAMPLE_BILINEAR, pad = TVM_GRID_PAD_ZEROS, align = 0;
    if (tvm_tensor_info(g, x, &nd, NULL) == TVM_OK && nd == 2 && c != 3)
        x = SP(g, TVM_FLOAT32, 2, 3, 4, 6); /* the probe's [4, 6] x has rank 2 */
    switch (c) {
    case 0: mode = 3; break;
    case 1: pad = -1; break;
    case 2: align = 2; break;
    case 3: break;
    case 4: y = SP(g, TVM_FLOAT32, 2, 5, 5, 3); break;
    case 5: x = SP(g, TVM_INT32, 2, 3, 4, 6); break;
    case 6: y = SP(g, TVM_FLOAT32, 3, 5, 5, 2); break;
    case 7:
        x = SP(g, TVM_FLOAT16, 2, 3, -1, -1);
        mode = TVM_GRID_SAMPLE_BICUBIC, pad = TVM_GRID_PAD_REFLECTION, align = 1;
        break;
    case 8: mode = INT_MIN; break;
    }
    return tvm_op_grid_sample(g, x, y, (tvm_grid_sample_mode)mode,
                              (tvm_grid_sample_padding)pad, align);
}
static const struct sp_case sp_grid_sample_cases[] = {
    {"mode 3", TVM_ERR_INVALID_ARGUMENT, "mode", NULL},
    {"padding -1", TVM_ERR_INVALID_ARGUMENT, "padding", NULL},
    {"align_corners 2", TVM_ERR_INVALID_ARGUMENT, "align_corners", NULL},
    {"x of rank 2", TVM_ERR_SHAPE, "rank 2", NULL},
    {"grid's last dim 3", TVM_ERR_SHAPE, "must be 2", NULL},
    {"int32 x", TVM_ERR_DTYPE, "int32", NULL},
    {"batch 2 against 3", TVM_ERR_SHAPE, "batch", NULL},
    {"bicubic reflection, float16, symbolic H and W", TVM_OK, NULL, NULL},
    {"mode INT_MIN", TVM_ERR_INVALID_ARGUMENT, "mode", NULL},
};
static tvm_tensor sp_grid_second(tvm_graph *g) { return SP(g, TVM_FLOAT32, 2, 5, 5, 2); }

typedef struct shape_op {
    const char *name;
    shape_call_fn call;
    tvm_tensor (*second)(tvm_graph *g); /* NULL: no second operand */
    const char *arg0, *arg1;           /* what messages call x and y */
    const struct sp_case *cases;
    int ncases;
} shape_op;

#define SHAPE_OP(n, second, a0, a1) \
    {"tvm_op_" #n, sp_##n, second, a0, a1, sp_##n##_cases, \
     (int)(sizeof sp_##n##_cases / sizeof sp_##n##_cases[0])}
static const shape_op shape_ops[] = {
    SHAPE_OP(reshape, NULL, "'x'", NULL),
    SHAPE_OP(transpose, NULL, "'x'", NULL),
    SHAPE_OP(concat, sp_concat_second, "xs[0]", "xs[1]"),
    SHAPE_OP(slice, NULL, "'x'", NULL),
    SHAPE_OP(pad, NULL, "'x'", NULL),
    SHAPE_OP(gather, sp_gather_second, "'x'", "'indices'"),
    SHAPE_OP(broadcast_to, NULL, "'x'", NULL),
    SHAPE_OP(squeeze, NULL, "'x'", NULL),
    SHAPE_OP(unsqueeze, NULL, "'x'", NULL),
    SHAPE_OP(flatten, NULL, "'x'", NULL),
    SHAPE_OP(tile, NULL, "'x'", NULL),
    SHAPE_OP(resize, NULL, "'x'", NULL),
    SHAPE_OP(grid_sample, sp_grid_second, "'x'", "'grid'"),
    SHAPE_OP(gather_elements, sp_index_4x6, "'x'", "'indices'"),
    SHAPE_OP(gather_nd, sp_index_4x2, "'x'", "'indices'"),
    SHAPE_OP(scatter_elements, sp_index_4x6, "'x'", "'indices'"),
    SHAPE_OP(scatter_nd, sp_index_2x1, "'x'", "'indices'"),
    SHAPE_OP(topk, NULL, "'x'", NULL),
    SHAPE_OP(einsum, sp_einsum_second, "xs[0]", "xs[1]"),
    SHAPE_OP(quantize_linear, sp_scalar_scale, "'x'", "'scale'"),
    SHAPE_OP(dequantize_linear, sp_scalar_scale, "'x'", "'scale'"),
    SHAPE_OP(bitshift, sp_shift_amount, "'x'", "'y'"),
};

static const shape_op *find_shape_op(const char *name) {
    for (size_t k = 0; k < sizeof shape_ops / sizeof shape_ops[0]; k++)
        if (strcmp(shape_ops[k].name, name) == 0) return &shape_ops[k];
    return NULL;
}

static void probe_shape_op(const probe *p, probe_out *o) {
    const shape_op *op = find_shape_op(p->c->name);
    tvm_graph *g = new_graph();
    tvm_tensor x = SP(g, TVM_FLOAT32, 4, 6);
    tvm_tensor y = op->second ? op->second(g) : (tvm_tensor){0};
    int c = -1;
    switch (p->mode) {
    case M_NULL_GRAPH: record_builder(o, NULL, op->call(NULL, x, y, -1).id); return;
    case M_BAD_ARG:
        if (p->arg == 0) x = bad_tensor(g, p->kind);
        else y = bad_tensor(g, p->kind);
        break;
    case M_STICKY: make_sticky(g); break;
    case M_CUSTOM: c = p->kind; break;
    }
    record_builder(o, g, op->call(g, x, y, c).id);
}

static void add_shape_op_probes(const contract *c) {
    const shape_op *op = find_shape_op(c->name);
    probe_add(c, probe_shape_op, M_OK, 0, 0, TVM_OK, "valid call");
    probe *p = probe_add(c, probe_shape_op, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", c->name);
    for (int arg = 0; arg < (op->second ? 2 : 1); arg++)
        for (int k = 0; k < NUM_BAD_TENSOR; k++) {
            const char *an = arg ? op->arg1 : op->arg0;
            p = probe_add(c, probe_shape_op, M_BAD_ARG, arg, k, bad_tensor_status(k), "%s = %s",
                          an, bad_tensor_name[k]);
            needles(p, an, c->name, k == BADT_NULL ? "null" : NULL);
        }
    for (int k = 0; k < op->ncases; k++) {
        p = probe_add(c, probe_shape_op, M_CUSTOM, 0, k, op->cases[k].expect, "%s",
                      op->cases[k].what);
        needles(p, op->cases[k].n1, op->cases[k].n2,
                op->cases[k].expect != TVM_OK ? c->name : NULL);
    }
    p = probe_add(c, probe_shape_op, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}

/* tvm_op_split returns a status and writes n tensors: outs stay untouched on
 * failure and all hold tensors on success. */
static void probe_split(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_tensor x = SP(g, TVM_FLOAT32, 4, 6);
    int64_t sizes[3] = {1, 2, 3};
    const int64_t *sp = NULL;
    tvm_tensor outs[4];
    tvm_tensor *op = outs;
    int axis = 1, n = 3;
    for (int k = 0; k < 4; k++) outs[k].id = 0xdeadbeefu;
    switch (p->mode) {
    case M_NULL_GRAPH:
        record(o, tvm_op_split(NULL, x, axis, n, sp, op));
        require(o, outs[0].id == 0xdeadbeefu, "outs written on failure");
        return;
    case M_BAD_ARG: x = bad_tensor(g, p->kind); break;
    case M_STICKY: make_sticky(g); break;
    case M_CUSTOM:
        switch (p->kind) {
        case 0: n = 0; break;
        case 1: n = INT_MAX; break;
        case 2: op = NULL; break;
        case 3: axis = 5; break;
        case 4: n = 4; break;
        case 5: sizes[2] = 2; sp = sizes; break;
        case 6: sizes[0] = -1; sizes[1] = 4; sp = sizes; break;
        case 7: sizes[0] = sizes[1] = INT64_MAX; sp = sizes; break;
        case 8: x = SP(g, TVM_FLOAT32, -1, 6); axis = 0; n = 2; break;
        case 9: sizes[0] = 0; sizes[1] = 6; sizes[2] = 0; sp = sizes; break;
        case 10: sp = sizes; axis = -1; break;
        case 11: n = -5; break;
        }
        break;
    }
    tvm_status s = tvm_op_split(g, x, axis, n, sp, op);
    record(o, s);
    require(o, tvm_graph_status(g) == s, "the status is not the graph's status");
    if (s == TVM_OK) {
        for (int k = 0; k < n; k++) {
            int nd = -1;
            require(o, outs[k].id != 0 && outs[k].id != 0xdeadbeefu &&
                           tvm_tensor_info(g, outs[k], &nd, NULL) == TVM_OK && nd == 2,
                    "outs[%d] is not a rank-2 tensor", k);
        }
        require(o, outs[n].id == 0xdeadbeefu, "wrote past outs[n - 1]");
    } else if (op) {
        require(o, outs[0].id == 0xdeadbeefu, "outs written on failure");
    }
    capture_msg(o); /* the split's message, not tvm_tensor_info's */
    o->status = s;
}

static void add_tvm_op_split_probes(const contract *c) {
    probe_add(c, probe_split, M_OK, 0, 0, TVM_OK, "three equal parts");
    probe *p = probe_add(c, probe_split, M_NULL_GRAPH, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                         "graph NULL");
    needles(p, "graph", "NULL", NULL);
    for (int k = 0; k < NUM_BAD_TENSOR; k++) {
        p = probe_add(c, probe_split, M_BAD_ARG, 0, k, bad_tensor_status(k), "x = %s",
                      bad_tensor_name[k]);
        needles(p, "'x'", "tvm_op_split", NULL);
    }
    static const struct sp_case cases[] = {
        {"n 0", TVM_ERR_INVALID_ARGUMENT, "n is 0", NULL},
        {"n INT_MAX", TVM_ERR_LIMIT, "n is", NULL},
        {"outs NULL", TVM_ERR_INVALID_ARGUMENT, "outs", "NULL"},
        {"axis 5", TVM_ERR_INVALID_ARGUMENT, "axis 5", NULL},
        {"6 into 4 equal parts", TVM_ERR_SHAPE, "equal", NULL},
        {"sizes sum to 5", TVM_ERR_SHAPE, "sum to 5", NULL},
        {"size -1", TVM_ERR_INVALID_ARGUMENT, "sizes[0]", "negative"},
        {"sizes INT64_MAX twice", TVM_ERR_SHAPE, "sum past", NULL},
        {"symbolic axis dim", TVM_ERR_SHAPE, "symbolic", "constant"},
        {"sizes {0, 6, 0}", TVM_OK, NULL, NULL},
        {"sizes {1, 2, 3}, axis -1", TVM_OK, NULL, NULL},
        {"n -5", TVM_ERR_INVALID_ARGUMENT, "n is -5", NULL},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        p = probe_add(c, probe_split, M_CUSTOM, 0, k, cases[k].expect, "%s", cases[k].what);
        needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    p = probe_add(c, probe_split, M_STICKY, 0, 0, TVM_ERR_INVALID_ARGUMENT,
                  "graph already failed");
    needles(p, "999", NULL, NULL);
}


/* ========================================================================= */
/* ONNX import (tvm_onnx_*)                                                   */
/* ========================================================================= */

/* y = relu(x + w), x [n, 3] float32, w an initializer {1, 2, 3}; made with
 * onnx.helper (opset 13). */
static const uint8_t onnx_tiny[] = {
    8,8,18,1,116,58,100,10,14,10,1,120,10,1,119,18,1,116,34,3,65,100,100,10,12,10,1,116,
    18,1,121,34,4,82,101,108,117,18,1,103,42,21,8,3,16,1,34,12,0,0,128,63,0,0,0,64,0,0,
    64,64,66,1,119,90,20,10,1,120,18,15,10,13,8,1,18,9,10,3,18,1,110,10,2,8,3,98,20,10,
    1,121,18,15,10,13,8,1,18,9,10,3,18,1,110,10,2,8,3,66,4,10,0,16,13};

/* A build without the importer answers every call TVM_ERR_UNSUPPORTED. */
static bool onnx_built(void) {
    return tvm_onnx_model_counts(NULL, NULL, NULL) != TVM_ERR_UNSUPPORTED;
}

enum { OX_OK, OX_NULL_GRAPH, OX_NULL_OUT, OX_NULL_DATA, OX_EMPTY, OX_GARBAGE, OX_TRUNCATED,
       OX_DEEP, OX_BAD_SIZE, OX_NEW_SIZE, OX_FLAGS, OX_LIMIT, OX_STICKY, OX_NULL_PATH,
       OX_NO_FILE, OX_DIR, OX_UNSUPPORTED, OX_DANGLING, OX_BIND_OK, OX_BIND_NAME,
       OX_BIND_DTYPE, OX_BIND_SHAPE, OX_BIND_NULL };

static tvm_status onnx_do_import(const probe *p, tvm_graph *g, const void *data, size_t size,
                                 tvm_onnx_options *o, tvm_onnx_model **out) {
    if (!strcmp(p->c->name, "tvm_onnx_import_file")) {
        if (p->mode == OX_NULL_PATH) return tvm_onnx_import_file(g, NULL, o, out);
        if (p->mode == OX_NO_FILE) return tvm_onnx_import_file(g, "/nonexistent/m.onnx", o, out);
        if (p->mode == OX_DIR) return tvm_onnx_import_file(g, "/", o, out);
        char path[] = "/tmp/tvmc-contract-onnx-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0) return TVM_ERR_IO;
        if (size && write(fd, data, size) != (ssize_t)size) size = 0;
        close(fd);
        tvm_status s = tvm_onnx_import_file(g, path, o, out);
        unlink(path);
        return s;
    }
    return tvm_onnx_import(g, data, size, o, out);
}

static void probe_onnx_import(const probe *p, probe_out *o) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = (tvm_onnx_model *)(uintptr_t)0x77, **out = &m;
    uint8_t buf[4096];
    const void *data = onnx_tiny;
    size_t size = sizeof onnx_tiny;
    tvm_onnx_options opts = {.struct_size = sizeof opts};
    float wv[6] = {0};
    int64_t wshape[2] = {2, 3};
    DLTensor wt = {wv, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, wshape, NULL, 0};
    tvm_onnx_binding bind = {"x", &wt};
    tvm_onnx_options *op = &opts;
    switch (p->mode) {
    case OX_NULL_GRAPH: tvm_graph_destroy(g); g = NULL; break;
    case OX_NULL_OUT: out = NULL; break;
    case OX_NULL_DATA: data = NULL; break;
    case OX_EMPTY: size = 0; break;
    case OX_GARBAGE:
        for (size_t k = 0; k < sizeof buf; k++) buf[k] = (uint8_t)(k * 131 + 7);
        data = buf;
        size = sizeof buf;
        break;
    case OX_TRUNCATED: size = sizeof onnx_tiny - 9; break;
    case OX_DEEP: /* graph -> node -> attribute -> graph -> ... 200 deep */
        { /* built inside out from the end of buf: each level is a tag and a
           * two-byte length around the level below */
            static const uint8_t tags[3] = {(1 << 3) | 2, (6 << 3) | 2, (5 << 3) | 2};
            size_t pos = sizeof buf, len = 0;
            for (int d = 0; d < 200; d++) {
                buf[--pos] = (uint8_t)(len >> 7);
                buf[--pos] = (uint8_t)((len & 0x7f) | 0x80);
                buf[--pos] = d == 199 ? (7 << 3) | 2 : tags[d % 3];
                len += 3;
            }
            data = buf + pos;
            size = len;
        }
        break;
    case OX_BAD_SIZE: opts.struct_size = 1; break;
    case OX_NEW_SIZE: opts.struct_size = sizeof opts + 8; break;
    case OX_FLAGS: opts.flags = 0x80; break;
    case OX_LIMIT: opts.max_bytes = 16; break;
    case OX_STICKY: make_sticky(g); break;
    case OX_BIND_OK: case OX_BIND_NAME: case OX_BIND_DTYPE: case OX_BIND_SHAPE:
        opts.nbindings = 1;
        opts.bindings = &bind;
        if (p->mode == OX_BIND_NAME) bind.name = "w";
        if (p->mode == OX_BIND_DTYPE) wt.dtype.bits = 64;
        if (p->mode == OX_BIND_SHAPE) wshape[1] = 4;
        break;
    case OX_BIND_NULL: opts.nbindings = 1; break;
    case OX_UNSUPPORTED: /* op_type "Relu" -> "Rxlu" */
        memcpy(buf, onnx_tiny, sizeof onnx_tiny);
        buf[34] = 'x';
        data = buf;
        break;
    case OX_DANGLING: /* Relu reads "q", which nothing defines */
        memcpy(buf, onnx_tiny, sizeof onnx_tiny);
        buf[27] = 'q';
        data = buf;
        break;
    }
    if (p->kind == 1) op = NULL;
    tvm_status s = onnx_do_import(p, g, data, size, op, out);
    record(o, s);
    if (s == TVM_OK) {
        int ni = -1, no = -1;
        tvm_onnx_model_counts(m, &ni, &no);
        require(o, ni == (p->mode == OX_BIND_OK ? 0 : 1) && no == 1, "counts %d %d", ni, no);
        tvm_onnx_model_free(m);
    } else if (out) {
        require(o, m == (tvm_onnx_model *)(uintptr_t)0x77, "*out written on failure");
    }
    tvm_graph_destroy(g);
}

static void add_onnx_import_probes(const contract *c) {
    bool on = onnx_built();
    bool file = !strcmp(c->name, "tvm_onnx_import_file");
    static const struct { int mode; int expect; const char *what, *n1, *n2; } cases[] = {
        {OX_OK, TVM_OK, "tiny model", NULL, NULL},
        {OX_NULL_GRAPH, TVM_ERR_INVALID_ARGUMENT, "graph NULL", "graph", "NULL"},
        {OX_NULL_OUT, TVM_ERR_INVALID_ARGUMENT, "out NULL", "out", "NULL"},
        {OX_EMPTY, TVM_ERR_PARSE, "0 bytes", "empty", NULL},
        {OX_GARBAGE, TVM_ERR_PARSE, "garbage bytes", "onnx", NULL},
        {OX_TRUNCATED, TVM_ERR_PARSE, "truncated model", "onnx", NULL},
        {OX_DEEP, TVM_ERR_PARSE, "messages nested 200 deep", "nested", NULL},
        {OX_BAD_SIZE, TVM_ERR_INVALID_ARGUMENT, "opts->struct_size 1", "struct_size", NULL},
        {OX_NEW_SIZE, TVM_ERR_VERSION, "opts->struct_size too new", "struct_size", NULL},
        {OX_FLAGS, TVM_ERR_INVALID_ARGUMENT, "opts->flags 0x80", "flags", NULL},
        {OX_LIMIT, TVM_ERR_LIMIT, "opts->max_bytes 16", "max_bytes", NULL},
        {OX_STICKY, TVM_ERR_INVALID_ARGUMENT, "graph already failed", "999", NULL},
        {OX_UNSUPPORTED, TVM_ERR_UNSUPPORTED, "unknown operator", "Rxlu", "opset 13"},
        {OX_DANGLING, TVM_ERR_PARSE, "dangling input name", "'q'", NULL},
        {OX_NULL_DATA, TVM_ERR_INVALID_ARGUMENT, "data NULL", "data", "NULL"},
        {OX_BIND_OK, TVM_OK, "input x bound to a [2, 3] constant", NULL, NULL},
        {OX_BIND_NAME, TVM_ERR_INVALID_ARGUMENT, "binding names an initializer", "binding",
         NULL},
        {OX_BIND_DTYPE, TVM_ERR_DTYPE, "binding of the wrong dtype", "'x'", "float32"},
        {OX_BIND_SHAPE, TVM_ERR_SHAPE, "binding of the wrong shape", "'x'", "dim 1"},
        {OX_BIND_NULL, TVM_ERR_INVALID_ARGUMENT, "nbindings 1, bindings NULL", "nbindings",
         NULL},
        {OX_NULL_PATH, TVM_ERR_INVALID_ARGUMENT, "path NULL", "path", "NULL"},
        {OX_NO_FILE, TVM_ERR_IO, "missing file", "nonexistent", NULL},
        {OX_DIR, TVM_ERR_IO, "a directory", "'/'", NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int m = cases[k].mode;
        if (file ? m == OX_NULL_DATA : (m == OX_NULL_PATH || m == OX_NO_FILE || m == OX_DIR))
            continue;
        probe *p = probe_add(c, probe_onnx_import, m, 0, 0,
                             on ? cases[k].expect : TVM_ERR_UNSUPPORTED, "%s", cases[k].what);
        if (on) needles(p, cases[k].n1, cases[k].n2, NULL);
    }
    probe_add(c, probe_onnx_import, OX_OK, 0, 1, on ? TVM_OK : TVM_ERR_UNSUPPORTED,
              "opts NULL");
}

static void add_tvm_onnx_import_probes(const contract *c) { add_onnx_import_probes(c); }
static void add_tvm_onnx_import_file_probes(const contract *c) { add_onnx_import_probes(c); }

static void probe_onnx_model(const probe *p, probe_out *o) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    tvm_onnx_import(g, onnx_tiny, sizeof onnx_tiny, NULL, &m);
    tvm_onnx_value v;
    memset(&v, 0x5a, sizeof v);
    v.struct_size = sizeof v;
    const char *fn = p->c->name;
    int index = p->kind;
    const tvm_onnx_model *mm = p->mode == OX_NULL_GRAPH ? NULL : m;
    tvm_onnx_value *vp = p->mode == OX_NULL_OUT ? NULL : &v;
    if (p->mode == OX_BAD_SIZE) v.struct_size = 0;
    tvm_status s;
    if (!strcmp(fn, "tvm_onnx_model_free")) {
        tvm_onnx_model_free(p->mode == OX_NULL_GRAPH ? NULL : m);
        m = NULL;
        s = TVM_OK;
    } else if (!strcmp(fn, "tvm_onnx_model_counts")) {
        int ni = -1, no = -1;
        s = tvm_onnx_model_counts(mm, p->mode == OX_NULL_OUT ? NULL : &ni, &no);
        if (s == TVM_OK && p->mode == OX_OK) require(o, ni == 1 && no == 1, "counts %d %d", ni, no);
    } else {
        bool out = !strcmp(fn, "tvm_onnx_model_output");
        s = out ? tvm_onnx_model_output(mm, index, vp) : tvm_onnx_model_input(mm, index, vp);
        if (s == TVM_OK)
            require(o, v.name && !strcmp(v.name, out ? "y" : "x") && v.ndim == 2 &&
                           v.shape[0] == -1 && v.shape[1] == 3 && v.dtype == TVM_FLOAT32,
                    "wrong description");
    }
    record(o, s);
    tvm_onnx_model_free(m);
    tvm_graph_destroy(g);
}

static void add_onnx_model_probes(const contract *c) {
    bool on = onnx_built();
    bool fr = !strcmp(c->name, "tvm_onnx_model_free");
    bool cnt = !strcmp(c->name, "tvm_onnx_model_counts");
    int bad = on ? TVM_ERR_INVALID_ARGUMENT : TVM_ERR_UNSUPPORTED;
    probe_add(c, probe_onnx_model, OX_OK, 0, 0, on || fr ? TVM_OK : TVM_ERR_UNSUPPORTED, "valid");
    probe *p = probe_add(c, probe_onnx_model, OX_NULL_GRAPH, 0, 0, fr ? TVM_OK : bad,
                         fr ? "NULL accepted" : "model NULL");
    if (on && !fr) needles(p, "model", "NULL", NULL);
    if (fr) return;
    if (cnt) {
        probe_add(c, probe_onnx_model, OX_NULL_OUT, 0, 0, on ? TVM_OK : bad, "ninputs NULL");
        return;
    }
    p = probe_add(c, probe_onnx_model, OX_NULL_OUT, 0, 0, bad, "value NULL");
    if (on) needles(p, "value", "NULL", NULL);
    p = probe_add(c, probe_onnx_model, OX_BAD_SIZE, 0, 0, bad, "value->struct_size 0");
    if (on) needles(p, "struct_size", NULL, NULL);
    p = probe_add(c, probe_onnx_model, OX_OK, 0, 1, bad, "index 1 of 1");
    if (on) needles(p, "index 1", NULL, NULL);
    p = probe_add(c, probe_onnx_model, OX_OK, 0, -1, bad, "index -1");
    if (on) needles(p, "index -1", NULL, NULL);
}

static void add_tvm_onnx_model_free_probes(const contract *c) { add_onnx_model_probes(c); }
static void add_tvm_onnx_model_counts_probes(const contract *c) { add_onnx_model_probes(c); }
static void add_tvm_onnx_model_input_probes(const contract *c) { add_onnx_model_probes(c); }
static void add_tvm_onnx_model_output_probes(const contract *c) { add_onnx_model_probes(c); }

/* ========================================================================= */
/* Schedules                                                                  */
/* ========================================================================= */

enum { SK_VALID, SK_NULL_S, SK_BAD_STAGE, SK_BAD_AXIS, SK_BAD_FACTOR, SK_NULL_OUT };

/* The probe of schedule export c->name in situation p->kind on a fresh
 * 8 x 8 x 8 matmul C[i, j] = sum_k A[i, k] * B[k, j]. */
static void probe_sched(const probe *p, probe_out *o) {
    tvm_graph *g = new_graph();
    tvm_expr d = tvm_const_int(g, TVM_INT64, 8);
    tvm_tensor A = tvm_placeholder(g, "As", TVM_FLOAT32, 2, (tvm_expr[]){d, d});
    tvm_tensor B = tvm_placeholder(g, "Bs", TVM_FLOAT32, 2, (tvm_expr[]){d, d});
    tvm_expr i = tvm_iter_var(g, "i"), j = tvm_iter_var(g, "j"), k = tvm_reduce_axis(g, "k", d);
    tvm_expr pr = tvm_mul(g, tvm_load(g, A, (tvm_expr[]){i, k}), tvm_load(g, B, (tvm_expr[]){k, j}));
    tvm_tensor P = tvm_compute(g, "Ps", 2, (tvm_expr[]){d, d}, (tvm_expr[]){i, j},
                               tvm_exp(g, tvm_load(g, A, (tvm_expr[]){i, j})));
    tvm_tensor C = tvm_compute(g, "Cs", 2, (tvm_expr[]){d, d}, (tvm_expr[]){i, j},
                               tvm_add(g, tvm_sum(g, pr, 1, &k), tvm_load(g, P, (tvm_expr[]){i, j})));
    tvm_schedule *s = NULL;
    if (tvm_schedule_create(g, 1, &C, &s) != TVM_OK) {
        require(o, false, "tvm_schedule_create failed: %s", tvm_last_error());
        return;
    }
    tvm_schedule *S = p->kind == SK_NULL_S ? NULL : s;
    tvm_tensor stage = p->kind == SK_BAD_STAGE ? (tvm_tensor){0x7fffffffu} : C;
    tvm_tensor producer = p->kind == SK_BAD_STAGE ? (tvm_tensor){0x7fffffffu} : P;
    tvm_expr ax = p->kind == SK_BAD_AXIS ? (tvm_expr){0x7fffffffu} : i;
    int64_t f = p->kind == SK_BAD_FACTOR ? 0 : 4;
    tvm_expr a, b, c2, d2;
    const char *n = p->c->name;
    bool nul = p->kind == SK_NULL_OUT;
    if (!strcmp(n, "tvm_schedule_create")) {
        tvm_schedule *t = NULL;
        if (p->kind == SK_NULL_S) record(o, tvm_schedule_create(NULL, 1, &C, &t));
        else if (p->kind == SK_BAD_STAGE) record(o, tvm_schedule_create(g, 1, &stage, &t));
        else if (nul) record(o, tvm_schedule_create(g, 1, &C, NULL));
        else record(o, tvm_schedule_create(g, 1, &C, &t));
        tvm_schedule_destroy(t);
    } else if (!strcmp(n, "tvm_schedule_destroy")) {
        tvm_schedule_destroy(NULL);
        record(o, TVM_OK);
    } else if (!strcmp(n, "tvm_sched_split")) {
        record(o, tvm_sched_split(S, stage, ax, f, nul ? NULL : &a, &b));
    } else if (!strcmp(n, "tvm_sched_tile")) {
        record(o, tvm_sched_tile(S, stage, ax, j, f, 4, nul ? NULL : &a, &b, &c2, &d2));
    } else if (!strcmp(n, "tvm_sched_reorder")) {
        record(o, tvm_sched_reorder(S, stage, 2, nul ? NULL : (tvm_expr[]){j, ax}));
    } else if (!strcmp(n, "tvm_sched_fuse")) {
        record(o, tvm_sched_fuse(S, stage, ax, j, nul ? NULL : &a));
    } else if (!strcmp(n, "tvm_sched_vectorize")) {
        record(o, tvm_sched_vectorize(S, stage, ax));
    } else if (!strcmp(n, "tvm_sched_parallel")) {
        record(o, tvm_sched_parallel(S, stage, ax));
    } else if (!strcmp(n, "tvm_sched_unroll")) {
        record(o, tvm_sched_unroll(S, stage, ax));
    } else if (!strcmp(n, "tvm_sched_cache_write")) {
        record(o, tvm_sched_cache_write(S, stage, ax));
    } else if (!strcmp(n, "tvm_sched_compute_inline")) {
        record(o, tvm_sched_compute_inline(S, producer));
    } else if (!strcmp(n, "tvm_sched_compute_at")) {
        record(o, tvm_sched_compute_at(S, producer, stage, ax));
    } else if (!strcmp(n, "tvm_sched_pack")) {
        tvm_tensor pk;
        tvm_tensor operand = p->kind == SK_BAD_AXIS ? (tvm_tensor){0x7fffffffu} : B;
        record(o, tvm_sched_pack(S, stage, operand, 1, f, nul ? NULL : &pk));
    }
    /* a valid schedule still compiles (the probes change nothing on failure) */
    if (o->status == TVM_OK && strcmp(n, "tvm_schedule_destroy") != 0) {
        tvm_compile_options opts = tt_options("interp", 0, TVM_COMPILE_NO_CACHE);
        opts.schedule = s;
        tvm_function *fn = NULL;
        tvm_status st = tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &opts, &fn);
        if (!strcmp(n, "tvm_sched_vectorize")) /* i is not innermost: refused there */
            require(o, st == TVM_ERR_INVALID_ARGUMENT && strstr(tvm_last_error(), "innermost"),
                    "vectorize of an outer loop compiled: %s", tvm_last_error());
        else
            require(o, st == TVM_OK, "compile with the schedule: %s", tvm_last_error());
        tvm_function_release(fn);
    }
    tvm_schedule_destroy(s);
}

static void add_sched_probes(const contract *c) {
    bool create = !strcmp(c->name, "tvm_schedule_create");
    bool destroy = !strcmp(c->name, "tvm_schedule_destroy");
    bool inl = !strcmp(c->name, "tvm_sched_compute_inline");
    bool axis = !create && !destroy && !inl;
    bool pack = !strcmp(c->name, "tvm_sched_pack");
    bool factor = !strcmp(c->name, "tvm_sched_split") || !strcmp(c->name, "tvm_sched_tile") || pack;
    bool outs = create || factor || !strcmp(c->name, "tvm_sched_reorder") ||
                !strcmp(c->name, "tvm_sched_fuse") || pack;
    probe *p = probe_add(c, probe_sched, M_CUSTOM, 0, SK_VALID, TVM_OK, "valid");
    if (destroy) return;
    p = probe_add(c, probe_sched, M_CUSTOM, 0, SK_NULL_S, TVM_ERR_INVALID_ARGUMENT,
                  create ? "g NULL" : "s NULL");
    needles(p, create ? "g" : "s", "NULL", NULL);
    p = probe_add(c, probe_sched, M_CUSTOM, 0, SK_BAD_STAGE,
                  create ? TVM_ERR_INVALID_HANDLE : TVM_ERR_INVALID_HANDLE, "forged tensor");
    needles(p, create ? "outputs[0]" : inl ? "producer" : !strcmp(c->name, "tvm_sched_compute_at")
                                                               ? "producer" : pack ? "consumer" : "stage", NULL, NULL);
    if (axis) {
        p = probe_add(c, probe_sched, M_CUSTOM, 0, SK_BAD_AXIS, TVM_ERR_INVALID_HANDLE,
                      "forged axis");
        needles(p, !strcmp(c->name, "tvm_sched_tile") ? "x"
                   : !strcmp(c->name, "tvm_sched_reorder") ? "axes[1]"
                   : !strcmp(c->name, "tvm_sched_fuse") ? "outer"
                   : pack ? "operand" : "axis", NULL, NULL);
    }
    if (factor) {
        p = probe_add(c, probe_sched, M_CUSTOM, 0, SK_BAD_FACTOR, TVM_ERR_INVALID_ARGUMENT,
                      "factor 0");
        needles(p, pack ? "block" : "> 0", NULL, NULL);
    }
    if (outs) {
        p = probe_add(c, probe_sched, M_CUSTOM, 0, SK_NULL_OUT, TVM_ERR_INVALID_ARGUMENT,
                      "out-pointer NULL");
        needles(p, "NULL", NULL, NULL);
    }
}

static void add_tvm_schedule_create_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_schedule_destroy_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_split_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_tile_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_reorder_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_fuse_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_vectorize_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_parallel_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_unroll_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_cache_write_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_compute_inline_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_compute_at_probes(const contract *c) { add_sched_probes(c); }
static void add_tvm_sched_pack_probes(const contract *c) { add_sched_probes(c); }

/* ========================================================================= */
/* The contract table: one entry per exported function                        */
/* ========================================================================= */

#define BIN(f, allowed) {#f, add_binary_probes, f, NULL, allowed}
#define UN(f, allowed) {#f, add_unary_probes, NULL, f, allowed}
#define FN(f) {#f, add_##f##_probes, NULL, NULL, 0}
#define SHAPE(f) {#f, add_shape_op_probes, NULL, NULL, 0}

static const contract contracts[] = {
    FN(tvm_version),
    FN(tvm_status_string),
    FN(tvm_last_error),
    FN(tvm_free),
    FN(tvm_context_create),
    FN(tvm_context_destroy),
    FN(tvm_context_num_threads),
    FN(tvm_context_stats),
    FN(tvm_graph_create),
    FN(tvm_graph_destroy),
    FN(tvm_graph_status),
    FN(tvm_graph_print),
    FN(tvm_const_int),
    FN(tvm_const_float),
    FN(tvm_size_var),
    FN(tvm_iter_var),
    FN(tvm_reduce_axis),
    FN(tvm_load),
    BIN(tvm_add, DT_F | DT_I),
    BIN(tvm_sub, DT_F | DT_I),
    BIN(tvm_mul, DT_F | DT_I),
    BIN(tvm_div, DT_F | DT_I),
    BIN(tvm_mod, DT_F | DT_I),
    BIN(tvm_floordiv, DT_F | DT_I),
    BIN(tvm_floormod, DT_F | DT_I),
    BIN(tvm_min, DT_F | DT_I),
    BIN(tvm_max, DT_F | DT_I),
    BIN(tvm_pow, DT_F),
    UN(tvm_neg, DT_F | DT_I),
    BIN(tvm_lt, DT_F | DT_I | DT_B),
    BIN(tvm_le, DT_F | DT_I | DT_B),
    BIN(tvm_gt, DT_F | DT_I | DT_B),
    BIN(tvm_ge, DT_F | DT_I | DT_B),
    BIN(tvm_eq, DT_F | DT_I | DT_B),
    BIN(tvm_ne, DT_F | DT_I | DT_B),
    BIN(tvm_and, DT_B),
    BIN(tvm_or, DT_B),
    UN(tvm_not, DT_B),
    FN(tvm_select),
    FN(tvm_cast),
    UN(tvm_exp, DT_F),
    UN(tvm_log, DT_F),
    UN(tvm_sqrt, DT_F),
    UN(tvm_rsqrt, DT_F),
    UN(tvm_tanh, DT_F),
    UN(tvm_sigmoid, DT_F),
    UN(tvm_erf, DT_F),
    UN(tvm_abs, DT_F | DT_I),
    UN(tvm_floor, DT_F),
    UN(tvm_ceil, DT_F),
    FN(tvm_reduce),
    FN(tvm_sum),
    FN(tvm_call_extern),
    FN(tvm_placeholder),
    FN(tvm_compute),
    FN(tvm_constant),
    FN(tvm_tensor_info),
    FN(tvm_expr_dtype),
    FN(tvm_compile),
    FN(tvm_function_call),
    FN(tvm_function_retain),
    FN(tvm_function_release),
    FN(tvm_function_num_args),
    FN(tvm_function_arg_info),
    FN(tvm_function_output_shape),
    FN(tvm_function_source),
    FN(tvm_function_plan),
    FN(tvm_function_dump),
    FN(tvm_schedule_create),
    FN(tvm_schedule_destroy),
    FN(tvm_sched_split),
    FN(tvm_sched_tile),
    FN(tvm_sched_reorder),
    FN(tvm_sched_fuse),
    FN(tvm_sched_vectorize),
    FN(tvm_sched_parallel),
    FN(tvm_sched_unroll),
    FN(tvm_sched_cache_write),
    FN(tvm_sched_compute_inline),
    FN(tvm_sched_compute_at),
    FN(tvm_sched_pack),
    FN(tvm_function_entry),
    FN(tvm_entry_destroy),
    FN(tvm_op_matmul),
    FN(tvm_op_dense),
    FN(tvm_op_conv2d),
    FN(tvm_op_conv1d),
    FN(tvm_op_conv_transpose2d),
    FN(tvm_op_max_pool2d),
    FN(tvm_op_avg_pool2d),
    FN(tvm_op_global_pool2d),
    OP(tvm_op_binary),
    OP(tvm_op_where),
    OP(tvm_op_unary),
    OP(tvm_op_leaky_relu),
    OP(tvm_op_elu),
    OP(tvm_op_hard_sigmoid),
    OP(tvm_op_clip),
    OP(tvm_op_cast),
    OP(tvm_op_reduce),
    OP(tvm_op_softmax),
    OP(tvm_op_log_softmax),
    OP(tvm_op_layer_norm),
    OP(tvm_op_batch_norm),
    OP(tvm_op_group_norm),
    SHAPE(tvm_op_reshape),
    SHAPE(tvm_op_transpose),
    SHAPE(tvm_op_concat),
    FN(tvm_op_split),
    SHAPE(tvm_op_slice),
    SHAPE(tvm_op_pad),
    SHAPE(tvm_op_gather),
    SHAPE(tvm_op_broadcast_to),
    SHAPE(tvm_op_squeeze),
    SHAPE(tvm_op_unsqueeze),
    SHAPE(tvm_op_flatten),
    SHAPE(tvm_op_tile),
    SHAPE(tvm_op_resize),
    SHAPE(tvm_op_grid_sample),
    SHAPE(tvm_op_gather_elements),
    SHAPE(tvm_op_gather_nd),
    SHAPE(tvm_op_scatter_elements),
    SHAPE(tvm_op_scatter_nd),
    SHAPE(tvm_op_topk),
    SHAPE(tvm_op_einsum),
    SHAPE(tvm_op_quantize_linear),
    SHAPE(tvm_op_dequantize_linear),
    SHAPE(tvm_op_bitshift),
    FN(tvm_onnx_import),
    FN(tvm_onnx_import_file),
    FN(tvm_onnx_model_free),
    FN(tvm_onnx_model_counts),
    FN(tvm_onnx_model_input),
    FN(tvm_onnx_model_output),
};
#define NUM_CONTRACTS ((int)(sizeof contracts / sizeof contracts[0]))

/* Probes whose fix is larger than a contract test should carry: they run and
 * print but do not fail the suite (see the file comment). */
/* Probes that fail for a known, reported reason (empty: none open). A name
 * listed here still runs and prints; the suite fails if it starts passing. */
static const char *const known_failures[] = {NULL};

static bool is_known_failure(const char *name) {
    for (size_t k = 0; k < sizeof known_failures / sizeof known_failures[0]; k++)
        if (known_failures[k] && strcmp(known_failures[k], name) == 0) return true;
    return false;
}

/* ========================================================================= */
/* Running a probe in a child                                                 */
/* ========================================================================= */

typedef struct probe_report {
    bool crashed;
    bool failed;
    char why[2048];
    int status;          /* what the probe observed, for CONTRACT_VERBOSE */
    char msg[256];
} probe_report;

static bool verbose; /* CONTRACT_VERBOSE=1: one line per probe */

__attribute__((format(printf, 2, 3)))
static void report_add(probe_report *r, const char *fmt, ...) {
    size_t len = strlen(r->why);
    if (len + 4 >= sizeof r->why) return;
    if (len) {
        strcat(r->why, "; ");
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + len, sizeof r->why - len, fmt, ap);
    va_end(ap);
    r->failed = true;
}

static size_t read_some(int fd, void *buf, size_t cap, size_t have) {
    if (have >= cap) {
        char sink[4096];
        ssize_t k = read(fd, sink, sizeof sink);
        return k > 0 ? (size_t)k : 0;
    }
    ssize_t k = read(fd, (char *)buf + have, cap - have);
    return k > 0 ? (size_t)k : 0;
}

/* Child timeout: a hang fails the probe instead of the whole suite. */
static unsigned child_timeout_s(void) {
#if defined(__SANITIZE_ADDRESS__)
    return 120;
#else
    return 60;
#endif
}

static void run_probe(const probe *p, probe_report *r) {
    memset(r, 0, sizeof *r);
    int res[2], outp[2];
    if (pipe2(res, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0) {
        report_add(r, "pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        report_add(r, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(res[0]);
        close(outp[0]);
        dup2(outp[1], 1);
        dup2(outp[1], 2);
        close(outp[1]);
        alarm(child_timeout_s());
        static probe_out o;
        memset(&o, 0, sizeof o);
        p->fn(p, &o);
        o.done = PROBE_DONE;
        fflush(NULL); /* anything the library buffered must reach the pipe */
        const char *b = (const char *)&o;
        size_t left = sizeof o;
        while (left > 0) {
            ssize_t k = write(res[1], b, left);
            if (k <= 0) _exit(3);
            b += k;
            left -= (size_t)k;
        }
        _exit(0);
    }
    close(res[1]);
    close(outp[1]);
    static probe_out o;
    memset(&o, 0, sizeof o);
    char out_text[512];
    size_t got = 0, out_len = 0, out_total = 0;
    struct pollfd fds[2] = {{res[0], POLLIN, 0}, {outp[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int k = 0; k < 2; k++) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            size_t n = k == 0 ? read_some(fds[k].fd, &o, sizeof o, got)
                              : read_some(fds[k].fd, out_text, sizeof out_text - 1, out_len);
            if (n == 0) {
                close(fds[k].fd);
                fds[k].fd = -1;
                open_fds--;
            } else if (k == 0) {
                got += n < sizeof o - got ? n : sizeof o - got;
            } else {
                if (out_len < sizeof out_text - 1)
                    out_len += n < sizeof out_text - 1 - out_len ? n : sizeof out_text - 1 - out_len;
                out_total += n;
            }
        }
    }
    out_text[out_len] = '\0';
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(wst)) {
        r->crashed = true;
        report_add(r, "child killed by signal %d (%s)%s", WTERMSIG(wst), strsignal(WTERMSIG(wst)),
                   WTERMSIG(wst) == SIGALRM ? " - timeout" : "");
    } else if (WIFEXITED(wst) && WEXITSTATUS(wst) != 0) {
        r->crashed = true;
        report_add(r, "child exited with code %d (abort, exit() or sanitizer report)",
                   WEXITSTATUS(wst));
    }
    if (out_total > 0) report_add(r, "wrote %zu bytes to stdout/stderr: \"%.300s\"", out_total, out_text);
    if (got != sizeof o || o.done != PROBE_DONE) {
        if (!r->crashed) report_add(r, "no result from the child");
        return;
    }
    o.msg[sizeof o.msg - 1] = '\0';
    o.extra[sizeof o.extra - 1] = '\0';
    r->status = o.status;
    snprintf(r->msg, sizeof r->msg, "%.200s", o.msg);
    if (o.status != p->expect)
        report_add(r, "returned %s (%d), expected %s (%d); message \"%s\"",
                   tvm_status_string((tvm_status)o.status), o.status,
                   tvm_status_string((tvm_status)p->expect), p->expect, o.msg);
    if (o.msg_len == UINT32_MAX) report_add(r, "tvm_last_error() returned NULL");
    if (p->expect != TVM_OK && o.status != TVM_OK) {
        if (o.msg_len == 0) report_add(r, "empty message");
        if (o.msg_len > 1024 && o.msg_len != UINT32_MAX)
            report_add(r, "message of %u bytes (more than 1 KiB)", o.msg_len);
        for (int k = 0; k < 4 && p->needles[k]; k++)
            if (!check_mentions(o.msg, p->needles[k]))
                report_add(r, "message \"%s\" does not mention \"%s\"", o.msg, p->needles[k]);
    }
    if (o.builder) {
        if (p->expect != TVM_OK && o.handle != 0)
            report_add(r, "returned handle 0x%08x, expected the null handle", o.handle);
        if (p->expect == TVM_OK && o.handle == 0)
            report_add(r, "returned the null handle");
    }
    if (o.extra_fail) report_add(r, "%s", o.extra);
}

/* ========================================================================= */
/* Tests                                                                      */
/* ========================================================================= */

static bool fixtures_ready;

static bool setup_fixtures(void) {
    if (fixtures_ready) return true;
    memset(long_name, 'x', sizeof long_name - 1);
    memset(long_target, 'q', sizeof long_target - 1);
    ctx = tt_context();
    if (!ctx) return false;
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int f = 0; f < NUM_FIX; f++) {
            fix[t][f] = build_fixture(f, tt_targets[t]);
            if (!fix[t][f]) return false;
        }
    fixtures_ready = true;
    return true;
}

static void teardown_fixtures(void) {
    for (int t = 0; t < TT_NUM_TARGETS; t++)
        for (int f = 0; f < NUM_FIX; f++) tvm_function_release(fix[t][f]);
    tvm_context_destroy(ctx);
    ctx = NULL;
    fixtures_ready = false;
}

static const contract tag_contract = {"tvm_mul", add_tag_reuse_probes, tvm_mul, NULL, DT_F | DT_I};

static bool load_exports(void) {
    static bool loaded;
    if (loaded) return true;
    char why[512] = "";
    num_exports = read_exports(library_path, why, sizeof why);
    if (num_exports < 0) {
        check_fail(__FILE__, __LINE__, "cannot read the exports: %s", why);
        num_exports = 0;
        return false;
    }
    loaded = true;
    return true;
}

TEST(every_export_has_a_contract) {
    if (!load_exports()) return;
    printf("  %d tvm_* exports in %s\n", num_exports, library_path);
    CHECK(num_exports > 0);
    for (int e = 0; e < num_exports; e++) {
        bool found = false;
        for (int c = 0; c < NUM_CONTRACTS && !found; c++)
            found = strcmp(contracts[c].name, export_names[e]) == 0;
        if (!found)
            check_fail(__FILE__, __LINE__,
                       "exported function %s has no contract entry: add one to contracts[] in "
                       "test/contract/test_contract.c", export_names[e]);
    }
    for (int c = 0; c < NUM_CONTRACTS; c++) {
        bool found = false;
        for (int e = 0; e < num_exports && !found; e++)
            found = strcmp(contracts[c].name, export_names[e]) == 0;
        if (!found)
            check_fail(__FILE__, __LINE__, "contract entry %s names a function the library does "
                       "not export", contracts[c].name);
        for (int d = 0; d < c; d++)
            if (strcmp(contracts[c].name, contracts[d].name) == 0)
                check_fail(__FILE__, __LINE__, "two contract entries for %s", contracts[c].name);
    }
}

TEST(every_probe_returns_its_documented_status) {
    CHECK_OR_RETURN(load_exports());
    CHECK_OR_RETURN(setup_fixtures());
    num_probes = 0;
    for (int c = 0; c < NUM_CONTRACTS; c++) {
        int before = num_probes;
        contracts[c].add(&contracts[c]);
        if (num_probes == before)
            check_fail(__FILE__, __LINE__, "contract %s registers no probe", contracts[c].name);
    }
    tag_contract.add(&tag_contract);
    CHECK_OR_RETURN(!probe_table_overflow);

    int crashes = 0, failures = 0, known = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < num_probes; k++) {
        probe_report r;
        run_probe(&probes[k], &r);
        bool kf = is_known_failure(probes[k].name);
        if (verbose)
            printf("  %-90s %-26s \"%s\"\n", probes[k].name,
                   tvm_status_string((tvm_status)r.status), r.msg);
        if (kf && (r.failed || r.crashed)) {
            known++;
            printf("  known failure: %s: %s\n", probes[k].name, r.why);
            continue;
        }
        if (kf) {
            check_fail(__FILE__, __LINE__, "probe '%s' is listed in known_failures[] but passes: "
                       "remove it from the list", probes[k].name);
            continue;
        }
        if (r.crashed) crashes++;
        if (r.failed || r.crashed) {
            failures++;
            check_fail(__FILE__, __LINE__, "probe '%s': %s", probes[k].name, r.why);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    int covered = 0;
    for (int c = 0; c < NUM_CONTRACTS; c++) {
        bool exported = false;
        for (int e = 0; e < num_exports && !exported; e++)
            exported = strcmp(contracts[c].name, export_names[e]) == 0;
        covered += exported;
    }
    printf("contract: %d probes over %d exported functions, %d crashes, %d failures "
           "(%d known failures listed in known_failures[]) in %.1f s\n",
           num_probes, covered, crashes, failures, known, secs);
    CHECK(num_probes >= 200);
}

/* ---- error isolation: 8 threads, different errors, own messages ---------- */

#define ISO_THREADS 8
#define ISO_TRIALS 10000

typedef struct iso_arg {
    int thread;
    int trials;
    int bad;
    char first_bad[512];
} iso_arg;

static tvm_function *iso_fn;

static void *iso_worker(void *argp) {
    iso_arg *a = argp;
    int t = a->thread;
    tvm_graph *mine = tvm_graph_create(ctx);
    tt_tensor *x = tt_alloc(TVM_FLOAT32, 1, TT_SHAPE(4));
    DLTensor *args[3] = {&x->dl, &x->dl, &x->dl};
    for (int i = 0; i < a->trials; i++) {
        long v = 1000000L + (long)t * 100000L + i; /* unique per thread and trial */
        char want[96];
        tvm_status st = TVM_OK, expect = TVM_ERR_INVALID_ARGUMENT;
        switch (t % ISO_THREADS) {
        case 0: {
            tvm_context_options o = {.struct_size = sizeof o, .num_threads = (int32_t)-v};
            tvm_context *c = NULL;
            st = tvm_context_create(&o, &c);
            snprintf(want, sizeof want, "num_threads is %ld", -v);
            break;
        }
        case 1: {
            tvm_graph *g = tvm_graph_create(ctx);
            (void)tvm_const_int(g, TVM_INT8, v);
            st = tvm_graph_status(g);
            tvm_graph_destroy(g);
            snprintf(want, sizeof want, "value %ld does not fit int8", v);
            break;
        }
        case 2:
            st = tvm_function_call(iso_fn, args, (int)v);
            snprintf(want, sizeof want, "nargs is %ld", v);
            break;
        case 3: {
            tvm_dtype dt;
            st = tvm_function_arg_info(iso_fn, (int)v, &dt, NULL);
            snprintf(want, sizeof want, "index %ld is outside", v);
            break;
        }
        case 4: {
            tvm_compile_options o = tt_options(NULL, (int32_t)v, 0);
            tvm_function *fn = NULL;
            st = tvm_compile(mine, 0, NULL, 1, (tvm_tensor[]){{0x80000001u}}, &o, &fn);
            snprintf(want, sizeof want, "opt_level is %ld", v);
            break;
        }
        case 5: {
            int64_t shape[TVM_MAX_NDIM];
            int nd;
            st = tvm_function_output_shape(iso_fn, args, (int)v, shape, &nd);
            snprintf(want, sizeof want, "out_index %ld is outside", v);
            break;
        }
        case 6: {
            tvm_dtype dt;
            uint32_t id = 0x7e000000u | (uint32_t)(t << 20) | (uint32_t)(i & 0xfffff);
            st = tvm_expr_dtype(mine, (tvm_expr){id}, &dt);
            expect = TVM_ERR_INVALID_HANDLE;
            snprintf(want, sizeof want, "id 0x%08x", id);
            break;
        }
        case 7: {
            char kind[32];
            snprintf(kind, sizeof kind, "kind%ld", v);
            char *text = NULL;
            st = tvm_function_source(iso_fn, kind, &text);
            snprintf(want, sizeof want, "'%s'", kind);
            break;
        }
        }
        if ((i & 7) == 0) sched_yield(); /* let the others run between call and read */
        const char *msg = tvm_last_error();
        if (st != expect || !msg || !strstr(msg, want)) {
            if (a->bad++ == 0)
                snprintf(a->first_bad, sizeof a->first_bad,
                         "thread %d trial %d: status %d, message \"%s\", expected \"%s\"", t, i,
                         (int)st, msg ? msg : "(null)", want);
        }
    }
    tt_free(x);
    tvm_graph_destroy(mine);
    return NULL;
}

TEST(error_isolation_between_threads) {
    CHECK_OR_RETURN(setup_fixtures());
    iso_fn = fix[0][F_ADD];
    pthread_t th[ISO_THREADS];
    iso_arg args[ISO_THREADS];
    for (int t = 0; t < ISO_THREADS; t++) {
        memset(&args[t], 0, sizeof args[t]);
        args[t].thread = t;
        args[t].trials = ISO_TRIALS / ISO_THREADS;
        CHECK_OR_RETURN(pthread_create(&th[t], NULL, iso_worker, &args[t]) == 0);
    }
    int total = 0, bad = 0;
    for (int t = 0; t < ISO_THREADS; t++) {
        pthread_join(th[t], NULL);
        total += args[t].trials;
        bad += args[t].bad;
        if (args[t].bad) check_fail(__FILE__, __LINE__, "%s", args[t].first_bad);
    }
    printf("  error isolation: %d threads, %d trials, %d cross-talk or wrong messages\n",
           ISO_THREADS, total, bad);
    CHECK(total == ISO_TRIALS);
    teardown_fixtures();
}

int main(int argc, char **argv) {
    /* the library path: $TVMC_LIBRARY, argv[1] if it names a shared object,
     * else the object that defines tvm_version */
    library_path = getenv("TVMC_LIBRARY");
    if (argc > 1 && strstr(argv[1], ".so")) {
        if (!library_path) library_path = argv[1];
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    Dl_info info;
    if (!library_path && dladdr((void *)tvm_version, &info) && info.dli_fname)
        library_path = info.dli_fname;
    if (!library_path) {
        fprintf(stderr, "set TVMC_LIBRARY to the path of libtvmc.so\n");
        return 1;
    }
    const char *vb = getenv("CONTRACT_VERBOSE");
    verbose = vb && *vb && strcmp(vb, "0") != 0;
    unsetenv("TVMC_DUMP_IR"); /* the IR dump writes to stderr by design */
    return check_run_all(argc, argv);
}
