import Foundation

/// Where the store lives, as given by `--database` / `ENGEL_DATABASE`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(path: String)

    /// Parses `sqlite:PATH`, `sqlite://PATH` or a plain file path.
    public init(parsing text: String) throws(ConfigurationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ConfigurationError("the database location is empty") }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            throw ConfigurationError("PostgreSQL is not supported by this build yet; use an SQLite file")
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
