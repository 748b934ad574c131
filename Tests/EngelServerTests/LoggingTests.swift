import EngelCore
import EngelTestSupport
import EngelWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import EngelServer

@Suite("Logging")
struct LoggingTests {
    @Test("no key or hash appears in any log line, at trace level, for good and bad requests")
    func noCredentialsInLogs() async throws {
        let harness = try await Harness.make()
        let captured = CapturedLog()
        let credentials = try #require(harness.accounts["acme"])
        try await harness.withClient(logger: captured.logger) { client in
            _ = try await client.add(harness, "905321234567")
            _ = try await client.add(harness, "905999999999")
            _ = try await client.delete(harness, "905331234567")
            _ = try await client.list(harness, #"{"page":"x"}"#)
            let wrongHash = String(repeating: "ab", count: 32)
            _ = try await client.post(
                "/v1/get-blacklist/json",
                #"{"request":{"authentication":{"key":"\#(credentials.key)","hash":"\#(wrongHash)"}}}"#)
            #expect(!captured.text.contains(wrongHash))
        }
        #expect(!captured.text.isEmpty)
        #expect(!captured.text.contains(credentials.key))
        #expect(!captured.text.contains(credentials.hash))
        #expect(!captured.text.contains(credentials.secret))
    }

    @Test(
        "a full run of every endpoint and failure, in both dialects and over sockets, logs and answers no credential"
    )
    func fullRun() async throws {
        let harness = try await Harness.make(accounts: ["acme", "globex"])
        let acme = try #require(harness.accounts["acme"])
        let globex = try #require(harness.accounts["globex"])
        let wrongHash = String(repeating: "5e", count: 32)
        let secrets = [acme.key, acme.hash, acme.secret, globex.key, globex.hash, globex.secret, wrongHash]
        let captured = CapturedLog()
        let answers = Mutex<[Answer]>([])
        @Sendable func keep(_ answer: Answer) { answers.withLock { $0.append(answer) } }

        func authentication(key: String, hash: String) -> WireValue { ["key": .string(key), "hash": .string(hash)] }
        let requests: [(Endpoint, WireValue)] = [
            (.add, harness.request(blacklist: ["number": "905321234567"])),
            (.add, harness.request(blacklist: ["number": "+90 532 123 45 67"])),
            (.add, harness.request(blacklist: ["number": "905999999999"])),
            (.add, harness.request(blacklist: ["number": ["905321234567"]])),
            (.list, harness.request(blacklist: ["page": "1", "rowCount": "10"])),
            (.list, harness.request(blacklist: ["filter": ["start": "2026-01-01 00:00:00"]])),
            (.list, harness.request(blacklist: ["page": "zero"])),
            (.list, harness.request("globex")),
            (.delete, harness.request(blacklist: ["number": "905321234567"])),
            (.delete, harness.request(blacklist: ["number": "905321234567"])),
            (.delete, harness.request(blacklist: ["number": "12"])),
            (.list, ["request": ["authentication": authentication(key: acme.key, hash: wrongHash)]]),
            (.list, ["request": ["authentication": authentication(key: acme.key, hash: acme.secret)]]),
            (.list, ["request": ["authentication": authentication(key: acme.key, hash: globex.hash)]]),
            (.add, ["request": ["authentication": authentication(key: wrongHash, hash: acme.hash)]]),
            (.list, ["request": ["authentication": ["key": .string(acme.key)]]]),
        ]
        try await harness.withClient(logger: captured.logger) { client in
            for dialect in WireDialect.allCases {
                for (endpoint, request) in requests { keep(try await client.send(endpoint, request, in: dialect)) }
                let body = harness.request(blacklist: ["number": "905321234567"]).rendered(in: dialect)
                keep(try await client.post(Endpoint.add.path(dialect), String(body.dropLast(4))))
                keep(try await client.post(Endpoint.add.path(dialect), body, method: .get))
                keep(try await client.post(Endpoint.list.path(dialect), body + String(repeating: " ", count: 70_000)))
            }
            try await AccountAdministration(store: harness.store).setAPIAccess(false, named: "globex")
            keep(try await client.send(.list, harness.request("globex"), in: .json))
            keep(try await client.post("/v1/send-sms/json", harness.body(blacklist: nil)))
            keep(try await client.post("/healthz", "", method: .get))
            keep(try await client.post("/metrics", "", method: .get))
        }
        // The store failing (503), with the credentials of a real account in the requests.
        try await harness.withClient(store: FailingStore(wrapping: harness.store), logger: captured.logger) { client in
            for dialect in WireDialect.allCases {
                keep(try await client.add(harness, "905331234567", in: dialect))
                keep(try await client.list(harness, nil, in: dialect))
            }
            keep(try await client.post("/healthz", "", method: .get))
        }
        // Over sockets: slowed 401s from one address, and a body over the limit.
        let slowing = harness.configured {
            $0.authenticationSlowdown = AuthenticationSlowdown(allowedFailures: 1, maximumDelay: .milliseconds(100))
        }
        try await slowing.withServer(logger: captured.logger) { server in
            let wrong = #"{"request":{"authentication":{"key":"\#(acme.key)","hash":"\#(wrongHash)"}}}"#
            for body in [wrong, wrong, wrong, wrong + String(repeating: " ", count: 70_000)] {
                let connection = try await RawConnection.open(port: server.port, from: "127.0.0.2")
                try await connection.send(
                    "POST /v1/get-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                let answer = try await connection.answer(within: .seconds(30)) ?? ""
                keep(Answer(status: 0, contentType: nil, body: answer))
                await connection.close()
            }
        }

        let codes = Set(answers.withLock { $0.map { $0.code ?? 0 } })
        #expect(codes.isSuperset(of: [200, 400, 401, 404, 466, 474, 503]), "\(codes.sorted())")
        let log = captured.text
        #expect(log.contains("repeated authentication failures"))
        #expect(log.contains("request failed"))
        for secret in secrets {
            #expect(!log.contains(secret), "a credential in the log")
            for answer in answers.withLock({ $0 }) {
                #expect(!answer.body.contains(secret) && !answer.headers.contains(secret), "a credential echoed")
            }
        }
        // Every answer's log line carries its request id.
        let answered = log.split(separator: "\n").filter { $0.contains(" answered ") }
        #expect(answered.count >= answers.withLock { $0.count })
        #expect(answered.allSatisfy { $0.contains("hb.request.id") })
    }
}

@Suite("The serve command's log lines")
struct LineLogHandlerTests {
    /// Logs through a `LineLogHandler` writing into a pipe, and returns what it wrote.
    static func written(_ body: (Logger) -> Void) throws -> String {
        let pipe = Pipe()
        let descriptor = pipe.fileHandleForWriting.fileDescriptor
        var logger = Logger(label: "engel") { label in
            LineLogHandler(label: label, logLevel: .info, metadataProvider: nil, descriptor: descriptor)
        }
        logger[metadataKey: "hb.request.id"] = "r-1"
        body(logger)
        try pipe.fileHandleForWriting.close()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test("one line per event: UTC time, level, label, sorted metadata, source and message")
    func lineShape() throws {
        let text = try Self.written { logger in
            logger.info("answered", metadata: ["code": "200", "path": "/v1/get-blacklist/json"])
            logger.debug("not at this level")
            logger.warning("store slow", error: CancellationError())
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty, "\(text)")
        let timestamp = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /#
        #expect(lines[0].prefixMatch(of: timestamp) != nil, "\(lines[0])")
        #expect(
            lines[0].hasSuffix(
                " info engel: code=200 hb.request.id=r-1 path=/v1/get-blacklist/json [EngelServerTests] answered"))
        #expect(
            lines[1].hasSuffix(
                " warning engel: error=CancellationError() hb.request.id=r-1 [EngelServerTests] store slow"))
    }

    @Test("metadata set on a copy stays on that copy")
    func metadataIsAValue() throws {
        let text = try Self.written { logger in
            var copy = logger
            copy[metadataKey: "hb.request.id"] = "r-2"
            logger.info("first")
            copy.info("second")
        }
        #expect(text.contains("hb.request.id=r-1 [EngelServerTests] first"))
        #expect(text.contains("hb.request.id=r-2 [EngelServerTests] second"))
    }
}
