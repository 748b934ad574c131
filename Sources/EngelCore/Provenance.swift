import Foundation

/// Where an entry, or a change to a list, came from (DESIGN.md, "Provenance").
public enum ChangeSource: String, Sendable, Hashable, CaseIterable {
    /// add-blacklist or delete-blacklist.
    case api
    /// bulk-add-blacklist or bulk-delete-blacklist.
    case bulk
    /// The operators' panel.
    case panel
    /// `engel account load`.
    case load
    /// An entry made before provenance was recorded.
    case unknown
    /// A block that reached its `until` (change records only).
    case expiry
}

/// Who made a change: the account's key, a panel user, the command line, or Engel itself.
public enum ChangeActor: Sendable, Hashable, CustomStringConvertible {
    /// A request authenticated by the account's key (the key itself is never recorded).
    case api
    /// A user of the panel.
    case panel(user: String)
    /// `engel` run on the server's machine.
    case cli
    /// Engel itself (expiry).
    case system

    /// The wire form: `api`, `panel:<user>`, `cli` or `system`.
    public var description: String {
        switch self {
        case .api: "api"
        case .panel(let user): "panel:\(user)"
        case .cli: "cli"
        case .system: "system"
        }
    }

    /// Reads the wire form; `nil` for anything else.
    public init?(_ text: String) {
        switch text {
        case "api": self = .api
        case "cli": self = .cli
        case "system": self = .system
        default:
            guard text.hasPrefix("panel:"), text.count > "panel:".count else { return nil }
            self = .panel(user: String(text.dropFirst("panel:".count)))
        }
    }
}

/// Why a number was blocked or unblocked, as a person wrote it.
public enum ChangeReason {
    /// The most Unicode scalars a reason may have.
    public static let maximumScalars = 256

    /// `text` as a reason: `nil` for none (absent or empty), 400 when longer than
    /// ``maximumScalars`` or holding control characters other than tab.
    public static func validated(_ text: String?) throws(APIError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= maximumScalars else {
            throw APIError(.badRequest, "reason is longer than \(maximumScalars) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" })
        else { throw APIError(.badRequest, "reason holds control characters") }
        return text
    }
}

/// The end of a block, as an add's `until` gives it.
public enum BlockEnd {
    /// `text` as a block's end: `nil` when absent, 400 when it is not a `YYYY-MM-DD HH:MM:SS`
    /// Turkey time after `now`.
    public static func parse(_ text: String?, after now: Date) throws(APIError) -> Date? {
        guard let text else { return nil }
        guard let date = TurkeyTime.parse(text) else {
            throw APIError(.badRequest, "until is not a YYYY-MM-DD HH:MM:SS time")
        }
        guard date > now else { throw APIError(.badRequest, "until is not after now") }
        return date
    }

    /// The block's end after a re-add asking for `added`, when that moves the `current` end later:
    /// `.some(nil)` is forever. `nil` when the end does not move (a re-add never shortens a block).
    public static func moved(_ current: Date?, by added: Date?) -> Date?? {
        guard let current else { return nil }
        guard let added else { return .some(nil) }
        return added > current ? .some(added) : nil
    }
}

/// What a write records beside the change itself: where it came from, who made it, why, and
/// (adds only) until when the block lasts.
public struct Provenance: Sendable, Hashable {
    /// Where the change came from.
    public var source: ChangeSource
    /// Who made it.
    public var actor: ChangeActor
    /// Why, if anyone said.
    public var reason: String?
    /// When the block ends; `nil` is forever. Ignored by removals.
    public var until: Date?

    /// Creates a provenance.
    public init(source: ChangeSource, actor: ChangeActor, reason: String? = nil, until: Date? = nil) {
        self.source = source
        self.actor = actor
        self.reason = reason
        self.until = until
    }

    /// add-blacklist or delete-blacklist, with nothing else said.
    public static let api = Provenance(source: .api, actor: .api)
}

/// One listed number with its story so far.
public struct ListEntry: Sendable, Hashable {
    /// The number.
    public let number: PhoneNumber
    /// When it was first listed (kept by re-adds).
    public let addedAt: Date
    /// Where the listing came from.
    public let source: ChangeSource
    /// Why, if anyone said (the latest add that said so).
    public let reason: String?
    /// When the block ends; `nil` is forever.
    public let until: Date?
    /// Who listed it; `nil` for entries made before provenance was recorded.
    public let actor: ChangeActor?

    /// Creates an entry.
    public init(
        number: PhoneNumber, addedAt: Date, source: ChangeSource, reason: String?, until: Date?, actor: ChangeActor?
    ) {
        self.number = number
        self.addedAt = addedAt
        self.source = source
        self.reason = reason
        self.until = until
        self.actor = actor
    }

    /// Whether the block is in force at `date`.
    public func isInForce(at date: Date) -> Bool {
        until.map { $0 > date } ?? true
    }
}

/// One page of detailed entries, with the count of the whole filtered list and the change-feed
/// position the page was read at: following the feed from `seq` misses nothing and repeats nothing.
public struct EntriesPage: Sendable, Hashable {
    /// This page's entries, oldest first.
    public let entries: [ListEntry]
    /// How many entries match the filter across all pages.
    public let count: Int
    /// The change-feed position of the snapshot the page was read from.
    public let seq: Int64

    /// Creates a page.
    public init(entries: [ListEntry], count: Int, seq: Int64) {
        self.entries = entries
        self.count = count
        self.seq = seq
    }
}

