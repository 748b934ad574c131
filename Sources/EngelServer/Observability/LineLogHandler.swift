public import Logging

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes each log event as one line on standard error:
/// `2026-11-23T17:19:18.123Z info engel: code=200 hb.request.id=… [EngelServer] answered`.
///
/// Metadata is kept as given and formatted only when a line is written. (swift-log's
/// `StreamLogHandler` formats all of it again on every change, and Hummingbird gives every request's
/// logger a new id: that cost every request a few percent of the server's time, logged or not.)
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let descriptor: Int32

    /// A handler for the logger `label`, writing events at `logLevel` and above to standard error.
    public init(label: String, logLevel: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, logLevel: logLevel, metadataProvider: metadataProvider, descriptor: 2)
    }

    /// A handler writing to the file descriptor `descriptor` (tests pass a pipe's).
    init(label: String, logLevel: Logger.Level, metadataProvider: Logger.MetadataProvider?, descriptor: Int32) {
        self.label = label
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
        self.descriptor = descriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Self.line(
            timestamp: Self.timestamp(), level: event.level, label: label, metadata: effectiveMetadata(of: event),
            source: event.source, message: event.message.description)
        // One write per line, so lines from concurrent requests do not interleave.
        line.withUTF8 { bytes in
            guard let start = bytes.baseAddress else { return }
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, start + written, bytes.count - written)
                if result > 0 {
                    written += result
                } else if result < 0 && errno == EINTR {
                    continue
                } else {
                    return  // Nowhere left to report a failing log stream.
                }
            }
        }
    }

    private func effectiveMetadata(of event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, provided in provided } }
        if let explicit = event.metadata { merged.merge(explicit) { _, explicit in explicit } }
        if let error = event.error { merged["error"] = "\(error)" }
        return merged
    }

    /// One line, keys sorted so lines about the same thing read alike.
    static func line(
        timestamp: String, level: Logger.Level, label: String, metadata: Logger.Metadata, source: String,
        message: String
    ) -> String {
        var line = "\(timestamp) \(level) \(label):"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += " [\(source)] \(message)\n"
        return line
    }

    /// Now in UTC, to the millisecond.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))T"
            + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2))."
            + "\(padded(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
