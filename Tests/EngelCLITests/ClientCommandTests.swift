import ArgumentParser
import EngelCore
import EngelTestSupport
import EngelWire
import Foundation
import IletiMerkezi
import Synchronization
import Testing

@testable import EngelCLI

/// The client commands' actions for `account` on `server`, capturing stdout and stderr.
struct ClientRun: Sendable {
    let output = CapturedOutput()
    let diagnostics = CapturedOutput()
    let actions: ClientActions

    init(_ server: TestServer, _ account: TestAccount, concurrency: Int = 8, batchSize: Int? = nil) {
        actions = ClientActions(
            client: server.client(account), output: output, diagnostics: diagnostics, concurrency: concurrency,
            progress: .silent, batchSize: batchSize ?? BlacklistClient.batchLimit)
    }
}

/// One server for the suite, as `engel serve` runs it over SQLite; each test has its own accounts.
@Suite("engel client commands against a live server", .sharedServer)
struct ClientCommandTests {
    @Test("import of a few thousand numbers with invalid lines: failures reported by line, safe to rerun")
    func bulkImport() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        var lines = ["number,name"]
        var invalidLines: [Int] = []
        for index in 0..<3000 {
            if index % 600 == 17 {
                lines.append("905999\(100_000 + index),bad")
                invalidLines.append(lines.count)
            } else {
                lines.append("90532\(1_000_000 + index),person \(index)")
            }
        }
        let file = lines.joined(separator: "\n") + "\n"
        // Batches of 1,000: several requests, two at a time.
        for summary in ["imported 2995 of 3000, 5 failed\n", "imported 2995 of 3000 (2995 already listed), 5 failed\n"]
        {
            let run = ClientRun(server, account, batchSize: 1000)
            await #expect(throws: ExitCode.failure) { try await run.actions.importNumbers(from: file) }
            let report = run.diagnostics.contents
            #expect(report.hasPrefix(summary))
            for line in invalidLines {
                #expect(report.contains("line \(line)\t"))
            }
            #expect(report.components(separatedBy: "\t466\tinvalid number: Hatalı numara").count == 6)
            let listed1 = try await server.client(account).page(rowCount: 1)
            #expect(listed1.count == 2995)
        }
    }

    @Test("export round-trips through import, as CSV and as plain lines")
    func exportRoundTrip() async throws {
        let server = try TestServer.current
        let source = try await server.account("source")
        let copy = try await server.account("copy")
        let plainCopy = try await server.account("plain")
        let numbers = (0..<1234).map { "90544\(2_000_000 + $0 * 7)" }
        try await ClientRun(server, source).actions.add(numbers)

        let exported = ClientRun(server, source)
        try await exported.actions.export(csv: true, to: nil)
        #expect(exported.output.contents.hasPrefix("number\n+90544"))
        #expect(exported.diagnostics.contents == "exported 1234 numbers\n")
        try await ClientRun(server, copy).actions.importNumbers(from: exported.output.contents)
        let copied = ClientRun(server, copy)
        try await copied.actions.export(csv: true, to: nil)
        #expect(
            Set(copied.output.contents.split(separator: "\n"))
                == Set(exported.output.contents.split(separator: "\n")))

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("engel-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: path) }
        try await ClientRun(server, source).actions.export(csv: false, to: path.path)
        let plain = try String(contentsOf: path, encoding: .utf8)
        #expect(plain.split(separator: "\n").count == 1234)
        try await ClientRun(server, plainCopy).actions.importNumbers(from: plain)
        let listed2 = try await server.client(plainCopy).page(rowCount: 1)
        #expect(listed2.count == 1234)
    }

    @Test("add is idempotent; remove fails with 474 unless --ignore-missing")
    func addAndRemove() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        try await ClientRun(server, account).actions.add(["905321234567", "5441234567"])
        let again = ClientRun(server, account)
        try await again.actions.add(["+905321234567"])
        #expect(again.diagnostics.contents == "added 1 of 1 (1 already listed)\n")

        let strict = ClientRun(server, account)
        await #expect(throws: ExitCode.failure) {
            try await strict.actions.remove(["905321234567", "905301234567"], ignoringMissing: false)
        }
        #expect(
            strict.diagnostics.contents
                == "removed 1 of 2, 1 failed\n"
                + "  line 2\t905301234567\t474\tnot on the list: Bu numara üzerindeki engelleme kaldırılamaz\n")

        let lenient = ClientRun(server, account)
        await #expect(throws: ExitCode.failure) {
            try await lenient.actions.remove(["905321234567", "5441234567", "12"], ignoringMissing: true)
        }
        #expect(
            lenient.diagnostics.contents
                == "removed 2 of 3 (1 not listed), 1 failed\n  line 3\t12\t466\tinvalid number: Hatalı numara\n")
        let listed3 = try await server.client(account).page()
        #expect(listed3.count == 0)
    }

    @Test("list prints every page as text, JSON or CSV, within date bounds")
    func list() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        // Listed a day apart at known times: the server's clock is the real one, shared by the suite.
        let first = Date(timeIntervalSince1970: 1_775_000_000)
        let second = first.addingTimeInterval(86_400)
        try await server.load(["905321234567"], into: account, at: first)
        try await server.load(["905321234568"], into: account, at: second)

        let text = ClientRun(server, account)
        try await text.actions.list(from: nil, to: nil, format: .text)
        #expect(text.output.contents == "+905321234567\n+905321234568\n")
        let json = ClientRun(server, account)
        try await json.actions.list(from: second, to: nil, format: .json)
        #expect(try JSONDecoder().decode([String].self, from: Data(json.output.contents.utf8)) == ["+905321234568"])
        let csv = ClientRun(server, account)
        try await csv.actions.list(from: nil, to: second.addingTimeInterval(-1), format: .csv)
        #expect(csv.output.contents == "number\n+905321234567\n")
        let empty = ClientRun(server, account)
        try await empty.actions.list(from: second.addingTimeInterval(10), to: nil, format: .json)
        #expect(empty.output.contents == "[]\n")
    }

    @Test("check asks check-blacklist and tells listed, not listed and invalid apart")
    func check() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        try await ClientRun(server, account).actions.add((0..<30).map { "90532\(1_000_000 + $0)" })
        let listed = ClientRun(server, account)
        try await listed.actions.check(["5321000029", "+90 532 100 00 00"])
        #expect(listed.output.contents == "+905321000029\tlisted\n+905321000000\tlisted\n")

        let mixed = ClientRun(server, account)
        await #expect(throws: ExitCode.failure) {
            try await mixed.actions.check(["905321000001", "905441234567", "12"])
        }
        #expect(mixed.output.contents == "+905321000001\tlisted\n+905441234567\tnot listed\n12\tinvalid number\n")
    }

    @Test("wrong credentials stop a bulk run at once instead of failing every number")
    func stopsOnAuthentication() async throws {
        let client = BlacklistClient(
            configuration: .init(
                baseURL: try TestServer.current.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
        let output = CapturedOutput()
        let actions = ClientActions(client: client, output: output, diagnostics: output, concurrency: 2)
        await #expect(throws: ExitCode.failure) {
            try await actions.add((0..<500).map { "90532\(1_000_000 + $0)" })
        }
        #expect(output.contents.contains("stopped early: authentication failed (401 Üyelik bilgileri hatalı)"))
        #expect(output.contents.contains("not attempted"))
    }
}

