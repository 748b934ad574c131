import AsyncHTTPClient
import EngelCore
import EngelServer
import EngelTestSupport
import Foundation
import IletiMerkezi
import Logging
import NIOCore
import Synchronization
import Testing

/// Two `engel serve` processes on one PostgreSQL database: one of them at a time delivers the
/// webhook, and when it is killed with SIGKILL in the middle of a delivery the other takes over
/// within a lease; every change reaches the receiver, some perhaps twice (recognisable by `seq`),
/// none lost.
@Suite("Webhooks across servers on PostgreSQL")
struct WebhookFailoverTests {
    /// The lease is seconds, not DESIGN's 20, so the takeover fits in the test; the delivery
    /// timeout stays under the two thirds of a lease an attempt is left (``WebhookSettings``), so
    /// an attempt ends before another server may claim the webhook.
    static let lease = Duration.seconds(4)
    static let settings = [
        "--webhook-timeout", "2", "--webhook-first-backoff", "0.02", "--webhook-max-backoff", "0.1",
        "--webhook-lease", "4", "--webhook-poll-interval", "0.05",
    ]
    /// How long the receiver keeps each delivery it takes in flight: two deliveries sent at once
    /// would arrive closer together than this.
    static let answerDelay = Duration.milliseconds(100)

    @Test(
        "one server at a time delivers; the other takes over when it is killed mid-delivery",
        .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
    func takeoverAfterKill() async throws {
        let database = DatabaseLocation.postgres(
            try await TestDatabases.makePostgresDatabase(on: try #require(TestDatabases.postgresServer)))
        let receiver = WebhookReceiver()
        receiver.mode.withLock { $0 = .acceptAfter(Self.answerDelay) }
        try await receiver.start()
        let acme = try await ServedAccount.create(on: database, webhookTo: receiver.url)
        let webhook = try #require(acme.webhook)

        var servers: [ServeProcess] = []
        // A failing test must not leave a server running.
        do {
            for _ in 0..<2 {
                servers.append(try await ServeProcess.start(database: database, arguments: Self.settings))
            }
            let clients = servers.map(acme.client(of:))
            var batch = 0
            // Five new numbers through `client`.
            func write(through client: BlacklistClient) async throws {
                _ = try await client.add(contentsOf: (0..<5).map { "90532\(1_000_000 + batch * 5 + $0)" })
                batch += 1
            }

            // Both servers up: the changes, written through each in turn and delivered before the
            // next are written, come from one of them.
            for round in 0..<4 {
                try await write(through: clients[round % 2])
                try await eventually("round \(round) delivered") { Set(receiver.acceptedSeqs).count == batch * 5 }
            }
            let written = try await Self.changes(in: database, after: webhook)
            #expect(Set(receiver.acceptedSeqs) == Set(written))
            // The last delivery is counted once its answer, which the receiver delays, is in. On a
            // loaded machine an answer may come after the delivery timeout: the server then counts
            // a failure for a request the receiver took, and sends it again.
            try await eventually("every delivery counted") {
                var attempts = 0
                for server in servers { attempts += try await Self.attempts(by: server, webhook: webhook.id) }
                return attempts >= receiver.requests.count
            }
            let delivered = try await Self.deliveries(by: servers, webhook: webhook.id)
            #expect(delivered.count(where: { $0 > 0 }) == 1, "deliveries per server: \(delivered)")

            // A slow receiver keeps the holder's next delivery in flight while it is killed.
            let before = receiver.requests.count
            receiver.mode.withLock { $0 = .slow(.seconds(30)) }
            try await write(through: clients[0])
            try await eventually("a delivery in flight") { receiver.requests.count > before }
            var holders: [Int] = []
            for (index, server) in servers.enumerated() {
                if try await Self.holds(server, webhook: webhook.id) { holders.append(index) }
            }
            let holder = try #require(holders.count == 1 ? holders.first : nil, "holders: \(holders)")
            let survivor = 1 - holder
            let attemptsBefore = try await Self.attempts(by: servers[survivor], webhook: webhook.id)
            servers[holder].kill()
            let killedAt = ContinuousClock.now
            receiver.mode.withLock { $0 = .acceptAfter(Self.answerDelay) }
            try await write(through: clients[survivor])

            let expected = try await Self.changes(in: database, after: webhook)
            #expect(expected.count == 30)
            try await eventually(within: .seconds(25), "every change delivered by the survivor") {
                Set(receiver.acceptedSeqs).isSuperset(of: expected)
            }
            let takeover = try #require(receiver.accepted.first { $0.arrivedAt > killedAt }?.arrivedAt) - killedAt
            // At most a lease after the dead server's last renewal, and a quarter lease more to claim.
            #expect(takeover < Self.lease * 3, "taken over after \(takeover)")
            #expect(try await Self.holds(servers[survivor], webhook: webhook.id))
            try await eventually("the survivor's deliveries counted") {
                let sent = receiver.requests.count(where: { $0.arrivedAt > killedAt })
                return try await Self.attempts(by: servers[survivor], webhook: webhook.id) >= attemptsBefore + sent
            }
            for server in servers { server.kill() }
            try await receiver.stop()
        } catch {
            for server in servers { server.kill() }
            try? await receiver.stop()
            throw error
        }

        // Never two deliveries in flight at once: each taken delivery arrived after the one before
        // it was answered.
        let arrivals = receiver.accepted.map(\.arrivedAt)
        for (earlier, later) in zip(arrivals, arrivals.dropFirst()) {
            #expect(later - earlier >= Self.answerDelay, "deliveries \(later - earlier) apart")
        }
        // In order within each delivery, and in order across them once repeats are skipped.
        let expected = try await Self.changes(in: database, after: webhook)
        var applied = webhook.deliveredThrough
        var kept: [Int64] = []
        for delivery in receiver.accepted {
            #expect(delivery.seqs == delivery.seqs.sorted())
            for seq in delivery.seqs where seq > applied {
                kept.append(seq)
                applied = seq
            }
        }
        #expect(kept == expected)
    }

    /// The sequence numbers of the changes made since `webhook` was added.
    static func changes(in database: DatabaseLocation, after webhook: Webhook) async throws -> [Int64] {
        let store = try await database.open(logger: Logger(label: "test"))
        do {
            let account = try #require(try await store.account(named: AccountName("acme")))
            let seqs = try await store.changes(for: account.id, after: webhook.deliveredThrough, limit: 1000)
                .changes.map(\.seq)
            await store.close()
            return seqs
        } catch {
            await store.close()
            throw error
        }
    }

    /// Whether `server` holds `webhook`: only the holder shows its lag in `/metrics`.
    static func holds(_ server: ServeProcess, webhook: Int64) async throws -> Bool {
        try await metrics(of: server).contains("engel_webhook_lag_seconds" + labels(of: webhook))
    }

    /// How many deliveries of `webhook` each of `servers` made, as its `/metrics` counts them.
    static func deliveries(by servers: [ServeProcess], webhook: Int64) async throws -> [Int] {
        var counts: [Int] = []
        for server in servers {
            counts.append(try await counters(["engel_webhook_deliveries_total"], of: server, webhook: webhook))
        }
        return counts
    }

    /// How many deliveries of `webhook` `server` made or gave up on, as its `/metrics` counts them.
    static func attempts(by server: ServeProcess, webhook: Int64) async throws -> Int {
        try await counters(
            ["engel_webhook_deliveries_total", "engel_webhook_failures_total"], of: server, webhook: webhook)
    }

    /// The sum of the counters `names` of `webhook` on `server`, from one read of its `/metrics`.
    static func counters(_ names: [String], of server: ServeProcess, webhook: Int64) async throws -> Int {
        let lines = try await metrics(of: server).split(separator: "\n")
        return names.reduce(0) { sum, name in
            let line = lines.first { $0.hasPrefix(name + labels(of: webhook)) }
            return sum + (line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? 0)
        }
    }

    /// The labels of `webhook`'s metrics, and the space before their value.
    static func labels(of webhook: Int64) -> String { #"{webhook="\#(webhook)",account="acme"} "# }

    /// What `server` answers at `/metrics`.
    static func metrics(of server: ServeProcess) async throws -> String {
        let request = HTTPClientRequest(url: server.baseURL + "/metrics")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
