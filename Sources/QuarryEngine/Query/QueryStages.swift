import Tracing

/// The spans of a query's stages, each from the previous stage's end to its own. Without a tracer
/// (no `otel_endpoint`) none is made and no clock is read: tracing off costs the query path one
/// check (`quarry bench spans` times it).
public struct QueryStages {
    /// Whether a tracer is bootstrapped; read once per query.
    public static var tracing: Bool { !(InstrumentationSystem.tracer is NoOpTracer) }

    private var spanStart: DefaultTracerClock.Instant?

    public init(traced: Bool) {
        spanStart = traced ? DefaultTracerClock.now : nil
    }

    /// Ends stage `name`: its span, a child of the current one, when traced.
    public mutating func end(_ name: String) {
        guard let start = spanStart else { return }
        startSpan(name, at: start).end()
        spanStart = DefaultTracerClock.now
    }
}
