// The kernels' bodies, included once per CPU level by kernels.c with LEVEL set and a target
// attribute applied to every function; `v16` is 16 floats, one AVX-512 register (two AVX2 ones).

#define JOIN2(name, level) name##_##level
#define JOIN(name, level) JOIN2(name, level)
#define NAME(name) JOIN(name, LEVEL)

static inline __attribute__((always_inline)) v16 NAME(splat)(float value) { return value - (v16){}; }

static inline __attribute__((always_inline)) v16 NAME(load)(const float *p) {
    v16 value;
    memcpy(&value, p, sizeof value);
    return value;
}

static inline __attribute__((always_inline)) void NAME(store)(float *p, v16 value) { memcpy(p, &value, sizeof value); }

/// 16 half-precision values widened to floats.
static inline __attribute__((always_inline)) v16 NAME(load_half)(const uint16_t *p) {
#if HALF_INSTRUCTIONS
    v16h half;
    memcpy(&half, p, sizeof half);
    return __builtin_convertvector(half, v16);
#else
    // Without F16C: exponent and mantissa shifted into a float's places, then scaled by 2^112 to
    // move the exponent bias from 15 to 127 (exact for normal and subnormal halves; packed
    // weights hold no infinities or NaNs), and the sign put back.
    // Whole vectors, no per-lane loop: the portable level runs this for every weight it reads,
    // and lane by lane it took most of an encoder's time (SSE2 or NEON do four lanes at once).
    v16u16 raw;
    memcpy(&raw, p, sizeof raw);
    v16i wide = __builtin_convertvector(raw, v16i);
    v16i bits = (wide & 0x7fff) << 13, sign = (wide & 0x8000) << 16;
    v16 magnitude;
    memcpy(&magnitude, &bits, sizeof magnitude);
    magnitude *= 0x1p112f;
    memcpy(&bits, &magnitude, sizeof bits);
    bits |= sign;
    memcpy(&magnitude, &bits, sizeof magnitude);
    return magnitude;
#endif
}

static inline __attribute__((always_inline)) float NAME(sum)(v16 v) {
    float total = 0;
    for (int i = 0; i < 16; i++) total += v[i];
    return total;
}

static inline __attribute__((always_inline)) float NAME(maximum)(v16 v) {
    float best = v[0];
    for (int i = 1; i < 16; i++) best = v[i] > best ? v[i] : best;
    return best;
}

