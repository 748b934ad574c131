import EngelTestSupport
import Foundation
import Hummingbird
import Synchronization
import Testing

@testable import IletiMerkezi

/// The batch calls against a live Engel server: one server for the suite, an account per test.
@Suite("BlacklistClient batches against a live Engel server", .sharedServer)
struct BatchTests {
    @Test("check: the listed ones once each in input order, the invalid ones as given, one answer per input")
    func check() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        try await client.add("905321234567")
        try await client.add("905441234567")
        let result = try await client.check([
            "5441234567", "12", "905301234567", "+90 532 123 45 67", "05441234567", "12", "905999000000",
        ])
        #expect(result.listed == ["+905441234567", "+905321234567"])
        #expect(result.invalid == ["12", "12", "905999000000"])
        #expect(
            result.memberships == [
                .listed("+905441234567"), .invalid, .notListed("+905301234567"), .listed("+905321234567"),
                .listed("+905441234567"), .invalid, .invalid,
            ])
        let empty = try await client.check([])
        #expect(empty == BlacklistClient.CheckResult(listed: [], invalid: [], memberships: []))
    }

    @Test("add(contentsOf:): added, already listed or invalid per input; a number given twice has one outcome")
    func add() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        try await client.add("905321234567")
        let outcomes = try await client.add(contentsOf: [
            "905441234567", "+905321234567", "x", "0544 123 45 67", "5321234567", "x",
        ])
        #expect(outcomes == [.added, .alreadyListed, .invalid, .added, .alreadyListed, .invalid])
        #expect(try await client.page().numbers == ["+905321234567", "+905441234567"])
    }

    @Test("remove(contentsOf:): removed, not listed or invalid per input")
    func remove() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        _ = try await client.add(contentsOf: ["905321234567", "905441234567"])
        let outcomes = try await client.remove(contentsOf: [
            "5321234567", "905301234567", "905999000000", "+90 532 123 45 67", "905441234567",
        ])
        #expect(outcomes == [.removed, .notListed, .invalid, .removed, .removed])
        #expect(try await client.page().count == 0)
    }

    @Test("more than 50,000 numbers go in several requests; outcomes stay per input, in input order")
    func split() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account(), timeout: .seconds(60))
        var numbers = (0..<(BlacklistClient.batchLimit + 2)).map { "9053\(20_000_000 + $0)" }
        // The same number in each batch, in two forms, and an invalid one in the second.
        numbers[1] = "905441234567"
        numbers.append("+90 544 123 45 67")
        numbers.append("905999000000")
        let outcomes = try await client.add(contentsOf: numbers)
        #expect(outcomes.count == numbers.count)
        #expect(outcomes.filter { $0 == .added }.count == numbers.count - 1)
        #expect(outcomes[numbers.count - 2] == .added)
        #expect(outcomes.last == .invalid)
        #expect(try await client.page(rowCount: 1).count == BlacklistClient.batchLimit + 2)

        let checked = try await client.check(Array(numbers.suffix(4)) + ["905301234567"])
        #expect(checked.listed == ["+905320050000", "+905320050001", "+905441234567"])
        #expect(checked.invalid == ["905999000000"])
    }

    @Test("wrong credentials fail the call with 401")
    func authentication() async throws {
        let server = try TestServer.current
        let client = BlacklistClient(
            configuration: .init(baseURL: server.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
        let error = await #expect(throws: IletiMerkeziError.self) { try await client.check(["905321234567"]) }
        #expect(error?.kind == .authentication)
    }
}

/// The batch calls against a server that lacks them, as the live API does.
@Suite("BlacklistClient batches without the batch methods")
struct BatchFallbackTests {
    @Test("the 404 envelope: add and remove go number by number, check pages; the client remembers")
    func fallback() async throws {
        let api = FakeLiveAPI()
        try await LiveServer.with(.standIn(api.router(pageSize: 2))) { server in
            let client = BlacklistClient(
                configuration: .init(baseURL: server.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
            let added = try await client.add(contentsOf: [
                "905321234567", "x", "+90 532 123 45 67", "905441234567", "905301234567", "905351234567",
            ])
            // The one-number method cannot tell a listed number from a new one: both are added.
            #expect(added == [.added, .invalid, .added, .added, .added, .added])
            #expect(api.count("add-blacklist/json") == 5)
            let again = try await client.add(contentsOf: ["905321234567"])
            #expect(again == [.added])
            #expect(api.count("bulk-add-blacklist/json") == 1)

            let checked = try await client.check(["905441234567", "905999000000", "905361234567", "5351234567"])
            #expect(checked.listed == ["+905441234567", "+905351234567"])
            #expect(checked.invalid == ["905999000000"])
            #expect(checked.memberships[2] == .notListed("+905361234567"))
            #expect(api.count("get-blacklist/json") == 2)  // the list has 4 numbers in pages of 2
            _ = try await client.check(["905321234567"])
            #expect(api.count("check-blacklist/json") == 1)

            let removed = try await client.remove(contentsOf: ["905321234567", "905361234567", "12", "5321234567"])
            #expect(removed == [.removed, .notListed, .invalid, .removed])
            _ = try await client.remove(contentsOf: ["905441234567"])
            #expect(api.count("bulk-delete-blacklist/json") == 1)
            // Numbers one by one go several at once, so the list's order is not the input's.
            #expect(Set(api.listed.withLock { $0 }) == ["+905301234567", "+905351234567"])
        }
    }

    @Test("a 404 without the envelope (a wrong base URL) is an error, not a fallback")
    func plainNotFound() async throws {
        let router = Router()
        router.post("/v1/add-blacklist/json") { _, _ in "should not be asked" }
        try await LiveServer.with(.standIn(router)) { server in
            let client = BlacklistClient(
                configuration: .init(baseURL: server.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
            for _ in 0..<2 {
                let error = await #expect(throws: IletiMerkeziError.self) {
                    try await client.add(contentsOf: ["905321234567"])
                }
                #expect(error?.kind == .unexpectedAnswer)
                #expect(error?.code == 404)
            }
            let check = await #expect(throws: IletiMerkeziError.self) { try await client.check(["905321234567"]) }
            #expect(check?.kind == .unexpectedAnswer)
            #expect(!client.missingMethods.isMissing(BlacklistClient.BatchMethod.add))
        }
    }
}

@Suite("Batch splitting")
struct BatchSplittingTests {
    @Test("batches hold at most the limit, and long inputs are split by their JSON size")
    func ranges() {
        let short = Array(repeating: "905321234567", count: 7)
        #expect(BlacklistClient.batchRanges(short, limit: 3, byteBudget: 1000) == [0..<3, 3..<6, 6..<7])
        // 12 digits, two quotes and a comma: 15 bytes each.
        #expect(BlacklistClient.batchRanges(short, limit: 10, byteBudget: 45) == [0..<3, 3..<6, 6..<7])
        let long = ["905321234567", String(repeating: "x", count: 100), "\"\u{1}", "905321234567"]
        #expect(BlacklistClient.batchRanges(long, limit: 10, byteBudget: 100) == [0..<1, 1..<2, 2..<4])
        #expect(BlacklistClient.batchRanges([], limit: 10, byteBudget: 100).isEmpty)
    }
}
