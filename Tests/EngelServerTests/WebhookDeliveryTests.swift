import AsyncHTTPClient
import Crypto
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

/// Delivery as DESIGN.md's "Webhooks" says, to a real receiver on loopback, with every timeout and
/// backoff in milliseconds.
@Suite("Webhook delivery")
struct WebhookDeliveryTests: NumberedEntries {
    /// DESIGN's backoff, lease and polling, a hundred to a thousand times faster. The timeout stays
    /// long: on a busy machine (the whole suite runs in parallel on two cores) an answer can take
    /// seconds to be seen, and each one missed is a duplicate; tests of timeouts set their own.
    static let fast = WebhookSettings(
        deliveryTimeout: .seconds(5), firstBackoff: .milliseconds(5), maximumBackoff: .milliseconds(40),
        lease: .milliseconds(500), pollInterval: .milliseconds(5))

    @Test("changes arrive in order, at most 100 a delivery, signed, and byte for byte as the feed has them")
    func orderSignatureAndBatches() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        try await receiver.start()
        let webhook = try await fixture.addWebhook(url: receiver.url)
        try await fixture.add(0..<250)
        try await fixture.remove(7)
        let expected = try await fixture.seqs(after: webhook.deliveredThrough)
        #expect(expected.count == 251)
        let registry = PrometheusCollectorRegistry()

        try await withDispatcher(fixture.store, metrics: registry) {
            try await eventually("every change delivered") { receiver.acceptedSeqs.count >= expected.count }
            try await eventually("the cursor recorded") {
                try await fixture.store.webhooks().first?.deliveredThrough == expected.last
            }
            try await eventually("the lag caught up") { metric(registry, WebhookMetricName.lag, webhook.id) == 0 }
        }
        try await receiver.stop()

        let deliveries = receiver.accepted
        #expect(receiver.acceptedSeqs == expected)
        #expect(deliveries.map(\.seqs.count) == [100, 100, 51])
        let now = Date().timeIntervalSince1970
        for delivery in deliveries {
            #expect(delivery.isSigned(with: webhook.secret))
            #expect(!delivery.isSigned(with: WebhookSignature.generateSecret()))
            #expect(delivery.header("Content-Type") == "application/json")
            let timestamp = try #require(delivery.header("Engel-Timestamp").flatMap(Double.init))
            #expect(abs(now - timestamp) < 60)
            let payload = try delivery.payload
            #expect(payload.account == "acme")
            #expect(payload.webhook == webhook.id)
        }
        // The records are the feed's own bytes: what get-blacklist-changes answers holds them.
        let first = deliveries[0]
        let feed = ResponseWriter.changes(
            try await fixture.store.changes(for: fixture.account.id, after: webhook.deliveredThrough, limit: 100))
        let prefix = Array(#"{"account":"acme","webhook":\#(webhook.id),"changes":["#.utf8)
        #expect(Array(first.body.prefix(prefix.count)) == prefix)
        let records = first.body.dropFirst(prefix.count).dropLast(2)
        #expect(feed.firstRange(of: Array(records)) != nil)
        #expect(metric(registry, WebhookMetricName.deliveries, webhook.id) == 3)
    }

    @Test("a receiver that is down, then answers 500, then is too slow, gets every change once it takes them")
    func retriesUntilTaken() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        try await receiver.start()
        try await receiver.stop()
        let webhook = try await fixture.addWebhook(url: receiver.url)
        try await fixture.add(0..<3)
        let expected = try await fixture.seqs(after: webhook.deliveredThrough)
        let registry = PrometheusCollectorRegistry()
        var settings = Self.fast
        settings.deliveryTimeout = .seconds(1)

