import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import EngelServer

/// Pages the SQLite store has in memory are answered on the connection's thread, without a task
/// (`EngelResponder.respondAtOnce`). Those answers must be the very bytes the ordinary path gives,
/// and everything that is not a plain success must be left to the ordinary path.
@Suite("Answers made at once")
struct ImmediateAnswerTests {
    /// Runs `body` with a SQLite store holding `acme` (20 numbers, added a second apart from
    /// 2026-04-01 10:00:00 Istanbul time) and `closed` (API access off), and the responder over it.
    static func withFixture(_ body: (Harness, EngelResponder) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: temporaryDatabasePath())
        let harness = try await Harness.make(store: store, accounts: ["acme", "closed"])
        let acme = try #require(try await store.account(named: AccountName("acme")))
        let start = Date(timeIntervalSince1970: 1_775_026_800)
        for index in 0..<20 {
            _ = try await store.add(
                PhoneNumberParser().parse("90532\(1_000_000 + index)"), for: acme.id,
                at: start.addingTimeInterval(Double(index)))
        }
        _ = try await store.setAPIAccess(false, forAccountNamed: AccountName("closed"))
        _ = try await store.prepareForServing()
        do {
            try await body(harness, buildResponder(store: store, configuration: harness.configuration))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    static let quiet: Logger = {
        var logger = Logger(label: "engel-test")
        logger.logLevel = .warning
        return logger
    }()

    /// The requests answered at once: every page shape of the contract, in both dialects.
    static func pages(_ harness: Harness) -> [(path: String, body: String)] {
        let json = "/v1/get-blacklist/json"
        let xml = "/v1/get-blacklist"
        let blacklists = [
            nil, #"{}"#, #"{"page":"1","rowCount":"5"}"#, #"{"page":"4","rowCount":"5"}"#,
            #"{"page":"9","rowCount":"5"}"#, #"{"page":2,"rowCount":7}"#,
            #"{"filter":{"start":"2026-04-01 10:00:05","end":"2026-04-01 10:00:12"},"page":"2","rowCount":"3"}"#,
            #"{"filter":{"start":"2026-04-01 10:00:15"}}"#, #"{"page":null,"rowCount":null,"filter":null}"#,
        ]
        let credentials = harness.accounts["acme"]
        let authentication =
            "<authentication><key>\(credentials?.key ?? "")</key><hash>\(credentials?.hash ?? "")</hash></authentication>"
        return blacklists.map { (json, harness.body(blacklist: $0)) } + [
            (xml, "<request>\(authentication)</request>"),
            (xml, "<request>\(authentication)<blacklist><page>2</page><rowCount>6</rowCount></blacklist></request>"),
            (
                xml,
                "<request>\(authentication)<blacklist><filter><start>2026-04-01 10:00:03</start><end/></filter></blacklist></request>"
            ),
        ]
    }

    /// Requests that must take the ordinary path, each for its own reason.
    static func others(_ harness: Harness) -> [(method: HTTPRequest.Method, path: String, body: String, why: String)] {
        let page = harness.body(blacklist: #"{"page":"1","rowCount":"5"}"#)
        let wrongHash = page.replacingOccurrences(
            of: harness.accounts["acme"]?.hash ?? "", with: String(repeating: "0", count: 64))
        return [
            (.post, "/v1/get-blacklist/json", wrongHash, "a wrong hash (401, and the slowdown)"),
            (.post, "/v1/get-blacklist/json", harness.body("closed", blacklist: nil), "API access off"),
            (.post, "/v1/get-blacklist/json", harness.body("nobody", blacklist: nil), "an unknown key"),
            (.post, "/v1/get-blacklist/json", harness.body(blacklist: #"{"page":"0"}"#), "a bad page"),
            (.post, "/v1/get-blacklist/json", harness.body(blacklist: #"{"rowCount":"-1"}"#), "a bad row count"),
            (.post, "/v1/get-blacklist/json", harness.body(blacklist: #"{"filter":{"start":"soon"}}"#), "a bad filter"),
            (.post, "/v1/get-blacklist/json", "{\"request\":", "broken JSON"),
            (.get, "/v1/get-blacklist/json", page, "GET"),
            (.post, "/v1/get-blacklist/json?x=1", page, "a query string"),
            (.post, "//v1/get-blacklist/json", page, "a path not spelled exactly"),
            (.post, "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"905321000001"}"#), "a write"),
            (.post, "/healthz", "", "not a blacklist method"),
        ]
    }

    @Test("every page shape is answered at once, with the bytes the ordinary path answers")
    func sameBytes() async throws {
        try await Self.withFixture { harness, responder in try await Self.sameBytes(harness, responder) }
    }

    static func sameBytes(_ harness: Harness, _ responder: EngelResponder) async throws {
        let requests = Self.pages(harness)
        let ordinary = try await Application(router: responder).test(.router) { client in
            var answers: [Answer] = []
            for request in requests {
                answers.append(try await client.post(request.path, request.body))
            }
            return answers
        }
        for (request, expected) in zip(requests, ordinary) {
            let head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: request.path)
            let immediate = try #require(
                responder.respondAtOnce(
                    to: head, body: ByteBuffer(string: request.body), logger: Self.quiet, clientAddress: nil),
                "\(request.body)")
            #expect(Int(immediate.head.status.code) == expected.status, "\(request.body)")
            #expect(expected.status == 200)
            #expect(immediate.head.headerFields[.contentType] == expected.contentType)
            #expect(immediate.head.headerFields[.contentLength] == String(immediate.body.readableBytes))
            #expect(immediate.head.headerFields[.requestID]?.count == 32)
            #expect(String(buffer: immediate.body) == expected.body, "\(request.body)")
        }
        #expect(ordinary.contains { $0.count == 20 && $0.numbers?.count == 5 })
    }

    @Test("failures, writes and odd requests are left to the ordinary path")
    func othersGoTheOrdinaryWay() async throws {
        try await Self.withFixture { harness, responder in
            for request in Self.others(harness) {
                let head = HTTPRequest(method: request.method, scheme: nil, authority: nil, path: request.path)
                let immediate = responder.respondAtOnce(
                    to: head, body: ByteBuffer(string: request.body), logger: Self.quiet, clientAddress: nil)
                #expect(immediate == nil, "\(request.why)")
            }
        }
    }

    @Test("an answer made at once is counted and timed like any other, and echoes the client's request id")
    func observed() async throws {
        try await Self.withFixture { harness, responder in Self.observed(harness, responder) }
    }

    static func observed(_ harness: Harness, _ responder: EngelResponder) {
        var head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/get-blacklist/json")
        head.headerFields[.requestID] = "trace-42"
        let immediate = responder.respondAtOnce(
            to: head, body: ByteBuffer(string: harness.body(blacklist: nil)), logger: Self.quiet, clientAddress: nil)
        #expect(immediate?.head.headerFields[.requestID] == "trace-42")
        let exposition = String(decoding: responder.metrics.exposition(), as: UTF8.self)
        #expect(
            exposition.contains(#"engel_http_requests_total{endpoint="/v1/get-blacklist/json",code="200"} 1"#),
            "\(exposition)")
        #expect(exposition.contains(#"engel_blacklist_entries{account="acme"} 20"#))
    }

    /// Starts an add without a task and waits for its answer (`nil`: left to the ordinary path);
    /// `nil` as well, at once, when it did not start.
    static func addWithoutSuspending(
        _ responder: EngelResponder, path: String = "/v1/add-blacklist/json", method: HTTPRequest.Method = .post,
        body: String
    ) async -> (started: Bool, answer: ImmediateResponse?) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
        return await withCheckedContinuation { continuation in
            let began = responder.startAddWithoutSuspending(
                to: head, body: ByteBuffer(string: body), on: loop, logger: quiet, clientAddress: { nil }
            ) { answer in
                #expect(loop.inEventLoop)
                continuation.resume(returning: (true, answer))
            }
            if !began { continuation.resume(returning: (false, nil)) }
        }
    }

    @Test("an add is answered without a task once durable, with the bytes the ordinary path answers")
    func addsWithoutATask() async throws {
        try await Self.withFixture { harness, responder in
            for (dialect, path, body) in [
                ("JSON", "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"+90 532 777 00 01"}"#)),
                ("JSON, listed", "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"905321000003"}"#)),
                (
                    "XML", "/v1/add-blacklist",
                    "<request><authentication><key>\(harness.accounts["acme"]?.key ?? "")</key><hash>\(harness.accounts["acme"]?.hash ?? "")</hash></authentication><blacklist><number>05327770002</number></blacklist></request>"
                ),
            ] {
                let (started, answer) = await Self.addWithoutSuspending(responder, path: path, body: body)
                #expect(started, "\(dialect)")
                let expected = try await Application(router: responder).test(.router) { client in
                    try await client.post(path, body)
                }
                let immediate = try #require(answer, "\(dialect)")
                #expect(Int(immediate.head.status.code) == expected.status)
                #expect(immediate.head.headerFields[.contentType] == expected.contentType)
                #expect(String(buffer: immediate.body) == expected.body, "\(dialect)")
                #expect(immediate.head.headerFields[.requestID]?.count == 32)
            }
            let acme = try #require(try await harness.store.account(named: AccountName("acme")))
            for number in ["905327770001", "905327770002"] {
                #expect(try await harness.store.contains(PhoneNumberParser().parse(number), for: acme.id))
            }
            let exposition = String(decoding: responder.metrics.exposition(), as: UTF8.self)
            #expect(exposition.contains(#"engel_http_requests_total{endpoint="/v1/add-blacklist/json",code="200"} 4"#))
        }
    }

    @Test("adds that fail or cannot be checked at once are left to the ordinary path")
    func addsTheOrdinaryWay() async throws {
        try await Self.withFixture { harness, responder in
            let good = harness.body(blacklist: #"{"number":"905327770009"}"#)
            let wrongHash = good.replacingOccurrences(
                of: harness.accounts["acme"]?.hash ?? "", with: String(repeating: "0", count: 64))
            for (path, method, body, why) in [
                ("/v1/add-blacklist/json", HTTPRequest.Method.post, wrongHash, "a wrong hash"),
                (
                    "/v1/add-blacklist/json", .post, harness.body("closed", blacklist: #"{"number":"905327770009"}"#),
                    "API off"
                ),
                ("/v1/add-blacklist/json", .post, harness.body(blacklist: #"{"number":"12"}"#), "a bad number"),
                ("/v1/add-blacklist/json", .post, harness.body(blacklist: nil), "no number"),
                ("/v1/add-blacklist/json", .get, good, "GET"),
                ("/v1/delete-blacklist/json", .post, good, "a delete"),
                ("/v1/get-blacklist/json", .post, good, "a page"),
            ] {
                let (started, _) = await Self.addWithoutSuspending(responder, path: path, method: method, body: body)
                #expect(!started, "\(why)")
            }
            // A write that fails (here: the store is closed) is handed back for the ordinary path.
            await harness.store.close()
            let (started, answer) = await Self.addWithoutSuspending(responder, body: good)
            #expect(started)
            #expect(answer == nil)
        }
    }
}
