import EngelWire
import Foundation

/// Reads a number file a piece at a time, for inputs too large to hold whole: `engel filter`.
///
/// The lines and line numbers are those ``NumberFile/parse(_:)`` gives for the whole text.
final class NumberStream {
    /// The next bytes of the input, `nil` at its end.
    private let readChunk: () throws -> Data?
    private var parser = NumberFile.Parser()
    private var pending = Data()
    private var ready: [NumberLine] = []
    private var ended = false

    /// Reads through `readChunk` until it answers `nil`.
    init(readChunk: @escaping () throws -> Data?) {
        self.readChunk = readChunk
    }

    /// Reads the file at `path`, or standard input for `-`, a megabyte at a time.
    convenience init(path: String) throws {
        let handle = path == "-" ? FileHandle.standardInput : try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        self.init(readChunk: {
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else { return nil }
            return data
        })
    }

    /// The next numbers, at most `limit` of them; empty at the end of the input.
    func next(upTo limit: Int) throws -> [NumberLine] {
        while ready.count < limit && !ended {
            if let chunk = try readChunk() {
                pending.append(chunk)
                // Only whole lines: a line, or a UTF-8 sequence, may go on in the next chunk.
                guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                let text = String(decoding: pending[...lastNewline], as: UTF8.self)
                pending = Data(pending[(lastNewline + 1)...])
                // The text ends with its newline ("\r\n" kept whole), so its last piece is empty.
                parse(Substring(text), droppingLast: true)
            } else {
                ended = true
                if !pending.isEmpty { parse(Substring(String(decoding: pending, as: UTF8.self)), droppingLast: false) }
                pending = Data()
            }
        }
        let taken = Array(ready.prefix(limit))
        ready.removeFirst(taken.count)
        return taken
    }

    private func parse(_ text: Substring, droppingLast: Bool) {
        // isNewline, not "\n": "\r\n" is one Character in Swift.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline })
        for line in droppingLast ? lines.dropLast() : lines[...] {
            if let number = parser.read(line) { ready.append(number) }
        }
    }
}
