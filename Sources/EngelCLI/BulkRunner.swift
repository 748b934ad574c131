import EngelWire
import IletiMerkezi
import Synchronization

/// One number that failed, and why.
struct BulkFailure: Sendable, Hashable {
    let item: NumberLine
    let error: IletiMerkeziError
}

/// A whole batch whose request failed: none of its numbers is known to be done.
struct BatchFailure: Sendable, Hashable {
    /// The first and the last line of the batch.
    let lines: ClosedRange<Int>
    /// How many numbers it held.
    let count: Int
    let error: IletiMerkeziError
}

/// What became of one number of a batch.
enum ItemResult: Sendable, Hashable {
    /// Done: added, or removed.
    case done
    /// Done without a change: already listed, or (when allowed) not listed.
    case unchanged
    /// Failed with a code of its own, such as 466.
    case failed(IletiMerkeziError)
}

/// What a bulk run did.
struct BulkOutcome: Sendable {
    /// Items that succeeded, ``unchanged`` ones included.
    var succeeded = 0
    /// Items that succeeded without changing the list.
    var unchanged = 0
    /// Items that failed on their own, in input order.
    var failures: [BulkFailure] = []
    /// Batches whose request failed, in input order.
    var batchFailures: [BatchFailure] = []
    /// Items never sent because the run stopped early (the items of the batch that stopped it too).
    var notAttempted = 0
    /// The failure that stopped the run: one that every other request would share.
    var stoppedBy: IletiMerkeziError?

    var failed: Int { failures.count + batchFailures.reduce(0) { $0 + $1.count } }

    /// Adds what another run did, keeping failures in input order.
    mutating func merge(_ other: BulkOutcome) {
        succeeded += other.succeeded
        unchanged += other.unchanged
        failures = (failures + other.failures).sorted { $0.item.line < $1.item.line }
        batchFailures = (batchFailures + other.batchFailures).sorted { $0.lines.lowerBound < $1.lines.lowerBound }
        notAttempted += other.notAttempted
        stoppedBy = stoppedBy ?? other.stoppedBy
    }
}

/// Items sent through one operation: a bulk run of several groups sends each with its own, such as
/// `engel import --detail`, one group per reason and end.
struct BulkGroup: Sendable {
    /// Sends one batch; may report items settled before it returns.
    typealias Operation =
        @Sendable ([String], _ settled: @escaping @Sendable (Int) -> Void) async throws(IletiMerkeziError) ->
        [ItemResult]

    let items: [NumberLine]
    let operation: Operation
}

/// Sends items in batches of at most `batchSize`, at most `concurrency` batches in flight.
struct BulkRunner: Sendable {
    /// Batches in flight at once.
    let concurrency: Int
    /// Items per batch.
    let batchSize: Int

    init(concurrency: Int, batchSize: Int = BlacklistClient.batchLimit) {
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
    }

    /// Sends every batch through `operation`, which gives one result per item and may report items
    /// settled before it returns (numbers sent one by one); `progress` advances by those, and by
    /// the rest of the batch when it finishes.
    ///
    /// Wrong credentials or a wrong URL fail every request alike, so the first such failure stops
    /// new batches; its batch's items count as not attempted (a bulk request that fails applies none).
    func run(
        _ items: [NumberLine], progress: ProgressReporter,
        operation:
            @escaping @Sendable ([String], _ settled: @escaping @Sendable (Int) -> Void)
            async throws(IletiMerkeziError) -> [ItemResult]
    ) async -> BulkOutcome {
        let batches = stride(from: 0, to: items.count, by: batchSize).map {
            Array(items[$0..<min($0 + batchSize, items.count)])
        }
        var outcome = BulkOutcome()
        var started = 0
        var sent = 0
        await withTaskGroup(of: ([NumberLine], Int, Result<[ItemResult], IletiMerkeziError>).self) { group in
            func startNext() {
                guard started < batches.count else { return }
                let batch = batches[started]
                started += 1
                sent += batch.count
                group.addTask {
                    let settled = Mutex(0)
                    let report: @Sendable (Int) -> Void = { count in
                        settled.withLock { $0 += count }
                        progress.advance(by: count)
                    }
                    let result: Result<[ItemResult], IletiMerkeziError>
                    do throws(IletiMerkeziError) {
                        result = .success(try await operation(batch.map(\.text), report))
                    } catch {
                        result = .failure(error)
                    }
                    return (batch, settled.withLock { $0 }, result)
                }
            }
            for _ in 0..<min(concurrency, batches.count) { startNext() }
            while let (batch, settled, result) = await group.next() {
                progress.advance(by: max(0, batch.count - settled))
                switch result {
                case .success(let results):
                    for (item, result) in zip(batch, results) {
                        switch result {
                        case .done: outcome.succeeded += 1
                        case .unchanged:
                            outcome.succeeded += 1
                            outcome.unchanged += 1
                        case .failed(let error): outcome.failures.append(BulkFailure(item: item, error: error))
                        }
                    }
                case .failure(let error) where Self.stopsTheRun(error):
                    outcome.notAttempted += batch.count
                    if outcome.stoppedBy == nil { outcome.stoppedBy = error }
                case .failure(let error):
                    let lines = (batch.first?.line ?? 0)...(batch.last?.line ?? 0)
                    outcome.batchFailures.append(BatchFailure(lines: lines, count: batch.count, error: error))
                }
                if outcome.stoppedBy == nil && !Task.isCancelled { startNext() }
            }
        }
        outcome.notAttempted += items.count - sent
        outcome.failures.sort { $0.item.line < $1.item.line }
        outcome.batchFailures.sort { $0.lines.lowerBound < $1.lines.lowerBound }
        return outcome
    }

    static func stopsTheRun(_ error: IletiMerkeziError) -> Bool {
        error.kind == .authentication || error.kind == .unexpectedAnswer || error.kind == .unknownMethod
    }
}
