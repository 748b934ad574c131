import ArgumentParser
import EngelServer

/// `--database`, shared by every command that opens the store.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .setting(.database), help: .setting(.database, valueName: "location"))
    var database: String?

    /// The configuration these flags and the environment give.
    func resolve(_ overrides: ServerConfiguration.Overrides = .init()) throws -> ServerConfiguration {
        var overrides = overrides
        overrides.set(.database, database)
        return try ServerConfiguration.resolve(overrides)
    }
}
