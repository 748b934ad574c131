import EngelCore
import HTTPTypes
import Hummingbird

extension PanelSite {
    /// Signing in and out.
    func addSessionRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.signIn)) { request, context in
            let visit = self.visit(request, context)
            if try await self.session(of: visit) != nil {
                var response = self.redirect(to: PanelPath.root, visit)
                self.keepSignInToken(&response, visit)
                return response
            }
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
    ///
    /// The form must carry the token of the browser's sign-in cookie (``signInTokenCookie``), so
    /// another site cannot sign a browser in as a user of its choosing.
    private func signIn(_ visit: PanelVisit) async throws -> Response {
        let form = try await readForm(visit)
        let name = form["user"] ?? ""
        guard let expected = signInToken(of: visit), let given = form["csrf"],
            Self.sameToken(expected, given)
        else {
            return signInPage(PanelSignInPage(userName: name, notice: .formExpired), visit, status: .forbidden)
        }
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
            // The session's own CSRF token guards every form from here on.
            response.setCookie(cookie(Self.signInTokenCookie, "", visit, maxAge: 0))
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

    /// The sign-in page, which no session surrounds: its form carries the browser's sign-in token,
    /// a new one (set in its cookie) when the browser has none.
    func signInPage(_ page: PanelSignInPage, _ visit: PanelVisit, status: HTTPResponse.Status? = nil) -> Response {
        let token = signInToken(of: visit) ?? PanelSession.generateCSRFToken()
        var response = self.page(
            .signIn(page), visit, chrome: PanelChrome(viewer: nil, csrf: token, currentTarget: visit.target),
            status: status)
        response.setCookie(cookie(Self.signInTokenCookie, token, visit))
        return response
    }

    /// Sets the sign-in cookie when the browser has none, so a sign-in form it already shows (in
    /// another tab) can be posted once its session ends.
    private func keepSignInToken(_ response: inout Response, _ visit: PanelVisit) {
        guard signInToken(of: visit) == nil else { return }
        response.setCookie(cookie(Self.signInTokenCookie, PanelSession.generateCSRFToken(), visit))
    }

    /// Whether two tokens are equal, compared in time independent of where they differ (as
    /// ``PanelSession/acceptsCSRFToken(_:)`` compares a session's).
    private static func sameToken(_ expected: String, _ given: String) -> Bool {
        let expected = Array(expected.utf8)
        let offered = Array(given.utf8)
        guard expected.count == offered.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ offered[index] }
        return difference == 0
    }

    /// The browser's sign-in token, when its cookie holds one this server could have made.
    private func signInToken(of visit: PanelVisit) -> String? {
        // The same shape as a session token: 64 lowercase hex characters.
        guard let token = visit.cookie(Self.signInTokenCookie), PanelSessionToken(token) != nil else { return nil }
        return token
    }
}
