import Foundation

/// Where a command writes what the operator reads.
protocol TextOutput: Sendable {
    func write(_ text: String)
}

/// The process's standard output, flushed per write so piped output arrives promptly.
struct StandardOutput: TextOutput {
    func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
