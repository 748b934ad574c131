import EngelCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A reason the server cannot start, told as one sentence naming the cause and the next step, with
/// the exit status sysexits.h gives it: what `engel serve` and `engel migrate` print instead of the
/// error's own text.
public struct StartupFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the operator reads.
    public let sentence: String
    /// The process's exit status, from sysexits.h.
    public let status: Int32

    public var description: String { sentence }

    /// sysexits.h: the input data was incorrect.
    public static let dataError: Int32 = 65
    /// sysexits.h: a service is unavailable.
    public static let unavailable: Int32 = 69
    /// sysexits.h: a file cannot be created.
    public static let cannotCreate: Int32 = 73
    /// sysexits.h: permission denied.
    public static let noPermission: Int32 = 77
    /// sysexits.h: something was found in a configuration state it should not be in.
    public static let configuration: Int32 = 78

    /// The failure `error` is when starting with `configuration`; `nil` for an error that is not a
    /// known start-up failure (a defect, reported as it is).
    public init?(explaining error: any Error, configuration: ServerConfiguration) {
        let place = "\(configuration.host):\(configuration.port)"
        switch error {
        case let failure as StartupFailure:
            self = failure
        case let failure as IOError where failure.errnoCode == EADDRINUSE:
            self.init(
                "Another program is listening on \(place) already: stop it, or choose another port with --port.",
                Self.unavailable)
        case let failure as IOError where failure.errnoCode == EACCES:
            self.init(
                "This user may not listen on \(place): choose a port above 1023 with --port.", Self.noPermission)
        case let failure as TLSFilesUnusable:
            self.init(
                "The TLS files cannot serve: \(failure.description). Give a PEM certificate chain with --tls-cert "
                    + "and its PEM key with --tls-key.", Self.configuration)
        case StoreError.invalidLocation(let detail):
            self.init(
                "The database cannot be made or opened (\(detail)): point --database at a folder this user can "
                    + "write.", Self.cannotCreate)
        case StoreError.notEngelDatabase(let detail):
            self.init(
                "The database is not Engel's (\(detail)): point --database at Engel's file, or at a new path to "
                    + "start an empty one.", Self.dataError)
        case StoreError.damaged(let detail):
            self.init(
                "The database is damaged (\(detail)): restore it from a backup (README, \"Backups\").",
                Self.dataError)
        case StoreError.newerSchema(let found, let known):
            self.init(
                "The database was written by a newer Engel (schema \(found); this one knows up to \(known)): run "
                    + "that version, or restore a backup made by this one.", Self.configuration)
        case StoreError.unreachable(let detail):
            self.init(
                "PostgreSQL cannot be reached (\(detail)): check that it runs and that --database names its host "
                    + "and port.", Self.unavailable)
        case StoreError.credentialsRefused(let detail):
            self.init(
                "PostgreSQL refused the login (\(detail)): check the user, password and database in --database.",
                Self.noPermission)
        default:
            return nil
        }
    }

    private init(_ sentence: String, _ status: Int32) {
        self.sentence = sentence
        self.status = status
    }
}
