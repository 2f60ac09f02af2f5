// The embedded index's first pass over a large index: one sign bit per dimension (48 bytes a row
// at 384 dimensions, an eighth of the int8 codes). A row's distance to the query is the query's
// weight (|code| in 16 steps) summed over the dimensions where their signs differ: rows pointing
// the same way share most signs, most of all where the query is large, so the nearest rows by
// this distance hold the nearest rows by angle; the int8 scores then rank the survivors and
// float32 rescores the best of those. (Plain Hamming distance, every dimension weighing the
// same, needed twice the survivors for a worse recall: Docs/PERFORMANCE.md.)
#include "quarry_kernels.h"
#include "cpu_features.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// The largest weight a dimension of the query takes.
#define SIGN_WEIGHT_MAX ((1 << QUARRY_SIGN_PLANES) - 1)

static inline int code_magnitude(int8_t code) { return code < 0 ? (code == -128 ? 127 : -code) : code; }

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

size_t quarry_sign_block_words(long rows, int dimensions) {
    size_t blocks = ((size_t)rows + QUARRY_SIGN_BLOCK - 1) / QUARRY_SIGN_BLOCK;
    return blocks * QUARRY_SIGN_BLOCK * (size_t)((dimensions + 63) / 64);
}

void quarry_sign_query(const int8_t *codes, int dimensions, uint64_t *query) {
    int words = (dimensions + 63) / 64;
    memset(query, 0, sizeof(uint64_t) * (size_t)words * (1 + QUARRY_SIGN_PLANES));
    quarry_sign_bits(codes, dimensions, 1, query);
    for (int d = 0; d < dimensions; d++) {
        int magnitude = code_magnitude(codes[d]);
        int weight = (magnitude * SIGN_WEIGHT_MAX + 63) / 127;  // rounded to the nearest step
        for (int plane = 0; plane < QUARRY_SIGN_PLANES; plane++)
            if (weight >> plane & 1) query[(size_t)(1 + plane) * (size_t)words + (size_t)(d / 64)] |= (uint64_t)1 << (d % 64);
    }
}

/// Where word `word` of row `row` lies in the blocked layout.
static inline size_t block_offset(long row, int words, int word) {
    return (size_t)(row / QUARRY_SIGN_BLOCK) * QUARRY_SIGN_BLOCK * (size_t)words + (size_t)word * QUARRY_SIGN_BLOCK
        + (size_t)(row % QUARRY_SIGN_BLOCK);
}

void quarry_store_sign_bits(const int8_t *codes, int dimensions, long first_row, long rows, uint64_t *blocks) {
    int words = (dimensions + 63) / 64;
    uint64_t plain[words];
    for (long n = 0; n < rows; n++) {
        quarry_sign_bits(codes + (size_t)n * (size_t)dimensions, dimensions, 1, plain);
        for (int w = 0; w < words; w++) blocks[block_offset(first_row + n, words, w)] = plain[w];
    }
}

// Rows of other tenants (and removed rows) get this distance: beyond any real one.
#define EXCLUDED UINT16_MAX
// Each worker counts distances into this many histograms, a row's chosen by its number: rows
// side by side can share a distance, and one counter incremented back to back waits on its own
// store each time. (With Hamming distances, a few hundred values, that took four; weighted ones
// spread over thousands.)
#define LANES 2

// Each row's distance to the query (EXCLUDED for other tenants' rows), counted into the LANES
// histograms of `bins` counts at `histograms`. `begin` is the first row of a block.
// Compiled twice: with the popcnt instruction, and without for a CPU that lacks it.
static inline __attribute__((always_inline)) void measure(const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant,
                                                            long begin, long end, const uint64_t *query, uint16_t *out, uint32_t *histograms, int bins) {
    for (long row = begin; row < end; row++) {
        if (tenants[row] != tenant) {
            out[row] = EXCLUDED;
            continue;
        }
        const uint64_t *b = blocks + block_offset(row, words, 0);
        int distance = 0;
        for (int w = 0; w < words; w++) {
            uint64_t differ = b[w * QUARRY_SIGN_BLOCK] ^ query[w];
            for (int plane = 0; plane < QUARRY_SIGN_PLANES; plane++)
                distance += __builtin_popcountll(differ & query[(1 + plane) * words + w]) << plane;
        }
        out[row] = (uint16_t)distance;
        histograms[(row % LANES) * bins + distance]++;
    }
}

