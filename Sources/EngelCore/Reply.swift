import Synchronization

/// A value at hand now, or one that arrives later.
///
/// What a store answers a call with, and what the server then answers its client with: a reply at
/// hand is answered without a task or a suspension, one that comes later when it comes. Which of
/// the two it is comes from the store alone (an SQLite page from memory is at hand; a write waits
/// for its commit).
public enum Reply<Value: Sendable>: Sendable {
    /// The value, at once.
    case now(Value)
    /// The value, once `PendingReply` is fulfilled.
    case later(PendingReply<Value>)

    /// The reply of `work`, run in a task: how a store replies when nothing is at hand.
    public static func suspending(_ work: @escaping @Sendable () async -> Value) -> Reply {
        let pending = PendingReply<Value>()
        let task = Task { pending.fulfil(await work()) }
        pending.onCancel { task.cancel() }
        return .later(pending)
    }

    /// Calls `handler` once with the value: before returning when it is at hand, else from the
    /// thread that fulfils it.
    public func whenReady(_ handler: @escaping @Sendable (Value) -> Void) {
        switch self {
        case .now(let value): handler(value)
        case .later(let pending): pending.whenReady(handler)
        }
    }

    /// The reply of `transform` applied to this reply's value, at hand when this one is.
    public func map<Other>(_ transform: @escaping @Sendable (Value) -> Other) -> Reply<Other> {
        switch self {
        case .now(let value):
            return .now(transform(value))
        case .later(let pending):
            // Written out rather than as a flatMap: a later reply is how every write is answered,
            // and each closure less is an allocation less per write.
            let chained = PendingReply<Other>()
            pending.whenReady { chained.fulfil(transform($0)) }
            chained.onCancel { pending.cancel() }
            return .later(chained)
        }
    }

    /// The reply `next` makes of this reply's value: at hand when both are.
    public func flatMap<Other>(_ next: @escaping @Sendable (Value) -> Reply<Other>) -> Reply<Other> {
        switch self {
        case .now(let value):
            return next(value)
        case .later(let pending):
            let chained = PendingReply<Other>()
            pending.whenReady { value in
                switch next(value) {
                case .now(let made): chained.fulfil(made)
                case .later(let made): made.whenReady { chained.fulfil($0) }
                }
            }
            chained.onCancel { pending.cancel() }
            return .later(chained)
        }
    }

    /// Asks the work behind a later reply to stop (the client left); it is still fulfilled, with
    /// whatever the cancelled work gives.
    public func cancel() {
        if case .later(let pending) = self { pending.cancel() }
    }
}

/// A reply on its way: fulfilled once, by whoever does the work, and read once.
///
/// Its methods are inlinable so that each caller's module specializes them for its value: compiled
/// generically, every call looked up the metadata of its `Mutex` at run time, 2% of the server's
/// CPU per PostgreSQL first page (RESULTS.md, session 12).
public final class PendingReply<Value: Sendable>: Sendable {
    @usableFromInline
    enum State {
        case waiting(handler: (@Sendable (Value) -> Void)?, cancel: (@Sendable () -> Void)?)
        case done(Value)
        /// The value was handed to the handler.
        case delivered
    }

    @usableFromInline
    let state = Mutex(State.waiting(handler: nil, cancel: nil))

    /// Creates a reply to be fulfilled later.
    @inlinable
    public init() {}

    /// Fulfils the reply; only the first call counts.
    @inlinable
    public func fulfil(_ value: Value) {
        let handler: (@Sendable (Value) -> Void)? = state.withLock { state in
            guard case .waiting(let handler, _) = state else { return nil }
            state = handler == nil ? .done(value) : .delivered
            return handler
        }
        handler?(value)
    }

    /// Calls `handler` once with the value, now when it has come already.
    @inlinable
    public func whenReady(_ handler: @escaping @Sendable (Value) -> Void) {
        let ready: Value? = state.withLock { state in
            switch state {
            case .waiting(_, let cancel):
                state = .waiting(handler: handler, cancel: cancel)
                return nil
            case .done(let value):
                state = .delivered
                return value
            case .delivered:
                return nil
            }
        }
        if let ready { handler(ready) }
    }

    /// Runs `action` when the reply is cancelled before it is fulfilled.
    @inlinable
    public func onCancel(_ action: @escaping @Sendable () -> Void) {
        state.withLock { state in
            if case .waiting(let handler, _) = state { state = .waiting(handler: handler, cancel: action) }
        }
    }

    /// Asks the work to stop; the reply is still fulfilled by it.
    @inlinable
    public func cancel() {
        let action: (@Sendable () -> Void)? = state.withLock { state in
            guard case .waiting(_, let cancel) = state else { return nil }
            return cancel
        }
        action?()
    }
}
