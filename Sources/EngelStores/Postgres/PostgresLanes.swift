import EngelCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The connections that answer API requests, kept on the server's own event loops: a request that
/// arrives on a loop is sent on a connection of that loop, and its answer comes back there, with
/// no task, no thread hop and no timer of its own.
///
/// Each loop holds a ``PostgresLane``. Its connections prepare every statement once, when they
/// connect; a call waits for no pool: it goes to the connection with the fewest calls in flight,
/// which queues it behind them. One timer per loop fails calls that outlive their deadline, and a
/// lost connection is replaced, with a growing pause, while the database is away.
final class PostgresLanes: Sendable {
    private let lanes: [PostgresLane]
    /// The lane of each loop, by the loop's identity: a loop without a lane of its own (more loops
    /// than connections) shares another's, at the cost of a hop.
    private let laneOfLoop: [ObjectIdentifier: PostgresLane]

    /// The most connections one loop's lane opens. The database's backends share the machine with
    /// the server's loops, and more of them lengthened the tail without serving more pages: on two
    /// cores, 64 clients on the last page, 3 a loop instead of 6 (with answers written from a task,
    /// see ``DirectAnswerHandler``) took its p99 from 93 to 433 ms down to 12 to 48 ms, at 0.85x the
    /// server's CPU a page, and adds of new numbers ran 1.17x as fast (Benchmarks/RESULTS.md,
    /// session 16). 2 a loop cut the tail a little further but ran adds at 0.95x.
    static let connectionsPerLoop = 3

    /// Opens `connections` connections in all, spread over the loops of `group`.
    init(
        group: MultiThreadedEventLoopGroup, connections: Int, configuration: PostgresConnection.Configuration,
        statements: [String: String], deadline: Duration, logger: Logger
    ) {
        let loops = Array(group.makeIterator())
        let laneCount = max(1, min(loops.count, connections))
        lanes = (0..<laneCount).map { index in
            // The first lanes take what does not divide evenly.
            let share = connections / laneCount + (index < connections % laneCount ? 1 : 0)
            return PostgresLane(
                eventLoop: loops[index], size: max(1, share), configuration: configuration, statements: statements,
                deadline: deadline, firstConnectionID: index * 1000 + 1, logger: logger)
        }
        var laneOfLoop: [ObjectIdentifier: PostgresLane] = [:]
        for (index, loop) in loops.enumerated() { laneOfLoop[ObjectIdentifier(loop)] = lanes[index % laneCount] }
        self.laneOfLoop = laneOfLoop
        for lane in lanes { lane.start() }
    }

    /// The lane of the loop this runs on, or the first when it runs on none (tests, tasks).
    var current: PostgresLane {
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop, let lane = laneOfLoop[ObjectIdentifier(loop)] {
            return lane
        }
        return lanes[0]
    }

    /// Closes every connection and fails the calls still waiting.
    func close() async {
        for lane in lanes { await lane.close() }
    }

    /// How many calls went in a statement they shared with others (``SharedCall``), since the lanes opened.
    var callsThatShared: Int {
        lanes.reduce(0) { $0 + $1.callsThatShared.load(ordering: .relaxed) }
    }
}

/// One call a lane carries: what to run on a connection, and whom to tell it failed.
private struct LaneCall: Sendable {
    let id: UInt64
    let deadline: NIODeadline
    let run: @Sendable (PostgresLaneConnection) -> EventLoopFuture<Void>
    let fail: @Sendable (any Error) -> Void
    /// How it may share a statement with calls like it, when it may.
    let member: SharedCall?
}

/// A call that may share one statement with others of the same statement: the statement takes
/// each of its parameters as an array, one element per call, and answers one row per call,
/// whose first column is the call's place in those arrays, from 1.
struct SharedCall: Sendable {
    /// A parameter of one call: its element of the statement's array for that parameter.
    enum Value: Sendable {
        case int64(Int64)
        case text(String)
    }

    /// The name of the statement that carries such calls together.
    let statement: String
    let parameters: [Value]
    /// Takes the call's row, or why there is none; called at most once, and not after the call's
    /// deadline answered it.
    let deliver: @Sendable (Result<PostgresRow, any Error>) -> Void
}

/// A connection of a lane, with the statements it prepared; touched on the lane's loop only.
final class PostgresLaneConnection: @unchecked Sendable {
    let connection: PostgresConnection
    let prepared: [String: PreparedQuery]
    /// Calls sent on it and not yet answered.
    var inFlight = 0

