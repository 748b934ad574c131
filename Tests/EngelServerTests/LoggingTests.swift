import EngelCore
import EngelServer
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Keeps every log line, rendered with its metadata.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func handler(label: String) -> some LogHandler { Handler(label: label, log: self) }

    struct Handler: LogHandler {
        let label: String
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            log.lines.withLock { $0.append("\(event.level) \(event.message) \(merged) \(event.source)") }
        }
    }
}

@Suite("Logging")
struct LoggingTests {
    @Test("no key or hash appears in any log line, at trace level, for good and bad requests")
    func noCredentialsInLogs() async throws {
        let harness = try await Harness.make()
        let captured = CapturedLog()
        let logger = Logger(label: "engel-test") { captured.handler(label: $0) }
        let app = Application(
            router: buildRouter(store: harness.store, configuration: harness.configuration), logger: logger)
        let credentials = try #require(harness.accounts["acme"])
        try await app.test(.router) { client in
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
}
