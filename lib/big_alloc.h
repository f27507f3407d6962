/* big_alloc.h — buffers of a megabyte and more (weights, their folded
 * copies, kernel workspaces, a model file being imported) mapped from the
 * kernel directly instead of taken from the host's malloc heap.
 *
 * glibc serves such sizes from its heap once a freed mmap'd chunk has
 * raised its dynamic mmap threshold, and a freed heap chunk below the top
 * stays in the process: a model's weights freed after the compile then
 * never leave RSS. A mapping returns its pages when freed, and parts of it
 * can be dropped while the rest is in use (rt_big_discard). A library may
 * not tune the host's malloc (mallopt), so this is how tvmc keeps the
 * difference.
 *
 * Every pointer is 64-byte aligned; smaller sizes come from the heap with
 * the same interface. Thread-safe. */
#ifndef TVMC_BIG_ALLOC_H
#define TVMC_BIG_ALLOC_H

#include <stddef.h>

/* Sizes from which a buffer gets a mapping of its own. */
#define RT_BIG_MIN ((size_t)1 << 20)

/* n bytes (n == 0 allowed), uninitialised unless mapped (then zero);
 * NULL when out of memory. Free with rt_big_free only. */
void *rt_big_alloc(size_t n);
/* n * size zeroed bytes, NULL on overflow or out of memory. A mapping is
 * zero already and its pages are only made resident where written: an
 * array indexed sparsely costs what is used of it. */
void *rt_big_calloc(size_t n, size_t size);
/* NULL is fine. */
void rt_big_free(void *p);
/* Hands back to the system the whole pages inside [p + off, p + off + len)
 * of a buffer from rt_big_alloc whose bytes there are no longer needed
 * (their contents are undefined afterwards). A no-op for heap-served buffers. */
void rt_big_discard(void *p, size_t off, size_t len);

#endif
