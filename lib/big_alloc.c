/* big_alloc.c — large buffers from mmap (see big_alloc.h). A 64-byte header
 * in front of each buffer says how it was obtained, so a pointer is freed
 * without its size. */
#include "big_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEADER 64 /* keeps the buffer 64-byte aligned after it */

/* Under AddressSanitizer every buffer comes from the heap, where ASan
 * guards its ends: a kernel writing past its workspace or a constant is
 * then caught, as it was before these buffers were mapped. */
#if defined(__SANITIZE_ADDRESS__)
#define MAP_FROM ((size_t)-1)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAP_FROM ((size_t)-1)
#endif
#endif
#ifndef MAP_FROM
#define MAP_FROM RT_BIG_MIN
#endif

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
    if (n < MAP_FROM) {
        void *v = NULL; /* exactly n bytes after the header: ASan guards the end */
        if (posix_memalign(&v, HEADER, HEADER + (n ? n : 1)) != 0) return NULL;
        char *b = v;
        ((big_header *)b)->mapped = 0;
        return b + HEADER;
    }
    size_t len = (HEADER + n + page - 1) & ~(page - 1);
    char *b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) return NULL;
    ((big_header *)b)->mapped = len;
    return b + HEADER;
}

void *rt_big_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = rt_big_alloc(n * size);
    big_header *h = p ? (big_header *)((char *)p - HEADER) : NULL;
    if (h && !h->mapped) memset(p, 0, n * size);
    return p;
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
