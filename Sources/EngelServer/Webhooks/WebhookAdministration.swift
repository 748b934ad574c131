public import EngelCore
import EngelWire
public import Foundation

/// What an operator does to webhooks: `engel webhook add|list|remove|test`, and the panel's
/// webhooks page, straight on the store. The store audits additions and removals itself.
public struct WebhookAdministration: Sendable {
    let store: any EngelStore
    /// Who the audit log says added or removed a webhook.
    let actor: ChangeActor
    let now: @Sendable () -> Date

    /// Administers the webhooks of `store`, as `actor`, reading the time from `now`.
    public init(store: any EngelStore, actor: ChangeActor = .cli, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.actor = actor
        self.now = now
    }

    /// A webhook with its account's name, as listed.
    public struct Listed: Sendable, Hashable {
        /// The account whose changes it receives.
        public let account: AccountName
        /// The webhook (its secret is for signing, never for showing).
        public let webhook: Webhook
    }

    /// Adds a webhook posting the account's changes to `url` from now on, with a fresh secret:
    /// returned this once, in the webhook.
    public func add(account text: String, url: String) async throws -> Listed {
        let url = try Self.validatedURL(url)
        let account = try await account(named: text)
        let webhook = try await store.addWebhook(
            for: account.id, url: url, secret: WebhookSignature.generateSecret(),
            audit: AuditContext(at: now(), actor: actor))
        return Listed(account: account.name, webhook: webhook)
    }

    /// The webhooks of the account named `text`, or of every account, by identifier.
    public func list(account text: String? = nil) async throws -> [Listed] {
        let names = Dictionary(try await store.accounts().map { ($0.id, $0.name) }) { first, _ in first }
        var only: Account.ID?
        if let text { only = try await account(named: text).id }
        return try await store.webhooks().compactMap { webhook in
            guard only == nil || webhook.account == only, let name = names[webhook.account] else { return nil }
            return Listed(account: name, webhook: webhook)
        }
    }

    /// Removes the account's webhook `id`; deliveries stop within a poll interval.
    public func remove(account text: String, id: Int64) async throws {
        let listed = try await webhook(id, of: text)
        guard try await store.removeWebhook(id: listed.webhook.id, audit: AuditContext(at: now(), actor: actor))
        else { throw WebhookNotFound(account: listed.account, id: id) }
    }

    /// Sends the account's webhook `id` one signed delivery with no changes, as the server would,
    /// and returns what came of it. The cursor does not move.
    public func test(account text: String, id: Int64, timeout: Duration = WebhookSettings().deliveryTimeout)
        async throws -> DeliveryOutcome
    {
        let listed = try await webhook(id, of: text)
        let body = ResponseWriter.webhookDelivery(account: listed.account.value, webhook: id, changes: [])
        let poster = WebhookPoster(timeout: timeout)
        let outcome = await poster.post(body, to: listed.webhook.url, secret: listed.webhook.secret, now: now())
        await poster.shutdown()
        return outcome
    }

    /// `text` as a webhook's address: an absolute `http` or `https` URL with a host.
    public static func validatedURL(_ text: String) throws(InvalidWebhookURL) -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { throw InvalidWebhookURL(url: text, problem: "it must start with http:// or https://") }
        guard let host = url.host, !host.isEmpty else { throw InvalidWebhookURL(url: text, problem: "it has no host") }
        return text
    }

    private func account(named text: String) async throws -> Account {
        let name = try AccountName(text)
        guard let account = try await store.account(named: name) else { throw AccountNotFound(name: name) }
        return account
    }

    /// The webhook `id` when it belongs to the account named `text`: a mistyped identifier must not
    /// reach another account's webhook.
    private func webhook(_ id: Int64, of text: String) async throws -> Listed {
        let account = try await account(named: text)
        guard let webhook = try await store.webhooks().first(where: { $0.id == id && $0.account == account.id })
        else { throw WebhookNotFound(account: account.name, id: id) }
        return Listed(account: account.name, webhook: webhook)
    }
}

/// The account has no webhook with this identifier.
public struct WebhookNotFound: Error, Sendable, CustomStringConvertible {
    /// The account looked in.
    public let account: AccountName
    /// The identifier looked for.
    public let id: Int64

    public var description: String {
        "account \"\(account)\" has no webhook \(id) (see: engel webhook list \(account))"
    }
}

/// A webhook address Engel cannot post to.
public struct InvalidWebhookURL: Error, Sendable, CustomStringConvertible {
    /// The address given.
    public let url: String
    /// What is wrong with it.
    public let problem: String

    public var description: String { "cannot post to \"\(url)\": \(problem)" }
}
