public import EngelCore
public import Foundation

/// Numbers and times for store tests: numbered numbers, and instants counted from one base.
public protocol NumberedEntries {}

extension NumberedEntries {
    /// The instant test times are counted from (early April 2026).
    public var base: Date { Date(timeIntervalSince1970: 1_775_000_000) }

    /// The mobile number `53` followed by `index` in eight digits; `index` below 100,000,000.
    public func number(_ index: Int) throws -> PhoneNumber {
        try PhoneNumberParser().parse("53\(String(format: "%08d", index))")
    }
}
