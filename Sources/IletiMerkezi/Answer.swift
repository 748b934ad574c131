import EngelWire
import Foundation
import NIOCore

/// Reads an answer's envelope: its status and, on success, the method's `blacklist` part.
///
/// The body is read whatever the HTTP status: the API answers errors with the envelope and an HTTP
/// status equal to its code. When the whole body does not decode as the method's answer, the status
/// is read on its own, so that an error is still reported as the server's error.
enum Answer {
    /// The `blacklist` part of the successful answer in `bytes` (`nil` when it has none), or the
    /// error the answer carries.
    static func decode<Payload: Decodable>(
        _: Payload.Type, from bytes: ByteBuffer, httpStatus: Int
    ) throws(IletiMerkeziError) -> Payload? {
        let data = Data(bytes.readableBytesView)
        let decoder = JSONDecoder()
        // One decoding for the usual answer; the status alone is read only when that fails.
        if let answer = try? decoder.decode(AnswerEnvelope<Payload>.self, from: data).response {
            if let error = IletiMerkeziError.fromStatus(code: answer.status.code, message: answer.status.message) {
                throw error
            }
            return answer.blacklist
        }
        guard let status = try? decoder.decode(AnswerEnvelope<Skipped>.self, from: data).response.status else {
            // Gateways in front of the API answer 502–504 with their own pages: the API is unavailable.
            let kind: IletiMerkeziError.Kind = (502...504).contains(httpStatus) ? .serverUnavailable : .unexpectedAnswer
            throw IletiMerkeziError(
                kind, code: httpStatus, message: "HTTP \(httpStatus) without an envelope: \(excerpt(data))")
        }
        if let error = IletiMerkeziError.fromStatus(code: status.code, message: status.message) {
            throw error
        }
        throw IletiMerkeziError(
            .unexpectedAnswer, code: status.code, message: "a blacklist that is not this method's: \(excerpt(data))")
    }

    /// Whatever `blacklist` holds, unread: for reading the status alone.
    struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    private static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(120), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
        return text.isEmpty ? "(empty body)" : text
    }
}
