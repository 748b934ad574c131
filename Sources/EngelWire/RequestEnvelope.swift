public import EngelCore
public import Foundation

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
public struct ReceivedRequest<Payload: Decodable & Sendable>: Decodable, Sendable {
    /// The credentials as sent; `nil` when absent.
    public let authentication: AuthenticationPayload?
    private let payload: Result<Payload?, APIError>

    private enum OuterKeys: String, CodingKey { case request }
    private enum InnerKeys: String, CodingKey { case authentication, blacklist }

    /// A request read by another dialect's decoder.
    init(authentication: AuthenticationPayload?, payload: Result<Payload?, APIError>) {
        self.authentication = authentication
        self.payload = payload
    }

    public init(from decoder: any Decoder) throws {
        let outer = try decoder.container(keyedBy: OuterKeys.self)
        let inner = try outer.nestedContainer(keyedBy: InnerKeys.self, forKey: .request)
        authentication = try inner.decodeIfPresent(AuthenticationPayload.self, forKey: .authentication)
        do {
            payload = .success(try inner.decodeIfPresent(Payload.self, forKey: .blacklist))
        } catch {
            payload = .failure(APIError(.badRequest, "request.blacklist: \(DecodingFailure.describe(error))"))
        }
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

    /// Decodes a body; any failure is ``APIStatus/badRequest``.
    public static func decode(from body: Data, using decoder: JSONDecoder = JSONDecoder()) throws(APIError)
        -> Self
    {
        do {
            return try decoder.decode(Self.self, from: body)
        } catch {
            throw APIError(.badRequest, DecodingFailure.describe(error))
        }
    }

    /// Credentials from `authentication`, or ``APIStatus/unauthorized`` when missing.
    public func credentials() throws(APIError) -> Credentials {
        guard let authentication else { throw APIError(.unauthorized, "missing request.authentication") }
        return try authentication.credentials()
    }
}

/// Short, value-free descriptions of decoding errors, safe to log (they never quote the input).
enum DecodingFailure {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "unreadable body" }
        switch error {
        case .keyNotFound(let key, let context): return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context): return "wrong type at \(path(context.codingPath))"
        case .valueNotFound(_, let context): return "null at \(path(context.codingPath))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed JSON" : "bad value at \(path(context.codingPath))"
        @unknown default: return "unreadable body"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map(\.stringValue).joined(separator: ".")
    }
}
