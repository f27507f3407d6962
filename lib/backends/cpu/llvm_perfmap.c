/* llvm_perfmap.c — naming JIT-compiled code for `perf` (TVMC_PERF_MAP=1).
 *
 * A whole ONNX model is one function whose kernels are parts in objects of
 * their own, so a profile of it shows only anonymous addresses: where the
 * time goes per kernel (the per-part breakdown behind a whole-model
 * comparison) is not visible. perf reads /tmp/perf-PID.map ("START SIZE
 * NAME" in hex, one line per symbol) for such code. With TVMC_PERF_MAP set,
 * every function of every kernel object is written there, named
 * "PART(LABEL):SYMBOL" (PART from the object's exported part symbol, e.g.
 * part8, since the parts' internal helpers all share names like par0.body;
 * LABEL from the code generator: the buffer the part stores, e.g. clip_116,
 * so a profile reads as the model's layers).
 *
 * The addresses: an object's functions lie in its .text section at the
 * offsets its symbol table gives, and the JIT maps that section in one
 * piece, so START = (linked address of the object's exported function) -
 * (its offset) + (the symbol's offset). Off by default; without the
 * variable nothing is scanned. */
#include "llvm_internal.h"

#include <llvm-c/LLJIT.h>
#include <llvm-c/Object.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAP_MAX_SYMS 64 /* functions per object; a part has a handful */

typedef struct map_sym {
    char *name;
    uint64_t offset, size;
} map_sym;

struct llvm_perfmap {
    map_sym sym[MAP_MAX_SYMS];
    uint32_t nsym;
    int anchor; /* index of the exported function, -1 if none */
};

static bool on;
static pthread_once_t on_once = PTHREAD_ONCE_INIT;
static void read_env(void) {
    const char *v = getenv("TVMC_PERF_MAP");
    on = v && *v && strcmp(v, "0") != 0;
}

bool llvm_perfmap_on(void) {
    pthread_once(&on_once, read_env);
    return on;
}

/* Whether a symbol is the object's exported entry: "tvmc_k_N" or
 * "tvmc_k_N.partM" (the helpers have further dotted suffixes). */
static bool exported(const char *name) {
    if (strncmp(name, "tvmc_k_", 7) != 0) return false; /* tvmc_erff_v16 ... are internal */
    const char *dot = strchr(name, '.');
    return !dot || (strncmp(dot, ".part", 5) == 0 && !strchr(dot + 1, '.'));
}

llvm_perfmap *llvm_perfmap_scan(LLVMMemoryBufferRef obj) {
    pthread_once(&on_once, read_env);
    if (!on) return NULL;
    char *err = NULL;
    LLVMBinaryRef bin = LLVMCreateBinary(obj, NULL, &err);
    if (err) LLVMDisposeMessage(err);
    if (!bin) return NULL;
    llvm_perfmap *m = calloc(1, sizeof *m);
    LLVMSymbolIteratorRef it = LLVMObjectFileCopySymbolIterator(bin);
    if (!m || !it) goto out;
    m->anchor = -1;
    for (; !LLVMObjectFileIsSymbolIteratorAtEnd(bin, it) && m->nsym < MAP_MAX_SYMS;
         LLVMMoveToNextSymbol(it)) {
        const char *name = LLVMGetSymbolName(it);
        uint64_t size = LLVMGetSymbolSize(it);
        if (!name || strncmp(name, "tvmc_", 5) != 0 || size == 0) continue;
        map_sym *s = &m->sym[m->nsym];
        if (!(s->name = strdup(name))) break;
        s->offset = LLVMGetSymbolAddress(it);
        s->size = size;
        if (m->anchor < 0 && exported(name)) m->anchor = (int)m->nsym;
        m->nsym++;
    }
out:
    if (it) LLVMDisposeSymbolIterator(it);
    LLVMDisposeBinary(bin);
    return m;
}

const char *llvm_perfmap_anchor(const llvm_perfmap *m) {
    return m && m->anchor >= 0 ? m->sym[m->anchor].name : NULL;
}

void llvm_perfmap_write(llvm_perfmap *m, uint64_t anchor_addr, const char *label) {
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* whole lines per object */
    if (!m) return;
    if (anchor_addr && m->anchor >= 0) {
        const char *a = m->sym[m->anchor].name, *dot = strrchr(a, '.');
        const char *part = dot ? dot + 1 : a;
        uint64_t base = anchor_addr - m->sym[m->anchor].offset;
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
        pthread_mutex_lock(&lock);
        FILE *f = fopen(path, "a");
        if (f) {
            for (uint32_t i = 0; i < m->nsym; i++)
                fprintf(f, "%llx %llx %s%s%s%s:%s\n", (unsigned long long)(base + m->sym[i].offset),
                        (unsigned long long)m->sym[i].size, part, label ? "(" : "",
                        label ? label : "", label ? ")" : "", m->sym[i].name);
            fclose(f);
        }
        pthread_mutex_unlock(&lock);
    }
    for (uint32_t i = 0; i < m->nsym; i++) free(m->sym[i].name);
    free(m);
}
