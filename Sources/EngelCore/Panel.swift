import Crypto
import Foundation

/// A panel user's name: 1 to 64 characters of lowercase ASCII letters, digits, `.`, `_` and `-`.
///
/// Upper-case ASCII letters are read as their lower case, so `Ayse` signs in as `ayse`: one person
/// cannot be two users that differ only in case. The name shows in audit records as the actor
/// `panel:<name>`.
public struct PanelUserName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name, in lower case.
    public let value: String

    /// Reads `text` as a name, lower-casing ASCII letters.
    public init(_ text: String) throws(PanelUserNameError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                bytes.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                bytes.append(byte + 32)
            default:
                throw PanelUserNameError(name: text)
            }
        }
        guard (1...64).contains(bytes.count) else { throw PanelUserNameError(name: text) }
        value = String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { value }

    public static func < (lhs: PanelUserName, rhs: PanelUserName) -> Bool { lhs.value < rhs.value }
}

/// A rejected panel user name.
public struct PanelUserNameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rejected text.
    public let name: String

    public var description: String {
        "invalid panel user name \"\(name)\": use 1 to 64 lowercase letters, digits, '.', '_' or '-'"
    }
}

/// What a panel user may do: read or change one account (viewer, operator), or everything (admin).
///
/// A role names its account when it has one, so a viewer or an operator without an account cannot
/// be made.
public enum PanelRole: Sendable, Hashable, CustomStringConvertible {
    /// Reads one account's list, entries, changes and audit log.
    case viewer(AccountName)
    /// A viewer of one account who also adds, removes and imports numbers, switches its API access,
    /// rotates its hash and manages its webhooks.
    case `operator`(AccountName)
    /// Reads and changes every account, and manages the panel users.
    case admin

    /// A role without its account: what is stored, and what `--role` names.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// ``PanelRole/viewer(_:)``.
        case viewer
        /// ``PanelRole/operator(_:)``.
        case `operator`
        /// ``PanelRole/admin``.
        case admin
    }

    /// Makes the role of `kind` for `account`, which a viewer and an operator need and an admin
    /// must not have.
    public init(_ kind: Kind, account: AccountName?) throws(PanelRoleError) {
        switch (kind, account) {
        case (.viewer, let account?): self = .viewer(account)
        case (.operator, let account?): self = .operator(account)
        case (.admin, nil): self = .admin
        case (.admin, _?): throw PanelRoleError.adminWithAccount
        case (_, nil): throw PanelRoleError.accountMissing(kind)
        }
    }

    /// The role without its account.
    public var kind: Kind {
        switch self {
        case .viewer: .viewer
        case .operator: .operator
        case .admin: .admin
        }
    }

    /// The one account a viewer or an operator works on; `nil` for an admin.
    public var account: AccountName? {
        switch self {
        case .viewer(let account), .operator(let account): account
        case .admin: nil
        }
    }

    /// Whether the role may read `account`'s list, entries, changes, webhooks and audit log.
    public func mayRead(_ account: AccountName) -> Bool {
        switch self {
        case .viewer(let own), .operator(let own): own == account
        case .admin: true
        }
    }

    /// Whether the role may change `account`: its list, API access, hash and webhooks.
    public func mayWrite(_ account: AccountName) -> Bool {
        switch self {
        case .viewer: false
        case .operator(let own): own == account
        case .admin: true
        }
    }

    /// Whether the role may create, disable, enable, reset and delete panel users, and create or
    /// delete accounts.
    public var mayManagePanelUsers: Bool { self == .admin }

    /// `viewer of acme`, `operator of acme` or `admin`.
    public var description: String {
        switch self {
        case .viewer(let account): "viewer of \(account)"
        case .operator(let account): "operator of \(account)"
        case .admin: "admin"
        }
    }
}

/// A role that cannot be made.
public enum PanelRoleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A viewer or an operator was given no account.
    case accountMissing(PanelRole.Kind)
    /// An admin was given an account.
    case adminWithAccount

    public var description: String {
        switch self {
        case .accountMissing(let kind): "a panel \(kind.rawValue) works on one account: name it"
        case .adminWithAccount: "a panel admin works on every account: name none"
        }
    }
}

