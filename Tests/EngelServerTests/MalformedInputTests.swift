import EngelCore
import EngelServer
import EngelTestSupport
import EngelWire
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Malformed input")
struct MalformedInputTests {
    /// Fixed, so a failure reproduces; set ENGEL_TEST_SEED to explore other sequences.
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["ENGEL_TEST_SEED"].flatMap { UInt64($0) } ?? 20_260_406
    static let count = 3_000

    @Test(
        "thousands of generated bad requests each answer their code in the envelope, never a 5xx",
        arguments: Transport.allCases)
    func generatedBadRequests(transport: Transport) async throws {
        // A batch limit near the others keeps the bodies that pass it small.
        let harness = try await Harness.make(transport).configured {
            $0.maximumBulkBodyBytes = 2 * $0.maximumBodyBytes
        }
        let credentials = try #require(harness.accounts["acme"])
        var generator = MalformedRequests(
            key: credentials.key, hash: credentials.hash, maximumBodyBytes: harness.configuration.maximumBodyBytes,
            maximumBulkBodyBytes: harness.configuration.maximumBulkBodyBytes, random: SeededGenerator(seed: Self.seed))
        let requests = (0..<Self.count).map { _ in generator.next() }
        let kinds = try await harness.withClient { client in
            var kinds: [String: Int] = [:]
            for request in requests {
                kinds[request.family, default: 0] += 1
                var headers: HTTPFields = [:]
                if let contentType = request.contentType { headers[.contentType] = contentType }
                let answer = try await client.execute(
                    request.endpoint.path(request.dialect), method: request.method, headers: headers,
                    body: ByteBuffer(bytes: request.body))
                Self.check(answer, for: request)
            }
            return kinds
        }
        // Every kind of damage was exercised, many times.
        #expect(kinds.count == MalformedRequests.families.count, "kinds: \(kinds.keys.sorted())")
        #expect(kinds.values.allSatisfy { $0 >= 100 }, "kinds: \(kinds)")
    }

    @Test(
        "an XML element name that is not UTF-8 answers 400 (FoundationXML, the parser before ours, trapped on it)",
        arguments: Transport.allCases, Endpoint.iletiMerkezi)
    func xmlNameNotUTF8(transport: Transport, endpoint: Endpoint) async throws {
        let harness = try await Harness.make(transport)
        let credentials = try #require(harness.accounts["acme"])
        let body =
            Array("<request><authentication><key>\(credentials.key)</key><ha".utf8) + [0xD4]
            + Array("h>\(credentials.hash)</ha".utf8) + [0xD4] + Array("h></authentication></request>".utf8)
        try await harness.withClient { client in
            let answer = try await client.execute(
                endpoint.path(.xml), headers: [.contentType: "text/xml"], body: ByteBuffer(bytes: body))
            #expect(answer.status == 400)
            #expect(answer.body == statusBody(400, "İstek çözümlenemedi", in: .xml))
        }
    }

    static func check(_ answer: Answer, for request: MalformedRequest) {
        let context = Comment(rawValue: "seed \(seed): \(request)\n→ \(answer.status) \(answer.body.prefix(200))")
        #expect(!(500..<600).contains(answer.status), context)
        #expect(request.allowed.contains(answer.status), context)
        #expect(answer.code == answer.status, context)
        #expect(answer.contentType == request.dialect.responseContentType, context)
        // A batch method's success carries its own blacklist part; every other answer is the status
        // alone or a page.
        if let status = APIStatus(rawValue: answer.status), !(request.endpoint.isEngelsOwn && status == .success),
            answer.envelope?.response.blacklist == nil
        {
            #expect(answer.body == statusBody(status.code, status.message, in: request.dialect), context)
        }
    }
}
