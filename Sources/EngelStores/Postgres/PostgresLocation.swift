import Foundation

/// A PostgreSQL server and database, parsed from a `postgres://user:password@host:port/database` URL.
///
/// `description` never shows the password.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// How to use TLS, from the URL's `sslmode` (`disable`, `prefer`, the default, or `require`).
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or nothing.
        case require
    }

    /// The server's host name or address.
    public let host: String
    /// The server's port.
    public let port: Int
    /// The role to log in as.
    public let username: String
    /// The role's password, if any.
    public let password: String?
    /// The database name.
    public let database: String
    /// TLS use.
    public let tls: TLSMode

    /// Creates a location from parts.
    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a `postgres://` or `postgresql://` URL; `nil` with a reason in `failure` otherwise.
    public init(url text: String) throws(PostgresLocationError) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresLocationError("not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresLocationError("the PostgreSQL URL names no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw PostgresLocationError("the PostgreSQL URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw PostgresLocationError("the PostgreSQL URL names no database (postgres://USER@HOST/DATABASE)")
        }
        var tls = TLSMode.prefer
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw PostgresLocationError("unknown sslmode \(mode): use disable, prefer or require")
            }
            tls = parsed
        }
        self.init(
            host: host, port: components.port ?? 5432, username: username.removingPercentEncoding ?? username,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database, tls: tls)
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// The same server, another database.
    public func with(database: String) -> PostgresLocation {
        PostgresLocation(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}

/// A PostgreSQL URL that cannot be used.
public struct PostgresLocationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
