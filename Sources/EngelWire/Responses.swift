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
    /// The listed ones' entries, in the order of `number`, when the request asked for `detail`.
    public var entries: [EntryPayload]?

    /// Creates a check payload.
    public init(count: Int, number: [String], invalid: [NumberInput], entries: [EntryPayload]? = nil) {
        self.count = count
        self.number = number
        self.invalid = invalid
        self.entries = entries
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

/// One entry with its provenance, as get-blacklist-entries and a detailed check give it. Times are
/// `YYYY-MM-DD HH:MM:SS` Turkey time; absent values are `null`.
public struct EntryPayload: Codable, Sendable, Hashable {
    /// `+905XXXXXXXXX`.
    public var number: String
    /// When it was first listed.
    public var addedAt: String
    /// `api`, `bulk`, `panel`, `load` or `unknown`.
    public var source: String
    /// Why, if anyone said.
    public var reason: String?
    /// When the block ends; `null` is forever.
    public var until: String?
    /// `api`, `panel:<user>`, `cli` or `system`; `null` for entries older than provenance.
    public var actor: String?

    /// Creates an entry payload.
    public init(number: String, addedAt: String, source: String, reason: String?, until: String?, actor: String?) {
        self.number = number
        self.addedAt = addedAt
        self.source = source
        self.reason = reason
        self.until = until
        self.actor = actor
    }

    /// `entry` on the wire.
    public init(_ entry: ListEntry) {
        self.init(
            number: entry.number.international, addedAt: TurkeyTime.format(entry.addedAt),
            source: entry.source.rawValue, reason: entry.reason, until: entry.until.map(TurkeyTime.format),
            actor: entry.actor?.description)
    }

    private enum CodingKeys: String, CodingKey { case number, addedAt, source, reason, until, actor }

    /// Writes absent values as `null`, as the server does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(addedAt, forKey: .addedAt)
        try container.encode(source, forKey: .source)
        try container.encode(reason, forKey: .reason)
        try container.encode(until, forKey: .until)
        try container.encode(actor, forKey: .actor)
    }
}

/// `response.blacklist` of get-blacklist-entries.
public struct EntriesResultPayload: Codable, Sendable, Hashable {
    /// How many entries match the filter in all pages.
    public var count: Int
    /// The change-feed position the page was read at.
    public var seq: Int64
    /// This page's entries, oldest first.
    public var entries: [EntryPayload]

    /// Creates an entries payload.
    public init(count: Int, seq: Int64, entries: [EntryPayload]) {
        self.count = count
        self.seq = seq
        self.entries = entries
    }
}

/// One change record on the wire.
public struct ChangePayload: Codable, Sendable, Hashable {
    /// Its position in the account's feed.
    public var seq: Int64
    /// When it took effect, `YYYY-MM-DD HH:MM:SS` Turkey time.
    public var at: String
    /// `add` or `remove`.
    public var action: String
    /// `+905XXXXXXXXX`.
    public var number: String
    /// `api`, `bulk`, `panel`, `load`, `unknown` or `expiry`.
    public var source: String
    /// Why, if anyone said.
    public var reason: String?
    /// The block's end after an add; `null` is forever.
    public var until: String?
    /// `api`, `panel:<user>`, `cli` or `system`.
    public var actor: String

    /// Creates a change payload.
    public init(
        seq: Int64, at: String, action: String, number: String, source: String, reason: String?, until: String?,
        actor: String
    ) {
        self.seq = seq
        self.at = at
        self.action = action
        self.number = number
        self.source = source
        self.reason = reason
        self.until = until
        self.actor = actor
    }

    /// `record` on the wire.
    public init(_ record: ChangeRecord) {
        self.init(
            seq: record.seq, at: TurkeyTime.format(record.at), action: record.action.rawValue,
            number: record.number.international, source: record.source.rawValue, reason: record.reason,
            until: record.until.map(TurkeyTime.format), actor: record.actor.description)
    }

    private enum CodingKeys: String, CodingKey { case seq, at, action, number, source, reason, until, actor }

    /// Writes absent values as `null`, as the server does.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(at, forKey: .at)
        try container.encode(action, forKey: .action)
        try container.encode(number, forKey: .number)
        try container.encode(source, forKey: .source)
        try container.encode(reason, forKey: .reason)
        try container.encode(until, forKey: .until)
        try container.encode(actor, forKey: .actor)
    }
}

/// `response.blacklist` of get-blacklist-changes.
public struct ChangesResultPayload: Codable, Sendable, Hashable {
    /// The records after `after`, in `seq` order.
    public var changes: [ChangePayload]
    /// The last `seq` returned, or `after` when none was.
    public var next: Int64
    /// The lowest `seq` still kept; 0 when the log is empty.
    public var oldest: Int64

    /// Creates a changes payload.
    public init(changes: [ChangePayload], next: Int64, oldest: Int64) {
        self.changes = changes
        self.next = next
        self.oldest = oldest
    }
}

/// What a webhook delivery posts: `{"account", "webhook", "changes": [...]}`.
public struct WebhookDeliveryPayload: Codable, Sendable, Hashable {
    /// The account's name.
    public var account: String
    /// The webhook's identifier.
    public var webhook: Int64
    /// At most 100 change records, in order.
    public var changes: [ChangePayload]

    /// Creates a delivery.
    public init(account: String, webhook: Int64, changes: [ChangePayload]) {
        self.account = account
        self.webhook = webhook
        self.changes = changes
    }
}
