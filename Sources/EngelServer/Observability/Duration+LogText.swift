import EngelCore

extension Duration {
    /// Seconds for people, whole ones without a fraction: `10`, `0.25`.
    var secondsText: String { Self.secondsText(seconds) }

    /// `value` seconds for people, as ``secondsText`` writes them.
    static func secondsText(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Milliseconds with three decimals, for log lines: `12.345`.
    var millisecondsText: String {
        let (seconds, attoseconds) = components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return "\(microseconds / 1000).\(String(microseconds % 1000 + 1000).dropFirst())"
    }
}
