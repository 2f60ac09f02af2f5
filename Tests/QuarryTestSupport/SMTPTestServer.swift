import Foundation
import QuarryCore

/// A real SMTP server (scripts/testservers/smtp_server.py, aiosmtpd): STARTTLS with AUTH, SMTPS
/// with AUTH, and plain, under a private CA; it keeps every message it took, parsed, for the
/// email connector's tests. `check_smtp_server.py` holds it to smtplib and curl.
public final class SMTPTestServer: @unchecked Sendable {
    public let directory: URL
    public let ready: [String: JSONValue]
    private var service: ServiceProcess?

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString.prefix(8))")
        let ports = try (0..<4).map { _ in try freePort() }
        let readyFile = directory.appendingPathComponent("ready.json")
        service = try ServiceProcess(Venv.python, [repositoryRoot.path + "/scripts/testservers/smtp_server.py", "--state-dir", directory.path,
                                                   "--starttls-port", String(ports[0]), "--tls-port", String(ports[1]), "--plain-port", String(ports[2]),
                                                   "--control-port", String(ports[3])]) {
            FileManager.default.fileExists(atPath: readyFile.path) && answersOK("http://127.0.0.1:\(ports[3])/healthz")
        }
        ready = try JSONDecoder().decode([String: JSONValue].self, from: Data(contentsOf: readyFile))
    }

    public var caFile: String { ready["ca"]?.string ?? "" }
    public func port(_ mode: String) -> Int { Int(ready["\(mode)_port"]?.int ?? 0) }
    public var user: String { ready["user"]?.string ?? "" }
    public var password: String { ready["password"]?.string ?? "" }
    var control: String { "http://127.0.0.1:\(ready["control_port"]?.int ?? 0)" }

    /// The messages taken, each with its envelope, mode, TLS, user, headers and MIME parts.
    public func messages() throws -> [[String: JSONValue]] {
        let answer = try JSONDecoder().decode([String: JSONValue].self, from: Data(run("/usr/bin/curl", ["-sS", "-m", "5", control + "/_messages"]).utf8))
        guard case .array(let items)? = answer["messages"] else { return [] }
        return items.compactMap { if case .object(let fields) = $0 { fields } else { nil } }
    }

    /// The next `times` sessions get `reply` (or wait `delay` seconds) at `stage` (MAIL, RCPT, DATA).
    public func fault(reply: String? = nil, delay: Double? = nil, at stage: String = "DATA", times: Int = 1) throws {
        var fault: [String: JSONValue] = ["at": .string(stage), "times": .int(Int64(times))]
        fault["reply"] = reply.map(JSONValue.string)
        fault["delay"] = delay.map(JSONValue.double)
        let body = String(decoding: try JSONEncoder().encode(JSONValue.object(fault)), as: UTF8.self)
        _ = try run("/usr/bin/curl", ["-sS", "-m", "5", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, control + "/_faults"])
    }

    public func stop() {
        service?.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
