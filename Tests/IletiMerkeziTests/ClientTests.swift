import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Synchronization
import Testing

@testable import IletiMerkezi

/// One server for the suite, as `engel serve` runs it over SQLite; each test has its own account.
@Suite("BlacklistClient against a live Engel server", .sharedServer)
struct ClientTests {
    @Test("add, page and remove round-trip; any input form is one entry, answers are +90…")
    func roundTrip() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        try await client.add("905321234567")
        try await client.add("+90 532 123 45 67")
        try await client.add("5441234567")
        let page = try await client.page()
        #expect(page.numbers == ["+905321234567", "+905441234567"])
        #expect(page.count == 2)
        #expect(!page.hasMore)
        try await client.remove("0532 123 45 67")
        let listed1 = try await client.page()
        #expect(listed1.numbers == ["+905441234567"])
    }

    @Test("466: an invalid number, on add and on remove, with the server's message")
    func invalidNumber() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        let onAdd = await #expect(throws: IletiMerkeziError.self) { try await client.add("905999000000") }
        #expect(onAdd == IletiMerkeziError(.invalidNumber, code: 466, message: "Hatalı numara"))
        let onRemove = await #expect(throws: IletiMerkeziError.self) { try await client.remove("12345") }
        #expect(onRemove == IletiMerkeziError(.invalidNumber, code: 466, message: "Hatalı numara"))
    }

    @Test("474: removing a number that is not listed")
    func notListed() async throws {
        let server = try TestServer.current
        let client = server.client(
            try await server.account(), retry: .init(maximumAttempts: 3, initialDelay: .milliseconds(1)))
        let error = await #expect(throws: IletiMerkeziError.self) { try await client.remove("905321234567") }
        #expect(error?.kind == .notListed)
        #expect(error?.code == 474)
        #expect(error?.message == "Bu numara üzerindeki engelleme kaldırılamaz")
    }

    @Test("401: a wrong hash, and an account whose API access is off")
    func authentication() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let wrong = BlacklistClient(
            configuration: .init(
                baseURL: server.baseURL,
                credentials: .init(key: account.credentials.key, hash: String(repeating: "0", count: 64)),
                retry: .none))
        let error = await #expect(throws: IletiMerkeziError.self) { try await wrong.page() }
        #expect(error == IletiMerkeziError(.authentication, code: 401, message: "Üyelik bilgileri hatalı"))

        try await AccountAdministration(store: server.store).setAPIAccess(false, named: account.name)
        let disabled = await #expect(throws: IletiMerkeziError.self) {
            try await server.client(account).add("905321234567")
        }
        #expect(disabled?.kind == .authentication)
    }

    @Test("503: the store is down; retries are spent, then the error is reported")
    func serverUnavailable() async throws {
        // A store that fails is not the one the suite shares: this test has a server of its own.
        let failing = FailingStore(wrapping: MemoryStore())
        try await TestServer.run(over: failing) { server in
            let client = server.client(
                try await server.account(), retry: .init(maximumAttempts: 3, initialDelay: .milliseconds(1)))
            let error = await #expect(throws: IletiMerkeziError.self) { try await client.add("905321234567") }
            #expect(
                error == IletiMerkeziError(.serverUnavailable, code: 503, message: "Sunucu geçici olarak servis dışı"))
            #expect(error?.isRetryable == true)
            #expect(failing.attempts.withLock { $0 } == 3)
        }
    }

    @Test("transport: nothing listens on the port, and each attempt fails at once, not at the timeout")
    func connectionRefused() async throws {
        let client = BlacklistClient(
            configuration: .init(
                baseURL: "http://127.0.0.1:1/v1/", credentials: .init(key: "k", hash: "h"),
                timeout: .seconds(120),
                retry: .init(maximumAttempts: 2, initialDelay: .milliseconds(1))))
        let started = ContinuousClock.now
        let error = await #expect(throws: IletiMerkeziError.self) { try await client.page() }
        #expect(error?.kind == .transport)
        #expect(error?.code == nil)
        #expect(error?.message.contains("refused") == true, "\(String(describing: error?.message))")
        // Two attempts that waited for the timeout would take four minutes; a busy machine's pauses
        // stay far below this bound.
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("transport: an answer slower than the timeout")
    func timeout() async throws {
        let fake = FakeResponder()
        let router = fake.router(["slow": [.init(status: 200, body: "{}", delay: .seconds(3))]])
        try await LiveServer.with(.standIn(router)) { server in
            let client = BlacklistClient(
                configuration: .init(
                    baseURL: server.baseURL + "/slow/v1/", credentials: .init(key: "k", hash: "h"),
                    timeout: .milliseconds(200), retry: .none))
            let error = await #expect(throws: IletiMerkeziError.self) { try await client.add("905321234567") }
            // "timed out" is the proof that the timeout came first: the answer, had it come
            // first, would have been a 200. A bound on the time took 2.8 s in a clean-clone run
            // on a busy machine, so none is asserted.
            #expect(error?.kind == .transport)
            #expect(error?.message == "timed out")
        }
    }

    @Test("unexpected answers: no envelope, an unknown code, a wrong base URL; gateways mean unavailable")
    func unexpectedAnswers() async throws {
        let fake = FakeResponder()
        let router = fake.router([
            "html": [.init(status: 200, body: "<html>maintenance</html>")],
            "unknown": [.envelope(999, "Bilinmeyen")],
            "gateway": [.init(status: 502, body: "<html>Bad Gateway</html>")],
            "bad": [.envelope(400, "İstek çözümlenemedi")],
        ])
        try await LiveServer.with(.standIn(router)) { server in
            func client(_ name: String) -> BlacklistClient { scriptedClient(of: server, name) }
            let html = await #expect(throws: IletiMerkeziError.self) { try await client("html").page() }
            #expect(html?.kind == .unexpectedAnswer)
            #expect(html?.code == 200)
            #expect(html?.message.contains("<html>maintenance</html>") == true)

            let unknown = await #expect(throws: IletiMerkeziError.self) {
                try await client("unknown").add("5321234567")
            }
            #expect(unknown == IletiMerkeziError(.unexpectedAnswer, code: 999, message: "Bilinmeyen"))

            let gateway = await #expect(throws: IletiMerkeziError.self) {
                try await client("gateway").add("5321234567")
            }
            #expect(gateway?.kind == .serverUnavailable)
            #expect(gateway?.code == 502)

            let bad = await #expect(throws: IletiMerkeziError.self) { try await client("bad").add("5321234567") }
            #expect(bad == IletiMerkeziError(.badRequest, code: 400, message: "İstek çözümlenemedi"))
        }
        let wrongVersion = BlacklistClient(
            configuration: .init(
                baseURL: try TestServer.current.baseURL.replacingOccurrences(of: "/v1/", with: "/v2/"),
                credentials: .init(key: "k", hash: "h"), retry: .none))
        let error = await #expect(throws: IletiMerkeziError.self) { try await wrongVersion.page() }
        #expect(
            error == IletiMerkeziError(.unknownMethod, code: 404, message: "API istek yapılan yönteme sahip değil"))
    }

    @Test("retries: add succeeds after a 503; a remove answering 474 after an unknown outcome is done")
    func retries() async throws {
        let fake = FakeResponder()
        let unavailable = FakeResponder.Reply.envelope(503, "Sunucu geçici olarak servis dışı")
        let router = fake.router([
            "flaky-add": [unavailable, .envelope(200, "İşlem başarılı")],
            "flaky-remove": [unavailable, .envelope(474, "Bu numara üzerindeki engelleme kaldırılamaz")],
            "slow-remove": [
                .init(status: 200, body: "{}", delay: .seconds(4)),
                .envelope(474, "Bu numara üzerindeki engelleme kaldırılamaz"),
            ],
            "missing": [.envelope(474, "Bu numara üzerindeki engelleme kaldırılamaz")],
        ])
        try await LiveServer.with(.standIn(router)) { server in
            func client(_ name: String, attempts: Int) -> BlacklistClient {
                BlacklistClient(
                    configuration: .init(
                        baseURL: server.baseURL + "/\(name)/v1/", credentials: .init(key: "k", hash: "h"),
                        timeout: .seconds(2),
                        retry: .init(maximumAttempts: attempts, initialDelay: .milliseconds(1))))
            }
            try await client("flaky-add", attempts: 2).add("905321234567")
            #expect(fake.count("flaky-add") == 2)
            try await client("flaky-remove", attempts: 3).remove("905321234567")
            #expect(fake.count("flaky-remove") == 2)
            try await client("slow-remove", attempts: 2).remove("905321234567")
            #expect(fake.count("slow-remove") == 2)
            let missing = await #expect(throws: IletiMerkeziError.self) {
                try await client("missing", attempts: 3).remove("905321234567")
            }
            #expect(missing?.kind == .notListed)
            #expect(fake.count("missing") == 1)
        }
    }

    @Test("a remove that lands but answers 503 is retried and reported as removed")
    func removeLandedThenFailed() async throws {
        // A store that fails is not the one the suite shares: this test has a server of its own.
        try await TestServer.run(over: RemoveThenFailOnceStore(wrapping: MemoryStore())) { server in
            let account = try await server.account()
            try await server.client(account).add("905321234567")
            try await server.client(account, retry: .init(maximumAttempts: 2, initialDelay: .milliseconds(1)))
                .remove("905321234567")
            let listed2 = try await server.client(account).page()
            #expect(listed2.count == 0)
        }
    }

    @Test("the page walk covers every page, in order, using count to stop")
    func pageWalk() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        // Listed in the order added: by time, then by insertion.
        let numbers = (0..<25).map { "+90532\(1_000_000 + $0)" }
        for number in numbers { try await client.add(number) }
        var pages: [BlacklistClient.Page] = []
        for try await page in client.pages(rowCount: 7) { pages.append(page) }
        #expect(pages.map(\.page) == [1, 2, 3, 4])
        #expect(pages.map(\.numbers.count) == [7, 7, 7, 4])
        #expect(pages.flatMap(\.numbers) == numbers)
        #expect(pages.allSatisfy { $0.count == 25 })

        var exact: [Int] = []
        for try await page in client.pages(rowCount: 5) { exact.append(page.page) }
        #expect(exact == [1, 2, 3, 4, 5])
    }

    @Test("an empty list is one empty page")
    func emptyWalk() async throws {
        let server = try TestServer.current
        var pages: [BlacklistClient.Page] = []
        for try await page in server.client(try await server.account()).pages() { pages.append(page) }
        #expect(pages == [BlacklistClient.Page(numbers: [], count: 0, page: 1, rowCount: 1000)])
    }

    @Test("from and to travel as Turkey time and bound the list and its count")
    func dateBounds() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let client = server.client(account)
        // Listed a day apart at known times: the server's clock is the real one, shared by the suite.
        let first = Date(timeIntervalSince1970: 1_775_000_000)
        let second = first.addingTimeInterval(86_400)
        try await server.load(["905321234567"], into: account, at: first)
        try await server.load(["905321234568"], into: account, at: second)
        try await server.load(["905321234569"], into: account, at: second.addingTimeInterval(86_400))
        let later = try await client.page(from: second)
        #expect(later.numbers == ["+905321234568", "+905321234569"])
        #expect(later.count == 2)
        let earlier = try await client.page(to: second)
        #expect(earlier.numbers == ["+905321234567", "+905321234568"])
        let exactly = try await client.page(from: first.addingTimeInterval(1), to: second)
        #expect(exactly.numbers == ["+905321234568"])
        var walked: [String] = []
        for try await page in client.pages(rowCount: 1, from: second) { walked += page.numbers }
        #expect(walked == ["+905321234568", "+905321234569"])
    }

    @Test("a count sent as a string, as the live API's docs show, is read")
    func stringCount() async throws {
        let fake = FakeResponder()
        let body =
            #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":"2","number":["+905321234567","+905321234568"]}}}"#
        try await LiveServer.with(.standIn(fake.router(["live": [.init(status: 200, body: body)]]))) { server in
            let client = BlacklistClient(
                configuration: .init(
                    baseURL: server.baseURL + "/live/v1", credentials: .init(key: "k", hash: "h")))
            let page = try await client.page()
            #expect(page.count == 2)
            #expect(page.numbers.count == 2)
        }
    }

    @Test("a code sent as a string, a missing message and a missing number list are read; a count in words is not")
    func lenientAnswers() async throws {
        let fake = FakeResponder()
        let router = fake.router([
            "text-code": [
                .init(status: 466, body: #"{"response":{"status":{"code":"466","message":"Hatalı numara"}}}"#)
            ],
            "no-message": [.init(status: 200, body: #"{"response":{"status":{"code":"200"}}}"#)],
            "no-numbers": [
                .init(status: 200, body: #"{"response":{"status":{"code":200},"blacklist":{"count":"0"}}}"#)
            ],
            "word-count": [
                .init(
                    status: 200, body: #"{"response":{"status":{"code":200},"blacklist":{"count":"two","number":[]}}}"#)
            ],
        ])
        try await LiveServer.with(.standIn(router)) { server in
            func client(_ name: String) -> BlacklistClient { scriptedClient(of: server, name) }
            let invalid = await #expect(throws: IletiMerkeziError.self) { try await client("text-code").add("5") }
            #expect(invalid == IletiMerkeziError(.invalidNumber, code: 466, message: "Hatalı numara"))
            try await client("no-message").add("5321234567")
            #expect(
                try await client("no-numbers").page()
                    == BlacklistClient.Page(numbers: [], count: 0, page: 1, rowCount: 1000))
            let words = await #expect(throws: IletiMerkeziError.self) { try await client("word-count").page() }
            #expect(words?.kind == .unexpectedAnswer)
            #expect(words?.code == 200)
        }
    }
}

@Suite("BlacklistClient configuration")
struct ConfigurationTests {
    @Test("credentials come from ILETIMERKEZI_API_KEY and ILETIMERKEZI_API_HASH, and are never printed")
    func environment() {
        let credentials = BlacklistClient.Credentials.fromEnvironment([
            "ILETIMERKEZI_API_KEY": "abc", "ILETIMERKEZI_API_HASH": "def",
        ])
        #expect(credentials == .init(key: "abc", hash: "def"))
        #expect(BlacklistClient.Credentials.fromEnvironment(["ILETIMERKEZI_API_KEY": "abc"]) == nil)
        #expect(!"\(BlacklistClient.Credentials(key: "abc", hash: "def"))".contains("def"))
    }

    @Test("the live API is the default; a bare host means its /v1/")
    func baseURL() {
        let credentials = BlacklistClient.Credentials(key: "k", hash: "h")
        #expect(BlacklistClient.Configuration(credentials: credentials).baseURL == "https://api.iletimerkezi.com/v1/")
        #expect(BlacklistClient.Configuration.liveBaseURL == "https://api.iletimerkezi.com/v1/")
        func url(_ base: String) -> String {
            BlacklistClient.Configuration(baseURL: base, credentials: credentials).url(of: "add-blacklist/json")
        }
        #expect(url("https://api.iletimerkezi.com/v1/") == "https://api.iletimerkezi.com/v1/add-blacklist/json")
        #expect(url("https://api.iletimerkezi.com/v1") == "https://api.iletimerkezi.com/v1/add-blacklist/json")
        #expect(url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1/add-blacklist/json")
        #expect(url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/v1/add-blacklist/json")
    }

    @Test("retry waits double up to the maximum")
    func backoff() {
        let policy = BlacklistClient.RetryPolicy(
            maximumAttempts: 6, initialDelay: .milliseconds(100), maximumDelay: .milliseconds(350))
        #expect(
            (2...6).map(policy.delay(beforeAttempt:)) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350), .milliseconds(350),
            ])
        #expect(BlacklistClient.RetryPolicy(maximumAttempts: 0).maximumAttempts == 1)
    }
}

/// A client, without retries, of the `FakeResponder` script `name` that `server` serves.
private func scriptedClient(of server: LiveServer, _ name: String) -> BlacklistClient {
    BlacklistClient(
        configuration: .init(
            baseURL: server.baseURL + "/\(name)/v1/", credentials: .init(key: "k", hash: "h"), retry: .none))
}
