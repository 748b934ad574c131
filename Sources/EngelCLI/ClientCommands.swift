import ArgumentParser
import EngelCore
import Foundation
import IletiMerkezi

/// Builds the actions for a client command from its options.
private func actions(_ connection: ClientOptions, _ bulk: BulkOptions? = nil) throws -> ClientActions {
    ClientActions(
        client: BlacklistClient(configuration: try connection.configuration()), output: StandardOutput(),
        diagnostics: StandardError(), concurrency: bulk?.concurrency ?? 8, progress: bulk?.style ?? .silent)
}

struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Block numbers (idempotent: numbers already listed stay as they are).",
        discussion: """
            Sends bulk-add-blacklist requests of up to 50,000 numbers (add-blacklist per number to
            a server without it, such as the live API). Failures are listed at the end with their
            codes (466: not a Turkish mobile number); the exit status is then 1. Running the same
            command again is harmless.

            Example:
              engel add 905321234567 +905441234567 --url http://127.0.0.1:8080
            """)

    @Argument(help: "Numbers: 905XXXXXXXXX, +905XXXXXXXXX, 5XXXXXXXXX, …") var numbers: [String]
    @OptionGroup var connection: ClientOptions
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        try await actions(connection, bulk).add(numbers)
    }
}

struct RemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Unblock numbers.",
        discussion: """
            Sends bulk-delete-blacklist requests of up to 50,000 numbers (delete-blacklist per
            number to a server without it). A number not on the list fails with 474 unless
            --ignore-missing is given, which makes an interrupted run safe to repeat.

            Example:
              engel remove 905321234567 --ignore-missing
            """)

    @Argument(help: "Numbers to unblock.") var numbers: [String]
    @Flag(help: "Count a number that is not on the list (474) as removed.") var ignoreMissing = false
    @OptionGroup var connection: ClientOptions
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        try await actions(connection, bulk).remove(numbers, ignoringMissing: ignoreMissing)
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
            Example:
              engel list --from 2026-04-01 --to "2026-04-30 12:00:00" --csv
            """)

    @OptionGroup var dates: DateBoundOptions
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Print CSV with a 'number' header.") var csv = false
    @OptionGroup var connection: ClientOptions

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
    }

    func run() async throws {
        let (from, to) = try dates.bounds()
        try await actions(connection).list(from: from, to: to, format: json ? .json : csv ? .csv : .text)
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Tell whether numbers are blocked (exit status 1 when any is not).",
        discussion: """
            Prints each number with "listed", "not listed" or "invalid number". Asks Engel's
            check-blacklist; a server without it (the live API) has its list read once instead,
            stopping as soon as every number has been found.

            Example:
              engel check 905321234567 5441234567
            """)

    @Argument(help: "Numbers to look for.") var numbers: [String]
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        try await actions(connection).check(numbers)
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Block every number in a file: one per line, or CSV ('-' reads stdin).",
        discussion: """
            In CSV the column headed number (or numara, phone, telefon, gsm, msisdn, mobile) is used,
            else the first. Blank lines and # comments are skipped. Numbers go in bulk-add-blacklist
            requests of up to 50,000, two at a time (add-blacklist per number, --concurrency at
            once, to a server without it). Failures are listed at the end with their line numbers
            and codes; the import can be interrupted and run again.

            Example:
              engel import numbers.csv --concurrency 16
            """)

    @Argument(help: ArgumentHelp("The file, or - for standard input.", valueName: "file")) var file: String
    @OptionGroup var connection: ClientOptions
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        let text = try NumberFileReader.read(file)
        try await actions(connection, bulk).importNumbers(from: text)
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
            Example:
              engel export --csv --output backup.csv
            """)

    @Flag(help: "Write CSV with a 'number' header instead of one number per line.") var csv = false
    @Option(help: ArgumentHelp("Write to this file (replaced at the end) instead of stdout.", valueName: "file"))
    var output: String?
    @OptionGroup var connection: ClientOptions

    func run() async throws {
        try await actions(connection).export(csv: csv, to: output)
    }
}
