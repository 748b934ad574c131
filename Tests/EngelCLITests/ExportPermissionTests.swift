import EngelCore
import EngelTestSupport
import Foundation
import Testing

/// An export is the user's own file, not the database: it takes the permissions the user's umask
/// gives new files (the database and backups are 0600 whatever the umask).
@Suite("engel export and the umask", .sharedServer)
struct ExportPermissionTests {
    @Test(
        "an export file's mode is what the umask leaves of 0666",
        arguments: [("022", 0o644), ("077", 0o600), ("002", 0o664)])
    func followsUmask(umask: String, mode: Int) async throws {
        let server = try TestServer.current
        let account = try await server.account()
        try await server.load(["905321234567"], into: account, at: Date())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engel-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let engel = try ClosedPipeTests.executable().path
        for (name, extra) in [("plain.txt", []), ("detail.csv", ["--detail"])] {
            let path = folder.appendingPathComponent(name).path
            // The umask is the shell's, as a user's would be: setting it in this process would
            // reach every test running beside this one.
            let command =
                "umask \(umask) && exec '\(engel)' export \(extra.joined(separator: " ")) --output '\(path)' "
                + "--url \(server.live.baseURL) --key \(account.credentials.key) --hash \(account.credentials.hash)"
            let ran = try await TLSTests().run("/bin/sh", ["-c", command])
            #expect(ran.status == 0, "\(ran.errors)")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let permissions = try #require(attributes[.posixPermissions] as? Int)
            #expect(permissions == mode, "\(name) under umask \(umask): \(String(permissions, radix: 8))")
        }
    }
}
