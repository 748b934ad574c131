public import EngelCore

/// A payload that can be read from the JSON dialect's parsed value.
public protocol JSONDecodablePayload {
    /// Reads the payload from its value, or throws ``APIStatus/badRequest`` for a wrong shape.
    init(json value: WireJSON, path: String) throws(APIError)
}

extension WireJSON {
    /// Throws ``APIStatus/badRequest`` naming `path` unless this is an object.
    func requireObject(_ path: String) throws(APIError) {
        guard case .object = self else { throw APIError(.badRequest, "wrong type at \(path): \(typeName)") }
    }

    /// The string member `name`; `nil` when absent or `null`, ``APIStatus/badRequest`` when another type.
    func stringMember(_ name: String, path: String) throws(APIError) -> String? {
        guard let value = member(name) else { return nil }
        guard case .string(let text) = value else {
            throw APIError(.badRequest, "wrong type at \(path).\(name): \(value.typeName)")
        }
        return text
    }

    /// The member `name` as a ``LooseInteger``: a number with an integral value, or a string.
    func looseIntegerMember(_ name: String, path: String) throws(APIError) -> LooseInteger? {
        switch member(name) {
        case nil: return nil
        case .integer(let integer): return .integer(integer)
        case .fraction(let fraction):
            // `2.0` and `2e0` name the integer 2, as Foundation's decoder reads them.
            guard let integer = Int(exactly: fraction) else {
                throw APIError(.badRequest, "wrong type at \(path).\(name): not an integer")
            }
            return .integer(integer)
        case .string(let text): return .text(text)
        case .largeInteger: throw APIError(.badRequest, "wrong type at \(path).\(name): too large")
        case let value?: throw APIError(.badRequest, "wrong type at \(path).\(name): \(value.typeName)")
        }
    }

    /// This value as a phone number's input: a string, or an integer literal without sign,
    /// fraction or exponent (read from its digits); ``APIStatus/badRequest`` naming `path` for any
    /// other value, whatever number it names.
    func numberInput(path: String) throws(APIError) -> NumberInput {
        switch self {
        case .string(let text): return .text(text)
        case .integer(let integer) where integer >= 0: return .integer(digits: String(integer))
        case .largeInteger(let digits): return .integer(digits: digits)
        case .integer, .fraction:
            throw APIError(.badRequest, "wrong type at \(path): a number with a sign, fraction or exponent")
        default: throw APIError(.badRequest, "wrong type at \(path): \(typeName)")
        }
    }
}

extension AuthenticationPayload: JSONDecodablePayload {
    public init(json value: WireJSON, path: String) throws(APIError) {
        try value.requireObject(path)
        self.init(key: try value.stringMember("key", path: path), hash: try value.stringMember("hash", path: path))
    }
}

extension NumberPayload: JSONDecodablePayload {
    public init(json value: WireJSON, path: String) throws(APIError) {
        try value.requireObject(path)
        guard let number = try value.member("number")?.numberInput(path: path + ".number") else {
            throw APIError(.badRequest, "missing \(path).number")
        }
        self.init(
            number: number.text, reason: try value.stringMember("reason", path: path),
            until: try value.stringMember("until", path: path))
    }
}

extension ListPayload: JSONDecodablePayload {
    public init(json value: WireJSON, path: String) throws(APIError) {
        try value.requireObject(path)
        self.init(
            filter: try value.member("filter").map { (filter) throws(APIError) in
                try FilterPayload(json: filter, path: path + ".filter")
            },
            page: try value.looseIntegerMember("page", path: path),
            rowCount: try value.looseIntegerMember("rowCount", path: path))
    }
}

extension FilterPayload: JSONDecodablePayload {
    public init(json value: WireJSON, path: String) throws(APIError) {
        try value.requireObject(path)
        self.init(start: try value.stringMember("start", path: path), end: try value.stringMember("end", path: path))
    }
}

extension NumbersPayload: JSONDecodablePayload {
    public init(json value: WireJSON, path: String) throws(APIError) {
        try value.requireObject(path)
        guard let numbers = value.member("numbers") else { throw APIError(.badRequest, "missing \(path).numbers") }
        guard case .array(let elements) = numbers else {
            throw APIError(.badRequest, "wrong type at \(path).numbers: \(numbers.typeName)")
        }
        var inputs: [NumberInput] = []
        inputs.reserveCapacity(elements.count)
        for element in elements { inputs.append(try element.numberInput(path: path + ".numbers[]")) }
        var detail: Bool?
        switch value.member("detail") {
        case nil: detail = nil
        case .bool(let flag): detail = flag
        case let other?: throw APIError(.badRequest, "wrong type at \(path).detail: \(other.typeName)")
        }
        self.init(
            numbers: inputs, reason: try value.stringMember("reason", path: path),
            until: try value.stringMember("until", path: path), detail: detail)
    }
}

extension ChangesRequestPayload: JSONDecodablePayload {
    public init(json value: WireJSON, path: String) throws(APIError) {
        try value.requireObject(path)
        self.init(
            after: try value.looseIntegerMember("after", path: path),
            limit: try value.looseIntegerMember("limit", path: path))
    }
}
