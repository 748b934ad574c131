import EngelCore

/// The outcome of a change carried across its POST-redirect-GET: the POST sets it in a short-lived
/// cookie, and the page the browser is sent to shows it once and deletes the cookie. Reloading that
/// page then shows the page, not the outcome again, and never repeats the change.
///
/// Only the outcomes of changes that succeeded travel this way; a form answered with an error is
/// shown again directly, with what was typed. The value is `kind` or `kind.argument`, the argument
/// as hexadecimal UTF-8 so that no cookie or percent-decoding can change it.
enum PanelFlashCookie {
    /// The cookie's name.
    static let name = "engel_panel_flash"
    /// Long enough for the browser to follow the redirect, short enough that a redirect it did not
    /// follow shows nothing later.
    static let maxAge = 60

    /// The cookie value carrying `flash`; `nil` for a flash that does not follow a redirect.
    static func value(_ flash: PanelFlash) -> String? {
        switch flash {
        case .added(let number): "added." + hex(number.international)
        case .alreadyListed(let number): "already-listed." + hex(number.international)
        case .removed(let number): "removed." + hex(number.international)
        case .notListed(let number): "not-listed." + hex(number.international)
        case .apiAccess(let enabled): enabled ? "api-on" : "api-off"
        case .webhookRemoved(let id): "webhook-removed." + hex(String(id))
        case .userCreated(let user): "user-created." + hex(user)
        case .userDisabled(let user): "user-disabled." + hex(user)
        case .userEnabled(let user): "user-enabled." + hex(user)
        case .passwordReset(let user): "password-reset." + hex(user)
        case .userDeleted(let user): "user-deleted." + hex(user)
        case .accountChosen(let account): "account-chosen." + hex(account.value)
        default: nil
        }
    }

    /// The flash a cookie value carries; `nil` for anything this build did not write.
    static func flash(_ value: String, parser: PhoneNumberParser) -> PanelFlash? {
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let kind = parts[0]
        let argument = parts.count > 1 ? text(hex: parts[1]) : nil
        let number = argument.flatMap { parser.number(from: $0) }
        switch (kind, argument) {
        case ("api-on", nil): return .apiAccess(enabled: true)
        case ("api-off", nil): return .apiAccess(enabled: false)
        case ("added", _?): return number.map { .added($0) }
        case ("already-listed", _?): return number.map { .alreadyListed($0) }
        case ("removed", _?): return number.map { .removed($0) }
        case ("not-listed", _?): return number.map { .notListed($0) }
        case ("webhook-removed", let id?): return Int64(id).map { .webhookRemoved($0) }
        case ("user-created", let user?): return .userCreated(user)
        case ("user-disabled", let user?): return .userDisabled(user)
        case ("user-enabled", let user?): return .userEnabled(user)
        case ("password-reset", let user?): return .passwordReset(user)
        case ("user-deleted", let user?): return .userDeleted(user)
        case ("account-chosen", let account?): return (try? AccountName(account)).map { .accountChosen($0) }
        default: return nil
        }
    }

    private static func hex(_ text: String) -> String {
        text.utf8.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    private static func text(hex: Substring) -> String? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
