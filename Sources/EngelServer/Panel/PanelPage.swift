/// Every page the panel shows, each with its view model.
///
/// A route builds one from store data and hands it to ``PanelRenderer/render(_:chrome:language:)``.
public enum PanelPage: Sendable, Hashable {
    /// The sign-in form.
    case signIn(PanelSignInPage)
    /// A page of the list.
    case list(PanelListPage)
    /// A number's state.
    case search(PanelSearchPage)
    /// The add and remove forms.
    case change(PanelChangePage)
    /// The CSV upload form.
    case importUpload(PanelImportUploadPage)
    /// What checking a CSV file found.
    case importReport(PanelImportReportPage)
    /// An import's progress.
    case importJob(PanelImportJobPage)
    /// The CSV exports.
    case export(PanelExportPage)
    /// A stretch of the change log.
    case changeLog(PanelChangeLogPage)
    /// The account's audit log.
    case auditLog(PanelAuditLogPage)
    /// API access and the hash rotation.
    case apiAccess(PanelAPIAccessPage)
    /// New credentials, shown once.
    case newHash(PanelNewHashPage)
    /// The webhooks.
    case webhooks(PanelWebhooksPage)
    /// A new webhook's secret, shown once.
    case webhookCreated(PanelWebhookCreatedPage)
    /// The panel users (admins).
    case users(PanelUsersPage)
    /// The account chooser (admins).
    case accounts(PanelAccountChooserPage)
    /// 403, 404 or a failure.
    case error(PanelErrorPage)

    /// The HTTP status a route should answer the page with: 200, or the error page's 403, 404 or
    /// 500.
    public var status: Int {
        guard case .error(let page) = self else { return 200 }
        switch page.kind {
        case .forbidden: return 403
        case .notFound: return 404
        case .failure: return 500
        }
    }

    /// The view model, as the renderer reads it.
    var content: any PanelPageContent {
        switch self {
        case .signIn(let page): page
        case .list(let page): page
        case .search(let page): page
        case .change(let page): page
        case .importUpload(let page): page
        case .importReport(let page): page
        case .importJob(let page): page
        case .export(let page): page
        case .changeLog(let page): page
        case .auditLog(let page): page
        case .apiAccess(let page): page
        case .newHash(let page): page
        case .webhooks(let page): page
        case .webhookCreated(let page): page
        case .users(let page): page
        case .accounts(let page): page
        case .error(let page): page
        }
    }
}

/// The parts of the panel, as the navigation lists them.
public enum PanelSection: String, Sendable, Hashable, CaseIterable {
    /// The list.
    case list
    /// A number's state.
    case search
    /// Add and remove.
    case change
    /// CSV import.
    case importCSV
    /// CSV exports.
    case export
    /// The change log.
    case changeLog
    /// The audit log.
    case auditLog
    /// API access.
    case apiAccess
    /// Webhooks.
    case webhooks
    /// Panel users (admins).
    case users
    /// The account chooser (admins).
    case accounts

    /// Where the section starts.
    var path: String {
        switch self {
        case .list: PanelPath.list
        case .search: PanelPath.search
        case .change: PanelPath.change
        case .importCSV: PanelPath.importUpload
        case .export: PanelPath.export
        case .changeLog: PanelPath.changes
        case .auditLog: PanelPath.audit
        case .apiAccess: PanelPath.apiAccess
        case .webhooks: PanelPath.webhooks
        case .users: PanelPath.users
        case .accounts: PanelPath.accounts
        }
    }

    /// Its name in the navigation.
    var titleKey: PanelStringKey {
        switch self {
        case .list: .navList
        case .search: .navSearch
        case .change: .navChange
        case .importCSV: .navImport
        case .export: .navExport
        case .changeLog: .navChangeLog
        case .auditLog: .navAuditLog
        case .apiAccess: .navAPIAccess
        case .webhooks: .navWebhooks
        case .users: .navUsers
        case .accounts: .navAccounts
        }
    }

    /// Whether the navigation offers the section to `viewer`: admin parts to admins, changing
    /// parts to those who may change, account parts once an account is chosen.
    func isOffered(to viewer: PanelViewer) -> Bool {
        switch self {
        case .users, .accounts: viewer.isAdmin
        case .change, .importCSV: viewer.mayChange && viewer.account != nil
        default: viewer.account != nil
        }
    }
}

/// What the renderer needs of a view model: its template, its title, where it sits in the
/// navigation, and its values as display text.
protocol PanelPageContent: Sendable {
    /// The template's name in ``PanelTemplates/all``.
    var template: String { get }
    /// The page's heading and title.
    func title(_ format: PanelFormat) -> String
    /// The navigation entry marked current, if any.
    var section: PanelSection? { get }
    /// Whether the page reloads itself every second (an import still running).
    var refreshes: Bool { get }
    /// The page's values, formatted for `format`'s language; the template reads them under `p`.
    func fields(_ format: PanelFormat) -> [String: Any]
}

extension PanelPageContent {
    var refreshes: Bool { false }
}
