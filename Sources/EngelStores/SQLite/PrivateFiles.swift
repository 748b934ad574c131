import EngelCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that hold phone numbers are made readable by their owner only: folders Engel creates are
/// 0700 and database files 0600. SQLite gives a database's `-wal` and `-shm` files the database
/// file's own permissions, so making the database file first is enough for all three.
enum PrivateFiles {
    /// The permissions of every file Engel creates for data.
    static let fileMode: mode_t = 0o600
    /// The permissions of every folder Engel creates for data.
    static let folderMode: Int = 0o700

    /// Creates `folder` (and any missing parents) readable by the owner only, unless it exists.
    static func makeFolder(_ folder: URL) throws {
        var made = ""
        for component in folder.standardizedFileURL.path.split(separator: "/") {
            made += "/" + component
            var status = stat()
            if stat(made, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { continue }
            guard mkdir(made, mode_t(folderMode)) == 0 || errno == EEXIST else {
                throw StoreError.invalidLocation(
                    "cannot create the folder \(made): \(String(cString: strerror(errno)))")
            }
            var created = stat()
            guard stat(made, &created) == 0, created.st_mode & S_IFMT == S_IFDIR else {
                throw StoreError.invalidLocation("cannot create the folder \(made): a file is in its place")
            }
        }
    }

    /// Creates `path` empty and readable by the owner only, unless it exists; returns whether it did.
    @discardableResult
    static func makeFile(_ path: String) throws -> Bool {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            if errno == EEXIST { return false }
            throw StoreError.invalidLocation("cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        // The umask may have taken bits away, never added any: the mode is exactly 0600 now.
        fchmod(descriptor, fileMode)
        close(descriptor)
        return true
    }

    /// Whether the file at `path` can be read by its group or by others.
    static func isReadableByOthers(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        return status.st_mode & 0o044 != 0
    }
}