/// A bcrypt hash of a panel user's password, as `$2b$…` text. Never shown: `description` is redacted.
public struct PanelPasswordHash: Sendable, Hashable, CustomStringConvertible {
    /// The hash in bcrypt's modular crypt format.
    public let encoded: String

    /// Wraps a hash made by the panel's password hasher, or read back from a store.
    public init(encoded: String) {
        self.encoded = encoded
    }

    public var description: String { "PanelPasswordHash(redacted)" }
}

/// A new panel password: at least ``minimumCharacters`` characters, at most ``maximumBytes`` bytes
/// of UTF-8 (all bcrypt reads), and no control characters. `description` is redacted.
public struct PanelPassword: Sendable, CustomStringConvertible {
    /// The fewest characters a password may have.
    public static let minimumCharacters = 10
    /// The most UTF-8 bytes a password may have: bcrypt ignores any byte after the 72nd, so a longer
    /// password would be weaker than it looks.
    public static let maximumBytes = 72

    /// The password.
    public let text: String

    /// Checks `text` against the rules.
    public init(_ text: String) throws(PanelPasswordError) {
        guard text.count >= Self.minimumCharacters else { throw .tooShort }
        guard text.utf8.count <= Self.maximumBytes else { throw .tooLong }
        // A NUL would end the text early where bcrypt reads it; other control characters are
        // typing accidents (a pasted newline).
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .controlCharacters
        }
        self.text = text
    }

    public var description: String { "PanelPassword(redacted)" }
}

/// A password that breaks the rules.
public enum PanelPasswordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer than ``PanelPassword/minimumCharacters`` characters.
    case tooShort
    /// More than ``PanelPassword/maximumBytes`` bytes.
    case tooLong
    /// A control character (a newline, a tab, a NUL).
    case controlCharacters

    public var description: String {
        switch self {
        case .tooShort: "the password is too short: use at least \(PanelPassword.minimumCharacters) characters"
        case .tooLong:
            "the password is too long: bcrypt reads at most \(PanelPassword.maximumBytes) bytes "
                + "(\(PanelPassword.maximumBytes) letters of English, fewer of Turkish)"
        case .controlCharacters: "the password holds a control character (a tab, a newline, …)"
        }
    }
}

/// Someone allowed to sign in to the panel.
public struct PanelUser: Sendable, Hashable {
    /// The unique name the user signs in with.
    public let name: PanelUserName
    /// What the user may do, and on which account.
    public let role: PanelRole
    /// The bcrypt hash of the password.
    public let passwordHash: PanelPasswordHash
    /// A disabled user cannot sign in, and has no sessions.
    public let disabled: Bool
    /// When the user was created.
    public let createdAt: Date

    /// Creates a user value (stores build these from their rows).
    public init(name: PanelUserName, role: PanelRole, passwordHash: PanelPasswordHash, disabled: Bool, createdAt: Date)
    {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.createdAt = createdAt
    }

    /// The one account a viewer or an operator works on; `nil` for an admin.
    public var account: AccountName? { role.account }

    /// The actor the user's changes are recorded as: `panel:<name>`.
    public var actor: ChangeActor { .panel(user: name.value) }
}

/// The random token a browser holds for its session: 32 random bytes as 64 lowercase hex
/// characters. It is a credential: the stores keep only its ``digest``, and `description` is
/// redacted.
public struct PanelSessionToken: Sendable, Hashable, CustomStringConvertible {
    /// The token, as the cookie carries it.
    public let value: String

    /// Reads a token a browser sent; `nil` unless it is 64 lowercase hex characters.
    public init?(_ text: String) {
        guard text.utf8.count == 64,
            text.utf8.allSatisfy({
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            })
        else { return nil }
        value = text
    }

