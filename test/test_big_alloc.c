/* test_big_alloc — lib/big_alloc.c (compiled in: its symbols are hidden in
 * libtvmc). Alignment and usable size on both sides of RT_BIG_MIN, zeroed
 * calloc, overflow refused, and that freeing or discarding a mapped buffer
 * hands its pages back (VmRSS drops by most of the 64 MiB touched; the
 * drop is checked with a wide margin, and only where buffers are mapped). */
#include <stdint.h>

#include "check.h"
#include "big_alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define MAPPED 0 /* big_alloc.c serves everything from the heap under ASan */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPPED 0
#endif
#endif
#ifndef MAPPED
#define MAPPED 1
#endif

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) v = strtol(line + 6, NULL, 10);
    fclose(f);
    return v;
}

TEST(aligned_and_usable_on_both_sides_of_the_threshold) {
    const size_t sizes[] = {0, 1, 63, 4096, RT_BIG_MIN - 1, RT_BIG_MIN, 3 * RT_BIG_MIN + 17};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *p = rt_big_alloc(sizes[i]);
        CHECK_OR_RETURN(p != NULL);
        CHECK(((uintptr_t)p & 63) == 0);
        memset(p, 0xa5, sizes[i]);
        if (sizes[i]) CHECK(p[sizes[i] - 1] == 0xa5);
        rt_big_discard(p, 0, sizes[i]); /* allowed on every buffer */
        rt_big_free(p);
    }
    rt_big_free(NULL);
    rt_big_discard(NULL, 0, 10);
}

TEST(calloc_is_zero_and_refuses_overflow) {
    const size_t counts[] = {1, 1000, RT_BIG_MIN / 8 + 3};
    for (size_t i = 0; i < 3; i++) {
        uint64_t *p = rt_big_calloc(counts[i], sizeof *p);
        CHECK_OR_RETURN(p != NULL);
        int nonzero = 0;
        for (size_t k = 0; k < counts[i]; k++) nonzero += p[k] != 0;
        CHECK_EQ_INT(nonzero, 0);
        rt_big_free(p);
    }
    CHECK(rt_big_calloc(SIZE_MAX / 2, 4) == NULL);
    CHECK(rt_big_alloc(SIZE_MAX - 16) == NULL);
}

TEST(freeing_and_discarding_hand_pages_back) {
    if (!MAPPED || rss_kb() < 0) TEST_SKIP_RETURN("buffers are not mapped here");
    const size_t n = (size_t)64 << 20;
    unsigned char *p = rt_big_alloc(n);
    CHECK_OR_RETURN(p != NULL);
    memset(p, 1, n);
    long full = rss_kb();
    /* the middle half: whole pages inside go back, the rest stays usable */
    rt_big_discard(p, n / 4, n / 2);
    long half = rss_kb();
    CHECK(full - half > 24 * 1024);
    CHECK(p[0] == 1 && p[n - 1] == 1);
    rt_big_free(p);
    long none = rss_kb();
    CHECK(half - none > 24 * 1024);
}

CHECK_MAIN()
