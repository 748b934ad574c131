import ArgumentParser
import EngelServer

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Create and manage accounts: each has its own list, key and hash.",
        discussion: """
            Examples:
              engel account create acme --json
              engel account disable-api acme
              engel account rotate acme
              engel account audit acme
            """,
        subcommands: [
            Create.self, List.self, DisableAPI.self, EnableAPI.self, Rotate.self, Delete.self, Load.self,
            Audit.self,
        ]
    )

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the account's audit log: created, API access, hash rotations, sign-ins, erasures.",
            discussion: """
                Oldest first, in Turkey time, with who acted (cli, panel:<user>, system).
                The log is kept by the account's name, so a deleted account's log still
                shows. It never holds a phone number or a credential.

                Example: engel account audit acme --json
                """)

        @Argument(help: "The account's name.") var name: String
        @Flag(help: "Print JSON instead of a table.") var json = false
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).audit(name: name, json: json, to: StandardOutput())
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account and print its key, secret and hash (shown only this once).",
            discussion: "Example: engel account create acme --json")

        @Argument(help: "A unique name: letters, digits, '.', '_' or '-'.") var name: String
        @Flag(help: "Print JSON instead of text.") var json = false
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).create(
                name: name, json: json, to: StandardOutput())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts with their keys and API access.",
            discussion: "Example: engel account list --json")

        @Flag(help: "Print JSON instead of a table.") var json = false
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).list(json: json, to: StandardOutput())
        }
    }

    struct DisableAPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable-api",
            abstract: "Turn API access off: every request with this account's key answers 401.",
            discussion: "Example: engel account disable-api acme")

        @Argument(help: "The account's name.") var name: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).setAPIAccess(
                false, name: name, to: StandardOutput())
        }
    }

    struct EnableAPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable-api",
            abstract: "Turn API access back on.",
            discussion: "Example: engel account enable-api acme")

        @Argument(help: "The account's name.") var name: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).setAPIAccess(
                true, name: name, to: StandardOutput())
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new secret and hash for the account's key; the old hash stops working.",
            discussion: "Example: engel account rotate acme --json")

        @Argument(help: "The account's name.") var name: String
        @Flag(help: "Print JSON instead of text.") var json = false
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).rotate(
                name: name, json: json, to: StandardOutput())
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a file of numbers straight into an account's list, without the API.",
            discussion: """
                For moving an existing suppression list in: a million numbers take seconds. The file
                is read like `engel import` reads it (one number per line, or CSV with a number
                column; `-` reads standard input). Numbers already listed keep their added-at time;
                lines that are not mobile numbers are reported and the rest are still loaded.

                Example: engel account load acme numbers.csv
                """)

        @Argument(help: "The account's name.") var name: String
        @Argument(help: "The file of numbers, or - for standard input.") var file: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            let text = try NumberFileReader.read(file)
            try await AccountActions(configuration: store.resolve()).load(
                name: name, text: text, progress: StandardError.isTerminal ? .bar : .lines(every: .seconds(5)),
                to: StandardOutput(), diagnostics: StandardError())
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an account, its whole list and its panel users.",
            discussion: "Example: engel account delete acme --yes")

        @Argument(help: "The account's name.") var name: String
        @Flag(help: "Confirm: the account's list is deleted with it and cannot be restored.") var yes = false
        @OptionGroup var store: DatabaseOptions

        func validate() throws {
            guard yes else {
                throw ValidationError("deleting \(name) also deletes its whole list; add --yes to confirm")
            }
        }

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).delete(name: name, to: StandardOutput())
        }
    }
}

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Act on the change log of an account's numbers.",
        subcommands: [Erase.self]
    )

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase one number's change records and reason, on a data subject's request (KVKK).",
            discussion: """
                For a request under KVKK (Turkey's personal data law, Law No. 6698) to erase
                what is kept about a person: every change record of NUMBER in ACCOUNT's log
                is deleted and the entry's reason is cleared. The entry itself stays if the
                number is listed, so that the person is still not sent to; remove it with
                'engel remove' if that is asked too. Webhook receivers and mirrors that
                already got the changes keep their copies.

                The erasure cannot be undone and asks for no confirmation. It is recorded in
                the account's audit log (engel account audit) with the count of records,
                never the number. Prints how many records were erased.

                Example: engel history erase acme 905321234567
                """)

        @Argument(help: "The account's name.") var account: String
        @Argument(help: "The number whose history to erase: 905XXXXXXXXX, +905XXXXXXXXX, 5XXXXXXXXX, …")
        var number: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await AccountActions(configuration: store.resolve()).eraseHistory(
                account: account, number: number, to: StandardOutput())
        }
    }
}
