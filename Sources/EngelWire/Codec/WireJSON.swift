public import EngelCore

/// A parsed JSON value, as far as reading requests needs one.
public enum WireJSON: Sendable, Hashable {
    /// An object's members, in the order written, repeated names included (``member(_:)`` takes
    /// the last, as most readers do). An array, not a dictionary: request objects have a handful
    /// of members, and hashing every name cost more than finding one.
    case object([Member])
    /// An array's elements.
    case array([WireJSON])
    /// A string, escapes resolved.
    case string(String)
    /// A number without fraction or exponent that fits an `Int`.
    case integer(Int)
    /// A number without sign, fraction or exponent too large for an `Int`: its digits, as written.
    case largeInteger(String)
    /// Any other number.
    case fraction(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// The deepest nesting of arrays and objects accepted; real requests nest three levels.
    public static let maximumDepth = 512

    /// Parses a whole document (RFC 8259: one value, surrounded by whitespace only; UTF-8, an
    /// optional byte order mark), or throws ``APIStatus/badRequest``.
    ///
    /// Requests are parsed here rather than by Foundation's `JSONDecoder`, which took an eighth of
    /// the server's time per request (commit 31b6681): decoding an add fell from 7.3 to 2.9 us and
    /// 27 to 9 allocations, a filtered get from 15.1 to 4.7 us (Benchmarks/HotPaths, baselines of
    /// commits 1e4c0df and 3408542 in .benchmarkBaselines).
    public static func parse(_ bytes: some Collection<UInt8>) throws(APIError) -> WireJSON {
        let result: Result<WireJSON, APIError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parse(buffer)
        }
        return try (result ?? Array(bytes).withUnsafeBufferPointer { parse($0) }).get()
    }

    private static func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<WireJSON, APIError> {
        var reader = Reader(bytes: buffer)
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { reader.index = 3 }
        do throws(APIError) {
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw Reader.malformed }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// One member of an object.
    public struct Member: Sendable, Hashable {
        /// The member's name, escapes resolved.
        public let name: String
        /// The member's value.
        public let value: WireJSON

        /// Creates a member.
        public init(_ name: String, _ value: WireJSON) {
            self.name = name
            self.value = value
        }
    }

    /// The member `name` of an object (its last, if repeated); `nil` when absent or `null`.
    func member(_ name: String) -> WireJSON? {
        guard case .object(let members) = self, let found = members.last(where: { $0.name == name }) else {
            return nil
        }
        if case .null = found.value { return nil }
        return found.value
    }

    /// A short, value-free name of the value's type, for log lines.
    var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer, .largeInteger, .fraction: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A recursive-descent reader over the body's bytes. Recursion is bounded by
/// ``WireJSON/maximumDepth``, so no body can exhaust the stack.
///
/// It reads a buffer that lives only while `parse` runs: nothing here keeps it.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    static let malformed = APIError(.badRequest, "malformed JSON")

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(APIError) -> WireJSON {
        guard depth < WireJSON.maximumDepth else { throw APIError(.badRequest, "JSON nested too deeply") }
        skipWhitespace()
        guard index < bytes.count else { throw Self.malformed }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw Self.malformed
        }
    }

    private mutating func literal(_ text: StaticString, _ value: WireJSON) throws(APIError) -> WireJSON {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Self.malformed }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] {
            throw Self.malformed
        }
        index += count
        return value
    }

    private mutating func object(depth: Int) throws(APIError) -> WireJSON {
        index += 1
        var members: [WireJSON.Member] = []
        guard !skip(UInt8(ascii: "}")) else { return .object(members) }
        // Request objects have up to four members: one allocation, not three.
        members.reserveCapacity(4)
        repeat {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Self.malformed }
            let name = try string()
            guard skip(UInt8(ascii: ":")) else { throw Self.malformed }
            members.append(WireJSON.Member(name, try value(depth: depth + 1)))
        } while try anotherFollows(before: UInt8(ascii: "}"))
        return .object(members)
    }

    private mutating func array(depth: Int) throws(APIError) -> WireJSON {
        index += 1
        var elements: [WireJSON] = []
        guard !skip(UInt8(ascii: "]")) else { return .array(elements) }
        repeat {
            elements.append(try value(depth: depth + 1))
        } while try anotherFollows(before: UInt8(ascii: "]"))
        return .array(elements)
    }

    /// Moves past whitespace and then `byte` if it comes next; returns whether it did.
    private mutating func skip(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// After a member or element: `true` past a comma, `false` past the container's `closing`
    /// byte, ``APIStatus/badRequest`` for anything else.
    private mutating func anotherFollows(before closing: UInt8) throws(APIError) -> Bool {
        if skip(UInt8(ascii: ",")) { return true }
        guard skip(closing) else { throw Self.malformed }
        return false
    }

    /// A string starting at the opening quote.
    private mutating func string() throws(APIError) -> String {
        index += 1
        let start = index
        var isASCII = true
        // The common case, no escapes: one copy of the bytes, validated unless they are all ASCII.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if isASCII { return String(decoding: raw, as: UTF8.self) }
                guard let text = String(validating: raw, as: UTF8.self) else {
                    throw APIError(.badRequest, "JSON string that is not UTF-8")
                }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Self.malformed }
            if byte >= 0x80 { isASCII = false }
            index += 1
        }
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: decoded, as: UTF8.self) else {
                    throw APIError(.badRequest, "JSON string that is not UTF-8")
                }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case ..<0x20:
                throw Self.malformed
            default:
                decoded.append(byte)
                index += 1
            }
        }
        throw Self.malformed
    }

    /// One escape sequence starting at its backslash, appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws(APIError) {
        guard index + 1 < bytes.count else { throw Self.malformed }
        let kind = bytes[index + 1]
        index += 2
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(kind)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw APIError(.badRequest, "JSON string with a lone surrogate") }
                index += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw APIError(.badRequest, "JSON string with a lone surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw APIError(.badRequest, "JSON string with a lone surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Self.malformed }
            decoded.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Self.malformed
        }
    }

    private mutating func hexQuad() throws(APIError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Self.malformed }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Self.malformed
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// A number as RFC 8259 spells one: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(APIError) -> WireJSON {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw Self.malformed }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { throw Self.malformed }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits() > 0 else { throw Self.malformed }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { throw Self.malformed }
        }
        // The bytes are ASCII digits and signs by now.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        let negative = bytes[start] == UInt8(ascii: "-")
        if isInteger, let integer = Int(text) {
            // `-0` is written with a sign, which a number field refuses; as a value it is zero.
            return integer == 0 && negative ? .fraction(-0.0) : .integer(integer)
        }
        // A phone number sent as a JSON integer is read from its digits, however many.
        if isInteger && !negative { return .largeInteger(text) }
        guard let fraction = Double(text) else { throw Self.malformed }
        return .fraction(fraction)
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }
}
