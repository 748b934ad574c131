import Foundation

/// Reads a number file's whole text, `-` meaning standard input.
enum NumberFileReader {
    static func read(_ path: String) throws -> String {
        // Through a FileHandle, not Data(contentsOf:), which refuses pipes such as <(command).
        let handle = path == "-" ? FileHandle.standardInput : try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }
}
