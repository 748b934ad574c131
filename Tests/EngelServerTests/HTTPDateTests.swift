import Foundation
import Testing

@testable import EngelServer

@Suite("The Date header")
struct HTTPDateTests {
    @Test(
        "IMF-fixdate, across leap days, centuries and the epoch",
        arguments: [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"), (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_709_251_199, "Thu, 29 Feb 2024 23:59:59 GMT"), (1_796_001_498, "Mon, 30 Nov 2026 01:18:18 GMT"),
            (4_107_542_399, "Sun, 28 Feb 2100 23:59:59 GMT"),
        ])
    func format(secondsSince1970: Int, expected: String) {
        #expect(HTTPDate.format(secondsSince1970) == expected)
    }

    @Test("now is the current second")
    func now() {
        let before = Int(Date().timeIntervalSince1970)
        let text = HTTPDate.now()
        let after = Int(Date().timeIntervalSince1970)
        #expect(text == HTTPDate.format(before) || text == HTTPDate.format(after))
    }
}
