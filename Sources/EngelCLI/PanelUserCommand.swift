import ArgumentParser
import EngelCore
import EngelServer

struct PanelUserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel-user",
        abstract: "Create and manage the users of the operators' web panel.",
        discussion: """
            A viewer reads one account's list and logs; an operator of one account also adds,
            removes and imports numbers, switches its API access, rotates its hash and manages
            its webhooks; an admin does all of that for every account and manages the panel
            users, at /panel on engel serve's port.

            Passwords are typed twice at a prompt that does not echo, or, when standard input
            is not a terminal, read from its first line. They are at least 10 characters and
            at most 72 bytes, and only their bcrypt hash is kept (cost: --panel-password-cost
            of engel serve, env ENGEL_PANEL_PASSWORD_COST, default 12).

            Changes to a viewer or an operator are recorded in its account's audit log
            (engel account audit). Deleting an account deletes its panel users.

            Examples:
              engel panel-user create ayse --account acme
              engel panel-user create bora --account acme --role viewer
              printf '%s\\n' "$PASSWORD" | engel panel-user create root --admin
              engel panel-user list
              engel panel-user disable ayse
            """,
        subcommands: [Create.self, List.self, Disable.self, Enable.self, ResetPassword.self, Delete.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a panel user of one account (operator or viewer), or an admin.",
            discussion: """
                The password is asked for twice (or read from standard input's first line when
                it is not a terminal). Fails when the name is taken or the account does not exist.

                Examples:
                  engel panel-user create ayse --account acme
                  engel panel-user create bora --account acme --role viewer
                  engel panel-user create root --admin
                """)

        @Argument(help: "A unique name: 1 to 64 lowercase letters, digits, '.', '_' or '-'.") var name: String
        @Option(help: "The account the user works on (not with --admin).") var account: String?
        @Option(help: "What the user may do on the account: operator or viewer.") var role: String?
        @Flag(help: "Make an admin, who works on every account and manages the panel users.") var admin = false
        @OptionGroup var store: DatabaseOptions

        func validate() throws {
            _ = try kind()
        }

        /// The role's kind the flags ask for.
        func kind() throws -> PanelRole.Kind {
            if admin {
                guard account == nil, role == nil else {
                    throw ValidationError("--admin works on every account: give neither --account nor --role")
                }
                return .admin
            }
            guard account != nil else {
                throw ValidationError("name the user's account with --account ACCOUNT, or make an admin with --admin")
            }
            switch role ?? PanelRole.Kind.operator.rawValue {
            case PanelRole.Kind.operator.rawValue: return .operator
            case PanelRole.Kind.viewer.rawValue: return .viewer
            default: throw ValidationError("--role is operator or viewer (an admin is made with --admin)")
            }
        }

        func run() async throws {
            let password = try PasswordInput.newPassword(for: name)
            try await PanelUserActions(configuration: store.resolve()).create(
                name: name, kind: try kind(), account: account, password: password, to: StandardOutput())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the panel users with their roles, accounts and status (never their passwords).",
            discussion: "Example: engel panel-user list --json")

        @Flag(help: "Print JSON instead of a table.") var json = false
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await PanelUserActions(configuration: store.resolve()).list(json: json, to: StandardOutput())
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a panel user from signing in, and end its sessions at once.",
            discussion: "Example: engel panel-user disable ayse")

        @Argument(help: "The user's name.") var name: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await PanelUserActions(configuration: store.resolve()).setDisabled(
                true, name: name, to: StandardOutput())
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a disabled panel user sign in again.",
            discussion: "Example: engel panel-user enable ayse")

        @Argument(help: "The user's name.") var name: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await PanelUserActions(configuration: store.resolve()).setDisabled(
                false, name: name, to: StandardOutput())
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Give a panel user a new password, and end its sessions.",
            discussion: """
                The password is asked for twice (or read from standard input's first line when
                it is not a terminal).

                Example: engel panel-user reset-password ayse
                """)

        @Argument(help: "The user's name.") var name: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            let password = try PasswordInput.newPassword(for: name)
            try await PanelUserActions(configuration: store.resolve()).resetPassword(
                name: name, password: password, to: StandardOutput())
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a panel user, ending its sessions.",
            discussion: "Example: engel panel-user delete ayse")

        @Argument(help: "The user's name.") var name: String
        @OptionGroup var store: DatabaseOptions

        func run() async throws {
            try await PanelUserActions(configuration: store.resolve()).delete(name: name, to: StandardOutput())
        }
    }
}
