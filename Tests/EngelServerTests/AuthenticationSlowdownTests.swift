import EngelCore
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import Prometheus
import Testing

@testable import EngelServer

@Suite("Repeated authentication failures are slowed down")
struct AuthenticationSlowdownTests {
    @Test("after the allowed failures each further 401 waits twice as long, up to the cap, per address")
    func delays() {
        let throttle = AuthenticationThrottle(
            policy: AuthenticationSlowdown(allowedFailures: 3, window: .seconds(60), maximumDelay: .seconds(1)))
        let start = ContinuousClock.now
        let delays = (0..<8).map { index in
            throttle.recordFailure(from: "192.0.2.1", at: start + .milliseconds(index))
        }
        #expect(
            delays == [
                .zero, .zero, .zero, .milliseconds(100), .milliseconds(200), .milliseconds(400),
                .milliseconds(800), .seconds(1),
            ])
        // Another address has its own count.
        #expect(throttle.recordFailure(from: "192.0.2.2", at: start) == .zero)
        // Once the window has passed, the address starts afresh.
        #expect(throttle.recordFailure(from: "192.0.2.1", at: start + .seconds(61)) == .zero)
    }

    @Test("a zero maximum delay turns the slowdown off")
    func off() {
        let throttle = AuthenticationThrottle(policy: AuthenticationSlowdown(allowedFailures: 1, maximumDelay: .zero))
        for _ in 0..<50 { #expect(throttle.recordFailure(from: "192.0.2.1") == .zero) }
        #expect(throttle.trackedCount == 0)
    }

    @Test("the table of addresses stays bounded however many addresses fail")
    func boundedMemory() {
        let throttle = AuthenticationThrottle(
            policy: AuthenticationSlowdown(allowedFailures: 2, window: .seconds(60), trackedAddresses: 100))
        let start = ContinuousClock.now
        for index in 0..<5_000 {
            _ = throttle.recordFailure(from: "10.0.\(index / 256).\(index % 256)", at: start + .milliseconds(index))
            #expect(throttle.trackedCount <= 100)
        }
        // The most recent addresses are the ones remembered.
        for _ in 0..<2 { _ = throttle.recordFailure(from: "10.0.19.135", at: start + .seconds(6)) }
        #expect(throttle.recordFailure(from: "10.0.19.135", at: start + .seconds(6)) > .zero)
    }

    @Test("over real connections: one address is slowed, other addresses and valid credentials are not")
    func live() async throws {
        let harness = try await Harness.make(.live).configured {
            $0.authenticationSlowdown = AuthenticationSlowdown(
                allowedFailures: 3, window: .seconds(60), maximumDelay: .milliseconds(400))
        }
        let credentials = try #require(harness.accounts["acme"])
        let wrong =
            #"{"request":{"authentication":{"key":"\#(credentials.key)","hash":"\#(String(repeating: "0", count: 64))"}}}"#
        let right = harness.body(blacklist: nil)
        let registry = PrometheusCollectorRegistry()
        // Whether an answer was held back is read from the metric, not from timing, which load can blur.
        @Sendable func slowedSoFar() -> Int {
            let line = registry.emitToString().split(separator: "\n").first {
                $0.hasPrefix("engel_authentication_failures_slowed_total")
            }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        try await harness.withServer(metrics: registry) { server in
            /// Posts `body` from `address` on a fresh connection; returns the status line and the time taken.
            @Sendable func post(_ body: String, from address: String) async throws -> (String, Duration) {
                let connection = try await RawConnection.open(port: server.port, from: address)
                let started = ContinuousClock.now
                try await connection.send(
                    "POST /v1/get-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                let answer = try await connection.answer(within: .seconds(30)) ?? ""
                let elapsed = ContinuousClock.now - started
                await connection.close()
                #expect(!answer.contains(credentials.key) && !answer.contains(credentials.hash))
                return (String(answer.prefix(12)), elapsed)
            }
            for _ in 0..<3 {
                let (status, _) = try await post(wrong, from: "127.0.0.2")
                #expect(status == "HTTP/1.1 401")
            }
            #expect(slowedSoFar() == 0)
            var slowed: [Duration] = []
            for _ in 0..<7 {
                let (status, elapsed) = try await post(wrong, from: "127.0.0.2")
                #expect(status == "HTTP/1.1 401")
                slowed.append(elapsed)
            }
            #expect(slowed[0] >= .milliseconds(100))
            #expect(slowed[1] >= .milliseconds(200))
            #expect(slowed[2] >= .milliseconds(400))
            // Uncapped, the seventh delay would be 6.4 s; the margin keeps a loaded machine from failing it.
            #expect(slowed[6] >= .milliseconds(400) && slowed[6] < .seconds(3), "capped: \(slowed)")
            #expect(slowedSoFar() == 7)
            // The same address with valid credentials, and another address failing, are not held back.
            let (valid, _) = try await post(right, from: "127.0.0.2")
            #expect(valid == "HTTP/1.1 200")
            let (other, _) = try await post(wrong, from: "127.0.0.3")
            #expect(other == "HTTP/1.1 401")
            #expect(slowedSoFar() == 7)
        }
    }
}
