public import EngelCore

/// An answer as it travels: `{"response":{"status":{…},"blacklist":{…}}}`.
///
/// Clients decode it; the server writes the same bytes with ``ResponseWriter``.
public struct ResponseEnvelope: Codable, Sendable, Hashable {
    /// The body under `response`.
    public var response: ResponseBody

    /// Creates an envelope.
    public init(response: ResponseBody) {
        self.response = response
    }
}

/// The body of an answer.
public struct ResponseBody: Codable, Sendable, Hashable {
    /// Code and message.
    public var status: StatusPayload
    /// The page of a get-blacklist answer.
    public var blacklist: ListResultPayload?

    /// Creates a body.
    public init(status: StatusPayload, blacklist: ListResultPayload? = nil) {
        self.status = status
        self.blacklist = blacklist
    }
}

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
}
