import ArgumentParser
import EngelCore
import Foundation
import IletiMerkezi

/// Builds the actions for a client command from its options.
private func actions(_ connection: ClientOptions, _ bulk: BulkOptions? = nil) throws -> ClientActions {
    ClientActions(
        client: BlacklistClient(configuration: try connection.configuration(), httpClient: try connection.httpClient()),
        output: StandardOutput(),
        diagnostics: StandardError(), concurrency: bulk?.concurrency ?? 8, progress: bulk?.style ?? .silent)
}

/// `--reason`, shared by add and remove.
struct ReasonOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Why: kept with the entry and in the change log (at most 256 characters).",
            discussion: "The live API ignores it.", valueName: "text"))
    var reason: String?

    func validate() throws {
        if let reason, reason.unicodeScalars.count > ChangeReason.maximumScalars {
            throw ValidationError("--reason must be at most \(ChangeReason.maximumScalars) characters")
        }
    }
}

/// `--until`: when a block ends.
struct UntilOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "When the block ends: a Turkey time, or a span from now such as 30d, 12h or 90m.",
            discussion: """
                A bare date means its midnight (the block ends as that day
                begins). Without it the block is forever. A re-add never
                shortens a block: the later end wins.
                """,
            valueName: "YYYY-MM-DD[ HH:MM:SS]|span"))
    var until: String?

    func validate() throws {
        _ = try date()
    }

    /// The end `until` gives, read at `now`; `nil` without one.
    func date(now: Date = Date()) throws -> Date? {
        guard let until else { return nil }
        guard let date = Self.end(until, now: now) else {
            throw ValidationError("--until must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (Turkey time) or a span like 30d")
        }
        guard date > now else { throw ValidationError("--until must be after now") }
        return date
    }

    /// A Turkey time (`YYYY-MM-DD` is its midnight), or a whole number of days, hours or minutes
    /// from `now` (`30d`, `12h`, `90m`).
    static func end(_ text: String, now: Date) -> Date? {
        if text.count == 10, let date = TurkeyTime.parse(text + " 00:00:00") { return date }
        if let date = TurkeyTime.parse(text) { return date }
        guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0, amount < 100_000 else {
            return nil
        }
        switch unit {
        case "d": return now.addingTimeInterval(Double(amount) * 86_400)
        case "h": return now.addingTimeInterval(Double(amount) * 3600)
        case "m": return now.addingTimeInterval(Double(amount) * 60)
        default: return nil
        }
    }
}

struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Block numbers (idempotent: numbers already listed stay as they are).",
        discussion: """
            Sends bulk-add-blacklist requests of up to 50,000 numbers (add-blacklist per
            number to a server without it, such as the live API). Failures are listed at
            the end with their codes (466: not a Turkish mobile number); the exit status
            is then 1. Running the same command again is harmless; with --until it moves
            a listed number's end later, never earlier.

            Examples:
              engel add 905321234567 +905441234567 --url http://127.0.0.1:8080
              engel add 905321234567 --reason "replied STOP" --until 30d
            """)

    @Argument(help: "Numbers: 905XXXXXXXXX, +905XXXXXXXXX, 5XXXXXXXXX, …") var numbers: [String]
    @OptionGroup var reason: ReasonOption
    @OptionGroup var until: UntilOption
    @OptionGroup var connection: ClientOptions
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        try await actions(connection, bulk).add(numbers, reason: reason.reason, until: try until.date())
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Unblock numbers.",
        discussion: """
            Sends bulk-delete-blacklist requests of up to 50,000 numbers
            (delete-blacklist per number to a server without it). A number not on the
            list fails with 474 unless --ignore-missing is given, which makes an
            interrupted run safe to repeat.

            Example:
              engel remove 905321234567 --ignore-missing --reason "asked by phone"
            """)

    @Argument(help: "Numbers to unblock.") var numbers: [String]
    @Flag(help: "Count a number that is not on the list (474) as removed.") var ignoreMissing = false
    @OptionGroup var reason: ReasonOption
    @OptionGroup var connection: ClientOptions
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        try await actions(connection, bulk).remove(numbers, reason: reason.reason, ignoringMissing: ignoreMissing)
    }
}

