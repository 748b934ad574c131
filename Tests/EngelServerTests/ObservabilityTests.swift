import EngelCore
import EngelServer
import EngelTestSupport
import EngelWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Testing

@Suite("Metrics and request ids")
struct ObservabilityTests {
    /// The value of the sample `name{labels}` in an exposition, if any.
    static func sample(_ exposition: String, _ series: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("/healthz answers GET and HEAD, telling the version and the commit", arguments: Transport.allCases)
    func healthIdentity(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            let got = try await client.post("/healthz", "", contentType: nil, method: .get)
            let head = try await client.post("/healthz", "", contentType: nil, method: .head)
            for answer in [got, head] {
                #expect(answer.status == 200)
                #expect(answer.fields[HTTPField.Name("Engel-Version")!] == EngelVersion.text)
            }
            #expect(got.code == 200)
            #expect(head.body.isEmpty)
        }
        #expect(
            EngelVersion.text.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+ \((unknown|[0-9a-f]{12}(-modified)?)\)/) != nil)
    }

    @Test("/metrics counts requests by endpoint and code, times them, and shows store errors and list sizes")
    func metrics() async throws {
        let harness = try await Harness.make(accounts: ["acme", "globex"])
        let registry = PrometheusCollectorRegistry()
        try await harness.withClient(metrics: registry) { client in
            _ = try await client.add(harness, "905321234567")
            _ = try await client.add(harness, "905331234567")
            _ = try await client.add(harness, "905999999999")
            _ = try await client.add(harness, "905321234567", in: .xml)
            _ = try await client.list(harness)
            _ = try await client.list(harness, as: "globex")
            _ = try await client.list(harness, #"{"filter":{"start":"2030-01-01 00:00:00"}}"#)
            _ = try await client.post("/v1/nothing/json", "")
        }
        try await harness.withClient(store: FailingStore(wrapping: harness.store), metrics: registry) { client in
            _ = try await client.add(harness, "905321234567")
            _ = try await client.post("/healthz", "", method: .get)
        }
        let exposition = try await harness.withClient(metrics: registry) { client in
            let answer = try await client.post("/metrics", "", method: .get)
            #expect(answer.status == 200)
            #expect(answer.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            return answer.body
        }
        let add = #"endpoint="/v1/add-blacklist/json""#
        #expect(Self.sample(exposition, #"engel_http_requests_total{\#(add),code="200"}"#) == 2)
        #expect(Self.sample(exposition, #"engel_http_requests_total{\#(add),code="466"}"#) == 1)
        #expect(Self.sample(exposition, #"engel_http_requests_total{\#(add),code="503"}"#) == 1)
        #expect(
            Self.sample(exposition, #"engel_http_requests_total{endpoint="/v1/add-blacklist",code="200"}"#) == 1)
        #expect(Self.sample(exposition, #"engel_http_requests_total{endpoint="other",code="404"}"#) == 1)
        #expect(Self.sample(exposition, #"engel_http_request_duration_seconds_count{\#(add)}"#) == 4)
        #expect(exposition.contains(#"engel_http_request_duration_seconds_bucket{\#(add),le="0.001"}"#))
        #expect(Self.sample(exposition, #"engel_store_errors_total{\#(add)}"#) == 1)
        #expect(Self.sample(exposition, #"engel_store_errors_total{endpoint="/healthz"}"#) == 1)
        // The unfiltered lists' sizes; the filtered one does not overwrite acme's.
        #expect(Self.sample(exposition, #"engel_blacklist_entries{account="acme"}"#) == 2)
        #expect(Self.sample(exposition, #"engel_blacklist_entries{account="globex"}"#) == 0)
    }

    @Test("with a token configured, /metrics answers only a request bearing it; the API is unaffected")
    func metricsToken() async throws {
        let token = "0123456789abcdef0123456789abcdef"
        let harness = try await Harness.make().configured { $0.metricsToken = token }
        try await harness.withClient { client in
            func metrics(_ authorization: String?) async throws -> Answer {
                var headers: HTTPFields = [:]
                if let authorization { headers[.authorization] = authorization }
                return try await client.execute("/metrics", method: .get, headers: headers, body: ByteBuffer())
            }
            for refused in [nil, "Bearer wrong", "Bearer \(token)x", "Basic \(token)", token] {
                let answer = try await metrics(refused)
                #expect(answer.status == 401, "\(refused ?? "no header")")
                #expect(answer.body.contains(#""code":401"#))
                #expect(!answer.body.contains("engel_http_requests_total"))
            }
            let allowed = try await metrics("Bearer \(token)")
            #expect(allowed.status == 200)
            #expect(allowed.body.contains("engel_http_requests_total"))
            #expect(try await client.add(harness, "905321234567").status == 200)
        }
    }

    @Test("a sane X-Request-Id is kept and echoed, anything else is replaced; the id is in the request's logs")
    func requestIDs() async throws {
        let harness = try await Harness.make()
        let captured = CapturedLog()
        let insane = ["", String(repeating: "a", count: 129), "with space", "quote\"d", "ünicode", "a\u{7F}b"]
        try await harness.withClient(logger: captured.logger) { client in
            func answer(_ id: String?) async throws -> String? {
                var headers: HTTPFields = [:]
                if let id, let name = HTTPField.Name("X-Request-Id") { headers[name] = id }
                let answer = try await client.execute(
                    "/v1/get-blacklist/json", headers: headers, body: ByteBuffer(string: harness.body(blacklist: nil)))
                return HTTPField.Name("X-Request-Id").flatMap { answer.fields[$0] }
            }
            let kept = "req-42.a_b:c"
            #expect(try await answer(kept) == kept)
            #expect(captured.text.split(separator: "\n").contains { $0.contains("answered") && $0.contains(kept) })
            var generated: Set<String> = []
            for id in insane + [nil, nil] {
                let echoed = try #require(try await answer(id))
                #expect(echoed != id)
                #expect((17...32).contains(echoed.count) && echoed.allSatisfy(\.isHexDigit))
                generated.insert(echoed)
            }
            #expect(generated.count == insane.count + 2)
            // Errors carry one too.
            let missing = try await client.execute("/nowhere", method: .get, body: ByteBuffer())
                .fields[HTTPField.Name("X-Request-Id") ?? .contentType]
            #expect(missing.map { (17...32).contains($0.count) } == true)
        }
    }
}
