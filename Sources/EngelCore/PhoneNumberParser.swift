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
    ///
    /// The digits are summed into one integer as they are read, with no buffer: a batch of 50,000
    /// numbers parses without an allocation per number.
    public func number(from text: String) -> PhoneNumber? {
        var value: Int64 = 0
        var digitCount = 0
        var sawPlus = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digitCount += 1
                // Fourteen digits (00 90 and ten) is the longest form: more cannot be a number.
                if digitCount > 14 { return nil }
                value = value * 10 + Int64(byte &- UInt8(ascii: "0"))
            case UInt8(ascii: "+"):
                // A plus sign is only meaningful in front of the country code.
                guard digitCount == 0, !sawPlus else { return nil }
                sawPlus = true
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: "\t"):
                if sawPlus && digitCount == 0 && byte != UInt8(ascii: " ") { return nil }
            default:
                return nil
            }
        }
        // What comes before the ten national digits, as a number; its own leading zeros are
        // known from the digit count.
        let national = value % 10_000_000_000
        let lead = value / 10_000_000_000
        switch (sawPlus, digitCount) {
        case (_, 12) where lead == 90: break  // 90 5XXXXXXXXX, with or without +
        case (false, 14) where lead == 90: break  // 00 90 5XXXXXXXXX
        case (false, 11) where lead == 0: break  // 0 5XXXXXXXXX
        case (false, 10): break  // 5XXXXXXXXX
        default: return nil
        }
        guard national / 1_000_000_000 == 5, prefixes.contains(Int(national / 10_000_000)) else { return nil }
        return PhoneNumber(national: national)
    }
}
