public import Logging
public import Synchronization

/// Keeps every log line, rendered with its metadata.
public final class CapturedLog: Sendable {
    /// Creates an empty log.
    public init() {}

    /// Every line so far.
    public let lines = Mutex<[String]>([])

    /// Every line, one per line.
    public var text: String { lines.withLock { $0.joined(separator: "\n") } }

    /// A handler writing here.
    public func handler(label: String) -> some LogHandler { Handler(label: label, log: self) }

    /// A logger at trace level writing here.
    public var logger: Logger { Logger(label: "engel-test") { self.handler(label: $0) } }

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
