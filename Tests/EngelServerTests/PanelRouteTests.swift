import EngelCore
import EngelServer
import EngelTestSupport
import Foundation
import Testing

/// The panel over a real socket, as a browser reaches it: `buildApplication` over SQLite, requests
/// written by hand so that cookies and redirects are seen exactly as sent.
@Suite("Panel routes")
struct PanelRouteTests {
    static let password = "correct horse battery"

    /// A live server over SQLite with accounts `acme` and `globex` and the panel users: `ayse`
    /// (operator of acme), `bora` (viewer of acme), `gokhan` (operator of globex), `root` (admin).
    static func withPanel<Value: Sendable>(
        enabled: Bool = true, trustForwardedProto: Bool = false,
        configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (Harness, Int) async throws -> Value
    ) async throws -> Value {
        let harness = try await Harness.make(.live, accounts: ["acme", "globex"]).configured {
            $0.panelPasswordCost = 4
            $0.panelEnabled = enabled
            $0.trustForwardedProto = trustForwardedProto
            configure(&$0)
        }
        let users = PanelUserAdministration(store: harness.store, passwords: PanelPasswords(cost: 4))
        let password = try PanelPassword(Self.password)
        let acme = try AccountName("acme")
        let globex = try AccountName("globex")
        _ = try await users.create(named: "ayse", role: .operator(acme), password: password)
        _ = try await users.create(named: "bora", role: .viewer(acme), password: password)
        _ = try await users.create(named: "gokhan", role: .operator(globex), password: password)
        _ = try await users.create(named: "root", role: .admin, password: password)
        return try await harness.withServer { server in try await body(harness, server.port) }
    }

