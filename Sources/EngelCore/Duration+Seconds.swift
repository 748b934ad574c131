extension Duration {
    /// The duration in seconds, fractions included: what `Date` arithmetic and time-outs given as
    /// `Double` take.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
