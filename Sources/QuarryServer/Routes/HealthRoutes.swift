import Hummingbird

/// `/health` (the process answers) and `/ready` (every back end answers). Both are public:
/// load balancers and orchestrators call them without a token.
struct HealthRoutes {
    let checks: [any ReadinessCheck]

    func register(on router: Router<QuarryRequestContext>) {
        router.get("/health") { _, _ in
            ["status": "ok"]
        }
        router.get("/ready") { _, _ in
            let reports = await withTaskGroup(of: (String, ReadinessReport).self) { group in
                for check in checks {
                    group.addTask { (check.name, await check.check()) }
                }
                var reports: [String: ReadinessReport] = [:]
                for await (name, report) in group { reports[name] = report }
                return reports
            }
            let ready = reports.values.allSatisfy(\.ready)
            return EditedResponse(
                status: ready ? .ok : .serviceUnavailable,
                response: ReadyBody(status: ready ? "ready" : "not_ready", backends: reports)
            )
        }
    }

    struct ReadyBody: ResponseEncodable {
        let status: String
        let backends: [String: ReadinessReport]
    }
}

extension ReadinessReport: ResponseEncodable {}
