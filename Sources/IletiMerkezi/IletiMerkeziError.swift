/// Why a call to the blacklist API failed.
///
/// Every case keeps what the server said: ``code`` is the envelope's code (or the HTTP status when
/// the body was not an envelope) and ``message`` its message, so a caller can show both.
public struct IletiMerkeziError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure a caller handles differently.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// 466 "Hatalı numara": the number is not a valid Turkish mobile number.
        case invalidNumber
        /// 474 "Bu numara üzerindeki engelleme kaldırılamaz": the number is not on the list.
        case notListed
        /// 401 "Üyelik bilgileri hatalı": wrong key or hash, or the account's API access is off.
        case authentication
        /// 400 "İstek çözümlenemedi": the server could not read the request.
        case badRequest
        /// 503 "Sunucu geçici olarak servis dışı", or a gateway's 502/503/504: try again later.
        case serverUnavailable
        /// 404 "API istek yapılan yönteme sahip değil", in the envelope: the server has no such
        /// method. The live API answers so for Engel's own batch methods, which the client then
        /// replaces with the one-number methods or paging.
        case unknownMethod
        /// No answer: the connection failed, broke or timed out.
        case transport
        /// An answer that is not the protocol's: a body that is not the envelope (such as a plain
        /// 404 page for a wrong base URL), or a code the blacklist methods never answer.
        case unexpectedAnswer

        public var description: String {
            switch self {
            case .invalidNumber: "invalid number"
            case .notListed: "not on the list"
            case .authentication: "authentication failed"
            case .badRequest: "bad request"
            case .serverUnavailable: "server unavailable"
            case .unknownMethod: "unknown method"
            case .transport: "transport error"
            case .unexpectedAnswer: "unexpected answer"
            }
        }
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The envelope's code; the HTTP status when there was no envelope; `nil` when there was no answer.
    public let code: Int?
    /// The server's message, or a description of what went wrong when the server sent none.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, code: Int?, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    /// Whether trying the same request again may succeed: 503 and transport failures.
    public var isRetryable: Bool { kind == .serverUnavailable || kind == .transport }

    public var description: String {
        if let code { return "\(kind) (\(code) \(message))" }
        return "\(kind) (\(message))"
    }

    /// The error an envelope's status means, or `nil` for success.
    static func fromStatus(code: Int, message: String) -> IletiMerkeziError? {
        let kind: Kind
        switch code {
        case 200: return nil
        case 400: kind = .badRequest
        case 401: kind = .authentication
        case 404: kind = .unknownMethod
        case 466: kind = .invalidNumber
        case 474: kind = .notListed
        case 503: kind = .serverUnavailable
        default: kind = .unexpectedAnswer
        }
        return IletiMerkeziError(kind, code: code, message: message)
    }
}
