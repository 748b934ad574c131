import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Testing

/// When every lane connection is busy, first and last pages of known accounts go to PostgreSQL
/// together, in one statement over arrays of their parameters. These tests hold each answer to its
/// own call: its account's numbers, its page, and its own credentials checked against the database
/// now.
@Suite(
    "PostgreSQL first pages that share a statement",
    .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
struct PostgresSharedPageTests {
    let base = Date(timeIntervalSince1970: 1_775_000_000)

    struct Tenant {
        let account: Account
        let credentials: Credentials
    }

    /// A store of few connections, so that a few hundred calls at once find them all busy, with two
    /// accounts of 25 numbers each, and its lanes open. Chunks of 16 make every last page below
    /// start beyond the first chunk's reach, as on a long list.
    func withStore(_ body: (PostgresStore, Tenant, Tenant) async throws -> Void) async throws {
        let server = try #require(TestDatabases.postgresServer)
        let store = try await PostgresStore.open(
            TestDatabases.makePostgresDatabase(on: server), maximumConnections: 4, operationTimeout: .seconds(60),
            chunkTarget: 16, balanceInterval: .seconds(3600))
        do {
            var tenants: [Tenant] = []
            for (index, name) in ["acme", "globex"].enumerated() {
                let issued = IssuedCredentials.generate()
                let account = try await store.createAccount(
                    name: AccountName(name), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
                let numbers = try (0..<25).map { try number(index * 1_000 + $0) }
                _ = try await store.addAll(numbers, for: account.id, at: base)
                tenants.append(
                    Tenant(account: account, credentials: try Credentials(key: issued.key, hash: issued.hash)))
            }
            _ = try await store.prepareForServing()
            try await body(store, tenants[0], tenants[1])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    func number(_ index: Int) throws -> PhoneNumber {
        try PhoneNumberParser().parse("90532\(String(format: "%07d", index))")
    }

    /// The store's answer to a page call made with `credentials`.
    func page(_ store: PostgresStore, _ credentials: Credentials, _ request: PageRequest) async -> Result<
        ListCallResult, any Error
    > {
        let reply = store.reply(
            to: ListCall(
                credentials: credentials, operation: .success(.page(DateFilter(start: nil, end: nil), request))))
        return await withCheckedContinuation { continuation in
            reply.whenReady { continuation.resume(returning: $0) }
        }
    }

    /// The pages a burst asks for: the first two and the last, of every size from 1 to 12.
    static let requests: [PageRequest] = (1...12).flatMap { rowCount in
        [1, 2, (25 + rowCount - 1) / rowCount].compactMap { try? PageRequest(page: $0, rowCount: rowCount) }
    }

    /// Sends `rounds` times every one of ``requests`` for each tenant, all at once, and returns each
    /// call with its answer.
    func burst(_ store: PostgresStore, _ tenants: [Tenant], rounds: Int) async throws -> [(
        Tenant, PageRequest, Result<ListCallResult, any Error>
    )] {
        try await withThrowingTaskGroup(of: (Tenant, PageRequest, Result<ListCallResult, any Error>).self) { group in
            for _ in 0..<rounds {
                for request in Self.requests {
                    for tenant in tenants {
                        group.addTask { (tenant, request, await page(store, tenant.credentials, request)) }
                    }
                }
            }
            var answers: [(Tenant, PageRequest, Result<ListCallResult, any Error>)] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
    }

    /// Each tenant's answer to every one of ``requests``, as the store reads it alone.
    func expectedPages(_ store: PostgresStore, _ tenants: [Tenant]) async throws -> [String: BlacklistPage] {
        var expected: [String: BlacklistPage] = [:]
        for tenant in tenants {
            for request in Self.requests {
                expected["\(tenant.account.id) \(request.page) \(request.rowCount)"] = try await store.page(
                    for: tenant.account.id, filter: DateFilter(start: nil, end: nil), page: request)
            }
        }
        return expected
    }

    func expectOwnPages(
        _ answers: [(Tenant, PageRequest, Result<ListCallResult, any Error>)], _ expected: [String: BlacklistPage]
    ) throws {
        for (tenant, request, result) in answers {
            let answer = try result.get()
            #expect(answer.account.id == tenant.account.id)
            let key = "\(tenant.account.id) \(request.page) \(request.rowCount)"
            #expect(answer.outcome == .page(try #require(expected[key])), "page \(request.page) of \(request.rowCount)")
        }
    }

    @Test("each call gets its own account's page, and a rotated hash is refused from the next call on")
    func ownPagesAndCredentials() async throws {
        try await withStore { store, acme, globex in
            var expected = try await expectedPages(store, [acme, globex])
            // The first call of each key reads its account, and a last page tells the list's size;
            // the later ones are known and near the end.
            for tenant in [acme, globex] {
                _ = try await page(store, tenant.credentials, .first).get()
                _ = try await page(store, tenant.credentials, PageRequest(page: 25, rowCount: 1)).get()
            }
            try expectOwnPages(try await burst(store, [acme, globex], rounds: 10), expected)
            #expect(store.callsThatSharedAStatement > 0, "no call shared a statement: the test proves nothing")

            // acme's list grows past what the lanes last saw: its old last pages are now too far
            // from the end to walk back, and are found through the chunks instead.
            _ = try await store.addAll((100..<160).map { try number($0) }, for: acme.account.id, at: base)
            expected = try await expectedPages(store, [acme, globex])
            try expectOwnPages(try await burst(store, [acme, globex], rounds: 10), expected)

            // A new hash for globex: every call with its old one is refused, acme's are not.
            let issued = IssuedCredentials.generate()
            #expect(try await store.replaceHashDigest(issued.hashDigest, forAccountNamed: AccountName("globex")))
            let shared = store.callsThatSharedAStatement
            for (tenant, _, result) in try await burst(store, [acme, globex], rounds: 10) {
                if tenant.account.id == acme.account.id {
                    #expect(try result.get().account.id == acme.account.id)
                } else {
                    #expect(throws: APIError.self) { try result.get() }
                }
            }
            #expect(store.callsThatSharedAStatement > shared)
        }
    }
}
