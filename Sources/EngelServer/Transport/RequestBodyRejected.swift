/// A request body the server will not read: too large, too slow, or cut off. It answers 400 and the
/// connection is closed after the answer, since the rest of the body is never read.
struct RequestBodyRejected: Error, Sendable, CustomStringConvertible {
    enum Reason: Sendable {
        case tooLarge(limit: Int)
        case tooSlow(timeout: Duration)
        case unreadable
    }

    let reason: Reason

    init(_ reason: Reason) {
        self.reason = reason
    }

    var description: String {
        switch reason {
        case .tooLarge(let limit): "body larger than \(limit) bytes"
        case .tooSlow(let timeout): "body not received within \(timeout)"
        case .unreadable: "body could not be read"
        }
    }
}
