import EngelCore
import EngelWire
import Foundation

/// One entry of an `engel import --detail` file: what the API can take back.
struct DetailLine: Sendable, Hashable {
    /// The line the record starts on.
    let line: Int
    /// The number as written.
    let text: String
    /// The reason; `nil` when the column is empty or missing.
    let reason: String?
    /// The `until` column as written; `nil` when empty or missing.
    let until: String?
}

/// Reads the CSV `engel export --detail` writes: a header naming the columns, then one record per
/// entry, quoted as RFC 4180 says (a quoted field may hold separators, doubled quotes and line
/// breaks).
///
/// Only the columns the API can take are read: the number (headed `number`, or any name
/// ``NumberFile`` knows), `reason` and `until`. `addedAt`, `source` and `actor` are the server's
/// to set, so they are ignored.
enum DetailFile {
    /// The file has no header naming a number column.
    struct MissingHeader: Error, CustomStringConvertible {
        var description: String {
            "import --detail needs a header line naming its columns: number, and reason and until to restore them"
        }
    }

    static func parse(_ text: String) throws -> [DetailLine] {
        var records = records(of: text)
        guard let header = records.first else { return [] }
        records.removeFirst()
        let names = header.fields.map(columnName)
        guard let numberColumn = names.firstIndex(where: NumberFile.numberColumnNames.contains) else {
            throw MissingHeader()
        }
        let reasonColumn = names.firstIndex(of: "reason")
        let untilColumn = names.firstIndex(of: "until")
        func field(_ record: Record, _ column: Int?) -> String? {
            guard let column, column < record.fields.count else { return nil }
            let value = record.fields[column]
            return value.isEmpty ? nil : value
        }
        return records.compactMap { record in
            let number = (field(record, numberColumn) ?? "").trimmingCharacters(in: .whitespaces)
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { return nil }
            if number.hasPrefix("#") { return nil }
            return DetailLine(
                line: record.line, text: number, reason: field(record, reasonColumn),
                until: field(record, untilColumn)?.trimmingCharacters(in: .whitespaces))
        }
    }

    /// A header field as a column name: trimmed, lowercased, and without a note in parentheses at
    /// its end, so the panel's export (`until (Turkey time)`) reads as `until`.
    static func columnName(_ header: String) -> String {
        var name = header.trimmingCharacters(in: .whitespaces)
        if name.hasSuffix(")"), let open = name.lastIndex(of: "(") {
            name = name[..<open].trimmingCharacters(in: .whitespaces)
        }
        return name.lowercased()
    }

    /// A record's fields, and the line it starts on.
    struct Record {
        let line: Int
        let fields: [String]
    }

    /// Splits `text` into records; the separator is the header's first `,`, `;` or tab outside
    /// quotes (a comma when it has none).
    static func records(of text: String) -> [Record] {
        var text = Substring(text)
        if text.hasPrefix("\u{FEFF}") { text = text.dropFirst() }
        let separator = separator(of: text)
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var index = text.startIndex
        func endRecord() {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
            fields = []
            field = ""
        }
        while index < text.endIndex {
            let character = text[index]
            index = text.index(after: index)
            if inQuotes {
                if character == "\"" {
                    if index < text.endIndex, text[index] == "\"" {
                        field.append("\"")
                        index = text.index(after: index)
                    } else {
                        inQuotes = false
                    }
                } else {
                    // "\r\n" is one Character in Swift: a line break inside quotes is kept as written.
                    if character.isNewline { line += 1 }
                    field.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == separator {
                fields.append(field)
                field = ""
            } else if character.isNewline {
                endRecord()
                line += 1
                recordLine = line
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }

    private static func separator(of text: Substring) -> Character {
        var inQuotes = false
        for character in text {
            if character == "\"" {
                inQuotes.toggle()
            } else if !inQuotes && (character == "," || character == ";" || character == "\t") {
                return character
            } else if !inQuotes && character.isNewline {
                break
            }
        }
        return ","
    }
}