/// `--from` and `--to`: Turkey-time bounds, as the API takes them.
struct DateBoundOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only numbers added at or after this Turkey time.", valueName: "YYYY-MM-DD[ HH:MM:SS]"))
    var from: String?
    @Option(help: ArgumentHelp("Only numbers added up to this Turkey time.", valueName: "YYYY-MM-DD[ HH:MM:SS]"))
    var to: String?

    func validate() throws {
        _ = try bounds()
    }

    /// The bounds; a bare date means its first second for `--from` and its last for `--to`.
    func bounds() throws -> (from: Date?, to: Date?) {
        func parse(_ text: String?, time: String, flag: String) throws -> Date? {
            guard let text else { return nil }
            let full = text.count == 10 ? text + " " + time : text
            guard let date = TurkeyTime.parse(full) else {
                throw ValidationError("\(flag) must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (Turkey time)")
            }
            return date
        }
        return (try parse(from, time: "00:00:00", flag: "--from"), try parse(to, time: "23:59:59", flag: "--to"))
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the blocked numbers, oldest first (every page).",
        discussion: """
            With --detail, each entry's columns: number, addedAt, source, reason, until,
            actor (times in Turkey time; '-' for an absent value in text, empty in CSV,
            null in JSON). --detail needs an Engel server (get-blacklist-entries).

            Examples:
              engel list --from 2026-04-01 --to "2026-04-30 12:00:00" --csv
              engel list --detail
            """)

    @OptionGroup var dates: DateBoundOptions
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Print CSV with a header.") var csv = false
    @Flag(help: "Print every entry's columns: number, addedAt, source, reason, until, actor.") var detail = false
    @OptionGroup var connection: ClientOptions

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
    }

    func run() async throws {
        let (from, to) = try dates.bounds()
        let format: ClientActions.ListFormat = json ? .json : csv ? .csv : .text
        if detail {
            try await actions(connection).listInDetail(from: from, to: to, format: format)
        } else {
            try await actions(connection).list(from: from, to: to, format: format)
        }
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Tell whether numbers are blocked (exit status 1 when any is not).",
        discussion: """
            Prints each number with "listed", "not listed" or "invalid number". Asks
            Engel's check-blacklist; a server without it (the live API) has its list
            read once instead, stopping as soon as every number has been found. With
            --detail, a listed number's line goes on with its addedAt, source, reason,
            until and actor (an Engel server only). For more than a few thousand
            numbers use engel filter, which reads them from a file or standard input:
            reading arguments takes time that grows with the square of their count.

            Example:
              engel check 905321234567 5441234567
              engel check --detail 905321234567
            """)

    @Argument(help: "Numbers to look for.") var numbers: [String]
    @Flag(help: "Show each listed number's addedAt, source, reason, until and actor.") var detail = false
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        try await actions(connection).check(numbers, detail: detail)
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Block every number in a file: one per line, or CSV ('-' reads stdin).",
        discussion: """
            In CSV the column headed number (or numara, phone, telefon, gsm, msisdn,
            mobile) is used, else the first. Blank lines and # comments are skipped.
            Numbers go in bulk-add-blacklist requests of up to 50,000, two at a time
            (add-blacklist per number, --concurrency at once, to a server without it).
            Failures are listed at the end with their line numbers and codes; the import
            can be interrupted and run again.

            With --detail it reads what 'engel export --detail' writes (CSV with a
            header) and restores each entry's reason and until; numbers sharing both go
            in one bulk request. An entry whose until has passed is skipped. addedAt,
            source and actor cannot be restored through the API: the server sets them
            (now, bulk, api).

            Examples:
              engel import numbers.csv --concurrency 16
              engel import --detail backup.csv
            """)

    @Argument(help: ArgumentHelp("The file, or - for standard input.", valueName: "file")) var file: String
    @Flag(help: "Read a CSV with number, reason and until columns and restore reason and until.") var detail = false
    @OptionGroup var connection: ClientOptions
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        let text = try NumberFileReader.read(file)
        if detail {
            try await actions(connection, bulk).importInDetail(from: text)
        } else {
            try await actions(connection, bulk).importNumbers(from: text)
        }
    }
}

