import EngelCore
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import HTTPTypes
import Logging
import NIOCore
import Testing

@testable import EngelServer

/// The pipeline answers at once exactly when the store's reply is at hand: on SQLite, pages from
/// memory; writes come when their group commits; refusals are checked against the file, later.
/// Whichever way an answer comes, its bytes are those of the store that always suspends.
@Suite("Replies now and later")
struct ReplyTests {
    /// Two stores holding the same lists: SQLite, whose replies can be at hand, and memory, whose
    /// replies always come later. `acme` has 20 numbers added a second apart from 2026-04-01
    /// 10:00:00 Istanbul time; `closed` has API access off. Both have the same credentials.
    struct Fixture {
        let sqlite: SQLiteStore
        let memory: MemoryStore
        let harness: Harness
        let fast: RequestPipeline
        let suspending: RequestPipeline
    }

    static func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let sqlite = try await SQLiteStore.open(path: temporaryDatabasePath())
        let memory = MemoryStore()
        let harness = try await Harness.make(store: sqlite, accounts: ["acme", "closed"])
        let start = Date(timeIntervalSince1970: 1_775_026_800)
        for store in [sqlite, memory] as [any EngelStore] {
            if store is MemoryStore {
                for (name, issued) in harness.accounts.sorted(by: { $0.key < $1.key }) {
                    _ = try await store.createAccount(
                        name: AccountName(name), apiKey: issued.key, hashDigest: HashDigest(of: issued.hash),
                        createdAt: start)
                }
            }
            let acme = try #require(try await store.account(named: AccountName("acme")))
            for index in 0..<20 {
                _ = try await store.add(
                    PhoneNumberParser().parse("90532\(1_000_000 + index)"), for: acme.id,
                    at: start.addingTimeInterval(Double(index)))
            }
            _ = try await store.setAPIAccess(false, forAccountNamed: AccountName("closed"))
        }
        _ = try await sqlite.prepareForServing()
        let clock = harness.clock
        let fixture = Fixture(
            sqlite: sqlite, memory: memory, harness: harness,
            fast: buildResponder(store: sqlite, configuration: harness.configuration) { clock.now }.pipeline,
            suspending: buildResponder(store: memory, configuration: harness.configuration) { clock.now }.pipeline)
        do {
            try await body(fixture)
        } catch {
            await sqlite.close()
            throw error
        }
        await sqlite.close()
    }

    static let quiet: Logger = {
        var logger = Logger(label: "engel-test")
        logger.logLevel = .warning
        return logger
    }()

    /// The pipeline's answer to a request, and whether it was at hand.
    static func answer(
        _ pipeline: RequestPipeline, _ path: String, _ body: String, method: HTTPRequest.Method = .post,
        requestID: String? = nil
    ) async -> (atOnce: Bool, answer: OutgoingAnswer) {
        var head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
        if let requestID { head.headerFields[.requestID] = requestID }
        let reply = pipeline.answer(
            IncomingRequest(head: head, body: .success(ByteBuffer(string: body))), from: RequestOrigin(channel: nil),
            logger: quiet)
        switch reply {
        case .now(let answer):
            return (true, answer)
        case .later(let pending):
            let answer = await withCheckedContinuation { continuation in
                pending.whenReady { continuation.resume(returning: $0) }
            }
            return (false, answer)
        }
    }

    /// Every page shape of the contract, in both dialects.
    static func pages(_ harness: Harness) -> [(path: String, body: String)] {
        let blacklists = [
            nil, #"{}"#, #"{"page":"1","rowCount":"5"}"#, #"{"page":"4","rowCount":"5"}"#,
            #"{"page":"9","rowCount":"5"}"#, #"{"page":2,"rowCount":7}"#,
            #"{"filter":{"start":"2026-04-01 10:00:05","end":"2026-04-01 10:00:12"},"page":"2","rowCount":"3"}"#,
            #"{"filter":{"start":"2026-04-01 10:00:15"}}"#, #"{"page":null,"rowCount":null,"filter":null}"#,
        ]
        let authentication = xmlAuthentication(harness)
        return blacklists.map { ("/v1/get-blacklist/json", harness.body(blacklist: $0)) } + [
            ("/v1/get-blacklist", "<request>\(authentication)</request>"),
            (
                "/v1/get-blacklist",
                "<request>\(authentication)<blacklist><page>2</page><rowCount>6</rowCount></blacklist></request>"
            ),
            (
                "/v1/get-blacklist",
                "<request>\(authentication)<blacklist><filter><start>2026-04-01 10:00:03</start><end/></filter></blacklist></request>"
            ),
        ]
    }

    static func xmlAuthentication(_ harness: Harness, _ account: String = "acme") -> String {
        let credentials = harness.accounts[account]
        return
            "<authentication><key>\(credentials?.key ?? "")</key><hash>\(credentials?.hash ?? "")</hash></authentication>"
    }

    @Test("pages from memory are answered at once, with the bytes of a store that suspends")
    func pagesAtOnce() async throws {
        try await Self.withFixture { fixture in
            for request in Self.pages(fixture.harness) {
                let (atOnce, fast) = await Self.answer(fixture.fast, request.path, request.body)
                let (memoryAtOnce, slow) = await Self.answer(fixture.suspending, request.path, request.body)
                #expect(atOnce, "\(request.body)")
                #expect(!memoryAtOnce)
                #expect(fast.head.status == .ok)
                #expect(fast.head.status == slow.head.status)
                #expect(fast.head.headerFields[.contentType] == slow.head.headerFields[.contentType])
                #expect(fast.head.headerFields[.requestID]?.count == 32)
                #expect(String(buffer: fast.body) == String(buffer: slow.body), "\(request.body)")
            }
        }
    }

    @Test("writes come when durable, refusals after a look at the file, both with the bytes of a store that suspends")
    func laterAnswers() async throws {
        try await Self.withFixture { fixture in
            let harness = fixture.harness
            let wrongHash = harness.body(blacklist: #"{"number":"905321000001"}"#)
                .replacingOccurrences(of: harness.accounts["acme"]?.hash ?? "", with: String(repeating: "0", count: 64))
            let requests: [(path: String, body: String, code: Int)] = [
                ("/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"+90 532 777 00 01"}"#), 200),
                ("/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"905321000003"}"#), 200),
                (
                    "/v1/add-blacklist",
                    "<request>\(Self.xmlAuthentication(harness))<blacklist><number>05327770002</number></blacklist></request>",
                    200
                ),
                ("/v1/delete-blacklist/json", harness.body(blacklist: #"{"number":"905321000004"}"#), 200),
                ("/v1/delete-blacklist/json", harness.body(blacklist: #"{"number":"905321000004"}"#), 474),
                ("/v1/get-blacklist/json", wrongHash, 401),
                ("/v1/add-blacklist/json", harness.body("closed", blacklist: #"{"number":"905321000001"}"#), 401),
                (
                    "/v1/get-blacklist/json",
                    #"{"request":{"authentication":{"key":"\#(String(repeating: "a", count: 32))","hash":"\#(String(repeating: "b", count: 64))"}}}"#,
                    401
                ),
            ]
            for request in requests {
                let (atOnce, fast) = await Self.answer(fixture.fast, request.path, request.body)
                let (_, slow) = await Self.answer(fixture.suspending, request.path, request.body)
                #expect(!atOnce, "\(request.body)")
                #expect(Int(fast.head.status.code) == request.code, "\(request.body)")
                #expect(String(buffer: fast.body) == String(buffer: slow.body), "\(request.body)")
            }
            let acme = try #require(try await fixture.sqlite.account(named: AccountName("acme")))
            for number in ["905327770001", "905327770002"] {
                #expect(try await fixture.sqlite.contains(PhoneNumberParser().parse(number), for: acme.id))
            }
            #expect(try await !fixture.sqlite.contains(PhoneNumberParser().parse("905321000004"), for: acme.id))
        }
    }

    @Test("what needs no store is answered at once, and credentials are checked before the rest")
    func atOnceWithoutTheStore() async throws {
        try await Self.withFixture { fixture in
            let harness = fixture.harness
            // Whether the request fails before any store call: otherwise the memory store finds the
            // failure once it has authenticated, later, while SQLite does so at once.
            let requests: [(method: HTTPRequest.Method, path: String, body: String, code: Int, beforeStore: Bool)] = [
                (.post, "/v1/get-blacklist/json", harness.body(blacklist: #"{"page":"0"}"#), 400, false),
                (.post, "/v1/get-blacklist/json", harness.body(blacklist: #"{"filter":{"start":"soon"}}"#), 400, false),
                (.post, "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"12"}"#), 466, false),
                (.post, "/v1/add-blacklist/json", harness.body(blacklist: nil), 400, false),
                (.post, "/v1/get-blacklist/json", "{\"request\":", 400, true),
                (.post, "/v1/get-blacklist/json", #"{"request":{"blacklist":{}}}"#, 401, true),
                (.get, "/v1/get-blacklist/json", harness.body(blacklist: nil), 400, true),
                (.post, "/v1/no-such-method/json", "", 404, true),
                (.post, "/healthz", "", 404, true),
            ]
            for request in requests {
                let (atOnce, fast) = await Self.answer(
                    fixture.fast, request.path, request.body, method: request.method)
                let (memoryAtOnce, slow) = await Self.answer(
                    fixture.suspending, request.path, request.body, method: request.method)
                #expect(Int(fast.head.status.code) == request.code, "\(request.path) \(request.body)")
                #expect(String(buffer: fast.body) == String(buffer: slow.body), "\(request.body)")
                #expect(atOnce, "\(request.body)")
                #expect(memoryAtOnce == request.beforeStore, "\(request.body)")
            }
            // Wrong credentials and a malformed number: the credentials are refused first.
            let wrong = harness.body(blacklist: #"{"number":"12"}"#)
                .replacingOccurrences(of: harness.accounts["acme"]?.hash ?? "", with: String(repeating: "0", count: 64))
            let (_, refused) = await Self.answer(fixture.fast, "/v1/add-blacklist/json", wrong)
            #expect(refused.head.status == .unauthorized)
        }
    }

    @Test("an answer made at once is counted and timed like any other, and echoes the client's request id")
    func observed() async throws {
        try await Self.withFixture { fixture in
            let (atOnce, answer) = await Self.answer(
                fixture.fast, "/v1/get-blacklist/json", fixture.harness.body(blacklist: nil), requestID: "trace-42")
            #expect(atOnce)
            #expect(answer.head.headerFields[.requestID] == "trace-42")
            let exposition = String(decoding: fixture.fast.metrics.exposition(), as: UTF8.self)
            #expect(
                exposition.contains(#"engel_http_requests_total{endpoint="/v1/get-blacklist/json",code="200"} 1"#),
                "\(exposition)")
            #expect(exposition.contains(#"engel_blacklist_entries{account="acme"} 20"#))
        }
    }

    @Test("a write the store cannot take is answered 503 in the envelope")
    func failedWrite() async throws {
        try await Self.withFixture { fixture in
            await fixture.sqlite.close()
            let (atOnce, answer) = await Self.answer(
                fixture.fast, "/v1/add-blacklist/json", fixture.harness.body(blacklist: #"{"number":"905327770009"}"#))
            #expect(!atOnce)
            #expect(answer.head.status.code == 503)
            #expect(String(buffer: answer.body) == statusBody(503, "Sunucu geçici olarak servis dışı"))
        }
    }
}
