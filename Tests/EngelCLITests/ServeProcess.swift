import EngelCore
import EngelServer
import Foundation
import IletiMerkezi
import Logging

/// The built `engel serve` as a child process on a free port of 127.0.0.1, started once it has
/// announced where it listens.
struct ServeProcess {
    let process: Process
    let port: Int
    /// All it printed up to that announcement, the first account's credentials included when it
    /// made one.
    let announced: String
    /// `https` when it serves TLS, else `http`.
    let scheme: String

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    /// Starts `engel serve` on `database` with `arguments` added, logging nothing; throws
    /// ``NotListening`` with what it printed when it stops without listening.
    static func start(database: DatabaseLocation, arguments: [String] = []) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = try ClosedPipeTests.executable()
        process.arguments =
            ["serve", "--database", "\(database)", "--port", "0", "--log-level", "critical"] + arguments
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        try? output.fileHandleForWriting.close()
        let text = await announcement(from: output.fileHandleForReading)
        guard let match = text.firstMatch(of: /listening on (https?):\/\/127\.0\.0\.1:(\d+)\//), let port = Int(match.2)
        else {
            process.terminate()
            throw NotListening(output: text)
        }
        return ServeProcess(process: process, port: port, announced: text, scheme: String(match.1))
    }

    /// What `reader` gives up to the line saying where the server listens, or up to its end; read
    /// on a thread of its own, as `availableData` blocks (`read(upToCount:)` would wait for the
    /// whole count), and waiting on the concurrency pool would starve the rest of the suite.
    private static func announcement(from reader: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var received = ""
                while !(received.contains("listening on") && received.hasSuffix("\n")) {
                    let more = reader.availableData
                    if more.isEmpty { break }
                    received += String(decoding: more, as: UTF8.self)
                }
                continuation.resume(returning: received)
            }
        }
    }

    /// SIGKILL: no shutdown, no last write.
    func kill() {
        guard process.isRunning else { return }
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    struct NotListening: Error, CustomStringConvertible {
        let output: String
        var description: String { "engel serve did not say where it listens: \(output)" }
    }
}

/// What the tests that run `engel serve` set up first: the account `acme` on the database (and,
/// when asked, a webhook of it), made through a store that is closed again before any server
/// opens the database.
struct ServedAccount {
    let credentials: IssuedCredentials
    /// The webhook made with the account, when one was asked for.
    let webhook: Webhook?

    /// Creates `acme` on `database`, with a webhook to `webhookURL` when one is given.
    static func create(on database: DatabaseLocation, webhookTo webhookURL: String? = nil) async throws
        -> ServedAccount
    {
        let store = try await database.open(logger: Logger(label: "test"))
        do {
            let credentials = try await AccountAdministration(store: store).create(named: "acme").credentials
            var webhook: Webhook?
            if let webhookURL {
                webhook = try await WebhookAdministration(store: store).add(account: "acme", url: webhookURL).webhook
            }
            await store.close()
            return ServedAccount(credentials: credentials, webhook: webhook)
        } catch {
            await store.close()
            throw error
        }
    }

    /// A client of `server` with the account's credentials that never retries, so a test sees
    /// each failure as it happens.
    func client(of server: ServeProcess) -> BlacklistClient {
        BlacklistClient(
            configuration: .init(
                baseURL: server.baseURL, credentials: .init(key: credentials.key, hash: credentials.hash),
                retry: .none))
    }
}
