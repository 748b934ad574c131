public import EngelCore
import Foundation

/// What a blacklist method answers, before it is written in a dialect.
public enum BlacklistAnswer: Sendable, Hashable {
    /// An envelope carrying only the status: every error, and add and delete's success.
    case status(APIStatus)
    /// A successful get-blacklist page.
    case page(BlacklistPage)
    /// A successful check-blacklist: the listed numbers and the invalid inputs.
    case checked(listed: [PhoneNumber], invalid: [NumberInput])
    /// A successful check-blacklist with `detail`: the listed numbers' entries and the invalid inputs.
    case checkedInDetail(listed: [ListEntry], invalid: [NumberInput])
    /// A successful get-blacklist-entries page.
    case entries(EntriesPage)
    /// A successful get-blacklist-changes stretch.
    case changes(ChangesPage)
    /// A successful bulk-add-blacklist.
    case bulkAdded(added: Int, alreadyListed: [NumberInput], invalid: [NumberInput])
    /// A successful bulk-delete-blacklist.
    case bulkRemoved(removed: Int, notListed: [NumberInput], invalid: [NumberInput])

    /// The status the envelope carries, and the HTTP status of the answer.
    public var status: APIStatus {
        switch self {
        case .status(let status): status
        case .page, .checked, .checkedInDetail, .entries, .changes, .bulkAdded, .bulkRemoved: .success
        }
    }
}

/// What a request's `blacklist` part must support to be read in both dialects.
public typealias WirePayload = Sendable & JSONDecodablePayload & XMLDecodablePayload

/// Reads requests and writes answers in one dialect of the protocol. The methods themselves are the
/// same in every dialect; only this differs.
public protocol WireCodec: Sendable {
    /// The dialect this codec reads and writes.
    var dialect: WireDialect { get }
    /// The `Content-Type` of every answer.
    var contentType: String { get }
    /// Decodes a request body; a failure of what every request shares is ``APIStatus/badRequest``.
    func decode<Payload: WirePayload>(_ type: Payload.Type, from body: [UInt8]) throws(APIError)
        -> ReceivedRequest<Payload>
    /// The exact bytes of `answer`.
    func encode(_ answer: BlacklistAnswer) -> [UInt8]
}

/// The JSON dialect: `POST /v1/<method>/json`.
public struct JSONWireCodec: WireCodec {
    /// Creates the codec.
    public init() {}

    public var dialect: WireDialect { .json }

    public var contentType: String { "application/json; charset=utf-8" }

    public func decode<Payload: WirePayload>(_ type: Payload.Type, from body: [UInt8]) throws(APIError)
        -> ReceivedRequest<Payload>
    {
        try ReceivedRequest<Payload>.decode(jsonBody: body)
    }

    public func encode(_ answer: BlacklistAnswer) -> [UInt8] {
        switch answer {
        case .status(let status): ResponseWriter.status(status)
        case .page(let page): ResponseWriter.page(page)
        case .checked(let listed, let invalid): ResponseWriter.check(listed: listed, invalid: invalid)
        case .checkedInDetail(let listed, let invalid): ResponseWriter.check(detailing: listed, invalid: invalid)
        case .entries(let page): ResponseWriter.entries(page)
        case .changes(let stretch): ResponseWriter.changes(stretch)
        case .bulkAdded(let added, let alreadyListed, let invalid):
            ResponseWriter.bulk("added", added, "alreadyListed", alreadyListed, invalid: invalid)
        case .bulkRemoved(let removed, let notListed, let invalid):
            ResponseWriter.bulk("removed", removed, "notListed", notListed, invalid: invalid)
        }
    }
}

/// The XML dialect of older clients: `POST /v1/<method>`.
public struct XMLWireCodec: WireCodec {
    /// Creates the codec.
    public init() {}

    public var dialect: WireDialect { .xml }

    public var contentType: String { "application/xml; charset=utf-8" }

    public func decode<Payload: WirePayload>(_ type: Payload.Type, from body: [UInt8]) throws(APIError)
        -> ReceivedRequest<Payload>
    {
        try ReceivedRequest<Payload>.decode(xmlBody: Data(body))
    }

    public func encode(_ answer: BlacklistAnswer) -> [UInt8] {
        switch answer {
        case .status(let status): XMLResponseWriter.status(status)
        case .page(let page): XMLResponseWriter.page(page)
        // Engel's own methods are served in JSON only: no XML route leads to their answers.
        case .checked, .checkedInDetail, .entries, .changes, .bulkAdded, .bulkRemoved:
            XMLResponseWriter.status(answer.status)
        }
    }
}

/// The two dialects a method is served in, told apart by the path.
public enum WireDialect: String, Sendable, CaseIterable, Hashable {
    /// JSON, at paths ending `/json`.
    case json
    /// XML, at the same paths without `/json`.
    case xml

    /// What the dialect appends to a method's path (`/v1/add-blacklist` + suffix).
    public var pathSuffix: String {
        switch self {
        case .json: "/json"
        case .xml: ""
        }
    }

    /// The codec reading and writing this dialect.
    public var codec: any WireCodec {
        switch self {
        case .json: JSONWireCodec()
        case .xml: XMLWireCodec()
        }
    }
}
