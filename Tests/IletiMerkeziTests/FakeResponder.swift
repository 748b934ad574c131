import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A server that answers what a test scripts instead of what the API would: non-envelope bodies,
/// unknown codes, slow answers, and sequences of answers for retry tests.
final class FakeResponder: Sendable {
    /// One scripted answer.
    struct Reply: Sendable {
        var status: Int
        var body: String
        var delay: Duration = .zero

        static func envelope(_ code: Int, _ message: String) -> Reply {
            Reply(status: code, body: #"{"response":{"status":{"code":\#(code),"message":"\#(message)"}}}"#)
        }
    }

    /// How many requests each script has answered.
    let hits = Mutex<[String: Int]>([:])

    /// Serves `scripts`: under `/NAME/v1/…`, the n-th request gets the n-th reply (the last repeats).
    func router(_ scripts: [String: [Reply]]) -> Router<BasicRequestContext> {
        let router = Router()
        for (name, replies) in scripts {
            for method in ["add-blacklist/json", "delete-blacklist/json", "get-blacklist/json"] {
                router.post("/\(name)/v1/\(method)") { _, _ -> Response in
                    let index = self.hits.withLock { hits in
                        defer { hits[name, default: 0] += 1 }
                        return hits[name, default: 0]
                    }
                    let reply = replies[min(index, replies.count - 1)]
                    if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
                    return Response(
                        status: HTTPResponse.Status(code: reply.status),
                        headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
                }
            }
        }
        return router
    }

    func count(_ name: String) -> Int { hits.withLock { $0[name, default: 0] } }
}
