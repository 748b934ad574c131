import EngelCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The panel as a web site: its routes, the session of each request, the role checks, and the
/// pages they answer with. ``EngelResponder`` hands it every request under `/panel` while the
/// panel is on; the API never sees them.
///
/// A page is a Hummingbird route of its own ``router``; what every route needs (the language, the
/// signed-in user, the account worked on, the CSRF check) is a method here that either returns it
/// or throws a ``PanelInterruption`` carrying the answer to give instead (the sign-in page, a 403).
final class PanelSite: Sendable {
    /// The session cookie: the token only the browser keeps.
    static let sessionCookie = "engel_panel_session"
    /// The language chosen with `lang`, remembered.
    static let languageCookie = "engel_panel_lang"
    /// The account an admin chose to work on (a name, not a credential: every request checks it
    /// against the user's role).
    static let accountCookie = "engel_panel_account"
    /// The random token a browser's sign-in form must carry back before it has a session: another
    /// site can neither read nor set it, so it cannot post the form (sign-in CSRF).
    static let signInTokenCookie = "engel_panel_sign_in"

    let store: any EngelStore
    let parser: PhoneNumberParser
    let now: @Sendable () -> Date
    let throttle: AuthenticationThrottle
    let metrics: ServerMetrics
    let users: PanelUserAdministration
    let policy: PanelSessionPolicy
    let formLimit: Int
    /// The largest CSV upload (``ServerConfiguration/panelUploadMaximumBytes``).
    let uploadLimit: Int
    /// Checked CSV files and the imports applying them; ``PanelImportRunner`` runs the imports.
    let imports: PanelImports
    /// Whether the server itself speaks TLS: its cookies are always `Secure`.
    let servesTLS: Bool
    let trustForwardedProto: Bool
    /// The renderer, or why its templates did not parse (a defect of the build, answered as a 500
    /// text on every page rather than keeping the API from starting).
    let renderer: Result<PanelRenderer, any Error>

    init(
        store: any EngelStore, configuration: ServerConfiguration, routes: RouteTable, parser: PhoneNumberParser,
        now: @escaping @Sendable () -> Date, throttle: AuthenticationThrottle, metrics: ServerMetrics,
        servesTLS: Bool
    ) {
        self.store = store
        self.parser = parser
        self.now = now
        self.throttle = throttle
        self.metrics = metrics
        self.users = PanelUserAdministration(
            store: store, passwords: PanelPasswords(cost: configuration.panelPasswordCost), now: now)
        self.policy = .standard
        self.formLimit = routes.smallestBodyLimit
        self.uploadLimit = routes.panelUploadLimit
        self.imports = PanelImports(store: store, now: now)
        self.servesTLS = servesTLS
        self.trustForwardedProto = configuration.trustForwardedProto
        self.renderer = Result { try PanelRenderer() }
    }

    /// The panel's routes, behind the middleware that turns every failure into a page.
    func router() -> Router<EngelRequestContext> {
        let router = Router(context: EngelRequestContext.self)
        router.add(middleware: PanelAnswerMiddleware(site: self))
        router.get(RouterPath(PanelPath.root)) { request, context in try await self.root(self.visit(request, context)) }
        addSessionRoutes(to: router)
        addListRoutes(to: router)
        addAccountRoutes(to: router)
        addExportRoutes(to: router)
        addWebhookRoutes(to: router)
        addUserRoutes(to: router)
        addImportRoutes(to: router)
        return router
    }

    /// `/panel`: the list, or the account chooser for an admin who has not chosen one.
    private func root(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        if signedIn.user.role == .admin, visit.cookie(Self.accountCookie) == nil {
            return redirect(to: PanelPath.accounts, visit)
        }
        return redirect(to: PanelPath.list, visit)
    }
}

/// One request to the panel, as its routes read it.
struct PanelVisit: Sendable {
    let request: Request
    let context: EngelRequestContext
    /// The query's values.
    let query: PanelForm
    /// The language to answer in.
    let language: PanelLanguage
    /// The language this request chose with `lang`, to remember in a cookie.
    let chosenLanguage: PanelLanguage?

    /// The path and query the browser asked for.
    var target: String { request.head.path ?? PanelPath.root }

    /// The value of the cookie `name`, if the browser sent it.
    func cookie(_ name: String) -> String? {
        request.cookies[name]?.value
    }
}

