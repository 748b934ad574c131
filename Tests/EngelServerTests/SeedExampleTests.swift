import EngelCore
import EngelTestSupport
import EngelWire
import Foundation
import Testing

/// The request and response examples of the three seed pages, replayed against the server in both
/// dialects. The JSON bodies are the pages' own; the XML ones the same requests in the shape of the
/// XML pages. `API_KEY`, `API_HASH` and `905XXXXXXXXX` are filled in.
@Suite("Seed page examples")
struct SeedExampleTests {
    struct Example: Sendable {
        let json: String
        let xml: String

        func body(in dialect: WireDialect) -> String {
            switch dialect {
            case .json: json
            case .xml: xml
            }
        }
    }

    func seed(
        _ example: Example, _ harness: Harness, in dialect: WireDialect, number: String = "905330000099"
    ) -> String {
        let credentials = harness.accounts["acme"]
        return
            example.body(in: dialect)
            .replacingOccurrences(of: "API_KEY", with: credentials?.key ?? "")
            .replacingOccurrences(of: "API_HASH", with: credentials?.hash ?? "")
            .replacingOccurrences(of: "905XXXXXXXXX", with: number)
    }

    static let addOrDeleteExample = Example(
        json: """
            {
              "request": {
                "authentication": {
                  "key": "API_KEY",
                  "hash": "API_HASH"
                },
                "blacklist": {
                  "number": "905XXXXXXXXX"
                }
              }
            }
            """,
        xml: """
            <?xml version="1.0" encoding="UTF-8"?>
            <request>
              <authentication>
                <key>API_KEY</key>
                <hash>API_HASH</hash>
              </authentication>
              <blacklist>
                <number>905XXXXXXXXX</number>
              </blacklist>
            </request>
            """)

    static let curlExample = Example(
        json: """
            {
                "request": {
                  "authentication": {
                    "key": "API_KEY",
                    "hash": "API_HASH"
                  },
                  "blacklist": { "number": "905XXXXXXXXX" }
                }
              }
            """,
        xml: """
            <request><authentication><key>API_KEY</key><hash>API_HASH</hash></authentication><blacklist><number>905XXXXXXXXX</number></blacklist></request>
            """)

    static let listUnfiltered = Example(
        json: """
            {
              "request": {
                "authentication": {
                  "key": "API_KEY",
                  "hash": "API_HASH"
                }
              }
            }
            """,
        xml: """
            <request>
              <authentication>
                <key>API_KEY</key>
                <hash>API_HASH</hash>
              </authentication>
            </request>
            """)

    static let listFiltered = Example(
        json: """
            {
              "request": {
                "authentication": {
                  "key": "API_KEY",
                  "hash": "API_HASH"
                },
                "blacklist": {
                  "filter": {
                    "start": "2026-04-01 00:00:00",
                    "end": "2026-04-30 23:59:59"
                  },
                  "page": "1",
                  "rowCount": "100"
                }
              }
            }
            """,
        xml: """
            <request>
              <authentication>
                <key>API_KEY</key>
                <hash>API_HASH</hash>
              </authentication>
              <blacklist>
                <filter>
                  <start>2026-04-01 00:00:00</start>
                  <end>2026-04-30 23:59:59</end>
                </filter>
                <page>1</page>
                <rowCount>100</rowCount>
              </blacklist>
            </request>
            """)

    @Test(
        "add-blacklist: success, idempotent re-add, 466 for a made-up prefix",
        arguments: Transport.allCases, WireDialect.allCases)
    func add(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            func post(_ endpoint: Endpoint, _ example: Example, number: String = "905330000099") async throws -> Answer
            {
                try await client.post(
                    endpoint.path(dialect), seed(example, harness, in: dialect, number: number),
                    contentType: dialect.requestContentType)
            }
            let first = try await post(.add, Self.addOrDeleteExample)
            #expect(first.status == 200)
            #expect(first.body == statusBody(200, "İşlem başarılı", in: dialect))
            #expect(first.contentType == dialect.responseContentType)
            let again = try await post(.add, Self.curlExample)
            #expect(again.body == statusBody(200, "İşlem başarılı", in: dialect))
            let madeUp = try await post(.add, Self.addOrDeleteExample, number: "+905999000000")
            #expect(madeUp.status == 466)
            #expect(madeUp.body == statusBody(466, "Hatalı numara", in: dialect))
            let listed = try await post(.list, Self.listUnfiltered)
            #expect(listed.body == listBody(count: 1, numbers: ["+905330000099"], in: dialect))
        }
    }

    @Test(
        "get-blacklist: the empty list, and the filtered example in Turkey time",
        arguments: Transport.allCases, WireDialect.allCases)
    func list(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            func post(_ example: Example) async throws -> Answer {
                try await client.post(
                    Endpoint.list.path(dialect), seed(example, harness, in: dialect),
                    contentType: dialect.requestContentType)
            }
            let empty = try await post(Self.listUnfiltered)
            #expect(empty.body == listBody(count: 0, numbers: [], in: dialect))
            // 2026-03-31 23:59:59 and 2026-05-01 00:00:00 Turkey time fall outside; the rest inside.
            let times = ["2026-03-31 23:59:59", "2026-04-01 00:00:00", "2026-04-30 23:59:59", "2026-05-01 00:00:00"]
            for (index, time) in times.enumerated() {
                harness.clock.set(try #require(TurkeyTime.parse(time)))
                _ = try await client.add(harness, "90533000009\(index)", in: dialect)
            }
            let filtered = try await post(Self.listFiltered)
            #expect(filtered.status == 200)
            #expect(filtered.count == 2)
            #expect(filtered.numbers == ["+905330000091", "+905330000092"])
            #expect(filtered.body == listBody(count: 2, numbers: ["+905330000091", "+905330000092"], in: dialect))
        }
    }

    @Test(
        "delete-blacklist: success, then 474 when not listed, 466 for a bad number",
        arguments: Transport.allCases, WireDialect.allCases)
    func delete(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            func post(_ example: Example, number: String = "905330000099") async throws -> Answer {
                try await client.post(
                    Endpoint.delete.path(dialect), seed(example, harness, in: dialect, number: number),
                    contentType: dialect.requestContentType)
            }
            _ = try await client.add(harness, "905330000099", in: dialect)
            let removed = try await post(Self.addOrDeleteExample)
            #expect(removed.status == 200)
            #expect(removed.body == statusBody(200, "İşlem başarılı", in: dialect))
            let again = try await post(Self.curlExample)
            #expect(again.status == 474)
            #expect(again.body == statusBody(474, "Bu numara üzerindeki engelleme kaldırılamaz", in: dialect))
            let invalid = try await post(Self.addOrDeleteExample, number: "905999000000")
            #expect(invalid.status == 466)
        }
    }

    @Test(
        "the number forms of the pages are one entry, returned with +90",
        arguments: Transport.allCases, WireDialect.allCases)
    func numberForms(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            for form in ["905330000099", "+905330000099", "5330000099", "05330000099", "0090 533 000 00 99"] {
                #expect(try await client.add(harness, form, in: dialect).status == 200)
            }
            let listed = try await client.list(harness, nil, in: dialect)
            #expect(listed.count == 1)
            #expect(listed.numbers == ["+905330000099"])
            #expect(try await client.delete(harness, "5330000099", in: dialect).status == 200)
        }
    }
}
