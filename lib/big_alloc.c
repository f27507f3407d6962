/* big_alloc.c — large buffers from mmap (see big_alloc.h). A 64-byte header
 * in front of each buffer says how it was obtained, so a pointer is freed
 * without its size. */
#include "big_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEADER 64 /* keeps the buffer 64-byte aligned after it */

typedef struct big_header {
    size_t mapped; /* bytes of the mapping that starts at the header; 0 = heap */
} big_header;

static size_t page_size(void) {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

void *rt_big_alloc(size_t n) {
    size_t page = page_size();
    if (n > SIZE_MAX - HEADER - page) return NULL;
    if (n < RT_BIG_MIN) {
        char *b = aligned_alloc(HEADER, HEADER + ((n + HEADER - 1) & ~(size_t)(HEADER - 1)));
        if (!b) return NULL;
        ((big_header *)b)->mapped = 0;
        return b + HEADER;
    }
    size_t len = (HEADER + n + page - 1) & ~(page - 1);
    char *b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) return NULL;
    ((big_header *)b)->mapped = len;
    return b + HEADER;
}

void rt_big_free(void *p) {
    if (!p) return;
    big_header *h = (big_header *)((char *)p - HEADER);
    if (h->mapped) munmap(h, h->mapped);
    else free(h);
}

void rt_big_discard(void *p, size_t off, size_t len) {
    if (!p || !len) return;
    big_header *h = (big_header *)((char *)p - HEADER);
    if (!h->mapped) return;
    uintptr_t page = page_size();
    uintptr_t from = ((uintptr_t)p + off + page - 1) & ~(page - 1);
    uintptr_t to = ((uintptr_t)p + off + len) & ~(page - 1);
    if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
}
