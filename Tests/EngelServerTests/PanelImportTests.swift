import EngelCore
import EngelServer
import EngelTestSupport
import Foundation
import Testing

/// The panel's CSV import over a real socket: upload, check, confirm, and the job's page, with the
/// accounts and users of ``PanelRouteTests/withPanel(enabled:trustForwardedProto:configure:_:)``.
@Suite("Panel import")
struct PanelImportTests {
    /// A file with a header, two numbers, a line that is not one, and a repeat of the first.
    static let file = "numara;isim\r\n0532 123 45 67;Ayşe\r\n12345;bad\r\n+905321234567;again\r\n5441234567;Ali\r\n"

    @Test("the check lists bad and repeated lines by line number; confirming applies the rest as the user")
    func checkAndApply() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let form = try await browser.get("/panel/import")
            #expect(form.status == 200)
            #expect(form.body.contains(#"enctype="multipart/form-data""#))
            let csrf = try await browser.csrf(at: "/panel/import")

            let report = try await browser.upload(fields: [("csrf", csrf)], content: Self.file)
            #expect(report.status == 200)
            #expect(report.body.contains("numbers.csv"))
            #expect(
                report.body.contains(#"<td class="nowrap">3</td><td>12345</td><td>Not a Turkish mobile number</td>"#))
            #expect(
                report.body.contains(#"<td class="nowrap">4</td><td>+905321234567</td><td>Same number as line 2</td>"#))
            #expect(report.body.contains("Block 2 numbers"))
            #expect(try await Self.listed(harness).isEmpty)

            let token = try Self.importToken(report.body)
            let confirmed = try await browser.send(
                "POST", "/panel/import/confirm", form: [("csrf", csrf), ("import", token), ("reason", "campaign STOP")])
            #expect(confirmed.status == 303)
            let jobPath = try #require(confirmed.header("location"))
            #expect(jobPath.hasPrefix("/panel/import/jobs/"))

            let done = try await Self.poll(&browser, jobPath)
            #expect(done.body.contains("Done."))
            #expect(!done.body.contains(#"http-equiv="refresh""#))
            #expect(done.body.contains("2 of 2 numbers processed"))

            let entries = try await Self.listed(harness)
            #expect(Set(entries.map(\.number.description)) == ["+905321234567", "+905441234567"])
            let account = try #require(try await harness.store.account(named: AccountName("acme")))
            let changes = try await harness.store.changes(for: account.id, after: 0, limit: 10).changes
            #expect(changes.count == 2)
            #expect(
                changes.allSatisfy {
                    $0.action == .add && $0.source == .panel && $0.actor == .panel(user: "ayse")
                        && $0.reason == "campaign STOP"
                })

            // A checked file is applied once.
            let again = try await browser.send(
                "POST", "/panel/import/confirm", form: [("csrf", csrf), ("import", token)])
            #expect(again.status == 404)
            #expect(again.body.contains("This check has expired"))
        }
    }

    @Test("a running job's page reloads itself without JavaScript")
    func runningJobRefreshes() async throws {
        try await PanelRouteTests.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf(at: "/panel/import")
            // Enough numbers for several commits, so the first look usually finds the job running.
            let numbers = (0..<20_000).map { "53\(String(format: "%08d", $0))" }.joined(separator: "\n")
            let report = try await browser.upload(fields: [("csrf", csrf)], content: numbers)
            #expect(report.body.contains("Block 20,000 numbers"))
            let token = try Self.importToken(report.body)
            let confirmed = try await browser.send(
                "POST", "/panel/import/confirm", form: [("csrf", csrf), ("import", token)])
            let jobPath = try #require(confirmed.header("location"))
            let first = try await browser.get(jobPath)
            #expect(first.status == 200)
            if first.body.contains("Running…") {
                #expect(first.body.contains(#"<meta http-equiv="refresh" content="1">"#))
                #expect(!first.body.contains("<script"))
            }
            let done = try await Self.poll(&browser, jobPath)
            #expect(done.body.contains("20,000 of 20,000 numbers processed"))
        }
    }

    @Test("a viewer may not import; a form without the CSRF token is refused")
    func refusals() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var viewer = PanelBrowser(port: port)
            _ = try await viewer.signIn("bora")
            #expect(try await viewer.get("/panel/import").status == 403)
            let viewerCSRF = try await viewer.csrf()
            let viewerUpload = try await viewer.upload(fields: [("csrf", viewerCSRF)], content: Self.file)
            #expect(viewerUpload.status == 403)
            let viewerConfirm = try await viewer.send(
                "POST", "/panel/import/confirm", form: [("csrf", viewerCSRF), ("import", "x")])
            #expect(viewerConfirm.status == 403)

            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let missing = try await browser.upload(fields: [], content: Self.file)
            #expect(missing.status == 403)
            let wrong = try await browser.upload(
                fields: [("csrf", String(repeating: "0", count: 64))], content: Self.file)
            #expect(wrong.status == 403)
            let csrf = try await browser.csrf(at: "/panel/import")
            let report = try await browser.upload(fields: [("csrf", csrf)], content: Self.file)
            let token = try Self.importToken(report.body)
            let unsigned = try await browser.send("POST", "/panel/import/confirm", form: [("import", token)])
            #expect(unsigned.status == 403)
            #expect(try await Self.listed(harness).isEmpty)
        }
    }

    @Test("another user can neither confirm a checked file nor see its job")
    func boundToTheUser() async throws {
        try await PanelRouteTests.withPanel { harness, port in
            var ayse = PanelBrowser(port: port)
            _ = try await ayse.signIn("ayse")
            let csrf = try await ayse.csrf(at: "/panel/import")
            let report = try await ayse.upload(fields: [("csrf", csrf)], content: Self.file)
            let token = try Self.importToken(report.body)

            // An admin working on the same account, and an operator of another one.
            var root = PanelBrowser(port: port)
            _ = try await root.signIn("root")
            let rootCSRF = try await root.csrf(at: "/panel/accounts")
            _ = try await root.send("POST", "/panel/accounts/choose", form: [("csrf", rootCSRF), ("account", "acme")])
            let byAdmin = try await root.send(
                "POST", "/panel/import/confirm", form: [("csrf", rootCSRF), ("import", token)])
            #expect(byAdmin.status == 404)
            var gokhan = PanelBrowser(port: port)
            _ = try await gokhan.signIn("gokhan")
            let gokhanCSRF = try await gokhan.csrf()
            let byOther = try await gokhan.send(
                "POST", "/panel/import/confirm", form: [("csrf", gokhanCSRF), ("import", token)])
            #expect(byOther.status == 404)
            #expect(try await Self.listed(harness).isEmpty)
            #expect(try await Self.listed(harness, "globex").isEmpty)

            // The owner still can, and only the owner sees the job.
            let confirmed = try await ayse.send(
                "POST", "/panel/import/confirm", form: [("csrf", csrf), ("import", token)])
            let jobPath = try #require(confirmed.header("location"))
            #expect(try await root.get(jobPath).status == 404)
            #expect(try await gokhan.get(jobPath).status == 404)
            _ = try await Self.poll(&ayse, jobPath)
            #expect(try await Self.listed(harness).count == 2)
        }
    }

    @Test("an upload past the limit gets a 413 page, whether its length is declared small or large")
    func tooLarge() async throws {
        let smallLimit: (inout ServerConfiguration) -> Void = { $0.panelUploadMaximumBytes = 1_024 }
        try await PanelRouteTests.withPanel(configure: smallLimit) { harness, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf(at: "/panel/import")
            #expect(try await browser.get("/panel/import").body.contains("At most 1,024 bytes."))
            // Under the other forms' limit, and far past it (the body limit's case).
            for size in [4_096, 200_000] {
                let content = String(repeating: "5321234567\n", count: size / 11)
                let answer = try await browser.upload(fields: [("csrf", csrf)], content: content)
                #expect(answer.status == 413, "\(size)")
                #expect(answer.header("content-type") == "text/html; charset=utf-8", "\(size)")
                #expect(answer.body.contains("The file is too large: at most 1,024 bytes."), "\(size)")
            }
            let small = try await browser.upload(fields: [("csrf", csrf)], content: "5321234567\n")
            #expect(small.status == 200)
            #expect(try await Self.listed(harness).isEmpty)
        }
    }

    @Test("hostile file names and lines are shown escaped")
    func hostileTextEscaped() async throws {
        try await PanelRouteTests.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf(at: "/panel/import")
            let report = try await browser.upload(
                fields: [("csrf", csrf)], fileName: #"\"><img src=x onerror=alert(1)>.csv"#,
                content: "<script>alert(1)</script>\n\"><svg onload=alert(2)>\n5321234567\n")
            #expect(report.status == 200)
            #expect(!report.body.contains("<script>alert"))
            #expect(!report.body.contains("<img src=x"))
            #expect(!report.body.contains("<svg"))
            #expect(report.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(report.body.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.csv"))
            #expect(report.body.contains("&lt;svg onload=alert(2)&gt;"))
        }
    }

    @Test("an empty file or a body that is not multipart is refused with a page")
    func emptyAndMalformed() async throws {
        try await PanelRouteTests.withPanel { _, port in
            var browser = PanelBrowser(port: port)
            _ = try await browser.signIn("ayse")
            let csrf = try await browser.csrf(at: "/panel/import")
            let empty = try await browser.upload(fields: [("csrf", csrf)], content: "number\n\n# nothing\n")
            #expect(empty.status == 400)
            #expect(empty.body.contains("The file is empty."))
            let urlEncoded = try await browser.send("POST", "/panel/import", form: [("csrf", csrf)])
            #expect(urlEncoded.status == 400)
        }
    }

    /// The checked file's token in a report's confirm form.
    static func importToken(_ page: String) throws -> String {
        let marker = #"name="import" value=""#
        let range = try #require(page.range(of: marker), "no confirm form")
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The job page once the job is no longer running (a few seconds at most).
    static func poll(_ browser: inout PanelBrowser, _ path: String) async throws -> PanelBrowser.Reply {
        for _ in 0..<200 {
            let page = try await browser.get(path)
            #expect(page.status == 200)
            if !page.body.contains("Running…") { return page }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the import at \(path) did not finish")
        return try await browser.get(path)
    }

    static func listed(_ harness: Harness, _ account: String = "acme") async throws -> [ListEntry] {
        try await PanelRouteTests.listed(harness, account)
    }
}
