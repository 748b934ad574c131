import Foundation
import Testing

@testable import EngelServer

@Suite("The Date header")
struct HTTPDateTests {
    @Test(
        "IMF-fixdate as Foundation writes it, across leap days, centuries and the epoch",
        arguments: [0, 951_782_400, 1_709_164_800, 1_709_251_199, 1_796_001_498, 4_107_542_399, -86_401])
    func matchesFoundation(secondsSince1970: Int) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(secondsSince1970)))
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
