import EngelCore

/// Reads an XML document into a ``WireXMLElement`` tree in one pass over its UTF-8 bytes.
///
/// It reads the part of XML 1.0 that clients send: an optional byte order mark and XML declaration,
/// comments, one root element with attributes (checked, then ignored), text with the predefined
/// entities and character references, and CDATA sections. Anything else is refused with
/// ``APIStatus/badRequest``: a DTD (so no entity is ever declared, expanded or fetched), processing
/// instructions, unknown entities, bytes that are not UTF-8, characters XML does not allow.
///
/// Open elements live on an explicit stack rather than the call stack, so no document can exhaust
/// the thread's stack; ``maximumDepth`` bounds the explicit one too.
struct XMLScanner {
    /// The deepest nesting read; libxml2's default limit, far beyond the wire's four levels.
    static let maximumDepth = 256
    /// The most attributes one tag may carry. Finding a repeated one compares each name with those
    /// before it; with no cap, one 64 KiB tag of thousands would cost a hundred times a request.
    static let maximumAttributes = 32

    private let bytes: UnsafeBufferPointer<UInt8>
    /// Declared encodings in which a pure-ASCII document means what it means in UTF-8.
    private static let asciiCompatibleEncodings: [StaticString] = [
        "us-ascii", "iso-8859-9", "iso-8859-1", "windows-1254", "windows-1252", "latin5", "latin1",
    ]
    private var position = 0

    /// A scanner over `bytes`, which must outlive it.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads the whole document, or throws ``APIStatus/badRequest``.
    mutating func document() throws(APIError) -> WireXMLElement {
        guard !bytes.isEmpty else { throw APIError(.badRequest, "empty XML") }
        if matches("\u{FEFF}") { position += 3 }
        // Only here, at the very start, may `<?xml` open the declaration; anywhere else it would be
        // a processing instruction with a reserved target.
        if matches("<?xml"), isWhitespace(at: position + 5) { try declaration() }
        try skipMisc()
        guard position < bytes.count else { throw malformed("no root element") }
        guard bytes[position] == .lessThan else { throw malformed("text before the root element") }
        let root = try rootElement()
        try skipMisc()
        guard position == bytes.count else {
            throw malformed(bytes[position] == .lessThan ? "a second root element" : "text after the root element")
        }
        return root
    }

    // MARK: Elements

    private struct OpenElement {
        /// The name's bytes in the document, to match the end tag without building a string.
        let name: Range<Int>
        var children: [WireXMLElement] = []
        var text = TextBuffer()
    }

    private mutating func rootElement() throws(APIError) -> WireXMLElement {
        var open: [OpenElement] = []
        open.reserveCapacity(8)
        var closed = try startTag(onto: &open)
        while true {
            if let element = closed {
                guard !open.isEmpty else { return element }
                open[open.count - 1].children.append(element)
            }
            closed = try content(of: &open)
        }
    }

    /// Reads the innermost open element's content up to the next tag: returns the element an end
    /// tag or an empty-element tag closes, or `nil` for a start tag, whose element is now open.
    private mutating func content(of open: inout [OpenElement]) throws(APIError) -> WireXMLElement? {
        let innermost = open.count - 1
        while position < bytes.count {
            switch bytes[position] {
            case .lessThan:
                if matches("</") { return try endTag(of: &open) }
                if matches("<!--") {
                    try comment()
                } else if matches("<![CDATA[") {
                    position += 9
                    try characterData(into: &open[innermost].text, inCDATA: true)
                } else if matches("<!DOCTYPE") {
                    throw APIError(.badRequest, "XML with a DTD")
                } else if matches("<?") {
                    throw APIError(.badRequest, "XML with a processing instruction")
                } else {
                    return try startTag(onto: &open)
                }
            case .ampersand:
                let scalar = try reference()
                open[innermost].text.append(scalar, of: bytes)
            default:
                try characterData(into: &open[innermost].text, inCDATA: false)
            }
        }
        throw malformed("<\(string(open[innermost].name))> is not closed")
    }

