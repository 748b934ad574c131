import ArgumentParser
import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import IletiMerkezi
import Synchronization
import Testing

@testable import EngelCLI

/// `--detail`, `--reason`, `--until` and `engel changes` against a live server over a memory store
/// (the SQLite store's change log is another branch's); each test has its own accounts.
@Suite("engel provenance and change commands against a live server", .sharedServer)
struct DetailCommandTests {
    static func later(_ seconds: TimeInterval) -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + seconds).rounded(.down))
    }

    @Test("add --reason --until and remove --reason reach the entry and the change log; check --detail shows them")
    func reasonAndUntil() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let until = Self.later(86_400)
        try await ClientRun(server, account).actions.add(
            ["905321234567", "5441234567"], reason: "replied STOP", until: until)
        let checked = ClientRun(server, account)
        await #expect(throws: ExitCode.failure) {
            try await checked.actions.check(["905321234567", "905301234567", "12"], detail: true)
        }
        let lines = checked.output.contents.split(separator: "\n").map(String.init)
        let fields = try #require(lines.first).split(separator: "\t").map(String.init)
        #expect(fields.count == 7)
        #expect(Array(fields[0..<2]) == ["+905321234567", "listed"])
        #expect(Array(fields[3...]) == ["bulk", "replied STOP", TurkeyTime.format(until), "api"])
        #expect(Array(lines.dropFirst()) == ["+905301234567\tnot listed", "12\tinvalid number"])

        try await ClientRun(server, account).actions.remove(
            ["905321234567"], reason: "consent given", ignoringMissing: false)
        let changes = try await server.client(account).changes(after: 0, limit: 10).changes
        #expect(changes.map(\.action) == [.add, .add, .remove])
        #expect(changes[0].reason == "replied STOP" && changes[0].until == until)
        #expect(changes[2].reason == "consent given")
    }

    @Test("list --detail: text, CSV quoted so any reason reads back, and JSON with nulls")
    func listInDetail() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let client = server.client(account)
        let tricky = "said \"stop\", twice; then\tagain"
        try await client.add("905321234567", reason: tricky)
        try await client.add("905441234567")

        let text = ClientRun(server, account)
        try await text.actions.listInDetail(from: nil, to: nil, format: .text)
        let textLines = text.output.contents.split(separator: "\n")
        #expect(textLines.count == 2)
        #expect(textLines[0].split(separator: "\t").count == 6)
        #expect(textLines[0].contains("said \"stop\", twice; then again"))
        #expect(textLines[1].hasPrefix("+905441234567\t") && textLines[1].hasSuffix("\tapi\t-\t-\tapi"))

        let csv = ClientRun(server, account)
        try await csv.actions.listInDetail(from: nil, to: nil, format: .csv)
        let records = DetailFile.records(of: csv.output.contents)
        #expect(records.map(\.fields.count) == [6, 6, 6])
        #expect(records[0].fields == EntryFormatting.columns)
        #expect(records[1].fields[0] == "+905321234567" && records[1].fields[3] == tricky)
        #expect(records[2].fields[3] == "" && records[2].fields[4] == "")

        let json = ClientRun(server, account)
        try await json.actions.listInDetail(from: nil, to: nil, format: .json)
        let decoded = try #require(
            try JSONSerialization.jsonObject(with: Data(json.output.contents.utf8)) as? [[String: Any]])
        #expect(decoded.count == 2)
        #expect(decoded[0]["reason"] as? String == tricky)
        #expect(decoded[1]["reason"] is NSNull && decoded[1]["until"] is NSNull)
        #expect(decoded[1]["source"] as? String == "api" && decoded[1]["actor"] as? String == "api")
    }

    @Test("export --detail then import --detail restores reason and until, one bulk run per pair")
    func detailRoundTrip() async throws {
        let server = try TestServer.current
        let source = try await server.account("source")
        let copy = try await server.account("copy")
        let client = server.client(source)
        let until = Self.later(7 * 86_400)
        _ = try await client.add(contentsOf: (0..<30).map { "90532\(1_000_000 + $0)" }, reason: "a, \"b\"")
        _ = try await client.add(contentsOf: (30..<40).map { "90532\(1_000_000 + $0)" }, until: until)
        _ = try await client.add(contentsOf: (40..<45).map { "90532\(1_000_000 + $0)" })

        let exported = ClientRun(server, source)
        try await exported.actions.exportInDetail(to: nil)
        #expect(exported.diagnostics.contents == "exported 45 entries\n")
        #expect(exported.output.contents.hasPrefix(EntryFormatting.csvHeader))

        let imported = ClientRun(server, copy)
        try await imported.actions.importInDetail(from: exported.output.contents)
        #expect(imported.diagnostics.contents == "imported 45 of 45\n")
        var entries: [BlacklistClient.Entry] = []
        for try await page in server.client(copy).entryPages() { entries += page.entries }
        #expect(entries.count == 45)
        #expect(entries.filter { $0.reason == "a, \"b\"" && $0.until == nil }.count == 30)
        #expect(entries.filter { $0.reason == nil && $0.until == until }.count == 10)
        #expect(entries.filter { $0.reason == nil && $0.until == nil }.count == 5)
        // The server sets these: they cannot be restored through the API.
        #expect(entries.allSatisfy { $0.source == .bulk && $0.actor == .api })
    }

    @Test("import --detail skips ended blocks, reports a malformed until by line, and needs a header")
    func importInDetailEdges() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let file = """
            number,addedAt,source,reason,until,actor
            +905321234567,2026-01-01 00:00:00,api,"multi
            line",,api
            +905321234568,,,,2020-01-01 00:00:00,
            +905321234569,,,,tomorrow,

            +905321234570,,,old,,
            """
        let run = ClientRun(server, account)
        await #expect(throws: ExitCode.failure) { try await run.actions.importInDetail(from: file) }
        // The server refuses a reason with a line break: that group's request fails as a whole.
        let report = run.diagnostics.contents
        #expect(report.hasPrefix("skipped 1 entries whose block has ended\nimported 1 of 3, 2 failed\n"))
        #expect(report.contains("  lines 2-2\t(1 numbers)\t400\tbad request: "))
        #expect(
            report.hasSuffix(
                "  line 5\t+905321234569\t-\tbad request: until is not a YYYY-MM-DD HH:MM:SS Turkey time\n"))
        let page = try await server.client(account).entries()
        #expect(page.entries.map(\.number) == ["+905321234570"])
        #expect(page.entries.map(\.reason) == ["old"])

        let noHeader = ClientRun(server, account)
        await #expect(throws: DetailFile.MissingHeader.self) {
            try await noHeader.actions.importInDetail(from: "+905321234567,x\n")
        }
    }

    @Test("changes prints one line per change, or JSON lines; --limit stops; --follow picks up new ones")
    func changes() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let client = server.client(account)
        try await client.add("905321234567", reason: "stop")
        try await client.remove("905321234567")
        try await client.add("905441234567", until: Self.later(3600))

        let text = ClientRun(server, account)
        try await text.actions.changes(after: 0, follow: false, limit: nil, json: false)
        let lines = text.output.contents.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(lines.count == 3)
        #expect(lines.map { $0[2] } == ["add", "remove", "add"])
        #expect(lines[0][3...] == ["+905321234567", "api", "api", "-", "stop"])
        #expect(lines[2][6] != "-")
        let last = try #require(lines.last.flatMap { Int64($0[0]) })
        #expect(text.diagnostics.contents == "3 changes; go on with --after \(last)\n")

        let limited = ClientRun(server, account)
        try await limited.actions.changes(after: 0, follow: false, limit: 2, json: true)
        let objects = limited.output.contents.split(separator: "\n").map {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2)
        #expect(objects[0]?["reason"] as? String == "stop")
        #expect(objects[1]?["reason"] is NSNull && objects[1]?["action"] as? String == "remove")

        let none = ClientRun(server, account)
        try await none.actions.changes(after: last, follow: false, limit: nil, json: false)
        #expect(none.output.contents.isEmpty)
        #expect(none.diagnostics.contents == "0 changes; go on with --after \(last)\n")

        let followed = ClientRun(server, account)
        let follower = Task {
            try await followed.actions.changes(
                after: last, follow: true, limit: 1, json: false, pollInterval: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(300))
        try await client.add("905301234567")
        // A bound for a follower that never sees it, with room for a busy full run (FeedTests).
        let timeout = Task {
            try await Task.sleep(for: .seconds(30))
            follower.cancel()
        }
        try await follower.value
        timeout.cancel()
        #expect(followed.output.contents.contains("\tadd\t+905301234567\t"))
    }

    @Test("the executable: changes --follow and list --detail stop quietly when their reader goes away")
    func closedPipe() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        // 20,000 changes and entries: lines far beyond a 64 KiB pipe buffer.
        try await server.load((0..<20_000).map { "90532\(1_000_000 + $0)" }, into: account, at: Date())
        for command in [["changes", "--follow"], ["changes", "--json"], ["list", "--detail", "--csv"]] {
            try await ClosedPipeTests.expectQuietStop(command, server: server, account: account)
        }
    }
}

