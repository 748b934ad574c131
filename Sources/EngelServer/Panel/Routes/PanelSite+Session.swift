import EngelCore
import HTTPTypes
import Hummingbird

extension PanelSite {
    /// Signing in and out.
    func addSessionRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.signIn)) { request, context in
            let visit = self.visit(request, context)
            if try await self.session(of: visit) != nil { return self.redirect(to: PanelPath.root, visit) }
            return self.signInPage(PanelSignInPage(), visit)
        }
        router.post(RouterPath(PanelPath.signIn)) { request, context in
            try await self.signIn(self.visit(request, context))
        }
        router.post(RouterPath(PanelPath.signOut)) { request, context in
            try await self.signOut(self.visit(request, context))
        }
    }

    /// Checks the posted name and password. A refusal does not say whether the user exists, and
    /// is held back as the API's 401s are once the address failed too often; `signIn` audits both
    /// outcomes. The password is never logged nor echoed.
    private func signIn(_ visit: PanelVisit) async throws -> Response {
        let form = try await readForm(visit)
        let name = form["user"] ?? ""
        let outcome: PanelSignIn
        do {
            outcome = try await users.signIn(named: name, password: form["password"] ?? "")
        } catch is PanelPasswordsBusy {
            return signInPage(
                PanelSignInPage(userName: name, notice: .tooManyAttempts), visit, status: .serviceUnavailable)
        }
        switch outcome {
        case .refused:
            if let address = visit.context.origin.address {
                let delay = throttle.recordFailure(from: address)
                if delay > .zero { try await Task.sleep(for: delay) }
            }
            return signInPage(PanelSignInPage(userName: name, notice: .wrongNameOrPassword), visit)
        case .signedIn(let token, let session):
            var response = redirect(
                to: session.user.role == .admin ? PanelPath.accounts : PanelPath.list, visit)
            response.setCookie(cookie(Self.sessionCookie, token.value, visit))
            return response
        }
    }

    /// Ends the session in the store (so the cookie, if kept, opens nothing) and forgets the cookie.
    private func signOut(_ visit: PanelVisit) async throws -> Response {
        guard let signedIn = try await self.session(of: visit) else {
            return signInPage(PanelSignInPage(notice: .signedOut), visit)
        }
        _ = try await postedForm(visit, signedIn)
        _ = try await store.endPanelSession(digest: signedIn.token.digest)
        var response = signInPage(PanelSignInPage(notice: .signedOut), visit)
        response.setCookie(cookie(Self.sessionCookie, "", visit, maxAge: 0))
        response.setCookie(cookie(Self.accountCookie, "", visit, maxAge: 0))
        return response
    }

    /// The sign-in page, which no session surrounds.
    func signInPage(_ page: PanelSignInPage, _ visit: PanelVisit, status: HTTPResponse.Status? = nil) -> Response {
        self.page(
            .signIn(page), visit, chrome: PanelChrome(viewer: nil, csrf: "", currentTarget: visit.target),
            status: status)
    }
}
