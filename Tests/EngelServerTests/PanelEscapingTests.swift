import EngelCore
import Foundation
import Testing

@testable import EngelServer

@Suite("Panel pages escape every text they did not write")
struct PanelEscapingTests {
    /// Attacks, each with a form that must never appear in a page and one that shows it was
    /// written, escaped. The apostrophe and the ampersand sit between letters because the pages'
    /// own texts use them ("Webhook'lar").
    static let payloads: [(payload: String, escaped: String)] = [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("x'y", "x&#39;y"),
        ("x&y", "x&amp;y"),
        ("ab\u{202E}cd", "ab[U+202E]cd"),
        ("ab\u{200F}cd", "ab[U+200F]cd"),
        ("' onmouseover='alert(1)", "&#39; onmouseover=&#39;alert(1)"),
        ("{{csrf}}{user}", "{{csrf}}{user}"),
    ]

    let renderer: PanelRenderer

    init() throws {
        renderer = try PanelRenderer()
    }

    @Test("hostile text in every field of every page is escaped, in both languages", arguments: payloads.indices)
    func everyPage(payloadIndex: Int) {
        let (payload, escaped) = Self.payloads[payloadIndex]
        for sample in PanelSamples.all(payload) {
            for language in PanelLanguage.allCases {
                let html = renderer.render(sample.page, chrome: sample.chrome, language: language)
                let label = "\(sample.name) \(language.rawValue) \(payload.debugDescription)"
                if payload != escaped {
                    #expect(!html.contains(payload), "\(label)")
                }
                // Bidirectional controls never reach the page, in any form a browser would obey.
                #expect(!html.unicodeScalars.contains(where: { $0 == "\u{202E}" || $0 == "\u{200F}" }), "\(label)")
                #expect(!html.contains("&#x202E;") && !html.contains("&#8238;"), "\(label)")
                if sample.showsText {
                    #expect(html.contains(escaped), "\(label)")
                }
            }
        }
    }

    @Test("a flash message escapes what it quotes", arguments: payloads.indices)
    func flashes(payloadIndex: Int) {
        let (payload, escaped) = Self.payloads[payloadIndex]
        let chrome = PanelSamples.chrome("x", flashes: PanelSamples.flashes(payload))
        let html = renderer.render(.change(PanelChangePage()), chrome: chrome, language: .english)
        if payload != escaped { #expect(!html.contains(payload)) }
        #expect(html.contains("Invalid number: “\(escaped)” is not a Turkish mobile number."))
        #expect(html.contains("<p class=\"flash error\" role=\"alert\">The user was not added: \(escaped)</p>"))
    }

    @Test("the escaping covers the characters that end an attribute or start a tag")
    func escapingRules() {
        #expect(PanelEscaping.html("<>&\"'") == "&lt;&gt;&amp;&quot;&#39;")
        #expect(PanelEscaping.html("a\u{202A}\u{2066}\u{200E}\u{061C}b") == "a[U+202A][U+2066][U+200E][U+061C]b")
        #expect(PanelEscaping.html("a\u{0}\u{1B}\u{7F}\u{85}b") == "a[U+0000][U+001B][U+007F][U+0085]b")
        #expect(PanelEscaping.html("line\nnext\ttab") == "line\nnext\ttab")
        #expect(PanelEscaping.html("Ayşe Öztürk 🙂 إ") == "Ayşe Öztürk 🙂 إ")
    }

    @Test("every template asks for the panel's escaping and none writes a value unescaped")
    func templates() {
        for (name, text) in PanelTemplates.all {
            #expect(text.hasPrefix(PanelHTMLContentType.pragma), "\(name)")
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name)")
            #expect(!text.contains("{{%") || text.components(separatedBy: "{{%").count == 2, "\(name)")
            // Attribute values are always quoted: `=` is followed by `"` wherever a tag's attribute
            // takes a mustache value.
            #expect(!text.contains("={{"), "\(name)")
        }
    }

    @Test("the language switch never leads off the site")
    func languageLinks() {
        #expect(PanelQuery.languageLink("/panel/list?page=2&lang=en", .turkish) == "/panel/list?page=2&lang=tr")
        #expect(PanelQuery.languageLink("/panel/list", .english) == "/panel/list?lang=en")
        #expect(PanelQuery.languageLink("//evil.example/x", .turkish) == "/panel?lang=tr")
        #expect(PanelQuery.languageLink("javascript:alert(1)", .turkish) == "/panel?lang=tr")
        #expect(PanelQuery.languageLink("https://evil.example", .english) == "/panel?lang=en")
        #expect(PanelQuery.languageLink("/\\evil.example", .english) == "/panel?lang=en")
        #expect(PanelQuery.languageLink("/panel#x?lang=en", .turkish) == "/panel?lang=tr")
        #expect(
            PanelQuery.languageLink("/panel/list?q=a b\"ş<&lang=en", .turkish)
                == "/panel/list?q=a%20b%22%C5%9F%3C&lang=tr")
        #expect(
            PanelQuery.languageLink("/panel/list?start=2026-01-01%2000", .english)
                == "/panel/list?start=2026-01-01%2000&lang=en")
        #expect(PanelQuery.percentEncoded("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9")
    }
}
