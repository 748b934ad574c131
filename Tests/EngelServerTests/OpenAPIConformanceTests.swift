import EngelCore
import EngelTestSupport
import EngelWire
import Foundation
import HummingbirdTesting
import Testing

/// `openapi.yaml` describes what the server really does: every answer of a tour through every code
/// validates against the schema documented for its method and status, and the seed pages' requests
/// validate against the request schemas.
@Suite("OpenAPI document")
struct OpenAPIConformanceTests {
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml")

    func validator() throws -> SchemaValidator {
        SchemaValidator(document: try YAMLSubsetReader.read(String(contentsOf: Self.documentURL, encoding: .utf8)))
    }

    @Test("the document declares every method and every code of the contract")
    func declaresEverything() throws {
        let validator = try validator()
        #expect(validator.document["openapi"]?.string == "3.0.3")
        for endpoint in Endpoint.allCases {
            let codes =
                endpoint == .list || endpoint.isEngelsOwn ? [200, 400, 401, 404, 503] : [200, 400, 401, 404, 466, 503]
            for code in codes + (endpoint == .delete ? [474] : []) {
                #expect(
                    validator.responseSchema(path: operationPath(endpoint), status: code) != nil, "\(endpoint) \(code)")
            }
            #expect(validator.requestSchema(path: operationPath(endpoint)) != nil)
        }
    }

    func operationPath(_ endpoint: Endpoint) -> String {
        String(endpoint.path(.json).dropFirst("/v1".count))
    }

    @Test("every answer of the server validates against its documented schema")
    func answersConform() async throws {
        let validator = try validator()
        let harness = try await Harness.make()
        let failing = harness.over(FailingStore(wrapping: harness.store))
        var tour: [(Endpoint, Answer)] = try await harness.withClient { client in
            var tour: [(Endpoint, Answer)] = []
            tour.append((.add, try await client.add(harness, "905321234567")))
            tour.append((.add, try await client.add(harness, "+90 532 123 45 68")))
            tour.append((.list, try await client.list(harness)))
            tour.append((.list, try await client.list(harness, #"{"page":2,"rowCount":"1"}"#)))
            tour.append((.list, try await client.list(harness, #"{"page":"9"}"#)))
            tour.append((.list, try await client.list(harness, #"{"page":"x"}"#)))
            tour.append((.add, try await client.add(harness, "905999999999")))
            tour.append((.delete, try await client.delete(harness, "905321234567")))
            tour.append((.delete, try await client.delete(harness, "905321234567")))
            tour.append((.delete, try await client.post(Endpoint.delete.path(.json), "{")))
            tour.append((.add, try await client.post(Endpoint.add.path(.json), #"{"request":{}}"#)))
            tour.append((.add, try await client.post("/v1/no-such-method/json", harness.body(blacklist: nil))))
            let batch = #"{"numbers":["905321234567", 5321234569, "bad", 7]}"#
            for endpoint in [Endpoint.bulkAdd, .check, .bulkDelete, .bulkDelete] {
                tour.append((endpoint, try await client.post(endpoint.path(.json), harness.body(blacklist: batch))))
                tour.append(
                    (endpoint, try await client.post(endpoint.path(.json), harness.body(blacklist: #"{"numbers":[]}"#)))
                )
            }
            tour.append((.entries, try await client.post(Endpoint.entries.path(.json), harness.body(blacklist: nil))))
            tour.append(
                (
                    .entries,
                    try await client.post(Endpoint.entries.path(.json), harness.body(blacklist: #"{"page":"x"}"#))
                ))
            tour.append(
                (
                    .check,
                    try await client.post(
                        Endpoint.check.path(.json),
                        harness.body(blacklist: #"{"numbers":["905321234568"],"detail":true}"#))
                ))
            tour.append((.changes, try await client.post(Endpoint.changes.path(.json), harness.body(blacklist: nil))))
            tour.append(
                (
                    .changes,
                    try await client.post(Endpoint.changes.path(.json), harness.body(blacklist: #"{"after":-1}"#))
                ))
            return tour
        }
        tour.append((.list, try await failing.withClient { client in try await client.list(failing) }))
        var codes: Set<Int> = []
        for (endpoint, answer) in tour {
            codes.insert(answer.status)
            let schema = try #require(
                validator.responseSchema(path: operationPath(endpoint), status: answer.status),
                "\(endpoint) \(answer.status) is undocumented")
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
            let problems = validator.problems(value, against: schema)
            #expect(problems.isEmpty, "\(endpoint) \(answer.status): \(problems)")
        }
        #expect(codes == Set(APIStatus.allCases.map(\.code)))
    }

    @Test("the schemas reject answers that break the contract")
    func schemasAreStrict() throws {
        let validator = try validator()
        let list = try #require(validator.responseSchema(path: "/get-blacklist/json", status: 200))
        let wrong = [
            #"{"response":{"status":{"code":"200","message":"İşlem başarılı"},"blacklist":{"count":1,"number":["+905321234567"]}}}"#,
            #"{"response":{"status":{"code":200,"message":"OK"},"blacklist":{"count":1,"number":["+905321234567"]}}}"#,
            #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":"1","number":[]}}}"#,
            #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":1,"number":["905321234567"]}}}"#,
            #"{"response":{"status":{"code":200,"message":"İşlem başarılı"}}}"#,
        ]
        for body in wrong {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
            #expect(!validator.problems(value, against: list).isEmpty, "\(body)")
        }
    }

    @Test("the seed pages' requests validate against the request schemas")
    func seedRequestsConform() async throws {
        let validator = try validator()
        let harness = try await Harness.make()
        let seeds = SeedExampleTests()
        let requests: [(Endpoint, SeedExampleTests.Example)] = [
            (.add, SeedExampleTests.addOrDeleteExample), (.delete, SeedExampleTests.curlExample),
            (.list, SeedExampleTests.listUnfiltered), (.list, SeedExampleTests.listFiltered),
        ]
        for (endpoint, example) in requests {
            let body = seeds.seed(example, harness, in: .json)
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
            let schema = try #require(validator.requestSchema(path: operationPath(endpoint)))
            #expect(validator.problems(value, against: schema).isEmpty, "\(endpoint)")
        }
        let sdkStyle = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(
                harness.body(
                    blacklist: #"{"page":1,"rowCount":1000,"filter":{"start":"2026-04-01 00:00:00","end":null}}"#
                ).utf8))
        let listSchema = try #require(validator.requestSchema(path: "/get-blacklist/json"))
        #expect(validator.problems(sdkStyle, against: listSchema).isEmpty)
    }
}
