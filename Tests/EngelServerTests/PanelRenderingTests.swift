import EngelCore
import Foundation
import Testing

@testable import EngelServer

@Suite("Panel pages render in Turkish and English")
struct PanelRenderingTests {
    let renderer: PanelRenderer

    init() throws {
        renderer = try PanelRenderer()
    }

    @Test("every page renders a whole document in both languages", arguments: PanelLanguage.allCases)
    func everyPage(language: PanelLanguage) {
        for sample in PanelSamples.all("replied STOP") {
            let html = renderer.render(sample.page, chrome: sample.chrome, language: language)
            let title = sample.page.content.title(PanelFormat(language: language))
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"\(language.rawValue)\">"), "\(sample.name)")
            #expect(html.contains("<h1>\(PanelEscaping.html(title))</h1>"), "\(sample.name)")
            #expect(html.hasSuffix("</html>\n"), "\(sample.name)")
            #expect(html.contains("<meta name=\"viewport\""), "\(sample.name)")
            // Nothing left unfilled in the body (the style sheet has braces of its own): no mustache
            // tag, no `{placeholder}`.
            let body = html.components(separatedBy: "<body>").last ?? ""
            #expect(!body.contains("{{") && !body.contains("}}"), "\(sample.name)")
            #expect(PanelStrings.placeholders(body).isEmpty, "\(sample.name): \(PanelStrings.placeholders(body))")
            // No JavaScript at all.
            #expect(!html.lowercased().contains("<script"), "\(sample.name)")
        }
    }

    @Test("every POST form carries the CSRF token", arguments: PanelLanguage.allCases)
    func csrfOnEveryForm(language: PanelLanguage) {
        for sample in PanelSamples.all("x") {
            let html = renderer.render(sample.page, chrome: sample.chrome, language: language)
            let posts = html.components(separatedBy: "<form method=\"post\"").count - 1
            let tokens =
                html.components(separatedBy: "<input type=\"hidden\" name=\"csrf\" value=\"csrf-token-123\">")
                .count - 1
            #expect(posts == tokens, "\(sample.name): \(posts) forms, \(tokens) tokens")
            #expect(!html.contains("method=\"POST\"") && !html.contains("method='post'"), "\(sample.name)")
        }
    }

    @Test("the layout shows the user, the account, sign-out and the language switch")
    func layout() {
        let html = renderer.render(
            .list(PanelListPage(entries: [], count: 0, page: 1)), chrome: PanelSamples.chrome("x"), language: .turkish)
        #expect(html.contains("<strong>ayşe x</strong> <span class=\"muted\">(yönetici)</span>"))
        #expect(html.contains("<strong>acme</strong> <a href=\"/panel/accounts\">Hesap değiştir</a>"))
        #expect(html.contains("<form method=\"post\" action=\"/panel/sign-out\">"))
        #expect(html.contains("href=\"/panel/list?page=2&amp;q=x&amp;lang=en\" hreflang=\"en\""))
        #expect(html.contains("<a href=\"/panel/list\" aria-current=\"page\">Liste</a>"))
        #expect(html.contains("<a href=\"/panel/users\">Panel kullanıcıları</a>"))
        #expect(html.contains("Türkiye saati"))
        #expect(!html.contains("http-equiv=\"refresh\""))
    }

    @Test("the navigation offers admins their pages and hides changes from those who may not make them")
    func navigation() {
        let reader = PanelViewer(
            name: "r", role: "viewer", isAdmin: false, mayChange: false, account: PanelSamples.account)
        let html = renderer.render(
            .change(PanelChangePage()), chrome: PanelChrome(viewer: reader, csrf: "c", currentTarget: "/panel"),
            language: .english)
        #expect(!html.contains("href=\"/panel/users\""))
        #expect(!html.contains("href=\"/panel/accounts\""))
        #expect(!html.contains("href=\"/panel/change\""))
        #expect(!html.contains("action=\"/panel/add\""))
        #expect(html.contains("Your role may not change the list."))
        let unchosen = PanelViewer(name: "a", role: "admin", isAdmin: true, mayChange: true, account: nil)
        let chooser = renderer.render(
            .accounts(PanelAccountChooserPage(accounts: [], current: nil)),
            chrome: PanelChrome(viewer: unchosen, csrf: "c", currentTarget: "/panel/accounts"), language: .english)
        #expect(chooser.contains("<em>none chosen</em>"))
        #expect(!chooser.contains("href=\"/panel/list\""))
        #expect(chooser.contains("<a href=\"/panel/accounts\" aria-current=\"page\">Accounts</a>"))
    }

    @Test("list pages link to the first, previous, next and last page, keeping the filter")
    func pagination() {
        func html(page: Int, count: Int, start: String = "", end: String = "") -> String {
            renderer.render(
                .list(
                    PanelListPage(entries: PanelSamples.entries("x"), count: count, page: page, start: start, end: end)),
                chrome: PanelSamples.chrome("x"), language: .english)
        }
        let first = html(page: 1, count: 250)
        #expect(first.contains("<li aria-current=\"page\">Page 1 of 3</li>"))
        #expect(first.contains("<span class=\"muted\">First</span>"))
        #expect(first.contains("<span class=\"muted\">Previous</span>"))
        #expect(first.contains("<a href=\"/panel/list?page=2\" rel=\"next\">Next</a>"))
        #expect(first.contains("<a href=\"/panel/list?page=3\">Last</a>"))
        #expect(first.contains("Numbers listed: 250."))

        let middle = html(page: 2, count: 250, start: "2026-01-01 00:00:00")
        #expect(middle.contains("<a href=\"/panel/list?start=2026-01-01%2000%3A00%3A00\">First</a>"))
        #expect(middle.contains("<a href=\"/panel/list?start=2026-01-01%2000%3A00%3A00\" rel=\"prev\">Previous</a>"))
        #expect(middle.contains("<a href=\"/panel/list?page=3&amp;start=2026-01-01%2000%3A00%3A00\" rel=\"next\">"))
        #expect(middle.contains("Numbers matching the filter: 250."))
        #expect(middle.contains("value=\"2026-01-01 00:00:00\""))

        let last = html(page: 3, count: 250)
        #expect(last.contains("<a href=\"/panel/list?page=2\" rel=\"prev\">Previous</a>"))
        #expect(last.contains("<span class=\"muted\">Next</span>"))
        #expect(last.contains("<span class=\"muted\">Last</span>"))

        // Past the end: the way back leads to the last page there is.
        let past = renderer.render(
            .list(PanelListPage(entries: [], count: 250, page: 9)), chrome: PanelSamples.chrome("x"), language: .english
        )
        #expect(past.contains("<a href=\"/panel/list?page=3\" rel=\"prev\">Previous</a>"))
        #expect(past.contains("This page is past the end of the list."))

        let empty = renderer.render(
            .list(PanelListPage(entries: [], count: 0, page: 1)), chrome: PanelSamples.chrome("x"), language: .turkish)
        #expect(empty.contains("<li aria-current=\"page\">Sayfa 1 / 1</li>"))
        #expect(empty.contains("Liste boş."))
        #expect(!empty.contains("rel=\"next\"") && !empty.contains("rel=\"prev\""))
        #expect(!empty.contains(">First</a>") && !empty.contains(">Last</a>"))
        #expect(PanelListPage(entries: [], count: 200, page: 1).pageCount == 2)
        #expect(PanelListPage(entries: [], count: 201, page: 1).pageCount == 3)
    }

    @Test("list rows show numbers, Turkey times, sources, reasons, ends and actors")
    func listRows() {
        let html = renderer.render(
            .list(PanelListPage(entries: PanelSamples.entries("x"), count: 3, page: 1)),
            chrome: PanelSamples.chrome("x"), language: .english)
        #expect(
            html.contains(
                "<tr><td class=\"nowrap\">+90 532 123 45 67</td><td class=\"nowrap\">2026-11-30 14:02:13</td>"
                    + "<td>panel</td><td>reason x</td><td class=\"nowrap\">forever</td><td>panel: user x</td></tr>"))
        #expect(
            html.contains(
                "<td>API</td><td>—</td><td class=\"nowrap\">forever</td><td>unknown</td></tr>"))
        #expect(html.contains("<td class=\"nowrap\">2027-01-01 00:00:00</td><td>API key</td>"))
    }

    @Test("the import job page reloads itself only while the import runs")
    func jobRefresh() {
        func html(_ state: PanelImportJobPage.State) -> String {
            renderer.render(
                .importJob(
                    PanelImportJobPage(
                        id: "j1", state: state, processed: 5, total: 10, added: 4, alreadyListed: 1, invalid: 0)),
                chrome: PanelSamples.chrome("x"), language: .english)
        }
        let running = html(.running)
        #expect(running.contains("<meta http-equiv=\"refresh\" content=\"1\">"))
        #expect(running.contains("<progress max=\"10\" value=\"5\""))
        #expect(running.contains("5 of 10 numbers processed"))
        #expect(running.contains("href=\"/panel/import/jobs/j1\""))
        #expect(!html(.done).contains("http-equiv=\"refresh\""))
        #expect(html(.done).contains("Done."))
        let failed = html(.failed(detail: "disk full"))
        #expect(!failed.contains("http-equiv=\"refresh\""))
        #expect(failed.contains("disk full"))
    }

    @Test("the shown-once pages warn as the command line does, in both languages")
    func shownOnce() {
        let page = PanelPage.newHash(
            PanelNewHashPage(account: PanelSamples.account, key: "k", secret: "s", hash: "h"))
        let english = renderer.render(page, chrome: PanelSamples.chrome("x"), language: .english)
        #expect(english.contains("Shown only now."))
        #expect(english.contains("Engel keeps a digest of the hash, never the hash itself"))
        #expect(english.contains("Clients send the key and the hash (or derive the hash from the secret)."))
        let turkish = renderer.render(page, chrome: PanelSamples.chrome("x"), language: .turkish)
        #expect(turkish.contains("Yalnızca şimdi gösteriliyor."))
        let webhook = renderer.render(
            .webhookCreated(PanelWebhookCreatedPage(id: 3, url: "https://a.example", secret: "whsec_abc")),
            chrome: PanelSamples.chrome("x"), language: .english)
        #expect(webhook.contains("<dd class=\"secret\">whsec_abc</dd>"))
        #expect(webhook.contains("Deliveries carry the changes made from now on."))
    }

    @Test("error pages answer their status")
    func errors() {
        #expect(PanelPage.error(PanelErrorPage(kind: .forbidden)).status == 403)
        #expect(PanelPage.error(PanelErrorPage(kind: .notFound)).status == 404)
        #expect(PanelPage.error(PanelErrorPage(kind: .failure)).status == 500)
        #expect(PanelPage.export(PanelExportPage(listCount: 0)).status == 200)
        let html = renderer.render(
            .error(PanelErrorPage(kind: .forbidden)), chrome: PanelSamples.chrome("x"), language: .english)
        #expect(html.contains("<h1>"))
    }

    @Test("previews of every page go to .build/panel-previews when ENGEL_PANEL_PREVIEWS=1")
    func previews() throws {
        guard ProcessInfo.processInfo.environment["ENGEL_PANEL_PREVIEWS"] == "1" else { return }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = root.appendingPathComponent(".build/panel-previews")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var index = "<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>Engel panel previews</title><ul>"
        for sample in PanelSamples.all("replied STOP") {
            for language in PanelLanguage.allCases {
                let name = "\(sample.name)-\(language.rawValue).html"
                let html = renderer.render(sample.page, chrome: sample.chrome, language: language)
                try html.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                index += "<li><a href=\"\(name)\">\(name)</a></li>"
            }
        }
        try (index + "</ul></html>\n").write(
            to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
    }
}
