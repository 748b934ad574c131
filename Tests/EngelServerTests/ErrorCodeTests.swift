import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import HTTPTypes
import Testing

/// Every code the API answers, reached through the server, with the exact envelope.
@Suite("Error codes")
struct ErrorCodeTests {
    static let add = "/v1/add-blacklist/json"
    static let list = "/v1/get-blacklist/json"

    /// Where a case posts: one of the methods, or a path that names none (answered in JSON always).
    enum Target: Sendable {
        case method(Endpoint)
        case unknown(String)

        func path(_ dialect: WireDialect) -> String {
            switch self {
            case .method(let endpoint): endpoint.path(dialect)
            case .unknown(let base): base + dialect.pathSuffix
            }
        }
    }

    /// What a case posts: a request in either dialect, or the bytes as written.
    enum Body: Sendable {
        case request(WireValue)
        case truncated(WireValue)
        case text(String)

        func rendered(in dialect: WireDialect) -> String {
            switch self {
            case .request(let value): value.rendered(in: dialect)
            case .truncated(let value): String(value.rendered(in: dialect).dropLast(3))
            case .text(let text): text
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let target: Target
        let body: @Sendable (Harness) -> Body
        let code: Int
        /// JSON's types have no XML counterpart (`1` and `"1"` are the same text), so a few cases
        /// belong to one dialect; malformed XML belongs to the other.
        var dialects: [WireDialect] = WireDialect.allCases
        var testDescription: String { "\(name) → \(code)" }

        init(
            name: String, path endpoint: Endpoint, body: @escaping @Sendable (Harness) -> Body, code: Int,
            only dialects: [WireDialect] = WireDialect.allCases
        ) {
            self.init(name: name, target: .method(endpoint), body: body, code: code, dialects: dialects)
        }

        init(
            name: String, target: Target, body: @escaping @Sendable (Harness) -> Body, code: Int,
            dialects: [WireDialect] = WireDialect.allCases
        ) {
            self.name = name
            self.target = target
            self.body = body
            self.code = code
            self.dialects = dialects
        }
    }

    static let badRequests: [Case] = [
        Case(name: "neither JSON nor XML", path: .add, body: { _ in .text("number=905321234567") }, code: 400),
        Case(name: "empty body", path: .add, body: { _ in .text("") }, code: 400),
        Case(name: "truncated", path: .list, body: { h in .truncated(h.request()) }, code: 400),
        Case(name: "top-level array", path: .add, body: { _ in .request([]) }, code: 400),
        Case(name: "no request", path: .add, body: { _ in .request([:]) }, code: 400),
        Case(name: "request null", path: .list, body: { _ in .request(["request": nil]) }, code: 400),
        Case(name: "request a string", path: .list, body: { _ in .request(["request": "x"]) }, code: 400),
        Case(
            name: "authentication a string", path: .list,
            body: { _ in .request(["request": ["authentication": "x"]]) }, code: 400),
        Case(
            name: "key a number", path: .list,
            body: { _ in .request(["request": ["authentication": ["key": 1, "hash": "h"]]]) }, code: 400,
            only: [.json]),
        Case(name: "no blacklist on add", path: .add, body: { h in .request(h.request()) }, code: 400),
        Case(name: "no blacklist on delete", path: .delete, body: { h in .request(h.request()) }, code: 400),
        Case(name: "no number", path: .add, body: { h in .request(h.request(blacklist: [:])) }, code: 400),
        Case(
            name: "number null", path: .add, body: { h in .request(h.request(blacklist: ["number": nil])) },
            code: 400),
        Case(
            name: "number an integer with a sign", path: .add,
            body: { h in .request(h.request(blacklist: ["number": -905_321_234_567])) }, code: 400, only: [.json]),
        Case(
            name: "number an integer with wrong digits", path: .delete,
            body: { h in .request(h.request(blacklist: ["number": 12345])) }, code: 466, only: [.json]),
        Case(
            name: "number an array", path: .delete,
            body: { h in .request(h.request(blacklist: ["number": ["905321234567"]])) }, code: 400, only: [.json]),
        Case(
            name: "two numbers", path: .add,
            body: { h in .request(h.request(blacklist: ["number": ["905321234567", "905331234567"]])) }, code: 400),
        Case(name: "blacklist an array", path: .add, body: { h in .request(h.request(blacklist: [])) }, code: 400),
        Case(name: "page text", path: .list, body: { h in .request(h.request(blacklist: ["page": "abc"])) }, code: 400),
        Case(name: "page 0", path: .list, body: { h in .request(h.request(blacklist: ["page": 0])) }, code: 400),
        Case(name: "page \"0\"", path: .list, body: { h in .request(h.request(blacklist: ["page": "0"])) }, code: 400),
        Case(name: "page -1", path: .list, body: { h in .request(h.request(blacklist: ["page": "-1"])) }, code: 400),
        Case(name: "page 1.5", path: .list, body: { h in .request(h.request(blacklist: ["page": 1.5])) }, code: 400),
        Case(name: "page true", path: .list, body: { h in .request(h.request(blacklist: ["page": true])) }, code: 400),
        Case(
            name: "rowCount 0", path: .list, body: { h in .request(h.request(blacklist: ["rowCount": "0"])) },
            code: 400),
        Case(
            name: "rowCount empty", path: .list, body: { h in .request(h.request(blacklist: ["rowCount": ""])) },
            code: 400),
        Case(
            name: "rowCount \" 5\"", path: .list, body: { h in .request(h.request(blacklist: ["rowCount": " 5"])) },
            code: 400),
        Case(
            name: "start malformed", path: .list,
            body: { h in .request(h.request(blacklist: ["filter": ["start": "2026-04-01"]])) }, code: 400),
        Case(
            name: "end impossible", path: .list,
            body: { h in .request(h.request(blacklist: ["filter": ["end": "2026-02-30 00:00:00"]])) }, code: 400),
        Case(
            name: "filter a string", path: .list, body: { h in .request(h.request(blacklist: ["filter": "x"])) },
            code: 400),
        Case(
            name: "start a number", path: .list,
            body: { h in .request(h.request(blacklist: ["filter": ["start": 20_260_401]])) }, code: 400),
    ]

    /// Malformed XML, each otherwise a valid request of the `acme` account.
    static let malformedXML: [Case] = [
        xmlCase("unclosed tag") { auth in "<request>\(auth)<blacklist><number>905321234567</number></blacklist>" },
        xmlCase("mismatched tags") { auth in
            "<request>\(auth)<blacklist><number>905321234567</blacklist></number></request>"
        },
        xmlCase("wrong root") { auth in
            "<response>\(auth)<blacklist><number>905321234567</number></blacklist></response>"
        },
        xmlCase("text where elements belong") { auth in
            "<request>hello\(auth)<blacklist><number>905321234567</number></blacklist></request>"
        },
        xmlCase("elements where the number belongs") { auth in
            "<request>\(auth)<blacklist><number><digits>905321234567</digits></number></blacklist></request>"
        },
        xmlCase("an unescaped ampersand") { auth in
            "<request>\(auth)<blacklist><number>905&321234567</number></blacklist></request>"
        },
        xmlCase("a DTD declaring an entity") { auth in
            #"<?xml version="1.0"?><!DOCTYPE request [<!ENTITY n "905321234567">]><request>\#(auth)<blacklist><number>&n;</number></blacklist></request>"#
        },
        xmlCase("an external entity") { auth in
            #"<!DOCTYPE request [<!ENTITY n SYSTEM "file:///etc/hostname">]><request>\#(auth)<blacklist><number>&n;</number></blacklist></request>"#
        },
        xmlCase("two roots") { auth in "<request>\(auth)</request><request>\(auth)</request>" },
        xmlCase("a form without a data field") { auth in "xml=" + formEncoded("<request>\(auth)</request>") },
        xmlCase("a data field that is not XML") { _ in "data=905321234567" },
    ]

    static func xmlCase(_ name: String, _ document: @escaping @Sendable (String) -> String) -> Case {
        Case(
            name: name, path: .add,
            body: { h in .text(document(WireValue.object([("authentication", h.authenticationValue())]).xml)) },
            code: 400, only: [.xml])
    }

    static let unauthorized: [Case] = [
        Case(name: "no authentication", path: .list, body: { _ in .request(["request": [:]]) }, code: 401),
        Case(
            name: "authentication null", path: .add, body: { _ in .request(["request": ["authentication": nil]]) },
            code: 401),
        Case(
            name: "empty key and hash", path: .list,
            body: { _ in .request(["request": ["authentication": ["key": "", "hash": ""]]]) }, code: 401),
        Case(
            name: "unknown key", path: .list,
            body: { _ in
                .request(["request": ["authentication": ["key": "00000000000000000000000000000000", "hash": "x"]]])
            }, code: 401),
        Case(
            name: "wrong hash", path: .add,
            body: { h in
                .request([
                    "request": [
                        "authentication": [
                            "key": .string(h.accounts["acme"]?.key ?? ""),
                            "hash": .string(String(repeating: "0", count: 64)),
                        ],
                        "blacklist": ["number": "905321234567"],
                    ]
                ])
            }, code: 401),
        Case(
            name: "the secret instead of the hash", path: .list,
            body: { h in
                .request([
                    "request": [
                        "authentication": [
                            "key": .string(h.accounts["acme"]?.key ?? ""),
                            "hash": .string(h.accounts["acme"]?.secret ?? ""),
                        ]
                    ]
                ])
            }, code: 401),
        Case(
            name: "bad credentials win over a malformed blacklist", path: .add,
            body: { _ in .request(["request": ["authentication": ["key": "k", "hash": "h"], "blacklist": [1, 2]]]) },
            code: 401),
        Case(
            name: "bad credentials win over an invalid number", path: .delete,
            body: { _ in
                .request(["request": ["authentication": ["key": "k", "hash": "h"], "blacklist": ["number": "1"]]])
            }, code: 401),
        Case(
            name: "bad credentials win over malformed XML inside <blacklist>", path: .add,
            body: { _ in
                .text(
                    "<request><authentication><key>k</key><hash>h</hash></authentication><blacklist>x<number>1</number></blacklist></request>"
                )
            }, code: 401, only: [.xml]),
    ]

    static let unknownMethods: [Case] = [
        Case(
            name: "unknown method", target: .unknown("/v1/block-number"), body: { h in .request(h.request()) },
            code: 404),
        Case(
            name: "another API's method", target: .unknown("/v1/send-sms"), body: { h in .request(h.request()) },
            code: 404),
        Case(name: "no version", target: .unknown("/add-blacklist"), body: { h in .request(h.request()) }, code: 404),
        Case(name: "root", target: .unknown("/"), body: { _ in .text("") }, code: 404, dialects: [.json]),
    ]

    static let invalidNumbers: [Case] = [
        Case(
            name: "made-up prefix", path: .add,
            body: { h in .request(h.request(blacklist: ["number": "905999000000"])) }, code: 466),
        Case(
            name: "letters", path: .add, body: { h in .request(h.request(blacklist: ["number": "90532abc4567"])) },
            code: 466),
        Case(
            name: "empty number", path: .add, body: { h in .request(h.request(blacklist: ["number": ""])) }, code: 466),
        Case(
            name: "international", path: .add,
            body: { h in .request(h.request(blacklist: ["number": "+49172574483311"])) }, code: 466),
        Case(
            name: "466 before 474", path: .delete,
            body: { h in .request(h.request(blacklist: ["number": "5999999999"])) }, code: 466),
    ]

    static let messages: [Int: String] = Dictionary(
        uniqueKeysWithValues: APIStatus.allCases.map { ($0.code, $0.message) })

    static let allCases: [(Case, WireDialect)] =
        (badRequests + malformedXML + unauthorized + unknownMethods
        + invalidNumbers).flatMap { testCase in testCase.dialects.map { (testCase, $0) } }

    @Test("each bad request answers its code in the envelope of its dialect", arguments: Transport.allCases, allCases)
    func table(transport: Transport, example: (testCase: Case, dialect: WireDialect)) async throws {
        let (testCase, dialect) = example
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let answer = try await client.post(
                testCase.target.path(dialect), testCase.body(harness).rendered(in: dialect),
                contentType: dialect.requestContentType)
            // Only the methods' own paths speak XML; any other path answers in JSON.
            let answered: WireDialect
            if case .method = testCase.target { answered = dialect } else { answered = .json }
            #expect(answer.status == testCase.code)
            #expect(answer.body == statusBody(testCase.code, Self.messages[testCase.code] ?? "?", in: answered))
            #expect(answer.contentType == answered.responseContentType)
        }
    }

