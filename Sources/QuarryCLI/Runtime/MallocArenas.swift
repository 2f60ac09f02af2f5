#if canImport(Glibc)
import Glibc
#endif

/// Caps how many heaps (arenas) glibc's allocator keeps, for the long-running roles.
///
/// glibc gives a thread that finds the arenas busy a new one, up to eight per core, and a page
/// freed inside an arena goes back to the system only when the whole page is free. A server whose
/// requests, ingest batches and compactions hop between NIO, Swift-concurrency and encoder threads
/// leaves live objects scattered over many arenas, and resident memory grows by the holes between
/// them: the 30-minute soak grew 7.5 % with the default, 1.4 % with two arenas
/// (Docs/PERFORMANCE.md). The hot paths allocate their scratch once per batch, so the few
/// allocations per request share an arena's lock without measurable cost.
///
/// Called first in `serve`, `worker` and `scheduler`, before their threads allocate: an arena a
/// thread already holds stays, the cap governs every one made after.
enum MallocArenas {
    static let servingLimit: Int32 = 2

    static func cap(_ limit: Int32 = servingLimit) {
        #if canImport(Glibc)
        _ = glibcMallopt(mArenaMax, limit)
        #endif
    }
}

#if canImport(Glibc)
/// `M_ARENA_MAX` from <malloc.h>.
private let mArenaMax: Int32 = -8

/// glibc's `int mallopt(int param, int value)`, declared in <malloc.h>, which the Glibc module leaves out.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
