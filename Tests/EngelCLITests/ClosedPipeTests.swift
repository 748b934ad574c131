import EngelCore
import EngelTestSupport
import Foundation
import Testing

/// `engel list | head`: the built `engel` executable, run as a shell runs it, with a reader that
/// goes away after a few lines of a list too long for the pipe's buffer.
@Suite("engel with a reader that goes away", .sharedServer)
struct ClosedPipeTests {
    /// The `engel` executable SwiftPM builds beside the test product.
    static func executable() throws -> URL {
        #if canImport(Darwin)
            let folder = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
                .deletingLastPathComponent()
        #else
            let folder = Bundle.main.executableURL?.deletingLastPathComponent()
        #endif
        let engel = try #require(folder, "cannot tell where the test product is").appendingPathComponent("engel")
        try #require(
            FileManager.default.isExecutableFile(atPath: engel.path),
            "no engel executable at \(engel.path): build it (swift build --product engel) before these tests")
        return engel
    }

    /// Reads until `lines` lines have come, or the end; off the concurrency pool, which the
    /// server in this process needs to answer the very requests whose output is awaited.
    static func readLines(_ lines: Int, from reader: FileHandle) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        var received = Data()
                        while received.count(where: { $0 == UInt8(ascii: "\n") }) < lines,
                            let more = try reader.read(upToCount: 4096), !more.isEmpty
                        {
                            received.append(more)
                        }
                        return received
                    })
            }
        }
    }

    @Test(
        "the output stops quietly: exit status 0 or 141, nothing on stderr",
        arguments: [["list", "--csv"], ["list"], ["export"]])
    func readerGoesAway(command: [String]) async throws {
        let server = try TestServer.current
        let account = try await server.account()
        // 20,000 lines of 13 bytes: four times a 64 KiB pipe buffer.
        try await server.load((0..<20_000).map { "90532\(1_000_000 + $0)" }, into: account, at: Date())
        try await Self.expectQuietStop(command, server: server, account: account)
    }

    @Test(
        "the pipeline steps stop quietly too: engel filter from a file and from stdin, engel check",
        arguments: ["filter-file", "filter-stdin", "check"])
    func pipelineStepReaderGoesAway(step: String) async throws {
        let server = try TestServer.current
        let account = try await server.account()
        // 2,000 lines of 21 bytes or more: ten times the one-page pipe `expectQuietStop` makes. Not
        // more: the argument parser takes time quadratic in the arguments' count, minutes for
        // 20,000 in a debug build (a long list goes to `engel filter`, which reads a file).
        let numbers = (0..<2_000).map { "90532\(1_000_000 + $0)" }
        try await server.load(numbers, into: account, at: Date())
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "engel-recipients-\(UUID().uuidString)")
        try Data(numbers.joined(separator: "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        switch step {
        case "filter-file":
            try await Self.expectQuietStop(["filter", "--listed", file.path], server: server, account: account)
        case "filter-stdin":
            try await Self.expectQuietStop(
                ["filter", "--listed", "-"], input: file.path, server: server, account: account)
        default:
            try await Self.expectQuietStop(["check"] + numbers, server: server, account: account)
        }
    }

    /// Linux's `F_SETPIPE_SZ`, which Glibc's module does not export.
    static let pipeSizeCommand: Int32 = 1031

    /// Runs `engel COMMAND` for `account`, its standard input the file at `input` (none when
    /// `nil`), reads three lines and goes away; expects it to stop within 10 s with status 0 or 141
    /// and nothing on stderr.
    static func expectQuietStop(
        _ command: [String], input: String? = nil, server: TestServer, account: TestAccount
    ) async throws {
        let process = Process()
        process.executableURL = try executable()
        process.arguments =
            command + [
                "--url", server.live.baseURL, "--key", account.credentials.key, "--hash", account.credentials.hash,
            ]
        let output = Pipe()
        // One page: whatever engel writes beyond it blocks until the reader takes it, or fails
        // once the reader is gone.
        _ = fcntl(output.fileHandleForWriting.fileDescriptor, pipeSizeCommand, Int32(4096))
        let errorsPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("engel-stderr-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: errorsPath, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        let errors = try #require(FileHandle(forWritingAtPath: errorsPath))
        process.standardInput = try standardInput(from: input)
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try errors.close()
        // The parent's copy of the writing end, so the reader sees the end if engel stops early.
        try? output.fileHandleForWriting.close()

        let received = try await readLines(3, from: output.fileHandleForReading)
        try output.fileHandleForReading.close()
        #expect(received.count(where: { $0 == UInt8(ascii: "\n") }) >= 3)

        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("engel \(command.joined(separator: " ")) still runs 10 s after its reader went away")
            return
        }
        #expect(process.terminationReason == .exit)
        #expect([0, 141].contains(process.terminationStatus), "exit status \(process.terminationStatus)")
        let stderr = try String(contentsOfFile: errorsPath, encoding: .utf8)
        #expect(stderr.isEmpty, "stderr: \(stderr)")
    }
}
