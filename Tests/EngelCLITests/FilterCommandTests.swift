import EngelTestSupport
import EngelWire
import Foundation
import IletiMerkezi
import Testing

@testable import EngelCLI

/// `engel filter` against a live server: one server for the suite, an account per test.
@Suite("engel filter against a live server", .sharedServer)
struct FilterCommandTests {
    /// Runs filter over `text`, read `chunkSize` bytes at a time, in batches of `batchSize`.
    private func filter(
        _ text: String, listed: Bool = false, on run: ClientRun, chunkSize: Int = 1 << 20
    ) async throws {
        var remaining = Data(text.utf8)
        let input = NumberStream {
            guard !remaining.isEmpty else { return nil }
            defer { remaining = Data(remaining.dropFirst(chunkSize)) }
            return Data(remaining.prefix(chunkSize))
        }
        try await run.actions.filter(input, listed: listed)
    }

    @Test("prints the valid, unlisted numbers once each, in input order; invalid lines go to stderr by line")
    func sendable() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        try await ClientRun(server, account).actions.add(["905321234567", "905441234567"])
        let text = """
            905301234567
            5321234567
            12

            # a comment
            0530 123 45 67
            905351234567
            905999000000
            +905441234567
            905351234567
            """
        let run = ClientRun(server, account)
        try await filter(text, on: run)
        #expect(run.output.contents == "+905301234567\n+905351234567\n")
        #expect(run.diagnostics.contents == "line 3\t12\tinvalid number\nline 8\t905999000000\tinvalid number\n")

        let listed = ClientRun(server, account)
        try await filter(text, listed: true, on: listed)
        #expect(listed.output.contents == "+905321234567\n+905441234567\n")
    }

    @Test("CSV: the number in the first column, a header line skipped, quotes and CRLF")
    func csv() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        try await ClientRun(server, account).actions.add(["905321234567"])
        let text =
            "phone,name\r\n905321234567,Ayşe\r\n\"0544 123 45 67\",\"Ali, Veli\"\r\n,nobody\r\n5301234567,Can\r\n"
        let run = ClientRun(server, account)
        try await filter(text, on: run)
        #expect(run.output.contents == "+905441234567\n+905301234567\n")
        #expect(run.diagnostics.contents == "line 4\t\tinvalid number\n")
    }

    @Test("large inputs stream in batches; the order and the once-each hold across batches and chunks")
    func batches() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let numbers = (0..<500).map { "90532\(1_000_000 + $0)" }
        try await ClientRun(server, account).actions.add(
            numbers.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        // Every number twice, the second time in another form, half a file apart.
        let text = (numbers + numbers.map { "0" + $0.dropFirst(2) }).joined(separator: "\r\n")
        let run = ClientRun(server, account, batchSize: 64)
        try await filter(text, on: run, chunkSize: 7)
        let expected = numbers.enumerated().filter { $0.offset % 3 != 0 }.map { "+" + $0.element }
        #expect(run.output.contents == expected.map { $0 + "\n" }.joined())
        #expect(run.diagnostics.contents.isEmpty)
    }

    @Test("an empty input prints nothing; wrong credentials fail the run")
    func failures() async throws {
        let server = try TestServer.current
        let run = ClientRun(server, try await server.account())
        try await filter("", on: run)
        try await filter("# nothing\n\n", on: run)
        #expect(run.output.contents.isEmpty)
        let client = BlacklistClient(
            configuration: .init(baseURL: server.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
        let output = CapturedOutput()
        let wrong = ClientActions(client: client, output: output, diagnostics: output)
        let input = NumberStream { nil }
        try await wrong.filter(input, listed: false)
        let path = try temporaryFile("905321234567\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let one = try NumberStream(path: path)
        let error = await #expect(throws: IletiMerkeziError.self) { try await wrong.filter(one, listed: false) }
        #expect(error?.kind == .authentication)
        #expect(output.contents.isEmpty)
    }
}

@Suite("Number streams")
struct NumberStreamTests {
    @Test(
        "read a chunk at a time, a stream gives the lines and line numbers of the whole text",
        arguments: [1, 2, 3, 5, 64])
    func chunks(size: Int) throws {
        let text =
            "\u{FEFF}name;Telefon\r\nAyşe;\"0532 123 45 67\"\r\n\r\n# x\n\"Ali, Veli\";5441234567\n;\nlast;905301234567"
        var remaining = Data(text.utf8)
        let stream = NumberStream {
            guard !remaining.isEmpty else { return nil }
            defer { remaining = Data(remaining.dropFirst(size)) }
            return Data(remaining.prefix(size))
        }
        var lines: [NumberLine] = []
        while true {
            let batch = try stream.next(upTo: 2)
            if batch.isEmpty { break }
            lines += batch
        }
        #expect(lines == NumberFile.parse(text))
        #expect(lines.map(\.line) == [2, 5, 6, 7])
    }
}

/// A new file holding `text`; the caller removes it.
private func temporaryFile(_ text: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("engel-filter-\(UUID().uuidString).txt")
    try Data(text.utf8).write(to: url)
    return url.path
}
