import EngelCore
import Foundation
import Testing

@testable import EngelServer

@Suite("The panel's language, texts and formats")
struct PanelLanguageTests {
    @Test(
        "Accept-Language picks Turkish when the browser prefers it, English otherwise",
        arguments: [
            (nil, PanelLanguage.english),
            ("", .english),
            ("tr", .turkish),
            ("TR", .turkish),
            ("tr-TR", .turkish),
            ("tr_TR", .turkish),
            ("tr-TR,tr;q=0.9,en-US;q=0.8,en;q=0.7", .turkish),
            ("en-US,en;q=0.9,tr;q=0.8", .english),
            ("de-DE,de;q=0.9,tr;q=0.5", .turkish),
            ("de-DE,fr;q=0.5", .english),
            ("en;q=0.5, tr;q=0.6", .turkish),
            ("tr;q=0.5, en;q=0.5", .turkish),
            ("en;q=0.5, tr;q=0.5", .english),
            ("tr;q=0, en", .english),
            ("tr;q=0", .english),
            ("tr-TR, tr;q=0", .turkish),
            ("*", .english),
            ("*;q=0.5, tr;q=0.2", .english),
            ("en;q=0, *", .turkish),
            ("tr;q=abc, en;q=0.1", .english),
            ("tr;q=1.5", .english),
            (" tr ; q=0.8 , en ; q=0.3 ", .turkish),
            (",,;q=1,tr", .turkish),
        ] as [(String?, PanelLanguage)])
    func negotiation(header: String?, expected: PanelLanguage) {
        #expect(PanelLanguage.negotiate(acceptLanguage: header, override: nil) == expected)
    }

    @Test("an explicit choice wins over the browser; an unknown one is ignored")
    func override() {
        #expect(PanelLanguage.negotiate(acceptLanguage: "tr-TR", override: "en") == .english)
        #expect(PanelLanguage.negotiate(acceptLanguage: "en", override: "tr") == .turkish)
        #expect(PanelLanguage.negotiate(acceptLanguage: "en", override: "tr-TR") == .turkish)
        #expect(PanelLanguage.negotiate(acceptLanguage: "tr", override: "fr") == .turkish)
        #expect(PanelLanguage.negotiate(acceptLanguage: nil, override: "") == .english)
    }

    @Test("every text exists in both languages, with the same placeholders")
    func texts() {
        for key in PanelStringKey.allCases {
            let (turkish, english) = key.texts
            #expect(!turkish.isEmpty && !english.isEmpty, "\(key)")
            #expect(PanelStrings.placeholders(turkish) == PanelStrings.placeholders(english), "\(key)")
            #expect(PanelStrings.table(.turkish)[key.rawValue] == turkish)
            #expect(PanelStrings.table(.english)[key.rawValue] == english)
        }
        #expect(PanelStrings.table(.turkish).count == PanelStringKey.allCases.count)
        #expect(PanelStrings.table(.english).count == PanelStringKey.allCases.count)
    }

