import EngelCore
import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
public import Synchronization

/// A stand-in for the live iletiMerkezi API: the three one-number methods over a list in memory,
/// and the 404 envelope for Engel's batch methods, as the live API answers methods it lacks.
public final class FakeLiveAPI: Sendable {
    /// The listed numbers, `+905XXXXXXXXX`, oldest first.
    public let listed = Mutex<[String]>([])
    /// Creates an API with an empty list.
    public init() {}

    /// Requests per method, such as `check-blacklist/json`.
    public let hits = Mutex<[String: Int]>([:])

    /// Requests `method` has had.
    public func count(_ method: String) -> Int { hits.withLock { $0[method, default: 0] } }

    /// Serves the API under `/v1/`; `pageSize` is the most numbers one get-blacklist page holds.
    public func router(pageSize: Int = 1000) -> Router<BasicRequestContext> {
        let router = Router()
        let parser = PhoneNumberParser()
        for method in ["check-blacklist/json", "bulk-add-blacklist/json", "bulk-delete-blacklist/json"] {
            router.post("/v1/\(method)") { _, _ -> Response in
                self.hit(method)
                return Self.envelope(404, "API istek yapılan yönteme sahip değil")
            }
        }
        router.post("/v1/add-blacklist/json") { request, _ -> Response in
            self.hit("add-blacklist/json")
            guard let number = parser.number(from: try await Self.blacklist(request)["number"] as? String ?? "")
            else { return Self.envelope(466, "Hatalı numara") }
            self.listed.withLock { if !$0.contains(number.international) { $0.append(number.international) } }
            return Self.envelope(200, "İşlem başarılı")
        }
        router.post("/v1/delete-blacklist/json") { request, _ -> Response in
            self.hit("delete-blacklist/json")
            guard let number = parser.number(from: try await Self.blacklist(request)["number"] as? String ?? "")
            else { return Self.envelope(466, "Hatalı numara") }
            let removed = self.listed.withLock { list in
                guard let index = list.firstIndex(of: number.international) else { return false }
                list.remove(at: index)
                return true
            }
            return removed
                ? Self.envelope(200, "İşlem başarılı")
                : Self.envelope(474, "Bu numara üzerindeki engelleme kaldırılamaz")
        }
        router.post("/v1/get-blacklist/json") { request, _ -> Response in
            self.hit("get-blacklist/json")
            // The SDK sends page as a string of digits, as the API's documentation shows it.
            let blacklist = try await Self.blacklist(request)
            let page = blacklist["page"] as? Int ?? Int(blacklist["page"] as? String ?? "1") ?? 1
            let list = self.listed.withLock { $0 }
            let start = min((page - 1) * pageSize, list.count)
            let numbers = list[start..<min(start + pageSize, list.count)].map { "\"\($0)\"" }
            return Self.response(
                200,
                #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":\#(list.count),"number":[\#(numbers.joined(separator: ","))]}}}"#
            )
        }
        return router
    }

    private func hit(_ method: String) {
        hits.withLock { $0[method, default: 0] += 1 }
    }

    private static func blacklist(_ request: Request) async throws -> [String: Any] {
        let body = try await request.body.collect(upTo: 1 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let inner = json?["request"] as? [String: Any]
        return inner?["blacklist"] as? [String: Any] ?? [:]
    }

    private static func envelope(_ code: Int, _ message: String) -> Response {
        response(code, #"{"response":{"status":{"code":\#(code),"message":"\#(message)"}}}"#)
    }

    private static func response(_ status: Int, _ body: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
