public import EngelCore

/// Writes answers byte for byte as the live API does: compact JSON, `status` first, `count` before
/// `number`, Turkish text as raw UTF-8.
///
/// Written by hand because every value is either a fixed message or digits: nothing needs escaping,
/// and the key order is part of what clients see.
public enum ResponseWriter {
    /// The envelope carrying only `status`.
    public static func status(_ status: APIStatus) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        appendStatusPrefix(status, to: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }

    /// A successful get-blacklist envelope.
    public static func page(_ page: BlacklistPage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + page.numbers.count * 16)
        appendStatusPrefix(.success, to: &out)
        out.append(contentsOf: #","blacklist":{"count":"#.utf8)
        out.append(contentsOf: String(page.count).utf8)
        out.append(contentsOf: #","number":["#.utf8)
        for (index, number) in page.numbers.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #""+90"#.utf8)
            appendNationalDigits(of: number, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: "]}}}".utf8)
        return out
    }

    /// Appends the ten national digits without making a `String` (a page has up to 1,000).
    static func appendNationalDigits(of number: PhoneNumber, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
        var remaining = UInt64(number.national)
        withUnsafeMutableBytes(of: &digits) { buffer in
            for index in stride(from: 9, through: 0, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
        }
        withUnsafeBytes(of: &digits) { out.append(contentsOf: $0) }
    }

    private static func appendStatusPrefix(_ status: APIStatus, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"response":{"status":{"code":"#.utf8)
        out.append(contentsOf: String(status.code).utf8)
        out.append(contentsOf: #","message":""#.utf8)
        out.append(contentsOf: status.message.utf8)
        out.append(contentsOf: #""}"#.utf8)
    }
}
