import EngelCore
import EngelWire
import Foundation

/// The three blacklist methods, whatever dialect the request came in: authenticate, act, answer.
///
/// Operations throw ``APIError``; the codec of the route writes the answer and
/// ``EnvelopeErrorMiddleware`` every failure.
struct BlacklistOperations: Sendable {
    let store: any EngelStore
    let parser: PhoneNumberParser
    let now: @Sendable () -> Date
    let metrics: ServerMetrics

    func add(_ received: ReceivedRequest<NumberPayload>) async throws -> BlacklistAnswer {
        let account = try await authenticate(received)
        let number = try parser.parse(try received.requiredBlacklist().number)
        _ = try await store.add(number, for: account.id, at: now())
        return .status(.success)
    }

    func delete(_ received: ReceivedRequest<NumberPayload>) async throws -> BlacklistAnswer {
        let account = try await authenticate(received)
        let number = try parser.parse(try received.requiredBlacklist().number)
        guard try await store.remove(number, for: account.id) else {
            throw APIError(.cannotRemoveBlock, "number is not listed")
        }
        return .status(.success)
    }

    func list(_ received: ReceivedRequest<ListPayload>) async throws -> BlacklistAnswer {
        let account = try await authenticate(received)
        let payload = try received.blacklist() ?? ListPayload()
        let filter = try payload.dateFilter()
        let page = try await store.page(for: account.id, filter: filter, page: try payload.pageRequest())
        if filter.isUnbounded { metrics.listSize(account: account.name.value, entries: page.count) }
        return .page(page)
    }

    /// The account the credentials belong to, or 401. Unknown keys cost a digest comparison too,
    /// so timing does not reveal whether a key exists.
    private func authenticate<Payload>(_ received: ReceivedRequest<Payload>) async throws -> Account {
        let credentials = try received.credentials()
        let digest = credentials.hashDigest
        var found = try await store.account(withKey: credentials.key)
        if found.map({ !$0.accepts(digest) }) ?? true {
            // A cached account may lag a change another process just made; refuse only on what the
            // database holds now.
            found = try await store.currentAccount(withKey: credentials.key)
        }
        guard let account = found else {
            _ = Self.decoyDigest.matches(digest)
            throw APIError(.unauthorized, "unknown key")
        }
        guard account.accepts(digest) else {
            throw APIError(.unauthorized, account.apiEnabled ? "wrong hash" : "API access is off")
        }
        return account
    }

    private static let decoyDigest = HashDigest(of: "decoy")
}
