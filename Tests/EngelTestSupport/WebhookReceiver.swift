import Crypto
public import EngelWire
import Foundation
public import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
public import Synchronization

/// A webhook receiver on loopback: it records every request it gets and answers as its mode
/// says, and can be stopped and started again on the same port (a receiver that is down, then
/// back).
public final class WebhookReceiver: Sendable {
    /// How it answers.
    public enum Mode: Sendable {
        /// 200 at once: the delivery is taken.
        case accept
        /// This status at once.
        case answer(Int)
        /// 200, after this long (longer than the dispatcher's timeout: a slow receiver).
        case slow(Duration)
        /// 200, after this long (well within the dispatcher's timeout): the delivery is taken, and
        /// stays in flight that long, so deliveries sent at once would overlap.
        case acceptAfter(Duration)
    }

    /// One request as it arrived.
    public struct Received: Sendable {
        public let headers: HTTPFields
        public let body: [UInt8]
        /// Whether it was answered 200 in time (at once, or ``Mode/acceptAfter(_:)``), so the sender
        /// took it as delivered.
        public let accepted: Bool
        public let arrivedAt: ContinuousClock.Instant

        public var payload: WebhookDeliveryPayload {
            get throws { try JSONDecoder().decode(WebhookDeliveryPayload.self, from: Data(body)) }
        }

        /// The change sequence numbers it carried.
        public var seqs: [Int64] { (try? payload.changes.map(\.seq)) ?? [] }

        public func header(_ name: String) -> String? {
            HTTPField.Name(name).flatMap { headers[$0] }
        }

        /// Whether `Engel-Signature` is the HMAC-SHA256, keyed by `secret`, of the timestamp, a dot
        /// and the body, worked out here independently of Engel's code.
        public func isSigned(with secret: String) -> Bool {
            guard let timestamp = header("Engel-Timestamp"), let signature = header("Engel-Signature") else {
                return false
            }
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array((timestamp + ".").utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
            return signature == "v1=" + mac.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// How it answers now; tests change it at any time.
    public let mode = Mutex<Mode>(.accept)
    private let log = Mutex<[Received]>([])
    private let stopping = Mutex(false)
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)

    /// The port it listens on (kept across a stop, so it comes back where it was).
    public var port: Int { listeningPort.withLock { $0 } }
    private let listeningPort = Mutex(0)

    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Every request so far.
    public var requests: [Received] { log.withLock { $0 } }

    /// The requests it took, in order of arrival.
    public var accepted: [Received] { requests.filter(\.accepted) }

    /// The sequence numbers it took, in order of arrival.
    public var acceptedSeqs: [Int64] { accepted.flatMap(\.seqs) }

    /// Starts listening: on a free port the first time, then on the same one.
    public func start() async throws {
        let kept = port
        if kept != 0 {
            return try await listen(on: kept)
        }
        // The first port comes from below the kernel's ephemeral range (32768 and up), never from
        // port 0: while a receiver is stopped, an ephemeral port could go to any outgoing connection
        // or other listener, and its restart would fail with "address already in use" (CI, session
        // 21). Below that range only other receivers pick, and each takes the next number.
        for _ in 0..<100 {
            do {
                return try await listen(on: Self.nextCandidatePort())
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                continue
            }
        }
        throw NotListening()
    }

    /// Ports for receivers, handed out in turn from a start that differs between processes.
    private static let candidatePorts = Mutex(20_000 + Int(getpid()) % 10_000)

    private static func nextCandidatePort() -> Int {
        candidatePorts.withLock { next in
            defer { next = next >= 32_000 ? 20_000 : next + 1 }
            return next
        }
    }

    private func listen(on port: Int) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = Array(try await request.body.collect(upTo: 1 << 22).readableBytesView)
            let mode = self.mode.withLock { $0 }
            let (status, accepted, delay): (Int, Bool, Duration?)
            switch mode {
            case .accept: (status, accepted, delay) = (200, true, nil)
            case .answer(let code): (status, accepted, delay) = (code, false, nil)
            case .slow(let wait): (status, accepted, delay) = (200, false, wait)
            case .acceptAfter(let wait): (status, accepted, delay) = (200, true, wait)
            }
            self.log.withLock {
                $0.append(
                    Received(headers: request.headers, body: body, accepted: accepted, arrivedAt: .now))
            }
            if let delay {
                // Cut short by stop(), so a long delay costs a test nothing at its end.
                let end = ContinuousClock.now + delay
                while ContinuousClock.now < end, !self.stopping.withLock({ $0 }) {
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
            return Response(
                status: .init(code: status), body: Hummingbird.ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
        }
        let (ports, portFound) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let application = Application(
            responder: router.buildResponder(),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                portFound.yield(channel.localAddress?.port ?? 0)
                portFound.finish()
            },
            logger: logger)
        let group = ServiceGroup(services: [application], logger: logger)
        let task = Task {
            defer { portFound.finish() }
            try await group.run()
        }
        var found = ports.makeAsyncIterator()
        guard let listening = await found.next() else {
            try await task.value
            throw NotListening()
        }
        listeningPort.withLock { $0 = listening }
        running.withLock { $0 = (group, task) }
    }

    /// Stops listening: connections are refused until ``start()``.
    public func stop() async throws {
        guard
            let (group, task) = running.withLock({ current in
                defer { current = nil }
                return current
            })
        else {
            return
        }
        stopping.withLock { $0 = true }
        await group.triggerGracefulShutdown()
        try await task.value
        stopping.withLock { $0 = false }
    }

    /// Creates a receiver; it listens once ``start()`` is called.
    public init() {}

    struct NotListening: Error {}
}

/// Waits until `condition` holds, checking every few milliseconds; fails the wait after `limit`.
public func eventually(
    within limit: Duration = .seconds(20), _ what: String, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

public struct TimedOut: Error, CustomStringConvertible {
    let what: String
    public var description: String { "timed out waiting for \(what)" }
}
