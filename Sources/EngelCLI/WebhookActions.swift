import ArgumentParser
import EngelCore
import EngelServer
import Foundation
import Logging

/// The webhook commands' work: open the store, act, print, close.
struct WebhookActions {
    /// Opens the store each action works on (tests hand in one they keep).
    let open: @Sendable () async throws -> any EngelStore

    init(open: @escaping @Sendable () async throws -> any EngelStore) {
        self.open = open
    }

    init(configuration: ServerConfiguration) {
        self.init {
            var logger = Logger(label: "engel")
            logger.logLevel = .warning
            return try await configuration.database.open(logger: logger)
        }
    }

    func add(account: String, url: String, json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            let added = try await administration.add(account: account, url: url)
            output.write(WebhookFormatting.added(added, json: json))
        }
    }

    func list(account: String?, json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            output.write(WebhookFormatting.table(try await administration.list(account: account), json: json))
        }
    }

    func remove(account: String, id: Int64, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            try await administration.remove(account: account, id: id)
            output.write("Removed webhook \(id) of \(account).\n")
        }
    }

    /// `engel webhook test`: throws (exit status 1) unless the receiver answered 2xx in time.
    func test(account: String, id: Int64, timeout: Duration, to output: some TextOutput) async throws {
        let outcome = try await withAdministration { administration in
            try await administration.test(account: account, id: id, timeout: timeout)
        }
        let milliseconds = Int((outcome.elapsed / .milliseconds(1)).rounded())
        if let failure = outcome.failure {
            output.write("Webhook \(id) failed: \(failure) (after \(milliseconds) ms).\n")
            throw ExitCode.failure
        }
        output.write("Webhook \(id) answered \(outcome.status ?? 0) in \(milliseconds) ms.\n")
    }

    private func withAdministration<T>(_ body: (WebhookAdministration) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(WebhookAdministration(store: store))
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

/// How webhooks look on the terminal and as JSON.
enum WebhookFormatting {
    static func added(_ added: WebhookAdministration.Listed, json: Bool) -> String {
        let webhook = added.webhook
        if json {
            struct Shown: Encodable {
                let id: Int64
                let account: String
                let url: String
                let secret: String
            }
            return Layout.jsonLine(
                Shown(id: webhook.id, account: added.account.value, url: webhook.url, secret: webhook.secret))
        }
        return """
            Webhook: \(webhook.id)
            Account: \(added.account)
            URL:     \(webhook.url)
            Secret:  \(webhook.secret)

            Receivers check each delivery's Engel-Signature with the secret (README, "Webhooks").
            It is shown only now. Deliveries carry the changes made from now on.

            """
    }

    static func table(_ webhooks: [WebhookAdministration.Listed], json: Bool) -> String {
        if json {
            struct Listed: Encodable {
                let id: Int64
                let account: String
                let url: String
                let deliveredThrough: Int64
                let createdAt: String
            }
            return Layout.jsonLine(
                webhooks.map {
                    Listed(
                        id: $0.webhook.id, account: $0.account.value, url: $0.webhook.url,
                        deliveredThrough: $0.webhook.deliveredThrough,
                        createdAt: TurkeyTime.format($0.webhook.createdAt))
                })
        }
        guard !webhooks.isEmpty else { return "No webhooks. Add one with: engel webhook add ACCOUNT URL\n" }
        let idWidth = max(2, webhooks.map { String($0.webhook.id).count }.max() ?? 0)
        let accountWidth = max(7, webhooks.map(\.account.value.count).max() ?? 0)
        let cursorWidth = max(17, webhooks.map { String($0.webhook.deliveredThrough).count }.max() ?? 0)
        var lines = [
            "\(Layout.pad("ID", idWidth))  \(Layout.pad("ACCOUNT", accountWidth))  \(Layout.pad("DELIVERED THROUGH", cursorWidth))  "
                + "CREATED (Turkey time)  URL"
        ]
        for listed in webhooks {
            let webhook = listed.webhook
            lines.append(
                "\(Layout.pad(String(webhook.id), idWidth))  \(Layout.pad(listed.account.value, accountWidth))  "
                    + "\(Layout.pad(String(webhook.deliveredThrough), cursorWidth))  "
                    + "\(TurkeyTime.format(webhook.createdAt))    \(webhook.url)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
