import EngelServer
import EngelTestSupport
import EngelWire
import Foundation
import Testing

/// The body limit and the timeouts, over real sockets: what a router test cannot show is when the
/// server answers and when it closes the connection.
@Suite("Request limits over real connections")
struct RequestLimitsTests {
    static let badRequest = statusBody(400, "İstek çözümlenemedi")

    @Test("a streamed body over the limit answers 400 at once, and the connection is closed unread")
    func streamedOverLimit() async throws {
        try await Harness.make(.live).withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "POST /v1/add-blacklist/json HTTP/1.1\r\nHost: engel\r\nTransfer-Encoding: chunked\r\n\r\n")
            // Up to 50 MB offered; the answer must come long before.
            let chunk = Array("\(String(16_384, radix: 16))\r\n\(String(repeating: " ", count: 16_384))\r\n".utf8)
            var sent = 0
            let started = ContinuousClock.now
            while sent < 50_000_000, connection.received.isEmpty, !connection.isClosedByServer {
                try? await connection.send(chunk)
                sent += 16_384
            }
            // What matters is that the answer comes before the body is read; the time only bounds
            // the wait, with room for a busy machine.
            let answer = try await connection.answer(within: .seconds(15))
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(sent < 4 * 1024 * 1024, "the server read \(sent) bytes before answering")
            #expect(answer?.hasPrefix("HTTP/1.1 400 ") == true)
            #expect(answer?.lowercased().contains("connection: close") == true)
            #expect(answer?.hasSuffix(Self.badRequest) == true)
            // The rest is never read: the server closes after a short linger.
            #expect(try await connection.wait(upTo: .seconds(30)) { $0.isClosedByServer })
            await connection.close()
        }
    }

    @Test("a declared length over the limit answers 400 before any of the body is sent")
    func declaredOverLimit() async throws {
        try await Harness.make(.live).withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "POST /v1/get-blacklist HTTP/1.1\r\nHost: engel\r\nContent-Length: 10000000\r\n\r\n")
            let answer = try await connection.answer(within: .seconds(30))
            #expect(answer?.hasPrefix("HTTP/1.1 400 ") == true)
            #expect(answer?.hasSuffix(statusBody(400, "İstek çözümlenemedi", in: .xml)) == true)
            await connection.close()
        }
    }

    @Test("a panel form over the limit is refused and its connection closed, as the API's are")
    func panelFormOverLimit() async throws {
        try await Harness.make(.live).withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "POST /panel/login HTTP/1.1\r\nHost: engel\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n")
            let chunk = Array("\(String(16_384, radix: 16))\r\n\(String(repeating: "a", count: 16_384))\r\n".utf8)
            var sent = 0
            while sent < 50_000_000, connection.received.isEmpty, !connection.isClosedByServer {
                try? await connection.send(chunk)
                sent += 16_384
            }
            #expect(sent < 4 * 1024 * 1024, "the server read \(sent) bytes before refusing")
            // The rest is never read: whatever the panel answered, the connection ends after it.
            #expect(try await connection.wait(upTo: .seconds(30)) { $0.isClosedByServer })
            await connection.close()
        }
    }

    @Test("a body of exactly the limit is read and answered")
    func atTheLimit() async throws {
        let harness = try await Harness.make(.live, maximumBodyBytes: 4096)
        try await harness.withServer { server in
            let request = harness.body(blacklist: #"{"number":"905321234567"}"#)
            let body = request + String(repeating: " ", count: 4096 - request.utf8.count)
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "POST /v1/add-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            let answer = try await connection.answer(within: .seconds(30))
            #expect(answer?.hasPrefix("HTTP/1.1 200 ") == true)
            // One byte more is over.
            let over = try await RawConnection.open(port: server.port)
            try await over.send(
                "POST /v1/add-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: 4097\r\n\r\n\(body) ")
            #expect(try await over.answer(within: .seconds(30))?.hasPrefix("HTTP/1.1 400 ") == true)
            await connection.close()
            await over.close()
        }
    }

    @Test("a client that stops mid-head is cut off at the idle timeout; so is an idle kept-alive one")
    func idleClients() async throws {
        // Long enough that a busy machine gets the first bytes out before it passes: clean-clone
        // runs found the connection closed before they could be sent at 500 ms, and once at 1.5 s.
        let harness = try await Harness.make(.live).configured { $0.idleTimeout = .seconds(4) }
        try await harness.withServer { server in
            let started = ContinuousClock.now
            let slowHead = try await RawConnection.open(port: server.port)
            try await slowHead.send("POST /v1/add-blacklist/json HTTP/1.1\r\nHo")
            #expect(try await slowHead.wait(upTo: .seconds(15)) { $0.isClosedByServer })
            #expect(ContinuousClock.now - started >= .milliseconds(3900))
            #expect(ContinuousClock.now - started < .seconds(12))
            #expect(slowHead.received.isEmpty)

            let keptAlive = try await RawConnection.open(port: server.port)
            let body = harness.body(blacklist: nil)
            try await keptAlive.send(
                "POST /v1/get-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            #expect(try await keptAlive.answer(within: .seconds(5))?.hasPrefix("HTTP/1.1 200 ") == true)
            #expect(try await keptAlive.wait(upTo: .seconds(15)) { $0.isClosedByServer })
            await slowHead.close()
            await keptAlive.close()
        }
    }

    @Test("a body trickled in slower than the read timeout answers 400 and is cut off; others are served")
    func trickledBody() async throws {
        let harness = try await Harness.make(.live).configured {
            $0.idleTimeout = .seconds(10)
            // Long enough that the other client's answer, due well before it, has room on a busy
            // machine: in a full test run it once took over 3 s.
            $0.readTimeout = .seconds(6)
        }
        try await harness.withServer { server in
            let slow = try await RawConnection.open(port: server.port)
            // Before the head goes: the server may read it before this task runs again after sending.
            let started = ContinuousClock.now
            try await slow.send("POST /v1/add-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: 500\r\n\r\n")
            let trickle = Task {
                // One byte every 100 ms never lets the idle timeout fire; the read timeout does.
                while !slow.isClosedByServer, ContinuousClock.now - started < .seconds(12) {
                    try? await slow.send("{")
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            // Meanwhile another client is served, long before the slow one's read timeout.
            let other = try await RawConnection.open(port: server.port)
            let body = harness.body(blacklist: nil)
            try await other.send(
                "POST /v1/get-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            #expect(try await other.answer(within: .seconds(5))?.hasPrefix("HTTP/1.1 200 ") == true)
            #expect(!slow.isClosedByServer, "the slow client was cut off before the other was answered")

            let answer = try await slow.answer(within: .seconds(10))
            let elapsed = ContinuousClock.now - started
            #expect(answer?.hasPrefix("HTTP/1.1 400 ") == true)
            #expect(answer?.hasSuffix(Self.badRequest) == true)
            #expect(elapsed >= .milliseconds(5900) && elapsed < .seconds(11), "answered after \(elapsed)")
            #expect(try await slow.wait(upTo: .seconds(30)) { $0.isClosedByServer })
            try await trickle.value
            await slow.close()
            await other.close()
        }
    }
}
