/* contraction.h — the block sizes of schedule_contraction that the
 * operator library lays constant weights out for: linalg.c packs a
 * constant B into panels this schedule reads in place (matmul_bpack), and
 * only where the schedule would otherwise copy a panel on every call. One
 * definition, so the two cannot drift apart. */
#ifndef TVMC_PASSES_CONTRACTION_H
#define TVMC_PASSES_CONTRACTION_H

/* Register blocking. The accumulators take MR x NR/lanes vector registers,
 * B's row NR/lanes more and A's broadcast one. With 32 vector registers
 * (AVX-512) MR = 6, NR = 4 vectors uses 24 + 4 + 1 = 29; with 16 (AVX2 /
 * SSE) NR = 2 vectors: 12 + 2 + 1 = 15. 24 (12) independent accumulators
 * also cover the FMA latency (4 cycles x 2 pipes on Zen 4 needs >= 8). Six
 * broadcasts plus four vector loads per 24 multiply-adds stay within two
 * loads per cycle. */
#define CONTRACT_MR 6

/* The widest column panel a block computes (4 AVX-512 vectors of float32),
 * and so the width of a compile-time packed B's panels: the narrower panels
 * (AVX2's 16 columns, float64's 32) divide it, so every full panel of any
 * target is a contiguous K x NR slice of one packed panel. */
#define CONTRACT_MAX_NR 64

/* Packing costs a copy of B's panel per column panel: worth it once
 * enough row blocks read it. It also makes the columns contiguous, which a
 * transposed B (dense's W[j, k]) needs, and removes the row stride that at
 * a multiple of 4 KiB maps every k row of a panel to the same cache sets.
 * With fewer rows B is read as given (linalg.c then packs no constant B). */
#define CONTRACT_PACK_MIN_ROWS (4 * CONTRACT_MR)

#endif