typedef void (*distances_kernel)(const uint64_t *, int, const int32_t *, int32_t, long, long, const uint64_t *, uint16_t *, uint32_t *, int);

#if QUARRY_X86
__attribute__((target("popcnt")))
static void distances_popcnt(const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long begin, long end,
                             const uint64_t *query, uint16_t *out, uint32_t *histograms, int bins) {
    measure(blocks, words, tenants, tenant, begin, end, query, out, histograms, bins);
}
#endif

static void distances_portable(const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long begin, long end,
                               const uint64_t *query, uint16_t *out, uint32_t *histograms, int bins) {
    measure(blocks, words, tenants, tenant, begin, end, query, out, histograms, bins);
}

#if QUARRY_X86
// A block's eight rows at once: eight words XORed with the query's signs, then counted by one
// VPOPCNTQ per plane of the query's weights; the distances then stay in registers (read back
// from memory, each row's stalled on forwarding). The pass waits on memory, not on these.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vpopcntdq")))
static void distances_vpopcnt(const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long begin, long end,
                              const uint64_t *query, uint16_t *out, uint32_t *histograms, int bins) {
    for (long first = begin; first < end; first += QUARRY_SIGN_BLOCK) {
        const uint64_t *block = blocks + block_offset(first, words, 0);
        __m512i sums[QUARRY_SIGN_PLANES];
        for (int plane = 0; plane < QUARRY_SIGN_PLANES; plane++) sums[plane] = _mm512_setzero_si512();
        for (int w = 0; w < words; w++) {
            __m512i word = _mm512_loadu_si512(block + w * QUARRY_SIGN_BLOCK);
            __m512i differ = _mm512_xor_si512(word, _mm512_set1_epi64((long long)query[w]));
            _Pragma("clang loop unroll(full)")
            for (int plane = 0; plane < QUARRY_SIGN_PLANES; plane++)
                sums[plane] = _mm512_add_epi64(sums[plane], _mm512_popcnt_epi64(
                    _mm512_and_si512(differ, _mm512_set1_epi64((long long)query[(1 + plane) * words + w]))));
        }
        __m512i sum = sums[0];
        _Pragma("clang loop unroll(full)")
        for (int plane = 1; plane < QUARRY_SIGN_PLANES; plane++) sum = _mm512_add_epi64(sum, _mm512_slli_epi64(sums[plane], plane));
        __mmask8 present = end - first < QUARRY_SIGN_BLOCK ? (__mmask8)((1u << (end - first)) - 1) : 0xFF;
        __mmask8 mine = _mm256_mask_cmpeq_epi32_mask(present, _mm256_maskz_loadu_epi32(present, tenants + first), _mm256_set1_epi32(tenant));
        __m128i distances = _mm_mask_mov_epi16(_mm_set1_epi16((short)EXCLUDED), mine, _mm512_cvtepi64_epi16(sum));
        _mm_mask_storeu_epi16(out + first, present, distances);
        uint64_t halves[2] = {(uint64_t)_mm_cvtsi128_si64(distances), (uint64_t)_mm_extract_epi64(distances, 1)};
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < QUARRY_SIGN_BLOCK; r++)
            if (mine >> r & 1) histograms[(r % LANES) * bins + (int)(halves[r / 4] >> (16 * (r % 4)) & 0xFFFF)]++;
    }
}
#endif