/// e^x to about 1 ulp (Cephes' range reduction and polynomial); x is clamped to float's range.
static inline __attribute__((always_inline)) v16 NAME(exp)(v16 x) {
    x = __builtin_elementwise_max(x, NAME(splat)(-87.3f));
    x = __builtin_elementwise_min(x, NAME(splat)(88.3f));
    v16 n = x * 1.44269504088896341f;
    // Round to nearest: add and subtract 1.5·2^23.
    n = (n + 12582912.0f) - 12582912.0f;
    v16 r = x - n * 0.693359375f + n * 2.12194440e-4f;
    v16 p = NAME(splat)(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    v16i bits = (__builtin_convertvector(n, v16i) + 127) << 23;
    v16 scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/// x · Φ(x) with erf from Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7).
static inline __attribute__((always_inline)) v16 NAME(gelu)(v16 x) {
    v16 z = x * 0.70710678118654752f;
    v16 a = __builtin_elementwise_abs(z);
    v16 t = 1.0f / (a * 0.3275911f + 1.0f);
    v16 poly = ((((t * 1.061405429f - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    v16 erf = 1.0f - poly * NAME(exp)(-(a * a));
    erf = __builtin_elementwise_copysign(erf, z);
    return 0.5f * x * (1.0f + erf);
}

/// 16 weights of step `k` of a panel, from `offset` on: halves widened, or floats already widened
/// (`wide`, a constant where it is called).
static inline __attribute__((always_inline)) v16 NAME(weights)(const void *panel, int wide, int k, int offset) {
    return wide ? NAME(load)((const float *)panel + k * QUARRY_PANEL + offset)
                : NAME(load_half)((const uint16_t *)panel + k * QUARRY_PANEL + offset);
}

/// `height` rows (a constant: TILE_ROWS, or fewer for a tile's last rows) × TILE_VECTORS · 16
/// columns of one panel, from column `offset` on, over `depth` inputs, accumulated in registers.
/// `rows` holds the tile's inputs transposed (groups of TILE_ROWS floats, zero past the last row)
/// so one pointer feeds them all. The sums start from the bias (`first`) or from the first `count`
/// rows of `output` (a later slice of the inputs); GELU is applied when `gelu` is set (the last slice).
static inline __attribute__((always_inline)) void NAME(tile)(
    const float *rows, int count, const void *panel, int wide, int offset, int depth, const float *bias, int first, int gelu,
    float *output, int output_stride, const int height)
{
    // Sized for every height a caller may name (dead branches included), so none indexes past.
    v16 acc[TILE_VECTORS][TILE_ROWS > 8 ? TILE_ROWS : 8];
    _Pragma("clang loop unroll(full)")
    for (int v = 0; v < TILE_VECTORS; v++) {
        v16 start = NAME(load)(bias + offset + 16 * v);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < height; r++)
            acc[v][r] = !first && r < count ? NAME(load)(output + r * output_stride + offset + 16 * v) : start;
    }
    for (int k = 0; k < depth; k++) {
        v16 b[TILE_VECTORS];
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < TILE_VECTORS; v++) b[v] = NAME(weights)(panel, wide, k, offset + 16 * v);
        // Weights stream from memory on the query path: ask for them 64 steps (4 KB) early; a few
        // steps left a query's first tile waiting on its loads. A step's 32 halves are one line.
        if (!wide) __builtin_prefetch((const uint16_t *)panel + (k + 64) * QUARRY_PANEL);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < height; r++) {
            v16 a = NAME(splat)(rows[k * TILE_ROWS + r]);
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < TILE_VECTORS; v++) acc[v][r] += a * b[v];
        }
    }
    for (int r = 0; r < count; r++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < TILE_VECTORS; v++)
            NAME(store)(output + r * output_stride + offset + 16 * v, gelu ? NAME(gelu)(acc[v][r]) : acc[v][r]);
}

/// One slice of a panel over one block's tiles, each TILE_VECTORS · 16 columns at a time.
static inline __attribute__((always_inline)) void NAME(panel_slice)(
    const float *tiles, int inputs, int start, int block_rows, const void *weights, int wide, int depth, const float *bias,
    int first, int gelu, float *output, int output_stride)
{
    for (int row = 0; row < block_rows; row += TILE_ROWS) {
        int count = block_rows - row < TILE_ROWS ? block_rows - row : TILE_ROWS;
        const float *tile = tiles + ((size_t)(row / TILE_ROWS) * inputs + start) * TILE_ROWS;
        float *out = output + (size_t)row * output_stride;
        for (int offset = 0; offset < QUARRY_PANEL; offset += 16 * TILE_VECTORS) {
            // A query's last rows rarely fill a tile (25 tokens: 12 + 12 + 1): a shorter tile
            // does not multiply the padding.
            if (TILE_ROWS > 4 && count <= 4)
                NAME(tile)(tile, count, weights, wide, offset, depth, bias, first, gelu, out, output_stride, 4);
            else if (TILE_ROWS > 8 && count <= 8)
                NAME(tile)(tile, count, weights, wide, offset, depth, bias, first, gelu, out, output_stride, 8);
            else
                NAME(tile)(tile, count, weights, wide, offset, depth, bias, first, gelu, out, output_stride, TILE_ROWS);
        }
    }
}

static void NAME(linear)(const float *input, int input_stride, int row_begin, int row_end,
                         const uint16_t *packed, const float *bias, int inputs, int outputs,
                         int panel_begin, int panel_end, int gelu, float *output, int output_stride,
                         float *scratch)
{
    // Rows go in blocks of BLOCK_ROWS, transposed into tiles in `scratch` (L2); the inputs in
    // slices of DEPTH, so a tile's slice and a panel's slice share L1 while every tile of the
    // block passes over that panel slice. Panel by panel, slice by slice within each: the weights
    // are read in the order they lie, so the tile's prefetch runs on into the next slice (slices
    // outermost left each panel slice's first 4 KB unrequested: a 21-token query 3.1 → 3.0 ms).
    // Columns past `outputs` in a last, partial panel are summed in `partial` and copied out at
    // the end. Where the level says so (WIDEN_ROWS), a block of more rows than that has each
    // panel slice widened to floats once, into `scratch`'s first DEPTH · QUARRY_PANEL floats,
    // rather than once per tile.
    float partial[BLOCK_ROWS * QUARRY_PANEL];
    float *widened = scratch;
    float *tiles = scratch + DEPTH * QUARRY_PANEL;
    for (int block = row_begin; block < row_end; block += BLOCK_ROWS) {
        int block_rows = row_end - block < BLOCK_ROWS ? row_end - block : BLOCK_ROWS;
        int padded_rows = (block_rows + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
        int widen = block_rows > WIDEN_ROWS;
        // Tile by tile, input by input: the writes are contiguous. (Row by row, the strided
        // writes were vectorised into 64-bit address arithmetic: a tenth of a query's products.)
        for (int first_row = 0; first_row < padded_rows; first_row += TILE_ROWS) {
            float *tile = tiles + (size_t)(first_row / TILE_ROWS) * inputs * TILE_ROWS;
            const float *in[TILE_ROWS];
            for (int r = 0; r < TILE_ROWS; r++)
                in[r] = first_row + r < block_rows ? input + (size_t)(block + first_row + r) * input_stride : NULL;
            for (int k = 0; k < inputs; k++)
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < TILE_ROWS; r++) tile[k * TILE_ROWS + r] = in[r] ? in[r][k] : 0;
        }
        for (int panel = panel_begin; panel < panel_end; panel++) {
            int column = panel * QUARRY_PANEL;
            int width = outputs - column < QUARRY_PANEL ? outputs - column : QUARRY_PANEL;
            float bias_copy[QUARRY_PANEL] = {0};
            memcpy(bias_copy, bias + column, sizeof(float) * (size_t)width);
            float *out = width == QUARRY_PANEL ? output + (size_t)block * output_stride + column : partial;
            int stride = width == QUARRY_PANEL ? output_stride : QUARRY_PANEL;
            for (int start = 0; start < inputs; start += DEPTH) {
                int depth = inputs - start < DEPTH ? inputs - start : DEPTH;
                int first = start == 0, last = start + depth == inputs;
                const uint16_t *weights = packed + ((size_t)panel * inputs + start) * QUARRY_PANEL;
                if (widen) {
                    for (int k = 0; k < depth * QUARRY_PANEL; k += 16) NAME(store)(widened + k, NAME(load_half)(weights + k));
                    NAME(panel_slice)(tiles, inputs, start, block_rows, widened, 1, depth, bias_copy, first, gelu && last, out, stride);
                } else {
                    NAME(panel_slice)(tiles, inputs, start, block_rows, weights, 0, depth, bias_copy, first, gelu && last, out, stride);
                }
                if (last && width < QUARRY_PANEL)
                    for (int r = 0; r < block_rows; r++)
                        memcpy(output + (size_t)(block + r) * output_stride + column, partial + r * QUARRY_PANEL,
                               sizeof(float) * (size_t)width);
            }
        }
    }
}

static void NAME(attention)(const float *qkv, int length, int hidden, int head, int head_size,
                            float *context, float *scratch)
{
    // This head's keys transposed ([head_size][padded length]) so scores vectorise over keys, and
    // its values packed ([length][head_size]): both then stay in L1 instead of strided rows of qkv.
    // Queries go ATTENTION_ROWS at a time and keys 32 at a time, so every product step has
    // 2 · ATTENTION_ROWS independent sums and more arithmetic than loads.
    int padded = (length + 31) & ~31;
    float *keys = scratch;
    float *values = keys + (size_t)head_size * padded;
    float *scores = values + (size_t)head_size * padded;
    int stride = 3 * hidden;
    const float *query = qkv + head * head_size;
    const float *key = query + hidden;
    const float *value = key + hidden;
    float scale = 1.0f / sqrtf((float)head_size);
    for (int j = 0; j < padded; j++)
        for (int d = 0; d < head_size; d++)
            keys[d * padded + j] = j < length ? key[(size_t)j * stride + d] : 0;
    for (int j = 0; j < length; j++) memcpy(values + (size_t)j * head_size, value + (size_t)j * stride, sizeof(float) * (size_t)head_size);

    for (int first = 0; first < length; first += ATTENTION_ROWS) {
        int count = length - first < ATTENTION_ROWS ? length - first : ATTENTION_ROWS;
        const float *rows[ATTENTION_ROWS];
        for (int r = 0; r < ATTENTION_ROWS; r++) rows[r] = query + (size_t)(first + (r < count ? r : 0)) * stride;
        for (int j = 0; j < padded; j += 32) {
            v16 acc0[ATTENTION_ROWS] = {}, acc1[ATTENTION_ROWS] = {};
            for (int d = 0; d < head_size; d++) {
                v16 k0 = NAME(load)(keys + d * padded + j), k1 = NAME(load)(keys + d * padded + j + 16);
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < ATTENTION_ROWS; r++) {
                    v16 q = NAME(splat)(rows[r][d]);
                    acc0[r] += q * k0;
                    acc1[r] += q * k1;
                }
            }
            for (int r = 0; r < ATTENTION_ROWS; r++) {
                NAME(store)(scores + r * padded + j, acc0[r] * scale);
                NAME(store)(scores + r * padded + j + 16, acc1[r] * scale);
            }
        }
        for (int r = 0; r < count; r++) {
            float *row = scores + r * padded;
            for (int j = length; j < padded; j++) row[j] = -INFINITY;  // padding takes no weight
            v16 best = NAME(splat)(-INFINITY);
            for (int j = 0; j < padded; j += 16) best = __builtin_elementwise_max(NAME(load)(row + j), best);
            float maximum = NAME(maximum)(best);
            v16 total = {};
            for (int j = 0; j < padded; j += 16) {
                v16 e = NAME(exp)(NAME(load)(row + j) - maximum);
                if (j + 16 > length) for (int lane = length > j ? length - j : 0; lane < 16; lane++) e[lane] = 0;
                NAME(store)(row + j, e);
                total += e;
            }
            float inverse = 1.0f / NAME(sum)(total);
            for (int j = 0; j < padded; j += 16) NAME(store)(row + j, NAME(load)(row + j) * inverse);
        }
        int d = 0;
        for (; d + 32 <= head_size; d += 32) {
            v16 acc0[ATTENTION_ROWS] = {}, acc1[ATTENTION_ROWS] = {};
            for (int j = 0; j < length; j++) {
                v16 v0 = NAME(load)(values + (size_t)j * head_size + d), v1 = NAME(load)(values + (size_t)j * head_size + d + 16);
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < ATTENTION_ROWS; r++) {
                    v16 p = NAME(splat)(scores[r * padded + j]);
                    acc0[r] += p * v0;
                    acc1[r] += p * v1;
                }
            }
            for (int r = 0; r < count; r++) {
                float *out = context + (size_t)(first + r) * hidden + head * head_size + d;
                NAME(store)(out, acc0[r]);
                NAME(store)(out + 16, acc1[r]);
            }
        }
        for (; d < head_size; d += 16) {
            v16 acc[ATTENTION_ROWS] = {};
            for (int j = 0; j < length; j++) {
                v16 v = NAME(load)(values + (size_t)j * head_size + d);
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < ATTENTION_ROWS; r++) acc[r] += NAME(splat)(scores[r * padded + j]) * v;
            }
            for (int r = 0; r < count; r++) NAME(store)(context + (size_t)(first + r) * hidden + head * head_size + d, acc[r]);
        }
    }
}

