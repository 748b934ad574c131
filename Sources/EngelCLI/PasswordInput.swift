import ArgumentParser
import Foundation

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where a new panel password comes from: typed twice at a prompt that does not echo when standard
/// input is a terminal, else the first line of standard input (`printf '%s\n' "$PASSWORD" | engel …`),
/// so that it never appears in the arguments a process list shows.
enum PasswordInput {
    /// The new password for `user`.
    static func newPassword(for user: String) throws -> String {
        guard isatty(STDIN_FILENO) != 0 else {
            guard let line = readLine(strippingNewline: true) else {
                throw ValidationError("no password on standard input: pipe one line holding it")
            }
            return firstLine(line)
        }
        let first = try prompt("New password for \(user): ")
        let second = try prompt("Repeat it: ")
        guard first == second else { throw ValidationError("the two passwords differ; nothing was changed") }
        return first
    }

    /// `line` without a trailing carriage return (a file written on Windows).
    static func firstLine(_ line: String) -> String {
        line.hasSuffix("\r") ? String(line.dropLast()) : line
    }

    /// Shows `text` on standard error and reads a line with the terminal's echo off.
    private static func prompt(_ text: String) throws -> String {
        StandardError().write(text)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw ValidationError("cannot turn the terminal's echo off to read the password")
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        let line = readLine(strippingNewline: true)
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        // The Enter key was not echoed either.
        StandardError().write("\n")
        guard let line else { throw ValidationError("no password was typed") }
        return line
    }
}
