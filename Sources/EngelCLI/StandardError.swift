import Foundation

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The process's standard error: progress and failure reports, never data.
struct StandardError: TextOutput {
    func write(_ text: String) {
        // Nowhere is left to report that stderr itself failed (a closed pipe, `2>&1 | head`).
        _ = FileDescriptorWriter.write(text, to: STDERR_FILENO)
    }

    /// Whether stderr is a terminal, where a progress bar can redraw in place.
    static var isTerminal: Bool { isatty(2) != 0 }
}
