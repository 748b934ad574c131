/// Turns the number forms clients send into a ``PhoneNumber``.
///
/// Accepted: `905XXXXXXXXX`, `+905XXXXXXXXX`, `5XXXXXXXXX`, `05XXXXXXXXX`, `00905XXXXXXXXX`, with
/// optional spaces, dashes, dots and parentheses between the digits. Anything else, and any number
/// whose prefix is not an allocated mobile block, is ``APIStatus/invalidNumber``.
public struct PhoneNumberParser: Sendable {
    /// The mobile blocks accepted.
    public let prefixes: MobilePrefixes

    /// Creates a parser accepting `prefixes`.
    public init(prefixes: MobilePrefixes = .turkishMobile) {
        self.prefixes = prefixes
    }

    /// Parses `text`, throwing ``APIError`` with ``APIStatus/invalidNumber`` when it is not a
    /// Turkish mobile number.
    public func parse(_ text: String) throws(APIError) -> PhoneNumber {
        guard let number = number(from: text) else {
            throw APIError(.invalidNumber, "not a Turkish mobile number")
        }
        return number
    }

    /// Parses `text`, or returns `nil` when it is not a Turkish mobile number.
    public func number(from text: String) -> PhoneNumber? {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var sawPlus = false
        var sawAnything = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte &- UInt8(ascii: "0"))
                sawAnything = true
            case UInt8(ascii: "+"):
                // A plus sign is only meaningful in front of the country code.
                guard !sawAnything, !sawPlus else { return nil }
                sawPlus = true
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: "\t"):
                if sawPlus && digits.isEmpty && byte != UInt8(ascii: " ") { return nil }
            default:
                return nil
            }
            if digits.count > 14 { return nil }
        }
        let national: ArraySlice<UInt8>
        switch (sawPlus, digits.count) {
        case (true, 12) where digits[0] == 9 && digits[1] == 0:
            national = digits[2...]
        case (false, 12) where digits[0] == 9 && digits[1] == 0:
            national = digits[2...]
        case (false, 14) where digits[0] == 0 && digits[1] == 0 && digits[2] == 9 && digits[3] == 0:
            national = digits[4...]
        case (false, 11) where digits[0] == 0:
            national = digits[1...]
        case (false, 10):
            national = digits[...]
        default:
            return nil
        }
        let value = national.reduce(Int64(0)) { $0 * 10 + Int64($1) }
        guard national.first == 5, prefixes.contains(Int(value / 10_000_000)) else { return nil }
        return PhoneNumber(national: value)
    }
}
