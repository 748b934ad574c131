import Foundation

/// A customer of the service: its own list, its own key, its own API access switch.
public struct Account: Sendable, Hashable, Identifiable {
    /// The store's identifier.
    public typealias ID = Int64

    /// The store's identifier.
    public let id: ID
    /// The operator-chosen unique name.
    public let name: AccountName
    /// The public API key (32 lowercase hex characters).
    public let apiKey: String
    /// Digest of the current hash; the hash itself is never stored.
    public let hashDigest: HashDigest
    /// The panel's "Allow API access" switch; when off every request answers 401.
    public let apiEnabled: Bool
    /// When the account was created.
    public let createdAt: Date

    /// Creates an account value (stores build these from their rows).
    public init(
        id: ID, name: AccountName, apiKey: String, hashDigest: HashDigest, apiEnabled: Bool, createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.apiKey = apiKey
        self.hashDigest = hashDigest
        self.apiEnabled = apiEnabled
        self.createdAt = createdAt
    }

    /// Whether a request whose hash digests to `digest` authenticates this account right now.
    ///
    /// The digest comparison runs even when API access is off, so timing does not tell which.
    public func accepts(_ digest: HashDigest) -> Bool {
        let hashMatches = hashDigest.matches(digest)
        return hashMatches && apiEnabled
    }
}

/// An account's name: 1 to 64 characters of letters, digits, `.`, `_` and `-`.
public struct AccountName: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The name as given.
    public let value: String

    /// Validates `value`.
    public init(_ value: String) throws(AccountNameError) {
        guard (1...64).contains(value.utf8.count),
            value.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "-"):
                    true
                default: false
                }
            })
        else { throw AccountNameError(name: value) }
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Self(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }

    public static func < (lhs: AccountName, rhs: AccountName) -> Bool { lhs.value < rhs.value }
}

/// A rejected account name.
public struct AccountNameError: Error, Sendable, CustomStringConvertible {
    /// The rejected text.
    public let name: String

    public var description: String {
        "invalid account name \"\(name)\": use 1 to 64 letters, digits, '.', '_' or '-'"
    }
}