    @Test("signing in sets an HttpOnly, SameSite=Lax session cookie for /panel and opens the list")
    func signInSucceeds() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            let signIn = try await browser.signIn("ayse")
            #expect(signIn.status == 303)
            #expect(signIn.header("location") == "/panel/list")
            let cookie = try #require(signIn.setCookies.first { $0.hasPrefix("engel_panel_session=") })
            let token = cookie.dropFirst("engel_panel_session=".count).prefix { $0 != ";" }
            #expect(token.count == 64)
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/panel"))
            #expect(!cookie.contains("Secure"))
            let list = try await browser.get("/panel/list")
            #expect(list.status == 200)
            #expect(list.header("content-type") == "text/html; charset=utf-8")
            #expect(list.body.contains("ayse"))
        }
    }

    @Test("a wrong password shows the sign-in page again, sets no cookie, and is audited")
    func signInFails() async throws {
        try await Self.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            let answer = try await browser.send(
                "POST", "/panel/sign-in", form: [("user", "ayse"), ("password", "not the password")])
            #expect(answer.status == 200)
            #expect(answer.body.contains("The user name or the password is wrong."))
            #expect(!answer.body.contains("not the password"))
            #expect(answer.setCookies.allSatisfy { !$0.hasPrefix("engel_panel_session=") })
            let audit = try await harness.store.auditLog(forAccountNamed: AccountName("acme"))
            #expect(audit.contains { $0.action == .panelSignInFailed })
            let unknown = try await browser.send(
                "POST", "/panel/sign-in", form: [("user", "nobody"), ("password", "x")])
            #expect(unknown.body.contains("The user name or the password is wrong."))
            #expect(try await browser.get("/panel/list").status == 303)
        }
    }

    @Test("the cookie is Secure behind a trusted proxy that says https, and only then")
    func secureCookie() async throws {
        try await Self.withPanel(trustForwardedProto: true) { _, port in
            var browser = PanelBrowser(port: port)
            let proxied = try await browser.signIn("ayse", headers: [("X-Forwarded-Proto", "https")])
            #expect(proxied.setCookies.contains { $0.hasPrefix("engel_panel_session=") && $0.contains("Secure") })
            let plain = try await browser.signIn("ayse")
            #expect(plain.setCookies.contains { $0.hasPrefix("engel_panel_session=") && !$0.contains("Secure") })
        }
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            let untrusted = try await browser.signIn("ayse", headers: [("X-Forwarded-Proto", "https")])
            #expect(untrusted.setCookies.contains { $0.hasPrefix("engel_panel_session=") && !$0.contains("Secure") })
        }
    }

    @Test("a form without the session's CSRF token is refused with 403 and changes nothing")
    func csrfRefused() async throws {
        try await Self.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let missing = try await browser.send("POST", "/panel/add", form: [("number", "5321234567")])
            #expect(missing.status == 403)
            let wrong = try await browser.send(
                "POST", "/panel/add", form: [("csrf", String(repeating: "0", count: 64)), ("number", "5321234567")])
            #expect(wrong.status == 403)
            #expect(try await Self.listed(harness, "acme").isEmpty)
        }
    }

    @Test("a viewer cannot add; an operator of one account can neither read nor choose another")
    func roleRefusals() async throws {
        try await Self.withPanel { harness, port in
            var viewer = PanelBrowser(port: port)
            _ = try await viewer.signIn("bora")
            #expect(try await viewer.get("/panel/list").status == 200)
            let csrf = try await viewer.csrf()
            let add = try await viewer.send("POST", "/panel/add", form: [("csrf", csrf), ("number", "5321234567")])
            #expect(add.status == 403)
            #expect(try await viewer.get("/panel/change").status == 403)
            #expect(try await Self.listed(harness, "acme").isEmpty)

            var other = PanelBrowser(port: port)
            _ = try await other.signIn("gokhan")
            #expect(try await other.get("/panel/list").status == 200)
            let otherCSRF = try await other.csrf()
            let choose = try await other.send(
                "POST", "/panel/accounts/choose", form: [("csrf", otherCSRF), ("account", "acme")])
            #expect(choose.status == 403)
            other.cookies["engel_panel_account"] = "acme"
            #expect(try await other.get("/panel/list").status == 403)
            #expect(try await other.get("/panel/changes").status == 403)
        }
    }

    @Test("add and remove reach the store with the panel's provenance")
    func addAndRemove() async throws {
        try await Self.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf()
            let added = try await browser.send(
                "POST", "/panel/add", form: [("csrf", csrf), ("number", "0532 123 45 67"), ("reason", "replied STOP")])
            #expect(added.status == 200)
            let entries = try await Self.listed(harness, "acme")
            #expect(entries.map(\.number.description) == ["+905321234567"])
            #expect(entries.first?.source == .panel)
            #expect(entries.first?.actor == .panel(user: "ayse"))
            #expect(entries.first?.reason == "replied STOP")

            let removed = try await browser.send(
                "POST", "/panel/remove", form: [("csrf", csrf), ("number", "5321234567"), ("reason", "asked back")])
            #expect(removed.status == 200)
            #expect(try await Self.listed(harness, "acme").isEmpty)
            let account = try #require(try await harness.store.account(named: AccountName("acme")))
            let changes = try await harness.store.changes(for: account.id, after: 0, limit: 10).changes
            #expect(changes.map(\.action) == [.add, .remove])
            #expect(changes.allSatisfy { $0.source == .panel && $0.actor == .panel(user: "ayse") })
            #expect(changes.last?.reason == "asked back")

            let invalid = try await browser.send("POST", "/panel/add", form: [("csrf", csrf), ("number", "12")])
            #expect(invalid.status == 400)
            #expect(try await browser.get("/panel/changes").body.contains("asked back"))
        }
    }

    @Test("switching API access off makes the API answer 401 for the account")
    func apiAccessOff() async throws {
        try await Self.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf()
            let switched = try await browser.send(
                "POST", "/panel/api-access", form: [("csrf", csrf), ("enabled", "off")])
            #expect(switched.status == 200)
            let api = HarnessClient(port: port)
            #expect(try await api.list(harness).code == 401)
            #expect(try await api.list(harness, as: "globex").code == 200)
            let audit = try await harness.store.auditLog(forAccountNamed: AccountName("acme"))
            #expect(audit.contains { $0.actor == .panel(user: "ayse") })
        }
    }

    @Test("signing out ends the session in the store: the old cookie opens nothing")
    func signOut() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let kept = browser.cookies
            let csrf = try await browser.csrf()
            let out = try await browser.send("POST", "/panel/sign-out", form: [("csrf", csrf)])
            #expect(out.status == 200)
            #expect(out.setCookies.contains { $0.hasPrefix("engel_panel_session=;") && $0.contains("Max-Age=0") })
            var replay = PanelBrowser(port: port)
            replay.cookies = kept
            let list = try await replay.get("/panel/list")
            #expect(list.status == 303)
            #expect(list.header("location") == "/panel/sign-in")
        }
    }

    @Test("an admin chooses the account to work on")
    func adminChoosesAccount() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            let signIn = try await browser.signIn("root")
            #expect(signIn.header("location") == "/panel/accounts")
            #expect(try await browser.get("/panel/list").header("location") == "/panel/accounts")
            let accounts = try await browser.get("/panel/accounts")
            #expect(accounts.status == 200)
            #expect(accounts.body.contains("globex"))
            let csrf = try await browser.csrf(at: "/panel/accounts")
            let chosen = try await browser.send(
                "POST", "/panel/accounts/choose", form: [("csrf", csrf), ("account", "globex")])
            #expect(chosen.status == 303)
            #expect(try await browser.get("/panel/list").status == 200)
        }
    }

    @Test("hostile text in a reason is shown escaped")
    func hostileReasonEscaped() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf()
            let hostile = #"<script>alert("x")</script>"#
            _ = try await browser.send(
                "POST", "/panel/add", form: [("csrf", csrf), ("number", "5321234567"), ("reason", hostile)])
            for path in ["/panel/list", "/panel/search?number=5321234567", "/panel/changes"] {
                let page = try await browser.get(path)
                #expect(page.status == 200)
                #expect(!page.body.contains("<script>alert"), "\(path)")
                #expect(page.body.contains("&lt;script&gt;"), "\(path)")
            }
        }
    }

    @Test("parts not built yet say so; unknown panel paths get the 404 page")
    func notBuiltAndUnknown() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let webhooks = try await browser.get("/panel/webhooks")
            #expect(webhooks.status == 501)
            #expect(webhooks.body.contains("Not built yet"))
            let unknown = try await browser.get("/panel/nothing-here")
            #expect(unknown.status == 404)
            #expect(unknown.header("content-type") == "text/html; charset=utf-8")
        }
    }

    @Test("with the panel off, /panel is an unknown path of the API")
    func panelOff() async throws {
        try await Self.withPanel(enabled: false) { _, port in
            var browser = PanelBrowser(port: port)
            for path in ["/panel", "/panel/", "/panel/sign-in"] {
                let answer = try await browser.get(path)
                #expect(answer.status == 404)
                #expect(answer.header("content-type")?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test("the language follows Accept-Language, and a lang choice is remembered in a cookie")
    func language() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            let turkish = try await browser.send("GET", "/panel/sign-in", headers: [("Accept-Language", "tr-TR")])
            #expect(turkish.body.contains("Giriş yap"))
            let chosen = try await browser.send(
                "GET", "/panel/sign-in?lang=en", headers: [("Accept-Language", "tr-TR")])
            #expect(chosen.body.contains("Sign in"))
            #expect(chosen.setCookies.contains { $0.hasPrefix("engel_panel_lang=en") && $0.contains("Path=/panel") })
            let remembered = try await browser.send("GET", "/panel/sign-in", headers: [("Accept-Language", "tr-TR")])
            #expect(remembered.body.contains("Sign in"))
            #expect(!remembered.body.contains("Giriş yap"))
        }
    }

    @Test("the list exports as CSV with a byte order mark")
    func exportList() async throws {
        try await Self.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf()
            _ = try await browser.send("POST", "/panel/add", form: [("csrf", csrf), ("number", "5321234567")])
            let csv = try await browser.get("/panel/export/list.csv")
            #expect(csv.status == 200)
            #expect(csv.header("content-type") == "text/csv; charset=utf-8")
            #expect(csv.body.hasPrefix("\u{FEFF}number,"))
            #expect(csv.body.contains("+905321234567"))
        }
    }

    /// The entries of `account`'s list.
    static func listed(_ harness: Harness, _ account: String) async throws -> [ListEntry] {
        guard let found = try await harness.store.account(named: AccountName(account)) else { return [] }
        return try await harness.store.entries(for: found.id, filter: DateFilter(start: nil, end: nil), page: .first)
            .entries
    }
}

