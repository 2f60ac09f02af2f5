// The embedded index's quantised scan: int8 rows against an int8 query, exact int32 sums.
// A row of 384 dimensions is 384 bytes instead of 1,536, so the memory-bound scan of a large
// index reads a quarter of the bytes; the best candidates are then rescored in float32.
#include "quarry_kernels.h"
#include "cpu_features.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if QUARRY_X86
// Products of two int8 values fit int16 (127 · 127 < 2^15); vpmaddwd adds pairs into int32.
__attribute__((target("avx512f,avx512bw")))
static void dot_rows_int8_avx512(const int8_t *matrix, int dimensions, long row_begin, long row_end,
                                 const int8_t *vector, int32_t *scores) {
    int whole = dimensions & ~31;
    for (long row = row_begin; row < row_end; row++) {
        const int8_t *m = matrix + (size_t)row * dimensions;
        __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
        int d = 0;
        for (; d + 64 <= whole; d += 64) {
            __m512i q0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(vector + d)));
            __m512i q1 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(vector + d + 32)));
            __m512i r0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(m + d)));
            __m512i r1 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(m + d + 32)));
            acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(r0, q0));
            acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(r1, q1));
        }
        for (; d < whole; d += 32) {
            __m512i q = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(vector + d)));
            __m512i r = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(m + d)));
            acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(r, q));
        }
        int32_t sum = _mm512_reduce_add_epi32(_mm512_add_epi32(acc0, acc1));
        for (; d < dimensions; d++) sum += (int32_t)m[d] * vector[d];
        scores[row] = sum;
    }
}

// VNNI (vpdpbusd) multiplies unsigned by signed bytes, 64 at a time, summing fours into int32:
// the query goes in as |q| and its signs move onto the row's bytes (a masked negate; rows hold
// -127…127, so negating cannot overflow). The query stays in registers across rows; four rows
// at a time keep four independent sums in flight.
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void dot_rows_int8_vnni(const int8_t *matrix, int dimensions, long row_begin, long row_end,
                               const int8_t *vector, int32_t *scores) {
    enum { MAX_BLOCKS = 16 };
    int blocks = dimensions / 64;
    if (blocks > MAX_BLOCKS || blocks * 64 != dimensions) {
        dot_rows_int8_avx512(matrix, dimensions, row_begin, row_end, vector, scores);
        return;
    }
    __m512i magnitude[MAX_BLOCKS];
    __mmask64 negative[MAX_BLOCKS];
    for (int b = 0; b < blocks; b++) {
        __m512i q = _mm512_loadu_si512(vector + 64 * b);
        magnitude[b] = _mm512_abs_epi8(q);
        negative[b] = _mm512_movepi8_mask(q);
    }
    const __m512i zero = _mm512_setzero_si512();
    long row = row_begin;
    for (; row + 4 <= row_end; row += 4) {
        const int8_t *m = matrix + (size_t)row * dimensions;
        __m512i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (int b = 0; b < blocks; b++) {
            __m512i r0 = _mm512_loadu_si512(m + 64 * b);
            __m512i r1 = _mm512_loadu_si512(m + dimensions + 64 * b);
            __m512i r2 = _mm512_loadu_si512(m + 2 * dimensions + 64 * b);
            __m512i r3 = _mm512_loadu_si512(m + 3 * dimensions + 64 * b);
            a0 = _mm512_dpbusd_epi32(a0, magnitude[b], _mm512_mask_sub_epi8(r0, negative[b], zero, r0));
            a1 = _mm512_dpbusd_epi32(a1, magnitude[b], _mm512_mask_sub_epi8(r1, negative[b], zero, r1));
            a2 = _mm512_dpbusd_epi32(a2, magnitude[b], _mm512_mask_sub_epi8(r2, negative[b], zero, r2));
            a3 = _mm512_dpbusd_epi32(a3, magnitude[b], _mm512_mask_sub_epi8(r3, negative[b], zero, r3));
        }
        scores[row] = _mm512_reduce_add_epi32(a0);
        scores[row + 1] = _mm512_reduce_add_epi32(a1);
        scores[row + 2] = _mm512_reduce_add_epi32(a2);
        scores[row + 3] = _mm512_reduce_add_epi32(a3);
    }
    for (; row < row_end; row++) {
        const int8_t *m = matrix + (size_t)row * dimensions;
        __m512i a0 = zero;
        for (int b = 0; b < blocks; b++) {
            __m512i r0 = _mm512_loadu_si512(m + 64 * b);
            a0 = _mm512_dpbusd_epi32(a0, magnitude[b], _mm512_mask_sub_epi8(r0, negative[b], zero, r0));
        }
        scores[row] = _mm512_reduce_add_epi32(a0);
    }
}

