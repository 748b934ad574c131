import Mustache

/// How every `{{value}}` in a panel template is written into the page.
///
/// swift-mustache's own HTML escaping replaces `<`, `>`, `&`, `"` and `'`, which is enough to keep
/// a value inside a quoted attribute or an element's text. It leaves invisible characters alone, and
/// a reason or a user name holding U+202E (right-to-left override) would show the text after it
/// reversed, so an operator could read a different number or name than the one stored. Such
/// characters are therefore shown as their code, `[U+202E]`: the page says what is really there.
/// Templates quote every attribute value, so `=`, spaces and backticks need no escaping.
struct PanelHTMLContentType: MustacheContentType {
    /// The name templates ask for with `{{% CONTENT_TYPE: ENGEL_HTML}}`.
    static let name = "ENGEL_HTML"

    /// The pragma every panel template starts with; a test checks that each one does.
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"

    func escapeText(_ text: String) -> String {
        PanelEscaping.html(text)
    }

    /// Makes the content type known to swift-mustache's parser, once per process.
    ///
    /// The library keeps content types in a process-wide table (locked), which the template parser
    /// reads at parse time; registering the same immutable value again is harmless.
    static let registered: Void = {
        MustacheContentTypes.register(PanelHTMLContentType(), named: name)
    }()
}

/// The escaping rules, as plain functions the tests can call.
enum PanelEscaping {
    /// `text` made safe for an element's text or a quoted attribute value.
    static func html(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\n", "\t": escaped.unicodeScalars.append(scalar)
            default:
                if isHidden(scalar) {
                    escaped += "[U+" + hex(scalar.value) + "]"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }

    /// Whether a scalar would change how the text around it reads without showing itself: control
    /// characters and the bidirectional formatting marks, embeddings, overrides and isolates.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
