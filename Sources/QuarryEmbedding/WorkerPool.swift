import CKernels

/// The encoder's worker threads (CKernels' pool): `run` calls a closure once per worker, in
/// parallel, the first on the calling thread, and returns when all are done.
final class WorkerPool: @unchecked Sendable {
    private let pool: OpaquePointer
    private let owned: Bool
    let workers: Int

    init(workers: Int) {
        guard let pool = quarry_pool_create(Int32(max(1, workers))) else { fatalError("out of memory creating the encoder's workers") }
        self.pool = pool
        owned = true
        self.workers = Int(quarry_pool_workers(pool))
    }

    private init(shared pool: OpaquePointer) {
        self.pool = pool
        owned = false
        workers = Int(quarry_pool_workers(pool))
    }

    /// The process's pool (one worker per CPU the process may use: its affinity mask and its
    /// cgroup's CPU quota count), which the embedded index's scan uses too.
    static let shared: WorkerPool = {
        guard let pool = quarry_pool_shared() else { fatalError("out of memory creating the shared workers") }
        return WorkerPool(shared: pool)
    }()

    deinit { if owned { quarry_pool_destroy(pool) } }

    /// `background`: work that gives way to questions (`quarry_pool_run_background`); each call
    /// should then last a few milliseconds at most, since a question may wait for one.
    func run(background: Bool = false, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var body = body
            withUnsafeMutablePointer(to: &body) { context in
                let task: quarry_task = { context, worker in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(worker))
                }
                if background { quarry_pool_run_background(pool, task, context) } else { quarry_pool_run(pool, task, context) }
            }
        }
    }
}
