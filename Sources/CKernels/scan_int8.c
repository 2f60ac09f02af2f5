// The embedded index's quantised scan: int8 rows against an int8 query, exact int32 sums.
// A row of 384 dimensions is 384 bytes instead of 1,536, so the memory-bound scan of a large
// index reads a quarter of the bytes; the best candidates are then rescored in float32.
#include "quarry_kernels.h"

#include <immintrin.h>
#include <stdint.h>

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

static void dot_rows_int8_baseline(const int8_t *matrix, int dimensions, long row_begin, long row_end,
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
        __builtin_cpu_init();
        int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
        level = avx512 && __builtin_cpu_supports("avx512vnni") ? 3 : avx512 ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    switch (level) {
    case 3: dot_rows_int8_vnni(matrix, dimensions, row_begin, row_end, vector, scores); break;
    case 2: dot_rows_int8_avx512(matrix, dimensions, row_begin, row_end, vector, scores); break;
    case 1: dot_rows_int8_avx2(matrix, dimensions, row_begin, row_end, vector, scores); break;
    default: dot_rows_int8_baseline(matrix, dimensions, row_begin, row_end, vector, scores);
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
