extension Duration {
    /// Milliseconds with three decimals, for log lines: `12.345`.
    var millisecondsText: String {
        let (seconds, attoseconds) = components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return "\(microseconds / 1000).\(String(microseconds % 1000 + 1000).dropFirst())"
    }
}
