public import EngelCore

/// A request as a client sends it: `{"request":{"authentication":{…},"blacklist":{…}}}`.
///
/// Encoding is for clients. Servers use ``ReceivedRequest``, which checks credentials before the
/// blacklist part is looked at.
public struct RequestEnvelope<Payload: Codable & Sendable>: Encodable, Sendable {
    /// The credentials.
    public var authentication: AuthenticationPayload
    /// The method's own part, if any.
    public var blacklist: Payload?

    /// Creates a request.
    public init(authentication: AuthenticationPayload, blacklist: Payload?) {
        self.authentication = authentication
        self.blacklist = blacklist
    }

    private enum OuterKeys: String, CodingKey { case request }
    private enum InnerKeys: String, CodingKey { case authentication, blacklist }

    public func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: OuterKeys.self)
        var inner = outer.nestedContainer(keyedBy: InnerKeys.self, forKey: .request)
        try inner.encode(authentication, forKey: .authentication)
        try inner.encodeIfPresent(blacklist, forKey: .blacklist)
    }
}

/// A request body as the server receives it.
///
/// Decoding fails (400) only for what every request shares: unparseable JSON, no `request` object,
/// or an `authentication` of the wrong shape. The `blacklist` part is decoded but its failure is
/// kept until ``blacklist()`` is called, so that credentials are checked first.
public struct ReceivedRequest<Payload: Sendable>: Sendable {
    /// The credentials as sent; `nil` when absent.
    public let authentication: AuthenticationPayload?
    private let payload: Result<Payload?, APIError>

    /// A request read by a dialect's decoder.
    init(authentication: AuthenticationPayload?, payload: Result<Payload?, APIError>) {
        self.authentication = authentication
        self.payload = payload
    }

    /// The `blacklist` part, or ``APIStatus/badRequest`` when it had the wrong shape.
    public func blacklist() throws(APIError) -> Payload? {
        try payload.get()
    }

    /// The `blacklist` part, which this method requires.
    public func requiredBlacklist() throws(APIError) -> Payload {
        guard let payload = try blacklist() else {
            throw APIError(.badRequest, "request.blacklist is missing")
        }
        return payload
    }

    /// Credentials from `authentication`, or ``APIStatus/unauthorized`` when missing.
    public func credentials() throws(APIError) -> Credentials {
        guard let authentication else { throw APIError(.unauthorized, "missing request.authentication") }
        return try authentication.credentials()
    }
}

extension ReceivedRequest where Payload: JSONDecodablePayload {
    /// Decodes a JSON dialect body; any failure of what every request shares is
    /// ``APIStatus/badRequest``.
    public static func decode(jsonBody body: some Collection<UInt8>) throws(APIError) -> Self {
        let document = try WireJSON.parse(body)
        try document.requireObject("top level")
        guard let request = document.member("request") else { throw APIError(.badRequest, "missing request") }
        try request.requireObject("request")
        let authentication = try request.member("authentication").map { (value) throws(APIError) in
            try AuthenticationPayload(json: value, path: "request.authentication")
        }
        let payload: Result<Payload?, APIError>
        do {
            payload = .success(
                try request.member("blacklist").map { (value) throws(APIError) in
                    try Payload(json: value, path: "request.blacklist")
                })
        } catch {
            payload = .failure(error)
        }
        return Self(authentication: authentication, payload: payload)
    }
}
