import EngelCore
import Foundation

/// The account's API access: the switch (a POST of `enabled`, `on` or `off`, to
/// ``PanelPath/apiAccess``) and the hash rotation (a POST of `confirm=yes` to
/// ``PanelPath/rotateHash``; the checkbox must be ticked, which the browser enforces).
public struct PanelAPIAccessPage: Sendable, Hashable {
    /// The account.
    public var account: AccountName
    /// Its public API key.
    public var apiKey: String
    /// Whether API requests are served.
    public var enabled: Bool

    /// Creates the page.
    public init(account: AccountName, apiKey: String, enabled: Bool) {
        self.account = account
        self.apiKey = apiKey
        self.enabled = enabled
    }
}

/// The credentials a rotation issued, shown this once.
public struct PanelNewHashPage: Sendable, Hashable {
    /// The account.
    public var account: AccountName
    /// The account's key (unchanged by a rotation).
    public var key: String
    /// The new secret.
    public var secret: String
    /// The new hash.
    public var hash: String

    /// Creates the page.
    public init(account: AccountName, key: String, secret: String, hash: String) {
        self.account = account
        self.key = key
        self.secret = secret
        self.hash = hash
    }
}

/// The account's webhooks, the add form (a POST of `url` to ``PanelPath/webhookAdd``) and a
/// remove button per webhook (a POST of `id` to ``PanelPath/webhookRemove``).
public struct PanelWebhooksPage: Sendable, Hashable {
    /// One webhook as listed (never its secret).
    public struct Row: Sendable, Hashable {
        /// Its identifier.
        public var id: Int64
        /// Where deliveries go.
        public var url: String
        /// When it was added.
        public var createdAt: Date
        /// The `seq` of the last change delivered.
        public var deliveredThrough: Int64

        /// Creates a row.
        public init(id: Int64, url: String, createdAt: Date, deliveredThrough: Int64) {
            self.id = id
            self.url = url
            self.createdAt = createdAt
            self.deliveredThrough = deliveredThrough
        }

        /// A store's webhook, without its secret.
        public init(_ webhook: Webhook) {
            self.init(
                id: webhook.id, url: webhook.url, createdAt: webhook.createdAt,
                deliveredThrough: webhook.deliveredThrough)
        }
    }

    /// The webhooks, in the order given.
    public var webhooks: [Row]
    /// The add form's address, as typed.
    public var urlInput: String

    /// Creates the page.
    public init(webhooks: [Row], urlInput: String = "") {
        self.webhooks = webhooks
        self.urlInput = urlInput
    }
}

/// A webhook just added, with its secret shown this once.
public struct PanelWebhookCreatedPage: Sendable, Hashable {
    /// Its identifier.
    public var id: Int64
    /// Where deliveries go.
    public var url: String
    /// The signing secret.
    public var secret: String

    /// Creates the page.
    public init(id: Int64, url: String, secret: String) {
        self.id = id
        self.url = url
        self.secret = secret
    }

    /// A store's new webhook.
    public init(_ webhook: Webhook) {
        self.init(id: webhook.id, url: webhook.url, secret: webhook.secret)
    }
}

extension PanelAPIAccessPage: PanelPageContent {
    var template: String { "apiAccess" }
    var section: PanelSection? { .apiAccess }
    func title(_ format: PanelFormat) -> String { format.text(.navAPIAccess) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        [
            "account": account.value,
            "apiKey": apiKey,
            "enabled": enabled,
            "stateText": format.text(enabled ? .apiAccessOn : .apiAccessOff),
            "switchValue": enabled ? "off" : "on",
            "switchText": format.text(enabled ? .apiAccessTurnOff : .apiAccessTurnOn),
        ]
    }
}

extension PanelNewHashPage: PanelPageContent {
    var template: String { "newHash" }
    var section: PanelSection? { .apiAccess }
    func title(_ format: PanelFormat) -> String { format.text(.newHashTitle) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        ["account": account.value, "key": key, "secret": secret, "hash": hash]
    }
}

extension PanelWebhooksPage: PanelPageContent {
    var template: String { "webhooks" }
    var section: PanelSection? { .webhooks }
    func title(_ format: PanelFormat) -> String { format.text(.navWebhooks) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        [
            "urlInput": urlInput,
            "hasRows": !webhooks.isEmpty,
            "rows": webhooks.map { webhook -> [String: Any] in
                [
                    "id": String(webhook.id),
                    "url": webhook.url,
                    "createdAt": format.time(webhook.createdAt),
                    "deliveredThrough": String(webhook.deliveredThrough),
                    "removeLabel": format.text(.removeWebhookLabel, ["id": String(webhook.id)]),
                ]
            },
        ]
    }
}

extension PanelWebhookCreatedPage: PanelPageContent {
    var template: String { "webhookCreated" }
    var section: PanelSection? { .webhooks }
    func title(_ format: PanelFormat) -> String { format.text(.webhookCreatedTitle) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        ["id": String(id), "url": url, "secret": secret]
    }
}
