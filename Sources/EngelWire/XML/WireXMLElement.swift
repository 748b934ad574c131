public import EngelCore
public import Foundation

/// One element of an XML request or answer. An element meant to hold child elements must hold no
/// text beside them, and one meant to hold text no elements: the readers of each payload check this.
///
/// The wire's XML has no attributes, namespaces or mixed content, so this is all of it that matters:
/// attributes a client sends anyway are checked and dropped, and a prefixed name is kept as written.
public struct WireXMLElement: Sendable, Hashable {
    /// The element's name.
    public let name: String
    /// Child elements, in document order.
    public let children: [WireXMLElement]
    /// The text (CDATA and entities resolved); empty for an element whose children are only indented.
    public let text: String

    /// Creates an element.
    public init(name: String, children: [WireXMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// Parses a document, or throws ``APIStatus/badRequest`` for anything malformed: unclosed or
    /// mismatched tags, unknown entities, several roots, a DTD (refused so no entity is ever
    /// declared or expanded), processing instructions, bytes that are not UTF-8, characters XML does
    /// not allow, nesting deeper than 256 elements.
    public static func parse(document: Data) throws(APIError) -> WireXMLElement {
        let parsed = document.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            raw.withMemoryRebound(to: UInt8.self) { bytes in
                Result { () throws(APIError) in
                    var scanner = XMLScanner(bytes)
                    return try scanner.document()
                }
            }
        }
        return try parsed.get()
    }

    /// The only child named `name`; `nil` when there is none, ``APIStatus/badRequest`` when repeated.
    public func child(_ name: String) throws(APIError) -> WireXMLElement? {
        let matching = children.filter { $0.name == name }
        guard matching.count <= 1 else { throw APIError(.badRequest, "<\(name)> repeated in <\(self.name)>") }
        return matching.first
    }

    /// The text of the only child named `name`, which must not hold elements itself.
    public func childText(_ name: String) throws(APIError) -> String? {
        guard let element = try child(name) else { return nil }
        guard element.children.isEmpty else {
            throw APIError(.badRequest, "<\(name)> holds elements where text belongs")
        }
        return element.text
    }
}