    @Test("every text a template asks for exists")
    func templateKeys() throws {
        let pattern = try Regex(#"\{\{t\.([A-Za-z]+)\}\}"#)
        for (name, text) in PanelTemplates.all {
            for match in text.matches(of: pattern) {
                let key = String(text[match.range].dropFirst(4).dropLast(2))
                #expect(PanelStringKey(rawValue: key) != nil, "\(name) asks for t.\(key)")
            }
        }
    }

    @Test("placeholders are filled once: a value's own braces stay as they are")
    func fill() {
        #expect(PanelStrings.fill("Page {page} of {pages}", ["page": "2", "pages": "3"]) == "Page 2 of 3")
        #expect(PanelStrings.fill("{user} was added.", ["user": "{user}{page}"]) == "{user}{page} was added.")
        #expect(PanelStrings.fill("{a} {unknown} {", ["a": "1"]) == "1 {unknown} {")
    }

    @Test("numbers read +90 5XX XXX XX XX; counts group thousands per language; sizes in MiB")
    func formats() {
        #expect(PanelFormat.phone(PanelSamples.number) == "+90 532 123 45 67")
        let turkish = PanelFormat(language: .turkish)
        let english = PanelFormat(language: .english)
        #expect(turkish.count(0) == "0")
        #expect(turkish.count(999) == "999")
        #expect(turkish.count(1_000) == "1.000")
        #expect(turkish.count(1_234_567) == "1.234.567")
        #expect(english.count(1_234_567) == "1,234,567")
        #expect(english.count(-12_345) == "-12,345")
        #expect(english.bytes(512) == "512 bytes")
        #expect(english.bytes(10_485_760) == "10 MiB (10,485,760 bytes)")
        #expect(turkish.bytes(1_572_864) == "1,5 MiB (1.572.864 bayt)")
        #expect(english.time(PanelSamples.addedAt) == "2026-11-30 14:02:13")
        #expect(english.until(nil) == "forever")
        #expect(turkish.until(nil) == "süresiz")
        #expect(english.actor(.panel(user: "ayşe")) == "panel: ayşe")
        #expect(turkish.role("admin") == "yönetici")
        #expect(turkish.role("auditor") == "auditor")
    }
}

@Suite("The panel's CSV exports")
struct PanelCSVExportTests {
    @Test("the list: byte order mark, a header naming Turkey time, CR LF records, canonical numbers")
    func entries() {
        let csv = PanelCSVExport.entries(PanelSamples.entries("x"))
        let lines = csv.components(separatedBy: "\r\n")
        #expect(csv.hasPrefix("\u{FEFF}number,addedAt (Turkey time),source,reason,until (Turkey time),actor\r\n"))
        #expect(lines[1] == "+905321234567,2026-11-30 14:02:13,panel,reason x,,panel:user x")
        #expect(lines[2] == "+905321234568,2026-11-30 14:02:14,api,,,")
        #expect(lines[3] == "+905321234569,2026-11-30 14:02:15,api,reason x,2027-01-01 00:00:00,api")
        #expect(lines[4] == "")
        #expect(lines.count == 5)
        // Every line break is CR LF (Swift reads CR LF as one character, so count bytes).
        #expect(csv.utf8.filter { $0 == UInt8(ascii: "\n") }.count == lines.count - 1)
        #expect(csv.utf8.filter { $0 == UInt8(ascii: "\r") }.count == lines.count - 1)
    }

    @Test("the change log: seq, at, action, number, source, reason, until, actor")
    func changes() {
        let csv = PanelCSVExport.changes(PanelSamples.changes("x"))
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "\u{FEFF}seq,at (Turkey time),action,number,source,reason,until (Turkey time),actor")
        #expect(lines[1] == "41,2026-11-30 14:02:13,add,+905321234567,panel,why x,2027-01-01 00:00:00,panel:user x")
        #expect(lines[2] == "42,2026-11-30 14:03:13,remove,+905441234567,expiry,,,system")
    }

    @Test(
        "text fields are quoted as RFC 4180 says and formulas are disarmed; numbers stay as they are",
        arguments: [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"stop\"", "\"say \"\"stop\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\r\nlf", "\"cr\r\nlf\""),
            ("semi;colon", "\"semi;colon\""),
            (" padded ", "\" padded \""),
            ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
            ("=1+1", "'=1+1"),
            ("+90 532", "'+90 532"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "\"'\tx\""),
            ("a=b", "a=b"),
            ("Ayşe’nin isteği", "Ayşe’nin isteği"),
        ])
    func fields(reason: String, expected: String) {
        let entry = ListEntry(
            number: PanelSamples.number, addedAt: PanelSamples.addedAt, source: .panel, reason: reason, until: nil,
            actor: .panel(user: reason))
        #expect(
            PanelCSVExport.entryRecord(entry)
                == "+905321234567,2026-11-30 14:02:13,panel,\(expected),,\(actorField(reason))\r\n")
    }

    /// The actor field for a panel user named `name`: `panel:` comes first, so no formula starts it.
    private func actorField(_ name: String) -> String {
        PanelCSVExport.field("panel:" + name)
    }
}
