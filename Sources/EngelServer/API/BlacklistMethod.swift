import EngelCore
import EngelWire
import Foundation

/// The blacklist methods, as the live API names them (the XML dialect's paths; JSON adds `/json`),
/// and all a method is to the server: its dialects and body limit (its rows in ``RouteTable``), the
/// store call a request to it makes, and the answer to what the store did. A new method is added
/// here (and its operation in the stores).
enum BlacklistMethod: String, CaseIterable, Sendable {
    case add = "/v1/add-blacklist"
    case list = "/v1/get-blacklist"
    case delete = "/v1/delete-blacklist"
    case check = "/v1/check-blacklist"
    case bulkAdd = "/v1/bulk-add-blacklist"
    case bulkDelete = "/v1/bulk-delete-blacklist"
    case entries = "/v1/get-blacklist-entries"
    case changes = "/v1/get-blacklist-changes"

    /// Whether the method is one of Engel's own (DESIGN.md, "Beyond the three methods").
    var isEngelsOwn: Bool {
        switch self {
        case .add, .list, .delete: false
        case .check, .bulkAdd, .bulkDelete, .entries, .changes: true
        }
    }

    /// The dialects the method is served in: iletiMerkezi's own methods in both, Engel's in JSON.
    var dialects: [WireDialect] { isEngelsOwn ? [.json] : WireDialect.allCases }

    /// Which of the configured body limits applies to the method: the batch methods' own, the
    /// usual one for the others.
    var bodyLimit: BodyLimit {
        switch self {
        case .check, .bulkAdd, .bulkDelete: .bulk
        case .add, .list, .delete, .entries, .changes: .standard
        }
    }

    /// The method's path in `dialect`.
    func path(in dialect: WireDialect) -> String { rawValue + dialect.pathSuffix }
}

extension BlacklistMethod {
    /// The store call a request to this method makes: the body decoded by `codec`, credentials
    /// required (401 without them), and what the method asks for parsed, or why it cannot be.
    func call(
        decoding body: [UInt8], with codec: any WireCodec, parser: PhoneNumberParser, at date: Date
    ) throws(APIError) -> ListCall {
        switch self {
        case .add, .delete:
            let received = try codec.decode(NumberPayload.self, from: body)
            return ListCall(
                credentials: try received.credentials(),
                operation: Result { () throws(APIError) in
                    let payload = try received.requiredBlacklist()
                    let number = try parser.parse(payload.number)
                    var provenance = Provenance.api
                    provenance.reason = try ChangeReason.validated(payload.reason)
                    guard self == .add else { return .remove(number, at: date, provenance) }
                    provenance.until = try BlockEnd.parse(payload.until, after: date)
                    return .add(number, at: date, provenance)
                })
        case .list, .entries:
            let received = try codec.decode(ListPayload.self, from: body)
            return ListCall(
                credentials: try received.credentials(),
                operation: Result { () throws(APIError) in
                    let payload = try received.blacklist() ?? ListPayload()
                    let (filter, page) = (try payload.dateFilter(), try payload.pageRequest())
                    return self == .list ? .page(filter, page) : .entries(filter, page)
                })
        case .changes:
            let received = try ReceivedRequest<ChangesRequestPayload>.decode(jsonBody: body)
            return ListCall(
                credentials: try received.credentials(),
                operation: Result { () throws(APIError) in
                    let payload = try received.blacklist() ?? ChangesRequestPayload()
                    return .changes(after: try payload.afterSeq(), limit: try payload.limitValue())
                })
        case .check, .bulkAdd, .bulkDelete:
            // JSON only: no other codec is routed here.
            let received = try ReceivedRequest<NumbersPayload>.decode(jsonBody: body)
            return ListCall(
                credentials: try received.credentials(),
                operation: Result { () throws(APIError) in
                    let payload = try received.requiredBlacklist()
                    let batch = try NumberBatch(payload.numbers, parser: parser)
                    var provenance = Provenance(source: .bulk, actor: .api)
                    provenance.reason = try ChangeReason.validated(payload.reason)
                    switch self {
                    case .check: return .check(batch, at: date, detail: payload.detail ?? false)
                    case .bulkAdd:
                        provenance.until = try BlockEnd.parse(payload.until, after: date)
                        return .addBatch(batch, at: date, provenance)
                    default: return .removeBatch(batch, at: date, provenance)
                    }
                })
        }
    }

    /// The answer to what the store did: a number that was not listed cannot be unlisted (474).
    func answer(to outcome: ListCallResult.Outcome) throws(APIError) -> BlacklistAnswer {
        switch outcome {
        case .added, .removed(true): return .status(.success)
        case .removed(false): throw APIError(.cannotRemoveBlock, "number is not listed")
        case .page(let page): return .page(page)
        case .entries(let page): return .entries(page)
        case .changes(let stretch): return .changes(stretch)
        case .checkedInDetail(let batch, let entries):
            return .checkedInDetail(listed: entries.compactMap { $0 }, invalid: batch.invalid)
        case .checked(let batch, let listed):
            return .checked(
                listed: zip(batch.numbers, listed).compactMap { number, isListed in isListed ? number : nil },
                invalid: batch.invalid)
        case .addedBatch(let batch, let added):
            return .bulkAdded(
                added: added.count(where: \.self), alreadyListed: batch.forms(where: added.map { !$0 }),
                invalid: batch.invalid)
        case .removedBatch(let batch, let removed):
            return .bulkRemoved(
                removed: removed.count(where: \.self), notListed: batch.forms(where: removed.map { !$0 }),
                invalid: batch.invalid)
        }
    }
}
