import ArgumentParser
import EngelCore
import EngelWire
import Foundation
import IletiMerkezi

/// The client commands' work, against any ``BlacklistClient``: what tests call directly.
struct ClientActions: Sendable {
    let client: BlacklistClient
    let output: any TextOutput
    let diagnostics: any TextOutput
    var concurrency = 8
    var progress: ProgressStyle = .silent
    /// Numbers per request of the batch methods; smaller only in tests, to cross batch boundaries.
    var batchSize = BlacklistClient.batchLimit

    // MARK: add, remove, import

    /// Adds each number, with `reason` and `until` when given; safe to run again after an
    /// interruption, since add is idempotent.
    func add(_ numbers: [String], reason: String? = nil, until: Date? = nil) async throws {
        try await bulk(label: "adding", verb: "added", unchanged: "already listed", Self.arguments(numbers)) {
            batch, settled throws(IletiMerkeziError) in try await addBatch(batch, reason: reason, until: until, settled)
        }
    }

    /// Removes each number, saying why when `reason` is given; with `ignoringMissing`, a number
    /// not on the list (474) counts as done.
    func remove(_ numbers: [String], reason: String? = nil, ignoringMissing: Bool) async throws {
        let client = client
        let concurrency = requestsPerBatch
        try await bulk(label: "removing", verb: "removed", unchanged: "not listed", Self.arguments(numbers)) {
            batch, settled throws(IletiMerkeziError) in
            try await client.remove(contentsOf: batch, reason: reason, concurrency: concurrency, progress: settled)
                .map { outcome in
                    switch outcome {
                    case .removed: .done
                    case .notListed:
                        ignoringMissing
                            ? .unchanged
                            : .failed(
                                IletiMerkeziError(.notListed, code: 474, message: APIStatus.cannotRemoveBlock.message))
                    case .invalid: .failed(Self.invalidNumber)
                    }
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
        try await bulk(label: "importing", verb: "imported", unchanged: "already listed", lines) {
            batch, settled throws(IletiMerkeziError) in try await addBatch(batch, settled)
        }
    }

    /// Adds one batch through the SDK: bulk-add-blacklist, or add-blacklist per number on a
    /// server without it.
    func addBatch(
        _ batch: [String], reason: String? = nil, until: Date? = nil, _ settled: @escaping @Sendable (Int) -> Void
    ) async throws(IletiMerkeziError) -> [ItemResult] {
        try await client.add(
            contentsOf: batch, reason: reason, until: until, concurrency: requestsPerBatch, progress: settled
        ).map { outcome in
            switch outcome {
            case .added: .done
            case .alreadyListed: .unchanged
            case .invalid: .failed(Self.invalidNumber)
            }
        }
    }

    static let invalidNumber = IletiMerkeziError(
        .invalidNumber, code: 466, message: APIStatus.invalidNumber.message)

    /// Batches in flight at once. SQLite applies one write group at a time, so a second batch keeps
    /// the server busy while the first one's answer travels and the client reads it; a third just
    /// waits in line. Measured importing 1,000,000 numbers (debug client and server on one loaded
    /// 2-core machine, 2026-11-30): 1 in flight 51 s, 2 in flight 35 s, 3 in flight 32 s.
    var batchesInFlight: Int { min(2, concurrency) }

    /// Requests one batch may have in flight: its numbers one by one, when the server lacks the
    /// bulk methods, so that `--concurrency` bounds requests in flight either way.
    private var requestsPerBatch: Int { max(1, concurrency / batchesInFlight) }

    private static func arguments(_ numbers: [String]) -> [NumberLine] {
        numbers.enumerated().map { NumberLine(line: $0.offset + 1, text: $0.element) }
    }

    private func bulk(
        label: String, verb: String, unchanged: String, _ items: [NumberLine],
        _ operation: @escaping BulkGroup.Operation
    ) async throws {
        try await bulk(
            label: label, verb: verb, unchanged: unchanged, [BulkGroup(items: items, operation: operation)])
    }

    /// Runs each group's items through its operation, one group after another, with one progress
    /// report and one summary for all; `failures` are items that failed before any request.
    func bulk(
        label: String, verb: String, unchanged: String, _ groups: [BulkGroup], failures: [BulkFailure] = []
    ) async throws {
        let total = groups.reduce(failures.count) { $0 + $1.items.count }
        let reporter = ProgressReporter(label: label, total: total, style: progress, output: diagnostics)
        reporter.begin()
        reporter.advance(by: failures.count)
        var outcome = BulkOutcome()
        outcome.failures = failures
        for group in groups {
            // A failure every request would share stopped the run: the later groups are not sent.
            guard outcome.stoppedBy == nil else {
                outcome.notAttempted += group.items.count
                continue
            }
            let part = await BulkRunner(concurrency: batchesInFlight, batchSize: batchSize).run(
                group.items, progress: reporter, operation: group.operation)
            outcome.merge(part)
        }
        reporter.finish()
        diagnostics.write(Self.report(outcome, verb: verb, unchanged: unchanged, total: total))
        if outcome.failed > 0 || outcome.notAttempted > 0 { throw ExitCode.failure }
    }

    /// The end-of-run summary: counts, then one line per failure with its code and message.
    static func report(_ outcome: BulkOutcome, verb: String, unchanged: String, total: Int) -> String {
        var text = "\(verb) \(outcome.succeeded) of \(total)"
        if outcome.unchanged > 0 { text += " (\(outcome.unchanged) \(unchanged))" }
        if outcome.failed > 0 { text += ", \(outcome.failed) failed" }
        if outcome.notAttempted > 0 { text += ", \(outcome.notAttempted) not attempted" }
        text += "\n"
        if let stop = outcome.stoppedBy {
            text += "stopped early: \(stop); every request would fail the same way\n"
        }
        for failure in outcome.batchFailures {
            let code = failure.error.code.map(String.init) ?? "-"
            text +=
                "  lines \(failure.lines.lowerBound)-\(failure.lines.upperBound)\t(\(failure.count) numbers)\t\(code)\t"
                + "\(failure.error.kind): \(failure.error.message)\n"
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

    /// Prints whether each number is listed, with `detail` each listed one's entry too; fails
    /// (exit status 1) when any is not, or is invalid.
    ///
    /// One check-blacklist request per 50,000 numbers (against the live API, which lacks it, the
    /// SDK reads the list once instead; `detail` needs an Engel server).
    func check(_ numbers: [String], detail: Bool = false) async throws {
        let result = try await client.check(numbers, detail: detail, concurrency: batchesInFlight)
        var entryOf: [String: BlacklistClient.Entry] = [:]
        for entry in result.entries { entryOf[entry.number] = entry }
        var text = ""
        var allListed = true
        for (typed, membership) in zip(numbers, result.memberships) {
            switch membership {
            case .listed(let number) where detail:
                let fields = entryOf[number].map { Array(EntryFormatting.fields($0).dropFirst()) } ?? []
                text += EntryFormatting.textLine([number, "listed"] + fields)
            case .listed(let number): text += "\(number)\tlisted\n"
            case .notListed(let number):
                text += "\(number)\tnot listed\n"
                allListed = false
            case .invalid:
                text += "\(typed)\tinvalid number\n"
                allListed = false
            }
        }
        output.write(text)
        if !allListed { throw ExitCode.failure }
    }

    // MARK: filter

    /// Prints the recipients of `input` that may be sent to (valid and not listed), or with
    /// `listed` the blocked ones: `+905XXXXXXXXX`, in input order, each once. Invalid lines go to
    /// the diagnostics with their line numbers; they do not make the run fail.
    ///
    /// The input is read and checked a batch at a time, so its size is not bounded by memory (only
    /// the numbers printed are remembered, to print each once).
    // Not optimized: Swift 6.3's optimizer crashes (signal 11) splitting this async function into
    // its coroutine in release builds; it waits on the network, so nothing is lost.
    @_optimize(none)
    func filter(_ input: NumberStream, listed: Bool) async throws {
        var printed: Set<String> = []
        while true {
            let batch = try input.next(upTo: batchSize)
            if batch.isEmpty { return }
            let result = try await client.check(batch.map(\.text), concurrency: 1)
            let (text, invalid) = Self.filtered(batch, result.memberships, listed: listed, printed: &printed)
            output.write(text)
            if !invalid.isEmpty { diagnostics.write(invalid) }
        }
    }

    /// The lines `filter` prints for `batch` (each number once over the whole input, as `printed`
    /// records), and the report of its invalid lines.
    private static func filtered(
        _ batch: [NumberLine], _ memberships: [BlacklistClient.Membership], listed: Bool, printed: inout Set<String>
    ) -> (text: String, invalid: String) {
        var text = ""
        var invalid = ""
        for (line, membership) in zip(batch, memberships) {
            switch membership {
            case .listed(let number) where listed, .notListed(let number) where !listed:
                if printed.insert(number).inserted { text += number + "\n" }
            case .listed, .notListed: break
            case .invalid: invalid += "line \(line.line)\t\(line.text)\tinvalid number\n"
            }
        }
        return (text, invalid)
    }
}