// The rows taken once the cut is known: in row order, those nearer than `cut`, and of those at
// it the first `at_cut`. At most `count` (the caller's choice of the cut guarantees it).
// `first` is where to start (rows before it are taken already).
typedef long (*select_kernel)(const uint16_t *, long, long, int, long, long, int32_t *);

static long select_rows(const uint16_t *distances, long first, long rows, int cut, long at_cut, long count, int32_t *found) {
    long size = 0;
    for (long row = first; row < rows && size < count; row++) {
        // Without branches: whether a row is taken is a coin toss to the branch predictor.
        uint16_t distance = distances[row];
        long tie = (distance == cut) & (at_cut > 0);
        at_cut -= tie;
        found[size] = (int32_t)row;
        size += (distance < cut) | tie;
    }
    return size;
}

#if QUARRY_X86
// Sixteen rows at a time: two compares, the ties allowed picked by PDEP, the rows taken written
// by one compressing store.
__attribute__((target("avx512f,avx512bw,avx512vl,bmi2")))
static long select_rows_avx512(const uint16_t *distances, long first, long rows, int cut, long at_cut, long count, int32_t *found) {
    long size = 0, row = first;
    const __m256i cuts = _mm256_set1_epi16((short)cut);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; row + 16 <= rows && size < count; row += 16) {
        __m256i block = _mm256_loadu_si256((const __m256i *)(distances + row));
        unsigned below = _mm256_cmplt_epu16_mask(block, cuts), ties = _mm256_cmpeq_epi16_mask(block, cuts);
        if (__builtin_popcount(ties) > at_cut) ties = _pdep_u32((1u << at_cut) - 1, ties);  // the first at_cut of them
        at_cut -= __builtin_popcount(ties);
        __mmask16 take = (__mmask16)(below | ties);
        _mm512_mask_compressstoreu_epi32(found + size, take, _mm512_add_epi32(lanes, _mm512_set1_epi32((int)row)));
        size += __builtin_popcount(take);
    }
    return size + select_rows(distances, row, rows, cut, at_cut, count - size, found + size);
}
#endif

// The kernels by name; `chosen_kernels` indexes this table (-1 until first picked).
static const struct { const char *name; distances_kernel distances; select_kernel select; } kernels[] = {
#if QUARRY_X86
    {"vpopcnt", distances_vpopcnt, select_rows_avx512},
    {"popcnt", distances_popcnt, select_rows},
#endif
    {"portable", distances_portable, select_rows},
};
enum { KERNELS = sizeof kernels / sizeof kernels[0] };
static atomic_int chosen_kernels = -1;

int quarry_use_sign_kernel(const char *name) {
    int supported[] = {
#if QUARRY_X86
        quarry_kernels_allowed() >= QUARRY_TIER_AVX512 && QUARRY_CPU_HAS("avx512vpopcntdq") && QUARRY_CPU_HAS("avx512bw")
            && QUARRY_CPU_HAS("avx512vl") && QUARRY_CPU_HAS("bmi2"),
        // POPCNT comes with every AVX2 CPU; the portable setting leaves it out like the rest.
        quarry_kernels_allowed() >= QUARRY_TIER_AVX2 && QUARRY_CPU_HAS("popcnt"),
#endif
        1,
    };
    for (int index = 0; index < KERNELS; index++) {
        if (!supported[index] || (name && strcmp(name, kernels[index].name) != 0)) continue;
        atomic_store_explicit(&chosen_kernels, index, memory_order_relaxed);
        return 1;
    }
    return 0;
}

// Rows a worker claims at a time: whole blocks (the vector kernel starts at a block's first
// row), few enough claims to cost nothing, enough of them that a worker joining late still
// finds some (49 at 100,000 rows).
#define CLAIM_ROWS 2048

struct quarry_signs_scan {
    const uint64_t *blocks;
    const int32_t *tenants;
    const uint64_t *query;
    uint16_t *distances;
    uint32_t *histograms;  // `workers` × LANES histograms of `bins` counts
    long rows;
    atomic_long claimed;   // rows handed out so far
    int32_t tenant;
    int kernel, words, bins, workers;
};

