/* schedule_conv_match.h — recognising a convolution nest for schedule_conv:
 * the matched nest (cmatch), the block constants both halves share, and
 * the matcher (schedule_conv_match.c). schedule_conv.c builds the blocked
 * replacement from a match; see its header for the modes. */
#ifndef TVMC_PASSES_SCHEDULE_CONV_MATCH_H
#define TVMC_PASSES_SCHEDULE_CONV_MATCH_H

#include "nest.h"
#include "passes.h"

#define OC_BLOCK 16   /* channels per packed weight block (conv.c's CONV_OC_BLOCK) */
#define MAX_OUT 4     /* output loops of a matched nest */
#define MAX_RED 4     /* reduction loops */
#define MAX_TERMS 16  /* guard conjuncts */
#define MAX_MR 28     /* rows of a block */
#define WIDTH_NV 4    /* vectors of 16 positions per block in width mode */
/* Pointwise planes of rows that end in a part vector are merged into flat
 * positions up to this many (28x28): each block of output channels reads
 * the whole input, which must then stay in L2 (192 x 784 floats: 600 KB);
 * wider planes (56x56) keep row blocks */
#define PW_FLAT_MAX 1024
/* Bigger planes of such rows are cut into tiles of up to this many flat
 * positions, each tile's input staying in L1/L2 for all channel blocks:
 * 56-wide rows gave 3 + 1 vectors a row (a block of one vector: 6 sums in
 * flight) */
#define PW_TILE_MAX 256
#define WIDTH_MR 2    /* rows per block in width mode (measured: 1, 2, 4) */

enum { MODE_CHANNELS = 1, MODE_WIDTH = 2 };

typedef struct cmatch {
    int mode;
    lp_id loops[MAX_OUT];
    uint32_t ovar[MAX_OUT];
    int64_t oext[MAX_OUT];
    int nout;
    uint32_t acc;
    lp_id init;
    uint32_t rvar[MAX_RED];
    int64_t rext[MAX_RED];
    int nred;
    lp_id value;
    lp_id rest[16];
    uint32_t nrest;
    int v, r;            /* indices into ovar: vectorised, blocked rows (-1 none) */
    int r2;              /* channels: the output loop outside r (the output
                            rows of NCHW) blocked too, each block then
                            R x M positions (see block_shape); -1 none */
    lp_id wdiv, wmod;    /* channels: the packed load's o/16 and o%16 nodes */
    int64_t nvec;        /* channels: 16-channel blocks (ceil(O/16)) */
    lp_id sel;           /* the guarded read select(cond, x, else), 0 if none */
    lp_id term[MAX_TERMS]; /* the guard's conjuncts */
    int nterms;
    /* the padded input (see pad_input): the guarded read reads xpad */
    uint32_t xbuf;       /* the guarded buffer */
    int xdims;
    int64_t xext[TVM_MAX_NDIM], off_lo[TVM_MAX_NDIM], off_hi[TVM_MAX_NDIM];
    /* width mode: the copy is made per iteration of the first output loop
     * (one channel plane of a depthwise conv, hot in L2 for its reads)
     * when the dims that loop selects are `fixed` (extent 1 in the copy) */
    bool per_plane;
    bool fixed[TVM_MAX_NDIM];
    bool packed;         /* reads packed weights (scheduled before contraction) */
    bool pointwise;      /* width mode whose rows are output channels (see
                            match_nest) */
    /* pointwise over a strided input (a 1x1 stride-2 downsample): the read
     * `xsub` goes through a contiguous copy xs[..] of the elements it
     * reads, one dim per index of the read, each indexed by the nest var
     * that index reads (xsub_var; 0: none, extent 1) */
    lp_id xsub;
    int64_t phase;       /* pointwise over a padded window read with this
                            stride (> 1) along the row: xpad's last dim is
                            split into [phase][columns / phase] planes */
    /* pointwise over a plane of narrow rows (7x7, 14x14): the row loop h
     * is merged into the width loop, whose var then runs over the flat
     * position p = h * flat_w + w (extent H * W); h is substituted by
     * p / flat_w and w by p % flat_w, which simplify folds back into p in
     * the flattened offsets (0: not merged) */
    uint32_t flat_h;
    int64_t flat_w;
    /* a merged plane too big to stay in L2 (56x56) is cut into tiles of
     * flat_tile positions: h's loop runs over the tiles (its var t), w's
     * over a tile's positions j, and the flat position is t * flat_tile +
     * j (0: one run over the whole plane) */
    int64_t flat_tile;
    uint32_t xsub_var[TVM_MAX_NDIM];
    int64_t xsub_ext[TVM_MAX_NDIM];
    int xsub_dims;
} cmatch;

/* Whether the nest at `top` is a convolution schedule_conv blocks; fills m
 * (mode, loops, the packed or padded read, the flat plane). written marks
 * the buffers stored before the nest (nbufs of them); vector_bytes is the
 * target's vector width. */
bool conv_match_nest(const lp_program *p, lp_id top, cmatch *m, uint8_t *written,
                     uint32_t nbufs, int vector_bytes);

/* Accumulator registers a block may hold: 24 of AVX-512's 32, 12 of
 * AVX2's 16. */
int conv_acc_budget(int vector_bytes);

/* Pointwise rows (output channels) per block of a merged plane with no
 * loop outside its channels (0 if none divides O into two or more). */
int conv_pw_rows(int vector_bytes, int dt, int64_t O);

#endif
