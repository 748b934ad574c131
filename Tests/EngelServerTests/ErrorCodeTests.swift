import EngelCore
import EngelServer
import EngelStores
import Foundation
import HTTPTypes
import Testing

/// Every code the API answers, reached through the server, with the exact envelope.
@Suite("Error codes")
struct ErrorCodeTests {
    static let add = "/v1/add-blacklist/json"
    static let list = "/v1/get-blacklist/json"
    static let delete = "/v1/delete-blacklist/json"

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let path: String
        let body: @Sendable (Harness) -> String
        let code: Int
        var testDescription: String { "\(name) → \(code)" }
    }

    static let badRequests: [Case] = [
        Case(name: "not JSON", path: add, body: { _ in "number=905321234567" }, code: 400),
        Case(name: "empty body", path: add, body: { _ in "" }, code: 400),
        Case(name: "truncated JSON", path: list, body: { h in String(h.body(blacklist: nil).dropLast(3)) }, code: 400),
        Case(name: "top-level array", path: add, body: { _ in "[]" }, code: 400),
        Case(name: "no request", path: add, body: { _ in "{}" }, code: 400),
        Case(name: "request null", path: list, body: { _ in #"{"request":null}"# }, code: 400),
        Case(name: "request a string", path: list, body: { _ in #"{"request":"x"}"# }, code: 400),
        Case(
            name: "authentication a string", path: list, body: { _ in #"{"request":{"authentication":"x"}}"# },
            code: 400),
        Case(
            name: "key a number", path: list, body: { _ in #"{"request":{"authentication":{"key":1,"hash":"h"}}}"# },
            code: 400),
        Case(name: "no blacklist on add", path: add, body: { h in h.body(blacklist: nil) }, code: 400),
        Case(name: "no blacklist on delete", path: delete, body: { h in h.body(blacklist: nil) }, code: 400),
        Case(name: "no number", path: add, body: { h in h.body(blacklist: "{}") }, code: 400),
        Case(name: "number null", path: add, body: { h in h.body(blacklist: #"{"number":null}"#) }, code: 400),
        Case(
            name: "number an integer", path: add, body: { h in h.body(blacklist: #"{"number":905321234567}"#) },
            code: 400),
        Case(
            name: "number an array", path: delete, body: { h in h.body(blacklist: #"{"number":["905321234567"]}"#) },
            code: 400),
        Case(name: "blacklist an array", path: add, body: { h in h.body(blacklist: "[]") }, code: 400),
        Case(name: "page text", path: list, body: { h in h.body(blacklist: #"{"page":"abc"}"#) }, code: 400),
        Case(name: "page 0", path: list, body: { h in h.body(blacklist: #"{"page":0}"#) }, code: 400),
        Case(name: "page \"0\"", path: list, body: { h in h.body(blacklist: #"{"page":"0"}"#) }, code: 400),
        Case(name: "page -1", path: list, body: { h in h.body(blacklist: #"{"page":"-1"}"#) }, code: 400),
        Case(name: "page 1.5", path: list, body: { h in h.body(blacklist: #"{"page":1.5}"#) }, code: 400),
        Case(name: "page true", path: list, body: { h in h.body(blacklist: #"{"page":true}"#) }, code: 400),
        Case(name: "rowCount 0", path: list, body: { h in h.body(blacklist: #"{"rowCount":"0"}"#) }, code: 400),
        Case(name: "rowCount empty", path: list, body: { h in h.body(blacklist: #"{"rowCount":""}"#) }, code: 400),
        Case(name: "rowCount \" 5\"", path: list, body: { h in h.body(blacklist: #"{"rowCount":" 5"}"#) }, code: 400),
        Case(
            name: "start malformed", path: list,
            body: { h in h.body(blacklist: #"{"filter":{"start":"2026-04-01"}}"#) },
            code: 400),
        Case(
            name: "end impossible", path: list,
            body: { h in h.body(blacklist: #"{"filter":{"end":"2026-02-30 00:00:00"}}"#) }, code: 400),
        Case(name: "filter a string", path: list, body: { h in h.body(blacklist: #"{"filter":"x"}"#) }, code: 400),
        Case(
            name: "start a number", path: list, body: { h in h.body(blacklist: #"{"filter":{"start":20260401}}"#) },
            code: 400),
    ]

    static let unauthorized: [Case] = [
        Case(name: "no authentication", path: list, body: { _ in #"{"request":{}}"# }, code: 401),
        Case(name: "authentication null", path: add, body: { _ in #"{"request":{"authentication":null}}"# }, code: 401),
        Case(
            name: "empty key and hash", path: list,
            body: { _ in #"{"request":{"authentication":{"key":"","hash":""}}}"# }, code: 401),
        Case(
            name: "unknown key", path: list,
            body: { _ in #"{"request":{"authentication":{"key":"00000000000000000000000000000000","hash":"x"}}}"# },
            code: 401),
        Case(
            name: "wrong hash", path: add,
            body: { h in
                #"{"request":{"authentication":{"key":"\#(h.accounts["acme"]?.key ?? "")","hash":"\#(String(repeating: "0", count: 64))"},"blacklist":{"number":"905321234567"}}}"#
            }, code: 401),
        Case(
            name: "the secret instead of the hash", path: list,
            body: { h in
                #"{"request":{"authentication":{"key":"\#(h.accounts["acme"]?.key ?? "")","hash":"\#(h.accounts["acme"]?.secret ?? "")"}}}"#
            }, code: 401),
        Case(
            name: "bad credentials win over a malformed blacklist", path: add,
            body: { _ in #"{"request":{"authentication":{"key":"k","hash":"h"},"blacklist":[1,2]}}"# }, code: 401),
        Case(
            name: "bad credentials win over an invalid number", path: delete,
            body: { _ in #"{"request":{"authentication":{"key":"k","hash":"h"},"blacklist":{"number":"1"}}}"# },
            code: 401),
    ]

    static let unknownMethods: [Case] = [
        Case(name: "unknown method", path: "/v1/block-number/json", body: { h in h.body(blacklist: nil) }, code: 404),
        Case(name: "another API's method", path: "/v1/send-sms/json", body: { h in h.body(blacklist: nil) }, code: 404),
        Case(name: "no version", path: "/add-blacklist/json", body: { h in h.body(blacklist: nil) }, code: 404),
        Case(name: "root", path: "/", body: { _ in "" }, code: 404),
    ]

    static let invalidNumbers: [Case] = [
        Case(
            name: "made-up prefix", path: add, body: { h in h.body(blacklist: #"{"number":"905999000000"}"#) },
            code: 466),
        Case(name: "letters", path: add, body: { h in h.body(blacklist: #"{"number":"90532abc4567"}"#) }, code: 466),
        Case(name: "empty number", path: add, body: { h in h.body(blacklist: #"{"number":""}"#) }, code: 466),
        Case(
            name: "international", path: add, body: { h in h.body(blacklist: #"{"number":"+49172574483311"}"#) },
            code: 466),
        Case(
            name: "466 before 474", path: delete, body: { h in h.body(blacklist: #"{"number":"5999999999"}"#) },
            code: 466),
    ]

    static let messages: [Int: String] = Dictionary(
        uniqueKeysWithValues: APIStatus.allCases.map { ($0.code, $0.message) })

    @Test(
        "each bad request answers its code in the envelope",
        arguments: badRequests + unauthorized + unknownMethods + invalidNumbers)
    func table(testCase: Case) async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            let answer = try await client.post(testCase.path, testCase.body(harness))
            #expect(answer.status == testCase.code)
            #expect(answer.body == statusBody(testCase.code, Self.messages[testCase.code] ?? "?"))
            #expect(answer.contentType == "application/json; charset=utf-8")
        }
    }

    @Test("474: deleting a number that is not listed")
    func notListed() async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            let answer = try await client.delete(harness, "905321234567")
            #expect(answer.status == 474)
            #expect(answer.code == 474)
        }
    }

    @Test("401 when the account's API access is off, 200 again when back on")
    func apiAccessSwitch() async throws {
        let harness = try await Harness.make()
        let administration = AccountAdministration(store: harness.store)
        try await harness.withClient { client in
            try await administration.setAPIAccess(false, named: "acme")
            for answer in [
                try await client.add(harness, "905321234567"), try await client.list(harness),
                try await client.delete(harness, "905321234567"),
            ] {
                #expect(answer.body == statusBody(401, "Üyelik bilgileri hatalı"))
            }
            try await administration.setAPIAccess(true, named: "acme")
            #expect(try await client.add(harness, "905321234567").status == 200)
        }
    }

    @Test("a rotated hash stops working at once; the new one works")
    func rotation() async throws {
        let harness = try await Harness.make()
        let rotated = try await AccountAdministration(store: harness.store).rotate(named: "acme")
        try await harness.withClient { client in
            let old = try await client.list(harness)
            #expect(old.status == 401)
            let body = #"{"request":{"authentication":{"key":"\#(rotated.key)","hash":"\#(rotated.hash)"}}}"#
            let new = try await client.post("/v1/get-blacklist/json", body)
            #expect(new.status == 200)
        }
    }

    @Test(
        "GET, PUT, PATCH and DELETE on a method answer 400 in the envelope",
        arguments: ["GET", "PUT", "PATCH", "DELETE"])
    func otherVerbs(verb: String) async throws {
        let harness = try await Harness.make()
        try await harness.withClient { client in
            let answer = try await client.post(
                Self.add, harness.body(blacklist: #"{"number":"905321234567"}"#), method: .init(verb) ?? .get)
            #expect(answer.status == 400)
            #expect(answer.code == 400)
        }
    }

    @Test("a body over the limit answers 400")
    func oversizedBody() async throws {
        let harness = try await Harness.make(maximumBodyBytes: 1024)
        try await harness.withClient { client in
            let padding = String(repeating: " ", count: 2048)
            let answer = try await client.post(Self.list, harness.body(blacklist: nil) + padding)
            #expect(answer.status == 400)
            #expect(answer.code == 400)
        }
    }

    @Test("503 in the envelope when the store fails, and /healthz reports it")
    func storeFailure() async throws {
        let healthy = try await Harness.make()
        let failing = Harness(
            store: FailingStore(wrapping: healthy.store), configuration: healthy.configuration,
            accounts: healthy.accounts)
        try await failing.withClient { client in
            for answer in [
                try await client.add(failing, "905321234567"), try await client.list(failing),
                try await client.delete(failing, "905321234567"),
            ] {
                #expect(answer.status == 503)
                #expect(answer.body == statusBody(503, "Sunucu geçici olarak servis dışı"))
            }
            let health = try await client.post("/healthz", "", method: .get)
            #expect(health.status == 503)
            #expect(health.code == 503)
        }
        try await healthy.withClient { client in
            let health = try await client.post("/healthz", "", method: .get)
            #expect(health.status == 200)
            #expect(health.code == 200)
        }
    }
}

/// A store whose every list operation fails, as a database that went away would.
struct FailingStore: EngelStore {
    struct Unavailable: Error {}
    let wrapping: any EngelStore

    func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date) async throws
        -> Account
    { throw Unavailable() }
    func account(withKey apiKey: String) async throws -> Account? { try await wrapping.account(withKey: apiKey) }
    func account(named name: AccountName) async throws -> Account? { throw Unavailable() }
    func accounts() async throws -> [Account] { throw Unavailable() }
    func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) async throws -> Bool { throw Unavailable() }
    func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) async throws -> Bool {
        throw Unavailable()
    }
    func deleteAccount(named name: AccountName) async throws -> Bool { throw Unavailable() }
    func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome {
        throw Unavailable()
    }
    func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool { throw Unavailable() }
    func contains(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool { throw Unavailable() }
    func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        throw Unavailable()
    }
    func checkHealth() async throws { throw Unavailable() }
    func close() async {}
}
