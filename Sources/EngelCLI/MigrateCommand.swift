import ArgumentParser
import EngelCore
import EngelServer
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database's schema to this version of Engel, then exit.",
        discussion: """
            `engel serve` migrates at start-up too; run this first to upgrade the schema before
            rolling out new servers. Safe while other servers start or run: each migration is
            applied once, inside a transaction (under an advisory lock on PostgreSQL).

            Examples:
              engel migrate --database ./engel.sqlite
              engel migrate --database postgres://engel@db.internal:5432/engel
            """)

    @OptionGroup var store: DatabaseOptions

    func run() async throws {
        let configuration = try store.resolve()
        try await explainingStartupFailures(configuration) {
            let migration = try await configuration.database.migrate(logger: Logger(label: "engel.migrate"))
            StandardOutput().write(MigrateFormatting.describe(migration, database: "\(configuration.database)"))
        }
    }
}

/// How `migrate` reports what it did.
enum MigrateFormatting {
    static func describe(_ migration: SchemaMigration, database: String) -> String {
        if migration.appliedAny {
            "Migrated \(database) from schema version \(migration.fromVersion) to \(migration.toVersion).\n"
        } else {
            "\(database) is up to date (schema version \(migration.toVersion)).\n"
        }
    }
}
