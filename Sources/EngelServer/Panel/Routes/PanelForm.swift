/// The fields of an `application/x-www-form-urlencoded` form or a query string: `+` is a space and
/// `%XX` a byte, decoded as UTF-8 (a malformed escape is kept as it is written). The first of
/// repeated fields counts.
struct PanelForm: Sendable {
    private var fields: [String: String] = [:]

    init(query: String) {
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decoded(parts[0])
            guard fields[name] == nil else { continue }
            fields[name] = parts.count > 1 ? Self.decoded(parts[1]) : ""
        }
    }

    /// The field's value, if the form has it.
    subscript(_ name: String) -> String? { fields[name] }

    private static func decoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        var pending: [UInt8] = []
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                pending = [byte]
                guard let high = iterator.next() else { break }
                pending.append(high)
                guard let low = iterator.next() else { break }
                pending.append(low)
                if let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                } else {
                    bytes += pending
                }
                pending = []
            default:
                bytes.append(byte)
            }
        }
        bytes += pending
        return String(decoding: bytes, as: UTF8.self)
    }
}