/// A browser reduced to what the tests need: one connection per request, cookies kept by name,
/// redirects not followed.
struct PanelBrowser {
    let port: Int
    var cookies: [String: String] = [:]

    /// An answer as sent.
    struct Reply {
        let status: Int
        let headers: [(name: String, value: String)]
        let body: String

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }

        var setCookies: [String] { headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value) }
    }

    mutating func get(_ target: String) async throws -> Reply {
        try await send("GET", target)
    }

    mutating func signIn(_ user: String, headers: [(String, String)] = []) async throws -> Reply {
        try await send(
            "POST", "/panel/sign-in", form: [("user", user), ("password", PanelRouteTests.password)], headers: headers)
    }

    /// The CSRF token the page at `path` carries in its forms.
    mutating func csrf(at path: String = "/panel/list") async throws -> String {
        let page = try await get(path)
        let marker = #"name="csrf" value=""#
        let range = try #require(page.body.range(of: marker), "no form on \(path): \(page.status)")
        return String(page.body[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Posts `fields` and a file as `multipart/form-data`, as the upload form does; `fileName` is
    /// written into the part's header as given (a `"` in it must be escaped).
    mutating func upload(
        _ target: String = "/panel/import", fields: [(String, String)], fileName: String = "numbers.csv",
        content: String
    ) async throws -> Reply {
        let boundary = "----EngelTestBoundary7MA4YWxkTrZu0gW"
        var body = ""
        for (name, value) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\n"
        body += "Content-Type: text/csv\r\n\r\n\(content)\r\n--\(boundary)--\r\n"
        return try await send("POST", target, body: ("multipart/form-data; boundary=\(boundary)", body))
    }

    /// Sends one request on a new connection (closed after it, so a streamed body ends with it),
    /// and keeps the cookies the answer sets.
    mutating func send(
        _ method: String, _ target: String, form: [(String, String)]? = nil, headers: [(String, String)] = [],
        body raw: (contentType: String, content: String)? = nil
    ) async throws -> Reply {
        let body =
            raw?.content
            ?? form.map { fields in
                fields.map { name, value in formEncoded(name) + "=" + formEncoded(value) }.joined(separator: "&")
            } ?? ""
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if !cookies.isEmpty {
            request += "Cookie: " + cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") + "\r\n"
        }
        if let raw {
            request += "Content-Type: \(raw.contentType)\r\n"
        } else if form != nil {
            request += "Content-Type: application/x-www-form-urlencoded\r\n"
        }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        let connection = try await RawConnection.open(port: port)
        try await connection.send(request)
        _ = try await connection.wait(upTo: .seconds(60)) { $0.isClosedByServer }
        await connection.close()
        let text = connection.receivedText
        let (head, rest) = try #require(
            text.range(of: "\r\n\r\n").map { (text[..<$0.lowerBound], text[$0.upperBound...]) })
        let lines = head.components(separatedBy: "\r\n")
        let status = try #require(lines.first?.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        let fields = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let chunked = fields.contains { $0.name.lowercased() == "transfer-encoding" && $0.value == "chunked" }
        let reply = Reply(status: status, headers: fields, body: chunked ? Self.unchunked(rest) : String(rest))
        for cookie in reply.setCookies {
            let pair = cookie.prefix { $0 != ";" }.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if cookie.contains("Max-Age=0") {
                cookies[String(pair[0])] = nil
            } else {
                cookies[String(pair[0])] = String(pair[1])
            }
        }
        return reply
    }

    /// A chunked body's data.
    private static func unchunked(_ text: Substring) -> String {
        var bytes = Array(text.utf8)[...]
        var data: [UInt8] = []
        while let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")) {
            let size = Int(String(decoding: bytes[bytes.startIndex..<lineEnd], as: UTF8.self), radix: 16) ?? 0
            let start = lineEnd + 2
            guard size > 0, start + size <= bytes.endIndex else { break }
            data += bytes[start..<start + size]
            bytes = bytes[(start + size + 2)...]
        }
        return String(decoding: data, as: UTF8.self)
    }
}
