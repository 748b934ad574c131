import HTTPTypes
import Synchronization

/// Request ids: as clients may send them, or made here.
///
/// The id is the client's `X-Request-Id` when it is sane (1 to 128 letters, digits, `-`, `_`, `.`
/// or `:`), otherwise a fresh one; it is echoed in the answer's `X-Request-Id` and is the
/// `hb.request.id` of every log line about the request.
enum RequestIdentifier {
    /// The id of the request with `headers`: the client's when sane, else a fresh one.
    static func of(_ headers: HTTPFields) -> String {
        // Hummingbird gave the logger an id already, but spelling it out costs more than making one.
        accepting(headers[.requestID]) ?? next()
    }

    /// A fresh id: 32 hex digits, a random half fixed for the process and a counting half.
    static func next() -> String {
        let sequence = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        return String(unsafeUninitializedCapacity: 32) { buffer in
            writeHex(processPart, to: buffer, at: 0)
            writeHex(sequence, to: buffer, at: 16)
            return 32
        }
    }

    private static let processPart = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))

    private static func writeHex(_ value: UInt64, to buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        let digits: StaticString = "0123456789abcdef"
        for position in 0..<16 {
            let nibble = Int(truncatingIfNeeded: value >> (60 - 4 * UInt64(position))) & 0xF
            buffer[start + position] = digits.utf8Start[nibble]
        }
    }

    /// `text` when it can be logged and echoed safely, else `nil`.
    static func accepting(_ text: String?) -> String? {
        guard let text, (1...128).contains(text.utf8.count),
            text.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                    UInt8(ascii: ":"):
                    true
                default: false
                }
            })
        else { return nil }
        return text
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let requestID: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Request-Id") else { preconditionFailure("X-Request-Id is a valid name") }
        return name
    }()
}
