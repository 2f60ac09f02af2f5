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
/// Rows of a quantised tile in an int8 product (their bytes interleaved four inputs at a time).
#define INT8_TILE_ROWS 4
/// Rows quantised together in an int8 product.
#define INT8_BLOCK_ROWS 96
/// The largest int8 weight: 2 · 255 · 63 fits vpmaddubsw's 16-bit pairwise sums.
#define INT8_WEIGHT_LIMIT 63

// The same bodies compiled for each CPU level the target has: AVX-512 and AVX2 on x86, the
// portable C everywhere. Helpers taking and returning v16 are always inlined, so the calling
// convention for 64-byte vectors never applies.
#pragma clang diagnostic ignored "-Wpsabi"
// TILE_ROWS × TILE_VECTORS: rows × 16-float vectors of a register tile; their accumulators, the
// step's weights and one input must fit the level's registers (32 zmm; 16 ymm, a v16 taking two).
// HALF_INSTRUCTIONS: the level widens half-precision weights with F16C's instruction.
// INT8_MADDUBS: the level's int8 products use AVX2's byte multiply-adds (the AVX-512 level too,
// on 256-bit registers, until a host with VNNI can measure its own).
// WIDEN_ROWS: a block of more rows has each panel slice widened to floats once for all its tiles
// (INT_MAX: never; each tile widens the halves it reads).
#if QUARRY_X86
#define LEVEL avx512
#define TILE_ROWS 12
#define TILE_VECTORS 2
#define HALF_INSTRUCTIONS 1
#define WIDEN_ROWS INT_MAX
#define INT8_MADDUBS 1
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma"))), apply_to = function)
#include "kernels_impl.h"
#pragma clang attribute pop
#undef LEVEL
#undef TILE_ROWS
#undef TILE_VECTORS
#undef HALF_INSTRUCTIONS
#undef WIDEN_ROWS
#undef INT8_MADDUBS

#define LEVEL avx2
#define TILE_ROWS 6
#define TILE_VECTORS 1
#define HALF_INSTRUCTIONS 1
#define WIDEN_ROWS 12
#define INT8_MADDUBS 1
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "kernels_impl.h"
#pragma clang attribute pop
#undef LEVEL
#undef TILE_ROWS
#undef TILE_VECTORS
#undef HALF_INSTRUCTIONS
#undef WIDEN_ROWS
#undef INT8_MADDUBS
#endif

#define LEVEL portable
#define TILE_ROWS 1
#define TILE_VECTORS 2
#define HALF_INSTRUCTIONS 0
#define WIDEN_ROWS 12
#define INT8_MADDUBS 0
#include "kernels_impl.h"
#undef LEVEL
#undef TILE_ROWS
#undef TILE_VECTORS
#undef HALF_INSTRUCTIONS
#undef WIDEN_ROWS
#undef INT8_MADDUBS

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

static const char *const level_names[] = {[PORTABLE] = "portable", [AVX2] = "avx2", [AVX512] = "avx512"};

const char *quarry_kernel_level(void) { return level_names[detect()]; }

