public import EngelCore
public import Foundation
public import Logging
public import ServiceLifecycle

/// The store's housekeeping while the server runs: unlists blocks whose `until` has passed (and
/// logs their expiry) every ``ServerConfiguration/expiryInterval``, and prunes the change log to
/// ``ServerConfiguration/changeRetentionDays`` every ``ServerConfiguration/changeRetentionSweepInterval``.
///
/// Several servers on one PostgreSQL database each run it; the store records each expiry once.
/// A failed sweep is logged and tried again at the next tick: a database that went away must not
/// stop the server.
public struct ListMaintenance: Service {
    let store: any EngelStore
    let configuration: ServerConfiguration
    let now: @Sendable () -> Date
    let logger: Logger

    /// Creates the service for `store`, reading the time from `now`.
    public init(
        store: any EngelStore, configuration: ServerConfiguration, now: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        // Ends at the start of a graceful shutdown, before the store is closed.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await expireEndedBlocks() }
                if configuration.changeRetentionDays > 0 {
                    group.addTask { await pruneChangeLog() }
                }
            }
        }
    }

    private func expireEndedBlocks() async {
        var failing = false
        while (try? await Task.sleep(for: configuration.expiryInterval)) != nil {
            do {
                let expired = try await store.expire(through: now())
                if expired > 0 { logger.debug("unlisted ended blocks", metadata: ["expired": "\(expired)"]) }
                if failing { logger.notice("expiry sweeps work again") }
                failing = false
            } catch {
                // Once per outage: a sweep a second would otherwise flood the log.
                if !failing { logger.error("the expiry sweep failed", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }

    private func pruneChangeLog() async {
        repeat {
            let cutoff = now().addingTimeInterval(-Double(configuration.changeRetentionDays) * 86_400)
            do {
                let pruned = try await store.pruneChanges(before: cutoff)
                if pruned > 0 {
                    logger.info(
                        "pruned the change log",
                        metadata: ["records": "\(pruned)", "retentionDays": "\(configuration.changeRetentionDays)"])
                }
            } catch {
                logger.error("pruning the change log failed", metadata: ["error": "\(error)"])
            }
        } while (try? await Task.sleep(for: configuration.changeRetentionSweepInterval)) != nil
    }
}
