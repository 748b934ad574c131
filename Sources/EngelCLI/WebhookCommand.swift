import ArgumentParser
import EngelServer

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Post an account's changes to a URL as they happen, signed with a secret.",
        discussion: """
            A running `engel serve` delivers each webhook: batches of up to 100 of the account's
            change records, in order, at least once, with Engel-Timestamp and Engel-Signature
            headers (README, "Webhooks"). A webhook added now receives the changes made from now on.

            Examples:
              engel webhook add acme https://crm.example.com/engel
              engel webhook list
              engel webhook test acme 1
              engel webhook remove acme 1
            """,
        subcommands: [Add.self, List.self, Remove.self, Test.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a webhook and print its signing secret (shown only this once).",
            discussion: "Example: engel webhook add acme https://crm.example.com/engel")

        @Argument(help: "The account whose changes are posted.") var account: String
        @Argument(help: "Where to post them: an http:// or https:// URL.") var url: String
        @Flag(help: "Print JSON instead of text.") var json = false
        @OptionGroup var store: DatabaseOptions

        func validate() throws {
            do {
                _ = try WebhookAdministration.validatedURL(url)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() async throws {
            try await WebhookActions(configuration: store.resolve()).add(
                account: account, url: url, json: json, to: StandardOutput())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List webhooks with their URLs and cursors (never their secrets).",
            discussion: "Example: engel webhook list acme")

        @Argument(help: "Only this account's webhooks (default: every account's).") var account: String?
        @Flag(help: "Print JSON instead of a table.") var json = false
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await WebhookActions(configuration: store.resolve()).list(
                account: account, json: json, to: StandardOutput())
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a webhook; running servers stop delivering it within a second.",
            discussion: "Example: engel webhook remove acme 1")

        @Argument(help: "The account the webhook belongs to.") var account: String
        @Argument(help: "The webhook's identifier, as `engel webhook list` shows it.") var id: Int64
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await WebhookActions(configuration: store.resolve()).remove(
                account: account, id: id, to: StandardOutput())
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a webhook one signed delivery with no changes and report the receiver's answer.",
            discussion: """
                The delivery is signed as the server signs them, with "changes": [] so the receiver
                changes nothing; the cursor does not move. The exit status is 1 unless the receiver
                answers 2xx in time.

                Example: engel webhook test acme 1
                """)

        @Argument(help: "The account the webhook belongs to.") var account: String
        @Argument(help: "The webhook's identifier, as `engel webhook list` shows it.") var id: Int64
        @Option(help: "Seconds the receiver has to answer.") var timeout: Double = 10
        @OptionGroup var store: DatabaseOptions

        func validate() throws {
            guard timeout.isFinite, timeout > 0, timeout <= 300 else {
                throw ValidationError("the timeout must be a number of seconds above 0 and at most 300")
            }
        }

        func run() async throws {
            try await WebhookActions(configuration: store.resolve()).test(
                account: account, id: id, timeout: .milliseconds(Int64((timeout * 1000).rounded())),
                to: StandardOutput())
        }
    }
}
