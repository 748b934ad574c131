import EngelCore
import EngelWire
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
        Layout.json(
            EntryPayload(
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
        Layout.json(
            ChangePayload(
                seq: change.seq, at: TurkeyTime.format(change.at), action: change.action.rawValue,
                number: change.number, source: change.source.rawValue, reason: change.reason,
                until: change.until.map(TurkeyTime.format), actor: change.actor.description))
    }
}
