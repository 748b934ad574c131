import ArgumentParser
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import IletiMerkezi
import Prometheus
import Testing

@testable import EngelCLI

/// `engel filter` as a shell pipeline runs it: the built executable, recipients on stdin or in a
/// file, the numbers to send to on stdout and the invalid lines on stderr.
@Suite("engel filter as a pipeline step", .sharedServer)
struct FilterProcessTests {
    /// `--url`, `--key` and `--hash` of `account` on the suite's server.
    private func connection(_ server: TestServer, _ account: TestAccount) -> [String] {
        ["--url", server.live.baseURL, "--key", account.credentials.key, "--hash", account.credentials.hash]
    }

    private func recipientsFile(_ text: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("engel-filter-\(UUID().uuidString)")
        try Data(text.utf8).write(to: file)
        return file.path
    }

    @Test("stdin in, the sendable numbers out in input order once each, invalid lines on stderr, status 0")
    func stdinToStdout() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        try await server.load(["905321234567"], into: account, at: Date())
        let input = try recipientsFile("905301234567\n12\n905321234567\n0530 123 45 67\n5441234567\n")
        defer { try? FileManager.default.removeItem(atPath: input) }
        let engel = try ClosedPipeTests.executable().path

        let sendable = try await runChildProcess(engel, ["filter", "-"] + connection(server, account), input: input)
        #expect(sendable.status == 0)
        #expect(sendable.output == "+905301234567\n+905441234567\n")
        #expect(sendable.errors == "line 2\t12\tinvalid number\n")

        let blocked = try await runChildProcess(engel, ["filter", "--listed", input] + connection(server, account))
        #expect(blocked.status == 0)
        #expect(blocked.output == "+905321234567\n")
        #expect(blocked.errors == "line 2\t12\tinvalid number\n")
    }

    @Test("a failed request exits non-zero with the reason on stderr and nothing on stdout")
    func failures() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let input = try recipientsFile("905301234567\n")
        defer { try? FileManager.default.removeItem(atPath: input) }
        let engel = try ClosedPipeTests.executable().path

        // Port 1 of the loopback address: nothing listens there, so the connection is refused.
        let refused = try await runChildProcess(
            engel,
            [
                "filter", input, "--url", "http://127.0.0.1:1", "--key", account.credentials.key, "--hash",
                account.credentials.hash,
            ])
        #expect(refused.status != 0)
        #expect(refused.output.isEmpty)
        #expect(!refused.errors.isEmpty)

        let wrongHash = try await runChildProcess(
            engel,
            [
                "filter", input, "--url", server.live.baseURL, "--key", account.credentials.key, "--hash",
                String(repeating: "0", count: 64),
            ])
        #expect(wrongHash.status != 0)
        #expect(wrongHash.output.isEmpty)
        #expect(wrongHash.errors.contains("401"))
    }
}

/// Which methods the CLI asks, read from the server's request counters.
@Suite("engel check on an Engel server")
struct CheckMethodTests {
    @Test("asks check-blacklist once, never pages the list")
    func checkBlacklist() async throws {
        let store = MemoryStore()
        let registry = PrometheusCollectorRegistry()
        let configuration = try ServerConfiguration.resolve(.init(), environment: [:])
        let credentials = try await AccountAdministration(store: store).create(named: "acme").credentials
        try await LiveServer.with(.engel(store: store, configuration: configuration, metrics: registry)) { server in
            let client = BlacklistClient(
                configuration: .init(
                    baseURL: server.baseURL + "/v1/",
                    credentials: .init(key: credentials.key, hash: credentials.hash), retry: .none))
            let output = CapturedOutput()
            let actions = ClientActions(client: client, output: output, diagnostics: output)
            try await actions.add(["905321234567"])
            await #expect(throws: ExitCode.failure) {
                try await actions.check(["905321234567", "905441234567"])
            }
            #expect(output.contents.hasSuffix("+905321234567\tlisted\n+905441234567\tnot listed\n"))
        }
        let counted = registry.emitToString().split(separator: "\n").filter {
            $0.hasPrefix("engel_http_requests_total{")
        }
        #expect(counted.contains { $0.contains("endpoint=\"/v1/check-blacklist/json\"") && $0.hasSuffix(" 1") })
        #expect(!counted.contains { $0.contains("endpoint=\"/v1/get-blacklist/json\"") })
    }
}
