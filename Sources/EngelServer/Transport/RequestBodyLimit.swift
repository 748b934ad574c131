import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The body limit of the request being read from a connection: its route's (``RouteTable``),
/// passed by a declared `Content-Length` or by the bytes that came.
///
/// A value the connection's ``DirectAnswerHandler`` keeps and shows every request part as it comes,
/// before anything else sees the part, so the limit covers every path, those that never read their
/// body included. It was a channel handler of its own: as a step of the handler that unwraps each
/// part anyway, a page costs about 5% less server CPU (Benchmarks/RESULTS.md, "2026-12-01
/// (session 19)").
struct RequestBodyLimit {
    private let routes: RouteTable
    /// The target of the request being read, to find its limit when its body passes the smallest.
    private var target: String?
    private var bodyBytes = 0
    /// A request's head came and its end has not yet.
    private(set) var isReading = false

    init(routes: RouteTable) {
        self.routes = routes
    }

    /// Notes `part`; the limit it passes, if it does.
    mutating func exceeded(by part: HTTPRequestPart) -> Int? {
        switch part {
        case .head(let head):
            bodyBytes = 0
            target = head.path
            isReading = true
            // The first field, not the subscript: that joins repeated fields into a new string.
            guard let declared = head.headerFields.first(where: { $0.name == .contentLength }) else { return nil }
            return Int(declared.value).flatMap(exceeded)
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            return exceeded(bodyBytes)
        case .end:
            isReading = false
            return nil
        }
    }

    /// The limit of the request being read when `bytes` exceed it; the route is looked up only for
    /// bodies past the smallest limit.
    private func exceeded(_ bytes: Int) -> Int? {
        guard bytes > routes.smallestBodyLimit else { return nil }
        let limit = routes.bodyLimit(for: target ?? "")
        return bytes > limit ? limit : nil
    }
}
