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
        let numbers = page.numbers
        out.reserveCapacity(160 + numbers.count * (numberWidth + 1))
        appendStatusPrefix(.success, to: &out)
        out.append(contentsOf: #","blacklist":{"count":"#.utf8)
        out.append(contentsOf: String(page.count).utf8)
        out.append(contentsOf: #","number":["#.utf8)
        // Every number is `"+90` and ten digits and `"`: the list's length is known, so it is
        // written in place (a page has up to 1,000 of them).
        let listStart = out.count
        let listBytes = numbers.isEmpty ? 0 : numbers.count * (numberWidth + 1) - 1
        out.append(contentsOf: repeatElement(UInt8(ascii: ","), count: listBytes))
        out.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            var position = listStart
            for number in numbers {
                writeNumber(number, at: start + position)
                position += numberWidth + 1
            }
        }
        out.append(contentsOf: "]}}}".utf8)
        return out
    }

    /// The bytes of one quoted number: `"+905321234567"`.
    static let numberWidth = 15

    /// Writes `"+90`, the ten national digits and `"` at `start`.
    private static func writeNumber(_ number: PhoneNumber, at start: UnsafeMutablePointer<UInt8>) {
        start[0] = UInt8(ascii: "\"")
        start[1] = UInt8(ascii: "+")
        start[2] = UInt8(ascii: "9")
        start[3] = UInt8(ascii: "0")
        writeNationalDigits(of: number, at: start + 4)
        start[14] = UInt8(ascii: "\"")
    }

    /// Appends the ten national digits without making a `String`.
    static func appendNationalDigits(of number: PhoneNumber, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 10))
        out.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { writeNationalDigits(of: number, at: base + start) }
        }
    }

    /// Writes the ten national digits at `start`, two per division.
    private static func writeNationalDigits(of number: PhoneNumber, at start: UnsafeMutablePointer<UInt8>) {
        var remaining = UInt64(number.national)
        var position = 9
        while position > 0 {
            let pair = Int(remaining % 100)
            remaining /= 100
            start[position] = UInt8(truncatingIfNeeded: pair % 10) &+ UInt8(ascii: "0")
            start[position - 1] = UInt8(truncatingIfNeeded: pair / 10) &+ UInt8(ascii: "0")
            position -= 2
        }
    }

    private static func appendStatusPrefix(_ status: APIStatus, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"response":{"status":{"code":"#.utf8)
        out.append(contentsOf: String(status.code).utf8)
        out.append(contentsOf: #","message":""#.utf8)
        out.append(contentsOf: status.message.utf8)
        out.append(contentsOf: #""}"#.utf8)
    }
}
