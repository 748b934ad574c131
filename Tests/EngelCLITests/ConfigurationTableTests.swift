import ArgumentParser
import EngelServer
import Foundation
import Testing

@testable import EngelCLI

/// The settings are described once, in `ServerSetting`; these tests hold `serve` and the README to it.
@Suite("Configuration table")
struct ConfigurationTableTests {
    @Test("README's configuration table is the settings' table, row by row")
    func readme() throws {
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex(of: "| flag | environment | default | meaning |"))
        let rows = lines[(header + 2)...].prefix { $0.hasPrefix("|") }
        let expected = ServerSetting.all.map(Self.row)
        #expect(
            Array(rows) == expected,
            "README.md's table should read:\n\(expected.joined(separator: "\n"))")
    }

    @Test("serve has a flag for every setting that has one, and passes it on under that setting")
    func serveFlags() throws {
        for setting in ServerSetting.all where setting.hasFlag {
            // "300" parses as every option's type: text, whole number and seconds.
            let command = try #require(
                try EngelCommand.parseAsRoot(["serve", "--\(setting.flag)", "300"]) as? ServeCommand,
                "--\(setting.flag)")
            let given = setting == .database ? command.store.database : command.overrides.values[setting]
            #expect(given.flatMap(Double.init) == 300, "--\(setting.flag)")
        }
        #expect(throws: (any Error).self) {
            try EngelCommand.parseAsRoot(["serve", "--\(ServerSetting.metricsToken.flag)", "x"])
        }
    }

    @Test("serve --help shows every setting's environment variable")
    func help() {
        let help = ServeCommand.helpMessage(columns: 200)
        for setting in ServerSetting.all {
            #expect(help.contains(setting.environmentName), "\(setting)")
        }
        #expect(help.contains("--max-bulk-body-bytes <max-bulk-body-bytes>"))
        #expect(help.contains("(env ENGEL_PORT, default 8080)"))
    }

    /// The README row of `setting`, in Markdown.
    private static func row(_ setting: ServerSetting) -> String {
        let flag = setting.hasFlag ? "`--\(setting.flag)`" : "(none)"
        let meaning = setting.meaning.replacingOccurrences(of: "|", with: #"\|"#)
        return "| \(flag) | `\(setting.environmentName)` | \(setting.defaultText) | \(meaning) |"
    }

    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