        try await withDispatcher(fixture.store, settings: settings, metrics: registry) {
            // A refused connection fails its attempt at once; the backoff (milliseconds here) paces them.
            try await eventually("attempts at a closed port") {
                (metric(registry, WebhookMetricName.failures, webhook.id) ?? 0) >= 2
            }
            receiver.mode.withLock { $0 = .answer(500) }
            try await receiver.start()
            try await eventually("500s") { receiver.requests.count >= 2 }
            receiver.mode.withLock { $0 = .slow(.seconds(30)) }
            let before = receiver.requests.count
            let failures = metric(registry, WebhookMetricName.failures, webhook.id) ?? 0
            try await eventually("a slow answer timed out") {
                receiver.requests.count > before
                    && (metric(registry, WebhookMetricName.failures, webhook.id) ?? 0) > failures
            }
            receiver.mode.withLock { $0 = .accept }
            try await eventually("the changes taken") { receiver.acceptedSeqs == expected }
            try await eventually("the cursor recorded") {
                try await fixture.store.webhooks().first?.deliveredThrough == expected.last
            }
        }
        try await receiver.stop()
        // Every attempt carried the same changes: the cursor moves only on a 2xx.
        for request in receiver.requests {
            #expect(request.seqs == expected)
            #expect(request.isSigned(with: webhook.secret))
        }
        #expect(!receiver.accepted.isEmpty)
        #expect((metric(registry, WebhookMetricName.failures, webhook.id) ?? 0) >= 4)
    }

    @Test("an attempt at a port where nothing listens fails at once, not at the delivery timeout")
    func refusedFailsAtOnce() async throws {
        let poster = WebhookPoster(timeout: .seconds(120))
        let outcome = await poster.post(Array("{}".utf8), to: "http://127.0.0.1:1/hook", secret: "s")
        await poster.shutdown()
        #expect(!outcome.isDelivered)
        #expect(outcome.status == nil)
        // Waiting for the timeout would take two minutes; a busy machine's pauses stay far below this.
        #expect(outcome.elapsed < .seconds(60), "\(outcome.elapsed)")
    }

    @Test("a receiver that never answers delays no other webhook")
    func deadWebhookDelaysNoOther() async throws {
        let fixture = try await Fixture()
        let other = try await fixture.store.createAccount(
            name: AccountName("globex"), apiKey: IssuedCredentials.generate().key,
            hashDigest: IssuedCredentials.generate().hashDigest, createdAt: Date())
        let dead = WebhookReceiver()
        dead.mode.withLock { $0 = .slow(.seconds(30)) }
        try await dead.start()
        let alive = WebhookReceiver()
        try await alive.start()
        let deadHook = try await fixture.addWebhook(url: dead.url)
        _ = try await fixture.store.addWebhook(
            for: other.id, url: alive.url, secret: WebhookSignature.generateSecret(), audit: .cliNow)
        var settings = Self.fast
        settings.deliveryTimeout = .seconds(20)
        let registry = PrometheusCollectorRegistry()

        try await withDispatcher(fixture.store, settings: settings, metrics: registry) {
            try await fixture.add(0..<1)
            try await eventually("the dead receiver's first attempt") { !dead.requests.isEmpty }
            // While that attempt hangs, the other account's changes go out, one after another.
            for index in 0..<3 {
                _ = try await fixture.store.add(try number(100 + index), for: other.id, at: Date())
                try await eventually("globex's change \(index)") { alive.acceptedSeqs.count == index + 1 }
            }
            #expect(dead.requests.count == 1)
            #expect(
                (metric(registry, WebhookMetricName.failures, deadHook.id) ?? 0) == 0, "the first attempt still hangs")
        }
        try await alive.stop()
        try await dead.stop()
    }

    @Test("a new dispatcher resumes after the recorded cursor")
    func resumesAfterCursor() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        try await receiver.start()
        let webhook = try await fixture.addWebhook(url: receiver.url)
        try await fixture.add(0..<10)
        let firstTen = try await fixture.seqs(after: webhook.deliveredThrough)
        try await withDispatcher(fixture.store) {
            try await eventually("the cursor recorded") {
                try await fixture.store.webhooks().first?.deliveredThrough == firstTen.last
            }
        }
        try await fixture.add(10..<15)
        let all = try await fixture.seqs(after: webhook.deliveredThrough)
        // Another process: another holder, which waits out the first one's lease.
        try await withDispatcher(fixture.store) {
            try await eventually("the rest delivered") { receiver.acceptedSeqs.count >= 15 }
        }
        try await receiver.stop()
        #expect(receiver.acceptedSeqs == all)
        #expect(receiver.accepted.last?.seqs == Array(all[10...]))
    }

    @Test("one of two dispatchers on one store delivers a webhook; the other takes over when it stops")
    func leaseIsExclusive() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        try await receiver.start()
        let webhook = try await fixture.addWebhook(url: receiver.url)
        let registries = [PrometheusCollectorRegistry(), PrometheusCollectorRegistry()]
        // A lease long enough that a busy machine's pauses do not lose it to the other dispatcher.
        // Leases are claimed at the time of a clock that only the test moves: however long a busy
        // machine pauses the holder, its lease runs out only when the test says so.
        let clock = ManualClock(Date())
        let dispatchers = registries.map { registry in
            Task {
                try await WebhookDispatcher(
                    store: fixture.store, settings: Self.fast, metrics: registry, logger: quiet, now: { clock.now }
                ).run()
            }
        }
        for round in 0..<8 {
            try await fixture.add(round * 5..<(round + 1) * 5)
            try await Task.sleep(for: .milliseconds(15))
        }
        var expected = try await fixture.seqs(after: webhook.deliveredThrough)
        try await eventually("every change delivered") { receiver.acceptedSeqs.count >= expected.count }
        #expect(receiver.acceptedSeqs == expected)
        let delivered = registries.map { metric($0, WebhookMetricName.deliveries, webhook.id) ?? 0 }
        #expect(delivered.filter { $0 > 0 }.count == 1, "deliveries per dispatcher: \(delivered)")

        try await eventually("the cursor recorded") {
            try await fixture.store.webhooks().first?.deliveredThrough == expected.last
        }
        // The holder stops without a word; the other claims the webhook once the lease runs out.
        let holder = delivered[0] > 0 ? 0 : 1
        dispatchers[holder].cancel()
        _ = try? await dispatchers[holder].value
        clock.advance(by: 1)
        let stopped = ContinuousClock.now
        try await fixture.add(40..<45)
        expected = try await fixture.seqs(after: webhook.deliveredThrough)
        try await eventually("the rest delivered by the other") { receiver.acceptedSeqs.count >= expected.count }
        // Claims come every quarter lease; the rest is room for a busy machine (the promise is a
        // takeover within 30 s with the default lease of 20 s).
        #expect(ContinuousClock.now - stopped < Self.fast.lease + .seconds(10))
        #expect(receiver.acceptedSeqs == expected)
        // The receiver has the changes a moment before the dispatcher has its answer.
        try await eventually("the other dispatcher counted its delivery") {
            (metric(registries[1 - holder], WebhookMetricName.deliveries, webhook.id) ?? 0) > 0
        }
        dispatchers[1 - holder].cancel()
        _ = try? await dispatchers[1 - holder].value
        try await receiver.stop()
    }

    @Test("a removed webhook gets nothing more")
    func removedWebhookStops() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        try await receiver.start()
        let webhook = try await fixture.addWebhook(url: receiver.url)
        try await withDispatcher(fixture.store) {
            try await fixture.add(0..<1)
            try await eventually("the first change") { receiver.accepted.count == 1 }
            #expect(try await fixture.store.removeWebhook(id: webhook.id, audit: .cliNow))
            try await Task.sleep(for: Self.fast.pollInterval * 4)
            try await fixture.add(1..<2)
            try await Task.sleep(for: .milliseconds(50))
        }
        try await receiver.stop()
        #expect(receiver.requests.count == 1)
    }

    @Test("graceful shutdown stops the dispatcher at once, even during a delivery")
    func gracefulShutdownIsPrompt() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        // The answer and the timeout far beyond the bound below: a dispatcher that waited for
        // either could not meet it, however slowly the machine ran. (`stop()` cuts the answer short.)
        receiver.mode.withLock { $0 = .slow(.seconds(120)) }
        try await receiver.start()
        _ = try await fixture.addWebhook(url: receiver.url)
        var settings = Self.fast
        settings.deliveryTimeout = .seconds(300)
        let dispatcher = WebhookDispatcher(
            store: fixture.store, settings: settings, metrics: PrometheusCollectorRegistry(), logger: quiet)
        let group = ServiceGroup(services: [dispatcher], logger: quiet)
        let running = Task { try await group.run() }
        try await fixture.add(0..<1)
        try await eventually("a delivery in flight") { !receiver.requests.isEmpty }
        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        // Generous, as a busy machine delays any task for seconds: under the whole suite on two
        // cores this took 10.5 to 12.9 s in four runs (0.04 s alone).
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(30), "the shutdown took \(elapsed)")
        try await receiver.stop()
    }

    @Test("beside the server, in its registry: /metrics shows each webhook's deliveries, failures and lag")
    func besideTheServer() async throws {
        let fixture = try await Fixture()
        let receiver = WebhookReceiver()
        try await receiver.start()
        let webhook = try await fixture.addWebhook(url: receiver.url)
        let registry = PrometheusCollectorRegistry()
        let dispatcher = WebhookDispatcher(
            store: fixture.store, settings: Self.fast, metrics: registry, logger: quiet)
        let served = LiveServer.Served.engel(
            store: fixture.store, configuration: ServerConfiguration(), services: [dispatcher], metrics: registry)
        try await LiveServer.with(served) { server in
            try await fixture.add(0..<3)
            try await eventually("the changes delivered") { receiver.acceptedSeqs.count == 3 }
            var request = HTTPClientRequest(url: server.baseURL + "/metrics")
            request.method = .GET
            try await eventually("the delivery counted") {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                return text.contains(#"engel_webhook_deliveries_total{webhook="\#(webhook.id)",account="acme"} 1"#)
                    && text.contains(#"engel_webhook_failures_total{webhook="\#(webhook.id)",account="acme"} 0"#)
                    && text.contains(#"engel_webhook_lag_seconds{webhook="\#(webhook.id)",account="acme"} 0"#)
            }
        }
        try await receiver.stop()
    }

    @Test("the backoff doubles from the first to the longest, and the settings read as the others do")
    func settings() throws {
        let defaults = WebhookSettings()
        #expect(defaults.deliveryTimeout == .seconds(10))
        #expect(defaults.lease <= .seconds(24), "a dead server's webhooks are taken over within 30 s")
        let waits = (1...12).map { defaults.backoff(afterFailures: $0) }
        #expect(Array(waits.prefix(9)) == [1, 2, 4, 8, 16, 32, 64, 128, 256].map { Duration.seconds($0) })
        #expect(waits.dropFirst(9).allSatisfy { $0 == .seconds(300) })

        let configuration = try ServerConfiguration.resolve(
            [.webhookTimeout: "0.05"],
            environment: [
                "ENGEL_WEBHOOK_FIRST_BACKOFF": "0.002", "ENGEL_WEBHOOK_MAX_BACKOFF": "60",
                "ENGEL_WEBHOOK_LEASE": "5", "ENGEL_WEBHOOK_POLL_INTERVAL": "0.25",
            ])
        #expect(
            configuration.webhooks
                == WebhookSettings(
                    deliveryTimeout: .milliseconds(50), firstBackoff: .milliseconds(2), maximumBackoff: .seconds(60),
                    lease: .seconds(5), pollInterval: .milliseconds(250)))
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.resolve([:], environment: ["ENGEL_WEBHOOK_TIMEOUT": "0"])
        }
    }

    @Test("secrets are whsec_ and 32 letters and digits, never twice the same")
    func secrets() {
        let secrets = (0..<100).map { _ in WebhookSignature.generateSecret() }
        #expect(Set(secrets).count == 100)
        for secret in secrets {
            #expect(WebhookSignature.isValidSecret(secret))
            #expect(secret.count == 38)
        }
        #expect(!WebhookSignature.isValidSecret("whsec_short"))
        #expect(!WebhookSignature.isValidSecret("sk_" + String(repeating: "a", count: 40)))
        #expect(!WebhookSignature.isValidSecret("whsec_" + String(repeating: "-", count: 40)))
        // A receiver's own HMAC: the README's example, worked by hand.
        #expect(
            WebhookSignature.header(secret: "whsec_test", timestamp: 1_700_000_000, body: Array("{}".utf8))
                == "v1=" + hmacHex(key: "whsec_test", message: "1700000000.{}"))
    }

    // MARK: Helpers

    /// An account `acme` in a memory store.
    struct Fixture: NumberedEntries {
        let store: any EngelStore = MemoryStore()
        let account: Account

        init() async throws {
            let credentials = IssuedCredentials.generate()
            account = try await store.createAccount(
                name: AccountName("acme"), apiKey: credentials.key, hashDigest: credentials.hashDigest,
                createdAt: Date())
        }

        func addWebhook(url: String) async throws -> Webhook {
            try await store.addWebhook(
                for: account.id, url: url, secret: WebhookSignature.generateSecret(), audit: .cliNow)
        }

        /// Lists the numbers `indices`, all in one batch.
        func add(_ indices: Range<Int>) async throws {
            _ = try await store.addBatch(try indices.map(number), for: account.id, at: Date())
        }

        func remove(_ index: Int) async throws {
            _ = try await store.remove(try number(index), for: account.id)
        }

        /// The sequence numbers of the account's changes after `seq`.
        func seqs(after seq: Int64) async throws -> [Int64] {
            try await store.changes(for: account.id, after: seq, limit: 10_000).changes.map(\.seq)
        }
    }

    /// Runs a dispatcher over `store` for the length of `body`, then cancels it and waits for it.
    private func withDispatcher<Value>(
        _ store: any EngelStore, settings: WebhookSettings = WebhookDeliveryTests.fast,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), _ body: () async throws -> Value
    ) async throws -> Value {
        let dispatcher = WebhookDispatcher(store: store, settings: settings, metrics: metrics, logger: quiet)
        let running = Task { try await dispatcher.run() }
        let result: Result<Value, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        running.cancel()
        try await running.value
        return try result.get()
    }
}

/// The metric names, as `/metrics` shows them.
enum WebhookMetricName {
    static let lag = "engel_webhook_lag_seconds"
    static let deliveries = "engel_webhook_deliveries_total"
    static let failures = "engel_webhook_failures_total"
}

/// The value of metric `name` for webhook `id` in `registry`, if it has one.
func metric(_ registry: PrometheusCollectorRegistry, _ name: String, _ id: Int64) -> Double? {
    let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") && line.contains(#"webhook="\#(id)""#) {
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
    return nil
}

/// The hex HMAC-SHA256 of `message` keyed by `key`, as a receiver works it out.
private func hmacHex(key: String, message: String) -> String {
    HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(key.utf8)))
        .map { String(format: "%02x", $0) }.joined()
}

private let quiet: Logger = {
    var logger = Logger(label: "webhook-test")
    logger.logLevel = .critical
    return logger
}()
