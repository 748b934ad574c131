import Foundation

/// A number to act on, with where it came from for the failure report.
public struct NumberLine: Sendable, Hashable {
    /// The 1-based line of the input file, or the argument's position.
    public let line: Int
    /// The number as written.
    public let text: String

    /// Creates a line: `text` written at `line`.
    public init(line: Int, text: String) {
        self.line = line
        self.text = text
    }
}

/// Reads the numbers of an import file: one per line, or CSV.
///
/// Blank lines and `#` comments are skipped. In CSV (`,`, `;` or tab separated, `"` quoted) the
/// number is the column headed `number`, `numara`, `phone`, `telefon`, `gsm`, `msisdn` or `mobile`,
/// else the first column; a first line that names columns instead of holding a number is a header.
public enum NumberFile {
    /// The column names that head the number column, in lower case.
    public static let numberColumnNames: Set<String> = [
        "number", "numara", "phone", "telefon", "gsm", "msisdn", "mobile",
    ]

    /// The numbers of a whole file's text, each with its line.
    public static func parse(_ text: String) -> [NumberLine] {
        var parser = Parser()
        // isNewline, not "\n": "\r\n" is one Character in Swift.
        return text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).compactMap {
            parser.read($0)
        }
    }

    /// Reads a file line by line, keeping what the first line said about its columns.
    public struct Parser {
        private var column = 0
        private var sawFirstLine = false
        private var lineNumber = 0

        /// A parser before the file's first line.
        public init() {}

        /// The number on the next line, or `nil` for a blank line, a comment or the header.
        public mutating func read(_ rawLine: Substring) -> NumberLine? {
            lineNumber += 1
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
            let fields = NumberFile.splitFields(trimmed)
            if !sawFirstLine {
                sawFirstLine = true
                if NumberFile.isHeader(fields) {
                    let names = fields.map { $0.lowercased() }
                    column = names.firstIndex(where: NumberFile.numberColumnNames.contains) ?? 0
                    return nil
                }
            }
            return NumberLine(line: lineNumber, text: column < fields.count ? fields[column] : "")
        }
    }

    /// Splits one CSV line; a line without a separator is one field.
    public static func splitFields(_ line: Substring) -> [String] {
        guard let separator = firstSeparator(in: line) else { return [unquote(line)] }
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            let next = line.index(after: index)
            if inQuotes {
                if character == "\"" {
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = line.index(after: next)
                        continue
                    }
                    inQuotes = false
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == separator {
                fields.append(String(Substring(current).trimmingSpaces))
                current = ""
            } else {
                current.append(character)
            }
            index = next
        }
        fields.append(String(Substring(current).trimmingSpaces))
        return fields
    }

    /// The first `,`, `;` or tab outside quotes.
    private static func firstSeparator(in line: Substring) -> Character? {
        var inQuotes = false
        for character in line {
            if character == "\"" {
                inQuotes.toggle()
            } else if !inQuotes && (character == "," || character == ";" || character == "\t") {
                return character
            }
        }
        return nil
    }

    private static func unquote(_ field: Substring) -> String {
        if field.count >= 2, field.first == "\"", field.last == "\"" {
            return String(field.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        return String(field)
    }

    /// A header names columns: it holds a known column name, or no field with a digit in it.
    private static func isHeader(_ fields: [String]) -> Bool {
        fields.contains { numberColumnNames.contains($0.lowercased()) }
            || !fields.contains { $0.contains(where: \.isNumber) }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
