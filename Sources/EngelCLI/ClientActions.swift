import ArgumentParser
import EngelCore
import Foundation
import IletiMerkezi

/// The client commands' work, against any ``BlacklistClient``: what tests call directly.
struct ClientActions: Sendable {
    let client: BlacklistClient
    let output: any TextOutput
    let diagnostics: any TextOutput
    var concurrency = 8
    var progress: ProgressStyle = .silent

    // MARK: add, remove, import

    /// Adds each number; safe to run again after an interruption, since add is idempotent.
    func add(_ numbers: [String]) async throws {
        try await bulk(label: "adding", verb: "added", Self.arguments(numbers)) { number throws(IletiMerkeziError) in
            try await client.add(number)
        }
    }

    /// Removes each number; with `ignoringMissing`, a number not on the list (474) counts as done.
    func remove(_ numbers: [String], ignoringMissing: Bool) async throws {
        try await bulk(label: "removing", verb: "removed", Self.arguments(numbers)) {
            number throws(IletiMerkeziError) in
            do throws(IletiMerkeziError) {
                try await client.remove(number)
            } catch  where ignoringMissing && error.kind == .notListed {
                return
            }
        }
    }

    /// Adds every number in `text` (one per line, or CSV).
    func importNumbers(from text: String) async throws {
        let lines = NumberFile.parse(text)
        guard !lines.isEmpty else {
            diagnostics.write("No numbers to import.\n")
            return
        }
        try await bulk(label: "importing", verb: "imported", lines) { number throws(IletiMerkeziError) in
            try await client.add(number)
        }
    }

    private static func arguments(_ numbers: [String]) -> [NumberLine] {
        numbers.enumerated().map { NumberLine(line: $0.offset + 1, text: $0.element) }
    }

    private func bulk(
        label: String, verb: String, _ items: [NumberLine],
        operation: @escaping @Sendable (String) async throws(IletiMerkeziError) -> Void
    ) async throws {
        let reporter = ProgressReporter(label: label, total: items.count, style: progress, output: diagnostics)
        reporter.begin()
        let outcome = await BulkRunner(concurrency: concurrency).run(items, progress: reporter, operation: operation)
        reporter.finish()
        diagnostics.write(Self.report(outcome, verb: verb, total: items.count))
        if !outcome.failures.isEmpty || outcome.notAttempted > 0 { throw ExitCode.failure }
    }

    /// The end-of-run summary: counts, then one line per failure with its code and message.
    static func report(_ outcome: BulkOutcome, verb: String, total: Int) -> String {
        var text = "\(verb) \(outcome.succeeded) of \(total)"
        if !outcome.failures.isEmpty { text += ", \(outcome.failures.count) failed" }
        if outcome.notAttempted > 0 { text += ", \(outcome.notAttempted) not attempted" }
        text += "\n"
        if let stop = outcome.stoppedBy {
            text += "stopped early: \(stop); every request would fail the same way\n"
        }
        for failure in outcome.failures {
            let code = failure.error.code.map(String.init) ?? "-"
            text +=
                "  line \(failure.item.line)\t\(failure.item.text)\t\(code)\t\(failure.error.kind): "
                + "\(failure.error.message)\n"
        }
        return text
    }

    // MARK: list, export, check

    enum ListFormat: Sendable {
        case text, json, csv
    }

    /// Writes every number matching the bounds, page by page.
    func list(from: Date?, to: Date?, format: ListFormat) async throws {
        var first = true
        switch format {
        case .json: output.write("[")
        case .csv: output.write("number\n")
        case .text: break
        }
        for try await page in client.pages(from: from, to: to) {
            var chunk = ""
            for number in page.numbers {
                switch format {
                case .text, .csv: chunk += number + "\n"
                case .json:
                    chunk += (first ? "\n  \"" : ",\n  \"") + number + "\""
                    first = false
                }
            }
            output.write(chunk)
        }
        if format == .json { output.write(first ? "]\n" : "\n]\n") }
    }

    /// Writes the whole list in a form `import` reads back: one number per line, or CSV.
    func export(csv: Bool, to path: String?) async throws {
        var text = csv ? "number\n" : ""
        var written = 0
        for try await page in client.pages() {
            for number in page.numbers { text += number + "\n" }
            written += page.numbers.count
        }
        if let path, path != "-" {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } else {
            output.write(text)
        }
        diagnostics.write("exported \(written) numbers\n")
    }

    /// Prints whether each number is listed; fails (exit status 1) when any is not.
    ///
    /// The API has no membership method, so this walks the list once for all the numbers asked
    /// about, and stops as soon as every one of them has been seen.
    func check(_ numbers: [String], parser: PhoneNumberParser = PhoneNumberParser()) async throws {
        var wanted: [PhoneNumber: Bool] = [:]
        var invalid: [String] = []
        for text in numbers {
            if let number = parser.number(from: text) { wanted[number] = false } else { invalid.append(text) }
        }
        var remaining = wanted.count
        if remaining > 0 {
            walk: for try await page in client.pages() {
                for text in page.numbers {
                    guard let number = parser.number(from: text), wanted[number] == false else { continue }
                    wanted[number] = true
                    remaining -= 1
                    if remaining == 0 { break walk }
                }
            }
        }
        var text = ""
        for typed in numbers {
            if let number = parser.number(from: typed), let listed = wanted[number] {
                text += "\(number.international)\t\(listed ? "listed" : "not listed")\n"
            } else {
                text += "\(typed)\tinvalid number\n"
            }
        }
        output.write(text)
        if remaining > 0 || !invalid.isEmpty { throw ExitCode.failure }
    }
}
