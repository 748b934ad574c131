/// A Turkish mobile number in canonical form.
///
/// Only ``PhoneNumberParser`` makes one, so every value past the wire layer is valid: ten national
/// digits starting with an allocated mobile prefix. The same subscriber written in any accepted form
/// is the same value.
public struct PhoneNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The ten national digits as an integer, e.g. `5321234567`.
    public let national: Int64

    init(national: Int64) {
        self.national = national
    }

    /// Restores a number that was stored in canonical form; `nil` if `national` is not ten digits
    /// starting with 5 (a corrupt row, never user input).
    public init?(storedNational national: Int64) {
        guard (5_000_000_000...5_999_999_999).contains(national) else { return nil }
        self.national = national
    }

    /// The form every answer uses: `+905XXXXXXXXX`.
    public var international: String { "+90\(national)" }

    /// The national digits as text, `5XXXXXXXXX`.
    public var nationalDigits: String { String(national) }

    public var description: String { international }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.national < rhs.national }
}
