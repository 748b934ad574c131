import Foundation

/// How the commands lay out what they print: padded table columns and one-line JSON.
enum Layout {
    /// `text` followed by spaces up to `width` characters.
    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// `value` as one line of JSON, keys sorted and slashes unescaped; `{}` should it not encode.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// ``json(_:)`` as a whole line.
    static func jsonLine(_ value: some Encodable) -> String {
        json(value) + "\n"
    }
}
