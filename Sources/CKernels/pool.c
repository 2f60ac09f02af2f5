#define _GNU_SOURCE  // sched_getaffinity, CPU_COUNT (Linux)
#include "quarry_kernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif

/// How long an idle worker spins before it sleeps: longer than the gaps between one query's
/// steps, from its encoder to its dense search. Waking a sleeping worker took 0.3–0.5 ms on
/// average in this project's VMs; at 200 µs a 100k query met a sleeping worker about four times,
/// and interleaved runs measured its p50 slower in four of five pairs (median 10.4 against 9.6 ms).
/// Waking the worker ahead of a query's encoder instead was slower still: on two cores the
/// spinning worker then competes with the tokenizer and the hop to the encoder's thread.
/// While it spins, a worker yields its core every 64 pauses: sched_yield returns at once when no
/// other thread wants the core, and otherwise hands it over. On two cores a worker that only
/// paused held a core that the query's own thread (loading chunks, writing snippets) or the
/// process's other threads needed until the scheduler's next tick, milliseconds later: single
/// threaded stages then took 5–10 times their median in a query's slowest one per cent.
/// Interleaved runs of `quarry bench query` at 100k chunks: p50 lower in five pairs of five (by
/// 0.04–1.05 ms), p99 in four (20–31 ms without the yield, 9–21 with it).
#define SPIN_NANOSECONDS 2000000

/// How long background work keeps off the workers after an urgent run ends: longer than the gaps
/// between one query's runs (its encoder's steps, then its scan, a few to tens of microseconds
/// apart), so that an ingest step does not slip in between them and make the query wait for it.
#define URGENT_GRACE_NANOSECONDS 1000000
/// How long a background caller sleeps between looks while urgent work runs.
#define BACKGROUND_POLL_NANOSECONDS 100000

struct quarry_pool {
    int workers;
    pthread_t *threads;
    pthread_mutex_t run_lock;    // one run at a time
    pthread_mutex_t sleep_lock;  // guards sleeping on `wake`
    pthread_cond_t wake;
    quarry_task task;            // written before `generation` moves (release), read after (acquire)
    void *context;
    atomic_ulong generation;     // counts runs; a worker runs the task when it moves
    atomic_int pending;          // workers still on the current run
    atomic_int sleepers;
    atomic_int stopping;
    atomic_int urgent;              // urgent callers inside quarry_pool_run, waiting or running
    atomic_llong urgent_ended;      // when the last urgent run ended (CLOCK_MONOTONIC, ns)
};

struct start { quarry_pool *pool; int worker; };

static long long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *work(void *argument) {
    struct start start = *(struct start *)argument;
    free(argument);
    quarry_pool *pool = start.pool;
    unsigned long seen = 0;
    for (;;) {
        unsigned long generation;
        long long deadline = now_nanoseconds() + SPIN_NANOSECONDS;
        int spins = 0;
        while ((generation = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stopping)) {
            PAUSE();
            if (++spins % 64) continue;
            sched_yield();
            if (now_nanoseconds() < deadline) continue;
            pthread_mutex_lock(&pool->sleep_lock);
            atomic_fetch_add(&pool->sleepers, 1);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stopping))
                pthread_cond_wait(&pool->wake, &pool->sleep_lock);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->sleep_lock);
        }
        if (atomic_load(&pool->stopping)) return NULL;
        seen = generation;
        pool->task(pool->context, start.worker);
        atomic_fetch_sub(&pool->pending, 1);
    }
}

static void wake_sleepers(quarry_pool *pool) {
    // Seen after `generation` moved: a worker counted here is waiting or will see the move.
    if (atomic_load(&pool->sleepers) == 0) return;
    pthread_mutex_lock(&pool->sleep_lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->sleep_lock);
}

quarry_pool *quarry_pool_create(int workers) {
    quarry_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->workers = workers < 1 ? 1 : workers;
    pthread_mutex_init(&pool->run_lock, NULL);
    pthread_mutex_init(&pool->sleep_lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->threads = calloc((size_t)pool->workers, sizeof(pthread_t));
    int started = 1;
    for (; pool->threads && started < pool->workers; started++) {
        struct start *start = malloc(sizeof *start);
        if (!start) break;
        *start = (struct start){pool, started};
        if (pthread_create(&pool->threads[started], NULL, work, start) != 0) {
            free(start);
            break;
        }
    }
    pool->workers = pool->threads ? started : 1;  // fewer threads if the system refused some
    return pool;
}

void quarry_pool_destroy(quarry_pool *pool) {
    if (!pool) return;
    atomic_store(&pool->stopping, 1);
    pthread_mutex_lock(&pool->sleep_lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->sleep_lock);
    for (int worker = 1; worker < pool->workers; worker++) pthread_join(pool->threads[worker], NULL);
    free(pool->threads);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->sleep_lock);
    pthread_mutex_destroy(&pool->run_lock);
    free(pool);
}

int quarry_pool_workers(const quarry_pool *pool) { return pool->workers; }

#if defined(__linux__)
/// The first number in `directory`/`name` and, when asked, the second; 0 when unreadable ("max" too).
static long read_numbers(const char *directory, const char *name, long *second) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    FILE *file = fopen(path, "r");
    if (!file) return 0;
    long first = 0;
    if (fscanf(file, "%ld", &first) != 1) first = 0;
    if (second && fscanf(file, "%ld", second) != 1) *second = 0;
    fclose(file);
    return first;
}

