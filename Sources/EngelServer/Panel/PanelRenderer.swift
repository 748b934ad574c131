import EngelCore
import Mustache

/// Turns a page's view model into a complete HTML document.
///
/// The renderer knows nothing of HTTP, sessions or stores: a route reads the store, builds a
/// ``PanelPage`` and a ``PanelChrome``, picks the language with
/// ``PanelLanguage/negotiate(acceptLanguage:override:)``, and answers
/// `render(page, chrome: chrome, language: language)` as `text/html; charset=utf-8` with
/// ``PanelPage/status``. Make one renderer at start-up and share it: it is immutable.
public struct PanelRenderer: Sendable {
    private let library: MustacheLibrary

    /// Parses the templates built into the binary.
    ///
    /// - Throws: A template that does not parse: a defect of this build, which the test suite
    ///   rules out, reported at start-up rather than on the first request.
    public init() throws {
        library = try Self.parsedTemplates.get()
    }

    /// The templates, parsed once a process: every renderer would parse the same built-in text, 24
    /// ms in a debug build, for each of the hundreds of servers the test suite starts at once.
    private static let parsedTemplates = Result { () throws -> MustacheLibrary in
        _ = PanelHTMLContentType.registered
        var library = MustacheLibrary()
        for (name, text) in PanelTemplates.all {
            try library.register(text, named: name)
        }
        return library
    }

    /// The page as an HTML document in `language`.
    public func render(_ page: PanelPage, chrome: PanelChrome, language: PanelLanguage) -> String {
        let format = PanelFormat(language: language)
        let content = page.content
        let context = Self.context(content, chrome: chrome, format: format)
        // Every template is registered at init, so the layout is always there.
        return library.render(context, withTemplate: "layout") ?? ""
    }

    /// The values the layout and the page read: the page's own under `p`, the strings under `t`,
    /// the paths under `paths`, and the chrome's at the top.
    static func context(_ content: any PanelPageContent, chrome: PanelChrome, format: PanelFormat) -> [String: Any] {
        let title = content.title(format)
        var context: [String: Any] = [
            "lang": format.language.rawValue,
            "title": title,
            "refresh": content.refreshes,
            "csrf": chrome.csrf,
            "t": PanelStrings.table(format.language),
            "paths": paths,
            "pageTemplate": content.template,
            "p": content.fields(format),
            "languageTurkish": PanelQuery.languageLink(chrome.currentTarget, .turkish),
            "languageEnglish": PanelQuery.languageLink(chrome.currentTarget, .english),
            "isTurkish": format.language == .turkish,
            "isEnglish": format.language == .english,
            "flashes": chrome.flashes.map { flash(for: $0, format) },
            "mayChange": chrome.viewer?.mayChange ?? false,
            "hasNav": chrome.viewer != nil,
        ]
        if let viewer = chrome.viewer {
            var shown: [String: Any] = [
                "name": viewer.name,
                "roleLabel": format.role(viewer.role),
                "isAdmin": viewer.isAdmin,
                "hasAccount": viewer.account != nil,
            ]
            if let account = viewer.account { shown["accountName"] = account.value }
            context["viewer"] = shown
            context["nav"] = PanelSection.allCases.filter { $0.isOffered(to: viewer) }.map { section -> [String: Any] in
                [
                    "href": section.path,
                    "label": format.text(section.titleKey),
                    "current": section == content.section,
                ]
            }
        }
        return context
    }

    /// Every path a template links to, by the name templates use.
    static let paths: [String: String] = [
        "root": PanelPath.root, "signIn": PanelPath.signIn, "signOut": PanelPath.signOut, "list": PanelPath.list,
        "search": PanelPath.search, "change": PanelPath.change, "add": PanelPath.add, "remove": PanelPath.remove,
        "importUpload": PanelPath.importUpload, "importConfirm": PanelPath.importConfirm,
        "export": PanelPath.export, "exportList": PanelPath.exportList, "exportChanges": PanelPath.exportChanges,
        "changes": PanelPath.changes, "audit": PanelPath.audit, "apiAccess": PanelPath.apiAccess,
        "rotateHash": PanelPath.rotateHash, "webhooks": PanelPath.webhooks, "webhookAdd": PanelPath.webhookAdd,
        "webhookRemove": PanelPath.webhookRemove, "users": PanelPath.users, "userCreate": PanelPath.userCreate,
        "userDisable": PanelPath.userDisable, "userEnable": PanelPath.userEnable,
        "userResetPassword": PanelPath.userResetPassword, "userDelete": PanelPath.userDelete,
        "accounts": PanelPath.accounts, "chooseAccount": PanelPath.chooseAccount,
    ]

