import Synchronization

/// Remembers recent authentication failures per client address and says how long to hold back
/// each further 401, as ``AuthenticationSlowdown`` describes.
///
/// The table is bounded: past ``AuthenticationSlowdown/trackedAddresses`` entries, forgotten
/// failures are dropped first, then the addresses that failed longest ago.
final class AuthenticationThrottle: Sendable {
    private struct Record {
        /// Failure times within the window, oldest first.
        var failures: [ContinuousClock.Instant]
        var lastFailure: ContinuousClock.Instant
    }

    /// 2^20 × 100 ms is far past any allowed cap.
    private static let maximumDoublings = 20

    let policy: AuthenticationSlowdown
    private let records = Mutex<[String: Record]>([:])

    init(policy: AuthenticationSlowdown) {
        self.policy = policy
    }

    /// How many addresses are remembered now.
    var trackedCount: Int { records.withLock { $0.count } }

    /// Records a failure from `address` at `now`; returns how long to wait before answering it.
    func recordFailure(from address: String, at now: ContinuousClock.Instant = .now) -> Duration {
        guard policy.maximumDelay > .zero else { return .zero }
        let windowStart = now - policy.window
        let recent = records.withLock { records -> Int in
            var record = records[address] ?? Record(failures: [], lastFailure: now)
            record.failures.removeAll { $0 < windowStart }
            // Beyond the doublings that reach any cap, more failures change nothing: keep memory bounded.
            if record.failures.count > policy.allowedFailures + Self.maximumDoublings {
                record.failures.removeFirst()
            }
            record.failures.append(now)
            record.lastFailure = now
            records[address] = record
            if records.count > policy.trackedAddresses { evict(from: &records, windowStart: windowStart) }
            return record.failures.count
        }
        return delay(afterFailures: recent)
    }

    /// The delay of the `count`-th failure within the window.
    func delay(afterFailures count: Int) -> Duration {
        let excess = count - policy.allowedFailures
        guard excess > 0, policy.maximumDelay > .zero else { return .zero }
        let doubled = AuthenticationSlowdown.initialDelay * (1 << min(excess - 1, Self.maximumDoublings))
        return min(doubled, policy.maximumDelay)
    }

    private func evict(from records: inout [String: Record], windowStart: ContinuousClock.Instant) {
        records = records.filter { $0.value.lastFailure >= windowStart }
        guard records.count > policy.trackedAddresses else { return }
        // Still full of active addresses: forget the quietest tenth at once, so eviction stays rare.
        let keep = policy.trackedAddresses - max(1, policy.trackedAddresses / 10)
        let kept = records.sorted { $0.value.lastFailure > $1.value.lastFailure }.prefix(keep)
        records = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
}
