/// A status of the iletiMerkezi protocol: the `code` and Turkish `message` of every answer's envelope.
///
/// The HTTP status of an answer always equals its ``code``: the official SDKs read either one.
public enum APIStatus: Int, Sendable, CaseIterable, Hashable {
    /// 200 "İşlem başarılı": the request succeeded.
    case success = 200
    /// 400 "İstek çözümlenemedi": the body could not be parsed or a field is malformed.
    case badRequest = 400
    /// 401 "Üyelik bilgileri hatalı": missing or wrong credentials, or API access is off.
    case unauthorized = 401
    /// 404 "API istek yapılan yönteme sahip değil": no such method.
    case unknownMethod = 404
    /// 466 "Hatalı numara": not a Turkish mobile number.
    case invalidNumber = 466
    /// 474 "Bu numara üzerindeki engelleme kaldırılamaz": the number is not on the list.
    case cannotRemoveBlock = 474
    /// 503 "Sunucu geçici olarak servis dışı": the store is unavailable.
    case serviceUnavailable = 503

    /// The numeric code, sent as a JSON integer and as the HTTP status.
    public var code: Int { rawValue }

    /// The exact Turkish message the live API sends with this code.
    public var message: String {
        switch self {
        case .success: "İşlem başarılı"
        case .badRequest: "İstek çözümlenemedi"
        case .unauthorized: "Üyelik bilgileri hatalı"
        case .unknownMethod: "API istek yapılan yönteme sahip değil"
        case .invalidNumber: "Hatalı numara"
        case .cannotRemoveBlock: "Bu numara üzerindeki engelleme kaldırılamaz"
        case .serviceUnavailable: "Sunucu geçici olarak servis dışı"
        }
    }

    /// A short English reason phrase for the HTTP status line (ASCII only, as HTTP/1.1 expects).
    public var reasonPhrase: String {
        switch self {
        case .success: "OK"
        case .badRequest: "Bad Request"
        case .unauthorized: "Unauthorized"
        case .unknownMethod: "Not Found"
        case .invalidNumber: "Invalid Number"
        case .cannotRemoveBlock: "Not On Blacklist"
        case .serviceUnavailable: "Service Unavailable"
        }
    }
}

/// A failure that answers with one ``APIStatus``.
///
/// Handlers throw it; one middleware turns it into the envelope. `reason` is for logs only and never
/// holds a credential.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status the client receives.
    public let status: APIStatus
    /// What went wrong, in English, for the log.
    public let reason: String

    /// Creates an error answering `status`, with `reason` for the log.
    public init(_ status: APIStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status.code) \(reason)" }
}