/// An answer that ends a route early: the sign-in page for a request without a session, a 403 for
/// one its user may not make.
struct PanelInterruption: Error {
    let response: Response
}

extension PanelSite {
    /// The request as routes read it: its query and its language.
    func visit(_ request: Request, _ context: EngelRequestContext) -> PanelVisit {
        let query = PanelForm(query: request.uri.query ?? "")
        let chosen = query["lang"].flatMap { PanelLanguage(tag: $0) }
        let remembered = request.cookies[Self.languageCookie]?.value
        let language = PanelLanguage.negotiate(
            acceptLanguage: request.headers[.acceptLanguage], override: chosen?.rawValue ?? remembered)
        return PanelVisit(
            request: request, context: context, query: query, language: language,
            chosenLanguage: chosen)
    }

    /// The signed-in user's live session; otherwise the route ends with a redirect to the sign-in page.
    func signedIn(_ visit: PanelVisit) async throws -> PanelSignedIn {
        if let signedIn = try await session(of: visit) { return signedIn }
        throw PanelInterruption(response: redirect(to: PanelPath.signIn, visit))
    }

    /// The live session the request's cookie names, if any.
    func session(of visit: PanelVisit) async throws -> PanelSignedIn? {
        guard let text = visit.cookie(Self.sessionCookie), let token = PanelSessionToken(text),
            let session = try await store.livePanelSession(token: token, at: now(), policy: policy)
        else { return nil }
        return PanelSignedIn(session: session, token: token)
    }

    /// The account the request works on, checked against the user's role: a viewer's or an
    /// operator's own account, or the one an admin chose. Another account's name in the cookie is a
    /// 403; an admin who has chosen none goes to the chooser.
    func workplace(_ visit: PanelVisit, _ signedIn: PanelSignedIn, writing: Bool) async throws -> Account {
        let role = signedIn.user.role
        let chosen = visit.cookie(Self.accountCookie).flatMap { try? AccountName($0) }
        let name: AccountName
        switch (role.account, chosen) {
        case (let own?, nil): name = own
        case (let own?, let chosen?) where chosen == own: name = own
        case (_?, _?): throw forbidden(visit, signedIn)
        case (nil, let chosen?): name = chosen
        case (nil, nil): throw PanelInterruption(response: redirect(to: PanelPath.accounts, visit))
        }
        guard writing ? role.mayWrite(name) : role.mayRead(name) else { throw forbidden(visit, signedIn) }
        guard let account = try await store.account(named: name) else {
            if role == .admin { throw PanelInterruption(response: redirect(to: PanelPath.accounts, visit)) }
            throw PanelInterruption(
                response: page(.error(PanelErrorPage(kind: .notFound)), visit, chrome: chrome(visit, signedIn)))
        }
        return account
    }

    /// Reads a form posted to the panel and checks its `csrf` field against the session's; a
    /// missing or wrong one is a 403 page.
    func postedForm(_ visit: PanelVisit, _ signedIn: PanelSignedIn) async throws -> PanelForm {
        let form = try await readForm(visit)
        try checkCSRF(form["csrf"], visit, signedIn)
        return form
    }

    /// Checks a posted form's `csrf` field against the session's; a missing or wrong one is a 403
    /// page.
    func checkCSRF(_ given: String?, _ visit: PanelVisit, _ signedIn: PanelSignedIn) throws(PanelInterruption) {
        guard let given, signedIn.session.acceptsCSRFToken(given) else {
            throw PanelInterruption(
                response: page(
                    .error(PanelErrorPage(kind: .forbidden)), visit,
                    chrome: chrome(visit, signedIn, flashes: [.formExpired])))
        }
    }

    /// Reads a posted form, up to the panel's limit (the connection's body limit cut a larger one off already).
    func readForm(_ visit: PanelVisit) async throws -> PanelForm {
        let body = try await visit.request.body.collect(upTo: formLimit)
        return PanelForm(query: String(buffer: body))
    }

    /// The 403 page.
    func forbidden(_ visit: PanelVisit, _ signedIn: PanelSignedIn) -> PanelInterruption {
        PanelInterruption(
            response: page(.error(PanelErrorPage(kind: .forbidden)), visit, chrome: chrome(visit, signedIn)))
    }

