import Foundation

/// A local OTLP/HTTP trace receiver (scripts/testservers/otlp_receiver.py, decoding with the
/// official `opentelemetry-proto`): where tests point `otel_endpoint` to read the spans exported.
public final class OTLPReceiver: @unchecked Sendable {
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private var service: ServiceProcess?

    public init() throws {
        port = try freePort()
        let url = url
        service = try ServiceProcess(Venv.python, [repositoryRoot.path + "/scripts/testservers/otlp_receiver.py", "--port", String(port)]) {
            answersOK(url + "/healthz")
        }
    }

    public struct Span: Decodable, Sendable {
        public let traceId: String
        public let spanId: String
        public let parentSpanId: String
        public let name: String
        /// OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
        public let kind: Int
        public let service: String?
        /// The resource's `quarry.role`: the process that made the span (serve, worker).
        public let role: String?

        enum CodingKeys: String, CodingKey {
            case traceId = "trace_id", spanId = "span_id", parentSpanId = "parent_span_id", name, kind, service, role
        }
    }

    /// Every span received so far, in arrival order.
    public func spans() throws -> [Span] {
        struct Body: Decodable { let spans: [Span] }
        let text = try run("/usr/bin/curl", ["-sS", "-m", "5", url + "/_spans"])
        return try JSONDecoder().decode(Body.self, from: Data(text.utf8)).spans
    }

    public func stop() { service?.stop() }
}
