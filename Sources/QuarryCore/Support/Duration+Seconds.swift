extension Duration {
    /// The duration as fractional seconds, for rates and reports.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// The duration as fractional milliseconds, the unit of `rag_query_latency_ms` and of timings.
    public var milliseconds: Double { seconds * 1000 }
}
