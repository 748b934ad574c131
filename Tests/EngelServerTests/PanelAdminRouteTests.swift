import EngelCore
import EngelServer
import EngelTestSupport
import Foundation
import Testing

/// The panel's webhooks page and its users page over a real socket, with the users of
/// ``PanelRouteTests/withPanel(enabled:trustForwardedProto:_:)``: `ayse` (operator of acme), `bora`
/// (viewer of acme), `gokhan` (operator of globex) and `root` (admin).
@Suite("Panel webhooks and users routes")
struct PanelAdminRouteTests {
    static let newPassword = "a new password 2026"

    // MARK: Webhooks

    @Test("adding a webhook shows its secret once; the list shows it without; removing it redirects")
    func webhookAddAndRemove() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let empty = try await browser.get("/panel/webhooks")
            #expect(empty.status == 200)
            #expect(empty.body.contains("No webhooks."))
            let csrf = try await browser.csrf(at: "/panel/webhooks")
            let added = try await browser.send(
                "POST", "/panel/webhooks/add", form: [("csrf", csrf), ("url", "https://crm.example.com/engel")])
            #expect(added.status == 200)
            let webhook = try #require(try await harness.store.webhooks().first)
            #expect(webhook.url == "https://crm.example.com/engel")
            #expect(added.body.contains(webhook.secret))
            #expect(added.body.contains("Shown only now."))

            let listed = try await browser.get("/panel/webhooks")
            #expect(listed.body.contains("https://crm.example.com/engel"))
            #expect(!listed.body.contains(webhook.secret))

            let audit = try await harness.store.auditLog(forAccountNamed: AccountName("acme"))
            #expect(audit.contains { $0.action == .webhookAdded && $0.actor == .panel(user: "ayse") })

            let removed = try await browser.send(
                "POST", "/panel/webhooks/remove", form: [("csrf", csrf), ("id", String(webhook.id))])
            #expect(removed.status == 303)
            #expect(removed.header("location") == "/panel/webhooks")
            let after = try await browser.get("/panel/webhooks")
            #expect(after.body.contains("Webhook \(webhook.id) was removed."))
            #expect(!after.body.contains("https://crm.example.com/engel"))
            #expect(try await browser.get("/panel/webhooks").body.contains("was removed.") == false)
            #expect(try await harness.store.webhooks().isEmpty)
            let audited = try await harness.store.auditLog(forAccountNamed: AccountName("acme"))
            #expect(audited.contains { $0.action == .webhookRemoved && $0.actor == .panel(user: "ayse") })

