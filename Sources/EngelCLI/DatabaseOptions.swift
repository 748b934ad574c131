import ArgumentParser
import EngelServer

/// `--database`, shared by every command that opens the store.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The store: an SQLite file path, sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DB (env ENGEL_DATABASE).",
            discussion: "Default: $XDG_DATA_HOME/engel/engel.sqlite, else ~/.local/share/engel/engel.sqlite.",
            valueName: "location"))
    var database: String?

    /// The configuration these flags and the environment give.
    func resolve(_ overrides: ServerConfiguration.Overrides = .init()) throws -> ServerConfiguration {
        var overrides = overrides
        overrides.database = database
        return try ServerConfiguration.resolve(overrides)
    }
}