    /// Reads a start tag and opens its element, or returns it closed if it is an empty-element tag.
    private mutating func startTag(onto open: inout [OpenElement]) throws(APIError) -> WireXMLElement? {
        position += 1
        let name = try self.name()
        guard open.count < Self.maximumDepth else {
            throw APIError(.badRequest, "XML nested deeper than \(Self.maximumDepth) elements")
        }
        try skipAttributes()
        if matches("/>") {
            position += 2
            return WireXMLElement(name: string(name))
        }
        guard position < bytes.count, bytes[position] == .greaterThan else { throw malformed("unclosed tag") }
        position += 1
        open.append(OpenElement(name: name))
        return nil
    }

    private mutating func endTag(of open: inout [OpenElement]) throws(APIError) -> WireXMLElement {
        position += 2
        let name = try self.name()
        skipWhitespace()
        guard position < bytes.count, bytes[position] == .greaterThan else { throw malformed("unclosed end tag") }
        position += 1
        let element = open.removeLast()
        guard bytes[name].elementsEqual(bytes[element.name]) else {
            throw malformed("</\(string(name))> closes <\(string(element.name))>")
        }
        return WireXMLElement(
            name: string(element.name), children: element.children,
            text: element.text.string(of: bytes, besideChildren: !element.children.isEmpty))
    }

    /// Checks the attributes and moves past them: the wire has none, but the parser before this one
    /// (FoundationXML) ignored them, so a client that sends some (a namespace, say) keeps working.
    private mutating func skipAttributes() throws(APIError) {
        var names: [Range<Int>] = []
        while true {
            let spaced = skipWhitespace()
            guard position < bytes.count else { throw malformed("unclosed tag") }
            if bytes[position] == .greaterThan || bytes[position] == .slash { return }
            guard spaced else { throw malformed("no space before an attribute") }
            guard names.count < Self.maximumAttributes else {
                throw APIError(.badRequest, "XML with more than \(Self.maximumAttributes) attributes on a tag")
            }
            let name = try self.name()
            guard !names.contains(where: { bytes[$0].elementsEqual(bytes[name]) }) else {
                throw malformed("attribute \(string(name)) repeated")
            }
            names.append(name)
            let quote = try openValue(missingEquals: "attribute without '='", unquoted: "unquoted attribute value")
            while true {
                guard position < bytes.count else { throw malformed("unclosed attribute value") }
                let byte = bytes[position]
                if byte == quote { break }
                if byte == .lessThan { throw malformed("'<' in an attribute value") }
                if byte == .ampersand {
                    _ = try reference()
                } else {
                    try skipCharacter()
                }
            }
            position += 1
        }
    }

    // MARK: Text

    /// Reads text (up to markup or a reference) or a CDATA section's content (through its `]]>`).
    private mutating func characterData(into text: inout TextBuffer, inCDATA: Bool) throws(APIError) {
        var start = position
        var isWhitespace = true
        while position < bytes.count {
            let byte = bytes[position]
            // Printable ASCII other than markup is nearly all of a request: checked at a glance.
            if byte >= .space, byte < 0x80, byte != .lessThan, byte != .ampersand, byte != .closingBracket {
                isWhitespace = isWhitespace && byte == .space
                position += 1
                continue
            }
            if byte == .closingBracket, matches("]]>") {
                guard inCDATA else { throw malformed("']]>' in text") }
                text.append(start..<position, of: bytes, isWhitespace: isWhitespace)
                position += 3
                return
            }
            if !inCDATA, byte == .lessThan || byte == .ampersand { break }
            if byte == .carriageReturn {
                // XML reads every line end as a line feed, CR LF and a lone CR alike.
                text.append(start..<position, of: bytes, isWhitespace: isWhitespace)
                text.append("\n", of: bytes)
                position += 1
                if position < bytes.count, bytes[position] == .lineFeed { position += 1 }
                start = position
                continue
            }
            isWhitespace = isWhitespace && (byte == .space || byte == .tab || byte == .lineFeed)
            try skipCharacter()
        }
        guard !inCDATA else { throw malformed("unclosed CDATA section") }
        text.append(start..<position, of: bytes, isWhitespace: isWhitespace)
    }