    init(connection: PostgresConnection, prepared: [String: PreparedQuery]) {
        self.connection = connection
        self.prepared = prepared
    }

    /// Runs the statement named `name` with `binds`; its rows.
    func execute(_ name: String, _ binds: [PostgresData]) -> EventLoopFuture<[PostgresRow]> {
        guard let statement = prepared[name] else {
            return connection.eventLoop.makeFailedFuture(StoreError.corrupt("no prepared statement \(name)"))
        }
        return statement.execute(binds)
    }
}

/// The connections of one event loop. Everything it holds is touched on that loop only, which is
/// what makes it safe to share.
final class PostgresLane: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let size: Int
    private let configuration: PostgresConnection.Configuration
    private let statements: [String: String]
    private let deadline: TimeAmount
    private let logger: Logger

    private var ready: [PostgresLaneConnection] = []
    private var connecting = 0
    /// Connections waiting out a pause before they are tried again.
    private var retrying = 0
    private var failedAttempts = 0
    private var nextConnectionID: Int
    /// Calls that found no connection ready, oldest first.
    private var waiting: [LaneCall] = []
    /// Calls sent and not answered, by id: the deadline timer looks here.
    private var sent: [UInt64: LaneCall] = [:]
    /// Calls that may share a statement, waiting for a connection to finish a call, oldest first.
    private var sharing: [LaneCall] = []
    /// How many calls went in a shared statement: read from any thread.
    let callsThatShared = Atomic<Int>(0)
    private var nextCallID: UInt64 = 0
    private var timer: RepeatedTask?
    private var closed = false

    init(
        eventLoop: any EventLoop, size: Int, configuration: PostgresConnection.Configuration,
        statements: [String: String], deadline: Duration, firstConnectionID: Int, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.size = size
        self.configuration = configuration
        self.statements = statements
        self.deadline = TimeAmount(deadline)
        self.nextConnectionID = firstConnectionID
        self.logger = logger
    }

    /// Opens the connections and starts the deadline timer.
    func start() {
        eventLoop.execute {
            // A tenth of the deadline: a call fails at most that much after its time.
            let period = TimeAmount.nanoseconds(max(self.deadline.nanoseconds / 10, 1_000_000))
            self.timer = self.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                self.expireCalls()
            }
            for _ in 0..<self.size { self.connect() }
        }
    }

    /// Runs `work` on a connection of this lane, on its loop; `completion` gets what `work`
    /// gave, or the failure (``StoreUnavailable`` once the deadline has passed), exactly once.
    ///
    /// A call given `member` may instead be carried with others like it in one statement, when it
    /// finds every connection busy: then its answer goes to `member`'s `deliver`, not through `work`.
    func submit<Value: Sendable>(
        _ work: @escaping @Sendable (PostgresLaneConnection) -> EventLoopFuture<Value>,
        sharing member: SharedCall? = nil,
        completion: @escaping @Sendable (Result<Value, any Error>) -> Void
    ) {
        if eventLoop.inEventLoop {
            enqueue(work, sharing: member, completion: completion)
        } else {
            // Tests and tasks reach the lane from elsewhere: one hop onto its loop.
            eventLoop.execute { self.enqueue(work, sharing: member, completion: completion) }
        }
    }

    private func enqueue<Value: Sendable>(
        _ work: @escaping @Sendable (PostgresLaneConnection) -> EventLoopFuture<Value>,
        sharing member: SharedCall?,
        completion: @escaping @Sendable (Result<Value, any Error>) -> Void
    ) {
        guard !closed else {
            completion(.failure(StoreError.closed))
            return
        }
        nextCallID &+= 1
        let id = nextCallID
        let call = LaneCall(
            id: id, deadline: .now() + deadline,
            run: { connection in
                work(connection).map { value in
                    // Only the first outcome counts: the deadline may have answered already.
                    if self.sent.removeValue(forKey: id) != nil { completion(.success(value)) }
                }.recover { error in
                    if self.sent.removeValue(forKey: id) != nil { completion(.failure(error)) }
                }
            },
            fail: { completion(.failure($0)) },
            member: member.map { member in
                SharedCall(statement: member.statement, parameters: member.parameters) { result in
                    if self.sent.removeValue(forKey: id) != nil { member.deliver(result) }
                }
            })
        if call.member != nil, !ready.isEmpty, !ready.contains(where: { $0.inFlight == 0 }) {
            // Every connection is busy: it goes with the next statement of calls like it.
            sharing.append(call)
        } else if let connection = leastBusy() {
            send(call, on: connection)
        } else {
            waiting.append(call)
            // Nothing on its way (every attempt failed before): try again now, within the lane's size.
            if ready.isEmpty && connecting == 0 && retrying == 0 { connect() }
        }
    }

    private func leastBusy() -> PostgresLaneConnection? {
        ready.min { $0.inFlight < $1.inFlight }
    }

    private func send(_ call: LaneCall, on connection: PostgresLaneConnection) {
        sent[call.id] = call
        connection.inFlight += 1
        call.run(connection).whenComplete { _ in
            connection.inFlight -= 1
            self.sendShared(on: connection)
        }
    }

    /// The most calls one shared statement carries.
    private static let sharedLimit = 16

    /// Sends the calls waiting to share a statement on `connection`, which just finished one: the
    /// oldest and those of its statement after it, up to ``sharedLimit``; one alone goes its own
    /// way. Per-statement work in PostgresNIO and in the database (messages, a wake-up, a plan's
    /// start) was the largest part of a first page's CPU (RESULTS.md, session 12).
    private func sendShared(on connection: PostgresLaneConnection) {
        guard !closed, let first = sharing.first, let statement = first.member?.statement else { return }
        var taken: [LaneCall] = []
        var kept: [LaneCall] = []
        for call in sharing {
            if taken.count < Self.sharedLimit, call.member?.statement == statement {
                taken.append(call)
            } else {
                kept.append(call)
            }
        }
        sharing = kept
        guard taken.count > 1 else {
            send(first, on: connection)
            return
        }
        for call in taken { sent[call.id] = call }
        callsThatShared.add(taken.count, ordering: .relaxed)
        let members = taken.compactMap(\.member)
        connection.inFlight += 1
        connection.execute(statement, Self.arrays(of: members)).whenComplete { result in
            connection.inFlight -= 1
            switch result {
            case .success(let rows):
                var answered = [Bool](repeating: false, count: members.count)
                for row in rows {
                    guard let place = try? BinaryCells(row).int64(0), place >= 1, place <= members.count else {
                        continue
                    }
                    answered[Int(place) - 1] = true
                    members[Int(place) - 1].deliver(.success(row))
                }
                for (member, answered) in zip(members, answered) where !answered {
                    member.deliver(.failure(StoreError.corrupt("a shared statement answered no row for a call")))
                }
            case .failure(let error):
                for member in members { member.deliver(.failure(error)) }
            }
            self.sendShared(on: connection)
        }
    }

    /// The members' parameters as the shared statement takes them: one array per parameter.
    private static func arrays(of members: [SharedCall]) -> [PostgresData] {
        guard let first = members.first else { return [] }
        return first.parameters.indices.map { column -> PostgresData in
            var buffer = ByteBuffer()
            switch first.parameters[column] {
            case .int64:
                let values = members.map { member -> Int64 in
                    if case .int64(let value) = member.parameters[column] { value } else { 0 }
                }
                values.encode(into: &buffer, context: .default)
                return PostgresData(type: .int8Array, formatCode: .binary, value: buffer)
            case .text:
                let values = members.map { member -> String in
                    if case .text(let value) = member.parameters[column] { value } else { "" }
                }
                values.encode(into: &buffer, context: .default)
                return PostgresData(type: .textArray, formatCode: .binary, value: buffer)
            }
        }
    }

    /// Fails the calls whose deadline has passed, sent or waiting.
    private func expireCalls() {
        let now = NIODeadline.now()
        let late = sent.values.filter { $0.deadline <= now }
        for call in late {
            sent.removeValue(forKey: call.id)
            call.fail(StoreUnavailable(reason: "no answer from PostgreSQL within \(deadline.seconds) s"))
        }
        // Each queue is set before its late calls fail: a failure's completion may submit again.
        if let (late, kept) = Self.late(in: sharing, at: now) {
            sharing = kept
            for call in late {
                call.fail(StoreUnavailable(reason: "no answer from PostgreSQL within \(deadline.seconds) s"))
            }
        }
        if let (late, kept) = Self.late(in: waiting, at: now) {
            waiting = kept
            for call in late {
                call.fail(StoreUnavailable(reason: "no connection to PostgreSQL within \(deadline.seconds) s"))
            }
        }
    }

    /// The calls of `queue` whose deadline has passed at `now`, and the others in their order;
    /// `nil` when none has.
    private static func late(in queue: [LaneCall], at now: NIODeadline) -> (late: [LaneCall], kept: [LaneCall])? {
        guard queue.contains(where: { $0.deadline <= now }) else { return nil }
        var late: [LaneCall] = []
        var kept: [LaneCall] = []
        for call in queue {
            if call.deadline <= now { late.append(call) } else { kept.append(call) }
        }
        return (late, kept)
    }

    /// Opens one connection and prepares every statement on it; tries again later on failure.
    private func connect() {
        guard !closed else { return }
        connecting += 1
        let id = nextConnectionID
        nextConnectionID += 1
        PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger)
            .flatMap { connection in
                self.prepare(on: connection).flatMapError { error in
                    let closed: EventLoopFuture<Void> = connection.close()
                    return closed.flatMapThrowing { throw error }
                }
            }
            .whenComplete { result in
                self.connecting -= 1
                switch result {
                case .success(let connection):
                    self.failedAttempts = 0
                    self.adopt(connection)
                case .failure(let error):
                    self.failedAttempts += 1
                    self.logger.warning(
                        "cannot open a PostgreSQL connection for requests",
                        metadata: ["error": "\(String(reflecting: error))", "attempt": "\(self.failedAttempts)"])
                    self.retryLater()
                }
            }
    }

    private func prepare(on connection: PostgresConnection) -> EventLoopFuture<PostgresLaneConnection> {
        // PostgreSQL plans a prepared statement again on every call while a plan made for its
        // parameters looks cheaper than the generic one, which it does for every statement with a
        // LIMIT or OFFSET parameter: the first page spent more on planning than on running.
        // Generic plans took pgbench from 5,879 to 20,385 calls a second of the lanes' first page
        // (RESULTS.md, session 12).
        let generic = connection.query("SET plan_cache_mode = force_generic_plan", logger: logger)
        // A shared first page's generic plan is costed for ten calls of a tenth of the list each,
        // which is above `jit_above_cost`: PostgreSQL compiled it on every call, 7.5 ms of its 20
        // (EXPLAIN ANALYZE, session 13). The lanes' statements are all short.
        let withoutJIT = generic.flatMap { _ in connection.query("SET jit = off", logger: self.logger) }
        var chain = withoutJIT.map { _ in [String: PreparedQuery]() }
        for (name, sql) in statements {
            chain = chain.flatMap { prepared in
                connection.prepare(query: sql).map { statement in
                    var more = prepared
                    more[name] = statement
                    return more
                }
            }
        }
        return chain.map { PostgresLaneConnection(connection: connection, prepared: $0) }
    }

    private func adopt(_ connection: PostgresLaneConnection) {
        guard !closed else {
            let _: EventLoopFuture<Void> = connection.connection.close()
            return
        }
        ready.append(connection)
        connection.connection.closeFuture.whenComplete { _ in
            self.ready.removeAll { $0 === connection }
            guard !self.closed else { return }
            self.logger.info("a PostgreSQL connection for requests closed; opening another")
            self.connect()
        }
        while !waiting.isEmpty, let next = leastBusy() {
            send(waiting.removeFirst(), on: next)
        }
        sendShared(on: connection)
    }

    /// Connects again after a pause that doubles with each failure, from 50 ms to 2 s.
    private func retryLater() {
        guard !closed else { return }
        let pause = TimeAmount.milliseconds(min(2000, 50 << min(failedAttempts - 1, 6)))
        retrying += 1
        eventLoop.scheduleTask(in: pause) {
            self.retrying -= 1
            self.connect()
        }
    }

    /// Closes the connections and fails every call not yet answered.
    func close() async {
        let closing = eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            self.closed = true
            self.timer?.cancel()
            self.timer = nil
            for call in self.waiting + self.sharing { call.fail(StoreError.closed) }
            self.waiting = []
            self.sharing = []
            for call in self.sent.values { call.fail(StoreError.closed) }
            self.sent = [:]
            let connections = self.ready
            self.ready = []
            let closing: [EventLoopFuture<Void>] = connections.map { $0.connection.close() }
            return EventLoopFuture.andAllComplete(closing, on: self.eventLoop)
        }
        try? await closing.get()
    }
}

extension TimeAmount {
    /// Whole seconds, for messages.
    fileprivate var seconds: Int64 { nanoseconds / 1_000_000_000 }
}
