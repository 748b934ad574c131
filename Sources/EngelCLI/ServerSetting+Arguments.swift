import ArgumentParser
import EngelServer

// `serve` and `--database` take their flags and help from EngelServer's settings, so that the
// names, defaults and texts `--help` shows are the ones the server reads and the README lists.

extension NameSpecification {
    /// The long flag of `setting`.
    static func setting(_ setting: ServerSetting) -> NameSpecification {
        .customLong(setting.flag)
    }
}

extension ArgumentHelp {
    /// The help of `setting`: what it means, its environment variable and its default.
    static func setting(_ setting: ServerSetting, valueName: String? = nil) -> ArgumentHelp {
        ArgumentHelp(setting.help, valueName: valueName)
    }
}
