import EngelCore
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import HummingbirdTesting
import Testing

@Suite("get-blacklist paging and filters")
struct ListingTests {
    /// Adds `count` numbers, one second apart, returning them in list order.
    func seed(
        _ count: Int, _ harness: Harness, client: HarnessClient, in dialect: WireDialect = .json
    ) async throws -> [String] {
        var numbers: [String] = []
        for index in 0..<count {
            let number = "90532\(String(format: "%07d", index))"
            let answer = try await client.add(harness, number, in: dialect)
            #expect(answer.status == 200)
            numbers.append("+" + number)
            harness.clock.advance(by: 1)
        }
        return numbers
    }

    @Test(
        "page and rowCount as strings or integers; count is the whole list; order is stable",
        arguments: Transport.allCases, WireDialect.allCases)
    func paging(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let numbers = try await seed(7, harness, client: client, in: dialect)
            var collected: [String] = []
            // Strings as the docs show, integers as the Python and Go SDKs send, and a mix.
            for (page, rowCount): (WireValue, WireValue) in [("1", "3"), (2, 3), ("3", 3)] {
                let answer = try await client.list(harness, ["page": page, "rowCount": rowCount], in: dialect)
                #expect(answer.status == 200)
                #expect(answer.count == 7)
                collected += answer.numbers ?? []
            }
            #expect(collected == numbers)
            let past = try await client.list(harness, ["page": "4", "rowCount": "3"], in: dialect)
            #expect(past.status == 200)
            #expect(past.numbers == [])
            #expect(past.count == 7)
        }
    }

    @Test("defaults: page 1, rowCount 1000; rowCount above 1000 is served as 1000", arguments: Transport.allCases)
    func defaultsAndCap(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        let account = try #require(try await harness.store.account(named: AccountName("acme")))
        let parser = PhoneNumberParser()
        for index in 0..<1005 {
            _ = try await harness.store.add(
                try parser.parse("53\(String(format: "%08d", index))"), for: account.id,
                at: Date(timeIntervalSince1970: 1_775_000_000 + Double(index)))
        }
        try await harness.withClient { client in
            let plain = try await client.list(harness)
            #expect(plain.numbers?.count == 1000)
            #expect(plain.count == 1005)
            #expect(plain.numbers?.first == "+905300000000")
            let capped = try await client.list(harness, #"{"page":"2","rowCount":"5000"}"#)
            #expect(capped.numbers == (1000..<1005).map { "+9053\(String(format: "%08d", $0))" })
            let nullPaging = try await client.list(harness, #"{"page":null,"rowCount":null,"filter":null}"#)
            #expect(nullPaging.numbers?.count == 1000)
        }
    }

    static let unboundedFilterShapes: [WireValue] = [
        ["filter": nil], ["filter": [:]], ["filter": ["start": nil, "end": nil]], ["filter": ["start": "", "end": ""]],
        [:], nil,
    ]

    @Test(
        "filter shapes the SDKs send all mean no bound",
        arguments: Transport.allCases, pairs(unboundedFilterShapes.indices, WireDialect.allCases))
    func unboundedFilters(transport: Transport, shape: (index: Int, dialect: WireDialect)) async throws {
        let (index, dialect) = shape
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            _ = try await seed(3, harness, client: client, in: dialect)
            let answer = try await client.list(harness, Self.unboundedFilterShapes[index], in: dialect)
            #expect(answer.status == 200)
            #expect(answer.count == 3)
        }
    }

    @Test(
        "either bound alone, inclusive, in Turkey time; count follows the filter",
        arguments: Transport.allCases, WireDialect.allCases)
    func singleBounds(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        harness.clock.set(try #require(TurkeyTime.parse("2026-04-01 10:00:00")))
        try await harness.withClient { client in
            let numbers = try await seed(5, harness, client: client, in: dialect)  // 10:00:00 … 10:00:04
            let start = try await client.list(harness, ["filter": ["start": "2026-04-01 10:00:03"]], in: dialect)
            #expect(start.numbers == Array(numbers[3...]))
            #expect(start.count == 2)
            let end = try await client.list(
                harness, ["filter": ["start": nil, "end": "2026-04-01 10:00:01"], "rowCount": 1], in: dialect)
            #expect(end.numbers == [numbers[0]])
            #expect(end.count == 2)
            // 07:00 UTC is 10:00 in Turkey: a UTC reading of the bound would find nothing.
            let utcReading = try await client.list(harness, ["filter": ["end": "2026-04-01 07:00:04"]], in: dialect)
            #expect(utcReading.count == 0)
        }
    }

    static let contentTypes: [String?] = [
        nil, "application/json", "application/json; charset=utf-8", "text/plain",
        "application/x-www-form-urlencoded", "text/xml", "application/xml; charset=utf-8",
    ]

    @Test(
        "unknown fields are ignored, and any content type is read as the route's dialect",
        arguments: Transport.allCases, pairs(contentTypes, WireDialect.allCases))
    func leniency(transport: Transport, request: (contentType: String?, dialect: WireDialect)) async throws {
        let (contentType, dialect) = request
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let body: WireValue = [
                "request": [
                    "authentication": harness.authenticationValue(),
                    "blacklist": ["number": "905321234567", "extra": [1]], "page": 5, "version": "2",
                ],
                "other": true,
            ]
            let rendered =
                dialect == .xml ? body.xml.replacingOccurrences(of: "<other>true</other>", with: "") : body.json
            let answer = try await client.post(Endpoint.add.path(dialect), rendered, contentType: contentType)
            #expect(answer.status == 200)
            #expect(try await client.list(harness, nil, in: dialect).count == 1)
        }
    }
}
