import Foundation
import QuarryCore

/// The local HTTPS stand-in for Slack, Twilio, Notion and Google (scripts/testservers/saas_standin.py),
/// strict about requests as those services are, with a private CA of its own: what the connector
/// tests point Quarry at. `check_saas_standin.py` holds it to the providers' official SDKs.
public final class SaaSStandIn: @unchecked Sendable {
    public let directory: URL
    /// ready.json: the port, the CA file, and each service's base URL and valid secrets.
    public let ready: [String: JSONValue]
    private var service: ServiceProcess?

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saas-\(UUID().uuidString.prefix(8))")
        let port = try freePort()
        let readyFile = directory.appendingPathComponent("ready.json")
        let ca = directory.appendingPathComponent("ca.pem").path
        service = try ServiceProcess(Venv.python, [repositoryRoot.path + "/scripts/testservers/saas_standin.py", "--port", String(port),
                                                   "--state-dir", directory.path]) {
            FileManager.default.fileExists(atPath: readyFile.path)
                && (try? execute("/usr/bin/curl", ["-s", "-o", "/dev/null", "-m", "2", "--cacert", ca, "-w", "%{http_code}",
                                                   "https://127.0.0.1:\(port)/healthz"]))?.standardOutput == "200"
        }
        ready = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: readyFile))
    }

    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    public var baseURL: String { ready["base_url"]?.string ?? "" }

    /// A value of ready.json, as `service.key` (`slack.bot_token`).
    public func value(_ path: String) -> String {
        let parts = path.split(separator: ".").map { String($0) }
        guard case .object(let section)? = ready[parts[0]] else { return "" }
        return section[parts[1]]?.string ?? ""
    }

    /// The requests it received, of one service (`slack`, `slack_webhook`, `twilio`, `notion`,
    /// `google_token`, `sheets`) or all.
    public func requests(_ service: String? = nil) throws -> [[String: JSONValue]] {
        guard case .array(let all)? = try control("GET", "/_requests")["requests"] else { return [] }
        return all.compactMap { if case .object(let fields) = $0 { fields } else { nil } }.filter { service == nil || $0["service"]?.string == service }
    }

    /// How many requests of `service` have come in, answered or not (one held by a delay fault is
    /// in ``requests(_:)`` only once answered).
    public func arrived(_ service: String) throws -> Int {
        Int(try control("GET", "/_requests")["arrived"]?.objectValue?[service]?.int ?? 0)
    }

    /// What it delivered: posted messages, pages, appended rows (`slack_messages`, `twilio_messages`, …).
    public func delivered(_ kind: String) throws -> [JSONValue] {
        if case .array(let items)? = try control("GET", "/_delivered")[kind] { items } else { [] }
    }

    /// The next `times` requests to `service` get `status` (with `Retry-After`) or wait `delay` seconds first.
    public func fault(_ service: String, status: Int? = nil, retryAfter: Int? = nil, times: Int = 1, delay: Double? = nil) throws {
        var fault: [String: JSONValue] = ["service": .string(service), "times": .int(Int64(times))]
        fault["status"] = status.map { .int(Int64($0)) }
        fault["retry_after"] = retryAfter.map { .int(Int64($0)) }
        fault["delay"] = delay.map { .double($0) }
        _ = try control("POST", "/_faults", body: String(decoding: try JSONEncoder().encode(JSONValue.object(fault)), as: UTF8.self))
    }

    @discardableResult
    func control(_ method: String, _ path: String, body: String? = nil) throws -> [String: JSONValue] {
        var arguments = ["-sS", "-m", "10", "--cacert", caFile, "-X", method, baseURL + path]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        return try JSONDecoder().decode([String: JSONValue].self, from: Data(run("/usr/bin/curl", arguments).utf8))
    }

    public func stop() {
        service?.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