@Suite("engel provenance building blocks")
struct DetailBuildingBlockTests {
    @Test("CSV fields are quoted only when they must be, and read back as written")
    func csvQuoting() {
        #expect(EntryFormatting.csvField("plain") == "plain")
        #expect(EntryFormatting.csvField("a,b") == "\"a,b\"")
        #expect(EntryFormatting.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(EntryFormatting.csvField("two\nlines") == "\"two\nlines\"")
        #expect(EntryFormatting.csvField(" padded") == "\" padded\"")
        let fields = ["+905321234567", "a, \"b\"\r\nc", "", "x;y"]
        let records = DetailFile.records(of: EntryFormatting.csvHeader + EntryFormatting.csvLine(fields))
        #expect(records.count == 2)
        #expect(records[1].fields == fields)
        #expect(records[1].line == 2)
    }

    @Test("detail files: header columns by name, other columns ignored, separators and line numbers")
    func detailFiles() throws {
        let lines = try DetailFile.parse(
            "\u{FEFF}Telefon;until;Reason;note\r\n5321234567;2030-01-01 00:00:00;;x\r\n\r\n\"0544\";;\"a;b\";y\r\n")
        #expect(
            lines == [
                DetailLine(line: 2, text: "5321234567", reason: nil, until: "2030-01-01 00:00:00"),
                DetailLine(line: 4, text: "0544", reason: "a;b", until: nil),
            ])
        #expect(throws: DetailFile.MissingHeader.self) { try DetailFile.parse("905321234567\n") }
        #expect(try DetailFile.parse("") == [])
    }

    @Test("--until takes a Turkey time, a date (its midnight) or a span from now")
    func untilOption() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(UntilOption.end("2027-01-01", now: now).map(TurkeyTime.format) == "2027-01-01 00:00:00")
        #expect(UntilOption.end("2027-01-01 12:30:00", now: now).map(TurkeyTime.format) == "2027-01-01 12:30:00")
        #expect(UntilOption.end("30d", now: now) == now.addingTimeInterval(30 * 86_400))
        #expect(UntilOption.end("12h", now: now) == now.addingTimeInterval(12 * 3600))
        #expect(UntilOption.end("90m", now: now) == now.addingTimeInterval(90 * 60))
        for bad in ["tomorrow", "0d", "-3d", "3w", "2027-13-01"] { #expect(UntilOption.end(bad, now: now) == nil) }
        #expect(throws: (any Error).self) { try UntilOption.parse(["--until", "2020-01-01"]) }
        #expect(throws: (any Error).self) { try ReasonOption.parse(["--reason", String(repeating: "x", count: 257)]) }
        #expect(throws: (any Error).self) { try ChangesCommand.parse(["--limit", "0"]) }
        #expect(throws: (any Error).self) { try ChangesCommand.parse(["--after", "-1"]) }
    }
}
