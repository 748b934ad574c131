import Foundation

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where a command writes what the operator reads.
protocol TextOutput: Sendable {
    func write(_ text: String)
}

/// The process's standard output, written through at once so piped output arrives promptly.
///
/// When the reader has gone (`engel list | head`), the command has no one left to answer: the
/// process ends at once with status 141, as a shell reports a pipeline member stopped by SIGPIPE,
/// and says nothing on stderr. Any other failure (a full disk) is reported and ends it with 1.
struct StandardOutput: TextOutput {
    func write(_ text: String) {
        switch FileDescriptorWriter.write(text, to: STDOUT_FILENO) {
        case nil: return
        case EPIPE?: exit(Self.readerGoneStatus)
        case let code?:
            StandardError().write("engel: cannot write to standard output: \(String(cString: strerror(code)))\n")
            exit(EXIT_FAILURE)
        }
    }

    /// 128 + SIGPIPE.
    static let readerGoneStatus: Int32 = 141

    /// Makes a write to a pipe without a reader fail with EPIPE instead of killing the process, so
    /// every way out is the one above, whatever a library did to the signal's disposition; and
    /// the C library's buffered writes (`print`) then fail quietly instead of killing it mid-flush.
    static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }
}

/// Writes with `write(2)`: Foundation's `FileHandle.write` traps on any error, a closed pipe included.
enum FileDescriptorWriter {
    /// Writes all of `text` to `descriptor`; returns `errno` when it cannot.
    static func write(_ text: String, to descriptor: Int32) -> Int32? {
        var text = text
        return text.withUTF8 { bytes -> Int32? in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written >= 0 {
                    offset += written
                } else if errno != EINTR {
                    return errno
                }
            }
            return nil
        }
    }

    private static func systemWrite(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int {
        #if canImport(Darwin)
            Darwin.write(descriptor, bytes, count)
        #elseif canImport(Glibc)
            Glibc.write(descriptor, bytes, count)
        #elseif canImport(Musl)
            Musl.write(descriptor, bytes, count)
        #endif
    }
}
