/* guard.c — buffers placed flush against a PROT_NONE page (G5), so a kernel
 * that reads or writes one element past the end (GUARD_END) or before the
 * start (GUARD_START) of a tensor faults instead of silently touching a
 * neighbour.
 *
 *   GUARD_END:   [ rw pages ........ data][PROT_NONE]
 *   GUARD_START: [PROT_NONE][data ........ slack][PROT_NONE]
 *
 * A tensor of 0 bytes gets a data pointer at the start of a PROT_NONE page:
 * non-NULL, as tvm_function_call wants, but not readable. The element size
 * divides the page size, so data stays aligned to its element. */
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"

static size_t page_size(void) {
    static size_t ps;
    if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
    return ps;
}

bool guard_alloc(guard_buf *b, size_t nbytes, guard_mode mode) {
    size_t ps = page_size();
    size_t pages = (nbytes + ps - 1) / ps;
    size_t len = (pages + (mode == GUARD_START ? 2 : 1)) * ps;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return false;
    b->map = m;
    b->map_len = len;
    b->nbytes = nbytes;
    if (mode == GUARD_END) {
        if (mprotect(m + pages * ps, ps, PROT_NONE) != 0) goto fail;
        b->data = m + pages * ps - nbytes;
    } else {
        if (mprotect(m, ps, PROT_NONE) != 0) goto fail;
        if (mprotect(m + (pages + 1) * ps, ps, PROT_NONE) != 0) goto fail;
        b->data = m + ps;
    }
    return true;
fail:
    munmap(m, len);
    b->map = NULL;
    return false;
}

void guard_free(guard_buf *b) {
    if (b->map) munmap(b->map, b->map_len);
    b->map = NULL;
    b->data = NULL;
}
