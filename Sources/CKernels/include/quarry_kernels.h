// Quarry's numeric kernels for the BERT encoder: packed matrix products, attention, layer
// normalisation and GELU. Written with vector extensions and compiled per CPU level
// (AVX-512, AVX2+FMA on x86; portable C everywhere); the loader picks the best at run time, capped by
// QUARRY_KERNELS (auto, avx512, avx2, portable).
#ifndef QUARRY_KERNELS_H
#define QUARRY_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Output columns per packed weight panel (two 16-float vectors).
#define QUARRY_PANEL 32

/// Half-precision values needed to pack an `[outputs, inputs]` weight (outputs rounded up to
/// whole panels).
size_t quarry_packed_count(int outputs, int inputs);

/// Packs a row-major `[outputs, inputs]` weight (PyTorch's layout) into panels of
/// QUARRY_PANEL outputs, each `inputs` rows of QUARRY_PANEL contiguous IEEE half-precision values
/// (binary16, rounded to nearest even). A query's product reads every weight once and is bound by
/// memory: halves stream in half the time, and their rounding (relative 2⁻¹¹) moves embeddings
/// by a cosine of about 1e-7.
void quarry_pack(const float *weight, int outputs, int inputs, uint16_t *packed);

/// `output[r, j] = bias[j] + Σ_k input[r, k] · weight[j, k]` for rows [row_begin, row_end) and
/// the columns of panels [panel_begin, panel_end); GELU (erf) applied after when `gelu` is set.
/// `scratch` needs `quarry_linear_scratch_count(inputs)` floats, 64-byte aligned.
size_t quarry_linear_scratch_count(int inputs);
void quarry_linear(const float *input, int input_stride, int row_begin, int row_end,
                   const uint16_t *packed, const float *bias, int inputs, int outputs,
                   int panel_begin, int panel_end, int gelu,
                   float *output, int output_stride, float *scratch);

/// `quarry_linear` by the named kernel level ("avx512", "avx2", "portable") rather than the best
/// this CPU runs, for tests; 0 (and nothing computed) when this CPU cannot run that level.
int quarry_linear_at_level(const char *level, const float *input, int input_stride, int row_begin, int row_end,
                           const uint16_t *packed, const float *bias, int inputs, int outputs,
                           int panel_begin, int panel_end, int gelu,
                           float *output, int output_stride, float *scratch);

/// The int8 product, the document path's: weights quantised per output channel to [-63, 63]
/// (7 bits, so that AVX2's pairwise byte products never saturate their 16-bit sums and every
/// level computes the same exact integer sums) and packed in panels of QUARRY_PANEL outputs, the
/// inputs four at a time: byte (((panel · ⌈inputs/4⌉ + k/4) · QUARRY_PANEL + j) · 4 + k % 4).
/// `scales` and `column_sums` (Σ_k of each output's codes) take whole panels of outputs.
/// `smoothing` (may be NULL): each input k's weights multiplied by smoothing[k] before they are
/// quantised, the products then given `input_scales[k] = 1 / smoothing[k]` (SmoothQuant: an input
/// channel whose activations run large hands part of its range to the weights, where the
/// per-output scales absorb it, so that it no longer sets every row's activation step alone).
size_t quarry_packed_int8_count(int outputs, int inputs);
void quarry_pack_int8(const float *weight, int outputs, int inputs, const float *smoothing, int8_t *packed, float *scales,
                      int32_t *column_sums);

/// `quarry_linear` with int8 weights: each input row, its inputs multiplied by `input_scales`
/// (NULL: by 1), quantised to unsigned bytes by its own range (zero included) as it is read, the
/// products summed exactly in int32 and scaled back.
/// `scratch` needs `quarry_linear_int8_scratch_bytes(inputs)` bytes, 4-byte aligned.
size_t quarry_linear_int8_scratch_bytes(int inputs);
void quarry_linear_int8(const float *input, int input_stride, int row_begin, int row_end, const float *input_scales,
                        const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias,
                        int inputs, int outputs, int panel_begin, int panel_end, int gelu, float *output, int output_stride,
                        void *scratch);
/// The same at the named level, for tests; 0 (and nothing computed) when this CPU cannot run it.
int quarry_linear_int8_at_level(const char *level, const float *input, int input_stride, int row_begin, int row_end,
                                const float *input_scales,
                                const int8_t *packed, const float *scales, const int32_t *column_sums, const float *bias,
                                int inputs, int outputs, int panel_begin, int panel_end, int gelu, float *output,
                                int output_stride, void *scratch);

