// The int8 products' bodies, included by kernels_impl.h once per CPU level (NAME, v16 and the
// level's GELU come from there). INT8_MADDUBS: the level sums with AVX2's vpmaddubsw/vpmaddwd;
// otherwise plain loops. Every level computes the same exact int32 sums from the same bytes, so
// their outputs are equal to the last bit.

/// The int32 sums of `height` rows of a quantised tile (`tile`: [quads][INT8_TILE_ROWS][4]
/// bytes) with the 32 columns of one int8 panel ([quads][QUARRY_PANEL][4]).
static inline __attribute__((always_inline)) void NAME(int8_sums)(
    const uint8_t *tile, int quads, const int8_t *panel, int32_t sums[INT8_TILE_ROWS][QUARRY_PANEL], const int height)
{
#if INT8_MADDUBS
    // Per step of four inputs, 8 columns × 4 bytes a register: vpmaddubsw multiplies the row's
    // four unsigned bytes (broadcast) with each column's four signed ones and adds pairs into
    // 16 bits (no saturation: |w| ≤ 63), vpmaddwd adds the pairs' sums into 32 bits.
    const __m256i ones = _mm256_set1_epi16(1);
    for (int offset = 0; offset < QUARRY_PANEL; offset += 16) {
        __m256i acc0[INT8_TILE_ROWS], acc1[INT8_TILE_ROWS];
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < height; r++) acc0[r] = acc1[r] = _mm256_setzero_si256();
        for (int q = 0; q < quads; q++) {
            const int8_t *w = panel + (size_t)q * 4 * QUARRY_PANEL + 4 * offset;
            __builtin_prefetch(w + 64 * 4 * QUARRY_PANEL);  // the query path streams the weights
            __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < height; r++) {
                int32_t four;
                memcpy(&four, tile + ((size_t)q * INT8_TILE_ROWS + r) * 4, sizeof four);
                __m256i a = _mm256_set1_epi32(four);
                acc0[r] = _mm256_add_epi32(acc0[r], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w0), ones));
                acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w1), ones));
            }
        }
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < height; r++) {
            _mm256_storeu_si256((__m256i *)(sums[r] + offset), acc0[r]);
            _mm256_storeu_si256((__m256i *)(sums[r] + offset + 8), acc1[r]);
        }
    }
#else
    for (int r = 0; r < height; r++)
        for (int j = 0; j < QUARRY_PANEL; j++) sums[r][j] = 0;
    for (int q = 0; q < quads; q++) {
        const int8_t *w = panel + (size_t)q * 4 * QUARRY_PANEL;
        for (int r = 0; r < height; r++) {
            const uint8_t *a = tile + ((size_t)q * INT8_TILE_ROWS + r) * 4;
            for (int j = 0; j < QUARRY_PANEL; j++)
                sums[r][j] += a[0] * w[4 * j] + a[1] * w[4 * j + 1] + a[2] * w[4 * j + 2] + a[3] * w[4 * j + 3];
        }
    }
#endif
}

/// `output[r, j] = bias[j] + row_scale[r] · scale[j] · (sums[r, j] − zero[r] · column_sum[j])`
/// for `count` rows and the 32 columns of one panel, GELU applied after when `gelu` is set.
static inline __attribute__((always_inline)) void NAME(int8_dequantise)(
    int32_t sums[INT8_TILE_ROWS][QUARRY_PANEL], int count, const float *row_scales, const int32_t *row_zeros,
    const float *scales, const int32_t *column_sums, const float *bias, int gelu, float *output, int output_stride)
{
    for (int r = 0; r < count; r++)
        for (int v = 0; v < QUARRY_PANEL; v += 16) {
            v16i total, column;
            memcpy(&total, sums[r] + v, sizeof total);
            memcpy(&column, column_sums + v, sizeof column);
            v16 value = __builtin_convertvector(total - row_zeros[r] * column, v16) * row_scales[r] * NAME(load)(scales + v)
                        + NAME(load)(bias + v);
            NAME(store)(output + (size_t)r * output_stride + v, gelu ? NAME(gelu)(value) : value);
        }
}

static void NAME(linear_int8)(const uint8_t *tiles, const float *row_scales, const int32_t *row_zeros, int block_rows,
                              const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias,
                              int inputs, int outputs, int panel_begin, int panel_end, int gelu, float *output, int output_stride)
{
    // One block of quantised rows (`tiles`, as quantise_block writes them) by the panels given.
    // Columns past `outputs` in a last, partial panel are written to `partial` and copied out.
    int quads = (inputs + 3) / 4;
    float partial[INT8_TILE_ROWS * QUARRY_PANEL];
    int32_t sums[INT8_TILE_ROWS][QUARRY_PANEL];
    for (int panel = panel_begin; panel < panel_end; panel++) {
        int column = panel * QUARRY_PANEL;
        int width = outputs - column < QUARRY_PANEL ? outputs - column : QUARRY_PANEL;
        float bias_copy[QUARRY_PANEL] = {0};
        memcpy(bias_copy, bias + column, sizeof(float) * (size_t)width);
        const int8_t *weights = packed + (size_t)panel * quads * 4 * QUARRY_PANEL;
        for (int row = 0; row < block_rows; row += INT8_TILE_ROWS) {
            int count = block_rows - row < INT8_TILE_ROWS ? block_rows - row : INT8_TILE_ROWS;
            const uint8_t *tile = tiles + (size_t)row * quads * 4;
            // A constant height each, so that every accumulator stays in a register.
            switch (count) {
            case 1: NAME(int8_sums)(tile, quads, weights, sums, 1); break;
            case 2: NAME(int8_sums)(tile, quads, weights, sums, 2); break;
            case 3: NAME(int8_sums)(tile, quads, weights, sums, 3); break;
            default: NAME(int8_sums)(tile, quads, weights, sums, INT8_TILE_ROWS);
            }
            float *out = width == QUARRY_PANEL ? output + (size_t)row * output_stride + column : partial;
            int stride = width == QUARRY_PANEL ? output_stride : QUARRY_PANEL;
            NAME(int8_dequantise)(sums, count, row_scales + row, row_zeros + row, scales + column, column_sums + column, bias_copy,
                                  gelu, out, stride);
            if (width < QUARRY_PANEL)
                for (int r = 0; r < count; r++)
                    memcpy(output + (size_t)(row + r) * output_stride + column, partial + r * QUARRY_PANEL, sizeof(float) * (size_t)width);
        }
    }
}
