public import Foundation
import Synchronization

/// A clock tests move by hand, stamping added-at times.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    /// A clock showing `start` until moved.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_775_000_000)) {
        current = Mutex(start)
    }

    /// The time shown.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the time shown.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}