struct FilterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Print the recipients that may be sent to: valid and not blocked ('-' reads stdin).",
        discussion: """
            Reads recipients one per line, or CSV: the column headed number (numara,
            phone, telefon, gsm, msisdn, mobile), else the first; a first line
            without digits is a header. Blank lines and # comments are skipped.

            Prints each valid number that is not listed once, as +905XXXXXXXXX, in
            input order; with --listed, the blocked ones instead. Invalid lines go
            to stderr with their line numbers and leave the exit status 0: only a
            failed request (wrong credentials, no connection) exits non-zero. The
            input is read and checked 50,000 lines at a time, so any size streams.

            Example:
              engel filter campaign.csv > send.csv
              cat recipients.txt | engel filter --listed -
            """)

    @Argument(help: ArgumentHelp("The file, or - for standard input (the default).", valueName: "file"))
    var file = "-"
    @Flag(help: "Print the listed (blocked) numbers instead of the ones that may be sent to.") var listed = false
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        let input = try NumberStream(path: file)
        try await actions(connection).filter(input, listed: listed)
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the whole list in a form 'engel import' reads back.",
        discussion: """
            With --detail, CSV with every entry's columns (number, addedAt, source,
            reason, until, actor), which 'engel import --detail' reads back; it needs an
            Engel server.

            Examples:
              engel export --csv --output backup.csv
              engel export --detail --output backup.csv
            """)

    @Flag(help: "Write CSV with a 'number' header instead of one number per line.") var csv = false
    @Flag(help: "Write CSV with number, addedAt, source, reason, until and actor columns.") var detail = false
    @Option(help: ArgumentHelp("Write to this file (replaced at the end) instead of stdout.", valueName: "file"))
    var output: String?
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        if detail {
            try await actions(connection).exportInDetail(to: output)
        } else {
            try await actions(connection).export(csv: csv, to: output)
        }
    }
}

struct ChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "Print the list's change log: every add, remove and expiry, in order.",
        discussion: """
            One line per change: seq, at (Turkey time), action, number, source, actor,
            until, reason ('-' when absent), tab-separated; with --json one JSON object
            per line. Without --follow it stops when it has caught up and tells on
            stderr where to go on from; with --follow it waits for new changes, like
            tail -f, until interrupted. Needs an Engel server (get-blacklist-changes).

            Examples:
              engel changes --after 1200
              engel changes --follow --json | my-consumer
            """)

    @Option(help: ArgumentHelp("Start after this seq (0: from the oldest kept).", valueName: "seq"))
    var after: Int64 = 0
    @Flag(help: "Keep printing new changes as they are made, until interrupted.") var follow = false
    @Option(help: ArgumentHelp("Stop after printing this many changes.", valueName: "count"))
    var limit: Int?
    @Option(help: ArgumentHelp("With --follow, seconds between asks once caught up.", valueName: "seconds"))
    var interval: Double = 1
    @Flag(help: "Print one JSON object per line, with the API's keys.") var json = false
    @OptionGroup var connection: ClientOptions

    func validate() throws {
        guard after >= 0 else { throw ValidationError("--after must be 0 or more") }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
        guard interval > 0 else { throw ValidationError("--interval must be more than 0 seconds") }
    }

    func run() async throws {
        try await actions(connection).changes(
            after: after, follow: follow, limit: limit, json: json,
            pollInterval: .milliseconds(Int64(interval * 1000)))
    }
}