// The level a test forces by name, if this CPU runs it (each level's CPU runs the ones below it).
static int runnable_level(const char *name, enum level *level) {
    for (int candidate = PORTABLE; candidate <= AVX512; candidate++)
        if (strcmp(name, level_names[candidate]) == 0) {
            *level = (enum level)candidate;
            return *level <= detect();
        }
    return 0;
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
    if (!runnable_level(name, &level)) return 0;
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

// ---- int8 products (the int8 document path) ----

size_t quarry_packed_int8_count(int outputs, int inputs) {
    size_t panels = ((size_t)outputs + QUARRY_PANEL - 1) / QUARRY_PANEL;
    return panels * (((size_t)inputs + 3) / 4) * 4 * QUARRY_PANEL;
}

void quarry_pack_int8(const float *weight, int outputs, int inputs, const float *smoothing, int8_t *packed, float *scales,
                      int32_t *column_sums) {
    int panels = (outputs + QUARRY_PANEL - 1) / QUARRY_PANEL, quads = (inputs + 3) / 4;
    memset(packed, 0, quarry_packed_int8_count(outputs, inputs));
    for (int output = 0; output < panels * QUARRY_PANEL; output++) {
        scales[output] = 0;
        column_sums[output] = 0;
        if (output >= outputs) continue;
        const float *row = weight + (size_t)output * inputs;
#define SMOOTHED(k) (smoothing ? row[k] * smoothing[k] : row[k])
        float largest = 0;
        for (int k = 0; k < inputs; k++) largest = fabsf(SMOOTHED(k)) > largest ? fabsf(SMOOTHED(k)) : largest;
        float scale = largest > 0 ? largest / INT8_WEIGHT_LIMIT : 1;
        int panel = output / QUARRY_PANEL, j = output % QUARRY_PANEL;
        int32_t total = 0;
        for (int k = 0; k < inputs; k++) {
            float code = nearbyintf(SMOOTHED(k) / scale);
            int8_t value = (int8_t)(code > INT8_WEIGHT_LIMIT ? INT8_WEIGHT_LIMIT : code < -INT8_WEIGHT_LIMIT ? -INT8_WEIGHT_LIMIT : code);
            packed[(((size_t)panel * quads + k / 4) * QUARRY_PANEL + j) * 4 + k % 4] = value;
            total += value;
        }
        scales[output] = scale;
        column_sums[output] = total;
    }
#undef SMOOTHED
}

size_t quarry_linear_int8_scratch_bytes(int inputs) {
    size_t tiles = (size_t)INT8_BLOCK_ROWS * (((size_t)inputs + 3) / 4) * 4;
    return tiles + INT8_BLOCK_ROWS * (sizeof(float) + sizeof(int32_t)) + (size_t)inputs * sizeof(float);  // + one scaled row
}

/// Rows [first, first + rows) of `input` quantised to unsigned bytes into `tiles` (as
/// NAME(int8_sums) reads them; codes past the last input are 0 and meet 0 weights), each row by its own range, zero
/// included: x ≈ scale · (code − zero). One function for every level, so all see the same bytes.
static void quantise_block(const float *input, int input_stride, int first, int rows, int inputs, const float *input_scales,
                           uint8_t *tiles, float *row_scales, int32_t *row_zeros, float *scaled) {
    int quads = (inputs + 3) / 4;
    memset(tiles, 0, (size_t)((rows + INT8_TILE_ROWS - 1) / INT8_TILE_ROWS * INT8_TILE_ROWS) * quads * 4);
    for (int r = 0; r < rows; r++) {
        const float *row = input + (size_t)(first + r) * input_stride;
        const float *x = row;
        if (input_scales) {
            for (int k = 0; k < inputs; k++) scaled[k] = row[k] * input_scales[k];
            x = scaled;
        }
        float low = 0, high = 0;
        for (int k = 0; k < inputs; k++) {
            low = x[k] < low ? x[k] : low;
            high = x[k] > high ? x[k] : high;
        }
        float scale = high > low ? (high - low) / 255.0f : 1;
        int32_t zero = (int32_t)nearbyintf(-low / scale);
        zero = zero < 0 ? 0 : zero > 255 ? 255 : zero;
        float inverse = 1.0f / scale;
        uint8_t *tile = tiles + (size_t)(r / INT8_TILE_ROWS) * quads * 4 * INT8_TILE_ROWS;
        for (int k = 0; k < inputs; k++) {
            float code = nearbyintf(x[k] * inverse) + (float)zero;
            tile[((size_t)(k / 4) * INT8_TILE_ROWS + r % INT8_TILE_ROWS) * 4 + k % 4] = (uint8_t)(code < 0 ? 0 : code > 255 ? 255 : code);
        }
        row_scales[r] = scale;
        row_zeros[r] = zero;
    }
}

static void linear_int8_at(enum level level, const float *input, int input_stride, int row_begin, int row_end,
                           const float *input_scales, const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias,
                           int inputs, int outputs, int panel_begin, int panel_end, int gelu, float *output, int output_stride,
                           void *scratch) {
    int quads = (inputs + 3) / 4;
    uint8_t *tiles = scratch;
    float *row_scales = (float *)(tiles + (size_t)INT8_BLOCK_ROWS * quads * 4);
    int32_t *row_zeros = (int32_t *)(row_scales + INT8_BLOCK_ROWS);
    float *scaled = (float *)(row_zeros + INT8_BLOCK_ROWS);
    for (int block = row_begin; block < row_end; block += INT8_BLOCK_ROWS) {
        int rows = row_end - block < INT8_BLOCK_ROWS ? row_end - block : INT8_BLOCK_ROWS;
        quantise_block(input, input_stride, block, rows, inputs, input_scales, tiles, row_scales, row_zeros, scaled);
        float *out = output + (size_t)block * output_stride;
        switch (level) {
#if QUARRY_X86
        case AVX512:
            linear_int8_avx512(tiles, row_scales, row_zeros, rows, packed, scales, column_sums, bias, inputs, outputs, panel_begin, panel_end, gelu, out, output_stride);
            break;
        case AVX2:
            linear_int8_avx2(tiles, row_scales, row_zeros, rows, packed, scales, column_sums, bias, inputs, outputs, panel_begin, panel_end, gelu, out, output_stride);
            break;
#endif
        default:
            linear_int8_portable(tiles, row_scales, row_zeros, rows, packed, scales, column_sums, bias, inputs, outputs, panel_begin, panel_end, gelu, out, output_stride);
        }
    }
}

void quarry_linear_int8(const float *input, int input_stride, int row_begin, int row_end, const float *input_scales,
                        const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias,
                        int inputs, int outputs, int panel_begin, int panel_end, int gelu, float *output, int output_stride, void *scratch) {
    linear_int8_at(detect(), input, input_stride, row_begin, row_end, input_scales, packed, scales, column_sums, bias, inputs, outputs,
                   panel_begin, panel_end, gelu, output, output_stride, scratch);
}

int quarry_linear_int8_at_level(const char *name, const float *input, int input_stride, int row_begin, int row_end,
                                const float *input_scales, const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias,
                                int inputs, int outputs, int panel_begin, int panel_end, int gelu, float *output, int output_stride,
                                void *scratch) {
    enum level level;
    if (!runnable_level(name, &level)) return 0;
    linear_int8_at(level, input, input_stride, row_begin, row_end, input_scales, packed, scales, column_sums, bias, inputs, outputs,
                   panel_begin, panel_end, gelu, output, output_stride, scratch);
    return 1;
}
