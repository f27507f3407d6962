/* topology.c — reads the host's cores and cache sizes once (topology.h).
 *
 * Its own hwloc load rather than the thread pool's: the pool loads lazily
 * with its workers and a schedule may run before any pool exists (a
 * single-thread context). I/O discovery is filtered out, which keeps the
 * load at about 3 ms instead of 10-24 ms. */
#include "topology.h"

#include <hwloc.h>
#include <pthread.h>

/* Fallbacks: sizes every x86-64 and AArch64 core of the last decade meets. */
#define FALLBACK_L1 (32 << 10)
#define FALLBACK_L2 (256 << 10)
#define FALLBACK_L3 (4 << 20)

static topo_info host = {.cores = 1, .l1d_bytes = FALLBACK_L1, .l2_bytes = FALLBACK_L2,
                         .l3_bytes = FALLBACK_L3, .line_bytes = 64};
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The data or unified cache of `type` above the first allowed core; 0 if
 * hwloc reports none. */
static int64_t cache_size(hwloc_topology_t t, hwloc_obj_type_t type, int64_t *line) {
    hwloc_obj_t c = hwloc_get_obj_by_type(t, type, 0);
    if (!c || !c->attr) return 0;
    if (c->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION) return 0;
    if (line && c->attr->cache.linesize > 0) *line = (int64_t)c->attr->cache.linesize;
    return (int64_t)c->attr->cache.size;
}

static void load(void) {
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0) return;
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_icache_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        return;
    }
    int cores = hwloc_get_nbobjs_inside_cpuset_by_type(t, hwloc_topology_get_allowed_cpuset(t),
                                                       HWLOC_OBJ_CORE);
    if (cores <= 0) cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
    if (cores > 0) host.cores = cores;
    int64_t line = 0;
    int64_t l1 = cache_size(t, HWLOC_OBJ_L1CACHE, &line);
    int64_t l2 = cache_size(t, HWLOC_OBJ_L2CACHE, NULL);
    int64_t l3 = cache_size(t, HWLOC_OBJ_L3CACHE, NULL);
    if (l1 > 0) host.l1d_bytes = l1;
    if (line > 0) host.line_bytes = line;
    /* a missing level borrows from the one below it: a machine without L3
     * still has its L2 as last level */
    if (l2 > 0) host.l2_bytes = l2;
    else if (l3 > 0) host.l2_bytes = l3 / 2;
    if (l3 > 0) host.l3_bytes = l3;
    else host.l3_bytes = host.l2_bytes;
    host.from_hwloc = l1 > 0 || l2 > 0 || l3 > 0;
    hwloc_topology_destroy(t);
}

const topo_info *topo_host(void) {
    pthread_once(&once, load);
    return &host;
}