static void NAME(dot_rows)(const float *matrix, int dimensions, long row_begin, long row_end,
                           const float *vector, float *scores)
{
    // Four rows at a time: four independent sums, the query vector read once for all four; a
    // dimension count that is not a multiple of 16 finishes in scalars.
    int whole = dimensions & ~15;
    long row = row_begin;
    for (; row + 4 <= row_end; row += 4) {
        const float *m = matrix + (size_t)row * dimensions;
        v16 acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
        for (int d = 0; d < whole; d += 16) {
            v16 q = NAME(load)(vector + d);
            acc0 += NAME(load)(m + d) * q;
            acc1 += NAME(load)(m + dimensions + d) * q;
            acc2 += NAME(load)(m + 2 * dimensions + d) * q;
            acc3 += NAME(load)(m + 3 * dimensions + d) * q;
        }
        float sums[4] = {NAME(sum)(acc0), NAME(sum)(acc1), NAME(sum)(acc2), NAME(sum)(acc3)};
        for (int r = 0; r < 4; r++) {
            for (int d = whole; d < dimensions; d++) sums[r] += m[r * dimensions + d] * vector[d];
            scores[row + r] = sums[r];
        }
    }
    for (; row < row_end; row++) {
        const float *m = matrix + (size_t)row * dimensions;
        v16 acc = {};
        for (int d = 0; d < whole; d += 16) acc += NAME(load)(m + d) * NAME(load)(vector + d);
        float sum = NAME(sum)(acc);
        for (int d = whole; d < dimensions; d++) sum += m[d] * vector[d];
        scores[row] = sum;
    }
}

static void NAME(add_layer_norm)(float *states, const float *delta, int row_begin, int row_end, int hidden,
                                 const float *gamma, const float *beta, float epsilon)
{
    for (int row = row_begin; row < row_end; row++) {
        float *x = states + (size_t)row * hidden;
        if (delta) {
            const float *d = delta + (size_t)row * hidden;
            for (int c = 0; c < hidden; c += 16) NAME(store)(x + c, NAME(load)(x + c) + NAME(load)(d + c));
        }
        v16 total = {};
        for (int c = 0; c < hidden; c += 16) total += NAME(load)(x + c);
        float mean = NAME(sum)(total) / (float)hidden;
        v16 squares = {};
        for (int c = 0; c < hidden; c += 16) {
            v16 centred = NAME(load)(x + c) - mean;
            squares += centred * centred;
        }
        float inverse = 1.0f / sqrtf(NAME(sum)(squares) / (float)hidden + epsilon);
        for (int c = 0; c < hidden; c += 16)
            NAME(store)(x + c, (NAME(load)(x + c) - mean) * inverse * NAME(load)(gamma + c) + NAME(load)(beta + c));
    }
}

#include "kernels_int8_impl.h"

#undef NAME
#undef JOIN
#undef JOIN2