@Suite("Client command building blocks")
struct ClientBuildingBlockTests {
    @Test("number files: plain lines, CSV with a header, quotes, BOM, CRLF, comments")
    func numberFiles() {
        #expect(
            NumberFile.parse("905321234567\n\n# note\r\n 5441234567 \n")
                == [NumberLine(line: 1, text: "905321234567"), NumberLine(line: 4, text: "5441234567")])
        #expect(
            NumberFile.parse("\u{FEFF}name;Telefon\r\nAyşe;\"0532 123 45 67\"\r\n\"Ali, Veli\";5441234567")
                == [NumberLine(line: 2, text: "0532 123 45 67"), NumberLine(line: 3, text: "5441234567")])
        #expect(NumberFile.parse("number\n+905321234567\n") == [NumberLine(line: 2, text: "+905321234567")])
        #expect(NumberFile.parse("905321234567,x\nabc,y\n").map(\.text) == ["905321234567", "abc"])
        #expect(NumberFile.splitFields("\"a \"\"b\"\"\",c") == ["a \"b\"", "c"])
    }

    @Test("progress shows count, percentage, rate and ETA")
    func progressText() {
        #expect(
            ProgressFormat.bar(label: "adding", done: 250, total: 1000, elapsed: .seconds(5), width: 8)
                == "adding [##------] 250/1000  25%  50/s  ETA 0:15")
        #expect(
            ProgressFormat.line(label: "adding", done: 1000, total: 1000, elapsed: .seconds(3725))
                == "adding: 1000/1000  100%  0/s  in 1:02:05")
        #expect(ProgressFormat.summary(done: 0, total: 10, elapsed: .zero) == "0/10  0%  0/s  ETA ?")
    }

    @Test("progress lines go to the diagnostics output, ending with the final count")
    func progressLines() async throws {
        let output = CapturedOutput()
        let reporter = ProgressReporter(
            label: "adding", total: 3, style: .lines(every: .milliseconds(10)), output: output)
        reporter.begin()
        reporter.advance(by: 3)
        try await Task.sleep(for: .milliseconds(50))
        reporter.finish()
        #expect(output.contents.hasPrefix("adding: 3/3  100%"))
        #expect(output.contents.hasSuffix("\n"))
    }

    @Test("the bulk runner sends batches, at most --concurrency at once, and reports per line and per batch")
    func boundedConcurrency() async {
        let gauge = InFlightGauge()
        let items = (1...40).map { NumberLine(line: $0, text: "\($0)") }
        let reporter = ProgressReporter(label: "x", total: items.count, style: .silent, output: CapturedOutput())
        let outcome = await BulkRunner(concurrency: 3, batchSize: 4).run(items, progress: reporter) {
            batch, _ throws(IletiMerkeziError) in
            await gauge.enter()
            try? await Task.sleep(for: .milliseconds(2))
            await gauge.leave()
            if batch.contains("21") { throw IletiMerkeziError(.transport, code: nil, message: "timed out") }
            return batch.map { text in
                text == "7" ? .failed(IletiMerkeziError(.invalidNumber, code: 466, message: "Hatalı numara")) : .done
            }
        }
        #expect(outcome.succeeded == 35)
        #expect(outcome.failures.map(\.item.line) == [7])
        #expect(outcome.batchFailures.map(\.lines) == [21...24])
        #expect(outcome.failed == 5)
        #expect(await gauge.peak == 3)
        #expect(
            ClientActions.report(outcome, verb: "added", unchanged: "already listed", total: 40)
                == "added 35 of 40, 5 failed\n  lines 21-24\t(4 numbers)\t-\ttransport error: timed out\n"
                + "  line 7\t7\t466\tinvalid number: Hatalı numara\n")
    }

    @Test("--url, --key and --hash win over ENGEL_URL and the ILETIMERKEZI_ variables; the live API is the default")
    func clientOptions() throws {
        let environment = [
            "ENGEL_URL": "http://env:1", "ILETIMERKEZI_API_KEY": "envkey", "ILETIMERKEZI_API_HASH": "envhash",
        ]
        let fromEnvironment = try ClientOptions.parse([]).configuration(environment: environment)
        #expect(fromEnvironment.baseURL == "http://env:1")
        #expect(fromEnvironment.credentials == .init(key: "envkey", hash: "envhash"))
        let fromFlags = try ClientOptions.parse(["--url", "http://flag:2", "--key", "k", "--retries", "0"])
            .configuration(environment: environment)
        #expect(fromFlags.baseURL == "http://flag:2")
        #expect(fromFlags.credentials == .init(key: "k", hash: "envhash"))
        #expect(fromFlags.retry.maximumAttempts == 1)
        let defaults = try ClientOptions.parse(["--key", "k", "--hash", "h"]).configuration(environment: [:])
        #expect(defaults.baseURL == "https://api.iletimerkezi.com/v1/")
        #expect(throws: ValidationError.self) { try ClientOptions.parse([]).configuration(environment: [:]) }
    }

    @Test("--from and --to take a date or a date and time, in Turkey time")
    func dateBounds() throws {
        let options = try DateBoundOptions.parse(["--from", "2026-04-01", "--to", "2026-04-30"])
        let (from, to) = try options.bounds()
        #expect(from.map(TurkeyTime.format) == "2026-04-01 00:00:00")
        #expect(to.map(TurkeyTime.format) == "2026-04-30 23:59:59")
        #expect(throws: (any Error).self) { try DateBoundOptions.parse(["--from", "April"]) }
    }
}

