import Foundation

/// One request's work for a store: whose list (by the credentials sent) and what to do with it.
///
/// The credentials are checked before the operation is looked at, so a request with wrong
/// credentials is refused (401) even when what it asks for is malformed; that is why the operation
/// may be a failure, reported only once the account is known.
public struct ListCall: Sendable {
    /// The API key sent.
    public let apiKey: String
    /// The digest of the hash sent, made once per request.
    public let hashDigest: HashDigest
    /// What to do with the account's list, or why the request cannot say.
    public let operation: Result<ListOperation, APIError>

    /// Creates a call made with `credentials`.
    public init(credentials: Credentials, operation: Result<ListOperation, APIError>) {
        apiKey = credentials.key
        hashDigest = credentials.hashDigest
        self.operation = operation
    }
}

/// What a call does to an account's list.
public enum ListOperation: Sendable {
    /// Lists a number (``BlacklistStore/add(_:for:at:provenance:)``).
    case add(PhoneNumber, at: Date, Provenance)
    /// Unlists a number (``BlacklistStore/remove(_:for:at:provenance:)``).
    case remove(PhoneNumber, at: Date, Provenance)
    /// Reads one page (``BlacklistStore/page(for:filter:page:)``).
    case page(DateFilter, PageRequest)
    /// Reads one page with provenance (``BlacklistStore/entries(for:filter:page:)``).
    case entries(DateFilter, PageRequest)
    /// Tells which of a batch are listed at a time (``BlacklistStore/listed(_:for:at:)``), with
    /// their entries when `detail` (``BlacklistStore/listedEntries(_:for:at:)``).
    case check(NumberBatch, at: Date, detail: Bool)
    /// Lists a batch in one commit (``BlacklistStore/addBatch(_:for:at:provenance:)``).
    case addBatch(NumberBatch, at: Date, Provenance)
    /// Unlists a batch in one commit (``BlacklistStore/removeBatch(_:for:at:provenance:)``).
    case removeBatch(NumberBatch, at: Date, Provenance)
    /// Reads the change feed (``BlacklistStore/changes(for:after:limit:)``).
    case changes(after: Int64, limit: Int)
}

/// What a call did, and as which account.
public struct ListCallResult: Sendable, Hashable {
    /// The account the credentials belong to.
    public let account: Account
    /// What the operation did.
    public let outcome: Outcome

    /// What an operation did.
    public enum Outcome: Sendable, Hashable {
        /// What adding did.
        case added(AddOutcome)
        /// Whether the number was listed before it was removed.
        case removed(Bool)
        /// The page read.
        case page(BlacklistPage)
        /// The detailed page read.
        case entries(EntriesPage)
        /// The batch checked, and whether each of its numbers is listed.
        case checked(NumberBatch, listed: [Bool])
        /// The batch checked in detail: the entry of each of its numbers that is listed.
        case checkedInDetail(NumberBatch, entries: [ListEntry?])
        /// The batch added, and whether each of its numbers was new.
        case addedBatch(NumberBatch, added: [Bool])
        /// The batch removed, and whether each of its numbers was listed.
        case removedBatch(NumberBatch, removed: [Bool])
        /// The stretch of the change feed read.
        case changes(ChangesPage)
    }

    /// Creates a result.
    public init(account: Account, outcome: Outcome) {
        self.account = account
        self.outcome = outcome
    }
}

extension AccountStore {
    /// The account `apiKey` belongs to when `hashDigest` authenticates it, or 401. An unknown key
    /// costs a digest comparison too, so timing does not reveal whether a key exists.
    public func authenticate(apiKey: String, hashDigest: HashDigest) async throws -> Account {
        var found = try await account(withKey: apiKey)
        if found.map({ !$0.accepts(hashDigest) }) ?? true {
            // A cached account may lag a change another process just made; refuse only on what the
            // database holds now.
            found = try await currentAccount(withKey: apiKey)
        }
        return try Account.authenticated(found, by: hashDigest)
    }
}

extension Account {
    /// `found`, the account a key named (or `nil`), when `hashDigest` authenticates it; else 401,
    /// saying why for the log. An unknown key costs a digest comparison too, so timing does not
    /// reveal whether a key exists.
    public static func authenticated(_ found: Account?, by hashDigest: HashDigest) throws(APIError) -> Account {
        guard let account = found else {
            _ = decoyDigest.matches(hashDigest)
            throw APIError(.unauthorized, "unknown key")
        }
        guard account.accepts(hashDigest) else {
            throw APIError(.unauthorized, account.apiEnabled ? "wrong hash" : "API access is off")
        }
        return account
    }
}

private let decoyDigest = HashDigest(of: "decoy")

extension EngelStore {
    /// Carries `call` out through the store's suspending methods: authenticate, then act.
    public func carryOut(_ call: ListCall) async -> Result<ListCallResult, any Error> {
        do {
            let account = try await authenticate(apiKey: call.apiKey, hashDigest: call.hashDigest)
            return .success(
                ListCallResult(account: account, outcome: try await perform(call.operation.get(), for: account.id)))
        } catch {
            return .failure(error)
        }
    }

    /// Carries `operation` out for `account`, which is authenticated already.
    public func perform(_ operation: ListOperation, for account: Account.ID) async throws -> ListCallResult.Outcome {
        switch operation {
        case .add(let number, let date, let provenance):
            .added(try await add(number, for: account, at: date, provenance: provenance))
        case .remove(let number, let date, let provenance):
            .removed(try await remove(number, for: account, at: date, provenance: provenance))
        case .page(let filter, let page): .page(try await self.page(for: account, filter: filter, page: page))
        case .entries(let filter, let page): .entries(try await entries(for: account, filter: filter, page: page))
        case .check(let batch, let date, detail: false):
            .checked(batch, listed: try await listed(batch.numbers, for: account, at: date))
        case .check(let batch, let date, detail: true):
            .checkedInDetail(batch, entries: try await listedEntries(batch.numbers, for: account, at: date))
        case .addBatch(let batch, let date, let provenance):
            .addedBatch(batch, added: try await addBatch(batch.numbers, for: account, at: date, provenance: provenance))
        case .removeBatch(let batch, let date, let provenance):
            .removedBatch(
                batch, removed: try await removeBatch(batch.numbers, for: account, at: date, provenance: provenance))
        case .changes(let after, let limit): .changes(try await changes(for: account, after: after, limit: limit))
        }
    }
}