/// Scaled dot-product attention of one head over one sequence of `length` rows, without mask.
/// `qkv` holds each row's query, key and value side by side (`3 · hidden` floats a row);
/// writes the head's `head_size` columns of `context` (`hidden` floats a row). `hidden` and
/// `head_size` must be multiples of 16, as they are for BERT models.
/// `scratch` needs `quarry_attention_scratch_count(length, head_size)` floats.
size_t quarry_attention_scratch_count(int length, int head_size);
void quarry_attention(const float *qkv, int length, int hidden, int head, int head_size,
                      float *context, float *scratch);

/// `states[r] = LayerNorm(states[r] + delta[r])` for rows [row_begin, row_end);
/// `delta` may be NULL for a plain layer normalisation.
void quarry_add_layer_norm(float *states, const float *delta, int row_begin, int row_end, int hidden,
                           const float *gamma, const float *beta, float epsilon);

/// `scores[r] = Σ_d matrix[r, d] · vector[d]` for rows [row_begin, row_end) of a row-major
/// matrix with `dimensions` columns: the embedded index's exact dense scan.
void quarry_dot_rows(const float *matrix, int dimensions, long row_begin, long row_end,
                     const float *vector, float *scores);

/// `scores[r] = Σ_d matrix[r, d] · vector[d]` in exact int32 arithmetic over int8 rows: the
/// quantised scan whose best rows are rescored with `quarry_dot_listed_rows`.
void quarry_dot_rows_int8(const int8_t *matrix, int dimensions, long row_begin, long row_end,
                          const int8_t *vector, int32_t *scores);

/// A fixed set of worker threads for the encoder's steps. A step on a short query lasts tens of
/// microseconds, less than waking a sleeping thread takes, so after each task the workers spin
/// briefly for the next one before they sleep.
typedef struct quarry_pool quarry_pool;
typedef void (*quarry_task)(void *context, int worker);

/// A pool running tasks on `workers` workers: the caller and `workers - 1` threads.
quarry_pool *quarry_pool_create(int workers);
void quarry_pool_destroy(quarry_pool *pool);
/// Workers the pool has (fewer than asked if the system refused threads).
int quarry_pool_workers(const quarry_pool *pool);
/// Runs `task(context, w)` for every worker w (0 on the calling thread) and returns when all
/// are done: urgent work, a question's. It goes ahead of background work, waiting at most for
/// the background step that holds the workers; while another urgent caller is in a run, it runs
/// every worker's share on the calling thread instead (so `task` must not make its workers wait
/// for each other).
void quarry_pool_run(quarry_pool *pool, quarry_task task, void *context);
/// The same for background work (an ingest batch's steps, each a few milliseconds at most):
/// it starts only when no urgent work runs or waits and none ended within the last millisecond,
/// so questions never queue behind more than one such step.
void quarry_pool_run_background(quarry_pool *pool, quarry_task task, void *context);

/// CPUs this process may use: those of its affinity mask, fewer if its cgroup's CPU quota
/// (`cpu.max`, as a container's CPU limit sets it) allows less.
int quarry_usable_cpus(void);
/// The process's pool, one worker per usable CPU, made on first use and never destroyed: the
/// encoder and the index's scan share it, so their spinning workers never outnumber the cores.
quarry_pool *quarry_pool_shared(void);

/// `scores[i] = Σ_d matrix[rows[i], d] · vector[d]` for the `count` listed rows, fetching rows
/// ahead from memory: the exact rescoring of the index's best int8 candidates. Split over
/// `pool`'s workers (when given) past 128 rows.
void quarry_dot_listed_rows(quarry_pool *pool, const float *matrix, int dimensions, const int32_t *rows, long count,
                            const float *vector, float *scores);

/// `quarry_dot_rows_int8` over rows [0, rows), split over the pool's workers when there are
/// enough rows to be worth it.
void quarry_dot_rows_int8_parallel(quarry_pool *pool, const int8_t *matrix, int dimensions, long rows,
                                   const int8_t *vector, int32_t *scores);

/// A row and its score.
typedef struct {
    float score;
    int32_t row;
} quarry_candidate;

