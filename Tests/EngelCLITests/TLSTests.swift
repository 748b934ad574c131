import AsyncHTTPClient
import EngelServer
import EngelTestSupport
import Foundation
import IletiMerkezi
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
    func certificate(_ name: String, in folder: URL) async throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("\(name).crt").path
        let key = folder.appendingPathComponent("\(name).key").path
        let status = try await run(
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

    /// Runs `executable` with `arguments` to the end (``runChildProcess(_:_:input:)``).
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        let ended = try await runChildProcess(executable, arguments)
        return (ended.status, ended.output, ended.errors)
    }

    /// `curl`'s HTTP status for `url`, trusting only `caFile`; `nil` when no answer came (the TLS
    /// handshake failed, or nothing listens).
    func status(of url: String, trusting caFile: String?) async throws -> Int? {
        var arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5"]
        if let caFile { arguments += ["--cacert", caFile] }
        let (exit, output, _) = try await run("/usr/bin/env", arguments + [url])
        guard exit == 0, let code = Int(output), code > 0 else { return nil }
        return code
    }

    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engel-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// `engel serve` on the folder's own database, with `arguments`.
    func serve(_ arguments: [String], in folder: URL) async throws -> ServeProcess {
        try await ServeProcess.start(
            database: try DatabaseLocation(parsing: "sqlite:" + folder.appendingPathComponent("e.sqlite").path),
            arguments: arguments)
    }

    @Test("serves HTTPS with the certificate given, and a SIGHUP swaps in new files without a restart")
    func servesAndReloads() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await certificate("first", in: folder)
        let second = try await certificate("second", in: folder)
        let served = folder.appendingPathComponent("served.crt").path
        let servedKey = folder.appendingPathComponent("served.key").path
        try FileManager.default.copyItem(atPath: first.certificate, toPath: served)
        try FileManager.default.copyItem(atPath: first.key, toPath: servedKey)

        let server = try await serve(["--tls-cert", served, "--tls-key", servedKey], in: folder)
        let (process, url) = (server.process, server.baseURL)
        defer { if process.isRunning { process.terminate() } }
        #expect(url.hasPrefix("https://127.0.0.1:"))
        #expect(try await status(of: url + "/healthz", trusting: first.certificate) == 200)
        // Not the other certificate, and not plain HTTP.
        #expect(try await status(of: url + "/healthz", trusting: second.certificate) == nil)
        #expect(
            try await status(of: url.replacingOccurrences(of: "https", with: "http") + "/healthz", trusting: nil) != 200
        )

        for (from, to) in [(second.certificate, served), (second.key, servedKey)] {
            try FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
        kill(process.processIdentifier, SIGHUP)
        var reloaded = false
        let deadline = ContinuousClock.now + .seconds(10)
        while !reloaded, ContinuousClock.now < deadline {
            reloaded = try await status(of: url + "/healthz", trusting: second.certificate) == 200
            if !reloaded { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(reloaded)
        #expect(process.isRunning)

        // A SIGHUP with broken files keeps the certificate in use.
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: served))
        kill(process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning)
        #expect(try await status(of: url + "/healthz", trusting: second.certificate) == 200)

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("files it cannot use, or only one of the two, stop it before it listens, saying which")
    func refusesUnusableFiles() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try await certificate("good", in: folder)
        let other = try await certificate("other", in: folder)
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
            let (status, _, said) = try await run(
                engel, ["serve", "--port", "0", "--database", database] + arguments)
            #expect(status == expected, "\(arguments): \(said)")
            #expect(said.contains(mention), "\(arguments): \(said)")
            #expect(said.contains("--tls-cert"), "\(arguments): \(said)")
        }
        // The database was not even made: the files are checked first.
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("e.sqlite").path))

        let (status, _, said) = try await run(
            engel, ["serve", "--port", "0", "--database", database, "--tls-cert", good.certificate])
        #expect(said.contains("--tls-key"), "\(said)")
        #expect(status != 0)
    }

    @Test("an expired certificate, or one expiring within a week, is served with a warning")
    func expiryWarns() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try await certificate("soon", in: folder)
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

    @Test("the SDK and the CLI reach an HTTPS server trusting its certificate with --ca-file, and not without")
    func clientsTrustTheFile() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let made = try await certificate("server", in: folder)
        let server = try await serve(["--tls-cert", made.certificate, "--tls-key", made.key], in: folder)
        let (process, url, announced) = (server.process, server.baseURL, server.announced)
        defer { if process.isRunning { process.terminate() } }
        func value(_ label: String) throws -> String {
            let line = try #require(announced.split(separator: "\n").first { $0.hasPrefix(label) })
            return String(line.dropFirst(label.count)).trimmingCharacters(in: .whitespaces)
        }
        let credentials = BlacklistClient.Credentials(key: try value("Key:"), hash: try value("Hash:"))

        let httpClient = try BlacklistClient.makeHTTPClient(trustingCertificatesIn: made.certificate)
        let client = BlacklistClient(
            configuration: .init(baseURL: url, credentials: credentials, retry: .none), httpClient: httpClient)
        try await client.add("905321234567", reason: "over TLS")
        #expect(try await client.check(["905321234567"]).listed == ["+905321234567"])
        try await httpClient.shutdown()
        // The system's trust store does not know a self-signed certificate. (The HTTP client keeps
        // trying to connect until the request's deadline: a short one keeps the test short.)
        let untrusting = BlacklistClient(
            configuration: .init(baseURL: url, credentials: credentials, timeout: .seconds(2), retry: .none))
        await #expect(throws: IletiMerkeziError.self) { try await untrusting.add("905321234568") }

        let engel = try ClosedPipeTests.executable().path
        let common = ["--url", url, "--key", credentials.key, "--hash", credentials.hash, "--retries", "0"]
        let trusted = try await run(engel, ["add", "905321234569"] + common + ["--ca-file", made.certificate])
        #expect(trusted.status == 0, "\(trusted.errors)")
        let listed = try await run(engel, ["list"] + common + ["--ca-file", made.certificate])
        #expect(listed.output.contains("+905321234569"), "\(listed.errors)")
        let refused = try await run(engel, ["add", "905321234570", "--timeout", "2"] + common)
        #expect(refused.status != 0)
        let missing = try await run(
            engel, ["add", "905321234570"] + common + ["--ca-file", folder.path + "/none.pem"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("none.pem"), "\(missing.errors)")
    }
}
