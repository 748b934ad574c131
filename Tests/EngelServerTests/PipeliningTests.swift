import EngelTestSupport
import Foundation
import Testing

/// Requests sent back to back on one connection, before any answer: most are answered straight from
/// the connection's pipeline, some by Hummingbird behind it; either way the answers must leave in
/// the order the requests came.
@Suite("Pipelined requests over real connections")
struct PipeliningTests {
    /// One HTTP/1.1 POST of `body` to `path`, with `extraHeaders` (each ending in CRLF).
    func post(_ path: String, _ body: String, extraHeaders: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: engel\r\nContent-Length: \(body.utf8.count)\r\n\(extraHeaders)\r\n\(body)"
    }

    /// Five pipelined requests: an add of `first`, an add of `second` that expects 100-continue, a
    /// page, a path that does not exist, and a delete of `first` that closes the connection.
    func fiveRequests(adding first: String, then second: String, bodies harness: Harness) -> String {
        post("/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"\#(first)"}"#))
            + post(
                "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"\#(second)"}"#),
                extraHeaders: "Expect: 100-continue\r\n")
            + post("/v1/get-blacklist/json", harness.body(blacklist: nil)) + post("/v1/nowhere", "")
            + post(
                "/v1/delete-blacklist/json", harness.body(blacklist: #"{"number":"\#(first)"}"#),
                extraHeaders: "Connection: close\r\n")
    }

    @Test("answers leave in the order the requests came, whichever side answers each")
    func orderAcrossBothPaths() async throws {
        let harness = try await Harness.make(.live)
        try await harness.withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            // Expect and Connection: close are left to Hummingbird; the others are answered directly.
            // The page must see both adds, and the delete must come after the page.
            try await connection.send(
                fiveRequests(adding: "905321111111", then: "905322222222", bodies: harness))
            #expect(try await connection.wait(upTo: .seconds(30)) { $0.isClosedByServer })
            let answers = HTTPAnswers.split(connection.receivedText)
            #expect(answers.map(\.status) == [200, 200, 200, 404, 200])
            guard answers.count == 5 else { return }
            #expect(answers[2].body.contains("5321111111") && answers[2].body.contains("5322222222"))
            #expect(answers[3].body.contains("\"code\":404"))
            await connection.close()
        }
        // What was sent after the page was applied after it.
    }

    @Test("the same pipeline cut into pieces at seeded points keeps its answers and their order")
    func piecesAtAnyPoint() async throws {
        let harness = try await Harness.make(.live)
        var generator = SeededGenerator(seed: 19)
        try await harness.withServer { server in
            for round in 0..<40 {
                let number = "90532\(3_000_000 + round)"
                let bytes = Array(fiveRequests(adding: number, then: "905329999999", bodies: harness).utf8)
                var cuts = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                    Int.random(in: 1..<bytes.count, using: &generator)
                }
                cuts = ([0] + cuts.sorted() + [bytes.count])
                let connection = try await RawConnection.open(port: server.port)
                for (start, end) in zip(cuts, cuts.dropFirst()) where start < end {
                    try await connection.send(bytes[start..<end])
                    try await Task.sleep(for: .microseconds(Int.random(in: 0...2000, using: &generator)))
                }
                #expect(try await connection.wait(upTo: .seconds(30)) { $0.isClosedByServer }, "round \(round)")
                let answers = HTTPAnswers.split(connection.receivedText)
                #expect(answers.map(\.status) == [200, 200, 200, 404, 200], "round \(round): cut at \(cuts)")
                if answers.count == 5 {
                    #expect(answers[2].body.contains(number.dropFirst(2)), "round \(round)")
                }
                await connection.close()
            }
        }
    }

    @Test("on SQLite, pages answered at once keep their turn among answers made in tasks")
    func immediateAnswersKeepTheirTurn() async throws {
        let harness = try await Harness.make(.live)
        try await harness.withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            let page = post("/v1/get-blacklist/json", harness.body(blacklist: nil))
            // Page (at once), add (a task and a commit), page (at once, after the add), closing page.
            try await connection.send(
                page + post("/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"905321111111"}"#)) + page
                    + post(
                        "/v1/get-blacklist/json", harness.body(blacklist: nil), extraHeaders: "Connection: close\r\n"))
            #expect(try await connection.wait(upTo: .seconds(30)) { $0.isClosedByServer })
            let answers = HTTPAnswers.split(connection.receivedText)
            #expect(answers.map(\.status) == [200, 200, 200, 200])
            guard answers.count == 4 else { return }
            #expect(!answers[0].body.contains("5321111111"))
            #expect(answers[2].body.contains("5321111111") && answers[3].body.contains("5321111111"))
            await connection.close()
        }
    }

    @Test("a refused body or broken HTTP behind a request still lets that request's answer out first")
    func failuresWaitTheirTurn() async throws {
        let harness = try await Harness.make(.live)
        try await harness.withServer { server in
            let page = post("/v1/get-blacklist/json", harness.body(blacklist: nil))
            let oversized = String(repeating: " ", count: 70_000)
            let tooLarge =
                "POST /v1/add-blacklist/json HTTP/1.1\r\nHost: engel\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "\(String(oversized.utf8.count, radix: 16))\r\n\(oversized)\r\n0\r\n\r\n"
            for (follower, name) in [(tooLarge, "a body over the limit"), ("NOT HTTP AT ALL\r\n\r\n", "broken HTTP")] {
                let connection = try await RawConnection.open(port: server.port)
                try await connection.send(page + follower)
                #expect(try await connection.wait(upTo: .seconds(30)) { $0.isClosedByServer }, "\(name)")
                let answers = HTTPAnswers.split(connection.receivedText)
                #expect(answers.map(\.status) == [200, 400], "\(name)")
                await connection.close()
            }
        }
    }

    @Test("a direct answer carries Date, Server and its length, and keeps the connection open")
    func directAnswerHead() async throws {
        let harness = try await Harness.make(.live)
        try await harness.withServer { server in
            let connection = try await RawConnection.open(port: server.port)
            for round in 1...3 {
                try await connection.send(post("/v1/get-blacklist/json", harness.body(blacklist: nil)))
                #expect(
                    try await connection.wait(upTo: .seconds(30)) { HTTPAnswers.split($0.receivedText).count == round })
            }
            let answers = HTTPAnswers.split(connection.receivedText)
            #expect(answers.map(\.status) == [200, 200, 200])
            for answer in answers {
                #expect(answer.headers["server"] == "Engel")
                #expect(answer.headers["date"]?.hasSuffix(" GMT") == true)
                #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
                #expect(answer.headers["x-request-id"]?.count == 32)
            }
            #expect(!connection.isClosedByServer)
            await connection.close()
        }
    }
}

/// Answers read back from one connection's bytes, split by their Content-Length.
struct HTTPAnswers {
    var status: Int
    var headers: [String: String]
    var body: String

    static func split(_ text: String) -> [HTTPAnswers] {
        var answers: [HTTPAnswers] = []
        var rest = Substring(text)
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<headEnd.lowerBound].components(separatedBy: "\r\n")
            guard let statusLine = lines.first,
                let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
            else { break }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyBytes = rest[headEnd.upperBound...].utf8
            guard bodyBytes.count >= length else { break }
            let bodyEnd = bodyBytes.index(bodyBytes.startIndex, offsetBy: length)
            answers.append(
                HTTPAnswers(status: status, headers: headers, body: String(rest[headEnd.upperBound..<bodyEnd])))
            rest = rest[bodyEnd...]
        }
        return answers
    }
}
