public import EngelCore
import Foundation
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// Hashes and checks panel passwords with bcrypt, a few at a time, on threads outside Swift's
/// cooperative pool.
///
/// bcrypt is slow on purpose (a cost of 12 is a quarter of a second or so of one core), so that a
/// stolen database is slow to guess from. The same slowness would let anyone who can reach the
/// sign-in form keep every core busy: at most ``concurrency`` hashes run at once, on NIO's
/// blocking-work threads rather than the threads that serve the API, and at most
/// ``maximumWaiting`` more wait; beyond that ``PanelPasswordsBusy`` is thrown at once.
///
/// Checking the password of a user that does not exist costs one bcrypt too (``verify(_:against:)``
/// with `nil`), so timing does not tell which names exist.
public final class PanelPasswords: Sendable {
    /// The cost when none is configured.
    public static let defaultCost = 12
    /// The costs allowed: below 4 bcrypt refuses; above 16 a sign-in takes tens of seconds.
    public static let allowedCosts: ClosedRange<Int> = 4...16
    /// At most two hashes at once, and one on a machine of two cores or fewer, so the API keeps a core.
    public static var defaultConcurrency: Int {
        min(2, max(1, ProcessInfo.processInfo.activeProcessorCount / 2))
    }

    /// The bcrypt cost of new hashes (each step doubles the work).
    public let cost: Int
    /// How many hashes run at once at most.
    public let concurrency: Int
    /// How many more may wait for one of them.
    public let maximumWaiting: Int
    private let gate: Gate
    /// A hash to check passwords against when there is no user: made at the first such check.
    private let stand = Mutex<PanelPasswordHash?>(nil)

    /// Hashes at `cost` (within ``allowedCosts``), `concurrency` at a time, with `maximumWaiting`
    /// more waiting.
    public init(cost: Int = defaultCost, concurrency: Int = defaultConcurrency, maximumWaiting: Int = 32) {
        precondition(Self.allowedCosts.contains(cost), "a bcrypt cost must be within \(Self.allowedCosts)")
        precondition(concurrency >= 1 && maximumWaiting >= 0)
        self.cost = cost
        self.concurrency = concurrency
        self.maximumWaiting = maximumWaiting
        gate = Gate(limit: concurrency, maximumWaiting: maximumWaiting)
    }

    /// The bcrypt hash of `password`, with a new random salt.
    public func hash(_ password: PanelPassword) async throws -> PanelPasswordHash {
        let cost = UInt8(self.cost)
        let text = password.text
        return PanelPasswordHash(encoded: try await run { Bcrypt.hash(text, cost: cost) })
    }

    /// Whether `password` is the one `hash` was made from. With no hash (no such user) it checks
    /// against a stand-in and answers `false`, taking as long as a real check.
    public func verify(_ password: String, against hash: PanelPasswordHash?) async throws -> Bool {
        // A text bcrypt would cut short (past its 72nd byte, or at a NUL) could match a password it
        // merely begins with: it is checked against the stand-in instead, costing as much.
        let usable = password.utf8.count <= PanelPassword.maximumBytes && !password.utf8.contains(0)
        let target: PanelPasswordHash
        if let hash, usable { target = hash } else { target = try await standIn() }
        let encoded = target.encoded
        let matches = try await run { Bcrypt.verify(password, hash: encoded) }
        return matches && hash != nil && usable
    }

    /// Whether `hash` was made at another cost than ``cost``, so it should be made again (at the
    /// user's next sign-in, when the password is at hand).
    public func needsRehash(_ hash: PanelPasswordHash) -> Bool {
        // `$2b$12$…`: the cost is the two digits after the second `$`.
        let parts = hash.encoded.split(separator: "$", omittingEmptySubsequences: true)
        guard parts.count >= 2, let found = Int(parts[1]) else { return true }
        return found != cost
    }

    private func standIn() async throws -> PanelPasswordHash {
        if let made = stand.withLock({ $0 }) { return made }
        let cost = UInt8(self.cost)
        let made = PanelPasswordHash(
            encoded: try await run { Bcrypt.hash(IssuedCredentials.generate().secret, cost: cost) })
        // Two first checks at once may each make one; either serves.
        return stand.withLock { current in
            if let current { return current }
            current = made
            return made
        }
    }

    /// Runs `work` on a blocking-work thread once the gate lets it in.
    private func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async throws -> Value {
        try await gate.enter()
        defer { gate.leave() }
        return try await NIOThreadPool.singleton.runIfActive(work)
    }
}

/// Too many panel passwords are being hashed or checked: the caller should answer "try again later".
public struct PanelPasswordsBusy: Error, Sendable, CustomStringConvertible {
    public var description: String { "too many panel passwords are being checked at once; try again in a moment" }
}

extension PanelPasswords {
    /// Lets `limit` callers in at once and `maximumWaiting` more wait, in order of arrival; a
    /// waiting caller that is cancelled leaves the queue.
    final class Gate: Sendable {
        private struct State {
            var inside = 0
            var waiting: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
            var nextID: UInt64 = 0
            /// Callers between taking an id and deciding whether to wait.
            var arriving: Set<UInt64> = []
            /// Callers cancelled while arriving.
            var cancelledArriving: Set<UInt64> = []
        }

        private enum Decision {
            case enter, wait, busy, cancelled
        }

        private let limit: Int
        private let maximumWaiting: Int
        private let state = Mutex(State())

        init(limit: Int, maximumWaiting: Int) {
            self.limit = limit
            self.maximumWaiting = maximumWaiting
        }

        func enter() async throws {
            let id = state.withLock { state in
                state.nextID += 1
                state.arriving.insert(state.nextID)
                return state.nextID
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let decision = state.withLock { state -> Decision in
                        state.arriving.remove(id)
                        if state.cancelledArriving.remove(id) != nil { return .cancelled }
                        if state.inside < limit {
                            state.inside += 1
                            return .enter
                        }
                        guard state.waiting.count < maximumWaiting else { return .busy }
                        state.waiting.append((id, continuation))
                        return .wait
                    }
                    switch decision {
                    case .enter: continuation.resume()
                    case .wait: break
                    case .busy: continuation.resume(throwing: PanelPasswordsBusy())
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                    if let index = state.waiting.firstIndex(where: { $0.id == id }) {
                        return state.waiting.remove(at: index).continuation
                    }
                    if state.arriving.contains(id) { state.cancelledArriving.insert(id) }
                    return nil
                }
                waiter?.resume(throwing: CancellationError())
            }
        }

        /// How many callers wait (for tests).
        var waitingCount: Int { state.withLock { $0.waiting.count } }

        /// Hands the caller's place to the first waiting one, if any.
        func leave() {
            let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard !state.waiting.isEmpty else {
                    state.inside -= 1
                    return nil
                }
                return state.waiting.removeFirst().continuation
            }
            next?.resume()
        }
    }
}
