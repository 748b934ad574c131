public import EngelCore

/// `request.authentication`: the key and hash, as sent.
public struct AuthenticationPayload: Codable, Sendable, Hashable {
    /// The API key.
    public var key: String?
    /// The hash shown by the panel (or derived from the secret).
    public var hash: String?

    /// Creates the payload.
    public init(key: String?, hash: String?) {
        self.key = key
        self.hash = hash
    }

    /// The credentials, or ``APIStatus/unauthorized`` when either is missing.
    public func credentials() throws(APIError) -> Credentials {
        try Credentials(key: key, hash: hash)
    }
}

/// `request.blacklist` of add-blacklist and delete-blacklist: one number, and Engel's optional
/// provenance fields (the live API ignores them).
public struct NumberPayload: Codable, Sendable, Hashable {
    /// The number as the client wrote it.
    public var number: String
    /// Why it is added or removed: at most 256 Unicode scalars.
    public var reason: String?
    /// Adds only: when the block ends, `YYYY-MM-DD HH:MM:SS` Turkey time, after now.
    public var until: String?

    /// Creates the payload.
    public init(number: String, reason: String? = nil, until: String? = nil) {
        self.number = number
        self.reason = reason
        self.until = until
    }
}

/// `request.blacklist` of the batch methods (check-blacklist, bulk-add-blacklist,
/// bulk-delete-blacklist): 1 to 50,000 numbers, each a string or a JSON integer.
public struct NumbersPayload: Codable, Sendable, Hashable {
    /// The numbers as the client wrote them.
    public var numbers: [NumberInput]
    /// bulk-add and bulk-delete: why, for every number of the batch.
    public var reason: String?
    /// bulk-add: when the blocks end (`YYYY-MM-DD HH:MM:SS` Turkey time, after now).
    public var until: String?
    /// check: whether to answer each listed number's entry too.
    public var detail: Bool?

    /// Creates the payload.
    public init(numbers: [NumberInput], reason: String? = nil, until: String? = nil, detail: Bool? = nil) {
        self.numbers = numbers
        self.reason = reason
        self.until = until
        self.detail = detail
    }
}

/// `request.blacklist` of get-blacklist-changes: where to start and how many.
public struct ChangesRequestPayload: Codable, Sendable, Hashable {
    /// Records after this `seq` (default 0), as a string or an integer.
    public var after: LooseInteger?
    /// How many at most (default 100, above 1000 served as 1000), as a string or an integer.
    public var limit: LooseInteger?

    /// The most records one answer holds.
    public static let maximumLimit = 1000

    /// Creates the payload.
    public init(after: LooseInteger? = nil, limit: LooseInteger? = nil) {
        self.after = after
        self.limit = limit
    }

    /// `after`, or 400 when it is not a number or below 0.
    public func afterSeq() throws(APIError) -> Int64 {
        let value = try after?.value(field: "after") ?? 0
        guard value >= 0 else { throw APIError(.badRequest, "after is below 0") }
        return Int64(value)
    }

    /// `limit` capped at ``maximumLimit``, or 400 when it is not a number or below 1.
    public func limitValue() throws(APIError) -> Int {
        let value = try limit?.value(field: "limit") ?? 100
        guard value >= 1 else { throw APIError(.badRequest, "limit is below 1") }
        return min(value, Self.maximumLimit)
    }
}

extension NumberInput: Codable {
    /// Reads a string, or an integer (kept as its digits).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            let integer = try container.decode(UInt64.self)
            self = .integer(digits: String(integer))
        }
    }

    /// Writes a string as a string and an integer as a JSON integer (as a string of its digits when
    /// too large for one).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .integer(let digits):
            if let integer = UInt64(digits) { try container.encode(integer) } else { try container.encode(digits) }
        }
    }
}

/// `request.blacklist` of get-blacklist: paging and an optional date filter.
public struct ListPayload: Codable, Sendable, Hashable {
    /// The date bounds; `null`, `{}` and a missing filter all mean no bound.
    public var filter: FilterPayload?
    /// 1-based page, as a string (the docs) or an integer (the SDKs).
    public var page: LooseInteger?
    /// Entries per page, as a string or an integer.
    public var rowCount: LooseInteger?

    /// Creates the payload.
    public init(filter: FilterPayload? = nil, page: LooseInteger? = nil, rowCount: LooseInteger? = nil) {
        self.filter = filter
        self.page = page
        self.rowCount = rowCount
    }

    /// The page requested, or ``APIStatus/badRequest`` for a non-numeric or out-of-range value.
    public func pageRequest() throws(APIError) -> PageRequest {
        try PageRequest(
            page: page?.value(field: "page") ?? 1,
            rowCount: rowCount?.value(field: "rowCount") ?? PageRequest.maximumRowCount)
    }

    /// The date filter, or ``APIStatus/badRequest`` for a malformed bound.
    public func dateFilter() throws(APIError) -> DateFilter {
        try DateFilter(startText: filter?.start, endText: filter?.end)
    }
}

/// `request.blacklist.filter`: `YYYY-MM-DD HH:MM:SS` bounds in Turkey time.
public struct FilterPayload: Codable, Sendable, Hashable {
    /// Lower bound, inclusive.
    public var start: String?
    /// Upper bound, inclusive.
    public var end: String?

    /// Creates the payload.
    public init(start: String? = nil, end: String? = nil) {
        self.start = start
        self.end = end
    }
}

/// An integer the wire carries either as a JSON number or as a string of digits.
public enum LooseInteger: Codable, Sendable, Hashable, ExpressibleByIntegerLiteral {
    /// A JSON number.
    case integer(Int)
    /// A JSON string, expected to hold decimal digits.
    case text(String)

    public init(integerLiteral value: Int) {
        self = .integer(value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            self = .integer(integer)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(String(value))
        case .text(let value): try container.encode(value)
        }
    }

    /// The integer, or ``APIStatus/badRequest`` naming `field` when the text is not a decimal integer.
    public func value(field: String) throws(APIError) -> Int {
        switch self {
        case .integer(let value):
            return value
        case .text(let text):
            guard !text.isEmpty, text.utf8.count <= 18,
                text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let value = Int(text)
            else { throw APIError(.badRequest, "\(field) is not a number") }
            return value
        }
    }
}