/// What a change did to a list.
public enum ChangeAction: String, Sendable, Hashable {
    /// A number was listed, or its block's end moved.
    case add
    /// A number was unlisted (by a remove or by expiry).
    case remove
}

/// One record of the change log.
public struct ChangeRecord: Sendable, Hashable {
    /// Its position in the account's feed: strictly increasing, with gaps.
    public let seq: Int64
    /// When the change took effect (an expiry's is its `until`).
    public let at: Date
    /// What it did.
    public let action: ChangeAction
    /// The number changed.
    public let number: PhoneNumber
    /// Where it came from.
    public let source: ChangeSource
    /// Why, if anyone said.
    public let reason: String?
    /// The block's end after an add; `nil` is forever, and always `nil` for removals.
    public let until: Date?
    /// Who made it.
    public let actor: ChangeActor

    /// Creates a record.
    public init(
        seq: Int64, at: Date, action: ChangeAction, number: PhoneNumber, source: ChangeSource, reason: String?,
        until: Date?, actor: ChangeActor
    ) {
        self.seq = seq
        self.at = at
        self.action = action
        self.number = number
        self.source = source
        self.reason = reason
        self.until = until
        self.actor = actor
    }
}

/// A stretch of the change feed.
public struct ChangesPage: Sendable, Hashable {
    /// The records after the position asked for, in `seq` order.
    public let changes: [ChangeRecord]
    /// The last `seq` returned, or the position asked for when none was: ask after it next. No
    /// change at or below it appears later.
    public let next: Int64
    /// The lowest `seq` the log still keeps; 0 when it keeps none.
    public let oldest: Int64

    /// Creates a stretch.
    public init(changes: [ChangeRecord], next: Int64, oldest: Int64) {
        self.changes = changes
        self.next = next
        self.oldest = oldest
    }
}

/// What happened to an account, outside its list: the audit log.
public enum AuditAction: String, Sendable, Hashable, CaseIterable {
    /// The account was created.
    case created
    /// API access was switched on.
    case apiEnabled = "api-enabled"
    /// API access was switched off.
    case apiDisabled = "api-disabled"
    /// The hash was rotated.
    case hashRotated = "hash-rotated"
    /// The account, its list and its change log were deleted.
    case deleted
    /// A panel user signed in.
    case panelSignIn = "panel-sign-in"
    /// One number's history was erased on a data subject's request (the number is not recorded).
    case historyErased = "history-erased"
    /// A webhook was added.
    case webhookAdded = "webhook-added"
    /// A webhook was removed.
    case webhookRemoved = "webhook-removed"
    /// Someone failed to sign in to the panel as one of the account's users (a wrong password, or a
    /// disabled user).
    case panelSignInFailed = "panel-sign-in-failed"
    /// A panel user of the account was created (the detail names it and its role).
    case panelUserCreated = "panel-user-created"
    /// A panel user of the account was disabled, and its sessions ended.
    case panelUserDisabled = "panel-user-disabled"
    /// A panel user of the account was enabled again.
    case panelUserEnabled = "panel-user-enabled"
    /// A panel user's password was replaced, and its sessions ended.
    case panelPasswordReset = "panel-password-reset"
    /// A panel user of the account was deleted, and its sessions ended.
    case panelUserDeleted = "panel-user-deleted"
}

/// One record of the audit log. Never holds a phone number or a credential.
public struct AuditRecord: Sendable, Hashable {
    /// Its position in the audit log, increasing.
    public let seq: Int64
    /// When it happened.
    public let at: Date
    /// The account's name (kept after the account is deleted).
    public let account: AccountName
    /// What happened.
    public let action: AuditAction
    /// Who did it.
    public let actor: ChangeActor
    /// A short note (a webhook's address, how many records an erasure removed).
    public let detail: String?

    /// Creates a record.
    public init(seq: Int64, at: Date, account: AccountName, action: AuditAction, actor: ChangeActor, detail: String?) {
        self.seq = seq
        self.at = at
        self.account = account
        self.action = action
        self.actor = actor
        self.detail = detail
    }
}

/// Who does an account change, and when: what its audit record says.
public struct AuditContext: Sendable, Hashable {
    /// When.
    public var at: Date
    /// Who.
    public var actor: ChangeActor

    /// Creates a context.
    public init(at: Date, actor: ChangeActor) {
        self.at = at
        self.actor = actor
    }

    /// The command line, now.
    public static var cliNow: AuditContext { AuditContext(at: Date(), actor: .cli) }
}

/// A webhook: where an account's changes are posted, signed with its secret.
public struct Webhook: Sendable, Hashable {
    /// Its identifier, unique across accounts.
    public let id: Int64
    /// Whose changes it receives.
    public let account: Account.ID
    /// Where deliveries are posted.
    public let url: String
    /// The signing secret, `whsec_` and at least 32 letters and digits.
    public let secret: String
    /// When it was added.
    public let createdAt: Date
    /// The `seq` of the last change delivered: the durable cursor. A new webhook starts at the
    /// feed's position when it was added.
    public let deliveredThrough: Int64

    /// Creates a webhook.
    public init(id: Int64, account: Account.ID, url: String, secret: String, createdAt: Date, deliveredThrough: Int64) {
        self.id = id
        self.account = account
        self.url = url
        self.secret = secret
        self.createdAt = createdAt
        self.deliveredThrough = deliveredThrough
    }
}
