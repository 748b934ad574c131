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
        let (filter, pageRequest) = try Self.pageAsked(in: received)
        let page = try await store.page(for: account.id, filter: filter, page: pageRequest)
        return answer(page, of: account, filter: filter)
    }

    /// The answer to `received` when `reads` has it at once and it is a page; `nil` for everything
    /// else (credentials memory does not accept, a bad filter or page, a list not in memory), which
    /// ``list(_:)`` then answers, failures with their envelopes.
    func listAtOnce(_ received: ReceivedRequest<ListPayload>, from reads: any ImmediateReads) -> BlacklistAnswer? {
        guard let account = Self.acceptedAtOnce(received, by: reads),
            let (filter, pageRequest) = try? Self.pageAsked(in: received),
            let page = reads.pageAtOnce(for: account.id, filter: filter, page: pageRequest)
        else { return nil }
        return answer(page, of: account, filter: filter)
    }

    /// Starts the add `received` asks for when memory accepts its credentials and its number
    /// parses, and calls `completion` with whether it is durable (it failed when not); returns
    /// `false`, having started nothing, for everything else, which ``add(_:)`` then answers.
    func addWithoutSuspending(
        _ received: ReceivedRequest<NumberPayload>, reads: any ImmediateReads, writes: any CompletionWrites,
        completion: @escaping @Sendable (Bool) -> Void
    ) -> Bool {
        guard let account = Self.acceptedAtOnce(received, by: reads),
            let payload = try? received.requiredBlacklist(), let number = try? parser.parse(payload.number)
        else { return false }
        writes.add(number, for: account.id, at: now()) { result in
            if case .success = result { completion(true) } else { completion(false) }
        }
        return true
    }

    /// The account whose credentials `received` carries, when memory has it and accepts them.
    private static func acceptedAtOnce<Payload>(_ received: ReceivedRequest<Payload>, by reads: any ImmediateReads)
        -> Account?
    {
        guard let credentials = try? received.credentials(),
            let account = reads.accountAtOnce(withKey: credentials.key), account.accepts(credentials.hashDigest)
        else { return nil }
        return account
    }

    private static func pageAsked(in received: ReceivedRequest<ListPayload>) throws(APIError) -> (
        DateFilter, PageRequest
    ) {
        let payload = try received.blacklist() ?? ListPayload()
        return (try payload.dateFilter(), try payload.pageRequest())
    }

    private func answer(_ page: BlacklistPage, of account: Account, filter: DateFilter) -> BlacklistAnswer {
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
