import Hummingbird
import Prometheus

/// `/metrics` in Prometheus' text format. Public on the server; nginx restricts who reaches it.
struct MetricsRoute {
    let registry: PrometheusCollectorRegistry

    func register(on router: Router<QuarryRequestContext>) {
        router.get("/metrics") { _, _ in
            var text: [UInt8] = []
            text.reserveCapacity(16 * 1024)
            registry.emit(into: &text)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text))
            )
        }
    }
}
