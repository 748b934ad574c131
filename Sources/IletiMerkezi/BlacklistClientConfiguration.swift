public import Foundation

extension BlacklistClient {
    /// The key and hash every request authenticates with.
    ///
    /// Both are secrets: `description` never shows them.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible {
        /// The environment variable holding the API key.
        public static let keyVariable = "ILETIMERKEZI_API_KEY"
        /// The environment variable holding the hash.
        public static let hashVariable = "ILETIMERKEZI_API_HASH"

        /// The account's API key.
        public var key: String
        /// The hash the panel shows: hex(HMAC-SHA256(key: secret, message: key)).
        public var hash: String

        /// Creates credentials from a key and hash.
        public init(key: String, hash: String) {
            self.key = key
            self.hash = hash
        }

        /// Reads `ILETIMERKEZI_API_KEY` and `ILETIMERKEZI_API_HASH`; `nil` when either is unset or empty.
        public static func fromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment
        ) -> Credentials? {
            guard let key = environment[keyVariable], !key.isEmpty,
                let hash = environment[hashVariable], !hash.isEmpty
            else { return nil }
            return Credentials(key: key, hash: hash)
        }

        public var description: String { "Credentials(redacted)" }
    }

    /// When and how often a failed request is sent again.
    ///
    /// Only answers that may succeed on a second try are retried: 503 and transport failures
    /// (including timeouts). Every method is safe to retry: add is idempotent, listing reads, and a
    /// remove whose earlier attempt may have landed treats a later 474 as success.
    public struct RetryPolicy: Sendable, Hashable {
        /// Attempts in all, the first included; 1 disables retries.
        public var maximumAttempts: Int
        /// The wait before the first retry; each later wait doubles, up to ``maximumDelay``.
        public var initialDelay: Duration
        /// The longest wait between attempts.
        public var maximumDelay: Duration

        /// Creates a policy.
        public init(
            maximumAttempts: Int = 3, initialDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(8)
        ) {
            self.maximumAttempts = max(1, maximumAttempts)
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
        }

        /// One attempt only.
        public static let none = RetryPolicy(maximumAttempts: 1)

        /// The wait before attempt `attempt` (2 for the first retry).
        func delay(beforeAttempt attempt: Int) -> Duration {
            var delay = initialDelay
            for _ in 2..<max(2, attempt) {
                delay = delay * 2
                if delay >= maximumDelay { return maximumDelay }
            }
            return min(delay, maximumDelay)
        }
    }

    /// Where the client sends requests, as whom, and how patiently.
    public struct Configuration: Sendable {
        /// The live iletiMerkezi API.
        public static let liveBaseURL = "https://api.iletimerkezi.com/v1/"

        /// The base every method's path is appended to, such as `https://api.iletimerkezi.com/v1/`
        /// or an Engel server's `http://127.0.0.1:8080/v1/`.
        public var baseURL: String
        /// The key and hash.
        public var credentials: Credentials
        /// How long one attempt may take, from connecting to the last byte of the answer.
        public var timeout: Duration
        /// How failed attempts are retried.
        public var retry: RetryPolicy

        /// Creates a configuration.
        ///
        /// A `baseURL` without a path (`http://127.0.0.1:8080`) means its `/v1/`, where the API lives.
        public init(
            baseURL: String = Configuration.liveBaseURL, credentials: Credentials, timeout: Duration = .seconds(30),
            retry: RetryPolicy = RetryPolicy()
        ) {
            self.baseURL = baseURL
            self.credentials = credentials
            self.timeout = timeout
            self.retry = retry
        }

        /// The URL of `method`, such as `add-blacklist/json`.
        func url(of method: String) -> String {
            var base = baseURL
            if let components = URLComponents(string: base), components.path.isEmpty || components.path == "/" {
                base = base.hasSuffix("/") ? base + "v1/" : base + "/v1/"
            }
            if !base.hasSuffix("/") { base += "/" }
            return base + method
        }
    }
}
