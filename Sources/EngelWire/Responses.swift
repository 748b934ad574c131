public import EngelCore

/// An answer as it travels: `{"response":{"status":{…},"blacklist":{…}}}`, its `blacklist` part
/// being the method's own (``ListResultPayload``, ``CheckResultPayload``, …).
///
/// Clients, the SDK among them, decode it; the server writes the same bytes with ``ResponseWriter``.
/// Decoding is lenient where the live API has been seen to differ from its documentation: `code`
/// and `count` may arrive as strings of digits, `message` and `number` may be missing.
public struct AnswerEnvelope<Blacklist> {
    /// The body under `response`.
    public var response: AnswerBody<Blacklist>

    /// Creates an envelope.
    public init(response: AnswerBody<Blacklist>) {
        self.response = response
    }
}

/// The body of an answer.
public struct AnswerBody<Blacklist> {
    /// Code and message.
    public var status: StatusPayload
    /// The method's part of a successful answer, such as a get-blacklist page.
    public var blacklist: Blacklist?

    /// Creates a body.
    public init(status: StatusPayload, blacklist: Blacklist? = nil) {
        self.status = status
        self.blacklist = blacklist
    }
}

extension AnswerEnvelope: Decodable where Blacklist: Decodable {}
extension AnswerEnvelope: Encodable where Blacklist: Encodable {}
extension AnswerEnvelope: Sendable where Blacklist: Sendable {}
extension AnswerEnvelope: Equatable where Blacklist: Equatable {}
extension AnswerEnvelope: Hashable where Blacklist: Hashable {}
extension AnswerBody: Decodable where Blacklist: Decodable {}
extension AnswerBody: Encodable where Blacklist: Encodable {}
extension AnswerBody: Sendable where Blacklist: Sendable {}
extension AnswerBody: Equatable where Blacklist: Equatable {}
extension AnswerBody: Hashable where Blacklist: Hashable {}

/// A get-blacklist answer (and every answer that carries only the status).
public typealias ResponseEnvelope = AnswerEnvelope<ListResultPayload>
/// The body of a get-blacklist answer.
public typealias ResponseBody = AnswerBody<ListResultPayload>

/// `response.status`.
public struct StatusPayload: Codable, Sendable, Hashable {
    /// The code, equal to the HTTP status.
    public var code: Int
    /// The Turkish message.
    public var message: String

    /// Creates a status.
    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    /// The status of `status`.
    public init(_ status: APIStatus) {
        self.init(code: status.code, message: status.message)
    }

    private enum CodingKeys: String, CodingKey { case code, message }

    /// Reads a `code` given as a number or a string of digits, and a missing `message` as empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(LooseInteger.self, forKey: .code).strictValue(for: .code, in: container)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
    }
}

/// `response.blacklist` of get-blacklist.
public struct ListResultPayload: Codable, Sendable, Hashable {
    /// How many entries match the filter in all pages.
    public var count: Int
    /// This page's numbers, `+905XXXXXXXXX`.
    public var number: [String]

    /// Creates a page payload.
    public init(count: Int, number: [String]) {
        self.count = count
        self.number = number
    }

    private enum CodingKeys: String, CodingKey { case count, number }

    /// Reads a `count` given as a number or a string of digits, and a missing or `null` `number` as
    /// no numbers.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(LooseInteger.self, forKey: .count).strictValue(for: .count, in: container)
        number = try container.decodeIfPresent([String].self, forKey: .number) ?? []
    }
}

extension LooseInteger {
    /// The integer, or a decoding error at `key` when the text is not a decimal integer.
    fileprivate func strictValue<Key: CodingKey>(for key: Key, in container: KeyedDecodingContainer<Key>) throws
        -> Int
    {
        do {
            return try value(field: key.stringValue)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "\(key.stringValue) is not a number")
        }
    }
}

/// `response.blacklist` of check-blacklist.
public struct CheckResultPayload: Codable, Sendable, Hashable {
    /// How many of the numbers checked are listed.
    public var count: Int
    /// The listed ones, `+905XXXXXXXXX`, in input order, once each.
    public var number: [String]
    /// The inputs that are not Turkish mobile numbers, as given.
    public var invalid: [NumberInput]

    /// Creates a check payload.
    public init(count: Int, number: [String], invalid: [NumberInput]) {
        self.count = count
        self.number = number
        self.invalid = invalid
    }
}

/// `response.blacklist` of bulk-add-blacklist.
public struct BulkAddResultPayload: Codable, Sendable, Hashable {
    /// How many numbers were not listed before.
    public var added: Int
    /// The inputs that were listed already, each number's first form given.
    public var alreadyListed: [NumberInput]
    /// The inputs that are not Turkish mobile numbers, as given.
    public var invalid: [NumberInput]

    /// Creates a bulk-add payload.
    public init(added: Int, alreadyListed: [NumberInput], invalid: [NumberInput]) {
        self.added = added
        self.alreadyListed = alreadyListed
        self.invalid = invalid
    }
}

/// `response.blacklist` of bulk-delete-blacklist.
public struct BulkDeleteResultPayload: Codable, Sendable, Hashable {
    /// How many numbers were listed and are not now.
    public var removed: Int
    /// The inputs that were not listed, each number's first form given.
    public var notListed: [NumberInput]
    /// The inputs that are not Turkish mobile numbers, as given.
    public var invalid: [NumberInput]

    /// Creates a bulk-delete payload.
    public init(removed: Int, notListed: [NumberInput], invalid: [NumberInput]) {
        self.removed = removed
        self.notListed = notListed
        self.invalid = invalid
    }
}