            let again = try await browser.send(
                "POST", "/panel/webhooks/remove", form: [("csrf", csrf), ("id", String(webhook.id))])
            #expect(again.status == 404)
            #expect(again.body.contains("This account has no webhook “\(webhook.id)”."))
        }
    }

    @Test("a viewer sees the webhooks without secrets or forms, and may neither add nor remove")
    func webhookViewer() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            let existing = try await WebhookAdministration(store: harness.store).add(
                account: "acme", url: "https://crm.example.com/engel"
            ).webhook
            var viewer = PanelBrowser(port: port)
            _ = try await viewer.signIn("bora")
            let page = try await viewer.get("/panel/webhooks")
            #expect(page.status == 200)
            #expect(page.body.contains("https://crm.example.com/engel"))
            #expect(!page.body.contains(existing.secret))
            #expect(!page.body.contains("Add a webhook"))
            let csrf = try await viewer.csrf(at: "/panel/list")
            let add = try await viewer.send(
                "POST", "/panel/webhooks/add", form: [("csrf", csrf), ("url", "https://evil.example/")])
            #expect(add.status == 403)
            let remove = try await viewer.send(
                "POST", "/panel/webhooks/remove", form: [("csrf", csrf), ("id", String(existing.id))])
            #expect(remove.status == 403)
            #expect(try await harness.store.webhooks().map(\.id) == [existing.id])

            // Another account's operator cannot reach acme's webhook by its identifier.
            var other = PanelBrowser(port: port)
            _ = try await other.signIn("gokhan")
            let otherCSRF = try await other.csrf()
            let foreign = try await other.send(
                "POST", "/panel/webhooks/remove", form: [("csrf", otherCSRF), ("id", String(existing.id))])
            #expect(foreign.status == 404)
            #expect(try await harness.store.webhooks().count == 1)
        }
    }

    @Test("an address that is not http or https shows the form again with what was typed")
    func webhookBadURL() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf(at: "/panel/webhooks")
            for typed in ["ftp://crm.example.com/engel", "crm.example.com", ""] {
                let answer = try await browser.send(
                    "POST", "/panel/webhooks/add", form: [("csrf", csrf), ("url", typed)])
                #expect(answer.status == 400, "\(typed)")
                #expect(answer.body.contains("“\(typed)” is not an http or https address."), "\(typed)")
                #expect(answer.body.contains(#"name="url" type="url" value="\#(typed)""#), "\(typed)")
            }
            let missing = try await browser.send("POST", "/panel/webhooks/add", form: [("url", "https://a.example/")])
            #expect(missing.status == 403)
            #expect(try await harness.store.webhooks().isEmpty)
        }
    }

    // MARK: Users

    @Test("an admin creates a viewer, who can then sign in; the creation is audited as the admin")
    func createUser() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let page = try await admin.get("/panel/users")
            #expect(page.status == 200)
            #expect(page.body.contains("gokhan"))
            let csrf = try await admin.csrf(at: "/panel/users")
            let created = try await admin.send(
                "POST", "/panel/users/create",
                form: [
                    ("csrf", csrf), ("user", "Cem"), ("password", Self.newPassword), ("role", "viewer"),
                    ("account", "acme"),
                ])
            #expect(created.status == 303)
            #expect(created.header("location") == "/panel/users")
            let shown = try await admin.get("/panel/users")
            #expect(shown.body.contains("cem was added."))
            #expect(!shown.body.contains(Self.newPassword))
            let user = try #require(try await harness.store.panelUser(named: PanelUserName("cem")))
            #expect(user.role == .viewer(try AccountName("acme")))
            let audit = try await harness.store.auditLog(forAccountNamed: AccountName("acme"))
            #expect(audit.contains { $0.action == .panelUserCreated && $0.actor == .panel(user: "root") })

            var cem = PanelBrowser(port: port)
            let signIn = try await cem.signIn("cem", password: Self.newPassword)
            #expect(signIn.header("location") == "/panel/list")
            #expect(try await cem.get("/panel/list").status == 200)
        }
    }

    @Test("a bad name, a weak password, a wrong role, an unknown account and a taken name are each said")
    func createRefusals() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let csrf = try await admin.csrf(at: "/panel/users")
            let cases: [(user: String, password: String, role: String, account: String, status: Int, says: String)] = [
                ("bad name!", Self.newPassword, "viewer", "acme", 400, "“bad name!” cannot be a user name"),
                ("cem", "short", "viewer", "acme", 400, "The password must have at least 10 characters."),
                ("cem", "", "viewer", "acme", 400, "The password must have at least 10 characters."),
                ("cem", String(repeating: "ş", count: 40), "viewer", "acme", 400, "at most 72 bytes"),
                ("cem", Self.newPassword, "viewer", "", 400, "Choose an account for a viewer or an operator"),
                ("cem", Self.newPassword, "admin", "acme", 400, "Choose an account for a viewer or an operator"),
                ("cem", Self.newPassword, "owner", "acme", 400, "Choose an account for a viewer or an operator"),
                ("cem", Self.newPassword, "operator", "nope", 400, "There is no account named “nope”."),
                ("ayse", Self.newPassword, "operator", "acme", 409, "A panel user named “ayse” exists already."),
            ]
            for refused in cases {
                let answer = try await admin.send(
                    "POST", "/panel/users/create",
                    form: [
                        ("csrf", csrf), ("user", refused.user), ("password", refused.password),
                        ("role", refused.role), ("account", refused.account),
                    ])
                #expect(answer.status == refused.status, "\(refused.says)")
                #expect(answer.body.contains(refused.says), "\(refused.says)")
                #expect(answer.body.contains(#"id="new-user" name="user" type="text" value="\#(refused.user)""#))
            }
            #expect(try await harness.store.panelUsers().count == 4)
        }
    }

    @Test("disabling a user ends its open session and stops its sign-in; enabling lets it back")
    func disableAndEnable() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var ayse = PanelBrowser(port: port)
            _ = try await ayse.signIn("ayse")
            #expect(try await ayse.get("/panel/list").status == 200)
            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let csrf = try await admin.csrf(at: "/panel/users")
            let disabled = try await admin.send(
                "POST", "/panel/users/disable", form: [("csrf", csrf), ("user", "ayse")])
            #expect(disabled.status == 303)
            #expect(try await admin.get("/panel/users").body.contains("ayse was disabled."))
            let ended = try await ayse.get("/panel/list")
            #expect(ended.status == 303)
            #expect(ended.header("location") == "/panel/sign-in")
            #expect(try await ayse.signIn("ayse").body.contains("The user name or the password is wrong."))
            let audit = try await harness.store.auditLog(forAccountNamed: AccountName("acme"))
            #expect(audit.contains { $0.action == .panelUserDisabled && $0.actor == .panel(user: "root") })

            let enabled = try await admin.send("POST", "/panel/users/enable", form: [("csrf", csrf), ("user", "ayse")])
            #expect(enabled.status == 303)
            #expect(try await ayse.signIn("ayse").status == 303)
            let unknown = try await admin.send(
                "POST", "/panel/users/disable", form: [("csrf", csrf), ("user", "nobody")])
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("There is no panel user named “nobody”."))
        }
    }

    @Test("setting a password ends the user's session; the old password stops working, the new one works")
    func resetPassword() async throws {
        try await PanelRouteTests.withPanel { _, port in
            var ayse = PanelBrowser(port: port)
            _ = try await ayse.signIn("ayse")
            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let csrf = try await admin.csrf(at: "/panel/users")
            let weak = try await admin.send(
                "POST", "/panel/users/reset-password", form: [("csrf", csrf), ("user", "ayse"), ("password", "short")])
            #expect(weak.status == 400)
            #expect(weak.body.contains("The password must have at least 10 characters."))
            #expect(try await ayse.get("/panel/list").status == 200)

            let reset = try await admin.send(
                "POST", "/panel/users/reset-password",
                form: [("csrf", csrf), ("user", "ayse"), ("password", Self.newPassword)])
            #expect(reset.status == 303)
            #expect(try await admin.get("/panel/users").body.contains("ayse&#39;s password was set."))
            #expect(try await ayse.get("/panel/list").status == 303)
            #expect(try await ayse.signIn("ayse").body.contains("The user name or the password is wrong."))
            #expect(try await ayse.signIn("ayse", password: Self.newPassword).status == 303)
        }
    }

    @Test("deleting a user removes it and its sessions")
    func deleteUser() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var bora = PanelBrowser(port: port)
            _ = try await bora.signIn("bora")
            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let csrf = try await admin.csrf(at: "/panel/users")
            let deleted = try await admin.send("POST", "/panel/users/delete", form: [("csrf", csrf), ("user", "bora")])
            #expect(deleted.status == 303)
            #expect(try await admin.get("/panel/users").body.contains("bora was deleted."))
            #expect(try await harness.store.panelUser(named: PanelUserName("bora")) == nil)
            #expect(try await bora.get("/panel/list").status == 303)
            #expect(try await bora.signIn("bora").body.contains("The user name or the password is wrong."))
        }
    }

    @Test("only an admin reaches the users page and its forms")
    func usersForbidden() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            for name in ["ayse", "bora"] {
                var browser = PanelBrowser(port: port)
                _ = try await browser.signIn(name)
                #expect(try await browser.get("/panel/users").status == 403)
                #expect(try await browser.get("/panel/list").body.contains(#"href="/panel/users""#) == false)
                let csrf = try await browser.csrf()
                let forms: [(String, [(String, String)])] = [
                    (
                        "/panel/users/create",
                        [("user", "cem"), ("password", Self.newPassword), ("role", "admin"), ("account", "")]
                    ),
                    ("/panel/users/disable", [("user", "gokhan")]),
                    ("/panel/users/enable", [("user", "gokhan")]),
                    ("/panel/users/delete", [("user", "gokhan")]),
                    ("/panel/users/reset-password", [("user", "gokhan"), ("password", Self.newPassword)]),
                ]
                for (path, fields) in forms {
                    let answer = try await browser.send("POST", path, form: [("csrf", csrf)] + fields)
                    #expect(answer.status == 403, "\(name) \(path)")
                }
            }
            let users = try await harness.store.panelUsers()
            #expect(users.map(\.name.value) == ["ayse", "bora", "gokhan", "root"])
            #expect(users.allSatisfy { !$0.disabled })
        }
    }

    @Test("an admin can neither disable nor delete themselves, and is told why")
    func adminKeepsThemselves() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let page = try await admin.get("/panel/users")
            // Their own row offers no disable or delete button.
            let ownRow = try #require(page.body.components(separatedBy: "<tr>").first { $0.hasPrefix("<td>root</td>") })
            #expect(!ownRow.contains("/panel/users/delete") && !ownRow.contains("/panel/users/disable"))
            let csrf = try await admin.csrf(at: "/panel/users")
            for path in ["/panel/users/disable", "/panel/users/delete"] {
                let answer = try await admin.send("POST", path, form: [("csrf", csrf), ("user", "ROOT")])
                #expect(answer.status == 409, "\(path)")
                #expect(answer.body.contains("You cannot disable or delete the user you are signed in as"), "\(path)")
            }
            let root = try #require(try await harness.store.panelUser(named: PanelUserName("root")))
            #expect(!root.disabled)
            #expect(try await admin.get("/panel/users").status == 200)
        }
    }

    // MARK: Escaping

    @Test("hostile addresses and user names are shown escaped")
    func hostileTextEscaped() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            let hostile = #"<script>alert("x")</script>"#
            var operatorBrowser = PanelBrowser(port: port)
            _ = try await operatorBrowser.signIn("ayse")
            let csrf = try await operatorBrowser.csrf(at: "/panel/webhooks")
            for url in [hostile, "https://crm.example.com/?q=\"><script>alert(1)</script>", "javascript:" + hostile] {
                let answer = try await operatorBrowser.send(
                    "POST", "/panel/webhooks/add", form: [("csrf", csrf), ("url", url)])
                #expect(!answer.body.contains("<script>alert"), "\(url)")
                #expect(answer.body.contains("&lt;script&gt;"), "\(url)")
            }
            // Whatever was accepted is listed escaped.
            let listed = try await operatorBrowser.get("/panel/webhooks")
            #expect(!listed.body.contains("<script>alert"))
            #expect(try await harness.store.webhooks().count <= 1)

            var admin = PanelBrowser(port: port)
            _ = try await admin.signIn("root")
            let adminCSRF = try await admin.csrf(at: "/panel/users")
            for path in ["/panel/users/create", "/panel/users/disable", "/panel/users/reset-password"] {
                let answer = try await admin.send(
                    "POST", path,
                    form: [("csrf", adminCSRF), ("user", hostile), ("password", Self.newPassword), ("role", "admin")])
                #expect(answer.status >= 400, "\(path)")
                #expect(!answer.body.contains("<script>alert"), "\(path)")
                #expect(answer.body.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "\(path)")
            }
        }
    }
}
