/* topology.h — the host machine as the default schedules see it: physical
 * cores and data-cache sizes, read once per process with hwloc.
 *
 * The schedules size their blocks from these figures (schedule_contraction:
 * how many k steps of a packed B panel stay in L2). The values never change
 * after the first read, so a compiled function is the same whenever it is
 * compiled in one process. Missing levels (a VM that hides its caches, a
 * failed hwloc load) fall back to conservative sizes, never to zero. */
#ifndef TVMC_TOPOLOGY_H
#define TVMC_TOPOLOGY_H

#include <stdint.h>

typedef struct topo_info {
    int cores;          /* physical cores of the allowed cpuset (>= 1) */
    int64_t l1d_bytes;  /* per-core L1 data cache */
    int64_t l2_bytes;   /* L2 above core 0 (per core on current x86) */
    int64_t l3_bytes;   /* last-level cache above core 0 (shared) */
    int64_t line_bytes; /* L1 line size */
    int from_hwloc;     /* 1 when the caches were read, 0 for the fallbacks */
} topo_info;

/* The host's topology, loaded on first use (thread-safe; a few ms once). */
const topo_info *topo_host(void);

#endif
