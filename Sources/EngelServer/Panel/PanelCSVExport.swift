import EngelCore
import Foundation

/// The panel's CSV downloads: the list and the change log.
///
/// RFC 4180: a header line, records ending in CR LF, a field holding a separator, a quote or a
/// line break quoted with its quotes doubled. Numbers are written `+905XXXXXXXXX`, times
/// `YYYY-MM-DD HH:MM:SS` in Turkey time (the header says so), absent values as empty fields, and
/// sources, actions and actors in their wire form, so a program reads the file as it reads the API.
///
/// The people who download these open them in spreadsheets, which run a cell starting with `=`,
/// `+`, `-` or `@` as a formula. A reason or a user name is someone's text, so such a text field
/// is written with a leading `'`, which spreadsheets show as text. Number fields are Engel's own
/// `+905…` and are written as they are, to stay readable.
///
/// A route that streams a large list writes ``byteOrderMark`` and the header once, then one record
/// per entry; ``entries(_:)`` and ``changes(_:)`` build a whole file at once.
public enum PanelCSVExport {
    /// Starts each file, so spreadsheet programs read it as UTF-8 (Turkish letters in reasons);
    /// `engel import` skips it.
    public static let byteOrderMark = "\u{FEFF}"

    /// The list's header line.
    public static let entriesHeader = "number,addedAt (Turkey time),source,reason,until (Turkey time),actor\r\n"

    /// The change log's header line.
    public static let changesHeader =
        "seq,at (Turkey time),action,number,source,reason,until (Turkey time),actor\r\n"

    /// One entry's record, CR LF included.
    public static func entryRecord(_ entry: ListEntry) -> String {
        record([
            entry.number.international,
            TurkeyTime.format(entry.addedAt),
            text(entry.source.rawValue),
            text(entry.reason ?? ""),
            entry.until.map(TurkeyTime.format) ?? "",
            text(entry.actor?.description ?? ""),
        ])
    }

    /// One change's record, CR LF included.
    public static func changeRecord(_ change: ChangeRecord) -> String {
        record([
            String(change.seq),
            TurkeyTime.format(change.at),
            text(change.action.rawValue),
            change.number.international,
            text(change.source.rawValue),
            text(change.reason ?? ""),
            change.until.map(TurkeyTime.format) ?? "",
            text(change.actor.description),
        ])
    }

    /// A whole list file: byte order mark, header, one record per entry.
    public static func entries(_ entries: some Sequence<ListEntry>) -> String {
        entries.reduce(into: byteOrderMark + entriesHeader) { $0 += entryRecord($1) }
    }

    /// A whole change log file: byte order mark, header, one record per change.
    public static func changes(_ changes: some Sequence<ChangeRecord>) -> String {
        changes.reduce(into: byteOrderMark + changesHeader) { $0 += changeRecord($1) }
    }

    /// A field of someone's text, with a formula's first character made harmless.
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, formulaStarts.contains(first) else { return value }
        return "'" + value
    }

    /// The first characters a spreadsheet may read as a formula: OWASP's list, with tab and CR,
    /// which some programs strip before looking.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// Fields joined into one record. A field is quoted when it holds a comma, a quote, a line
    /// break, a semicolon or a tab (the separators `engel import` guesses between), or starts or
    /// ends with a space, so every value reads back exactly.
    static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        let needsQuotes =
            value.unicodeScalars.contains { [",", "\"", "\r", "\n", ";", "\t"].contains($0) }
            || value.first == " " || value.last == " "
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
