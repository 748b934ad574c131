import EngelCore
import Foundation
import PropertyBased
import Testing

@testable import EngelWire

@Suite("JSON request parser")
struct WireJSONTests {
    @Test(
        "well-formed documents parse to the values they spell",
        arguments: [
            (#"{}"#, WireJSON.object([])),
            (" \t\r\n{ } \n", .object([])),
            ("\u{FEFF}{}", .object([])),
            (
                #"{"a":"b","c":[1,-2,3.5,1e2,true,false,null]}"#,
                .object([
                    .init("a", .string("b")),
                    .init(
                        "c",
                        .array([
                            .integer(1), .integer(-2), .fraction(3.5), .fraction(100), .bool(true), .bool(false), .null,
                        ])),
                ])
            ),
            (#"{"a":1,"a":2}"#, .object([.init("a", .integer(1)), .init("a", .integer(2))])),
            (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{8}\u{C}\n\r\t")),
            (#""\u0041\u00e7\u011F\uD83D\uDE00""#, .string("Açğ😀")),
            (#""İşlem başarılı""#, .string("İşlem başarılı")),
            ("-0", .fraction(-0.0)),
            ("0.5E-3", .fraction(0.0005)),
            ("99999999999999999999", .largeInteger("99999999999999999999")),
            ("-99999999999999999999", .fraction(-1e20)),
            (#"[[[]]]"#, .array([.array([.array([])])])),
        ])
    func parses(_ text: String, _ expected: WireJSON) throws {
        #expect(try WireJSON.parse(Array(text.utf8)) == expected)
    }

    @Test(
        "malformed documents are 400",
        arguments: [
            "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{a:1}", "{'a':1}",
            "01", "1.", ".5", "1e", "-", "+1", "NaN", "Infinity", "tru", "nul", "{} {}", "{}x",
            "\"unterminated", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\uD800\"", "\"\\uDC00\"",
            "\"\\uD800\\u0041\"", "\u{FEFF}",
            "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601),
        ])
    func refuses(_ text: String) {
        #expect(throws: APIError.self) { try WireJSON.parse(Array(text.utf8)) }
        do { _ = try WireJSON.parse(Array(text.utf8)) } catch { #expect(error.status == .badRequest) }
    }

    @Test(
        "a number field takes a string or an integer literal without sign, fraction or exponent",
        arguments: [
            (#""0532 123 45 67""#, NumberInput.text("0532 123 45 67")),
            ("905321234567", .integer(digits: "905321234567")),
            ("0", .integer(digits: "0")),
            ("123456789012345678901234567890", .integer(digits: "123456789012345678901234567890")),
        ])
    func numberInputs(_ text: String, _ expected: NumberInput) throws {
        #expect(try WireJSON.parse(Array(text.utf8)).numberInput(path: "n") == expected)
    }

    @Test(
        "a number field refuses signs, fractions, exponents and other types with 400",
        arguments: ["-5321234567", "-0", "905321234567.0", "9.05321234567e11", "5e9", "true", "null", "[]", "{}"])
    func numberInputRefusals(_ text: String) throws {
        let value = try WireJSON.parse(Array(text.utf8))
        do {
            _ = try value.numberInput(path: "n")
            Issue.record("\(text) was taken for a number")
        } catch {
            #expect(error.status == .badRequest)
        }
    }

    @Test("a repeated member name reads as its last value; a null member as absent")
    func memberLookup() throws {
        let object = try WireJSON.parse(Array(#"{"a":1,"b":null,"a":2}"#.utf8))
        #expect(object.member("a") == .integer(2))
        #expect(object.member("b") == nil)
        #expect(object.member("c") == nil)
        #expect(WireJSON.integer(1).member("a") == nil)
    }

    @Test("bytes that are not UTF-8 inside a string are 400")
    func invalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xC3, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xC3, 0xA7],
        ] {
            #expect(throws: APIError.self) { try WireJSON.parse(bytes) }
        }
    }

    @Test("whatever Foundation writes, the parser reads back the same")
    func roundTripsFoundation() throws {
        var generator = Xoshiro(seed: (11, 12, 13, 14))
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let data = try JSONSerialization.data(withJSONObject: ["request": value], options: [.fragmentsAllowed])
            let parsed = try WireJSON.parse(data)
            #expect(Self.matches(parsed, ["request": value]), "\(String(decoding: data, as: UTF8.self))")
        }
    }

    static func randomValue(depth: Int, using generator: inout Xoshiro) -> Any {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &generator) {
        case 0: return Int.random(in: -1_000_000...1_000_000, using: &generator)
        case 1:
            let scalars = (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                Unicode.Scalar(UInt32.random(in: 0x20...0x2FF, using: &generator)) ?? "x"
            }
            return String(String.UnicodeScalarView(scalars))
                + ["", "\n", "\"", "\\", "😀", "\u{1}"][
                    Int.random(in: 0..<6, using: &generator)]
        case 2: return Bool.random(using: &generator)
        case 3: return NSNull()
        case 4:
            return (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                randomValue(depth: depth + 1, using: &generator)
            }
        default:
            var object: [String: Any] = [:]
            for index in 0..<Int.random(in: 0...4, using: &generator) {
                object["k\(index)"] = randomValue(depth: depth + 1, using: &generator)
            }
            return object
        }
    }

    static func matches(_ parsed: WireJSON, _ value: Any) -> Bool {
        switch parsed {
        case .object(let members):
            guard let object = value as? [String: Any], object.count == members.count else { return false }
            return members.allSatisfy { member in object[member.name].map { matches(member.value, $0) } ?? false }
        case .array(let elements):
            guard let array = value as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy { matches($0, $1) }
        case .string(let text): return (value as? String) == text
        case .integer(let integer): return (value as? Int) == integer
        case .fraction, .largeInteger: return false
        case .bool(let bool): return (value as? Bool) == bool
        case .null: return value is NSNull
        }
    }
}
