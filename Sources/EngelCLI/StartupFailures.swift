import ArgumentParser
import EngelServer

/// Runs `body`; a known start-up failure ends the command with its one sentence on stderr and its
/// sysexits.h status, instead of the error's own text.
func explainingStartupFailures(
    _ configuration: ServerConfiguration, to output: some TextOutput = StandardError(),
    _ body: () async throws -> Void
) async throws {
    do {
        try await body()
    } catch {
        guard let failure = StartupFailure(explaining: error, configuration: configuration) else { throw error }
        output.write("engel: \(failure.sentence)\n")
        throw ExitCode(failure.status)
    }
}
