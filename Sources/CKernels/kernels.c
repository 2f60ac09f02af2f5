#include "quarry_kernels.h"
#include "cpu_features.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef _Float16 v16h __attribute__((vector_size(32)));
typedef uint16_t v16u16 __attribute__((vector_size(32)));

/// Rows transposed together into L2 for a matrix product: a multiple of every level's TILE_ROWS.
#define BLOCK_ROWS 96
/// Inputs per slice of a matrix product: a tile's slice and a panel's slice fit L1 together.
#define DEPTH 192
/// Listed rows requested ahead of the one being scored in `quarry_dot_listed_rows`.
#define LISTED_AHEAD 4
/// Query rows whose attention is computed together.
#define ATTENTION_ROWS 8

// The same bodies compiled for each CPU level the target has: AVX-512 and AVX2 on x86, the
// portable C everywhere. Helpers taking and returning v16 are always inlined, so the calling
// convention for 64-byte vectors never applies.
#pragma clang diagnostic ignored "-Wpsabi"
// TILE_ROWS × TILE_VECTORS: rows × 16-float vectors of a register tile; their accumulators, the
// step's weights and one input must fit the level's registers (32 zmm; 16 ymm, a v16 taking two).
// HALF_INSTRUCTIONS: the level widens half-precision weights with F16C's instruction.
// WIDEN_ROWS: a block of more rows has each panel slice widened to floats once for all its tiles
// (INT_MAX: never; each tile widens the halves it reads).
#if QUARRY_X86
#define LEVEL avx512
#define TILE_ROWS 12
#define TILE_VECTORS 2
#define HALF_INSTRUCTIONS 1
#define WIDEN_ROWS INT_MAX
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma"))), apply_to = function)
#include "kernels_impl.h"
#pragma clang attribute pop
#undef LEVEL
#undef TILE_ROWS
#undef TILE_VECTORS
#undef HALF_INSTRUCTIONS
#undef WIDEN_ROWS

#define LEVEL avx2
#define TILE_ROWS 6
#define TILE_VECTORS 1
#define HALF_INSTRUCTIONS 1
#define WIDEN_ROWS 12
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "kernels_impl.h"
#pragma clang attribute pop
#undef LEVEL
#undef TILE_ROWS
#undef TILE_VECTORS
#undef HALF_INSTRUCTIONS
#undef WIDEN_ROWS
#endif

#define LEVEL portable
#define TILE_ROWS 1
#define TILE_VECTORS 2
#define HALF_INSTRUCTIONS 0
#define WIDEN_ROWS 12
#include "kernels_impl.h"
#undef LEVEL
#undef TILE_ROWS
#undef TILE_VECTORS
#undef HALF_INSTRUCTIONS
#undef WIDEN_ROWS

enum level { PORTABLE, AVX2, AVX512 };

static enum level detect(void) {
    static int cached = -1;  // a benign race: every thread computes the same value
    if (cached < 0) {
        cached = PORTABLE;
#if QUARRY_X86
        int allowed = quarry_kernels_allowed();
        if (allowed >= QUARRY_TIER_AVX512 && QUARRY_CPU_HAS("avx512f") && QUARRY_CPU_HAS("avx512vl") &&
            QUARRY_CPU_HAS("avx512bw") && QUARRY_CPU_HAS("avx512dq"))
            cached = AVX512;
        else if (allowed >= QUARRY_TIER_AVX2 && QUARRY_CPU_HAS("avx2") && QUARRY_CPU_HAS("fma") && QUARRY_CPU_HAS("f16c"))
            cached = AVX2;
#endif
    }
    return (enum level)cached;
}

const char *quarry_kernel_level(void) {
    switch (detect()) {
    case AVX512: return "avx512";
    case AVX2: return "avx2";
    default: return "portable";
    }
}

size_t quarry_linear_scratch_count(int inputs) { return (size_t)DEPTH * QUARRY_PANEL + (size_t)BLOCK_ROWS * (size_t)inputs; }

size_t quarry_packed_count(int outputs, int inputs) {
    size_t panels = ((size_t)outputs + QUARRY_PANEL - 1) / QUARRY_PANEL;
    return panels * (size_t)inputs * QUARRY_PANEL;
}

void quarry_pack(const float *weight, int outputs, int inputs, uint16_t *packed) {
    int panels = (outputs + QUARRY_PANEL - 1) / QUARRY_PANEL;
    for (int panel = 0; panel < panels; panel++)
        for (int k = 0; k < inputs; k++)
            for (int j = 0; j < QUARRY_PANEL; j++) {
                int output = panel * QUARRY_PANEL + j;
                _Float16 half = (_Float16)(output < outputs ? weight[(size_t)output * inputs + k] : 0);
                memcpy(&packed[((size_t)panel * inputs + k) * QUARRY_PANEL + j], &half, sizeof half);
            }
}

static void linear_at(enum level level, const float *input, int input_stride, int row_begin, int row_end,
                      const uint16_t *packed, const float *bias, int inputs, int outputs,
                      int panel_begin, int panel_end, int gelu, float *output, int output_stride, float *scratch) {
    switch (level) {
#if QUARRY_X86
    case AVX512:
        linear_avx512(input, input_stride, row_begin, row_end, packed, bias, inputs, outputs, panel_begin, panel_end, gelu, output, output_stride, scratch);
        break;
    case AVX2:
        linear_avx2(input, input_stride, row_begin, row_end, packed, bias, inputs, outputs, panel_begin, panel_end, gelu, output, output_stride, scratch);
        break;
#endif
    default:
        linear_portable(input, input_stride, row_begin, row_end, packed, bias, inputs, outputs, panel_begin, panel_end, gelu, output, output_stride, scratch);
    }
}

