import IletiMerkezi

/// One number that failed, and why.
struct BulkFailure: Sendable, Hashable {
    let item: NumberLine
    let error: IletiMerkeziError
}

/// What a bulk run did.
struct BulkOutcome: Sendable {
    /// Items that succeeded.
    var succeeded = 0
    /// Items that failed, in input order.
    var failures: [BulkFailure] = []
    /// Items never sent because the run stopped early.
    var notAttempted = 0
    /// The failure that stopped the run: one that every other request would share.
    var stoppedBy: IletiMerkeziError?
}

/// Runs one request per item with at most `concurrency` in flight.
struct BulkRunner: Sendable {
    let concurrency: Int

    init(concurrency: Int) {
        self.concurrency = max(1, concurrency)
    }

    /// Sends every item through `operation`, advancing `progress` as each finishes.
    ///
    /// Wrong credentials or a wrong URL fail every request alike, so the first such failure stops
    /// new requests instead of reporting thousands of copies of it.
    func run(
        _ items: [NumberLine], progress: ProgressReporter,
        operation: @escaping @Sendable (String) async throws(IletiMerkeziError) -> Void
    ) async -> BulkOutcome {
        var outcome = BulkOutcome()
        var started = 0
        await withTaskGroup(of: BulkFailure?.self) { group in
            func startNext() {
                guard started < items.count else { return }
                let item = items[started]
                started += 1
                group.addTask {
                    do throws(IletiMerkeziError) {
                        try await operation(item.text)
                        return nil
                    } catch {
                        return BulkFailure(item: item, error: error)
                    }
                }
            }
            for _ in 0..<min(concurrency, items.count) { startNext() }
            while let result = await group.next() {
                progress.advance()
                if let failure = result {
                    outcome.failures.append(failure)
                    if Self.stopsTheRun(failure.error), outcome.stoppedBy == nil {
                        outcome.stoppedBy = failure.error
                    }
                } else {
                    outcome.succeeded += 1
                }
                if outcome.stoppedBy == nil && !Task.isCancelled { startNext() }
            }
        }
        outcome.notAttempted = items.count - started
        outcome.failures.sort { $0.item.line < $1.item.line }
        return outcome
    }

    static func stopsTheRun(_ error: IletiMerkeziError) -> Bool {
        error.kind == .authentication || error.kind == .unexpectedAnswer
    }
}