    /// A new random token.
    public static func generate() -> PanelSessionToken {
        PanelSessionToken(trusted: IssuedCredentials.randomHex(bytes: 32))
    }

    private init(trusted value: String) {
        self.value = value
    }

    /// What the stores keep instead of the token.
    public var digest: PanelSessionDigest {
        var text = value
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return PanelSessionDigest(hexadecimal: IssuedCredentials.hex(digest.withUnsafeBytes { Array($0) }))
    }

    public var description: String { "PanelSessionToken(redacted)" }
}

/// The SHA-256 digest of a session token, as lowercase hex: how a store finds a session. A copied
/// database holds no token a browser could present.
///
/// The token is 256 random bits, so a fast digest is enough, as for ``HashDigest``.
public struct PanelSessionDigest: Sendable, Hashable, CustomStringConvertible {
    /// The digest as 64 lowercase hex characters.
    public let hexadecimal: String

    /// Restores a stored digest.
    public init(hexadecimal: String) {
        self.hexadecimal = hexadecimal
    }

    public var description: String { "PanelSessionDigest(redacted)" }
}

/// How long a panel session lasts: it ends after ``idleTimeout`` without a request, and at
/// ``absoluteTimeout`` after it began however busy it is.
public struct PanelSessionPolicy: Sendable, Hashable {
    /// How long a session may go unused.
    public var idleTimeout: Duration
    /// How long a session may last at most.
    public var absoluteTimeout: Duration

    /// Creates a policy (tests use milliseconds).
    public init(idleTimeout: Duration = .seconds(8 * 3600), absoluteTimeout: Duration = .seconds(7 * 86_400)) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }

    /// 8 hours idle, 7 days in all.
    public static let standard = PanelSessionPolicy()

    /// Whether a session begun at `createdAt` and last used at `lastSeenAt` still lasts at `date`,
    /// to the microsecond, as the stores keep times.
    public func isLive(createdAt: Date, lastSeenAt: Date, at date: Date) -> Bool {
        let now = date.microsecondsSince1970
        return now < lastSeenAt.microsecondsSince1970 + idleMicroseconds
            && now < createdAt.microsecondsSince1970 + absoluteMicroseconds
    }

    /// ``idleTimeout`` in microseconds.
    public var idleMicroseconds: Int64 { Self.microseconds(idleTimeout) }

    /// ``absoluteTimeout`` in microseconds.
    public var absoluteMicroseconds: Int64 { Self.microseconds(absoluteTimeout) }

    private static func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
}

/// A signed-in browser. `description` names the user and leaves the CSRF token out.
public struct PanelSession: Sendable, Hashable, CustomStringConvertible {
    /// The digest of the session's token (the token itself is never stored).
    public let digest: PanelSessionDigest
    /// Who signed in, as the store holds the user at the session's last use.
    public let user: PanelUser
    /// When the session began.
    public let createdAt: Date
    /// When the session was last used.
    public let lastSeenAt: Date
    /// The random value every form of the session must carry back (64 lowercase hex characters):
    /// another site cannot read it, so cannot forge a change.
    public let csrfToken: String

    /// Creates a session value (stores build these from their rows).
    public init(digest: PanelSessionDigest, user: PanelUser, createdAt: Date, lastSeenAt: Date, csrfToken: String) {
        self.digest = digest
        self.user = user
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.csrfToken = csrfToken
    }

    /// Whether `given` is the session's CSRF token, compared in time independent of where they differ.
    public func acceptsCSRFToken(_ given: String) -> Bool {
        let expected = Array(csrfToken.utf8)
        let offered = Array(given.utf8)
        guard expected.count == offered.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ offered[index] }
        return difference == 0
    }

    /// A new random CSRF token.
    public static func generateCSRFToken() -> String {
        IssuedCredentials.randomHex(bytes: 32)
    }

    public var description: String { "PanelSession(user: \(user.name), csrfToken: redacted)" }
}