    @Test("474: deleting a number that is not listed", arguments: Transport.allCases, WireDialect.allCases)
    func notListed(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let answer = try await client.delete(harness, "905321234567", in: dialect)
            #expect(answer.status == 474)
            #expect(answer.code == 474)
        }
    }

    @Test(
        "401 when the account's API access is off, 200 again when back on",
        arguments: Transport.allCases, WireDialect.allCases)
    func apiAccessSwitch(transport: Transport, dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        let administration = AccountAdministration(store: harness.store)
        try await harness.withClient { client in
            try await administration.setAPIAccess(false, named: "acme")
            for answer in [
                try await client.add(harness, "905321234567", in: dialect),
                try await client.list(harness, nil, in: dialect),
                try await client.delete(harness, "905321234567", in: dialect),
            ] {
                #expect(answer.body == statusBody(401, "Üyelik bilgileri hatalı", in: dialect))
            }
            try await administration.setAPIAccess(true, named: "acme")
            #expect(try await client.add(harness, "905321234567", in: dialect).status == 200)
        }
    }

    @Test("a rotated hash stops working at once; the new one works", arguments: Transport.allCases)
    func rotation(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
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
        arguments: Transport.allCases, pairs(["GET", "PUT", "PATCH", "DELETE"], WireDialect.allCases))
    func otherVerbs(transport: Transport, request: (verb: String, dialect: WireDialect)) async throws {
        let (verb, dialect) = request
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let answer = try await client.post(
                Endpoint.add.path(dialect),
                harness.request(blacklist: ["number": "905321234567"]).rendered(in: dialect),
                method: .init(verb) ?? .get)
            #expect(answer.status == 400)
            #expect(answer.body == statusBody(400, "İstek çözümlenemedi", in: dialect))
        }
    }

    @Test(
        "paths match with empty segments ignored; other verbs, and unknown paths, find no method (404)",
        arguments: Transport.allCases)
    func pathMatching(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            for path in ["/v1/get-blacklist/json/", "//v1//get-blacklist/json", "/v1/get-blacklist/json?page=9"] {
                let answer = try await client.post(path, harness.body(blacklist: nil))
                #expect(answer.status == 200 && answer.code == 200, "\(path)")
            }
            #expect(try await client.post("/healthz/", "", method: .get).status == 200)
            let unknownMethod = statusBody(404, "API istek yapılan yönteme sahip değil", in: .json)
            for (path, verb): (String, HTTPRequest.Method) in [
                ("/v1/get-blacklist/json", .options), ("/healthz", .post), ("/metrics", .put),
                ("/V1/get-blacklist/json", .post), ("/v1/get-blacklist/json/more", .post), ("/", .get),
            ] {
                let answer = try await client.post(path, harness.body(blacklist: nil), method: verb)
                #expect(answer.status == 404 && answer.body == unknownMethod, "\(verb) \(path)")
            }
        }
    }

    @Test("a body over the limit answers 400", arguments: Transport.allCases)
    func oversizedBody(transport: Transport) async throws {
        let harness = try await Harness.make(transport, maximumBodyBytes: 1024)
        try await harness.withClient { client in
            let padding = String(repeating: " ", count: 2048)
            let answer = try await client.post(Self.list, harness.body(blacklist: nil) + padding)
            #expect(answer.status == 400)
            #expect(answer.code == 400)
        }
    }

    @Test(
        "401 when the account is deleted between the credentials check and the add",
        arguments: Transport.allCases)
    func accountDeletedMeanwhile(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        let deleting = harness.over(DeletingBeforeAddStore(wrapping: harness.store))
        try await deleting.withClient { client in
            let answer = try await client.add(deleting, "905321234567")
            #expect(answer.status == 401)
            #expect(answer.code == 401)
            let accounts = try await harness.store.accounts()
            #expect(accounts.isEmpty)
        }
        // The account's next request is refused the same way (and the live server closes its store).
        try await harness.withClient { client in
            let again = try await client.add(harness, "905321234567")
            #expect(again.status == 401)
        }
    }

    @Test(
        "503 in the envelope when the store fails, and /healthz reports it",
        arguments: Transport.allCases, WireDialect.allCases)
    func storeFailure(transport: Transport, dialect: WireDialect) async throws {
        let healthy = try await Harness.make(transport)
        let failing = healthy.over(FailingStore(wrapping: healthy.store))
        try await failing.withClient { client in
            for answer in [
                try await client.add(failing, "905321234567", in: dialect),
                try await client.list(failing, nil, in: dialect),
                try await client.delete(failing, "905321234567", in: dialect),
            ] {
                #expect(answer.status == 503)
                #expect(answer.body == statusBody(503, "Sunucu geçici olarak servis dışı", in: dialect))
                #expect(answer.contentType == dialect.responseContentType)
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
