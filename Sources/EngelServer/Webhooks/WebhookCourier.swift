import CoreMetrics
import EngelCore
import EngelWire
import Foundation
import Logging

/// Delivers one webhook for as long as it exists: claims its lease, then posts the account's
/// changes after the cursor, at most ``batchLimit`` at a time and in order, moving the durable
/// cursor after each delivery, backing off after each failure, and never giving up.
struct WebhookCourier: Sendable {
    /// The most changes one delivery carries (DESIGN.md).
    static let batchLimit = 100

    let webhook: Webhook
    let store: any EngelStore
    let poster: WebhookPoster
    let settings: WebhookSettings
    let metrics: WebhookMetrics
    let holder: String
    let logger: Logger
    let now: @Sendable () -> Date

    /// Runs until cancelled.
    func run() async {
        var lease = Lease(store: store, webhook: webhook.id, holder: holder, settings: settings, now: now)
        var logger = logger
        logger[metadataKey: "webhook"] = "\(webhook.id)"
        do {
            while true {
                try Task.checkCancellation()
                if await lease.keep(), let current = await currentState(logger: logger) {
                    try await deliver(current.webhook, account: current.account, lease: &lease, logger: logger)
                } else {
                    try await Task.sleep(for: settings.claimRetryInterval)
                }
            }
        } catch {
            // Cancelled: the webhook was removed or the server is stopping.
        }
    }

    /// The webhook as the store holds it now (its cursor may have been moved by the server that
    /// held it before) and its account's name; `nil` when either is gone or cannot be read.
    private func currentState(logger: Logger) async -> (webhook: Webhook, account: String)? {
        do {
            guard let current = try await store.webhooks().first(where: { $0.id == webhook.id }),
                let account = try await store.accounts().first(where: { $0.id == current.account })
            else { return nil }
            return (current, account.name.value)
        } catch {
            logger.warning("cannot read the webhook: \(error)")
            return nil
        }
    }

    /// Delivers while the lease is held; returns when it is lost, throws when cancelled.
    private func deliver(_ webhook: Webhook, account: String, lease: inout Lease, logger: Logger) async throws {
        let handles = metrics.handles(webhook: webhook.id, account: account)
        defer { metrics.forgetLag(of: handles) }
        logger.debug("delivering from seq \(webhook.deliveredThrough)")
        var cursor = webhook.deliveredThrough
        var failures = 0
        while true {
            guard await lease.keep() else {
                logger.info("another server holds the webhook now")
                return
            }
            let page: ChangesPage
            do {
                page = try await store.changes(for: webhook.account, after: cursor, limit: Self.batchLimit)
            } catch {
                failures += 1
                logger.warning("cannot read the changes: \(error)")
                guard try await pause(settings.backoff(afterFailures: failures), lease: &lease) else { return }
                continue
            }
            guard let first = page.changes.first, let last = page.changes.last else {
                handles.lag.record(0)
                guard try await pause(settings.pollInterval, lease: &lease) else { return }
                continue
            }
            handles.lag.record(age(of: first))
            let body = ResponseWriter.webhookDelivery(account: account, webhook: webhook.id, changes: page.changes)
            let outcome = await poster.post(body, to: webhook.url, secret: webhook.secret, now: now())
            if outcome.isDelivered {
                handles.deliveries.increment()
                if failures > 0 { logger.notice("delivered again after \(failures) failed attempts") }
                failures = 0
                cursor = last.seq
                do {
                    try await store.recordDelivery(webhook: webhook.id, through: last.seq)
                } catch {
                    // Delivery goes on from memory; a restart before the cursor is recorded sends
                    // these changes again, as at-least-once allows.
                    logger.warning("cannot record the delivery through seq \(last.seq): \(error)")
                }
                try Task.checkCancellation()
            } else {
                // A cancelled attempt is the server stopping, not the receiver failing.
                try Task.checkCancellation()
                failures += 1
                handles.failures.increment()
                let wait = settings.backoff(afterFailures: failures)
                let failure = outcome.failure ?? ""
                logger.warning(
                    "delivery of seq \(first.seq) to \(last.seq) failed (\(failure)), attempt \(failures); next in \(wait.secondsText) s"
                )
                guard try await pause(wait, lease: &lease, lag: (handles.lag, first)) else { return }
            }
        }
    }

    /// Waits `duration`, renewing the lease meanwhile (a backoff can be far longer than the lease)
    /// and keeping the lag gauge current; returns whether the lease is still held.
    private func pause(
        _ duration: Duration, lease: inout Lease, lag: (gauge: CoreMetrics.Gauge, oldest: ChangeRecord)? = nil
    ) async throws -> Bool {
        let end = ContinuousClock.now + duration
        while true {
            let left = end - ContinuousClock.now
            guard left > .zero else { return true }
            try await Task.sleep(for: min(left, settings.renewalInterval))
            guard await lease.keep() else { return false }
            if let lag { lag.gauge.record(age(of: lag.oldest)) }
        }
    }

    /// Seconds since `change` was made: how late its delivery is.
    private func age(of change: ChangeRecord) -> Double {
        max(0, now().timeIntervalSince(change.at))
    }
}

/// One server's claim on one webhook.
struct Lease: Sendable {
    let store: any EngelStore
    let webhook: Int64
    let holder: String
    let settings: WebhookSettings
    let now: @Sendable () -> Date
    /// When the claim last succeeded; `nil` while it is not held.
    private var renewedAt: ContinuousClock.Instant?

    init(
        store: any EngelStore, webhook: Int64, holder: String, settings: WebhookSettings,
        now: @escaping @Sendable () -> Date
    ) {
        self.now = now
        self.store = store
        self.webhook = webhook
        self.holder = holder
        self.settings = settings
    }

    /// Claims or renews the lease when a renewal is due; returns whether it is held. Renewing every
    /// third of the lease before each attempt leaves an attempt two thirds of it, more than the
    /// delivery timeout with the defaults, so it ends before another server may start.
    mutating func keep() async -> Bool {
        let asked = ContinuousClock.now
        if let renewedAt, asked - renewedAt < settings.renewalInterval { return true }
        do {
            let held = try await store.claimWebhook(id: webhook, holder: holder, now: now(), lease: settings.lease)
            renewedAt = held ? asked : nil
            return held
        } catch {
            // The store cannot say: the lease already held is still ours until it runs out.
            guard let renewedAt, asked - renewedAt < settings.lease else {
                self.renewedAt = nil
                return false
            }
            return true
        }
    }
}
