import EngelCore

/// What every page around its own content shows: who is signed in, on which account, the sign-out
/// button, the navigation, the language switch and the messages left by the last action.
public struct PanelChrome: Sendable, Hashable {
    /// The signed-in user; `nil` on the sign-in page and on error pages shown before sign-in.
    public var viewer: PanelViewer?
    /// The CSRF token every form on the page posts as its `csrf` field.
    public var csrf: String
    /// The path and query the browser asked for, so the language switch returns to the same page;
    /// anything but a path on this site is replaced by the panel's root.
    public var currentTarget: String
    /// Results and errors of the last action, shown above the page's content.
    public var flashes: [PanelFlash]

    /// Creates the chrome.
    public init(viewer: PanelViewer?, csrf: String, currentTarget: String, flashes: [PanelFlash] = []) {
        self.viewer = viewer
        self.csrf = csrf
        self.currentTarget = currentTarget
        self.flashes = flashes
    }
}

/// The signed-in panel user, as the pages need to know them.
public struct PanelViewer: Sendable, Hashable {
    /// The user's name.
    public var name: String
    /// The user's role as the user store names it (`admin`, `operator`, `viewer`, …); known
    /// names are shown translated, others as they are.
    public var role: String
    /// Whether the user administers the panel: sees the users page and the account chooser.
    public var isAdmin: Bool
    /// Whether the user may change the list and the account (add, remove, import, API access,
    /// webhooks); without it those forms are not shown.
    public var mayChange: Bool
    /// The account being worked on; `nil` when an admin has not chosen one yet.
    public var account: AccountName?

    /// Creates a viewer.
    public init(name: String, role: String, isAdmin: Bool, mayChange: Bool, account: AccountName?) {
        self.name = name
        self.role = role
        self.isAdmin = isAdmin
        self.mayChange = mayChange
        self.account = account
    }
}

/// The outcome of an action, shown once on the next page.
public enum PanelFlash: Sendable, Hashable {
    /// A number was blocked.
    case added(PhoneNumber)
    /// A number was already blocked; its block's end moved when `until` asked for a later one.
    case alreadyListed(PhoneNumber)
    /// A number was unblocked.
    case removed(PhoneNumber)
    /// A number to unblock was not on the list.
    case notListed(PhoneNumber)
    /// The input is not a Turkish mobile number (echoed as typed).
    case invalidNumber(String)
    /// The reason is longer than 256 characters or holds control characters.
    case invalidReason
    /// The block's end is not a `YYYY-MM-DD HH:MM:SS` Turkey time after now (echoed as typed).
    case invalidUntil(String)
    /// A date filter bound is not a `YYYY-MM-DD HH:MM:SS` time (echoed as typed).
    case invalidDate(String)
    /// API access was switched on or off.
    case apiAccess(enabled: Bool)
    /// The hash rotation was not confirmed.
    case rotationNotConfirmed
    /// A webhook was removed.
    case webhookRemoved(Int64)
    /// A webhook's address is not an `http` or `https` URL (echoed as typed).
    case invalidWebhookURL(String)
    /// The account has no webhook with this identifier (removed already, or another account's).
    case webhookNotFound(String)
    /// A panel user was created.
    case userCreated(String)
    /// A panel user was disabled.
    case userDisabled(String)
    /// A panel user was enabled.
    case userEnabled(String)
    /// A panel user's password was set.
    case passwordReset(String)
    /// A panel user was deleted.
    case userDeleted(String)
    /// The new user's name or password was not accepted; `detail` says why, as the user store put it.
    case invalidUser(detail: String)
    /// A panel user's name breaks the rules (echoed as typed).
    case invalidUserName(String)
    /// A new password is shorter than ``PanelPassword/minimumCharacters`` (or empty).
    case passwordTooShort
    /// A new password is longer than ``PanelPassword/maximumBytes`` bytes or holds a control character.
    case passwordUnusable
    /// A viewer or an operator was given no account, or an admin one; or the role is unknown.
    case invalidRole
    /// No account has this name (echoed as typed).
    case unknownAccount(String)
    /// A panel user with this name exists already.
    case userExists(String)
    /// No panel user has this name (echoed as typed).
    case userNotFound(String)
    /// An admin tried to disable or delete the user they are signed in as.
    case cannotRemoveYourself
    /// An admin chose the account to work on.
    case accountChosen(AccountName)
    /// The uploaded file is larger than the limit.
    case importTooLarge(maximumBytes: Int)
    /// The uploaded file holds no lines.
    case importEmpty
    /// The checked file is no longer known (too old, or the server restarted): upload it again.
    case importExpired
    /// The form's CSRF token did not match, usually because the page was open too long.
    case formExpired
    /// Something failed; `detail` (a request identifier, an error's text) is shown as given.
    case failed(detail: String?)
}
