import Synchronization

extension BlacklistClient {
    /// Engel's batch methods that the client's server answered with the 404 envelope.
    ///
    /// A reference, so that every copy of a client shares what one copy learnt: after the first
    /// 404, later calls go straight to the one-number methods or to paging instead of asking again.
    final class MissingMethods: Sendable {
        private let methods = Mutex<Set<String>>([])

        /// Whether `method` answered 404 before.
        func isMissing(_ method: String) -> Bool {
            methods.withLock { $0.contains(method) }
        }

        /// Remembers that `method` answered 404.
        func remember(_ method: String) {
            _ = methods.withLock { $0.insert(method) }
        }
    }
}
