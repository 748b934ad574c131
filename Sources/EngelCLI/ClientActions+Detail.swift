import ArgumentParser
import EngelCore
import EngelWire
import Foundation
import IletiMerkezi

/// `--detail` and `engel changes`: entries with their provenance, and the change feed.
extension ClientActions {
    /// Writes every entry matching the bounds with its columns, page by page.
    func listInDetail(from: Date?, to: Date?, format: ListFormat) async throws {
        var first = true
        switch format {
        case .json: output.write("[")
        case .csv: output.write(EntryFormatting.csvHeader)
        case .text: break
        }
        for try await page in client.entryPages(from: from, to: to) {
            var chunk = ""
            for entry in page.entries {
                switch format {
                case .text: chunk += EntryFormatting.textLine(EntryFormatting.fields(entry))
                case .csv: chunk += EntryFormatting.csvLine(EntryFormatting.fields(entry))
                case .json:
                    chunk += (first ? "\n  " : ",\n  ") + EntryFormatting.json(entry)
                    first = false
                }
            }
            output.write(chunk)
        }
        if format == .json { output.write(first ? "]\n" : "\n]\n") }
    }

    /// Writes the whole list as CSV with every column, in a form `import --detail` reads back.
    func exportInDetail(to path: String?) async throws {
        var text = EntryFormatting.csvHeader
        var written = 0
        for try await page in client.entryPages() {
            for entry in page.entries { text += EntryFormatting.csvLine(EntryFormatting.fields(entry)) }
            written += page.entries.count
        }
        if let path, path != "-" {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } else {
            output.write(text)
        }
        diagnostics.write("exported \(written) entries\n")
    }

    /// Adds the entries of an `export --detail` file with their reasons and ends: one bulk run per
    /// distinct reason and end, since a bulk request carries one of each for all its numbers.
    ///
    /// An entry whose end has passed is skipped (it has expired; the API refuses an end that is
    /// not after now), and a malformed end is reported as that line's failure.
    func importInDetail(from text: String, now: Date = Date()) async throws {
        let lines = try DetailFile.parse(text)
        guard !lines.isEmpty else {
            diagnostics.write("No numbers to import.\n")
            return
        }
        struct Key: Hashable {
            let reason: String?
            let until: Date?
        }
        var order: [Key] = []
        var itemsOf: [Key: [NumberLine]] = [:]
        var failures: [BulkFailure] = []
        var expired = 0
        for line in lines {
            var until: Date?
            if let text = line.until {
                guard let date = TurkeyTime.parse(text) else {
                    let error = IletiMerkeziError(
                        .badRequest, code: nil, message: "until is not a YYYY-MM-DD HH:MM:SS Turkey time")
                    failures.append(BulkFailure(item: NumberLine(line: line.line, text: line.text), error: error))
                    continue
                }
                guard date > now else {
                    expired += 1
                    continue
                }
                until = date
            }
            let key = Key(reason: line.reason, until: until)
            if itemsOf[key] == nil { order.append(key) }
            itemsOf[key, default: []].append(NumberLine(line: line.line, text: line.text))
        }
        if expired > 0 { diagnostics.write("skipped \(expired) entries whose block has ended\n") }
        let groups = order.map { key in
            BulkGroup(items: itemsOf[key] ?? []) { batch, settled throws(IletiMerkeziError) in
                try await addBatch(batch, reason: key.reason, until: key.until, settled)
            }
        }
        try await bulk(
            label: "importing", verb: "imported", unchanged: "already listed", groups, failures: failures)
    }

    /// Prints the changes after `after`, one line each (or one JSON object per line), until caught
    /// up, or with `follow` until interrupted; stops after `limit` changes when given.
    ///
    /// Without `follow`, ends by telling on the diagnostics where to go on from.
    func changes(after: Int64, follow: Bool, limit: Int?, json: Bool, pollInterval: Duration = .seconds(1))
        async throws
    {
        let feed =
            follow
            ? client.follow(after: after, pollInterval: pollInterval, batchSize: min(limit ?? 1000, 1000))
            : client.changes(after: after, batchSize: min(limit ?? 1000, 1000))
        var printed = 0
        var last = after
        var iterator = feed.makeAsyncIterator()
        if limit == 0 { return }
        while let change = try await iterator.next() {
            output.write(
                json ? EntryFormatting.json(change) + "\n" : EntryFormatting.textLine(EntryFormatting.fields(change)))
            printed += 1
            last = change.seq
            if let limit, printed >= limit { break }
        }
        if !follow || limit != nil {
            diagnostics.write("\(printed) changes; go on with --after \(last)\n")
        }
    }
}
