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
            """,
        subcommands: [
            Create.self, List.self, DisableAPI.self, EnableAPI.self, Rotate.self, Delete.self, Load.self,
        ]
    )

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
            abstract: "Delete an account and its whole list.",
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
