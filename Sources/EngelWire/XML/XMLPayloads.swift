public import EngelCore

/// A payload that can also be read from the XML dialect's tree.
public protocol XMLDecodablePayload {
    /// Reads the payload from its element, or throws ``APIStatus/badRequest`` for a wrong shape.
    init(xml element: WireXMLElement) throws(APIError)
}

extension WireXMLElement {
    /// Throws ``APIStatus/badRequest`` when this element holds text where elements belong.
    func requireContainer() throws(APIError) {
        guard !text.allSatisfy(\.isWhitespace) else { return }
        throw APIError(.badRequest, "<\(name)> holds text where elements belong")
    }
}

extension AuthenticationPayload: XMLDecodablePayload {
    public init(xml element: WireXMLElement) throws(APIError) {
        try element.requireContainer()
        self.init(key: try element.childText("key"), hash: try element.childText("hash"))
    }
}

extension NumberPayload: XMLDecodablePayload {
    public init(xml element: WireXMLElement) throws(APIError) {
        try element.requireContainer()
        guard let number = try element.childText("number") else {
            throw APIError(.badRequest, "missing <number>")
        }
        self.init(number: number)
    }
}

extension ListPayload: XMLDecodablePayload {
    public init(xml element: WireXMLElement) throws(APIError) {
        try element.requireContainer()
        // XML has no types: `page` and `rowCount` are always text, as the docs show them.
        self.init(
            filter: try element.child("filter").map { (filter) throws(APIError) in try FilterPayload(xml: filter) },
            page: try element.childText("page").map(LooseInteger.text),
            rowCount: try element.childText("rowCount").map(LooseInteger.text))
    }
}

extension FilterPayload: XMLDecodablePayload {
    public init(xml element: WireXMLElement) throws(APIError) {
        try element.requireContainer()
        self.init(start: try element.childText("start"), end: try element.childText("end"))
    }
}