/// Keeps the panel's users and their sessions, in Engel's database, so that every server behind a
/// load balancer serves every session.
///
/// A change to a viewer or an operator is recorded in its account's audit log, in the same
/// transaction; an admin belongs to no account, so its changes are not. Deleting an account deletes
/// its panel users and ends their sessions.
public protocol PanelStore: Sendable {
    /// Creates a user at `audit.at`; throws ``StoreError/panelUserExists(_:)`` when the name is taken
    /// and ``StoreError/accountMissing`` when the role's account does not exist.
    func createPanelUser(name: PanelUserName, role: PanelRole, passwordHash: PanelPasswordHash, audit: AuditContext)
        async throws -> PanelUser
    /// The user named `name`, if any.
    func panelUser(named name: PanelUserName) async throws -> PanelUser?
    /// Every user, by name.
    func panelUsers() async throws -> [PanelUser]
    /// Disables (ending every session of the user) or enables the user; returns whether it exists.
    func setPanelUserDisabled(_ disabled: Bool, named name: PanelUserName, audit: AuditContext) async throws -> Bool
    /// Replaces the user's password hash and ends every session of the user; returns whether it exists.
    func replacePanelPasswordHash(_ hash: PanelPasswordHash, named name: PanelUserName, audit: AuditContext)
        async throws -> Bool
    /// Replaces the user's password hash with `hash`, made from the same password at another bcrypt
    /// cost, when it is still `current`: unlike a new password, this keeps the user's sessions and
    /// records nothing in the audit log. Returns whether it replaced it.
    func rehashPanelPassword(_ hash: PanelPasswordHash, replacing current: PanelPasswordHash, named name: PanelUserName)
        async throws -> Bool
    /// Deletes the user and every session of it; returns whether it existed.
    func deletePanelUser(named name: PanelUserName, audit: AuditContext) async throws -> Bool
    /// Begins a session of the user named `user` at `date`; `nil` when the user does not exist or is
    /// disabled.
    func createPanelSession(digest: PanelSessionDigest, csrfToken: String, user: PanelUserName, at date: Date)
        async throws -> PanelSession?
    /// The session whose token digests to `digest`, if it is live at `date` under `policy` and its
    /// user exists and is enabled; its last use becomes `date` (so it stays live `policy`'s idle
    /// timeout longer). `nil` otherwise.
    func livePanelSession(digest: PanelSessionDigest, at date: Date, policy: PanelSessionPolicy) async throws
        -> PanelSession?
    /// Ends the session (signing out); returns whether it existed.
    func endPanelSession(digest: PanelSessionDigest) async throws -> Bool
    /// Ends every session of the user named `name`; returns how many.
    func endPanelSessions(ofUserNamed name: PanelUserName) async throws -> Int
    /// Deletes every session that is not live at `date` under `policy`; returns how many.
    func prunePanelSessions(at date: Date, policy: PanelSessionPolicy) async throws -> Int
}

extension PanelStore {
    /// Begins a session of `user` at `date` with a fresh token and CSRF token; returns the token,
    /// which only the browser keeps, with the session, or `nil` when the user does not exist or is
    /// disabled.
    public func startPanelSession(user: PanelUserName, at date: Date) async throws
        -> (token: PanelSessionToken, session: PanelSession)?
    {
        let token = PanelSessionToken.generate()
        guard
            let session = try await createPanelSession(
                digest: token.digest, csrfToken: PanelSession.generateCSRFToken(), user: user, at: date)
        else { return nil }
        return (token, session)
    }

    /// ``livePanelSession(digest:at:policy:)`` for the token a browser sent.
    public func livePanelSession(token: PanelSessionToken, at date: Date, policy: PanelSessionPolicy) async throws
        -> PanelSession?
    {
        try await livePanelSession(digest: token.digest, at: date, policy: policy)
    }
}

/// What a panel user change records in its account's audit log: the user's name and its role.
public enum PanelAudit {
    /// The audit detail naming `name` with `role`, such as `ayse (operator)`.
    public static func detail(_ name: PanelUserName, _ role: PanelRole) -> String {
        "\(name) (\(role.kind.rawValue))"
    }
}