    /// Reads an entity or character reference, `&` to `;`, into the character it stands for.
    private mutating func reference() throws(APIError) -> Unicode.Scalar {
        position += 1
        if position < bytes.count, bytes[position] == .numberSign {
            position += 1
            var radix: UInt32 = 10
            if position < bytes.count, bytes[position] == .lowercaseX {
                radix = 16
                position += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while position < bytes.count, let digit = Self.digit(bytes[position], radix: radix) {
                // Saturates just past Unicode's end, so a long run of digits cannot overflow.
                value = min(value * radix + digit, 0x11_0000)
                digits += 1
                position += 1
            }
            guard digits > 0, position < bytes.count, bytes[position] == .semicolon else {
                throw malformed("malformed character reference")
            }
            position += 1
            guard Self.isCharacter(value), let scalar = Unicode.Scalar(value) else {
                throw APIError(.badRequest, "XML referring to a character XML does not allow")
            }
            return scalar
        }
        let start = position
        while position < bytes.count, Self.isASCIINameCharacter(bytes[position], first: false) { position += 1 }
        let name = start..<position
        guard !name.isEmpty, position < bytes.count, bytes[position] == .semicolon else {
            throw malformed("'&' that starts no reference")
        }
        position += 1
        if equals(name, "lt") { return "<" }
        if equals(name, "gt") { return ">" }
        if equals(name, "amp") { return "&" }
        if equals(name, "apos") { return "'" }
        if equals(name, "quot") { return "\"" }
        throw APIError(.badRequest, "XML with an unknown entity")
    }

    // MARK: Prolog, comments, names

    /// Moves past the `=` after an attribute's name (with whitespace around it) and the value's
    /// opening quote; returns the quote, which must close the value.
    private mutating func openValue(missingEquals: String, unquoted: String) throws(APIError) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == .equals else { throw malformed(missingEquals) }
        position += 1
        skipWhitespace()
        guard position < bytes.count, bytes[position] == .quote || bytes[position] == .apostrophe else {
            throw malformed(unquoted)
        }
        let quote = bytes[position]
        position += 1
        return quote
    }

    /// Checks `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: a version, then optionally
    /// the encoding and standalone, in that order.
    private mutating func declaration() throws(APIError) {
        position += 5
        // How far along version, encoding, standalone the pseudo-attributes read so far are.
        var read = 0
        while true {
            let spaced = skipWhitespace()
            if matches("?>") {
                guard read > 0 else { throw malformed("XML declaration without a version") }
                position += 2
                return
            }
            guard spaced else { throw malformed("malformed XML declaration") }
            let nameStart = position
            while position < bytes.count, Self.isASCIILetter(bytes[position]) { position += 1 }
            let name = nameStart..<position
            let quote = try openValue(
                missingEquals: "malformed XML declaration", unquoted: "malformed XML declaration")
            let valueStart = position
            while position < bytes.count, bytes[position] != quote, (0x20..<0x7F).contains(bytes[position]) {
                position += 1
            }
            guard position < bytes.count, bytes[position] == quote else {
                throw malformed("malformed XML declaration")
            }
            let value = valueStart..<position
            position += 1
            if read == 0, equals(name, "version") {
                guard value.count > 2, equals(value.prefix(2), "1."),
                    bytes[value.dropFirst(2)].allSatisfy({ (0x30...0x39).contains($0) })
                else { throw malformed("XML version \(string(value))") }
                read = 1
            } else if read == 1, equals(name, "encoding") {
                // The wire is UTF-8, and so is every byte this scanner reads. Older Turkish clients
                // may still declare a single-byte encoding; a document that is all ASCII reads the
                // same in those, so it is accepted, and any other byte in one is refused.
                let isUTF8 = equals(value, "utf-8", ignoringASCIICase: true)
                let isASCIICompatible = Self.asciiCompatibleEncodings.contains {
                    equals(value, $0, ignoringASCIICase: true)
                }
                guard isUTF8 || (isASCIICompatible && bytes.allSatisfy { $0 < 0x80 }) else {
                    throw APIError(.badRequest, "XML declaring an encoding other than UTF-8")
                }
                read = 2
            } else if read == 1 || read == 2, equals(name, "standalone") {
                guard equals(value, "yes") || equals(value, "no") else {
                    throw malformed("standalone=\"\(string(value))\"")
                }
                read = 3
            } else {
                throw malformed("malformed XML declaration")
            }
        }
    }