/// Tracks how many operations run at once.
actor InFlightGauge {
    private(set) var peak = 0
    private var current = 0

    func enter() {
        current += 1
        peak = max(peak, current)
    }

    func leave() { current -= 1 }
}

/// The bulk commands against a server without the bulk methods, as the live API is.
@Suite("engel client commands without the bulk methods")
struct FallbackCommandTests {
    @Test("import and remove go number by number, with progress and the same per-line report")
    func oneByOne() async throws {
        let api = FakeLiveAPI()
        try await LiveServer.with(.standIn(api.router())) { server in
            let client = BlacklistClient(
                configuration: .init(baseURL: server.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
            let output = CapturedOutput()
            let progress = CapturedOutput()
            let actions = ClientActions(
                client: client, output: output, diagnostics: progress, concurrency: 4,
                progress: .lines(every: .seconds(60)))
            await #expect(throws: ExitCode.failure) {
                try await actions.importNumbers(from: "number\n905321234567\n905999000000\n5441234567\n")
            }
            #expect(
                progress.contents.hasPrefix("importing: 3/3  100%")
                    && progress.contents.hasSuffix(
                        "imported 2 of 3, 1 failed\n  line 3\t905999000000\t466\tinvalid number: Hatalı numara\n")
            )
            #expect(api.count("add-blacklist/json") == 3)
            #expect(Set(api.listed.withLock { $0 }) == ["+905321234567", "+905441234567"])

            let removal = CapturedOutput()
            let remover = ClientActions(client: client, output: output, diagnostics: removal)
            await #expect(throws: ExitCode.failure) {
                try await remover.remove(["905321234567", "905301234567"], ignoringMissing: false)
            }
            #expect(
                removal.contents
                    == "removed 1 of 2, 1 failed\n"
                    + "  line 2\t905301234567\t474\tnot on the list: Bu numara üzerindeki engelleme kaldırılamaz\n")
            #expect(api.count("bulk-delete-blacklist/json") == 1)
        }
    }
}
