import EngelCore
import EngelServer
import Foundation
import Testing

/// Every panel page filled with sample data, with `text` in every field that holds someone's
/// text: the previews use plain text, the hostile-text tests an attack.
enum PanelSamples {
    struct Sample {
        /// A file-name-safe name for the page.
        let name: String
        let page: PanelPage
        let chrome: PanelChrome
        /// Whether `text` reaches the page's own content (beyond the chrome's user name).
        let showsText: Bool
    }

    static let number = phone(5_321_234_567)
    static let otherNumber = phone(5_441_234_567)
    /// 2026-11-30 14:02:13 in Turkey time.
    static let addedAt = time("2026-11-30 14:02:13")
    static let until = time("2027-01-01 00:00:00")
    static let account = accountName("acme")

    /// A valid number from its national digits; the samples use only valid ones.
    static func phone(_ national: Int64) -> PhoneNumber {
        guard let number = PhoneNumberParser().number(from: String(national)) else {
            preconditionFailure("\(national) is not a mobile number")
        }
        return number
    }

    /// A Turkey time from its wire text; the samples use only valid ones.
    static func time(_ text: String) -> Date {
        guard let date = TurkeyTime.parse(text) else { preconditionFailure("\(text) is not a time") }
        return date
    }

    static func accountName(_ text: String) -> AccountName {
        guard let name = try? AccountName(text) else { preconditionFailure("\(text) is not an account name") }
        return name
    }

    static func viewer(_ text: String, admin: Bool = true) -> PanelViewer {
        PanelViewer(
            name: "ayşe " + text, role: admin ? "admin" : "operator", isAdmin: admin, mayChange: true, account: account)
    }

    static func chrome(_ text: String, flashes: [PanelFlash] = []) -> PanelChrome {
        PanelChrome(
            viewer: viewer(text), csrf: "csrf-token-123", currentTarget: "/panel/list?page=2&q=" + text,
            flashes: flashes)
    }

    static func entries(_ text: String, count: Int = 3) -> [ListEntry] {
        (0..<count).map { index -> ListEntry in
            let source: ChangeSource = index == 0 ? .panel : .api
            let reason: String? = index == 1 ? nil : "reason " + text
            let end: Date? = index == 2 ? until : nil
            let actor: ChangeActor?
            switch index {
            case 0: actor = .panel(user: "user " + text)
            case 1: actor = nil
            default: actor = .api
            }
            return ListEntry(
                number: phone(5_321_234_567 + Int64(index)), addedAt: addedAt.addingTimeInterval(Double(index)),
                source: source, reason: reason, until: end, actor: actor)
        }
    }

    static func changes(_ text: String) -> [ChangeRecord] {
        [
            ChangeRecord(
                seq: 41, at: addedAt, action: .add, number: number, source: .panel, reason: "why " + text,
                until: until, actor: .panel(user: "user " + text)),
            ChangeRecord(
                seq: 42, at: addedAt.addingTimeInterval(60), action: .remove, number: otherNumber, source: .expiry,
                reason: nil, until: nil, actor: .system),
        ]
    }

    /// Every flash, with `text` where a flash carries any.
    static func flashes(_ text: String) -> [PanelFlash] {
        [
            .added(number), .alreadyListed(number), .removed(number), .notListed(number), .invalidNumber(text),
            .invalidReason, .invalidUntil(text), .invalidDate(text), .apiAccess(enabled: true),
            .apiAccess(enabled: false), .rotationNotConfirmed, .webhookRemoved(7), .invalidWebhookURL(text),
            .userCreated(text), .userDisabled(text), .userEnabled(text), .passwordReset(text), .userDeleted(text),
            .invalidUser(detail: text), .accountChosen(account), .importTooLarge(maximumBytes: 10_485_760),
            .importEmpty, .importExpired, .formExpired, .failed(detail: text), .failed(detail: nil),
            .webhookNotFound(text), .invalidUserName(text), .passwordTooShort, .passwordUnusable, .invalidRole,
            .unknownAccount(text), .userExists(text), .userNotFound(text), .cannotRemoveYourself,
        ]
    }