__attribute__((target("avx2")))
static void dot_rows_int8_avx2(const int8_t *matrix, int dimensions, long row_begin, long row_end,
                               const int8_t *vector, int32_t *scores) {
    int whole = dimensions & ~15;
    for (long row = row_begin; row < row_end; row++) {
        const int8_t *m = matrix + (size_t)row * dimensions;
        __m256i acc = _mm256_setzero_si256();
        int d = 0;
        for (; d < whole; d += 16) {
            __m256i q = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(vector + d)));
            __m256i r = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(m + d)));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(r, q));
        }
        __m128i half = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
        half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
        int32_t sum = _mm_cvtsi128_si32(half);
        for (; d < dimensions; d++) sum += (int32_t)m[d] * vector[d];
        scores[row] = sum;
    }
}
#endif

static void dot_rows_int8_portable(const int8_t *matrix, int dimensions, long row_begin, long row_end,
                                   const int8_t *vector, int32_t *scores) {
    for (long row = row_begin; row < row_end; row++) {
        const int8_t *m = matrix + (size_t)row * dimensions;
        int32_t sum = 0;
        for (int d = 0; d < dimensions; d++) sum += (int32_t)m[d] * vector[d];
        scores[row] = sum;
    }
}

void quarry_dot_rows_int8(const int8_t *matrix, int dimensions, long row_begin, long row_end,
                          const int8_t *vector, int32_t *scores) {
    static int level = -1;  // a benign race: every thread computes the same value
    if (level < 0) {
        level = 0;
#if QUARRY_X86
        int allowed = quarry_kernels_allowed();
        int avx512 = allowed >= QUARRY_TIER_AVX512 && QUARRY_CPU_HAS("avx512f") && QUARRY_CPU_HAS("avx512bw");
        level = avx512 && QUARRY_CPU_HAS("avx512vnni") ? 3 : avx512 ? 2 : allowed >= QUARRY_TIER_AVX2 && QUARRY_CPU_HAS("avx2") ? 1 : 0;
#endif
    }
    switch (level) {
#if QUARRY_X86
    case 3: dot_rows_int8_vnni(matrix, dimensions, row_begin, row_end, vector, scores); break;
    case 2: dot_rows_int8_avx512(matrix, dimensions, row_begin, row_end, vector, scores); break;
    case 1: dot_rows_int8_avx2(matrix, dimensions, row_begin, row_end, vector, scores); break;
#endif
    default: dot_rows_int8_portable(matrix, dimensions, row_begin, row_end, vector, scores);
    }
}

struct scan_int8 {
    const int8_t *matrix;
    const int8_t *vector;
    int32_t *scores;
    long rows;
    int dimensions;
    int parts;
};

static void scan_part(void *context, int worker) {
    const struct scan_int8 *scan = context;
    long begin = scan->rows * worker / scan->parts, end = scan->rows * (worker + 1) / scan->parts;
    quarry_dot_rows_int8(scan->matrix, scan->dimensions, begin, end, scan->vector, scan->scores);
}

// Below this many rows a second worker costs about what it saves.
#define PARALLEL_ROWS 20000

