import EngelCore
import Foundation
import IletiMerkezi

/// How entries and changes look on the terminal, in CSV and as JSON.
///
/// Every form carries the same columns in the same order: number, addedAt, source, reason, until,
/// actor (times `YYYY-MM-DD HH:MM:SS` Turkey time, as on the wire).
enum EntryFormatting {
    /// The columns of `--detail`, as the CSV header names them.
    static let columns = ["number", "addedAt", "source", "reason", "until", "actor"]

    /// The CSV header line.
    static var csvHeader: String { columns.joined(separator: ",") + "\n" }

    /// One entry's fields, in ``columns`` order; absent values are empty.
    static func fields(_ entry: BlacklistClient.Entry) -> [String] {
        [
            entry.number, TurkeyTime.format(entry.addedAt), entry.source.rawValue, entry.reason ?? "",
            entry.until.map(TurkeyTime.format) ?? "", entry.actor?.description ?? "",
        ]
    }

    /// One CSV record (RFC 4180): a field holding a separator, a quote, a line break or
    /// surrounding spaces is quoted, its quotes doubled, so any reason reads back as written.
    static func csvLine(_ fields: [String]) -> String {
        fields.map(csvField).joined(separator: ",") + "\n"
    }

    static func csvField(_ field: String) -> String {
        let needsQuotes =
            field.contains { $0 == "," || $0 == "\"" || $0 == ";" || $0 == "\t" || $0.isNewline }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One tab-separated line for the terminal, `-` for absent values; a tab or line break in a
    /// reason is shown as a space so that each entry stays one line of fixed columns.
    static func textLine(_ fields: [String]) -> String {
        fields.map { field in
            field.isEmpty ? "-" : String(field.map { $0 == "\t" || $0.isNewline ? " " : $0 })
        }.joined(separator: "\t") + "\n"
    }

    /// The entry as a JSON object with the wire's keys, absent values `null`.
    static func json(_ entry: BlacklistClient.Entry) -> String {
        encode(
            Shown(
                number: entry.number, addedAt: TurkeyTime.format(entry.addedAt), source: entry.source.rawValue,
                reason: entry.reason, until: entry.until.map(TurkeyTime.format), actor: entry.actor?.description))
    }

    /// A change's fields for `engel changes`: seq, at, action, number, source, actor, until, reason.
    static func fields(_ change: BlacklistClient.Change) -> [String] {
        [
            String(change.seq), TurkeyTime.format(change.at), change.action.rawValue, change.number,
            change.source.rawValue, change.actor.description, change.until.map(TurkeyTime.format) ?? "",
            change.reason ?? "",
        ]
    }

    /// The change as one line of JSON, with the wire's keys and absent values `null`.
    static func json(_ change: BlacklistClient.Change) -> String {
        struct Shown: Encodable {
            let seq: Int64
            let at: String
            let action: String
            let number: String
            let source: String
            let reason: String?
            let until: String?
            let actor: String

            private enum CodingKeys: String, CodingKey { case seq, at, action, number, source, reason, until, actor }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(seq, forKey: .seq)
                try container.encode(at, forKey: .at)
                try container.encode(action, forKey: .action)
                try container.encode(number, forKey: .number)
                try container.encode(source, forKey: .source)
                try container.encode(reason, forKey: .reason)
                try container.encode(until, forKey: .until)
                try container.encode(actor, forKey: .actor)
            }
        }
        return encode(
            Shown(
                seq: change.seq, at: TurkeyTime.format(change.at), action: change.action.rawValue,
                number: change.number, source: change.source.rawValue, reason: change.reason,
                until: change.until.map(TurkeyTime.format), actor: change.actor.description))
    }

    private struct Shown: Encodable {
        let number: String
        let addedAt: String
        let source: String
        let reason: String?
        let until: String?
        let actor: String?

        private enum CodingKeys: String, CodingKey { case number, addedAt, source, reason, until, actor }

        // Absent values as `null`, as the server writes them, not left out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(number, forKey: .number)
            try container.encode(addedAt, forKey: .addedAt)
            try container.encode(source, forKey: .source)
            try container.encode(reason, forKey: .reason)
            try container.encode(until, forKey: .until)
            try container.encode(actor, forKey: .actor)
        }
    }

    private static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