    static func all(_ text: String) -> [Sample] {
        let chrome = chrome(text)
        func sample(_ name: String, _ page: PanelPage, showsText: Bool = true, chrome custom: PanelChrome? = nil)
            -> Sample
        {
            Sample(name: name, page: page, chrome: custom ?? chrome, showsText: showsText)
        }
        let signedOut = PanelChrome(viewer: nil, csrf: "csrf-token-123", currentTarget: "/panel/sign-in")
        return [
            sample(
                "sign-in", .signIn(PanelSignInPage(userName: text, notice: .wrongNameOrPassword)), chrome: signedOut),
            sample("sign-in-empty", .signIn(PanelSignInPage()), showsText: false, chrome: signedOut),
            sample(
                "list",
                .list(
                    PanelListPage(
                        entries: entries(text), count: 12_345, page: 2, start: "2026-01-01 " + text, end: text))
            ),
            sample("list-empty", .list(PanelListPage(entries: [], count: 0, page: 1)), showsText: false),
            sample("search-form", .search(PanelSearchPage(query: text))),
            sample("search-invalid", .search(PanelSearchPage(query: text, result: .invalid(text)))),
            sample("search-not-listed", .search(PanelSearchPage(query: text, result: .notListed(number)))),
            sample("search-listed", .search(PanelSearchPage(query: text, result: .listed(entries(text)[0])))),
            sample(
                "change",
                .change(
                    PanelChangePage(
                        addNumber: text, addReason: text, addUntil: text, removeNumber: text, removeReason: text)),
                chrome: PanelSamples.chrome(text, flashes: flashes(text))),
            sample("import-upload", .importUpload(PanelImportUploadPage(maximumBytes: 10_485_760)), showsText: false),
            sample(
                "import-report",
                .importReport(
                    PanelImportReportPage(
                        token: "tok " + text, fileName: "file " + text + ".csv", valid: 1_200, invalid: 2,
                        duplicates: 1,
                        problems: [
                            .init(line: 3, input: "input " + text, kind: .notANumber),
                            .init(line: 9, input: "0532 123 45 67", kind: .duplicate(ofLine: 2)),
                        ], problemsNotShown: 5))),
            sample(
                "import-job-running",
                .importJob(
                    PanelImportJobPage(
                        id: "job " + text, state: .running, processed: 600, total: 1_200, added: 550, alreadyListed: 50,
                        invalid: 2))),
            sample(
                "import-job-done",
                .importJob(
                    PanelImportJobPage(
                        id: "job", state: .done, processed: 1_200, total: 1_200, added: 1_100, alreadyListed: 100,
                        invalid: 2)), showsText: false),
            sample(
                "import-job-failed",
                .importJob(
                    PanelImportJobPage(
                        id: "job", state: .failed(detail: "disk " + text), processed: 10, total: 1_200, added: 10,
                        alreadyListed: 0, invalid: 0))),
            sample("export", .export(PanelExportPage(listCount: 1_234_567)), showsText: false),
            sample(
                "change-log",
                .changeLog(
                    PanelChangeLogPage(changes: changes(text), after: 40, oldest: 5, newerAfter: 42, olderAfter: 0))),
            sample(
                "change-log-empty",
                .changeLog(PanelChangeLogPage(changes: [], after: 0, oldest: 0, newerAfter: nil, olderAfter: nil)),
                showsText: false),
            sample(
                "audit-log",
                .auditLog(
                    PanelAuditLogPage(
                        records: AuditAction.allCases.enumerated().map { index, action in
                            AuditRecord(
                                seq: Int64(index + 1), at: addedAt, account: account, action: action,
                                actor: index % 2 == 0 ? .cli : .panel(user: "user " + text),
                                detail: index == 3 ? "detail " + text : nil)
                        }))),
            sample(
                "api-access-on",
                .apiAccess(PanelAPIAccessPage(account: account, apiKey: "key" + text, enabled: true))),
            sample(
                "api-access-off",
                .apiAccess(
                    PanelAPIAccessPage(account: account, apiKey: "0123456789abcdef0123456789abcdef", enabled: false)),
                showsText: false),
            sample(
                "new-hash",
                .newHash(
                    PanelNewHashPage(account: account, key: "key" + text, secret: "secret" + text, hash: "hash" + text))
            ),
            sample(
                "webhooks",
                .webhooks(
                    PanelWebhooksPage(
                        webhooks: [
                            .init(
                                id: 7, url: "https://crm.example.com/engel?x=" + text, createdAt: addedAt,
                                deliveredThrough: 42)
                        ], urlInput: text))),
            sample("webhooks-empty", .webhooks(PanelWebhooksPage(webhooks: [])), showsText: false),
            sample(
                "webhook-created",
                .webhookCreated(
                    PanelWebhookCreatedPage(id: 7, url: "https://crm.example.com/" + text, secret: "whsec_" + text))),
            sample(
                "users",
                .users(
                    PanelUsersPage(
                        users: [
                            .init(name: "admin " + text, role: "admin", account: nil, disabled: false),
                            .init(name: "op " + text, role: "operator " + text, account: account, disabled: true),
                        ], roles: ["admin", "operator", "viewer", "other " + text], accounts: [account],
                        nameInput: text))),
            sample(
                "accounts",
                .accounts(
                    PanelAccountChooserPage(
                        accounts: [
                            .init(name: account, apiEnabled: true, createdAt: addedAt),
                            .init(name: accountName("beta"), apiEnabled: false, createdAt: addedAt),
                        ], current: account)), showsText: false),
            sample("forbidden", .error(PanelErrorPage(kind: .forbidden, detail: text))),
            sample("not-found", .error(PanelErrorPage(kind: .notFound)), showsText: false, chrome: signedOut),
            sample("failure", .error(PanelErrorPage(kind: .failure, detail: "request " + text))),
        ]
    }
}
