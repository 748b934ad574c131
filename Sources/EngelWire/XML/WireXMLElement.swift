public import EngelCore
public import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// One element of an XML request or answer. An element meant to hold child elements must hold no
/// text beside them, and one meant to hold text no elements: the readers of each payload check this.
///
/// The wire's XML has no attributes, namespaces or mixed content, so this is all of it that matters.
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
    /// mismatched tags, bad entities, several roots, a DTD (refused so no entity is ever expanded),
    /// bytes that are not UTF-8.
    public static func parse(document: Data) throws(APIError) -> WireXMLElement {
        guard !document.isEmpty else { throw APIError(.badRequest, "empty XML") }
        // A DTD is the only way to declare entities, internal or external: without one, no
        // expansion bomb and no external fetch (XXE) is possible.
        guard document.range(of: Data("<!DOCTYPE".utf8)) == nil else {
            throw APIError(.badRequest, "XML with a DTD")
        }
        // The wire is UTF-8; and FoundationXML traps (a crash, not an error) on an element name that
        // is not valid UTF-8, so such bytes must never reach the parser.
        guard String(validating: document, as: UTF8.self) != nil else {
            throw APIError(.badRequest, "XML that is not UTF-8")
        }
        // FoundationXML crashes (a null dereference) on a processing instruction without data, such
        // as `<?x?>`; the wire has no use for any, so only the leading XML declaration may pass.
        guard processingInstructionsAreOnlyTheDeclaration(document) else {
            throw APIError(.badRequest, "XML with a processing instruction")
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: document)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw APIError(.badRequest, builder.failure ?? "malformed XML")
        }
        return root
    }

    /// Whether every `<?` in `document` opens the XML declaration at its very start (after an
    /// optional byte order mark).
    static func processingInstructionsAreOnlyTheDeclaration(_ document: Data) -> Bool {
        let bytes = [UInt8](document)
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let declaration = Array("<?xml".utf8)
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "<") && bytes[index + 1] == UInt8(ascii: "?") {
                let end = index + declaration.count
                let isDeclaration =
                    index == start && end < bytes.count && Array(bytes[index..<end]) == declaration
                    && [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(
                        bytes[end])
                guard isDeclaration else { return false }
            }
            index += 1
        }
        return true
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

/// Collects XMLParser's events into a tree; fails only on what the parser itself reports, and CDATA that is not UTF-8.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    private struct OpenElement {
        var name: String
        var children: [WireXMLElement] = []
        var text = ""
    }

    private var stack: [OpenElement] = []
    private(set) var root: WireXMLElement?
    private(set) var failure: String?

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        stack.append(OpenElement(name: elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard !stack.isEmpty else { return }
        stack[stack.count - 1].text += string
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        guard !stack.isEmpty else { return }
        guard let text = String(data: block, encoding: .utf8) else {
            fail("CDATA is not UTF-8", parser)
            return
        }
        stack[stack.count - 1].text += text
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        guard let open = stack.popLast() else { return }
        // Indentation between child elements is dropped; other text beside them is kept, so the
        // element's reader can refuse it as a wrong shape in its own turn (after credentials).
        let isIndentation = !open.children.isEmpty && open.text.allSatisfy(\.isWhitespace)
        let element = WireXMLElement(name: open.name, children: open.children, text: isIndentation ? "" : open.text)
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(element)
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        failure = failure ?? "malformed XML"
    }

    private func fail(_ reason: String, _ parser: XMLParser) {
        failure = failure ?? reason
        parser.abortParsing()
    }
}