void quarry_dot_rows_int8_parallel(quarry_pool *pool, const int8_t *matrix, int dimensions, long rows,
                                   const int8_t *vector, int32_t *scores) {
    if (!pool || rows < PARALLEL_ROWS || quarry_pool_workers(pool) == 1) {
        quarry_dot_rows_int8(matrix, dimensions, 0, rows, vector, scores);
        return;
    }
    struct scan_int8 scan = {matrix, vector, scores, rows, dimensions, quarry_pool_workers(pool)};
    quarry_pool_run(pool, scan_part, &scan);
}

// The best rows of one tenant by approximate score, without a scores array: each worker scores
// a block of rows into a small buffer and keeps its best in a min-heap; the heaps are merged.

// Whether `a` ranks below `b`: a lower score, or the same score and a later row (ties go to the
// earlier row, so the result does not depend on how rows were split).
static inline int ranks_below(quarry_candidate a, quarry_candidate b) {
    return a.score < b.score || (a.score == b.score && a.row > b.row);
}

static void sift_down(quarry_candidate *heap, long size, long parent) {
    for (;;) {
        long left = 2 * parent + 1, right = left + 1, lowest = parent;
        if (left < size && ranks_below(heap[left], heap[lowest])) lowest = left;
        if (right < size && ranks_below(heap[right], heap[lowest])) lowest = right;
        if (lowest == parent) return;
        quarry_candidate swap = heap[parent];
        heap[parent] = heap[lowest];
        heap[lowest] = swap;
        parent = lowest;
    }
}

// Offers `item` to a min-heap of at most `capacity` entries holding `*size`.
static inline void offer(quarry_candidate *heap, long *size, long capacity, quarry_candidate item) {
    if (*size < capacity) {
        long child = (*size)++;
        heap[child] = item;
        while (child > 0) {
            long parent = (child - 1) / 2;
            if (!ranks_below(heap[child], heap[parent])) break;
            quarry_candidate swap = heap[parent];
            heap[parent] = heap[child];
            heap[child] = swap;
            child = parent;
        }
    } else if (ranks_below(heap[0], item)) {
        heap[0] = item;
        sift_down(heap, *size, 0);
    }
}

// One heap of the best `count` candidates per worker, merged when all are done.
struct worker_heaps {
    quarry_candidate *heaps;  // `parts` heaps of `count` entries
    long *sizes;
    long count;
    int parts;
};

// Runs `task` on `parts` workers (the pool's, or the calling thread alone for one), each filling
// its heap of `out`, which `context` holds; merges the heaps into `best` and returns how many
// candidates it holds, or -1 when memory ran out.
static long best_in_parts(quarry_pool *pool, int parts, long count, quarry_task task, void *context, struct worker_heaps *out,
                          quarry_candidate *best) {
    *out = (struct worker_heaps){malloc(sizeof(quarry_candidate) * (size_t)count * (size_t)parts), calloc((size_t)parts, sizeof(long)),
                                 count, parts};
    long size = -1;
    if (out->heaps && out->sizes) {
        if (parts == 1) task(context, 0); else quarry_pool_run(pool, task, context);
        size = out->sizes[0];  // the first heap is already one; the others' entries are offered to it
        for (int part = 1; part < parts; part++)
            for (long i = 0; i < out->sizes[part]; i++) offer(out->heaps, &size, count, out->heaps[(size_t)part * (size_t)count + (size_t)i]);
        memcpy(best, out->heaps, sizeof(quarry_candidate) * (size_t)size);
    }
    free(out->heaps);
    free(out->sizes);
    return size;
}

struct best_int8 {
    struct worker_heaps out;
    const int8_t *matrix;
    const float *scales;
    const int32_t *tenants;
    const int8_t *vector;
    long rows;
    int32_t tenant;
    int dimensions;
};

#define SCORE_BLOCK 256

