import EngelCore
import Foundation
import Testing

/// The request and response examples of the three seed pages, replayed against the server. The
/// bodies are the pages' own, with `API_KEY`, `API_HASH` and `905XXXXXXXXX` filled in.
@Suite("Seed page examples")
struct SeedExampleTests {
    static let success = statusBody(200, "İşlem başarılı")

    func seed(_ template: String, _ harness: Harness, number: String = "905330000099") -> String {
        let credentials = harness.accounts["acme"]
        return
            template
            .replacingOccurrences(of: "API_KEY", with: credentials?.key ?? "")
            .replacingOccurrences(of: "API_HASH", with: credentials?.hash ?? "")
            .replacingOccurrences(of: "905XXXXXXXXX", with: number)
    }

    static let addOrDeleteExample = """
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
        """

    static let curlExample = """
        {
            "request": {
              "authentication": {
                "key": "API_KEY",
                "hash": "API_HASH"
              },
              "blacklist": { "number": "905XXXXXXXXX" }
            }
          }
        """

    static let listUnfiltered = """
        {
          "request": {
            "authentication": {
              "key": "API_KEY",
              "hash": "API_HASH"
            }
          }
        }
        """

    static let listFiltered = """
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
        """

    @Test("add-blacklist: success, idempotent re-add, 466 for a made-up prefix")
    func add() async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            let first = try await client.post("/v1/add-blacklist/json", seed(Self.addOrDeleteExample, harness))
            #expect(first.status == 200)
            #expect(first.body == Self.success)
            #expect(first.contentType == "application/json; charset=utf-8")
            let again = try await client.post("/v1/add-blacklist/json", seed(Self.curlExample, harness))
            #expect(again.body == Self.success)
            let madeUp = try await client.post(
                "/v1/add-blacklist/json", seed(Self.addOrDeleteExample, harness, number: "+905999000000"))
            #expect(madeUp.status == 466)
            #expect(madeUp.body == statusBody(466, "Hatalı numara"))
            let listed = try await client.post("/v1/get-blacklist/json", seed(Self.listUnfiltered, harness))
            #expect(
                listed.body
                    == #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":1,"number":["+905330000099"]}}}"#
            )
        }
    }

    @Test("get-blacklist: the empty list, and the filtered example in Turkey time")
    func list() async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            let empty = try await client.post("/v1/get-blacklist/json", seed(Self.listUnfiltered, harness))
            #expect(
                empty.body
                    == #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":0,"number":[]}}}"#
            )
            // 2026-03-31 23:59:59 and 2026-05-01 00:00:00 Turkey time fall outside; the rest inside.
            let times = ["2026-03-31 23:59:59", "2026-04-01 00:00:00", "2026-04-30 23:59:59", "2026-05-01 00:00:00"]
            for (index, time) in times.enumerated() {
                harness.clock.set(try #require(TurkeyTime.parse(time)))
                _ = try await client.add(harness, "90533000009\(index)")
            }
            let filtered = try await client.post("/v1/get-blacklist/json", seed(Self.listFiltered, harness))
            #expect(filtered.status == 200)
            #expect(filtered.count == 2)
            #expect(filtered.numbers == ["+905330000091", "+905330000092"])
        }
    }

    @Test("delete-blacklist: success, then 474 when not listed, 466 for a bad number")
    func delete() async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            _ = try await client.add(harness, "905330000099")
            let removed = try await client.post("/v1/delete-blacklist/json", seed(Self.addOrDeleteExample, harness))
            #expect(removed.status == 200)
            #expect(removed.body == Self.success)
            let again = try await client.post("/v1/delete-blacklist/json", seed(Self.curlExample, harness))
            #expect(again.status == 474)
            #expect(again.body == statusBody(474, "Bu numara üzerindeki engelleme kaldırılamaz"))
            let invalid = try await client.post(
                "/v1/delete-blacklist/json", seed(Self.addOrDeleteExample, harness, number: "905999000000"))
            #expect(invalid.status == 466)
        }
    }

    @Test("the number forms of the pages are one entry, returned with +90")
    func numberForms() async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            for form in ["905330000099", "+905330000099", "5330000099", "05330000099", "0090 533 000 00 99"] {
                #expect(try await client.add(harness, form).status == 200)
            }
            let listed = try await client.list(harness)
            #expect(listed.count == 1)
            #expect(listed.numbers == ["+905330000099"])
            #expect(try await client.delete(harness, "5330000099").status == 200)
        }
    }
}
