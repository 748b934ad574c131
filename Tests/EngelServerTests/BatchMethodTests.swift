import EngelCore
import EngelServer
import EngelTestSupport
import EngelWire
import Foundation
import Testing

/// check-blacklist, bulk-add-blacklist and bulk-delete-blacklist as DESIGN.md "Beyond the three
/// methods" fixes them, byte for byte.
@Suite("Batch methods: check, bulk add, bulk delete")
struct BatchMethodTests {
    static let check = "/v1/check-blacklist/json"
    static let bulkAdd = "/v1/bulk-add-blacklist/json"
    static let bulkDelete = "/v1/bulk-delete-blacklist/json"
    static let success = #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":"#
    static let badRequest = statusBody(400, "İstek çözümlenemedi")

    /// The request body for `numbers`, written as JSON text.
    func numbers(_ harness: Harness, _ numbers: String, as account: String = "acme") -> String {
        harness.body(account, blacklist: #"{"numbers":\#(numbers)}"#)
    }

    @Test(
        "each number counts once in any form; answers give first forms and every invalid input in order",
        arguments: Transport.allCases)
    func shapes(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let added = try await client.post(
                Self.bulkAdd,
                numbers(
                    harness, #"["5321234567", 905321234568, "+90 532 123 45 67", "bad", 12, "bad", "0532 123 45 69"]"#))
            #expect(added.status == 200)
            #expect(added.body == Self.success + #"{"added":3,"alreadyListed":[],"invalid":["bad",12,"bad"]}}}"#)
            let again = try await client.post(
                Self.bulkAdd, numbers(harness, #"["05321234568", "5321234567", 5321234570, "x\"y\n", 905321234567]"#))
            #expect(
                again.body
                    == Self.success
                    + #"{"added":1,"alreadyListed":["05321234568","5321234567"],"invalid":["x\"y\n"]}}}"#)
            let checked = try await client.post(
                Self.check, numbers(harness, #"["5321234599", 5321234569, "bad", "+905321234567", 5321234569]"#))
            #expect(
                checked.body
                    == Self.success + #"{"count":2,"number":["+905321234569","+905321234567"],"invalid":["bad"]}}}"#)
            let removed = try await client.post(
                Self.bulkDelete, numbers(harness, #"["5321234567", "5321234599", "905321234567", "1"]"#))
            #expect(removed.body == Self.success + #"{"removed":1,"notListed":["5321234599"],"invalid":["1"]}}}"#)
            // The batch kept its order in the list; the removed number is gone.
            let list = try await client.list(harness)
            #expect(list.numbers == ["+905321234568", "+905321234569", "+905321234570"])
            let none = try await client.post(Self.check, numbers(harness, #"["5321234567"]"#))
            #expect(none.body == Self.success + #"{"count":0,"number":[],"invalid":[]}}}"#)
        }
    }

    static let malformedBatches: [String] = [
        #"{"numbers":[]}"#, #"{"numbers":"5321234567"}"#, #"{"numbers":5321234567}"#, #"{"numbers":{}}"#,
        #"{"numbers":null}"#, #"{}"#, #"[]"#, #""x""#, #"{"numbers":["5321234567",null]}"#,
        #"{"numbers":["5321234567",true]}"#, #"{"numbers":[["5321234567"]]}"#, #"{"numbers":[{"n":"5321234567"}]}"#,
        #"{"numbers":[905321234567.0]}"#, #"{"numbers":[-5321234567]}"#, #"{"numbers":[5.321234567e9]}"#,
        #"{"numbers":[-0]}"#,
    ]

    @Test(
        "a malformed batch is 400 and changes nothing",
        arguments: Transport.allCases, pairs(malformedBatches, [check, bulkAdd, bulkDelete]))
    func malformed(transport: Transport, batch: (blacklist: String, path: String)) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            #expect(try await client.add(harness, "5321234567").status == 200)
            let answer = try await client.post(batch.path, harness.body(blacklist: batch.blacklist))
            #expect(answer.status == 400)
            #expect(answer.body == Self.badRequest)
            // Credentials are still checked first.
            let stranger = try await client.post(
                batch.path,
                #"{"request":{"authentication":{"key":"nobody","hash":"x"},"blacklist":\#(batch.blacklist)}}"#)
            #expect(stranger.status == 401)
            #expect(try await client.list(harness).numbers == ["+905321234567"])
        }
    }

    @Test("50,000 numbers are one batch; 50,001 are 400", arguments: [bulkAdd, check])
    func batchSize(path: String) async throws {
        let harness = try await Harness.make(.live)
        try await harness.withClient { client in
            // 5300000000 + i: the digits without String(format:), which is slow in a debug build.
            let numbers = (0..<50_001).map { "\"\(5_300_000_000 + $0)\"" }
            let over = try await client.post(path, self.numbers(harness, "[" + numbers.joined(separator: ",") + "]"))
            #expect(over.status == 400)
            let full = try await client.post(
                path, self.numbers(harness, "[" + numbers.dropLast().joined(separator: ",") + "]"))
            #expect(full.status == 200)
            let listed = try await client.list(harness)
            #expect(listed.count == (path == Self.bulkAdd ? 50_000 : 0))
        }
    }

    @Test("Engel's own methods are JSON only: their XML paths are unknown methods", arguments: Transport.allCases)
    func jsonOnly(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            for path in ["/v1/check-blacklist", "/v1/bulk-add-blacklist", "/v1/bulk-delete-blacklist"] {
                let answer = try await client.post(path, "<request/>", contentType: "text/xml")
                #expect(answer.status == 404)
            }
        }
    }

    @Test(
        "a number may be a JSON integer literal; a sign, fraction or exponent is 400, wrong digits 466",
        arguments: Transport.allCases)
    func integerNumbers(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let cases: [(String, Int)] = [
                ("905321234567", 200), ("5321234568", 200), ("905321234567.0", 400), ("-5321234567", 400),
                ("9.05321234567e11", 400), ("1234", 466), ("123456789012345678901234567890", 466), ("0", 466),
            ]
            for (literal, status) in cases {
                let answer = try await client.post(
                    "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":\#(literal)}"#))
                #expect(answer.status == status, "\(literal)")
            }
            let removed = try await client.post(
                "/v1/delete-blacklist/json", harness.body(blacklist: #"{"number":5321234568}"#))
            #expect(removed.status == 200)
            #expect(try await client.list(harness).numbers == ["+905321234567"])
        }
    }

    @Test("the batch methods have their own body limit; iletiMerkezi's keep theirs", arguments: Transport.allCases)
    func bodyLimits(transport: Transport) async throws {
        let harness = try await Harness.make(transport, maximumBodyBytes: 1024).configured {
            $0.maximumBulkBodyBytes = 8192
        }
        try await harness.withClient { client async throws in
            let padding = String(repeating: " ", count: 4096)
            let batch = numbers(harness, #"["5321234567"]"#) + padding
            #expect(try await client.post(Self.bulkAdd, batch).status == 200)
            let single = harness.body(blacklist: #"{"number":"5321234568"}"#) + padding
            #expect(try await client.post("/v1/add-blacklist/json", single).status == 400)
            let over = numbers(harness, #"["5321234569"]"#) + padding + padding
            #expect(try await client.post(Self.bulkAdd, over).status == 400)
            #expect(try await client.list(harness).numbers == ["+905321234567"])
        }
    }

    @Test("a declared batch body over the batch limit is refused before any of it is sent")
    func declaredOverBatchLimit() async throws {
        let harness = try await Harness.make(.live).configured { $0.maximumBulkBodyBytes = 100_000 }
        try await harness.withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            try await connection.send(
                "POST /v1/bulk-add-blacklist/json HTTP/1.1\r\nHost: engel\r\nContent-Length: 100001\r\n\r\n")
            let answer = try await connection.answer(within: .seconds(30))
            #expect(answer?.hasPrefix("HTTP/1.1 400 ") == true)
            #expect(answer?.hasSuffix(Self.badRequest) == true)
            await connection.close()
        }
    }

    @Test(
        "concurrent bulk and single writes from several clients agree with a serial order",
        arguments: TenancyAndConcurrencyTests.StoreKind.all.filter { $0.testDescription != "memory" })
    func concurrentClients(kind: TenancyAndConcurrencyTests.StoreKind) async throws {
        let store = try await kind.open()
        let harness = try await Harness.make(.live, store: store)
        try await harness.withClient { client in
            let pool = (0..<200).map { "53\(String(format: "%08d", $0))" }
            /// Per number: answered as added, and as removed.
            typealias Tally = [String: (added: Int, removed: Int)]
            var tallies: Tally = [:]
            try await withThrowingTaskGroup(of: Tally.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var tally: Tally = [:]
                        var random = SeededGenerator(seed: UInt64(worker + 11))
                        for round in 0..<8 {
                            let batch = Array(pool.shuffled(using: &random).prefix(60))
                            let body = numbers(harness, "[" + batch.map { "\"\($0)\"" }.joined(separator: ",") + "]")
                            switch (worker + round) % 3 {
                            case 0, 1:
                                let adding = (worker + round) % 3 == 0
                                let answer = try await client.post(adding ? Self.bulkAdd : Self.bulkDelete, body)
                                let envelope = try JSONDecoder().decode(BatchAnswer.self, from: Data(answer.body.utf8))
                                let unchanged = Set(envelope.unchanged)
                                // Every distinct valid input is either changed or reported unchanged.
                                #expect(envelope.changed + unchanged.count == batch.count)
                                for number in batch where !unchanged.contains(number) {
                                    if adding {
                                        tally[number, default: (0, 0)].added += 1
                                    } else {
                                        tally[number, default: (0, 0)].removed += 1
                                    }
                                }
                            default:
                                for number in batch.prefix(5) {
                                    let answer = try await client.delete(harness, number)
                                    if answer.status == 200 { tally[number, default: (0, 0)].removed += 1 }
                                }
                            }
                        }
                        return tally
                    }
                }
                for try await tally in group {
                    tallies.merge(tally) { ($0.added + $1.added, $0.removed + $1.removed) }
                }
            }
            let listed = Set(try await client.list(harness).numbers ?? [])
            for number in pool {
                let counts = tallies[number] ?? (0, 0)
                #expect(counts.added - counts.removed == (listed.contains("+90" + number) ? 1 : 0), "\(number)")
            }
        }
        await store.close()
    }
}

/// A bulk answer, read for what the race test needs: how many changed, which were unchanged.
private struct BatchAnswer: Decodable {
    let changed: Int
    let unchanged: [String]

    private enum Keys: String, CodingKey { case response, blacklist, added, alreadyListed, removed, notListed }

    init(from decoder: any Decoder) throws {
        let blacklist = try decoder.container(keyedBy: Keys.self)
            .nestedContainer(keyedBy: Keys.self, forKey: .response)
            .nestedContainer(keyedBy: Keys.self, forKey: .blacklist)
        if blacklist.contains(.added) {
            changed = try blacklist.decode(Int.self, forKey: .added)
            unchanged = try blacklist.decode([String].self, forKey: .alreadyListed)
        } else {
            changed = try blacklist.decode(Int.self, forKey: .removed)
            unchanged = try blacklist.decode([String].self, forKey: .notListed)
        }
    }
}