    /// A flash message: its text, its look (`success`, `error` or `info`) and its ARIA role (an
    /// error is an alert, the rest a status).
    static func flash(for flash: PanelFlash, _ format: PanelFormat) -> [String: Any] {
        enum Kind: String {
            case success, error, info
        }
        let (kind, message): (Kind, String) =
            switch flash {
            case .added(let number): (.success, format.text(.flashAdded, ["number": format.phone(number)]))
            case .alreadyListed(let number):
                (.info, format.text(.flashAlreadyListed, ["number": format.phone(number)]))
            case .removed(let number): (.success, format.text(.flashRemoved, ["number": format.phone(number)]))
            case .notListed(let number): (.error, format.text(.flashNotListed, ["number": format.phone(number)]))
            case .invalidNumber(let input): (.error, format.text(.flashInvalidNumber, ["input": input]))
            case .invalidReason: (.error, format.text(.flashInvalidReason))
            case .invalidUntil(let input): (.error, format.text(.flashInvalidUntil, ["input": input]))
            case .invalidDate(let input): (.error, format.text(.flashInvalidDate, ["input": input]))
            case .apiAccess(let enabled): (.success, format.text(enabled ? .flashAPIOn : .flashAPIOff))
            case .rotationNotConfirmed: (.error, format.text(.flashRotationNotConfirmed))
            case .webhookRemoved(let id): (.success, format.text(.flashWebhookRemoved, ["id": String(id)]))
            case .invalidWebhookURL(let input): (.error, format.text(.flashInvalidWebhookURL, ["input": input]))
            case .webhookNotFound(let id): (.error, format.text(.flashWebhookNotFound, ["id": id]))
            case .userCreated(let user): (.success, format.text(.flashUserCreated, ["user": user]))
            case .userDisabled(let user): (.success, format.text(.flashUserDisabled, ["user": user]))
            case .userEnabled(let user): (.success, format.text(.flashUserEnabled, ["user": user]))
            case .passwordReset(let user): (.success, format.text(.flashPasswordReset, ["user": user]))
            case .userDeleted(let user): (.success, format.text(.flashUserDeleted, ["user": user]))
            case .invalidUser(let detail): (.error, format.text(.flashInvalidUser, ["detail": detail]))
            case .invalidUserName(let input): (.error, format.text(.flashInvalidUserName, ["input": input]))
            case .passwordTooShort:
                (.error, format.text(.flashPasswordTooShort, ["count": String(PanelPassword.minimumCharacters)]))
            case .passwordUnusable:
                (.error, format.text(.flashPasswordUnusable, ["bytes": String(PanelPassword.maximumBytes)]))
            case .invalidRole: (.error, format.text(.flashInvalidRole))
            case .unknownAccount(let input): (.error, format.text(.flashUnknownAccount, ["account": input]))
            case .userExists(let user): (.error, format.text(.flashUserExists, ["user": user]))
            case .userNotFound(let user): (.error, format.text(.flashUserNotFound, ["user": user]))
            case .cannotRemoveYourself: (.error, format.text(.flashCannotRemoveYourself))
            case .accountChosen(let account): (.success, format.text(.flashAccountChosen, ["account": account.value]))
            case .importTooLarge(let maximum):
                (.error, format.text(.flashImportTooLarge, ["size": format.bytes(maximum)]))
            case .importEmpty: (.error, format.text(.flashImportEmpty))
            case .importExpired: (.error, format.text(.flashImportExpired))
            case .formExpired: (.error, format.text(.flashFormExpired))
            case .failed(let detail):
                (.error, format.text(.flashFailed) + (detail.map { " (\($0))" } ?? ""))
            }
        return ["kind": kind.rawValue, "role": kind == .error ? "alert" : "status", "message": message]
    }
}
