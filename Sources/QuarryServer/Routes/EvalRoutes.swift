import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine

/// `GET /api/v1/eval/runs` and `/eval/runs/{name}`: the `quarry eval` runs kept in `eval_dir`,
/// their metrics and, for one, each query's. Admins only: these are the operator's measurements,
/// the same for every tenant.
struct EvalRoutes {
    /// Nil: no folder is configured, so there are no runs.
    let archive: EvalArchive?

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.get("/eval/runs") { _, context in
            _ = try context.require(.admin)
            return EvalRunList(runs: (archive?.runs() ?? []).map { EvalRunBody(name: $0.name, record: $0.record) })
        }
        api.get("/eval/runs/{name}") { _, context in
            _ = try context.require(.admin)
            let name = context.parameters.get("name") ?? ""
            guard let archive else { throw NotFound("eval run", id: name) }
            return EvalRunBody(name: name, record: try archive.run(name))
        }
    }
}
