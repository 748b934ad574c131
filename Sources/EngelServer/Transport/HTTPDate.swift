import Foundation
import Synchronization

/// The `Date` header's value (RFC 9110's IMF-fixdate), made once a second rather than per answer.
enum HTTPDate {
    /// Now, to the second, e.g. `Sun, 29 Nov 2026 21:18:18 GMT`.
    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return cache.withLock { cache in
            if cache.second != second { cache = Cache(second: second, text: cache.format(second)) }
            return cache.text
        }
    }

    /// `secondsSince1970` as an IMF-fixdate.
    static func format(_ secondsSince1970: Int) -> String {
        cache.withLock { $0.format(secondsSince1970) }
    }

    /// The latest second's text; the formatter (not thread-safe) is used only under the lock.
    private struct Cache {
        var second: Int
        var text: String

        func format(_ secondsSince1970: Int) -> String {
            Self.formatter.string(from: Date(timeIntervalSince1970: TimeInterval(secondsSince1970)))
        }

        private static let formatter: DateFormatter = {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter
        }()
    }

    private static let cache = Mutex(Cache(second: -1, text: ""))
}
