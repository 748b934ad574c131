import EngelCore
import EngelServer
import EngelTestSupport
import EngelWire
import Foundation
import Testing

/// get-blacklist-entries, get-blacklist-changes, and the `reason`, `until` and `detail` fields, as
/// DESIGN.md "Beyond the three methods" fixes them.
@Suite("Provenance, the change feed and expiry on the wire")
struct ProvenanceMethodTests {
    static let entries = "/v1/get-blacklist-entries/json"
    static let changes = "/v1/get-blacklist-changes/json"
    static let success = #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":"#
    static let badRequest = statusBody(400, "İstek çözümlenemedi")

    /// `date` as the wire writes times.
    func wire(_ date: Date) -> String { TurkeyTime.format(date) }

    @Test("adds and deletes carry reason and until; entries and changes give them back", arguments: Transport.allCases)
    func roundTrip(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        let now = harness.clock.now
        let until = wire(now.addingTimeInterval(86_400))
        try await harness.withClient { client in
            let added = try await client.post(
                "/v1/add-blacklist/json",
                harness.body(
                    blacklist: #"{"number":"5321234567","reason":"SMS ile \"DUR\" yazdı","until":"\#(until)"}"#))
            #expect(added.body == statusBody(200, "İşlem başarılı"))
            let bulk = try await client.post(
                "/v1/bulk-add-blacklist/json",
                harness.body(blacklist: #"{"numbers":["5321234568", 5321234569],"reason":"kampanya"}"#))
            #expect(bulk.status == 200)
            _ = try await client.add(harness, "5321234570")

            let page = try await client.post(Self.entries, harness.body(blacklist: #"{"page":1,"rowCount":2}"#))
            let addedAt = wire(now)
            #expect(
                page.body
                    == Self.success + #"{"count":4,"seq":4,"entries":["#
                    + #"{"number":"+905321234567","addedAt":"\#(addedAt)","source":"api","#
                    + #""reason":"SMS ile \"DUR\" yazdı","until":"\#(until)","actor":"api"},"#
                    + #"{"number":"+905321234568","addedAt":"\#(addedAt)","source":"bulk","reason":"kampanya","#
                    + #""until":null,"actor":"api"}]}}}"#)

            let removed = try await client.post(
                "/v1/delete-blacklist/json", harness.body(blacklist: #"{"number":"5321234570","reason":"yanlışlıkla"}"#)
            )
            #expect(removed.status == 200)
            let feed = try await client.post(Self.changes, harness.body(blacklist: #"{"after":"3","limit":5}"#))
            #expect(
                feed.body
                    == Self.success + #"{"changes":["#
                    + #"{"seq":4,"at":"\#(addedAt)","action":"add","number":"+905321234570","source":"api","#
                    + #""reason":null,"until":null,"actor":"api"},"#
                    + #"{"seq":5,"at":"\#(addedAt)","action":"remove","number":"+905321234570","source":"api","#
                    + #""reason":"yanlışlıkla","until":null,"actor":"api"}],"next":5,"oldest":1}}}"#)
            let caughtUp = try await client.post(Self.changes, harness.body(blacklist: #"{"after":5}"#))
            #expect(caughtUp.body == Self.success + #"{"changes":[],"next":5,"oldest":1}}}"#)
            // No blacklist part at all reads from the start, 100 at most.
            let fromStart = try await client.post(Self.changes, harness.body(blacklist: nil))
            #expect(fromStart.body.hasPrefix(Self.success + #"{"changes":[{"seq":1,"#))
        }
    }

    @Test("check-blacklist with detail gives the listed numbers' entries", arguments: Transport.allCases)
    func checkInDetail(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        let addedAt = wire(harness.clock.now)
        try await harness.withClient { client in
            _ = try await client.post(
                "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"5321234567","reason":"şikayet"}"#))
            let checked = try await client.post(
                "/v1/check-blacklist/json",
                harness.body(blacklist: #"{"numbers":["5321234599","05321234567","bad"],"detail":true}"#))
            #expect(
                checked.body
                    == Self.success + #"{"count":1,"number":["+905321234567"],"invalid":["bad"],"entries":["#
                    + #"{"number":"+905321234567","addedAt":"\#(addedAt)","source":"api","reason":"şikayet","#
                    + #""until":null,"actor":"api"}]}}}"#)
            let plain = try await client.post(
                "/v1/check-blacklist/json", harness.body(blacklist: #"{"numbers":["5321234567"],"detail":false}"#))
            #expect(plain.body == Self.success + #"{"count":1,"number":["+905321234567"],"invalid":[]}}}"#)
        }
    }

    static let malformed: [(path: String, blacklist: String)] = [
        ("/v1/add-blacklist/json", #"{"number":"5321234567","until":"yarın"}"#),
        ("/v1/add-blacklist/json", #"{"number":"5321234567","until":"2026-02-30 10:00:00"}"#),
        ("/v1/add-blacklist/json", #"{"number":"5321234567","until":"2020-01-01 00:00:00"}"#),
        ("/v1/add-blacklist/json", #"{"number":"5321234567","until":20300101}"#),
        ("/v1/add-blacklist/json", #"{"number":"5321234567","reason":12}"#),
        ("/v1/add-blacklist/json", #"{"number":"5321234567","reason":"\#(String(repeating: "ş", count: 257))"}"#),
        ("/v1/add-blacklist/json", #"{"number":"5321234567","reason":"a\u0000b"}"#),
        ("/v1/delete-blacklist/json", #"{"number":"5321234567","reason":["x"]}"#),
        ("/v1/bulk-add-blacklist/json", #"{"numbers":["5321234567"],"until":"2020-01-01 00:00:00"}"#),
        ("/v1/check-blacklist/json", #"{"numbers":["5321234567"],"detail":"yes"}"#),
        (Self.changes, #"{"after":-1}"#), (Self.changes, #"{"after":"x"}"#), (Self.changes, #"{"limit":0}"#),
        (Self.changes, #"{"limit":"-5"}"#), (Self.changes, #"{"after":1.5}"#), (Self.changes, #"[]"#),
        (Self.entries, #"{"page":0}"#), (Self.entries, #"{"rowCount":"x"}"#),
        (Self.entries, #"{"filter":{"start":"dün"}}"#),
    ]

    @Test("malformed provenance, paging and feed positions answer 400", arguments: Transport.allCases)
    func malformedFields(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            for (path, blacklist) in Self.malformed {
                let answer = try await client.post(path, harness.body(blacklist: blacklist))
                #expect(answer.status == 400, "\(path) \(blacklist)")
                #expect(answer.body == Self.badRequest, "\(path) \(blacklist)")
            }
            // None of them changed the list, and a reason of exactly 256 characters is accepted.
            #expect(try await client.list(harness).numbers == [])
            let longest = try await client.post(
                "/v1/add-blacklist/json",
                harness.body(blacklist: #"{"number":"5321234567","reason":"\#(String(repeating: "ş", count: 256))"}"#))
            #expect(longest.status == 200)
            // A limit above 1,000 is served as 1,000.
            let capped = try await client.post(Self.changes, harness.body(blacklist: #"{"limit":5000}"#))
            #expect(capped.status == 200)
        }
    }

    @Test("a block ends at its until: checks at once, pages and the feed within a sweep", arguments: Transport.allCases)
    func expiry(transport: Transport) async throws {
        let harness = try await Harness.make(transport).configured { $0.expiryInterval = .milliseconds(20) }
        let start = harness.clock.now
        let until = start.addingTimeInterval(60)
        try await harness.withServer { server in
            let client = HarnessClient(port: server.port)
            _ = try await client.post(
                "/v1/add-blacklist/json",
                harness.body(blacklist: #"{"number":"5321234567","until":"\#(wire(until))"}"#))
            // Re-adding with an earlier end does not shorten the block; a later one moves it.
            _ = try await client.post(
                "/v1/add-blacklist/json",
                harness.body(blacklist: #"{"number":"5321234567","until":"\#(wire(start.addingTimeInterval(30)))"}"#))
            let check = harness.body(blacklist: #"{"numbers":["5321234567"]}"#)
            #expect(try await client.post("/v1/check-blacklist/json", check).body.contains(#""count":1"#))

            harness.clock.advance(by: 60)
            // Exact at once, before any sweep could have run.
            #expect(try await client.post("/v1/check-blacklist/json", check).body.contains(#""count":0"#))
            var listed = try await client.list(harness).numbers ?? []
            let deadline = ContinuousClock.now + .seconds(5)
            while !listed.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                listed = try await client.list(harness).numbers ?? []
            }
            #expect(listed.isEmpty)
            let feed = try await client.post(Self.changes, harness.body(blacklist: #"{"after":1}"#))
            #expect(
                feed.body
                    == Self.success + #"{"changes":[{"seq":2,"at":"\#(wire(until))","action":"remove","#
                    + #""number":"+905321234567","source":"expiry","reason":null,"until":null,"actor":"system"}],"#
                    + #""next":2,"oldest":1}}}"#)
        }
    }
}