quarry_signs_scan *quarry_signs_begin(const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long rows,
                                      const uint64_t *query, int workers) {
    if (words * 64 * SIGN_WEIGHT_MAX >= EXCLUDED) return NULL;  // distances would not fit their 16 bits
    if (atomic_load_explicit(&chosen_kernels, memory_order_relaxed) < 0) quarry_use_sign_kernel(NULL);
    quarry_signs_scan *scan = calloc(1, sizeof *scan);
    if (!scan) return NULL;
    scan->blocks = blocks;
    scan->tenants = tenants;
    scan->query = query;
    scan->rows = rows < 0 ? 0 : rows;
    atomic_init(&scan->claimed, 0);
    scan->tenant = tenant;
    scan->kernel = atomic_load_explicit(&chosen_kernels, memory_order_relaxed);
    scan->words = words;
    scan->bins = words * 64 * SIGN_WEIGHT_MAX + 1;
    scan->workers = workers < 1 ? 1 : workers;
    scan->distances = malloc(sizeof(uint16_t) * (size_t)(scan->rows > 0 ? scan->rows : 1));
    scan->histograms = calloc((size_t)scan->workers * LANES * (size_t)scan->bins, sizeof(uint32_t));
    if (!scan->distances || !scan->histograms) {
        free(scan->distances);
        free(scan->histograms);
        free(scan);
        return NULL;
    }
    return scan;
}

void quarry_signs_work(quarry_signs_scan *scan, int worker) {
    if (worker < 0 || worker >= scan->workers) return;
    uint32_t *histograms = scan->histograms + (size_t)worker * LANES * (size_t)scan->bins;
    for (;;) {
        long begin = atomic_fetch_add_explicit(&scan->claimed, CLAIM_ROWS, memory_order_relaxed);
        if (begin >= scan->rows) return;
        long end = begin + CLAIM_ROWS < scan->rows ? begin + CLAIM_ROWS : scan->rows;
        kernels[scan->kernel].distances(scan->blocks, scan->words, scan->tenants, scan->tenant, begin, end, scan->query,
                                        scan->distances, histograms, scan->bins);
    }
}

long quarry_signs_finish(quarry_signs_scan *scan, long count, int32_t *found) {
    // The cut: the smallest distance within which `count` rows lie. Rows nearer than it are all
    // taken, rows at it in row order until `count` are.
    long size = 0;
    if (count > 0 && scan->rows > 0) {
        long below = 0;
        int cut = 0;
        for (; cut < scan->bins; cut++) {
            long at = 0;
            for (int lane = 0; lane < scan->workers * LANES; lane++) at += scan->histograms[(size_t)lane * (size_t)scan->bins + (size_t)cut];
            if (below + at >= count) break;
            below += at;
        }
        long at_cut = count - below;  // how many rows at the cut distance to take (all of them when cut == bins)
        size = kernels[scan->kernel].select(scan->distances, 0, scan->rows, cut, at_cut, count, found);
    }
    free(scan->distances);
    free(scan->histograms);
    free(scan);
    return size;
}

static void signs_task(void *context, int worker) { quarry_signs_work(context, worker); }

// Below this many rows a second worker costs about what it saves.
#define PARALLEL_ROWS 20000

long quarry_nearest_signs(quarry_pool *pool, const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long rows,
                          const uint64_t *query, long count, int32_t *found) {
    if (count <= 0 || rows <= 0) return 0;
    int workers = pool && rows >= PARALLEL_ROWS ? quarry_pool_workers(pool) : 1;
    quarry_signs_scan *scan = quarry_signs_begin(blocks, words, tenants, tenant, rows, query, workers);
    if (!scan) return -1;
    if (workers == 1) quarry_signs_work(scan, 0); else quarry_pool_run(pool, signs_task, scan);
    return quarry_signs_finish(scan, count, found);
}
