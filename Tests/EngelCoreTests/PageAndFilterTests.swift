import EngelCore
import Foundation
import Testing

@Suite("Pages and date filters")
struct PageAndFilterTests {
    @Test("defaults are page 1 of 1000")
    func defaults() throws {
        let page = try PageRequest()
        #expect(page.page == 1)
        #expect(page.rowCount == 1000)
        #expect(page.offset == 0)
    }

    @Test("rowCount above 1000 is served as 1000")
    func cap() throws {
        #expect(try PageRequest(page: 3, rowCount: 5000).rowCount == 1000)
        #expect(try PageRequest(page: 3, rowCount: 100).offset == 200)
    }

    @Test("page or rowCount below 1 is 400", arguments: [(0, 10), (-1, 10), (1, 0), (1, -5)])
    func belowOne(page: Int, rowCount: Int) {
        #expect(throws: APIError.self) { try PageRequest(page: page, rowCount: rowCount) }
        #expect((try? PageRequest(page: page, rowCount: rowCount)) == nil)
    }

    @Test("an absurd page does not overflow")
    func hugePage() throws {
        #expect(try PageRequest(page: Int.max, rowCount: 1000).offset == Int.max)
    }

    @Test("Turkey time is UTC+3 without daylight saving")
    func turkeyTime() throws {
        let winter = try #require(TurkeyTime.parse("2026-01-15 03:00:00"))
        #expect(winter == Date(timeIntervalSince1970: 1_768_435_200))
        let summer = try #require(TurkeyTime.parse("2026-07-15 03:00:00"))
        #expect(summer == Date(timeIntervalSince1970: 1_784_073_600))
        #expect(TurkeyTime.format(summer) == "2026-07-15 03:00:00")
        #expect(TurkeyTime.parse("2024-02-29 23:59:59") != nil)
    }

    @Test(
        "malformed dates are rejected",
        arguments: [
            "2026-04-01", "2026-04-01T00:00:00", "2026-13-01 00:00:00", "2026-02-29 00:00:00",
            "2026-04-31 00:00:00", "2026-04-01 24:00:00", "2026-04-01 00:60:00", "2026-04-01 00:00:60",
            "26-04-01 00:00:00", "2026-4-1 0:0:0", "2026-04-01 00:00:00Z", "abcd-ef-gh ij:kl:mn",
            " 2026-04-01 00:00:00",
        ])
    func malformed(text: String) {
        #expect(TurkeyTime.parse(text) == nil)
        #expect(throws: APIError.self) { try DateFilter(startText: text, endText: nil) }
    }

    @Test("bounds are inclusive to the second, and empty or missing means unbounded")
    func bounds() throws {
        let filter = try DateFilter(startText: "2026-04-01 00:00:00", endText: "2026-04-30 23:59:59")
        let start = try #require(TurkeyTime.parse("2026-04-01 00:00:00"))
        let end = try #require(TurkeyTime.parse("2026-04-30 23:59:59"))
        #expect(filter.contains(start))
        #expect(!filter.contains(start.addingTimeInterval(-0.000_001)))
        #expect(filter.contains(end.addingTimeInterval(0.999)))
        #expect(!filter.contains(end.addingTimeInterval(1)))
        #expect(try DateFilter(startText: "", endText: nil).isUnbounded)
        #expect(try DateFilter(startText: nil, endText: "").isUnbounded)
    }

    @Test("microsecond timestamps round-trip through Date")
    func microseconds() {
        for micros: Int64 in [0, 1, 1_700_000_000_123_456, 1_784_070_000_999_999, 4_102_444_800_000_001] {
            #expect(Date(microsecondsSince1970: micros).microsecondsSince1970 == micros)
        }
    }
}