/// Whole CPUs (rounded up) the CPU quota of the cgroup in `directory` allows (v2's `cpu.max`, or
/// v1's CFS quota and period); 0 without a quota.
static int cgroup_limit(const char *directory) {
    long period = 0, quota = read_numbers(directory, "cpu.max", &period);
    if (quota <= 0 || period <= 0) {
        quota = read_numbers(directory, "cpu.cfs_quota_us", NULL);
        period = read_numbers(directory, "cpu.cfs_period_us", NULL);
    }
    return quota > 0 && period > 0 ? (int)((quota + period - 1) / period) : 0;
}
#endif

int quarry_usable_cpus(void) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
    // The process's cgroups from /proc/self/cgroup ("0::/path" for v2, "4:cpu,cpuacct:/path" for
    // v1): their directory, or the hierarchy's root where a container sees its own cgroup there.
    char line[512], directory[600];
    FILE *file = fopen("/proc/self/cgroup", "r");
    while (file && fgets(line, sizeof line, file)) {
        line[strcspn(line, "\n")] = 0;
        char *controllers = strchr(line, ':'), *path = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!path) continue;
        *path++ = 0;
        controllers++;
        const char *root = *controllers == 0 ? "/sys/fs/cgroup" : NULL;
        char *rest = NULL;
        for (char *name = strtok_r(controllers, ",", &rest); name && !root; name = strtok_r(NULL, ",", &rest))
            if (strcmp(name, "cpu") == 0) root = "/sys/fs/cgroup/cpu";
        if (!root) continue;
        snprintf(directory, sizeof directory, "%s%s", root, strcmp(path, "/") == 0 ? "" : path);
        int limit = cgroup_limit(directory);
        if (limit == 0) limit = cgroup_limit(root);
        if (limit > 0 && limit < cpus) cpus = limit;
    }
    if (file) fclose(file);
#endif
    // Elsewhere (no affinity masks or cgroups to read): the CPUs online.
    return cpus < 1 ? 1 : (int)cpus;
}

static quarry_pool *shared_pool;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void create_shared(void) { shared_pool = quarry_pool_create(quarry_usable_cpus()); }

quarry_pool *quarry_pool_shared(void) {
    pthread_once(&shared_once, create_shared);
    return shared_pool;
}

/// Hands `task` to every worker, runs worker 0's share here and waits for the others; the
/// caller holds `run_lock`.
static void dispatch(quarry_pool *pool, quarry_task task, void *context) {
    pool->task = task;
    pool->context = context;
    atomic_store(&pool->pending, pool->workers - 1);
    atomic_fetch_add(&pool->generation, 1);
    wake_sleepers(pool);
    task(context, 0);
    // Yield as the workers do: a worker that shares this core (more threads than cores, as with
    // several processes) can only finish when this thread lets it run.
    for (int spins = 1; atomic_load(&pool->pending) > 0; spins++) {
        PAUSE();
        if (spins % 64 == 0) sched_yield();
    }
}

void quarry_pool_run(quarry_pool *pool, quarry_task task, void *context) {
    if (pool->workers == 1) {
        task(context, 0);
        return;
    }
    if (atomic_fetch_add(&pool->urgent, 1) > 0) {
        // Another question is in a run: this one's shares run here, one after another, on this
        // thread's core. Concurrent questions then each keep a core busy, and the workers stay
        // out of their way (a run on the workers beside a question on its own thread made three
        // busy threads on two cores).
        for (int worker = 0; worker < pool->workers; worker++) task(context, worker);
        atomic_store(&pool->urgent_ended, now_nanoseconds());
        atomic_fetch_sub(&pool->urgent, 1);
        return;
    }
    // Background work may hold the workers for one short step, and takes no other while this waits.
    pthread_mutex_lock(&pool->run_lock);
    dispatch(pool, task, context);
    pthread_mutex_unlock(&pool->run_lock);
    atomic_store(&pool->urgent_ended, now_nanoseconds());
    atomic_fetch_sub(&pool->urgent, 1);
}

/// Whether urgent work runs, waits, or ended within the grace period.
static int urgent_near(quarry_pool *pool) {
    return atomic_load(&pool->urgent) > 0 || now_nanoseconds() - atomic_load(&pool->urgent_ended) < URGENT_GRACE_NANOSECONDS;
}

static void wait_for_quiet(quarry_pool *pool) {
    while (urgent_near(pool)) {
        struct timespec pause = {0, BACKGROUND_POLL_NANOSECONDS};
        nanosleep(&pause, NULL);
    }
}

void quarry_pool_run_background(quarry_pool *pool, quarry_task task, void *context) {
    wait_for_quiet(pool);
    if (pool->workers == 1) {
        task(context, 0);
        return;
    }
    for (;;) {
        pthread_mutex_lock(&pool->run_lock);
        if (atomic_load(&pool->urgent) == 0) break;
        pthread_mutex_unlock(&pool->run_lock);  // a question came between the look and the lock: it goes first
        wait_for_quiet(pool);
    }
    dispatch(pool, task, context);
    pthread_mutex_unlock(&pool->run_lock);
}
