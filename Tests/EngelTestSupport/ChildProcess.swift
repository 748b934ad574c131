public import Foundation
import Synchronization

/// What a child process left when it ended.
public struct ChildProcessResult: Sendable {
    public let status: Int32
    public let output: String
    public let errors: String
}

/// Runs `executable` with `arguments` to the end, its standard input read from the file at
/// `input` (none when `nil`); its status, standard output and standard error. On a thread of its
/// own: waiting for a process on the concurrency pool's two threads would starve every other test
/// of this process, the in-process server among them.
public func runChildProcess(_ executable: String, _ arguments: [String], input: String? = nil) async throws
    -> ChildProcessResult
{
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    let output = Pipe()
                    let errors = Pipe()
                    process.standardInput = try standardInput(from: input)
                    process.standardOutput = output
                    process.standardError = errors
                    try process.run()
                    // Standard error drains on another thread, so neither pipe fills and stalls it.
                    let said = Mutex(Data())
                    let drained = DispatchSemaphore(value: 0)
                    Thread.detachNewThread {
                        let data = errors.fileHandleForReading.readDataToEndOfFile()
                        said.withLock { $0 = data }
                        drained.signal()
                    }
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    drained.wait()
                    process.waitUntilExit()
                    return ChildProcessResult(
                        status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
                        errors: String(decoding: said.withLock { $0 }, as: UTF8.self))
                })
        }
    }
}

/// A child's standard input: the file at `path`, or nothing when `nil`.
public func standardInput(from path: String?) throws -> FileHandle {
    guard let path else { return FileHandle.nullDevice }
    return try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
}