    /// Moves past whitespace and comments outside the root element; refuses a DTD and processing
    /// instructions, which may stand there too.
    private mutating func skipMisc() throws(APIError) {
        while true {
            skipWhitespace()
            if matches("<!--") {
                try comment()
            } else if matches("<!DOCTYPE") {
                throw APIError(.badRequest, "XML with a DTD")
            } else if matches("<?") {
                throw APIError(.badRequest, "XML with a processing instruction")
            } else {
                return
            }
        }
    }

    /// Moves past a comment; as in XML, `--` may only end it.
    private mutating func comment() throws(APIError) {
        position += 4
        while position < bytes.count {
            if matches("--") {
                guard position + 2 < bytes.count else { break }
                guard bytes[position + 2] == .greaterThan else { throw malformed("'--' in a comment") }
                position += 3
                return
            }
            try skipCharacter()
        }
        throw malformed("unclosed comment")
    }

    /// Reads a name: an element's, an attribute's.
    private mutating func name() throws(APIError) -> Range<Int> {
        let start = position
        while position < bytes.count {
            let first = position == start
            let byte = bytes[position]
            if byte < 0x80 {
                guard Self.isASCIINameCharacter(byte, first: first) else { break }
                position += 1
            } else {
                let (scalar, length) = try scalar(at: position)
                guard Self.isNameCharacter(scalar, first: first) else { break }
                position += length
            }
        }
        guard position > start else { throw malformed("a name expected") }
        return start..<position
    }

    // MARK: Characters

    /// Moves past one character, refusing bytes that are not UTF-8 and characters XML does not allow.
    private mutating func skipCharacter() throws(APIError) {
        let byte = bytes[position]
        if byte < 0x80 {
            guard byte >= 0x20 || byte == .tab || byte == .lineFeed || byte == .carriageReturn else {
                throw APIError(.badRequest, "XML with a control character")
            }
            position += 1
        } else {
            let (scalar, length) = try scalar(at: position)
            guard Self.isCharacter(scalar) else { throw APIError(.badRequest, "XML with a noncharacter") }
            position += length
        }
    }

    /// Decodes the multi-byte UTF-8 sequence at `offset`, refusing overlong forms, surrogates and
    /// anything past U+10FFFF.
    private func scalar(at offset: Int) throws(APIError) -> (UInt32, Int) {
        let lead = bytes[offset]
        let length: Int
        var value: UInt32
        // The range the second byte must fall in; later bytes are any continuation byte.
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
            value = UInt32(lead & 0x1F)
        case 0xE0...0xEF:
            length = 3
            value = UInt32(lead & 0x0F)
            if lead == 0xE0 { second = 0xA0...0xBF }
            if lead == 0xED { second = 0x80...0x9F }
        case 0xF0...0xF4:
            length = 4
            value = UInt32(lead & 0x07)
            if lead == 0xF0 { second = 0x90...0xBF }
            if lead == 0xF4 { second = 0x80...0x8F }
        default:
            throw APIError(.badRequest, "XML that is not UTF-8")
        }
        guard offset + length <= bytes.count, second.contains(bytes[offset + 1]) else {
            throw APIError(.badRequest, "XML that is not UTF-8")
        }
        for continuation in bytes[(offset + 1)..<(offset + length)] {
            guard continuation & 0xC0 == 0x80 else { throw APIError(.badRequest, "XML that is not UTF-8") }
            value = value << 6 | UInt32(continuation & 0x3F)
        }
        return (value, length)
    }

    /// XML 1.0's `Char`.
    private static func isCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF: true
        default: false
        }
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isASCIINameCharacter(_ byte: UInt8, first: Bool) -> Bool {
        if isASCIILetter(byte) || byte == .underscore || byte == .colon { return true }
        return !first && ((0x30...0x39).contains(byte) || byte == .hyphen || byte == .period)
    }

    /// XML 1.0's `NameStartChar` and `NameChar` beyond ASCII.
    private static func isNameCharacter(_ value: UInt32, first: Bool) -> Bool {
        switch value {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
            0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD,
            0x1_0000...0xE_FFFF:
            true
        case 0xB7, 0x300...0x36F, 0x203F...0x2040: !first
        default: false
        }
    }

    private static func digit(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x61...0x66 where radix == 16: UInt32(byte - 0x61 + 10)
        case 0x41...0x46 where radix == 16: UInt32(byte - 0x41 + 10)
        default: nil
        }
    }

    // MARK: Helpers

    /// Whether the document holds `literal` at the current position.
    private func matches(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { literal in
            position + literal.count <= bytes.count
                && bytes[position..<(position + literal.count)].elementsEqual(literal)
        }
    }

    /// Whether the bytes in `range` spell `literal`; with `ignoringASCIICase`, `literal` must be lowercase.
    private func equals(_ range: Range<Int>, _ literal: StaticString, ignoringASCIICase: Bool = false) -> Bool {
        literal.withUTF8Buffer { literal in
            bytes[range].elementsEqual(literal) { byte, expected in
                let folded = ignoringASCIICase && (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
                return folded == expected
            }
        }
    }

    private func isWhitespace(at offset: Int) -> Bool {
        guard offset < bytes.count else { return false }
        let byte = bytes[offset]
        return byte == .space || byte == .tab || byte == .lineFeed || byte == .carriageReturn
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while isWhitespace(at: position) { position += 1 }
        return position > start
    }

    private func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private func malformed(_ what: String) -> APIError {
        APIError(.badRequest, "malformed XML: \(what) at byte \(position)")
    }
}

