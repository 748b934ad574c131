public import EngelStores
import Foundation

/// Where the store lives, as given by `--database` / `ENGEL_DATABASE`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// Parses `postgres://…` (or `postgresql://…`), `sqlite:PATH`, `sqlite://PATH` or a plain file path.
    public init(parsing text: String) throws(ConfigurationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigurationError("the database location is empty") }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            do {
                self = .postgres(try PostgresLocation(url: trimmed))
            } catch {
                throw ConfigurationError(error.description)
            }
            return
        }
        var path = trimmed
        for scheme in ["sqlite://", "sqlite:"] where path.hasPrefix(scheme) {
            path.removeFirst(scheme.count)
            break
        }
        guard !path.isEmpty else { throw ConfigurationError("the SQLite location \(text) names no file") }
        self = .sqlite(path: (path as NSString).expandingTildeInPath)
    }

    /// The default: `engel.sqlite` in `$XDG_DATA_HOME/engel` (or `~/.local/share/engel`).
    public static func defaultLocation(environment: [String: String]) -> DatabaseLocation {
        let base: String
        if let dataHome = environment["XDG_DATA_HOME"], !dataHome.isEmpty {
            base = dataHome
        } else if let home = environment["HOME"], !home.isEmpty {
            base = home + "/.local/share"
        } else {
            base = FileManager.default.currentDirectoryPath + "/.engel"
        }
        return .sqlite(path: base + "/engel/engel.sqlite")
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A configuration value that cannot be used.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for the operator.
    public let description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
