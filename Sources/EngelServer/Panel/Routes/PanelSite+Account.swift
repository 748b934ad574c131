import EngelCore
import Foundation
import HTTPTypes
import Hummingbird

extension PanelSite {
    /// How many change records a page of the change log shows.
    static let changesPerPage = 100

    /// The logs, API access and the hash, and the account chooser.
    func addAccountRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.changes)) { request, context in
            try await self.changeLog(self.visit(request, context))
        }
        router.get(RouterPath(PanelPath.audit)) { request, context in
            try await self.auditLog(self.visit(request, context))
        }
        router.get(RouterPath(PanelPath.apiAccess)) { request, context in
            let visit = self.visit(request, context)
            let signedIn = try await self.signedIn(visit)
            let account = try await self.workplace(visit, signedIn, writing: false)
            return self.apiAccessPage(account, visit, signedIn)
        }
        router.post(RouterPath(PanelPath.apiAccess)) { request, context in
            try await self.switchAPIAccess(self.visit(request, context))
        }
        router.post(RouterPath(PanelPath.rotateHash)) { request, context in
            try await self.rotate(self.visit(request, context))
        }
        router.get(RouterPath(PanelPath.accounts)) { request, context in
            try await self.accounts(self.visit(request, context))
        }
        router.post(RouterPath(PanelPath.chooseAccount)) { request, context in
            try await self.chooseAccount(self.visit(request, context))
        }
    }

    /// 100 change records after `after` (from the oldest kept), with links to the next and previous.
    private func changeLog(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        let after = visit.query["after"].flatMap { Int64($0) }.map { max(0, $0) } ?? 0
        let found = try await store.changes(for: account.id, after: after, limit: Self.changesPerPage)
        // Sequence numbers have gaps, so the previous page starts at most a page's width back.
        let older = after > found.oldest ? max(0, after - Int64(Self.changesPerPage)) : nil
        let newer = found.changes.count == Self.changesPerPage ? found.next : nil
        return page(
            .changeLog(
                PanelChangeLogPage(
                    changes: found.changes, after: after, oldest: found.oldest, newerAfter: newer, olderAfter: older)),
            visit, chrome: chrome(visit, signedIn, account: account.name))
    }

    private func auditLog(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        let records = try await store.auditLog(forAccountNamed: account.name)
        return page(
            .auditLog(PanelAuditLogPage(records: records)), visit,
            chrome: chrome(visit, signedIn, account: account.name))
    }

    private func apiAccessPage(
        _ account: Account, _ visit: PanelVisit, _ signedIn: PanelSignedIn, flashes: [PanelFlash] = []
    ) -> Response {
        page(
            .apiAccess(PanelAPIAccessPage(account: account.name, apiKey: account.apiKey, enabled: account.apiEnabled)),
            visit, chrome: chrome(visit, signedIn, account: account.name, flashes: flashes))
    }

    /// `enabled=on` or `off`: the account's API access; off, every API request of it answers 401.
    /// The browser is sent back to the API access page, which says what changed.
    private func switchAPIAccess(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        let enabled: Bool
        switch form["enabled"] {
        case "on": enabled = true
        case "off": enabled = false
        default:
            return apiAccessPage(account, visit, signedIn, flashes: [.failed(detail: "enabled: on or off")])
        }
        try await administration(signedIn).setAPIAccess(enabled, named: account.name.value)
        return redirect(to: PanelPath.apiAccess, visit, flash: .apiAccess(enabled: enabled))
    }

    /// `confirm=yes`: a new secret and hash, shown this once on the answer to the POST itself (no
    /// GET reaches it again); the old hash stops working at once.
    private func rotate(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        guard form["confirm"] == "yes" else {
            return apiAccessPage(account, visit, signedIn, flashes: [.rotationNotConfirmed])
        }
        let issued = try await administration(signedIn).rotate(named: account.name.value)
        return page(
            .newHash(
                PanelNewHashPage(account: account.name, key: issued.key, secret: issued.secret, hash: issued.hash)),
            visit, chrome: chrome(visit, signedIn, account: account.name))
    }

    /// Every account, for an admin to choose one.
    private func accounts(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        guard signedIn.user.role == .admin else { throw forbidden(visit, signedIn) }
        let current = visit.cookie(Self.accountCookie).flatMap { try? AccountName($0) }
        let accounts = try await store.accounts()
        return page(
            .accounts(
                PanelAccountChooserPage(accounts: accounts.map(PanelAccountChooserPage.Row.init), current: current)),
            visit, chrome: chrome(visit, signedIn, account: current))
    }

    /// `account`: the account an admin works on from now on, remembered in a cookie.
    private func chooseAccount(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        guard signedIn.user.role == .admin else { throw forbidden(visit, signedIn) }
        guard let name = form["account"].flatMap({ try? AccountName($0) }),
            try await store.account(named: name) != nil
        else {
            throw PanelInterruption(
                response: page(.error(PanelErrorPage(kind: .notFound)), visit, chrome: chrome(visit, signedIn)))
        }
        var response = redirect(to: PanelPath.list, visit, flash: .accountChosen(name))
        response.setCookie(cookie(Self.accountCookie, name.value, visit))
        return response
    }

    /// Account changes as the signed-in user, so the audit log names them.
    private func administration(_ signedIn: PanelSignedIn) -> AccountAdministration {
        AccountAdministration(store: store, actor: signedIn.user.actor, now: now)
    }
}
