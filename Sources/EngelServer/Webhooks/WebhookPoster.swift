import AsyncHTTPClient
import EngelCore
public import Foundation
import NIOCore
import NIOHTTP1

/// What came of one delivery attempt.
public struct DeliveryOutcome: Sendable, Hashable {
    /// The receiver's status, or `nil` when it gave none in time (refused, reset, timed out).
    public let status: Int?
    /// Why the attempt failed, when it did: the status, or what went wrong before one came.
    public let failure: String?
    /// From sending the request to the end of the answer (or the failure).
    public let elapsed: Duration

    /// Whether the receiver took the delivery: any 2xx.
    public var isDelivered: Bool { failure == nil }
}

/// Posts signed deliveries with one HTTP client, which keeps connections to receivers open between
/// deliveries. Used by ``WebhookDispatcher`` and by `engel webhook test`.
public final class WebhookPoster: Sendable {
    private let client: HTTPClient
    private let timeout: Duration

    /// The most of an answer's body read (and thrown away): receivers answer with a word or two.
    private static let answerBodyLimit = 64 * 1024

    /// Creates a poster whose attempts fail after `timeout`; call ``shutdown()`` when done.
    public init(timeout: Duration) {
        var configuration = HTTPClient.Configuration()
        // A redirect is an answer, not a delivery: following it would post the changes somewhere
        // the operator did not name.
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .nanoseconds(Int64(timeout.seconds * 1e9))
        // A receiver that refuses the connection fails the attempt at once, and the dispatcher's
        // backoff decides when to try again; AsyncHTTPClient would otherwise try to connect again
        // and again until the attempt's whole timeout ran out.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Posts `body` to `url`, signed with `secret` and stamped `now`; never throws: every failure,
    /// cancellation included, is an outcome.
    public func post(_ body: [UInt8], to url: String, secret: String, now: Date = Date()) async -> DeliveryOutcome {
        let timestamp = WebhookSignature.timestamp(now)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Engel/\(EngelVersion.text)")
        request.headers.add(name: "Engel-Timestamp", value: String(timestamp))
        request.headers.add(
            name: "Engel-Signature", value: WebhookSignature.header(secret: secret, timestamp: timestamp, body: body))
        request.body = .bytes(body)
        let started = ContinuousClock.now
        let client = client
        let timeout = timeout
        let signed = request
        do {
            // The client's own deadline ends at the answer's head; the race also bounds its body,
            // so a receiver that trickles its answer is cut off at the same time.
            let status = try await withThrowingTaskGroup(of: Int?.self) { group in
                group.addTask {
                    let response = try await client.execute(
                        signed, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
                    // Read to its end so the connection can carry the next delivery; a longer one
                    // is left, and the client closes its connection.
                    var read = 0
                    for try await chunk in response.body {
                        read += chunk.readableBytes
                        if read > Self.answerBodyLimit { break }
                    }
                    return Int(response.status.code)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            let elapsed = ContinuousClock.now - started
            guard let status else {
                return DeliveryOutcome(status: nil, failure: "no answer in \(timeout.secondsText) s", elapsed: elapsed)
            }
            return DeliveryOutcome(
                status: status, failure: (200..<300).contains(status) ? nil : "answered \(status)", elapsed: elapsed)
        } catch {
            return DeliveryOutcome(status: nil, failure: Self.describe(error), elapsed: ContinuousClock.now - started)
        }
    }

    private static func describe(_ error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .connectTimeout { return "no answer in time" }
            if error == .cancelled { return "cancelled" }
        }
        return String(describing: error)
    }
}
