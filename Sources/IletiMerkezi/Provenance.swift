import EngelCore
import EngelWire
public import Foundation

extension BlacklistClient {
    /// Where an entry, or a change to the list, came from.
    ///
    /// A struct rather than an enum so that a source a newer server adds still reads.
    public struct Source: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The wire form, such as `bulk`.
        public let rawValue: String

        /// A source by its wire form.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// add-blacklist or delete-blacklist.
        public static let api = Source(rawValue: "api")
        /// bulk-add-blacklist or bulk-delete-blacklist.
        public static let bulk = Source(rawValue: "bulk")
        /// The operators' panel.
        public static let panel = Source(rawValue: "panel")
        /// `engel account load`.
        public static let load = Source(rawValue: "load")
        /// An entry made before the server recorded provenance.
        public static let unknown = Source(rawValue: "unknown")
        /// A block that reached its `until` (changes only).
        public static let expiry = Source(rawValue: "expiry")

        public var description: String { rawValue }
    }

    /// Who made a change: the account's key, a panel user, the server's command line, or the
    /// server itself.
    public enum Actor: Sendable, Hashable, CustomStringConvertible {
        /// A request authenticated by the account's key.
        case api
        /// A user of the panel.
        case panel(user: String)
        /// `engel` run on the server's machine.
        case cli
        /// The server itself (expiry).
        case system
        /// A kind of actor this library does not know, as the server wrote it.
        case other(String)

        /// Reads the wire form: `api`, `panel:<user>`, `cli`, `system`, or anything else as ``other(_:)``.
        public init(_ text: String) {
            switch ChangeActor(text) {
            case .api: self = .api
            case .panel(let user): self = .panel(user: user)
            case .cli: self = .cli
            case .system: self = .system
            case nil: self = .other(text)
            }
        }

        /// The wire form.
        public var description: String {
            switch self {
            case .api: "api"
            case .panel(let user): "panel:\(user)"
            case .cli: "cli"
            case .system: "system"
            case .other(let text): text
            }
        }
    }

    /// One listed number with its story: when, from where, why, until when and by whom.
    public struct Entry: Sendable, Hashable {
        /// `+905XXXXXXXXX`.
        public let number: String
        /// When it was first listed (a re-add keeps it).
        public let addedAt: Date
        /// Where the listing came from.
        public let source: Source
        /// Why, if anyone said.
        public let reason: String?
        /// When the block ends; `nil` is forever.
        public let until: Date?
        /// Who listed it; `nil` for entries older than provenance.
        public let actor: Actor?

        /// Creates an entry.
        public init(number: String, addedAt: Date, source: Source, reason: String?, until: Date?, actor: Actor?) {
            self.number = number
            self.addedAt = addedAt
            self.source = source
            self.reason = reason
            self.until = until
            self.actor = actor
        }

        init(_ payload: EntryPayload) throws(IletiMerkeziError) {
            self.init(
                number: payload.number, addedAt: try Self.date(payload.addedAt, "addedAt"),
                source: Source(rawValue: payload.source), reason: payload.reason,
                until: try payload.until.map { (text) throws(IletiMerkeziError) in try Self.date(text, "until") },
                actor: payload.actor.map(Actor.init))
        }

        /// A time of the wire, `YYYY-MM-DD HH:MM:SS` Turkey time.
        static func date(_ text: String, _ field: String) throws(IletiMerkeziError) -> Date {
            guard let date = TurkeyTime.parse(text) else {
                throw IletiMerkeziError(.unexpectedAnswer, code: 200, message: "\(field) is not a time: \(text)")
            }
            return date
        }
    }

    /// One record of the change feed.
    public struct Change: Sendable, Hashable {
        /// What a change did.
        public enum Action: String, Sendable, Hashable {
            /// The number was listed, or its block's end moved later.
            case add
            /// The number was unlisted, by a remove or by expiry.
            case remove
        }

        /// Its position in the account's feed: strictly increasing, with gaps. Ask for the changes
        /// after the last one seen to resume.
        public let seq: Int64
        /// When it took effect (an expiry's is the block's `until`).
        public let at: Date
        /// What it did.
        public let action: Action
        /// `+905XXXXXXXXX`.
        public let number: String
        /// Where it came from (``Source/expiry`` for an expiry).
        public let source: Source
        /// Why, if anyone said.
        public let reason: String?
        /// The block's end after an add; `nil` is forever, and always `nil` for removals.
        public let until: Date?
        /// Who made it.
        public let actor: Actor

        /// Creates a change.
        public init(
            seq: Int64, at: Date, action: Action, number: String, source: Source, reason: String?, until: Date?,
            actor: Actor
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

        init(_ payload: ChangePayload) throws(IletiMerkeziError) {
            guard let action = Action(rawValue: payload.action) else {
                throw IletiMerkeziError(
                    .unexpectedAnswer, code: 200, message: "a change whose action is \(payload.action)")
            }
            self.init(
                seq: payload.seq, at: try Entry.date(payload.at, "at"), action: action, number: payload.number,
                source: Source(rawValue: payload.source), reason: payload.reason,
                until: try payload.until.map { (text) throws(IletiMerkeziError) in try Entry.date(text, "until") },
                actor: Actor(payload.actor))
        }
    }

    /// One page of the list in detail, read at one position of the change feed.
    public struct EntriesPage: Sendable, Hashable {
        /// This page's entries, oldest first.
        public let entries: [Entry]
        /// How many entries match the filter across all pages.
        public let count: Int
        /// The change-feed position the page was read at: the changes after it are the ones this
        /// page does not show.
        public let seq: Int64
        /// The 1-based page this is.
        public let page: Int
        /// The page size asked for.
        public let rowCount: Int

        /// Creates a page.
        public init(entries: [Entry], count: Int, seq: Int64, page: Int, rowCount: Int) {
            self.entries = entries
            self.count = count
            self.seq = seq
            self.page = page
            self.rowCount = rowCount
        }

        /// Whether entries beyond this page remain, going by ``count``.
        public var hasMore: Bool {
            !entries.isEmpty && (page - 1) * rowCount + entries.count < count
        }
    }

    /// One stretch of the change feed, as one get-blacklist-changes request answers it.
    public struct ChangeStretch: Sendable, Hashable {
        /// The changes after the position asked for, in `seq` order.
        public let changes: [Change]
        /// The last `seq` returned, or the position asked for when none was: ask after it next. The
        /// server promises that no change at or below it appears later.
        public let next: Int64
        /// The lowest `seq` the server still keeps; 0 when it keeps none. A reader that was at a
        /// position below `oldest - 1` may have missed changes the server no longer keeps.
        public let oldest: Int64

        /// Creates a stretch.
        public init(changes: [Change], next: Int64, oldest: Int64) {
            self.changes = changes
            self.next = next
            self.oldest = oldest
        }
    }
}
