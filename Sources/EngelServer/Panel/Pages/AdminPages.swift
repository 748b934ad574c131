import EngelCore
import Foundation

/// The panel's users (admins only), with the create form (a POST of `user`, `password`, `role`
/// and `account` to ``PanelPath/userCreate``) and per user: disable or enable, set the password
/// (`user`, `password`), delete (`user`), each a POST to its ``PanelPath``.
public struct PanelUsersPage: Sendable, Hashable {
    /// One panel user.
    public struct Row: Sendable, Hashable {
        /// The user's name.
        public var name: String
        /// The user's role, as the user store names it.
        public var role: String
        /// The account the user works on; `nil` for admins, who choose.
        public var account: AccountName?
        /// Whether the user may not sign in.
        public var disabled: Bool
        /// Whether this is the admin looking at the page, who may not disable or delete themselves.
        public var isCurrentUser: Bool

        /// Creates a row.
        public init(name: String, role: String, account: AccountName?, disabled: Bool, isCurrentUser: Bool = false) {
            self.name = name
            self.role = role
            self.account = account
            self.disabled = disabled
            self.isCurrentUser = isCurrentUser
        }

        /// A store's user; `current` is the signed-in admin's name.
        public init(_ user: PanelUser, current: PanelUserName) {
            self.init(
                name: user.name.value, role: user.role.kind.rawValue, account: user.account, disabled: user.disabled,
                isCurrentUser: user.name == current)
        }
    }

    /// The users, in the order given.
    public var users: [Row]
    /// The roles the create form offers, as the user store names them.
    public var roles: [String]
    /// The accounts the create form offers.
    public var accounts: [AccountName]
    /// The create form's name, as typed.
    public var nameInput: String

    /// Creates the page.
    public init(users: [Row], roles: [String], accounts: [AccountName], nameInput: String = "") {
        self.users = users
        self.roles = roles
        self.accounts = accounts
        self.nameInput = nameInput
    }
}

/// The accounts an admin may work on, each with a button choosing it (a POST of `account` to
/// ``PanelPath/chooseAccount``).
public struct PanelAccountChooserPage: Sendable, Hashable {
    /// One account.
    public struct Row: Sendable, Hashable {
        /// Its name.
        public var name: AccountName
        /// Whether its API access is on.
        public var apiEnabled: Bool
        /// When it was created.
        public var createdAt: Date

        /// Creates a row.
        public init(name: AccountName, apiEnabled: Bool, createdAt: Date) {
            self.name = name
            self.apiEnabled = apiEnabled
            self.createdAt = createdAt
        }

        /// A store's account.
        public init(_ account: Account) {
            self.init(name: account.name, apiEnabled: account.apiEnabled, createdAt: account.createdAt)
        }
    }

    /// The accounts, in the order given.
    public var accounts: [Row]
    /// The account being worked on now, marked in the list.
    public var current: AccountName?

    /// Creates the page.
    public init(accounts: [Row], current: AccountName?) {
        self.accounts = accounts
        self.current = current
    }
}

/// A page saying why there is nothing else to show.
public struct PanelErrorPage: Sendable, Hashable {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The user's role may not do this (HTTP 403).
        case forbidden
        /// No such page (HTTP 404).
        case notFound
        /// Something failed on the server (HTTP 500).
        case failure
    }

    /// What went wrong.
    public var kind: Kind
    /// A detail to quote (a request identifier), shown as given.
    public var detail: String?

    /// Creates the page.
    public init(kind: Kind, detail: String? = nil) {
        self.kind = kind
        self.detail = detail
    }
}

extension PanelUsersPage: PanelPageContent {
    var template: String { "users" }
    var section: PanelSection? { .users }
    func title(_ format: PanelFormat) -> String { format.text(.navUsers) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        [
            "nameInput": nameInput,
            "hasRows": !users.isEmpty,
            "rows": users.map { user -> [String: Any] in
                [
                    "name": user.name,
                    "role": format.role(user.role),
                    "account": user.account?.value ?? "—",
                    "state": format.text(user.disabled ? .userDisabledState : .userActiveState),
                    "toggleAction": user.disabled ? PanelPath.userEnable : PanelPath.userDisable,
                    "toggleText": format.text(user.disabled ? .enableUserButton : .disableUserButton),
                    "passwordLabel": format.text(.newPasswordFor, ["user": user.name]),
                    "isCurrentUser": user.isCurrentUser,
                ]
            },
            "roles": roles.map { role -> [String: Any] in ["value": role, "label": format.role(role)] },
            "accountOptions": accounts.map(\.value),
        ]
    }
}

extension PanelAccountChooserPage: PanelPageContent {
    var template: String { "accounts" }
    var section: PanelSection? { .accounts }
    func title(_ format: PanelFormat) -> String { format.text(.navAccounts) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        [
            "hasRows": !accounts.isEmpty,
            "rows": accounts.map { account -> [String: Any] in
                [
                    "name": account.name.value,
                    "api": format.text(account.apiEnabled ? .apiAccessOn : .apiAccessOff),
                    "createdAt": format.time(account.createdAt),
                    "current": account.name == current,
                ]
            },
        ]
    }
}

extension PanelErrorPage: PanelPageContent {
    var template: String { "error" }
    var section: PanelSection? { nil }

    func title(_ format: PanelFormat) -> String {
        switch kind {
        case .forbidden: format.text(.forbiddenTitle)
        case .notFound: format.text(.notFoundTitle)
        case .failure: format.text(.failureTitle)
        }
    }

    func fields(_ format: PanelFormat) -> [String: Any] {
        let message =
            switch kind {
            case .forbidden: format.text(.forbiddenMessage)
            case .notFound: format.text(.notFoundMessage)
            case .failure: format.text(.failureMessage)
            }
        var fields: [String: Any] = ["message": message, "hasDetail": detail != nil]
        if let detail { fields["detail"] = detail }
        return fields
    }
}