static void best_part(void *context, int worker) {
    const struct best_int8 *scan = context;
    long begin = scan->rows * worker / scan->out.parts, end = scan->rows * (worker + 1) / scan->out.parts;
    long count = scan->out.count;
    quarry_candidate *heap = scan->out.heaps + (size_t)worker * (size_t)count;
    long size = 0;
    int32_t sums[SCORE_BLOCK];
    for (long block = begin; block < end; block += SCORE_BLOCK) {
        long stop = end - block < SCORE_BLOCK ? end : block + SCORE_BLOCK;
        quarry_dot_rows_int8(scan->matrix + (size_t)block * (size_t)scan->dimensions, scan->dimensions, 0, stop - block, scan->vector, sums);
        for (long row = block; row < stop; row++) {
            if (scan->tenants[row] != scan->tenant) continue;
            quarry_candidate item = {(float)sums[row - block] * scan->scales[row], (int32_t)row};
            if (size < count || ranks_below(heap[0], item)) offer(heap, &size, count, item);
        }
    }
    scan->out.sizes[worker] = size;
}

long quarry_best_rows_int8(quarry_pool *pool, const int8_t *matrix, const float *scales, const int32_t *tenants, int32_t tenant,
                           int dimensions, long rows, const int8_t *vector, long count, quarry_candidate *best) {
    if (count <= 0 || rows <= 0) return 0;
    int parts = pool && rows >= PARALLEL_ROWS ? quarry_pool_workers(pool) : 1;
    struct best_int8 scan = {{0}, matrix, scales, tenants, vector, rows, tenant, dimensions};
    return best_in_parts(pool, parts, count, best_part, &scan, &scan.out, best);
}

// Scores the listed rows [begin, end) into a heap of `count`, asking for rows AHEAD of the one
// scored: the rows lie scattered over the index, and each would otherwise wait on memory.
static long best_listed(const int8_t *matrix, const float *scales, int dimensions, const int32_t *rows, long begin, long end,
                        const int8_t *vector, long count, quarry_candidate *heap) {
    enum { AHEAD = 8 };
    long size = 0;
    for (long i = begin; i < end; i++) {
        if (i + AHEAD < end) {
            const char *next = (const char *)(matrix + (size_t)rows[i + AHEAD] * (size_t)dimensions);
            for (int offset = 0; offset < dimensions; offset += 64) __builtin_prefetch(next + offset);
        }
        int32_t sum;
        quarry_dot_rows_int8(matrix + (size_t)rows[i] * (size_t)dimensions, dimensions, 0, 1, vector, &sum);
        quarry_candidate item = {(float)sum * scales[rows[i]], rows[i]};
        if (size < count || ranks_below(heap[0], item)) offer(heap, &size, count, item);
    }
    return size;
}

struct best_listed {
    struct worker_heaps out;
    const int8_t *matrix;
    const float *scales;
    const int32_t *rows;
    const int8_t *vector;
    long listed;
    int dimensions;
};

static void listed_part(void *context, int worker) {
    const struct best_listed *scan = context;
    long begin = scan->listed * worker / scan->out.parts, end = scan->listed * (worker + 1) / scan->out.parts;
    scan->out.sizes[worker] = best_listed(scan->matrix, scan->scales, scan->dimensions, scan->rows, begin, end, scan->vector,
                                          scan->out.count, scan->out.heaps + (size_t)worker * (size_t)scan->out.count);
}

// Below this many listed rows a second worker costs about what it saves (each row is a wait on memory).
#define PARALLEL_LISTED 2000

long quarry_best_listed_rows_int8(quarry_pool *pool, const int8_t *matrix, const float *scales, int dimensions, const int32_t *rows,
                                  long listed, const int8_t *vector, long count, quarry_candidate *best) {
    if (count <= 0 || listed <= 0) return 0;
    int parts = pool && listed >= PARALLEL_LISTED ? quarry_pool_workers(pool) : 1;
    struct best_listed scan = {{0}, matrix, scales, rows, vector, listed, dimensions};
    return best_in_parts(pool, parts, count, listed_part, &scan, &scan.out, best);
}
