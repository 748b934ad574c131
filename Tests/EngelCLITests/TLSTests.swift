import EngelServer
import EngelTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `engel serve --tls-cert --tls-key`: the built executable serves HTTPS only, reloads its files on
/// SIGHUP without stopping, and refuses to start on files it cannot use. Certificates are made with
/// `openssl` and checked with `curl`, as an operator would (scripts/test installs both).
@Suite("TLS")
struct TLSTests {
    /// A folder with a self-signed certificate for 127.0.0.1, made fresh under `name`.
    func certificate(_ name: String, in folder: URL) throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("\(name).crt").path
        let key = folder.appendingPathComponent("\(name).key").path
        let status = try run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "2", "-subj", "/CN=\(name)", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                "-out", certificate,
            ]
        ).status
        try #require(status == 0, "openssl could not make a certificate")
        return (certificate, key)
    }

    /// Runs `executable` with `arguments` to the end; its status and standard output.
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `curl`'s HTTP status for `url`, trusting only `caFile`; `nil` when no answer came (the TLS
    /// handshake failed, or nothing listens).
    func status(of url: String, trusting caFile: String?) throws -> Int? {
        var arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5"]
        if let caFile { arguments += ["--cacert", caFile] }
        let (exit, output) = try run("/usr/bin/env", arguments + [url])
        guard exit == 0, let code = Int(output), code > 0 else { return nil }
        return code
    }

    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engel-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Starts `engel serve` with `arguments` on a free port; returns the process and the URL it
    /// announced, once it answers.
    func serve(_ arguments: [String], in folder: URL) async throws -> (Process, String) {
        let process = Process()
        process.executableURL = try ClosedPipeTests.executable()
        process.arguments =
            ["serve", "--port", "0", "--database", "sqlite:" + folder.appendingPathComponent("e.sqlite").path]
            + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // `read(upToCount:)` waits for the whole count: `availableData` returns what the short
        // announcement wrote. Off the concurrency pool, which it would block.
        let reader = output.fileHandleForReading
        let announced = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var text = ""
                while !text.contains("listening on") {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                }
                continuation.resume(returning: text)
            }
        }
        let line = try #require(announced.split(separator: "\n").first { $0.contains("listening on") })
        let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http") }).replacingOccurrences(
            of: "/v1/", with: "")
        return (process, url)
    }

    @Test("serves HTTPS with the certificate given, and a SIGHUP swaps in new files without a restart")
    func servesAndReloads() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try certificate("first", in: folder)
        let second = try certificate("second", in: folder)
        let served = folder.appendingPathComponent("served.crt").path
        let servedKey = folder.appendingPathComponent("served.key").path
        try FileManager.default.copyItem(atPath: first.certificate, toPath: served)
        try FileManager.default.copyItem(atPath: first.key, toPath: servedKey)

        let (process, url) = try await serve(["--tls-cert", served, "--tls-key", servedKey], in: folder)
        defer { if process.isRunning { process.terminate() } }
        #expect(url.hasPrefix("https://127.0.0.1:"))
        #expect(try status(of: url + "/healthz", trusting: first.certificate) == 200)
        // Not the other certificate, and not plain HTTP.
        #expect(try status(of: url + "/healthz", trusting: second.certificate) == nil)
        #expect(try status(of: url.replacingOccurrences(of: "https", with: "http") + "/healthz", trusting: nil) != 200)

        for (from, to) in [(second.certificate, served), (second.key, servedKey)] {
            try FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
        kill(process.processIdentifier, SIGHUP)
        var reloaded = false
        let deadline = ContinuousClock.now + .seconds(10)
        while !reloaded, ContinuousClock.now < deadline {
            reloaded = try status(of: url + "/healthz", trusting: second.certificate) == 200
            if !reloaded { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(reloaded)
        #expect(process.isRunning)

        // A SIGHUP with broken files keeps the certificate in use.
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: served))
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning)
        #expect(try status(of: url + "/healthz", trusting: second.certificate) == 200)

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("files it cannot use, or only one of the two, stop it before it listens, saying which")
    func refusesUnusableFiles() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try certificate("good", in: folder)
        let other = try certificate("other", in: folder)
        let garbage = folder.appendingPathComponent("garbage.pem").path
        try Data("-----BEGIN CERTIFICATE-----\nnot base64\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let engel = try ClosedPipeTests.executable().path
        let database = "sqlite:" + folder.appendingPathComponent("e.sqlite").path
        let cases: [(arguments: [String], status: Int32, mentions: String)] = [
            (["--tls-cert", garbage, "--tls-key", good.key], 78, garbage),
            (["--tls-cert", good.certificate, "--tls-key", garbage], 78, garbage),
            (["--tls-cert", good.certificate, "--tls-key", other.key], 78, "does not fit"),
            (
                ["--tls-cert", folder.appendingPathComponent("missing.crt").path, "--tls-key", good.key], 78,
                "missing.crt"
            ),
        ]
        for (arguments, expected, mention) in cases {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: engel)
            process.arguments = ["serve", "--port", "0", "--database", database] + arguments
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == expected, "\(arguments): \(said)")
            #expect(said.contains(mention), "\(arguments): \(said)")
            #expect(said.contains("--tls-cert"), "\(arguments): \(said)")
        }
        // The database was not even made: the files are checked first.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("e.sqlite").path))

        let (status, _) = try run(
            engel, ["serve", "--port", "0", "--database", database, "--tls-cert", good.certificate])
        #expect(status != 0)
    }

    @Test("an expired certificate, or one expiring within a week, is served with a warning")
    func expiryWarns() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try certificate("soon", in: folder)
        let tls = try ServerTLS(certificatePath: made.certificate, keyPath: made.key)
        // openssl made it valid for two days from now.
        #expect(tls.expiry > Date().addingTimeInterval(86_400))
        let quiet = CapturedLog()
        tls.warnIfExpired(logger: quiet.logger, now: tls.expiry.addingTimeInterval(-30 * 86_400))
        #expect(quiet.text.isEmpty)
        let soon = CapturedLog()
        tls.warnIfExpired(logger: soon.logger)
        #expect(soon.text.contains("within a week"))
        let expired = CapturedLog()
        tls.warnIfExpired(logger: expired.logger, now: tls.expiry.addingTimeInterval(1))
        #expect(expired.text.contains("has expired"))
        #expect(expired.text.contains(made.certificate))
    }
}