/// An element's text as it is read: while it is one run of the document it stays there, uncopied,
/// which is the common case of a value with no entity, CDATA or line end in it.
private struct TextBuffer {
    private var run: Range<Int>?
    private var copied: [UInt8] = []
    private var isEmpty = true
    /// Whether the text holds nothing but spaces, tabs and line ends.
    private var isASCIIWhitespace = true

    mutating func append(_ range: Range<Int>, of bytes: UnsafeBufferPointer<UInt8>, isWhitespace: Bool) {
        guard !range.isEmpty else { return }
        isASCIIWhitespace = isASCIIWhitespace && isWhitespace
        if isEmpty {
            run = range
            isEmpty = false
            return
        }
        copyRun(of: bytes)
        copied.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
    }

    mutating func append(_ scalar: Unicode.Scalar, of bytes: UnsafeBufferPointer<UInt8>) {
        isASCIIWhitespace = isASCIIWhitespace && (scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r")
        copyRun(of: bytes)
        copied.append(contentsOf: scalar.utf8)
        isEmpty = false
    }

    private mutating func copyRun(of bytes: UnsafeBufferPointer<UInt8>) {
        guard let run else { return }
        copied.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run]))
        self.run = nil
    }

    /// The text. Beside child elements, whitespace alone is indentation and is dropped; other text
    /// there is kept, so the element's reader can refuse it in its own turn (after credentials).
    func string(of bytes: UnsafeBufferPointer<UInt8>, besideChildren: Bool) -> String {
        if isEmpty || (besideChildren && isASCIIWhitespace) { return "" }
        let text =
            if let run {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[run]), as: UTF8.self)
            } else {
                String(decoding: copied, as: UTF8.self)
            }
        return besideChildren && text.allSatisfy(\.isWhitespace) ? "" : text
    }
}

extension UInt8 {
    fileprivate static let tab: UInt8 = 0x09
    fileprivate static let lineFeed: UInt8 = 0x0A
    fileprivate static let carriageReturn: UInt8 = 0x0D
    fileprivate static let space: UInt8 = 0x20
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let numberSign = UInt8(ascii: "#")
    fileprivate static let ampersand = UInt8(ascii: "&")
    fileprivate static let apostrophe = UInt8(ascii: "'")
    fileprivate static let hyphen = UInt8(ascii: "-")
    fileprivate static let period = UInt8(ascii: ".")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let semicolon = UInt8(ascii: ";")
    fileprivate static let lessThan = UInt8(ascii: "<")
    fileprivate static let equals = UInt8(ascii: "=")
    fileprivate static let greaterThan = UInt8(ascii: ">")
    fileprivate static let closingBracket = UInt8(ascii: "]")
    fileprivate static let underscore = UInt8(ascii: "_")
    fileprivate static let lowercaseX = UInt8(ascii: "x")
}
