import EngelWire
import Foundation
import Testing

/// A request body written once and rendered in either dialect, so one table of cases runs against
/// both. Objects become elements, arrays repeated elements, scalars text; `null` leaves the element
/// out, which is how XML says "absent".
indirect enum WireValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case object([(String, WireValue)])
    case array([WireValue])
    case string(String)
    case scalar(String)
    case null

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .scalar(String(value)) }
    init(floatLiteral value: Double) { self = .scalar(String(value)) }
    init(booleanLiteral value: Bool) { self = .scalar(String(value)) }
    init(nilLiteral: ()) { self = .null }
    init(arrayLiteral elements: WireValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, WireValue)...) { self = .object(elements) }

    var json: String {
        switch self {
        case .object(let members):
            "{" + members.map { #""\#(Self.jsonEscaped($0.0))":\#($0.1.json)"# }.joined(separator: ",") + "}"
        case .array(let elements): "[" + elements.map(\.json).joined(separator: ",") + "]"
        case .string(let text): #""\#(Self.jsonEscaped(text))""#
        case .scalar(let text): text
        case .null: "null"
        }
    }

    /// The document: the top-level object's members as root elements (anything else is no document).
    var xml: String {
        guard case .object(let members) = self else { return "" }
        return members.map { Self.xmlElement($0.0, $0.1) }.joined()
    }

    func rendered(in dialect: WireDialect) -> String {
        switch dialect {
        case .json: json
        case .xml: xml
        }
    }

    private static func xmlElement(_ name: String, _ value: WireValue) -> String {
        switch value {
        case .object(let members): "<\(name)>" + members.map { xmlElement($0.0, $0.1) }.joined() + "</\(name)>"
        case .array(let elements): elements.map { xmlElement(name, $0) }.joined()
        case .string(let text), .scalar(let text): "<\(name)>\(xmlEscaped(text))</\(name)>"
        case .null: ""
        }
    }

    private static func jsonEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    private static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// The three methods, as tests address them.
enum Endpoint: String, Sendable, CaseIterable {
    case add = "/v1/add-blacklist"
    case list = "/v1/get-blacklist"
    case delete = "/v1/delete-blacklist"
    case check = "/v1/check-blacklist"
    case bulkAdd = "/v1/bulk-add-blacklist"
    case bulkDelete = "/v1/bulk-delete-blacklist"
    case entries = "/v1/get-blacklist-entries"
    case changes = "/v1/get-blacklist-changes"

    /// iletiMerkezi's three methods.
    static let iletiMerkezi: [Endpoint] = [.add, .list, .delete]

    /// Whether this is one of Engel's own methods, served in JSON only.
    var isEngelsOwn: Bool { !Self.iletiMerkezi.contains(self) }

    /// Whether this is one of Engel's batch methods, which take `numbers`.
    var isBatch: Bool { [.check, .bulkAdd, .bulkDelete].contains(self) }

    /// Whether the method reads pages as get-blacklist does (`filter`, `page`, `rowCount`).
    var readsPages: Bool { self == .list || self == .entries }

    /// The dialects the method is served in.
    var dialects: [WireDialect] { isEngelsOwn ? [.json] : WireDialect.allCases }

    func path(_ dialect: WireDialect) -> String { rawValue + dialect.pathSuffix }
}

extension WireDialect: CustomTestStringConvertible {
    /// The content type clients of the dialect usually send.
    var requestContentType: String {
        switch self {
        case .json: "application/json"
        case .xml: "text/xml"
        }
    }

    var responseContentType: String { codec.contentType }

    public var testDescription: String { rawValue.uppercased() }
}