void quarry_linear(const float *input, int input_stride, int row_begin, int row_end,
                   const uint16_t *packed, const float *bias, int inputs, int outputs,
                   int panel_begin, int panel_end, int gelu, float *output, int output_stride, float *scratch) {
    linear_at(detect(), input, input_stride, row_begin, row_end, packed, bias, inputs, outputs, panel_begin, panel_end, gelu,
              output, output_stride, scratch);
}

int quarry_linear_at_level(const char *name, const float *input, int input_stride, int row_begin, int row_end,
                           const uint16_t *packed, const float *bias, int inputs, int outputs,
                           int panel_begin, int panel_end, int gelu, float *output, int output_stride, float *scratch) {
    enum level level;
    if (strcmp(name, "avx512") == 0) level = AVX512;
    else if (strcmp(name, "avx2") == 0) level = AVX2;
    else if (strcmp(name, "portable") == 0) level = PORTABLE;
    else return 0;
    if (level > detect()) return 0;  // each level's CPU runs the ones below it
    linear_at(level, input, input_stride, row_begin, row_end, packed, bias, inputs, outputs, panel_begin, panel_end, gelu,
              output, output_stride, scratch);
    return 1;
}

size_t quarry_attention_scratch_count(int length, int head_size) {
    size_t padded = ((size_t)length + 31) & ~(size_t)31;
    return 2 * padded * (size_t)head_size + ATTENTION_ROWS * padded;
}

void quarry_attention(const float *qkv, int length, int hidden, int head, int head_size, float *context, float *scratch) {
    switch (detect()) {
#if QUARRY_X86
    case AVX512: attention_avx512(qkv, length, hidden, head, head_size, context, scratch); break;
    case AVX2: attention_avx2(qkv, length, hidden, head, head_size, context, scratch); break;
#endif
    default: attention_portable(qkv, length, hidden, head, head_size, context, scratch);
    }
}

void quarry_add_layer_norm(float *states, const float *delta, int row_begin, int row_end, int hidden,
                           const float *gamma, const float *beta, float epsilon) {
    switch (detect()) {
#if QUARRY_X86
    case AVX512: add_layer_norm_avx512(states, delta, row_begin, row_end, hidden, gamma, beta, epsilon); break;
    case AVX2: add_layer_norm_avx2(states, delta, row_begin, row_end, hidden, gamma, beta, epsilon); break;
#endif
    default: add_layer_norm_portable(states, delta, row_begin, row_end, hidden, gamma, beta, epsilon);
    }
}

typedef void (*dot_rows_kernel)(const float *, int, long, long, const float *, float *);

static dot_rows_kernel dot_rows_for_cpu(void) {
    switch (detect()) {
#if QUARRY_X86
    case AVX512: return dot_rows_avx512;
    case AVX2: return dot_rows_avx2;
#endif
    default: return dot_rows_portable;
    }
}

static void dot_listed_rows(const float *matrix, int dimensions, const int32_t *rows, long count, const float *vector, float *scores) {
    // The listed rows lie scattered over an index of hundreds of megabytes, each a miss to
    // memory: the row LISTED_AHEAD places on is requested while one is scored.
    size_t row_bytes = (size_t)dimensions * sizeof(float);
    dot_rows_kernel dot = dot_rows_for_cpu();  // picked once, not per row
    for (long i = 0; i < count; i++) {
        if (i + LISTED_AHEAD < count) {
            const char *ahead = (const char *)(matrix + (size_t)rows[i + LISTED_AHEAD] * dimensions);
            for (size_t line = 0; line < row_bytes; line += 64) __builtin_prefetch(ahead + line);
        }
        dot(matrix + (size_t)rows[i] * dimensions, dimensions, 0, 1, vector, scores + i);
    }
}

struct listed_rows {
    const float *matrix, *vector;
    const int32_t *rows;
    float *scores;
    long count;
    int dimensions, parts;
};

static void listed_rows_part(void *context, int worker) {
    const struct listed_rows *job = context;
    long begin = job->count * worker / job->parts, end = job->count * (worker + 1) / job->parts;
    dot_listed_rows(job->matrix, job->dimensions, job->rows + begin, end - begin, job->vector, job->scores + begin);
}

// Below this many listed rows a second worker costs about what it saves.
#define PARALLEL_LISTED_FLOAT 128

void quarry_dot_listed_rows(quarry_pool *pool, const float *matrix, int dimensions, const int32_t *rows, long count,
                            const float *vector, float *scores) {
    struct listed_rows job = {matrix, vector, rows, scores, count, dimensions, 1};
    if (pool && count >= PARALLEL_LISTED_FLOAT) job.parts = quarry_pool_workers(pool);
    if (job.parts == 1) listed_rows_part(&job, 0); else quarry_pool_run(pool, listed_rows_part, &job);
}

void quarry_dot_rows(const float *matrix, int dimensions, long row_begin, long row_end, const float *vector, float *scores) {
    dot_rows_for_cpu()(matrix, dimensions, row_begin, row_end, vector, scores);
}
