import EngelCore
import Foundation
import HTTPTypes
import Hummingbird

extension PanelSite {
    /// The panel users page and its forms, for admins only: what `engel panel-user` does, through
    /// the same ``PanelUserAdministration``, as the signed-in admin.
    func addUserRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.users)) { request, context in
            let visit = self.visit(request, context)
            let signedIn = try await self.signedIn(visit)
            guard signedIn.user.role.mayManagePanelUsers else { throw self.forbidden(visit, signedIn) }
            return try await self.usersPage(visit, signedIn)
        }
        router.post(RouterPath(PanelPath.userCreate)) { request, context in
            try await self.createUser(self.visit(request, context))
        }
        router.post(RouterPath(PanelPath.userDisable)) { request, context in
            try await self.changeUser(self.visit(request, context), .disable)
        }
        router.post(RouterPath(PanelPath.userEnable)) { request, context in
            try await self.changeUser(self.visit(request, context), .enable)
        }
        router.post(RouterPath(PanelPath.userDelete)) { request, context in
            try await self.changeUser(self.visit(request, context), .delete)
        }
        router.post(RouterPath(PanelPath.userResetPassword)) { request, context in
            try await self.resetPassword(self.visit(request, context))
        }
    }

    /// What the disable, enable and delete forms do.
    private enum UserChange {
        case disable, enable, delete
    }

    /// `user`, `password`, `role`, `account`: a new panel user. Each refusal says which field is
    /// wrong and keeps the name typed; the password is never echoed.
    private func createUser(_ visit: PanelVisit) async throws -> Response {
        let (signedIn, form) = try await adminForm(visit)
        let typed = form["user"] ?? ""
        func refused(_ flash: PanelFlash, _ status: HTTPResponse.Status = .badRequest) async throws -> Response {
            try await usersPage(visit, signedIn, nameInput: typed, flashes: [flash], status: status)
        }
        guard let name = try? PanelUserName(typed) else { return try await refused(.invalidUserName(typed)) }
        let accountText = form["account"] ?? ""
        var account: AccountName?
        if !accountText.isEmpty {
            guard let named = try? AccountName(accountText) else {
                return try await refused(.unknownAccount(accountText))
            }
            account = named
        }
        guard let kind = form["role"].flatMap(PanelRole.Kind.init(rawValue:)),
            let role = try? PanelRole(kind, account: account)
        else { return try await refused(.invalidRole) }
        let password: PanelPassword
        do throws(PanelPasswordError) {
            password = try PanelPassword(form["password"] ?? "")
        } catch {
            return try await refused(error == .tooShort ? .passwordTooShort : .passwordUnusable)
        }
        do {
            _ = try await userAdministration(signedIn).create(named: name.value, role: role, password: password)
        } catch StoreError.panelUserExists(_) {
            return try await refused(.userExists(name.value), .conflict)
        } catch is AccountNotFound {
            return try await refused(.unknownAccount(accountText))
        } catch is PanelPasswordsBusy {
            return try await refused(.failed(detail: nil), .serviceUnavailable)
        }
        return redirect(to: PanelPath.users, visit, flash: .userCreated(name.value))
    }

    /// `user`: disables, enables or deletes a panel user. Disabling or deleting ends the user's
    /// sessions at once (the store does it with the change). An admin may not disable or delete
    /// themselves, so the panel cannot be left without the admin who is using it by a slip.
    private func changeUser(_ visit: PanelVisit, _ change: UserChange) async throws -> Response {
        let (signedIn, form) = try await adminForm(visit)
        let typed = form["user"] ?? ""
        guard let name = try? PanelUserName(typed) else {
            return try await usersPage(visit, signedIn, flashes: [.userNotFound(typed)], status: .notFound)
        }
        if change != .enable, name == signedIn.user.name {
            return try await usersPage(visit, signedIn, flashes: [.cannotRemoveYourself], status: .conflict)
        }
        let administration = userAdministration(signedIn)
        let done: PanelFlash
        do {
            switch change {
            case .disable:
                try await administration.setDisabled(true, named: name.value)
                done = .userDisabled(name.value)
            case .enable:
                try await administration.setDisabled(false, named: name.value)
                done = .userEnabled(name.value)
            case .delete:
                try await administration.delete(named: name.value)
                done = .userDeleted(name.value)
            }
        } catch is PanelUserNotFound {
            return try await usersPage(visit, signedIn, flashes: [.userNotFound(name.value)], status: .notFound)
        }
        return redirect(to: PanelPath.users, visit, flash: done)
    }

    /// `user`, `password`: sets a panel user's password, ending the user's sessions (an admin who
    /// sets their own signs in again with it).
    private func resetPassword(_ visit: PanelVisit) async throws -> Response {
        let (signedIn, form) = try await adminForm(visit)
        let typed = form["user"] ?? ""
        guard let name = try? PanelUserName(typed) else {
            return try await usersPage(visit, signedIn, flashes: [.userNotFound(typed)], status: .notFound)
        }
        let password: PanelPassword
        do throws(PanelPasswordError) {
            password = try PanelPassword(form["password"] ?? "")
        } catch {
            return try await usersPage(
                visit, signedIn, flashes: [error == .tooShort ? .passwordTooShort : .passwordUnusable],
                status: .badRequest)
        }
        do {
            try await userAdministration(signedIn).resetPassword(named: name.value, to: password)
        } catch is PanelUserNotFound {
            return try await usersPage(visit, signedIn, flashes: [.userNotFound(name.value)], status: .notFound)
        } catch is PanelPasswordsBusy {
            return try await usersPage(
                visit, signedIn, flashes: [.failed(detail: nil)], status: .serviceUnavailable)
        }
        return redirect(to: PanelPath.users, visit, flash: .passwordReset(name.value))
    }

    /// The signed-in admin and the form they posted: the CSRF check first, as on every form, then
    /// the role (a 403 for anyone but an admin).
    private func adminForm(_ visit: PanelVisit) async throws -> (PanelSignedIn, PanelForm) {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        guard signedIn.user.role.mayManagePanelUsers else { throw forbidden(visit, signedIn) }
        return (signedIn, form)
    }

    /// The users page: every user, and the create form offering every role and account.
    private func usersPage(
        _ visit: PanelVisit, _ signedIn: PanelSignedIn, nameInput: String = "", flashes: [PanelFlash] = [],
        status: HTTPResponse.Status? = nil
    ) async throws -> Response {
        let users = try await userAdministration(signedIn).list()
        let accounts = try await store.accounts().map(\.name)
        let current = visit.cookie(Self.accountCookie).flatMap { try? AccountName($0) }
        return page(
            .users(
                PanelUsersPage(
                    users: users.map { PanelUsersPage.Row($0, current: signedIn.user.name) },
                    roles: PanelRole.Kind.allCases.map(\.rawValue), accounts: accounts, nameInput: nameInput)),
            visit, chrome: chrome(visit, signedIn, account: current, flashes: flashes), status: status)
    }

    /// User changes as the signed-in admin, so the audit log names them.
    private func userAdministration(_ signedIn: PanelSignedIn) -> PanelUserAdministration {
        PanelUserAdministration(store: store, passwords: users.passwords, actor: signedIn.user.actor, now: now)
    }
}
