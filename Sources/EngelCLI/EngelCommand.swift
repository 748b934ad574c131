public import ArgumentParser
import EngelServer

/// `engel`: the server and its administration in one command.
public struct EngelCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "engel",
        abstract: "A self-hosted, wire-compatible iletiMerkezi blacklist (suppression list) server and its client.",
        discussion: """
            Engel answers the iletiMerkezi blacklist API (add-blacklist, get-blacklist,
            delete-blacklist) so that existing clients work by changing only their base URL.

            Examples:
              engel serve                                   # 127.0.0.1:8080, SQLite in ~/.local/share/engel
              engel serve --port 9000 --database ./engel.sqlite
              engel account create acme                     # prints the key, secret and hash once
              engel account list
              engel webhook add acme https://crm.example.com/engel   # posts acme's changes there
              engel panel-user create ayse --account acme   # a panel user (pages not served yet)

            Client commands talk to --url (env ENGEL_URL; default the live API) with --key and
            --hash (env ILETIMERKEZI_API_KEY, ILETIMERKEZI_API_HASH):
              engel add 905321234567 --url http://127.0.0.1:8080
              engel import numbers.csv
              engel filter campaign.csv > send.csv
              engel export --csv > backup.csv
              engel changes --follow
            """,
        version: "engel \(EngelVersion.text)",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, BackupCommand.self, AccountCommand.self, PanelUserCommand.self,
            WebhookCommand.self,
            AddCommand.self,
            RemoveCommand.self,
            ListCommand.self,
            CheckCommand.self, FilterCommand.self, ImportCommand.self, ExportCommand.self,
            ChangesCommand.self, HistoryCommand.self,
        ]
    )

    public init() {}
}

/// The entry point of the `engel` executable.
public enum EngelMain {
    /// Parses the process's arguments and runs the chosen command, exiting with its status.
    public static func run() async {
        StandardOutput.ignoreBrokenPipeSignal()
        await EngelCommand.main()
    }
}
