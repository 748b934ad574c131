import EngelCore
import Foundation

/// How the panel writes numbers, times and counts in one language.
struct PanelFormat: Sendable {
    /// The language pages are written in.
    let language: PanelLanguage

    /// A localized string.
    func text(_ key: PanelStringKey) -> String {
        PanelStrings.text(key, in: language)
    }

    /// A localized string with its `{name}` placeholders filled.
    ///
    /// One pass over the string's own text: a value holding `{…}` (a user name, say) is copied as
    /// it is, never read as a placeholder.
    func text(_ key: PanelStringKey, _ values: [String: String]) -> String {
        PanelStrings.fill(PanelStrings.text(key, in: language), values)
    }

    /// A time as the wire writes it, `YYYY-MM-DD HH:MM:SS` in Turkey time; column headers and form
    /// labels say so once (``PanelStringKey/turkeyTime``).
    func time(_ date: Date) -> String {
        TurkeyTime.format(date)
    }

    /// A block's end: its time, or "forever".
    func until(_ date: Date?) -> String {
        date.map(time) ?? text(.forever)
    }

    /// A number for reading: `+90 532 123 45 67`.
    func phone(_ number: PhoneNumber) -> String {
        Self.phone(number)
    }

    /// A number for reading: `+90 532 123 45 67`.
    static func phone(_ number: PhoneNumber) -> String {
        let digits = Array(number.nationalDigits)
        guard digits.count == 10 else { return number.international }
        return
            "+90 \(String(digits[0..<3])) \(String(digits[3..<6])) \(String(digits[6..<8])) \(String(digits[8..<10]))"
    }

    /// A count with the language's thousands separator: `1.234.567` in Turkish, `1,234,567` in
    /// English.
    func count(_ value: some BinaryInteger) -> String {
        Self.count(value, separator: language == .turkish ? "." : ",")
    }

    static func count(_ value: some BinaryInteger, separator: Character) -> String {
        let text = String(value)
        let digits = value < 0 ? text.dropFirst() : Substring(text)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(separator) }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A size in bytes: `10 MiB (10,485,760 bytes)`, or only the bytes below a mebibyte.
    func bytes(_ value: Int) -> String {
        let mebibyte = 1_048_576
        guard value >= mebibyte else { return text(.sizeBytes, ["bytes": count(value)]) }
        let tenths = (value * 10 + mebibyte / 2) / mebibyte
        let mebibytes =
            tenths % 10 == 0
            ? count(tenths / 10) : count(tenths / 10) + (language == .turkish ? "," : ".") + String(tenths % 10)
        return text(.sizeMebibytes, ["mebibytes": mebibytes, "bytes": count(value)])
    }

    /// A panel role's name: the known ones translated, others as the user store wrote them.
    func role(_ role: String) -> String {
        switch role {
        case "admin": text(.roleAdmin)
        case "operator": text(.roleOperator)
        case "viewer": text(.roleViewer)
        default: role
        }
    }

    /// Where an entry or change came from, in words.
    func source(_ source: ChangeSource) -> String {
        switch source {
        case .api: text(.sourceAPI)
        case .bulk: text(.sourceBulk)
        case .panel: text(.sourcePanel)
        case .load: text(.sourceLoad)
        case .unknown: text(.sourceUnknown)
        case .expiry: text(.sourceExpiry)
        }
    }

    /// Who made a change, in words; a panel user by name.
    func actor(_ actor: ChangeActor?) -> String {
        switch actor {
        case .none: text(.actorUnknown)
        case .api: text(.actorAPI)
        case .panel(let user): text(.actorPanel, ["user": user])
        case .cli: text(.actorCLI)
        case .system: text(.actorSystem)
        }
    }

    /// What a change did, in words.
    func action(_ action: ChangeAction) -> String {
        switch action {
        case .add: text(.actionAdd)
        case .remove: text(.actionRemove)
        }
    }

    /// What happened to an account, in words.
    func audit(_ action: AuditAction) -> String {
        switch action {
        case .created: text(.auditCreated)
        case .apiEnabled: text(.auditAPIEnabled)
        case .apiDisabled: text(.auditAPIDisabled)
        case .hashRotated: text(.auditHashRotated)
        case .deleted: text(.auditDeleted)
        case .panelSignIn: text(.auditPanelSignIn)
        case .historyErased: text(.auditHistoryErased)
        case .webhookAdded: text(.auditWebhookAdded)
        case .webhookRemoved: text(.auditWebhookRemoved)
        case .panelSignInFailed: text(.auditPanelSignInFailed)
        case .panelUserCreated: text(.auditPanelUserCreated)
        case .panelUserDisabled: text(.auditPanelUserDisabled)
        case .panelUserEnabled: text(.auditPanelUserEnabled)
        case .panelPasswordReset: text(.auditPanelPasswordReset)
        case .panelUserDeleted: text(.auditPanelUserDeleted)
        }
    }
}
