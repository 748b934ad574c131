public import EngelCore
public import Foundation

/// What an administrator does to panel users (`engel panel-user …`, and the panel's users page),
/// and how a user signs in.
public struct PanelUserAdministration: Sendable {
    let store: any EngelStore
    let passwords: PanelPasswords
    /// Who the audit log says made each change.
    let actor: ChangeActor
    let now: @Sendable () -> Date

    /// Administers the panel users of `store`, hashing with `passwords`, as `actor`, reading the
    /// time from `now`.
    public init(
        store: any EngelStore, passwords: PanelPasswords, actor: ChangeActor = .cli,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.passwords = passwords
        self.actor = actor
        self.now = now
    }

    private var audit: AuditContext { AuditContext(at: now(), actor: actor) }

    /// Creates a user named `text` with `role` (whose account must exist) and `password`.
    public func create(named text: String, role: PanelRole, password: PanelPassword) async throws -> PanelUser {
        let name = try PanelUserName(text)
        // Checked before the slow hash, so a typo is told at once.
        if try await store.panelUser(named: name) != nil { throw StoreError.panelUserExists(name) }
        if let account = role.account, try await store.account(named: account) == nil {
            throw AccountNotFound(name: account)
        }
        let hash = try await passwords.hash(password)
        do {
            return try await store.createPanelUser(name: name, role: role, passwordHash: hash, audit: audit)
        } catch StoreError.accountMissing {
            // Deleted in the meantime.
            if let account = role.account { throw AccountNotFound(name: account) }
            throw StoreError.accountMissing
        }
    }

    /// Every user, by name.
    public func list() async throws -> [PanelUser] {
        try await store.panelUsers()
    }

    /// Disables the user (ending its sessions) or enables it again.
    public func setDisabled(_ disabled: Bool, named text: String) async throws {
        let name = try PanelUserName(text)
        guard try await store.setPanelUserDisabled(disabled, named: name, audit: audit) else {
            throw PanelUserNotFound(name: name)
        }
    }

    /// Gives the user a new password, ending its sessions.
    public func resetPassword(named text: String, to password: PanelPassword) async throws {
        let name = try PanelUserName(text)
        guard try await store.panelUser(named: name) != nil else { throw PanelUserNotFound(name: name) }
        let hash = try await passwords.hash(password)
        guard try await store.replacePanelPasswordHash(hash, named: name, audit: audit) else {
            throw PanelUserNotFound(name: name)
        }
    }

    /// Deletes the user, ending its sessions.
    public func delete(named text: String) async throws {
        let name = try PanelUserName(text)
        guard try await store.deletePanelUser(named: name, audit: audit) else { throw PanelUserNotFound(name: name) }
    }

    /// Checks `password` for the user named `text` and, when it is right and the user enabled,
    /// begins a session at `now`. Every attempt costs one bcrypt check, whether the user exists or
    /// not. A viewer's or an operator's attempt is recorded in its account's audit log
    /// (`panel-sign-in` or `panel-sign-in-failed`, as the user), never with the password.
    ///
    /// A right password whose hash was made at another cost than the configured one is hashed
    /// again at that cost (once: the next sign-in finds the new hash), so raising
    /// `--panel-password-cost` reaches every user who signs in, without a reset.
    ///
    /// - Throws: ``PanelPasswordsBusy`` when too many checks are under way.
    public func signIn(named text: String, password: String) async throws -> PanelSignIn {
        var user: PanelUser?
        if let name = try? PanelUserName(text) { user = try await store.panelUser(named: name) }
        let matches = try await passwords.verify(password, against: user?.passwordHash)
        guard let user else { return .refused }
        let attempt = AuditContext(at: now(), actor: user.actor)
        guard matches, !user.disabled,
            let started = try await store.startPanelSession(user: user.name, at: attempt.at)
        else {
            if let account = user.account {
                _ = try await store.recordAudit(
                    .panelSignInFailed, forAccountNamed: account, detail: PanelAudit.detail(user.name, user.role),
                    audit: attempt)
            }
            return .refused
        }
        if let account = user.account {
            _ = try await store.recordAudit(
                .panelSignIn, forAccountNamed: account, detail: PanelAudit.detail(user.name, user.role),
                audit: attempt)
        }
        await rehashIfNeeded(user, password: password)
        return .signedIn(token: started.token, session: started.session)
    }

    /// Hashes the user's right `password` again when its hash was made at another cost. A failure
    /// only leaves the old hash, which still works, so it never fails the sign-in; a password that
    /// no longer meets the rules is left as it is.
    private func rehashIfNeeded(_ user: PanelUser, password: String) async {
        guard passwords.needsRehash(user.passwordHash), let valid = try? PanelPassword(password),
            let hash = try? await passwords.hash(valid)
        else { return }
        // Only over the hash just checked: a password set meanwhile stays.
        _ = try? await store.rehashPanelPassword(hash, replacing: user.passwordHash, named: user.name)
    }
}

/// How a sign-in ended.
public enum PanelSignIn: Sendable {
    /// The password was right: the browser gets `token` (its cookie); the store keeps only its digest.
    case signedIn(token: PanelSessionToken, session: PanelSession)
    /// No such user, a wrong password, or a disabled user: the answer does not say which.
    case refused
}

/// No panel user has this name.
public struct PanelUserNotFound: Error, Sendable, CustomStringConvertible {
    /// The name looked for.
    public let name: PanelUserName

    public var description: String { "no panel user named \"\(name)\"" }
}
