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

    /// The dialects the method is served in: iletiMerkezi's own methods in both.
    var dialects: [WireDialect] { WireDialect.allCases }

    /// Which of the configured body limits applies to the method.
    var bodyLimit: BodyLimit { .standard }

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
                    let number = try parser.parse(try received.requiredBlacklist().number)
                    return self == .add ? .add(number, at: date) : .remove(number)
                })
        case .list:
            let received = try codec.decode(ListPayload.self, from: body)
            return ListCall(
                credentials: try received.credentials(),
                operation: Result { () throws(APIError) in
                    let payload = try received.blacklist() ?? ListPayload()
                    return .page(try payload.dateFilter(), try payload.pageRequest())
                })
        }
    }

    /// The answer to what the store did: a number that was not listed cannot be unlisted (474).
    func answer(to outcome: ListCallResult.Outcome) throws(APIError) -> BlacklistAnswer {
        switch outcome {
        case .added, .removed(true): return .status(.success)
        case .removed(false): throw APIError(.cannotRemoveBlock, "number is not listed")
        case .page(let page): return .page(page)
        }
    }
}
