import EngelCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The panel's CSV imports: files checked and waiting for their confirmation, and the jobs that
/// apply confirmed ones, with their progress.
///
/// Both live in this server's memory, each under a random token and bound to the panel user and
/// the account it was made for: another user, or the same user on another account, is told the
/// token is unknown. A job lives on the server that ran it: behind a load balancer its page shows
/// only there, and a restart forgets checked files and jobs alike (the numbers a job applied stay
/// applied; a checked file is uploaded again).
///
/// The table is bounded: a user's new upload replaces that user's earlier checked file, at most
/// ``maximumCheckedFiles`` wait at once (the oldest goes first), each for ``checkedFileLifetime``;
/// a finished job's page stays for ``finishedJobLifetime``, and at most ``maximumFinishedJobs`` do.
final class PanelImports: Sendable {
    /// How long a checked file waits for its confirmation.
    static let checkedFileLifetime = Duration.seconds(30 * 60)
    /// How many checked files wait at once: each holds up to a few million numbers in memory.
    static let maximumCheckedFiles = 16
    /// How long a finished job's page stays.
    static let finishedJobLifetime = Duration.seconds(60 * 60)
    /// How many finished jobs' pages stay.
    static let maximumFinishedJobs = 100
    /// Numbers per commit: each chunk is one ``BlacklistStore/addBatch(_:for:at:provenance:)``
    /// call, as a bulk-add-blacklist request is, but smaller than its 50,000, so that progress moves
    /// on the page between two refreshes and the API's writes never wait behind a long transaction.
    static let chunkSize = 5_000

    /// Who a checked file or a job belongs to.
    struct Owner: Sendable, Hashable {
        /// The panel user's name.
        let user: String
        /// The account it works on.
        let account: Account.ID
    }

    /// A file checked and not yet confirmed.
    fileprivate struct CheckedFile: Sendable {
        let owner: Owner
        let report: PanelImportReportPage
        let numbers: [PhoneNumber]
        let checkedAt: ContinuousClock.Instant
    }

    /// A confirmed import's progress.
    fileprivate struct Job: Sendable {
        let owner: Owner
        var progress: PanelImportJobPage
        var finishedAt: ContinuousClock.Instant?
    }

    /// What a job applies.
    fileprivate struct Work: Sendable {
        let id: String
        let account: Account.ID
        let numbers: [PhoneNumber]
        let provenance: Provenance
    }

    fileprivate struct State: Sendable {
        var checked: [String: CheckedFile] = [:]
        var jobs: [String: Job] = [:]
    }

    private let state = Mutex(State())
    private let queue: AsyncStream<Work>
    private let enqueue: AsyncStream<Work>.Continuation
    private let store: any EngelStore
    private let now: @Sendable () -> Date

    /// The imports of `store`, stamped by `now`.
    init(store: any EngelStore, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
        (queue, enqueue) = AsyncStream.makeStream(of: Work.self)
    }

    /// Keeps the numbers `check` found for `owner` until confirmed, and returns the report to show,
    /// carrying the token that confirms it.
    func keep(_ check: PanelImportCheck, fileName: String?, for owner: Owner) -> PanelImportReportPage {
        let token = Self.randomToken()
        let report = PanelImportReportPage(
            token: token, fileName: fileName, valid: check.numbers.count, invalid: check.invalid,
            duplicates: check.duplicates, problems: check.problems, problemsNotShown: check.problemsNotShown)
        let checked = CheckedFile(owner: owner, report: report, numbers: check.numbers, checkedAt: .now)
        state.withLock { state in
            state.prune(at: .now)
            state.checked = state.checked.filter { $0.value.owner.user != owner.user }
            if state.checked.count >= Self.maximumCheckedFiles,
                let oldest = state.checked.min(by: { $0.value.checkedAt < $1.value.checkedAt })
            {
                state.checked[oldest.key] = nil
            }
            state.checked[token] = checked
        }
        return report
    }

    /// The report of the checked file `token` names, if it is `owner`'s and still waits.
    func report(_ token: String, for owner: Owner) -> PanelImportReportPage? {
        state.withLock { state in
            state.prune(at: .now)
            guard let checked = state.checked[token], checked.owner == owner else { return nil }
            return checked.report
        }
    }