/// The `count` best rows among those whose `tenants[row]` is `tenant`, scored as the int8 dot
/// product times `scales[row]`, into `best` (room for `count`; in no particular order); ties go
/// to the earlier row. Returns how many were found, or -1 when memory ran out. Split over the
/// pool's workers past 20,000 rows; no scores array is kept.
long quarry_best_rows_int8(quarry_pool *pool, const int8_t *matrix, const float *scales, const int32_t *tenants, int32_t tenant,
                           int dimensions, long rows, const int8_t *vector, long count, quarry_candidate *best);

/// The same over the listed `rows` only (the survivors of a first pass), split over the pool's
/// workers past 2,000 rows.
long quarry_best_listed_rows_int8(quarry_pool *pool, const int8_t *matrix, const float *scales, int dimensions, const int32_t *rows,
                                  long listed, const int8_t *vector, long count, quarry_candidate *best);

/// One bit per dimension of int8 rows, set where the code is positive: bit d of a row is bit
/// d % 64 of its word d / 64, and a row takes (dimensions + 63) / 64 words of `bits`.
void quarry_sign_bits(const int8_t *codes, int dimensions, long rows, uint64_t *bits);

/// Rows of an index's sign bits stored together: word w of row r lies at
/// (r / QUARRY_SIGN_BLOCK) · QUARRY_SIGN_BLOCK · words + w · QUARRY_SIGN_BLOCK + r % QUARRY_SIGN_BLOCK,
/// so that one vector load reads the same word of a block's rows.
#define QUARRY_SIGN_BLOCK 8
/// Words of `blocks` holding `rows` rows of sign bits (whole blocks).
size_t quarry_sign_block_words(long rows, int dimensions);
/// Writes the sign bits of `rows` rows of `codes` as rows `first_row`… of `blocks`.
void quarry_store_sign_bits(const int8_t *codes, int dimensions, long first_row, long rows, uint64_t *blocks);

/// Bit planes of a query's weights in the first pass below.
#define QUARRY_SIGN_PLANES 4
/// A query for the first pass, from its int8 `codes`: its sign bits (`words` = (dimensions + 63)
/// / 64 words, as `quarry_sign_bits` writes one row), then QUARRY_SIGN_PLANES planes of `words`
/// words, plane p holding bit p of each dimension's weight, round(|code| · 15 / 127). Writes
/// (1 + QUARRY_SIGN_PLANES) · words words.
void quarry_sign_query(const int8_t *codes, int dimensions, uint64_t *query);

/// A first pass over an eighth of the int8 scan's bytes: into `found`, in row order, the `count`
/// rows of `tenant` nearest `query` (as `quarry_sign_query` writes it) by the sum of the query's
/// weights over the dimensions where the row's sign bits (`blocks`, as stored above) differ from
/// the query's; of the rows at the last distance taken, the earlier ones. Returns how many (all
/// of the tenant's rows when it has fewer), or -1 when memory ran out or rows are wider than
/// 4,352 dimensions (distances are kept in 16 bits). Split over the pool's workers past
/// 20,000 rows.
long quarry_nearest_signs(quarry_pool *pool, const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long rows,
                          const uint64_t *query, long count, int32_t *found);

/// The same pass in three steps, for callers that give workers other work first: `begin`
/// (NULL when memory ran out or rows are too wide), then `work` by each of `workers` workers,
/// 0 … workers - 1, at any time and in any order — each takes rows from those not yet taken
/// until none are left, so a worker that comes late takes what is left —, then `finish` once all
/// have returned, which writes the rows as `quarry_nearest_signs` does and frees the scan.
/// `blocks`, `tenants` and `query` are read until then.
typedef struct quarry_signs_scan quarry_signs_scan;
quarry_signs_scan *quarry_signs_begin(const uint64_t *blocks, int words, const int32_t *tenants, int32_t tenant, long rows,
                                      const uint64_t *query, int workers);
void quarry_signs_work(quarry_signs_scan *scan, int worker);
long quarry_signs_finish(quarry_signs_scan *scan, long count, int32_t *found);

/// The first pass's distance kernel: "vpopcnt" (AVX-512 VPOPCNTDQ), "popcnt" or "portable", or
/// NULL for the best this CPU has (the default). Returns 0, changing nothing, when the CPU lacks
/// the one named. For tests, which check each kernel the machine can run.
int quarry_use_sign_kernel(const char *name);

/// The CPU level the loader chose: "avx512", "avx2" or "portable".
const char *quarry_kernel_level(void);

#endif
