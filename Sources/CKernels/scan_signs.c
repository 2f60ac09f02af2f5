// The embedded index's first pass over a large index: one sign bit per dimension (48 bytes a row
// at 384 dimensions, an eighth of the int8 codes), compared by Hamming distance. Rows pointing
// the same way share most signs, so the nearest rows by sign hold the nearest rows by angle;
// the int8 scores then rank the survivors and float32 rescores the best of those.
#include "quarry_kernels.h"

#include <stdlib.h>
#include <string.h>

void quarry_sign_bits(const int8_t *codes, int dimensions, long rows, uint64_t *bits) {
    int words = (dimensions + 63) / 64;
    for (long row = 0; row < rows; row++) {
        const int8_t *code = codes + (size_t)row * (size_t)dimensions;
        uint64_t *out = bits + (size_t)row * (size_t)words;
        memset(out, 0, sizeof(uint64_t) * (size_t)words);
        for (int d = 0; d < dimensions; d++)
            if (code[d] > 0) out[d / 64] |= (uint64_t)1 << (d % 64);
    }
}

// Rows of other tenants (and removed rows) get this distance: beyond any real one.
#define EXCLUDED UINT16_MAX
// Each worker counts distances into this many histograms, a row's chosen by its number: rows
// side by side often share a distance, and one counter incremented back to back waits on its
// own store each time.
#define LANES 4

// Each row's distance to the query (EXCLUDED for other tenants' rows), counted into the LANES
// histograms of `bins` counts at `histograms`.
// Compiled twice: with the popcnt instruction, and without for a CPU that lacks it.
static inline __attribute__((always_inline)) void measure(const uint64_t *bits, int words, const int32_t *tenants, int32_t tenant,
                                                            long begin, long end, const uint64_t *query, uint16_t *out, long *histograms, int bins) {
    for (long row = begin; row < end; row++) {
        if (tenants[row] != tenant) {
            out[row] = EXCLUDED;
            continue;
        }
        const uint64_t *b = bits + (size_t)row * (size_t)words;
        int distance = 0;
        if (words == 6) {  // 384 dimensions, the default model's: unrolled
            distance = __builtin_popcountll(b[0] ^ query[0]) + __builtin_popcountll(b[1] ^ query[1])
                + __builtin_popcountll(b[2] ^ query[2]) + __builtin_popcountll(b[3] ^ query[3])
                + __builtin_popcountll(b[4] ^ query[4]) + __builtin_popcountll(b[5] ^ query[5]);
        } else {
            for (int w = 0; w < words; w++) distance += __builtin_popcountll(b[w] ^ query[w]);
        }
        out[row] = (uint16_t)distance;
        histograms[(row % LANES) * bins + distance]++;
    }
}

typedef void (*distances_kernel)(const uint64_t *, int, const int32_t *, int32_t, long, long, const uint64_t *, uint16_t *, long *, int);

__attribute__((target("popcnt")))
static void distances_popcnt(const uint64_t *bits, int words, const int32_t *tenants, int32_t tenant, long begin, long end,
                             const uint64_t *query, uint16_t *out, long *histograms, int bins) {
    measure(bits, words, tenants, tenant, begin, end, query, out, histograms, bins);
}

static void distances_baseline(const uint64_t *bits, int words, const int32_t *tenants, int32_t tenant, long begin, long end,
                               const uint64_t *query, uint16_t *out, long *histograms, int bins) {
    measure(bits, words, tenants, tenant, begin, end, query, out, histograms, bins);
}

struct signs_scan {
    const uint64_t *bits;
    const int32_t *tenants;
    const uint64_t *query;
    uint16_t *distances;
    long *histograms;  // `parts` × LANES histograms of `bins` counts
    long rows;
    int32_t tenant;
    distances_kernel kernel;
    int words, bins, parts;
};

static void signs_part(void *context, int worker) {
    const struct signs_scan *scan = context;
    long begin = scan->rows * worker / scan->parts, end = scan->rows * (worker + 1) / scan->parts;
    long *histograms = scan->histograms + (size_t)worker * LANES * (size_t)scan->bins;
    scan->kernel(scan->bits, scan->words, scan->tenants, scan->tenant, begin, end, scan->query, scan->distances, histograms, scan->bins);
}

// Below this many rows a second worker costs about what it saves.
#define PARALLEL_ROWS 20000

long quarry_nearest_signs(quarry_pool *pool, const uint64_t *bits, int words, const int32_t *tenants, int32_t tenant, long rows,
                          const uint64_t *query, long count, int32_t *found) {
    if (count <= 0 || rows <= 0) return 0;
    if (words * 64 >= EXCLUDED) return -1;  // distances would not fit their 16 bits
    static distances_kernel kernel;  // picked once; a benign race: every thread picks the same
    if (!kernel) {
        __builtin_cpu_init();
        kernel = __builtin_cpu_supports("popcnt") ? distances_popcnt : distances_baseline;
    }
    int parts = pool && rows >= PARALLEL_ROWS ? quarry_pool_workers(pool) : 1;
    int bins = words * 64 + 1;
    uint16_t *distances = malloc(sizeof(uint16_t) * (size_t)rows);
    long *histograms = calloc((size_t)parts * LANES * (size_t)bins, sizeof(long));
    if (!distances || !histograms) {
        free(distances);
        free(histograms);
        return -1;
    }
    struct signs_scan scan = {bits, tenants, query, distances, histograms, rows, tenant, kernel, words, bins, parts};
    if (parts == 1) signs_part(&scan, 0); else quarry_pool_run(pool, signs_part, &scan);

    // The cut: the smallest distance within which `count` rows lie. Rows nearer than it are all
    // taken, rows at it in row order until `count` are.
    long below = 0;
    int cut = 0;
    for (; cut < bins; cut++) {
        long at = 0;
        for (int lane = 0; lane < parts * LANES; lane++) at += histograms[(size_t)lane * (size_t)bins + (size_t)cut];
        if (below + at >= count) break;
        below += at;
    }
    long atCut = count - below;  // how many rows at the cut distance to take (all of them when cut == bins)
    long size = 0;
    for (long row = 0; row < rows && size < count; row++) {
        // Without branches: whether a row is taken is a coin toss to the branch predictor.
        uint16_t distance = distances[row];
        long tie = (distance == cut) & (atCut > 0);
        atCut -= tie;
        found[size] = (int32_t)row;
        size += (distance < cut) | tie;
    }
    free(distances);
    free(histograms);
    return size;
}