    /// Starts applying the checked file `token` names, if it is `owner`'s and still waits, with
    /// `provenance` on every number; returns the job's identifier. The file can be confirmed once.
    func start(_ token: String, for owner: Owner, provenance: Provenance) -> String? {
        let id = Self.randomToken()
        let work: Work? = state.withLock { state in
            state.prune(at: .now)
            guard let checked = state.checked[token], checked.owner == owner else { return nil }
            state.checked[token] = nil
            state.jobs[id] = Job(
                owner: owner,
                progress: PanelImportJobPage(
                    id: id, state: .running, processed: 0, total: checked.numbers.count, added: 0, alreadyListed: 0,
                    invalid: checked.report.invalid),
                finishedAt: nil)
            return Work(id: id, account: owner.account, numbers: checked.numbers, provenance: provenance)
        }
        guard let work else { return nil }
        enqueue.yield(work)
        return id
    }

    /// The progress of the job `id`, if it is `owner`'s.
    func job(_ id: String, for owner: Owner) -> PanelImportJobPage? {
        state.withLock { state in
            state.prune(at: .now)
            guard let job = state.jobs[id], job.owner == owner else { return nil }
            return job.progress
        }
    }

    /// Applies confirmed imports, each in a task of its own, until cancelled; a cancelled job stops
    /// between two chunks and shows as failed.
    func runJobs(logger: Logger) async {
        await withDiscardingTaskGroup { group in
            for await work in queue {
                group.addTask { await self.apply(work, logger: logger) }
            }
        }
    }

    private func apply(_ work: Work, logger: Logger) async {
        var start = work.numbers.startIndex
        do {
            while start < work.numbers.endIndex {
                try Task.checkCancellation()
                let end = min(start + Self.chunkSize, work.numbers.endIndex)
                let chunk = Array(work.numbers[start..<end])
                let wereNew = try await store.addBatch(chunk, for: work.account, at: now(), provenance: work.provenance)
                let added = wereNew.count(where: { $0 })
                update(work.id) { job in
                    job.progress.processed += chunk.count
                    job.progress.added += added
                    job.progress.alreadyListed += chunk.count - added
                }
                start = end
            }
            update(work.id) { $0.progress.state = .done }
        } catch is CancellationError {
            // The server is shutting down; the page goes with it, but the log says what was applied.
            logger.notice("a panel import stopped at shutdown", metadata: ["job": "\(work.id)", "applied": "\(start)"])
            update(work.id) { $0.progress.state = .failed(detail: nil) }
        } catch {
            logger.error(
                "a panel import stopped",
                metadata: ["job": "\(work.id)", "applied": "\(start)", "error": "\(String(reflecting: error))"])
            update(work.id) { $0.progress.state = .failed(detail: nil) }
        }
    }

    private func update(_ id: String, _ change: (inout Job) -> Void) {
        state.withLock { state in
            guard var job = state.jobs[id] else { return }
            change(&job)
            if job.progress.state != .running { job.finishedAt = ContinuousClock.now }
            state.jobs[id] = job
        }
    }

    /// 16 random bytes as 32 lowercase hex characters, from the system's secure generator.
    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}

extension PanelImports.State {
    /// Drops the checked files and finished jobs past their time, and the oldest finished jobs past
    /// the bound. Running jobs stay.
    fileprivate mutating func prune(at instant: ContinuousClock.Instant) {
        checked = checked.filter { instant - $0.value.checkedAt < PanelImports.checkedFileLifetime }
        jobs = jobs.filter { job in
            job.value.finishedAt.map { instant - $0 < PanelImports.finishedJobLifetime } ?? true
        }
        let finished = jobs.compactMap { id, job in job.finishedAt.map { (id: id, at: $0) } }
        if finished.count > PanelImports.maximumFinishedJobs {
            for old in finished.sorted(by: { $0.at < $1.at }).prefix(finished.count - PanelImports.maximumFinishedJobs)
            {
                jobs[old.id] = nil
            }
        }
    }
}

/// Runs the panel's confirmed imports beside the server. A graceful shutdown cancels those still
/// running: what they applied stays applied, and their pages go with the server.
struct PanelImportRunner: Service {
    let imports: PanelImports
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await imports.runJobs(logger: logger)
        }
    }
}