    /// What surrounds every page of a signed-in user.
    func chrome(
        _ visit: PanelVisit, _ signedIn: PanelSignedIn, account: AccountName? = nil, flashes: [PanelFlash] = []
    ) -> PanelChrome {
        let role = signedIn.user.role
        let viewer = PanelViewer(
            name: signedIn.user.name.value, role: role.kind.rawValue, isAdmin: role == .admin,
            mayChange: account.map(role.mayWrite) ?? false, account: account)
        return PanelChrome(
            viewer: viewer, csrf: signedIn.session.csrfToken, currentTarget: visit.target, flashes: flashes)
    }

    /// `page` as an HTML answer with its status (or `status`), never cached, never framed. A
    /// signed-in user's page also shows, once, the outcome a redirect carried to it
    /// (``PanelFlashCookie``).
    func page(
        _ page: PanelPage, _ visit: PanelVisit, chrome: PanelChrome, status: HTTPResponse.Status? = nil
    ) -> Response {
        var chrome = chrome
        let carried = chrome.viewer == nil ? nil : visit.cookie(PanelFlashCookie.name)
        if let carried, let flash = PanelFlashCookie.flash(carried, parser: parser) {
            chrome.flashes.insert(flash, at: 0)
        }
        let html: String
        switch renderer {
        case .success(let renderer):
            html = renderer.render(page, chrome: chrome, language: visit.language)
        case .failure(let error):
            return plainFailure("The panel's templates did not parse: \(error)")
        }
        var response = Response(
            status: status ?? HTTPResponse.Status(code: page.status),
            headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        finish(&response, visit)
        if carried != nil { response.setCookie(cookie(PanelFlashCookie.name, "", visit, maxAge: 0)) }
        return response
    }

    /// A 303 to `path` (a path of the panel, so never elsewhere), carrying `flash` to the page
    /// there when it is one that travels (``PanelFlashCookie``).
    func redirect(to path: String, _ visit: PanelVisit, flash: PanelFlash? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: path])
        finish(&response, visit)
        if let value = flash.flatMap(PanelFlashCookie.value) {
            response.setCookie(cookie(PanelFlashCookie.name, value, visit, maxAge: PanelFlashCookie.maxAge))
        }
        return response
    }

    /// The headers every panel answer carries, and the language cookie when this request chose one.
    func finish(_ response: inout Response, _ visit: PanelVisit) {
        response.headers[.cacheControl] = "no-store"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        // Query strings (a searched number, a filter) stay on this site.
        response.headers[.referrerPolicy] = "same-origin"
        if let chosen = visit.chosenLanguage {
            response.setCookie(cookie(Self.languageCookie, chosen.rawValue, visit, maxAge: 365 * 86_400))
        }
    }

    /// A cookie of the panel: only for its paths, never read by scripts, not sent along with other
    /// sites' requests except top-level navigations, and `Secure` over HTTPS. `maxAge` 0 deletes it;
    /// `nil` keeps it until the browser closes.
    func cookie(_ name: String, _ value: String, _ visit: PanelVisit, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: PanelPath.root, secure: isSecure(visit), httpOnly: true,
            sameSite: .lax)
    }

    /// Whether the browser reached the panel over HTTPS: the server's own TLS, or a proxy that says
    /// so, when it is trusted to.
    func isSecure(_ visit: PanelVisit) -> Bool {
        if servesTLS { return true }
        guard trustForwardedProto, let proto = visit.request.headers[values: .xForwardedProto].first else {
            return false
        }
        // A chain of proxies lists the first one's scheme first.
        let first = proto.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        return first?.lowercased() == "https"
    }

    /// A plain-text 500, for the one failure no page can show: the pages themselves.
    func plainFailure(_ text: String) -> Response {
        Response(
            status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}

/// A signed-in user's session, as a request found it.
struct PanelSignedIn: Sendable {
    let session: PanelSession
    let token: PanelSessionToken

    var user: PanelUser { session.user }
}

extension HTTPField.Name {
    static let xFrameOptions = named("X-Frame-Options")
    static let xContentTypeOptions = named("X-Content-Type-Options")
    static let referrerPolicy = named("Referrer-Policy")
    static let xForwardedProto = named("X-Forwarded-Proto")

    private static func named(_ text: String) -> Self {
        guard let name = Self(text) else { preconditionFailure("\(text) is a valid field name") }
        return name
    }
}
