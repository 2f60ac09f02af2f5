#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle

/// Hands memory that glibc's allocator holds free back to the system, once a minute.
///
/// glibc gives each thread that allocates an arena of its own and returns a freed page to the
/// system only from the top of the main heap. A server whose requests, ingest batches and
/// compactions allocate and free tens of megabytes on changing threads leaves free pages spread
/// over its arenas: resident memory grows by the holes, not by live data (the soak saw a few
/// megabytes a minute). `malloc_trim(0)` releases every whole free page of every arena; it takes
/// each arena's lock briefly, well under a millisecond per minute.
struct HeapTrimService: Service {
    var interval: Duration = .seconds(60)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Cancelled by a graceful shutdown, so that the sleep never holds one up.
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil else { return }
            #if canImport(Glibc)
            _ = glibcMallocTrim(0)
            #endif
        }
    }
}

#if canImport(Glibc)
/// glibc's `int malloc_trim(size_t pad)`, declared in <malloc.h>, which the Glibc module leaves out.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
