import Tracing

/// A trace carried through the queues: a job queued inside a span carries that span's W3C
/// `traceparent` (Dramatiq's message option `traceparent`), and the worker that runs it continues
/// the same trace. Both are no-ops, and cost a task-local read, until a tracer is bootstrapped
/// (`otel_endpoint`).
public enum JobTrace {
    /// The current span's `traceparent`; nil without a tracer or outside any span.
    public static func currentParent() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier[field]
    }

    /// A context whose parent is the span `parent` names (a `traceparent`), or a top-level one.
    public static func context(parent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let parent { InstrumentationSystem.instrument.extract([field: parent], into: &context, using: DictionaryExtractor()) }
        return context
    }

    /// W3C Trace Context's header, and the Dramatiq option that carries it.
    public static let field = "traceparent"

    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }
}
